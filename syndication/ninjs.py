"""Reading IPTC ninjs documents into plain article data: a pure function, no database.

Versions read (property names checked against the official schemas in shared/standards/):
- ninjs 3.x: camelCase names: `headlines`, `bodies` (`contentType`), `descriptions`, `by`,
  `located`, `altIds`, `copyrightHolder`, `usageTerms`, `edNote`, `embargoedUntil`,
  `firstCreated`, `versionCreated`, `pubStatus`; `associations` and `renditions` are lists.
- ninjs 2.x: the same structure with all-lower-case names (`contenttype`, `altids`,
  `copyrightholder`, `usageterms`, `ednote`, `embargoed`, `firstcreated`, `versioncreated`).
- the older flat form (ninjs 1.x, still emitted by many CMSs): `headline`, `body_html` /
  `body_text`, `byline`, `description_text`, `place`, and `associations` / `renditions` as dicts
  keyed by name.
Because 2.x and 3.x differ mostly in letter case, keys are looked up case-insensitively.

Publisher choices the standard leaves open (all documented here, in one place):
- canonical URL: an `altIds` entry with role `canonical` (or `url`/`web`), else a rendition of
  content type text/html, else the `uri` itself when it is an http(s) URL.
- section: a subject with `rel: "section"` (its `literal`, else its `name`), else the `x-section`
  extension, else the first genre. Tags are the names of the other subjects.
- premium: a subject with `rel: "access"` and literal/name `premium`, or `"x-premium": true`.
  Both are read because the official 2.2/3.1 schemas forbid unknown properties, so a feed that
  must validate uses the subject form, while CMS exports commonly add `x-` fields.
- syndication status: `pubStatus` withheld/canceled means not for syndication; else the
  `x-syndication` extension (available / restricted / not_for_syndication); else phrases in
  `usageTerms` (see `USAGE_TERMS_PHRASES`); else available.
- correction note for a new revision: the `x-correction` extension, else `edNote`.
- authors: `people` with rel author/creator, else `by` split on commas and "and".
- media: every association that is not text (picture, graphic, video, audio or untyped with a
  rendition). A picture is distributable only when its copyright holder is empty or the
  publication itself and its credit names no news or picture agency: agency pictures are
  never priced or packaged unless staff clear them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Model column limits, mirrored here to keep this module free of the database; a test checks
# they still match syndication.models.
MAX_LENGTHS = {
    "uri": 500,
    "canonical_url": 500,
    "headline": 500,
    "dateline": 200,
    "section": 100,
    "language": 16,
    "credit": 300,
    "rights_holder": 300,
    "source_url": 500,
}

SYNDICATION_STATUSES = ("available", "restricted", "not_for_syndication")

# Matched case-insensitively inside usageTerms; the first status whose phrase matches wins.
USAGE_TERMS_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "not_for_syndication",
        ("not for syndication", "no syndication", "do not syndicate", "not for resale"),
    ),
    ("restricted", ("restricted", "by arrangement", "on request", "staff approval")),
)

# Wire services and picture agencies whose pictures we may not pass on. Matched as whole words
# in the copyright holder and the credit.
AGENCIES = (
    "Reuters",
    "AFP",
    "Agence France-Presse",
    "Associated Press",
    "AP",
    "AP Photo",
    "Getty Images",
    "Getty",
    "EPA",
    "EPA-EFE",
    "PA Images",
    "PA Media",
    "PA Wire",
    "Shutterstock",
    "Alamy",
    "Bloomberg",
    "dpa",
    "ANSA",
    "Anadolu",
    "Xinhua",
    "Kyodo",
)
_AGENCY = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True)) + r")"
    r"(?![\w-])",
    re.IGNORECASE,
)

CANONICAL_ALTID_ROLES = ("canonical", "canonical-url", "url", "web")
AUTHOR_RELS = ("author", "creator", "writer", "byline")
STANDFIRST_ROLES = ("standfirst", "summary", "abstract", "teaser", "lede", "lead", "subhead")
CAPTION_ROLES = ("caption", "alt", "summary")
NON_MEDIA_TYPES = ("text", "composite", "event", "planning")
# Preferred rendition names for a picture's source, best first.
RENDITION_PREFERENCE = ("original", "baseimage", "highres", "viewimage", "web", "large")
_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_WS = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_BY_PREFIX = re.compile(r"^\s*by\s+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class MediaInput:
    caption: str
    credit: str
    rights_holder: str
    source_url: str
    distributable: bool


@dataclass(frozen=True)
class ArticleInput:
    uri: str
    canonical_url: str
    headline: str
    standfirst: str
    authors: list[str]
    dateline: str
    section: str
    tags: list[str]
    language: str
    published_at: datetime
    updated_at: datetime | None
    # Raw newsroom HTML: the catalogue services sanitise it before it is stored.
    body_html: str
    embargo_until: datetime | None
    premium: bool
    syndication_status: str
    correction_note: str
    media: list[MediaInput] = field(default_factory=list)

    def article_fields(self) -> dict[str, Any]:
        """The Article columns this document sets, as keyword arguments for the services."""
        fields = {
            name: getattr(self, name)
            for name in (
                "uri",
                "canonical_url",
                "headline",
                "standfirst",
                "authors",
                "dateline",
                "section",
                "tags",
                "language",
                "published_at",
                "body_html",
                "embargo_until",
                "premium",
                "syndication_status",
            )
        }
        if self.updated_at is not None:
            fields["updated_at"] = self.updated_at
        return fields


class NinjsInvalid(Exception):
    """The document cannot become an article; `errors` lists (field path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def parse_ninjs(document: Any, *, own_rights_holders: Iterable[str] = ()) -> ArticleInput:
    """One ninjs document to an ArticleInput, or NinjsInvalid naming every fault found.

    `own_rights_holders` are the names under which the publication holds copyright (its
    copyright holder and its name); pictures held by anyone else are not distributable."""
    if not isinstance(document, Mapping):
        raise NinjsInvalid([("document", "Expected a JSON object (one ninjs document).")])
    doc = _Doc(document)
    errors: list[tuple[str, str]] = []
    own = {_norm(name) for name in own_rights_holders if name and name.strip()}

    uri = _text(doc.get("uri"))
    if not uri:
        errors.append(("uri", "The ninjs uri is required: imports are keyed on it."))

    headline = _headline(doc)
    if not headline:
        errors.append(("headline", "A headline is required (headlines[].value or headline)."))

    body_html = _body_html(doc)
    if not body_html.strip():
        errors.append(("body_html", "A body is required (bodies[].value or body_html)."))

    canonical_url = _canonical_url(doc, uri)
    if not canonical_url:
        errors.append(
            (
                "canonical_url",
                "No canonical web address: add an altIds entry with role 'canonical', an "
                "html rendition, or use an http(s) uri.",
            )
        )
    elif not _HTTP_URL.match(canonical_url):
        errors.append(("canonical_url", "The canonical address must be an http(s) URL."))

    language = _text(doc.get("language")) or "en"
    if not _LANGUAGE.match(language):
        errors.append(("language", f"'{language}' is not a BCP 47 language tag."))

    published_at = _datetime(doc, ("firstCreated", "contentCreated", "versionCreated"), errors)
    if published_at is None and not any(
        path == "published_at" for path, _ in errors
    ):  # only when absent, not when malformed (already reported)
        errors.append(("published_at", "A publication time is required (firstCreated)."))
    updated_at = _datetime(doc, ("versionCreated",), errors, path="updated_at")
    embargo_until = _datetime(doc, ("embargoedUntil", "embargoed"), errors, path="embargo_until")

    media = _media(doc, own, errors)

    article_input = ArticleInput(
        uri=uri,
        canonical_url=canonical_url,
        headline=headline,
        standfirst=_standfirst(doc),
        authors=_authors(doc),
        dateline=_dateline(doc),
        section=_section(doc),
        tags=_tags(doc),
        language=language,
        published_at=published_at or datetime.min.replace(tzinfo=UTC),
        updated_at=updated_at,
        body_html=body_html,
        embargo_until=embargo_until,
        premium=_premium(doc),
        syndication_status=_syndication_status(doc, errors),
        correction_note=_text(doc.get("x-correction")) or _text(doc.get("edNote")),
        media=media,
    )
    for name, limit in MAX_LENGTHS.items():
        value = getattr(article_input, name, None)
        if isinstance(value, str) and len(value) > limit:
            errors.append((name, f"Longer than {limit} characters."))
    if errors:
        raise NinjsInvalid(errors)
    return article_input


def is_agency(name: str) -> bool:
    """Does this credit or holder name a news or picture agency?"""
    return bool(name and _AGENCY.search(name))


# ---------------------------------------------------------------------------------------------
# Field readers
# ---------------------------------------------------------------------------------------------


class _Doc:
    """Case-insensitive view of a ninjs object: 2.x `altids` and 3.x `altIds` are one key."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self._keys = {str(key).lower(): key for key in data}

    def get(self, name: str, default: Any = None) -> Any:
        key = self._keys.get(name.lower())
        return self.data[key] if key is not None else default

    def items_of(self, name: str) -> list[_Doc]:
        """A list property's object members (a dict keyed by name in the 1.x form)."""
        value = self.get(name)
        if isinstance(value, Mapping):
            value = [{"name": key, **item} for key, item in value.items() if _is_map(item)]
        if not isinstance(value, list):
            return []
        return [_Doc(item) for item in value if _is_map(item)]


def _is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def _text(value: Any) -> str:
    return _WS.sub(" ", value).strip() if isinstance(value, str) else ""


def _norm(name: str) -> str:
    return _WS.sub(" ", name).strip().casefold()


def _plain(value: str, content_type: str) -> str:
    if "html" in content_type.lower():
        value = html.unescape(_TAG.sub(" ", value))
    return _text(value)


def _by_role(items: list[_Doc], roles: Iterable[str]) -> _Doc | None:
    for role in roles:
        for item in items:
            if _text(item.get("role")).lower() == role:
                return item
    return None


def _headline(doc: _Doc) -> str:
    headlines = [h for h in doc.items_of("headlines") if _text(h.get("value"))]
    if headlines:
        chosen = (
            _by_role(headlines, ("main", "headline", "title"))
            or next((h for h in headlines if not h.get("role")), None)
            or headlines[0]
        )
        return _plain(chosen.get("value"), _text(chosen.get("contentType")))
    return _text(doc.get("headline"))


def _body_html(doc: _Doc) -> str:
    bodies = [b for b in doc.items_of("bodies") if isinstance(b.get("value"), str)]
    if bodies:
        for body in bodies:
            if "html" in _text(body.get("contentType")).lower():
                return body.get("value")
        untyped = next((b for b in bodies if not _text(b.get("contentType"))), None)
        if untyped is not None:
            return untyped.get("value")
        return _text_to_html(bodies[0].get("value"))
    if isinstance(doc.get("body_html"), str):
        return doc.get("body_html")
    if isinstance(doc.get("body_text"), str):
        return _text_to_html(doc.get("body_text"))
    return ""


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _standfirst(doc: _Doc) -> str:
    descriptions = [d for d in doc.items_of("descriptions") if _text(d.get("value"))]
    chosen = _by_role(descriptions, STANDFIRST_ROLES)
    if chosen is None:
        chosen = _by_role(doc.items_of("headlines"), ("subhead", "standfirst", "sub"))
    if chosen is None and descriptions:
        chosen = next((d for d in descriptions if not d.get("role")), None)
    if chosen is not None:
        return _plain(chosen.get("value"), _text(chosen.get("contentType")))
    return _text(doc.get("description_text"))


def _canonical_url(doc: _Doc, uri: str) -> str:
    altids = doc.items_of("altIds")
    chosen = _by_role(altids, CANONICAL_ALTID_ROLES)
    if chosen is not None and _text(chosen.get("value")):
        return _text(chosen.get("value"))
    for rendition in doc.items_of("renditions"):
        if "html" in _text(rendition.get("contentType")).lower() and _text(rendition.get("href")):
            return _text(rendition.get("href"))
    return uri if _HTTP_URL.match(uri or "") else ""


def _authors(doc: _Doc) -> list[str]:
    people = [
        _text(person.get("name"))
        for person in doc.items_of("people")
        if _text(person.get("rel")).lower() in AUTHOR_RELS and _text(person.get("name"))
    ]
    if people:
        return people
    byline = _text(doc.get("by")) or _text(doc.get("byline"))
    names = _AUTHOR_SPLIT.split(_BY_PREFIX.sub("", byline)) if byline else []
    return [name for name in (n.strip() for n in names) if name]


def _dateline(doc: _Doc) -> str:
    located = _text(doc.get("located"))
    if located:
        return located
    place = doc.get("place")
    if isinstance(place, str):
        return _text(place)
    # 1.x `place` is a list of named places.
    places = doc.items_of("place") or [
        p for p in doc.items_of("places") if _text(p.get("rel")).lower() == "located"
    ]
    return _text(places[0].get("name")) if places else ""


def _subjects(doc: _Doc) -> list[_Doc]:
    return doc.items_of("subjects")


def _subject_label(subject: _Doc) -> str:
    return _text(subject.get("literal")) or _text(subject.get("name"))


def _section(doc: _Doc) -> str:
    for subject in _subjects(doc):
        if _text(subject.get("rel")).lower() == "section" and _subject_label(subject):
            return _subject_label(subject)
    if _text(doc.get("x-section")):
        return _text(doc.get("x-section"))
    for genre in doc.items_of("genres"):
        if _subject_label(genre):
            return _subject_label(genre)
    return ""


def _tags(doc: _Doc) -> list[str]:
    tags: list[str] = []
    for subject in _subjects(doc):
        if _text(subject.get("rel")).lower() in ("section", "access"):
            continue
        name = _text(subject.get("name")) or _text(subject.get("literal"))
        if name and name not in tags:
            tags.append(name)
    return tags


def _premium(doc: _Doc) -> bool:
    for subject in _subjects(doc):
        if (
            _text(subject.get("rel")).lower() == "access"
            and _subject_label(subject).lower() == "premium"
        ):
            return True
    return doc.get("x-premium") is True


def _syndication_status(doc: _Doc, errors: list[tuple[str, str]]) -> str:
    if _text(doc.get("pubStatus")).lower() in ("withheld", "canceled", "cancelled"):
        return "not_for_syndication"
    extension = doc.get("x-syndication")
    if extension is not None:
        if extension in SYNDICATION_STATUSES:
            return str(extension)
        errors.append(
            (
                "syndication_status",
                f"x-syndication must be one of {', '.join(SYNDICATION_STATUSES)}.",
            )
        )
        return "available"
    terms = _text(doc.get("usageTerms")).lower()
    for status, phrases in USAGE_TERMS_PHRASES:
        if any(phrase in terms for phrase in phrases):
            return status
    return "available"


def _datetime(
    doc: _Doc,
    names: tuple[str, ...],
    errors: list[tuple[str, str]],
    *,
    path: str = "published_at",
) -> datetime | None:
    for name in names:
        raw = doc.get(name)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            errors.append((path, f"{name} must be an ISO 8601 date-time string."))
            return None
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            errors.append((path, f"{name} '{raw}' is not an ISO 8601 date-time."))
            return None
        if value.tzinfo is None:
            # An embargo off by the newsroom's UTC offset is a legal risk: never guess.
            errors.append((path, f"{name} '{raw}' needs a time zone offset (Z or +01:00)."))
            return None
        return value
    return None


# ---------------------------------------------------------------------------------------------
# Associations (pictures and other media)
# ---------------------------------------------------------------------------------------------


def _media(doc: _Doc, own: set[str], errors: list[tuple[str, str]]) -> list[MediaInput]:
    media: list[MediaInput] = []
    for association in doc.items_of("associations"):
        kind = _text(association.get("type")).lower()
        renditions = association.items_of("renditions")
        if kind in NON_MEDIA_TYPES or (not kind and not renditions):
            continue
        path = f"media[{len(media)}]"
        source_url = _source_url(renditions)
        if source_url and not _HTTP_URL.match(source_url):
            errors.append((f"{path}.source_url", "A picture's href must be an http(s) URL."))
        caption = _caption(association)
        credit = (
            _text(association.get("by"))
            or _text(association.get("byline"))
            or _text(association.get("creditline"))
        )
        holder = _text(association.get("copyrightHolder"))
        for name, value in (("credit", credit), ("rights_holder", holder)):
            if len(value) > MAX_LENGTHS[name]:
                errors.append((f"{path}.{name}", f"Longer than {MAX_LENGTHS[name]} characters."))
        if len(source_url) > MAX_LENGTHS["source_url"]:
            errors.append((f"{path}.source_url", "Longer than 500 characters."))
        media.append(
            MediaInput(
                caption=caption,
                credit=credit,
                rights_holder=holder,
                source_url=source_url,
                distributable=_distributable(holder=holder, credit=credit, own=own),
            )
        )
    return media


def _source_url(renditions: list[_Doc]) -> str:
    with_href = [r for r in renditions if _text(r.get("href"))]
    if not with_href:
        return ""
    for name in RENDITION_PREFERENCE:
        for rendition in with_href:
            if _text(rendition.get("name")).lower() == name:
                return _text(rendition.get("href"))

    def width(rendition: _Doc) -> float:
        value = rendition.get("width")
        return value if isinstance(value, int | float) else 0

    return _text(max(with_href, key=width).get("href"))


def _caption(association: _Doc) -> str:
    descriptions = [d for d in association.items_of("descriptions") if _text(d.get("value"))]
    chosen = _by_role(descriptions, CAPTION_ROLES) or (descriptions[0] if descriptions else None)
    if chosen is not None:
        return _plain(chosen.get("value"), _text(chosen.get("contentType")))
    return _text(association.get("description_text")) or _text(association.get("headline"))


def _distributable(*, holder: str, credit: str, own: set[str]) -> bool:
    if holder and _norm(holder) not in own:
        return False
    return not (is_agency(credit) or is_agency(holder))
