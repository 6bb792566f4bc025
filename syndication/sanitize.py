"""Article HTML allow-list (nh3). Everything stored as body HTML has been through `clean_html`."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "q", "cite", "pre", "code",
    "em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "span",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "figure", "figcaption", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "*": {"lang", "dir"},
}
# Only web links survive; javascript:, data: and file: URLs are dropped by nh3.
URL_SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)


def clean_html(raw: str) -> str:
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def html_to_text(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment or ""))


def count_words(fragment: str) -> int:
    return len(_WORD.findall(html_to_text(fragment)))
