"""The licensing admin: rate cards, the review queue of licence requests, and issued licences.
The audit trail (RequestEvent) is shown read-only inside a request and registered nowhere."""

from licensing.admin import licences, rate_cards, requests

__all__ = ["licences", "rate_cards", "requests"]

from licensing import admin_aftercare, admin_packages  # noqa: F401
