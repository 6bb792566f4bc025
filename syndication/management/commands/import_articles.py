"""`manage.py import_articles PATH`: load ninjs files into the catalogue."""

from __future__ import annotations

import json
import sys
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from syndication.importing import ImportResult, article_import_ninjs


@dataclass(frozen=True)
class Item:
    file: Path
    index: int
    document: Any
    # A file that is not JSON yields one item carrying the reason instead of a document.
    load_error: str = ""


class Command(BaseCommand):
    help = (
        "Import articles from ninjs (2.x or 3.x) JSON. PATH is a .json file holding one document "
        "or a list of documents, or a folder: every *.json inside it, recursively, in sorted "
        "order. Articles are matched on their ninjs uri: new ones are created, changed ones "
        "updated (a changed headline, standfirst or body makes a new revision), identical ones "
        "left alone. Each document is saved in its own transaction. Exit status: 0 when no "
        "document was rejected, 1 when any was (the summary lists each with its reasons), so a "
        "scheduled import can alert on it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A .json file or a folder of them.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would happen, then roll everything back.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        items = list(_items(path))
        progress = tqdm(
            items,
            desc="Importing",
            unit="doc",
            file=options.get("stderr") or sys.stderr,
            disable=None,  # off when stderr is not a terminal (cron, CI, tests)
        )
        outcomes: list[tuple[Item, ImportResult]] = []
        # A dry run is one transaction rolled back at the end, so later documents see earlier
        # ones (a repeated uri reports "updated", as it would for real). A real run commits
        # document by document and never holds the database for the whole file.
        with transaction.atomic() if options["dry_run"] else nullcontext():
            for item in progress:
                if item.load_error:
                    result = ImportResult(status="rejected", reasons=[("file", item.load_error)])
                else:
                    result = article_import_ninjs(document=item.document)
                outcomes.append((item, result))
            if options["dry_run"]:
                transaction.set_rollback(True)
        self._summarise(outcomes, dry_run=options["dry_run"])

    def _summarise(self, outcomes: list[tuple[Item, ImportResult]], *, dry_run: bool) -> None:
        counts = Counter(result.status for _, result in outcomes)
        lead = "Dry run, nothing saved" if dry_run else "Imported"
        self.stdout.write(
            f"{lead}: {len(outcomes)} document(s): {counts['created']} created, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['rejected']} rejected."
        )
        rejected = [(item, result) for item, result in outcomes if result.status == "rejected"]
        for item, result in rejected:
            reasons = "; ".join(f"{path}: {message}" for path, message in result.reasons)
            self.stdout.write(self.style.ERROR(f"  {item.file} [{item.index}]: {reasons}"))
        if rejected:
            raise CommandError(f"{len(rejected)} document(s) rejected.", returncode=1)


def _items(path: Path) -> list[Item]:
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    items: list[Item] = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            items.append(Item(file=file, index=0, document=None, load_error=f"Unreadable: {exc}"))
            continue
        documents = data if isinstance(data, list) else [data]
        items.extend(Item(file=file, index=i, document=doc) for i, doc in enumerate(documents))
    return items
