"""Domain errors: one base class with a machine code and, where it applies, the field at fault.
The API's exception handler and the forms' helper turn them into 4xx answers naming the field."""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [self.message]}


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class Conflict(DomainError):
    """The object is not in a state that allows the operation."""

    code = "conflict"
    status_code = 409
