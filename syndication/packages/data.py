"""The plain, frozen input every package renderer reads: article text, pictures, credit, terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "yi"}
_UNSAFE_NAME = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class PackageImage:
    """One picture of the article. Non-distributable pictures are listed as exclusions only:
    their bytes are never read and their address never printed."""

    filename: str
    media_type: str
    caption: str = ""
    credit: str = ""
    rights_holder: str = ""
    distributable: bool = True
    # The address the article body uses for this picture: an <img> with this src is it.
    source_url: str = ""
    # Either the bytes, or a file under MEDIA_ROOT / the static roots (checked when read).
    content: bytes | None = None
    path: Path | None = None

    @property
    def exclusion_label(self) -> str:
        holder = self.rights_holder or self.credit or "third party"
        return f"{self.caption or 'Image'} ({holder})"


@dataclass(frozen=True)
class ArticleText:
    """The licensed revision of the article, as published."""

    uri: str
    canonical_url: str
    headline: str
    body_html: str
    published_at: datetime
    revision: int = 1
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    dateline: str = ""
    section: str = ""
    tags: tuple[str, ...] = ()
    language: str = "en"
    updated_at: datetime | None = None
    correction_note: str = ""
    # A takedown withdraws the article: its ninjs is then the kill notice (pubStatus "canceled",
    # dated when it was withdrawn, with the reason for the licensee's editors).
    withdrawn: bool = False
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""

    @property
    def is_rtl(self) -> bool:
        return self.language.split("-")[0].lower() in RTL_LANGUAGES

    @property
    def byline(self) -> str:
        names = list(self.authors)
        if len(names) > 1:
            return ", ".join(names[:-1]) + " and " + names[-1]
        return names[0] if names else ""


@dataclass(frozen=True)
class PublicationCredit:
    """Who published the original and how it must be credited."""

    name: str
    site_url: str
    # Publisher's wording; placeholders {publication}, {date}, {url}, {licence}.
    credit_line: str = "This article was originally published by {publication} on {date}."
    copyright_holder: str = ""

    @property
    def holder(self) -> str:
        return self.copyright_holder or self.name


@dataclass(frozen=True)
class LicenceTerms:
    """The terms printed on the package. `ends_on` None means perpetual."""

    number: str
    partner_name: str
    issued_at: datetime
    starts_on: date
    ends_on: date | None
    verify_url: str
    pixel_url: str
    partner_domains: tuple[str, ...] = ()
    partner_country: str = ""
    # Use type code and label, e.g. "web" / "Website": the ODRL delivery channel.
    use: str = "web"
    use_label: str = "Website"
    portion_label: str = "Full article"
    territory_label: str = "Worldwide"
    # ISO 3166-1 alpha-2 codes; empty means worldwide.
    territory_countries: tuple[str, ...] = ()
    exclusive: bool = False
    fee: Decimal = Decimal("0")
    currency: str = "GBP"
    paid: bool = False
    status: str = "active"
    # The fee as the rest of the service prints it ("£150.00"), given by the caller; without it
    # the renderer falls back to the amount and the currency code.
    fee_display: str = ""

    @property
    def fee_label(self) -> str:
        if not self.fee:
            return "Free of charge"
        return self.fee_display or f"{self.fee:,.2f} {self.currency}"


@dataclass(frozen=True)
class PackageData:
    article: ArticleText
    publication: PublicationCredit
    licence: LicenceTerms
    images: tuple[PackageImage, ...] = ()
    # Other parts left out of the package (a video, an embedded map), as printed labels.
    other_exclusions: tuple[str, ...] = field(default=())

    @property
    def distributable_images(self) -> tuple[PackageImage, ...]:
        return tuple(image for image in self.images if image.distributable)

    @property
    def exclusions(self) -> tuple[str, ...]:
        excluded = tuple(i.exclusion_label for i in self.images if not i.distributable)
        return excluded + self.other_exclusions

    @property
    def attribution(self) -> str:
        values = {
            "publication": self.publication.name,
            "date": self.article.published_at.date().isoformat(),
            "url": self.article.canonical_url,
            "licence": self.licence.number,
        }
        return self.publication.credit_line.format_map(_Keep(values))

    @property
    def usage_terms(self) -> str:
        licence = self.licence
        until = licence.ends_on.isoformat() if licence.ends_on else "no end date"
        scope = "exclusive" if licence.exclusive else "non-exclusive"
        domains = ", ".join(licence.partner_domains) or "the licensee's own outlets"
        return (
            f"Licence {licence.number}: {scope} licence to {licence.partner_name} to republish "
            f"({licence.portion_label}, {licence.use_label}) in {licence.territory_label} on "
            f"{domains}, from {licence.starts_on.isoformat()} until {until}. Credit "
            f"{self.publication.name} and link to the original; no changes beyond house style."
        )


def image_path(index: int, image: PackageImage) -> str:
    """The picture's path inside a bundle: numbered so two pictures never share a name."""
    name = _UNSAFE_NAME.sub("-", image.filename.lower()).strip("-.") or "image"
    return f"images/{index + 1:02d}-{name}"


class _Keep(dict):
    """Leaves unknown placeholders in the publisher's wording as they were written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
