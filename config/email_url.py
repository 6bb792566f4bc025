"""Turn EMAIL_URL into Django's MAILERS setting: console://, file:///dir, locmem://,
smtp://user:pass@host:port/?tls=1 or smtps://..."""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = "django.core.mail.backends."


def mailer_from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"BACKEND": BACKENDS + "console.EmailBackend"}
    if scheme == "locmem":
        return {"BACKEND": BACKENDS + "locmem.EmailBackend"}
    if scheme == "file":
        return {
            "BACKEND": BACKENDS + "filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if scheme in ("smtp", "smtps"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "BACKEND": BACKENDS + "smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": scheme == "smtps",
                "use_tls": query.get("tls", "0").lower() in ("1", "true", "yes"),
                "timeout": int(query.get("timeout", "10")),
            },
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not one of console, file, smtp, smtps"
    )
