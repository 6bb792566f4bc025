"""What HTML and PDF share: the re-sanitised body with only distributable pictures, and the
template context built from the package data."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from syndication.packages.data import PackageData, PackageImage
from syndication.sanitize import clean_html

# nh3 quotes every attribute with double quotes, but may leave ">" inside a value.
_IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_FIGURE = re.compile(r"<figure\b[^>]*>.*?</figure>", re.IGNORECASE | re.DOTALL)
_ATTR = re.compile(r"\s(src|alt|width|height)=\"([^\"]*)\"", re.IGNORECASE)

ImageSource = Callable[[int, PackageImage], str]


def data_url(image: PackageImage, content: bytes) -> str:
    return f"data:{image.media_type};base64,{base64.b64encode(content).decode('ascii')}"


def prepare_body(data: PackageData, src_for: ImageSource) -> tuple[str, list[int]]:
    """The body sanitised again, each <img> of a distributable picture pointed at `src_for`,
    every other <img> (and a figure around it) removed. Returns the HTML and the indexes of the
    pictures the body shows, so the rest can be printed after it."""
    known = {
        image.source_url: index
        for index, image in enumerate(data.images)
        if image.distributable and image.source_url
    }
    shown: list[int] = []

    def index_of(tag: str) -> int | None:
        attrs = {name.lower(): html.unescape(value) for name, value in _ATTR.findall(tag)}
        return known.get(attrs.get("src", ""))

    def figure(match: re.Match[str]) -> str:
        images = _IMG.findall(match.group(0))
        return "" if any(index_of(tag) is None for tag in images) else match.group(0)

    def img(match: re.Match[str]) -> str:
        tag = match.group(0)
        index = index_of(tag)
        if index is None:
            return ""
        shown.append(index)
        attrs = {name.lower(): value for name, value in _ATTR.findall(tag)}
        extra = "".join(
            f' {name}="{attrs[name]}"' for name in ("width", "height") if attrs.get(name)
        )
        src = html.escape(src_for(index, data.images[index]))
        return f'<img src="{src}" alt="{attrs.get("alt", "")}"{extra}>'

    body = _FIGURE.sub(figure, clean_html(data.article.body_html))
    body = _IMG.sub(img, body)
    return body, shown


def json_for_script(document: dict[str, Any]) -> SafeString:
    """JSON safe inside <script>: no "</script>" or "<!--" can appear in it."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # escaped just above


def package_context(
    data: PackageData, *, src_for: ImageSource, for_print: bool, policy: dict[str, Any]
) -> dict[str, Any]:
    body, shown = prepare_body(data, src_for)
    figures = [
        {"src": src_for(index, image), "caption": image.caption, "credit": image.credit}
        for index, image in enumerate(data.images)
        if image.distributable and index not in shown
    ]
    article, licence = data.article, data.licence
    keywords = [data.publication.name, licence.number, *article.tags]
    if article.section:
        keywords.insert(1, article.section)
    return {
        "article": article,
        "publication": data.publication,
        "licence": licence,
        # clean_html output in which only <img> tags were rewritten, by us.
        "body": mark_safe(body),
        "figures": figures,
        "exclusions": data.exclusions,
        "attribution": data.attribution,
        "usage_terms": data.usage_terms,
        "direction": "rtl" if article.is_rtl else "ltr",
        "for_print": for_print,
        "keywords": ", ".join(keywords),
        "description": article.standfirst or article.headline,
        "policy_json": json_for_script(policy),
        "countries": ", ".join(licence.territory_countries),
        "domains": ", ".join(licence.partner_domains),
    }
