"""The PDF package (WeasyPrint, PDF/A-3b): the HTML template in print mode, a certificate page
with a QR code, document metadata, and the ODRL licence and ninjs attached as files."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML, Attachment
from weasyprint.css import ColorProfile

from syndication.packages.content import data_url, package_context
from syndication.packages.data import PackageData
from syndication.packages.fetcher import PackageURLFetcher
from syndication.packages.html import read_image
from syndication.packages.ninjs import render_ninjs
from syndication.packages.odrl import licence_policy, render_licence_json

VARIANT = "pdf/a-3b"
# Our own name for WeasyPrint's sRGB profile: with "srgb" WeasyPrint opens the ICC file and
# never closes it (a ResourceWarning on every render), so the profile is handed in read.
OUTPUT_INTENT = "package-srgb"


@cache
def _srgb_icc() -> bytes:
    return (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _color_profiles() -> dict[str, ColorProfile]:
    rgb = (["r"], ["g"], ["b"])
    profile = ColorProfile(io.BytesIO(_srgb_icc()), "sRGB2014.icc", "relative-colorimetric", rgb)
    return {OUTPUT_INTENT: profile}


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def print_html(data: PackageData, fetcher: PackageURLFetcher) -> str:
    """The print-mode HTML. Pictures travel as data: URLs registered with the fetcher, which
    serves those exact addresses and nothing of the article's own."""

    def src_for(index: int, image: object) -> str:
        picture = data.images[index]
        content = read_image(picture)
        url = data_url(picture, content)
        fetcher.resources[url] = (content, picture.media_type)
        return url

    context = package_context(data, src_for=src_for, for_print=True, policy=licence_policy(data))
    context["qr_svg"] = mark_safe(qr_svg(data.licence.verify_url))  # segno output
    return render_to_string("packages/article.html", context)


def render_pdf(data: PackageData) -> bytes:
    fetcher = PackageURLFetcher()
    source = print_html(data, fetcher)
    issued = data.licence.issued_at
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    attachments = [
        _attachment("licence.json", render_licence_json(data), "ODRL licence", issued, fetcher),
        _attachment("ninjs.json", render_ninjs(data), "IPTC ninjs 3.1 document", issued, fetcher),
    ]
    html = HTML(string=source, base_url=settings.SITE_URL + "/", url_fetcher=fetcher)
    document = html.render(
        color_profiles=_color_profiles(), pdf_variant=VARIANT, output_intent=OUTPUT_INTENT
    )
    metadata = document.metadata
    metadata.title = data.article.headline
    metadata.authors = [data.article.byline or data.publication.name]
    metadata.custom = {"LicenceNumber": data.licence.number}
    # Fixed dates and identifier: the same licence and revision render to the same bytes.
    metadata.created = metadata.modified = issued.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    identifier = f"{data.licence.number}:{data.article.revision}".encode()
    return document.write_pdf(
        pdf_variant=VARIANT,
        output_intent=OUTPUT_INTENT,
        attachments=attachments,
        custom_metadata=True,
        pdf_identifier=hashlib.sha256(identifier).hexdigest()[:32].encode(),
    )


def _attachment(
    name: str, content: bytes, description: str, when: datetime, fetcher: PackageURLFetcher
) -> Attachment:
    return Attachment(
        file_obj=io.BytesIO(content),
        url_fetcher=fetcher,
        name=name,
        description=description,
        created=when,
        modified=when,
        relationship="Data",
    )
