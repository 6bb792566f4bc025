"""Packages issued for licences: the package data built from the database, rendering and storing
each format once per licence and revision, the "ready" email, and signed download links.

The renderers (syndication.packages) are pure; this module is their database and storage edge.
Files go through the default storage: the file system, or S3-compatible storage by setting
(docs/packages.md, "Storage and downloads")."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from licensing.aftercare import licence_pixel_url, licence_verify_url
from licensing.models import Licence, LicenceRequest, LicenceStatus, RequestEvent
from licensing.money import format_money
from licensing.package_models import Package, PackageFormat
from syndication.emails import send_templated_email
from syndication.errors import DomainError
from syndication.models import ArticleRevision, Media
from syndication.packages.bundle import render_bundle
from syndication.packages.data import (
    ArticleText,
    LicenceTerms,
    PackageData,
    PackageImage,
    PublicationCredit,
)
from syndication.packages.html import render_html, render_snippet
from syndication.packages.ninjs import ninjs_document, render_ninjs, render_ninjs_document
from syndication.packages.odrl import render_licence_json
from syndication.packages.pdf import render_pdf

log = logging.getLogger(__name__)

F = PackageFormat
LINK_SALT = "licensing.package-download"
# A kill notice link signs a licence id, a download link a package id: separate salts, so
# neither token can stand for the other.
KILL_NOTICE_SALT = "licensing.kill-notice"


@dataclass(frozen=True)
class FormatSpec:
    suffix: str  # after the licence number in file names: HC-2026-000123.pdf
    content_type: str


# Rendering order matters: the bundle comes last so it can reuse the PDF just rendered.
FORMATS: dict[str, FormatSpec] = {
    F.HTML: FormatSpec(".html", "text/html; charset=utf-8"),
    F.SNIPPET: FormatSpec("-snippet.html", "text/html; charset=utf-8"),
    F.PDF: FormatSpec(".pdf", "application/pdf"),
    F.NINJS: FormatSpec(".ninjs.json", "application/json"),
    F.LICENCE_JSON: FormatSpec(".licence.json", "application/ld+json"),
    F.BUNDLE: FormatSpec(".zip", "application/zip"),
}


class PackageLinkInvalid(DomainError):
    """The link was altered or forged."""

    code = "link_invalid"
    status_code = 403


class PackageGone(DomainError):
    """The link expired, or the licence or the article behind it no longer stands."""

    code = "gone"
    status_code = 410


# ---------------------------------------------------------------------------------------------
# Package data from the database
# ---------------------------------------------------------------------------------------------


def _filename(media: Media) -> str:
    name = posixpath.basename(media.file.name or "") if media.file else ""
    if not name and media.source_url:
        name = posixpath.basename(urlsplit(media.source_url).path)
    return name or f"image-{media.position + 1}"


def _read_media(media: Media) -> bytes:
    # Through the field's storage, so pictures on S3 are read the same way as local ones.
    with media.file.open("rb") as handle:
        return handle.read()


def _images(
    revision: ArticleRevision, *, include_images: bool
) -> tuple[tuple[PackageImage, ...], tuple[str, ...]]:
    """Every picture of the article, and the labels of distributable ones left out because the
    service holds no file for them: a remote address is never fetched."""
    images: list[PackageImage] = []
    missing: list[str] = []
    for media in revision.article.media.all():
        filename = _filename(media)
        common: dict[str, Any] = {
            "filename": filename,
            "media_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
            "caption": media.caption,
            "credit": media.credit,
            "rights_holder": media.rights_holder,
            "source_url": media.source_url,
        }
        if not (media.distributable and include_images):
            # Listed as an exclusion; its bytes are never read.
            images.append(PackageImage(**common, distributable=False))
        elif media.file:
            images.append(PackageImage(**common, content=_read_media(media)))
        else:
            log.info("package media=%s has only a source_url; left out", media.pk)
            missing.append(f"{media.exclusion_label}: not supplied (no stored file)")
    return tuple(images), tuple(missing)


def _paid(licence: Licence) -> bool:
    request = licence.request
    if request.pk is None:  # an unsaved sample licence (package_preview)
        return False
    return RequestEvent.objects.filter(request=request, action="paid").exists()


def _whole_seconds(value: datetime) -> datetime:
    """Machine-readable dates in the packages are whole seconds: HTML's `<time datetime>` allows
    at most three fractional digits (the Nu Html Checker rejects the six the database keeps),
    and a partner's ninjs parser need not cope with them either."""
    return value.replace(microsecond=0)


def package_data_for(*, licence: Licence, revision: ArticleRevision) -> PackageData:
    """The frozen input of every renderer for one licence and one revision of its article. Works
    on an unsaved licence too (package_preview), and then reads nothing but the article. Every
    date is cut to whole seconds here, once, for all formats."""
    article = revision.article
    publication = article.publication
    partner = licence.partner
    request: LicenceRequest = licence.request
    withdrawn_at = article.withdrawn_at
    # A withdrawn article is packaged only as its kill notice, which shows no picture: none read.
    images, missing = (
        ((), ())
        if withdrawn_at is not None
        else _images(revision, include_images=request.include_images)
    )
    issued_at = _whole_seconds(licence.issued_at or timezone.now())
    return PackageData(
        article=ArticleText(
            uri=article.uri,
            canonical_url=article.canonical_url,
            headline=revision.headline,
            body_html=revision.body_html,
            published_at=_whole_seconds(article.published_at),
            revision=revision.number,
            standfirst=revision.standfirst,
            authors=tuple(article.authors),
            dateline=article.dateline,
            section=article.section,
            tags=tuple(article.tags),
            language=article.language,
            updated_at=_whole_seconds(revision.created_at),
            correction_note=revision.correction_note,
            withdrawn=withdrawn_at is not None,
            withdrawn_at=_whole_seconds(withdrawn_at) if withdrawn_at else None,
            withdrawn_reason=article.withdrawn_reason,
        ),
        publication=PublicationCredit(
            name=publication.name,
            site_url=publication.site_url,
            credit_line=publication.credit_line,
            copyright_holder=publication.copyright_holder,
        ),
        licence=LicenceTerms(
            number=licence.number,
            partner_name=partner.name,
            issued_at=issued_at,
            starts_on=licence.starts_on,
            ends_on=licence.ends_on,
            verify_url=licence_verify_url(licence),
            pixel_url=licence_pixel_url(licence),
            partner_domains=tuple(partner.domains),
            partner_country=partner.country,
            use=licence.use_type,
            use_label=str(licence.get_use_type_display()),
            portion_label=str(licence.get_portion_display()),
            territory_label=licence.territory_label,
            territory_countries=tuple(licence.territory_countries),
            exclusive=licence.exclusive,
            fee=licence.fee,
            currency=licence.currency,
            fee_display=format_money(licence.fee, licence.currency),
            paid=_paid(licence),
            status=licence.status,
        ),
        images=images,
        other_exclusions=missing,
    )


# ---------------------------------------------------------------------------------------------
# Rendering and storing
# ---------------------------------------------------------------------------------------------


def render_format(
    fmt: str, data: PackageData, *, pdf: Callable[[PackageData], bytes] = render_pdf
) -> bytes:
    """One format's bytes. `pdf` lets the bundle reuse a PDF rendered (or stored) already."""
    if fmt == F.HTML:
        return render_html(data).encode("utf-8")
    if fmt == F.SNIPPET:
        return render_snippet(data, images="inline").encode("utf-8")
    if fmt == F.PDF:
        return pdf(data)
    if fmt == F.NINJS:
        return render_ninjs(data)
    if fmt == F.LICENCE_JSON:
        return render_licence_json(data)
    if fmt == F.BUNDLE:
        return render_bundle(data, pdf=pdf)
    raise ValueError(f"unknown package format {fmt!r}")


def render_all(data: PackageData) -> dict[str, bytes]:
    """Every format, in memory (package_preview): the PDF is rendered once for both uses."""
    pdf_once = _memo_pdf(lambda: render_pdf(data))
    return {fmt: render_format(fmt, data, pdf=pdf_once) for fmt in FORMATS}


def _memo_pdf(produce: Callable[[], bytes]) -> Callable[[PackageData], bytes]:
    cached: list[bytes] = []

    def pdf(_: PackageData) -> bytes:
        if not cached:
            cached.append(produce())
        return cached[0]

    return pdf


def download_name(package: Package) -> str:
    """HC-2026-000123.pdf; a re-render for a later revision says so: HC-2026-000123-r2.pdf."""
    licence = package.licence
    stem = licence.number
    if package.revision_id != licence.revision_id:
        stem += f"-r{package.revision.number}"
    return stem + FORMATS[package.format].suffix


def _store(licence: Licence, revision: ArticleRevision, fmt: str, content: bytes) -> bool:
    """Store one rendered file and its row. The unique constraint decides a race: the loser
    deletes its file and stores nothing. Returns whether this call stored it."""
    package = Package(
        licence=licence,
        revision=revision,
        format=fmt,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content_type=FORMATS[fmt].content_type,
    )
    package.file.save(download_name(package), ContentFile(content), save=False)
    try:
        with transaction.atomic():
            package.save()
    except IntegrityError:
        # Object stores have no exclusive create: both workers may have written the same name.
        # Then the file is the winner's (same bytes: rendering is deterministic) and stays.
        winner = Package.objects.filter(licence=licence, revision=revision, format=fmt)
        if not winner.filter(file=package.file.name).exists():
            package.file.delete(save=False)
        log.info("package licence=%s r%s %s stored by another worker", licence.pk, revision, fmt)
        return False
    return True


def _renderable(licence: Licence) -> bool:
    return licence.status == LicenceStatus.ACTIVE and licence.article.withdrawn_at is None


def packages_render(*, licence_id: int, revision_id: int | None = None) -> list[Package]:
    """Render and store every format the licence lacks for the revision (its own by default).
    Safe to run twice: a second run renders nothing. Rendering happens outside any transaction;
    each file is committed on its own, so a retry carries on where a failure stopped.
    Returns the packages stored by this call."""
    licence = Licence.objects.select_related(
        "partner", "request", "article__publication", "revision"
    ).get(pk=licence_id)
    if not _renderable(licence):
        log.info("package licence=%s is %s; nothing rendered", licence.number, licence.status)
        return []
    revision = (
        licence.revision
        if revision_id is None
        else ArticleRevision.objects.select_related("article__publication").get(
            pk=revision_id, article_id=licence.article_id
        )
    )
    stored = {p.format: p for p in Package.objects.filter(licence=licence, revision=revision)}
    missing = [fmt for fmt in FORMATS if fmt not in stored]
    if not missing:
        return []
    data = package_data_for(licence=licence, revision=revision)

    def stored_or_rendered_pdf() -> bytes:
        existing = (
            stored.get(F.PDF)
            or Package.objects.filter(licence=licence, revision=revision, format=F.PDF).first()
        )
        if existing is None:
            return render_pdf(data)
        with existing.file.open("rb") as handle:
            return handle.read()

    pdf = _memo_pdf(stored_or_rendered_pdf)
    created_formats = [
        fmt for fmt in missing if _store(licence, revision, fmt, render_format(fmt, data, pdf=pdf))
    ]
    log.info(
        "packages licence=%s r%s stored=%s",
        licence.number,
        revision.number,
        ",".join(str(fmt) for fmt in created_formats) or "-",
    )
    return list(
        Package.objects.filter(licence=licence, revision=revision, format__in=created_formats)
    )


def packages_rerender_for_licences(
    licence_ids: Iterable[int], *, revision_id: int | None = None
) -> list[Package]:
    """After a correction: render each licence's packages for the new revision (the given one,
    or its article's latest), keeping the packages of earlier revisions, and send the "ready"
    email for them. Licences that are no longer active are skipped. Safe to run twice."""
    created: list[Package] = []
    licences = Licence.objects.filter(pk__in=list(licence_ids)).order_by("pk")
    for licence in licences:
        target = revision_id
        if target is None:
            latest = ArticleRevision.objects.filter(article_id=licence.article_id).order_by(
                "-number"
            )
            target = latest.values_list("pk", flat=True).first()
        created += packages_render(licence_id=licence.pk, revision_id=target)
    for request_id in sorted({licence.request_id for licence in licences}):
        packages_deliver(request_id=request_id)
    return created


# ---------------------------------------------------------------------------------------------
# The kill notice of a withdrawn article
# ---------------------------------------------------------------------------------------------


def kill_notice_applies(licence: Licence) -> bool:
    """After a takedown the ninjs of every licence for the article is its kill notice, whatever
    the licence's state: whoever held the article is told to take it down."""
    return licence.article.withdrawn_at is not None


def kill_notice_document(licence: Licence) -> dict[str, Any]:
    """The ninjs kill notice (pubStatus `canceled`) for a licence of a withdrawn article: a new
    version of the newest revision a licensee can hold. Rendered from the database on demand
    (nothing stored): the same takedown always gives the same document."""
    revision = (
        ArticleRevision.objects.select_related("article__publication")
        .filter(article_id=licence.article_id)
        .order_by("-number")
        .first()
    )
    if revision is None or revision.article.withdrawn_at is None:
        raise ValueError(f"licence {licence.number}: its article is not withdrawn")
    return ninjs_document(package_data_for(licence=licence, revision=revision))


def kill_notice_bytes(licence: Licence) -> bytes:
    return render_ninjs_document(kill_notice_document(licence))


def kill_notice_name(licence: Licence) -> str:
    """HC-2026-000123-canceled.ninjs.json: not to be mistaken for the article's own ninjs."""
    return f"{licence.number}-canceled{FORMATS[F.NINJS].suffix}"


# ---------------------------------------------------------------------------------------------
# Signed download links
# ---------------------------------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def download_token(package: Package, *, ttl: timedelta | None = None) -> str:
    """The package id and the link's end, signed. The end travels in the token, so links keep
    the lifetime they were sent with when the setting changes."""
    if ttl is None:
        ttl = timedelta(days=settings.PACKAGE_LINK_TTL_DAYS)
    expires = int(time.time() + ttl.total_seconds())
    return _signer().sign(f"{package.pk}.{expires}")


def link_expires_at(*, ttl: timedelta | None = None) -> datetime:
    if ttl is None:
        ttl = timedelta(days=settings.PACKAGE_LINK_TTL_DAYS)
    return timezone.now() + ttl


def download_link(package: Package, *, ttl: timedelta | None = None) -> str:
    token = download_token(package, ttl=ttl)
    return settings.SITE_URL + reverse("licensing:package-download", kwargs={"token": token})


def _expiring_id(signer: signing.TimestampSigner, token: str) -> int:
    """The id a link's token signs. Raises PackageLinkInvalid (altered) or PackageGone
    (expired)."""
    try:
        pk, expires = signer.unsign(token).split(".")
        object_id, expires_at = int(pk), int(expires)
    except (signing.BadSignature, ValueError):
        raise PackageLinkInvalid("This download link is not valid.", code="link_invalid") from None
    if time.time() >= expires_at:
        ended = datetime.fromtimestamp(expires_at, tz=UTC)
        raise PackageGone(
            f"This download link expired on {ended:%d %B %Y}. Ask us for a new one, or download "
            "the file through the API.",
            code="link_expired",
        )
    return object_id


def package_from_token(token: str) -> Package:
    """The package a link names. Raises PackageLinkInvalid (altered) or PackageGone (expired,
    or the package no longer exists); whether the licence still stands is package_refusal's."""
    package_id = _expiring_id(_signer(), token)
    try:
        return Package.objects.select_related("licence__article", "revision").get(pk=package_id)
    except Package.DoesNotExist:
        raise PackageGone("This package no longer exists.", code="package_gone") from None


def kill_notice_link(licence: Licence, *, ttl: timedelta | None = None) -> str:
    """The signed, expiring link to a licence's kill notice, for the takedown email. It names the
    licence, not a stored package: a licence may have no ninjs package (never rendered, or
    issued before packages were), and the kill notice is rendered on request anyway."""
    if ttl is None:
        ttl = timedelta(days=settings.PACKAGE_LINK_TTL_DAYS)
    expires = int(time.time() + ttl.total_seconds())
    token = signing.TimestampSigner(salt=KILL_NOTICE_SALT).sign(f"{licence.pk}.{expires}")
    return settings.SITE_URL + reverse("licensing:kill-notice-download", kwargs={"token": token})


def licence_from_kill_notice_token(token: str) -> Licence:
    """The licence a kill notice link names; raises like package_from_token."""
    licence_id = _expiring_id(signing.TimestampSigner(salt=KILL_NOTICE_SALT), token)
    try:
        return Licence.objects.select_related("article").get(pk=licence_id)
    except Licence.DoesNotExist:
        raise PackageGone("This licence no longer exists.", code="licence_gone") from None


def package_refusal(licence: Licence) -> PackageGone | None:
    """Why a licence's packages may no longer be downloaded, or None when they may."""
    if licence.article.withdrawn_at is not None:
        return PackageGone(
            "The article has been withdrawn and may no longer be republished.",
            code="article_withdrawn",
        )
    if licence.status == LicenceStatus.ACTIVE:
        return None
    messages: dict[str, str] = {
        LicenceStatus.REVOKED: "Licence {n} has been revoked; its packages are withdrawn.",
        LicenceStatus.EXPIRED: "Licence {n} has expired; renew it to download its packages.",
        LicenceStatus.SUPERSEDED: "Licence {n} was replaced by a newer licence; use that one.",
    }
    message = messages.get(licence.status, "Licence {n} is not active.")
    return PackageGone(message.format(n=licence.number), code=f"licence_{licence.status}")


def latest_packages(licence: Licence, *, revision_number: int | None = None) -> list[Package]:
    """A licence's packages for one revision: the newest rendered, unless one is asked for."""
    queryset = Package.objects.filter(licence=licence).select_related("revision", "licence")
    if revision_number is None:
        newest = queryset.order_by("-revision__number").first()
        if newest is None:
            return []
        revision_number = newest.revision.number
    order = list(FORMATS)
    packages = list(queryset.filter(revision__number=revision_number))
    return sorted(packages, key=lambda p: order.index(p.format))


# ---------------------------------------------------------------------------------------------
# The "your licences are ready" email
# ---------------------------------------------------------------------------------------------


def ready_recipients(request: LicenceRequest) -> list[str]:
    """The person who asked, and the partner's contacts who receive notices."""
    notice = [c.email for c in request.partner.contacts.all() if c.receives_notices]
    return sorted({e for e in [request.contact_email, *notice] if e})


def packages_deliver(*, request_id: int) -> int:
    """Send one email with the download links of every package not yet sent, once every active
    licence of the request has its full set: licences rendered by separate tasks still make one
    email. Locks the request row so two finishing tasks cannot both send. Returns 0 or 1."""
    with transaction.atomic():
        request = (
            LicenceRequest.objects.select_for_update().select_related("partner").get(pk=request_id)
        )
        licences = list(
            request.licences.filter(status=LicenceStatus.ACTIVE)
            .select_related("article__publication", "revision")
            .order_by("pk")
        )
        packages = list(
            Package.objects.filter(licence__in=licences)
            .select_related("revision")
            .order_by("licence_id", "revision__number")
        )
        counts = Counter((p.licence_id, p.revision_id) for p in packages)
        complete = {group for group, count in counts.items() if count == len(FORMATS)}
        if any((lic.pk, lic.revision_id) not in complete for lic in licences):
            return 0  # another licence of the request is still rendering
        pending = [p for p in packages if p.delivered_at is None]
        if not pending or any((p.licence_id, p.revision_id) not in complete for p in pending):
            return 0
        sent = _send_ready(request, licences, pending)
        Package.objects.filter(pk__in=[p.pk for p in pending]).update(delivered_at=timezone.now())
        return sent


def _send_ready(request: LicenceRequest, licences: list[Licence], pending: list[Package]) -> int:
    by_licence = {licence.pk: licence for licence in licences}
    order = list(FORMATS)
    groups: dict[tuple[int, int], list[Package]] = {}
    for package in pending:
        package.licence = by_licence[package.licence_id]
        groups.setdefault((package.licence_id, package.revision_id), []).append(package)
    deliveries = []
    for key in sorted(groups):
        group = groups[key]
        group.sort(key=lambda p: order.index(p.format))
        licence, revision = group[0].licence, group[0].revision
        deliveries.append(
            {
                "licence": licence,
                "revision": revision,
                "corrected": revision.pk != licence.revision_id,
                "files": [
                    {
                        "label": p.get_format_display(),
                        "name": download_name(p),
                        "size": p.size,
                        "url": download_link(p),
                    }
                    for p in group
                ],
            }
        )
    groups_key = ",".join(f"{lic}.{rev}" for lic, rev in sorted(groups))
    digest = hashlib.sha256(groups_key.encode()).hexdigest()[:24]
    return send_templated_email(
        template="licence_packages_ready",
        to=ready_recipients(request),
        context={
            "request": request,
            "partner": request.partner,
            "publication": licences[0].article.publication,
            "deliveries": deliveries,
            "links_expire_at": link_expires_at(),
            "api_hint": settings.SITE_URL + "/api/v1/licences/{number}/packages",
            "site_url": settings.SITE_URL,
        },
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        key=f"packages.ready:{request.pk}:{digest}",
    )
