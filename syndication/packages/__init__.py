"""Delivery package renderers: pure functions from plain package data to HTML, PDF, ninjs,
ODRL licence and a signed ZIP bundle. Nothing here knows about licences in the database."""
