"""The package's IPTC ninjs 3.1 document (camelCase names, checked against the official
schema in shared/standards/), with the ODRL licence encoded in rightsInfo; for a withdrawn
article, the kill notice that replaces it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from syndication.packages.content import prepare_body
from syndication.packages.data import PackageData, image_path
from syndication.packages.odrl import ODRL, render_licence_json
from syndication.sanitize import count_words, html_to_text

NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def kill_notice_document(data: PackageData) -> dict[str, Any]:
    """The ninjs of a withdrawn article: IPTC practice sends a kill as a new version of the item
    (same `uri`, next `version`) with pubStatus `canceled`, so a partner's ingest matches it to
    the copy it holds and takes that down. It carries no body, pictures, renditions or rights:
    nothing in it may be published, and the reason is for the partner's editors (`edNote`)."""
    article, licence, publication = data.article, data.licence, data.publication
    withdrawn_at = article.withdrawn_at or article.updated_at or article.published_at
    on = _instant(withdrawn_at)[:10]
    reason = article.withdrawn_reason.strip()
    return {
        "uri": article.uri,
        "standard": {"name": "ninjs", "version": "3.1", "schema": NINJS_SCHEMA},
        "type": "text",
        "representationType": "partial",
        "version": str(article.revision + 1),
        "pubStatus": "canceled",
        "urgency": 1,
        "firstCreated": _instant(article.published_at),
        "versionCreated": _instant(withdrawn_at),
        "language": article.language,
        "headlines": [{"role": "main", "value": article.headline}],
        "copyrightHolder": publication.holder,
        "copyrightNotice": f"© {article.published_at.year} {publication.holder}.",
        "usageTerms": f"Withdrawn by {publication.name} on {on}. Licence {licence.number} is "
        "revoked: remove this article and every copy of it from publication, and do not "
        "republish it.",
        "edNote": f"KILL: {publication.name} withdrew this article on {on}"
        + (f" ({reason})" if reason else "")
        + ". Remove it from every page, feed and archive where it appears.",
        "altIds": [
            {"role": "licence", "value": licence.number},
            {"role": "canonical", "value": article.canonical_url},
            {"role": "verification", "value": licence.verify_url},
        ],
    }


def ninjs_document(data: PackageData) -> dict[str, Any]:
    """The article as ninjs, or its kill notice once it is withdrawn."""
    if data.article.withdrawn:
        return kill_notice_document(data)
    article, licence, publication = data.article, data.licence, data.publication
    # Pictures are named by their path in the bundle: the ninjs travels with the files.
    body, _ = prepare_body(data, lambda index, image: image_path(index, image))
    renditions: list[dict[str, Any]] = [
        {"name": "html", "href": "article.html", "contentType": "text/html"},
        {"name": "pdf", "href": "article.pdf", "contentType": "application/pdf"},
    ]
    associations = [
        {
            "name": f"picture{index + 1}",
            "uri": f"{article.uri}#picture{index + 1}",
            "type": "picture",
            "renditions": [
                {
                    "name": "original",
                    "href": image_path(index, image),
                    "contentType": image.media_type,
                }
            ],
            **(
                {"descriptions": [{"role": "caption", "value": image.caption}]}
                if image.caption
                else {}
            ),
            **({"by": image.credit} if image.credit else {}),
        }
        for index, image in enumerate(data.images)
        if image.distributable
    ]
    document: dict[str, Any] = {
        "uri": article.uri,
        "standard": {"name": "ninjs", "version": "3.1", "schema": NINJS_SCHEMA},
        "type": "text",
        "representationType": "full",
        "version": str(article.revision),
        "pubStatus": "usable",
        "firstCreated": _instant(article.published_at),
        "versionCreated": _instant(article.updated_at or article.published_at),
        "language": article.language,
        "headlines": [{"role": "main", "value": article.headline}],
        "bodies": [
            {
                "role": "main",
                "contentType": "text/html",
                "value": body,
                "wordCount": count_words(body),
                "charCount": len(html_to_text(body)),
            }
        ],
        "copyrightHolder": publication.holder,
        "copyrightNotice": f"© {article.published_at.year} {publication.holder}. "
        + data.attribution,
        "usageTerms": data.usage_terms,
        "altIds": [
            {"role": "licence", "value": licence.number},
            {"role": "canonical", "value": article.canonical_url},
            {"role": "verification", "value": licence.verify_url},
        ],
        "renditions": renditions,
        "rightsInfo": {"langId": ODRL, "encodedRights": render_licence_json(data).decode()},
    }
    if article.standfirst:
        document["descriptions"] = [{"role": "summary", "value": article.standfirst}]
    if article.byline:
        document["by"] = article.byline
    if article.dateline:
        document["located"] = article.dateline
    if article.correction_note:
        document["edNote"] = article.correction_note
    if licence.ends_on is not None:
        document["expires"] = _instant(
            datetime.combine(licence.ends_on, time(23, 59, 59), tzinfo=UTC)
        )
    if associations:
        document["associations"] = associations
    return document


def render_ninjs_document(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def render_ninjs(data: PackageData) -> bytes:
    return render_ninjs_document(ninjs_document(data))
