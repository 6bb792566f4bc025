"""Median time to render the PDF package of a 1,500-word article with two pictures, against
bare WeasyPrint rendering the same HTML and CSS in the same run (the ratio is our overhead:
templates, the restricted fetcher, PDF/A-3b, metadata and the two attachments).
Run `.venv/bin/python bench/pdf_render.py` from anywhere."""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()
logging.getLogger("weasyprint").setLevel(logging.ERROR)

from django.conf import settings  # noqa: E402
from weasyprint import HTML  # noqa: E402

from syndication.packages.fetcher import PackageURLFetcher  # noqa: E402
from syndication.packages.pdf import print_html, render_pdf  # noqa: E402
from syndication.sanitize import count_words  # noqa: E402
from tests.fixtures.packages import samples  # noqa: E402

RUNS = 15
TARGET_WORDS = 1500


def timed(render) -> float:
    started = time.perf_counter()
    render()
    return time.perf_counter() - started


def medians(ours, bare) -> tuple[float, float]:
    """Alternating runs, so a busy machine slows both sides alike."""
    ours(), bare()  # warm-up: fonts and templates load once per process
    pairs = [(timed(ours), timed(bare)) for _ in range(RUNS)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> None:
    paragraphs = round(TARGET_WORDS / count_words(samples.PARAGRAPH))
    data = samples.english(paragraphs=paragraphs)
    css = (Path(settings.STATICFILES_DIRS[0]) / "packages" / "print.css").read_text()
    # The same markup, stylesheet inlined, for WeasyPrint with its defaults.
    bare_html = print_html(data, PackageURLFetcher()).replace(
        '<link rel="stylesheet" href="/static/packages/print.css">', f"<style>{css}</style>"
    )
    pictures = len(data.distributable_images)

    ours, bare = medians(lambda: render_pdf(data), lambda: HTML(string=bare_html).write_pdf())

    words = count_words(data.article.body_html)
    print(f"PDF package, {words} words, {pictures} pictures, median of {RUNS} runs")
    print(f"  render_pdf (PDF/A-3b, fetcher, attachments): {ours * 1000:7.1f} ms")
    print(f"  bare WeasyPrint, same HTML and CSS:          {bare * 1000:7.1f} ms")
    print(f"  overhead ratio:                              {ours / bare:7.2f}x")


if __name__ == "__main__":
    main()
