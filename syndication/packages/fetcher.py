"""The only URL fetcher WeasyPrint gets: the service's own static and media files, and the
in-memory resources the renderer registers. Anything else is refused, logged and dropped."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A resource outside the service's own files: never fetched."""


def allowed_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    for entry in settings.STATICFILES_DIRS:
        # STATICFILES_DIRS entries may be (prefix, path) pairs.
        roots.append(Path(entry[1] if isinstance(entry, tuple | list) else entry))
    return [root.resolve() for root in roots]


def checked_path(path: Path) -> Path:
    """`path` resolved, if it is a file inside an allowed root (symlinks and .. followed)."""
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in allowed_roots()):
        raise RefusedURL(f"{path} is outside the static and media roots")
    if not resolved.is_file():
        raise RefusedURL(f"{path} is not a file")
    return resolved


class PackageURLFetcher(URLFetcher):
    """Serves registered in-memory resources, file:// under the roots, and SITE_URL's own
    /static/ and /media/ addresses from disk. Never opens a socket."""

    def __init__(self, resources: Mapping[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.resources = dict(resources or {})
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            if url in self.resources:
                body, media_type = self.resources[url]
                return URLFetcherResponse(url, body, {"Content-Type": media_type})
            path = self._local_path(url)
        except RefusedURL as refusal:
            self.refused.append(url)
            logger.warning("Package render refused %s: %s", url[:200], refusal)
            raise
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})

    def _local_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise RefusedURL("remote file URL")
            return checked_path(Path(url2pathname(unquote(parts.path))))
        site = urlsplit(settings.SITE_URL)
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or parts.query:
            raise RefusedURL("not one of the service's own files")
        path = unquote(parts.path)
        if path.startswith(settings.STATIC_URL):
            relative = path.removeprefix(settings.STATIC_URL)
            found = finders.find(relative) if ".." not in relative.split("/") else None
            candidate = Path(found) if found else Path(settings.STATIC_ROOT) / relative
            return checked_path(candidate)
        if path.startswith(settings.MEDIA_URL):
            return checked_path(Path(settings.MEDIA_ROOT) / path.removeprefix(settings.MEDIA_URL))
        raise RefusedURL("not under STATIC_URL or MEDIA_URL")
