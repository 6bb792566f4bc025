"""Turns a DomainError from a service into form errors, beside the field it names."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from syndication.errors import DomainError


def add_domain_error(
    form: forms.BaseForm, error: DomainError, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Attach the error to the field it names (through aliases where the service's name differs
    from the form's), or to the whole form when the form has no such field. Adding an error
    drops the field from cleaned_data but leaves form.data alone, so what was typed stays."""
    field = error.field
    if field and aliases:
        field = aliases.get(field, field)
    if field not in form.fields:
        field = None
    form.add_error(field, error.message)
