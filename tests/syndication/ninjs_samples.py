"""The sample ninjs files and small builders for documents the tests shape themselves."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ninjs"
STANDARDS = Path("/work/shared/standards")

TIDE_GAUGES = "01-harbour-tide-gauges.json"
FERRY_PREMIUM = "02-ferry-timetable-premium.json"
ARABIC = "03-arabic-desalination.json"
NO_HEADLINE = "04-invalid-no-headline.json"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def minimal_31(**overrides: Any) -> dict[str, Any]:
    """The smallest 3.1 document the importer accepts, with overrides."""
    document: dict[str, Any] = {
        "uri": "urn:newsml:courier.example:2026:article:lifeboat-launch",
        "type": "text",
        "firstCreated": "2026-04-02T07:00:00Z",
        "versionCreated": "2026-04-02T07:00:00Z",
        "language": "en-GB",
        "headlines": [{"value": "Lifeboat crew launch new all-weather boat"}],
        "bodies": [
            {
                "contentType": "text/html",
                "value": "<p>The crew took the new boat out for its first rescue drill.</p>",
            }
        ],
        "altIds": [{"role": "canonical", "value": "https://courier.example/news/lifeboat-launch"}],
    }
    document.update(copy.deepcopy(overrides))
    return document


def with_body(document: dict[str, Any], html: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["bodies"] = [{"contentType": "text/html", "value": html}]
    return changed
