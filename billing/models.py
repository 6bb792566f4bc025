"""Payments and Stripe events (built by the billing issue)."""
