"""Reads a rendered admin form back into POST data, as a browser would submit it unchanged."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data: dict[str, Any] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value", "on")
                return
            self.data[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._select_multiple = "multiple" in a
            self.data.setdefault(a["name"], [] if self._select_multiple else "")
        elif tag == "option" and self._select and "selected" in a:
            if self._select_multiple:
                self.data[self._select].append(a.get("value", ""))
            else:
                self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            # Django's Textarea widget starts its content with a newline the browser drops.
            value = self.data[self._textarea] + data
            self.data[self._textarea] = (
                value.removeprefix("\n") if not self.data[self._textarea] else value
            )


def admin_form_data(html: str, form_id: str) -> dict[str, Any]:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.data
