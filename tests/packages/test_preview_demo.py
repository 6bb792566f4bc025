"""`package_preview` on the articles `seed_demo` creates: every demo article, the Arabic one
included, writes all six formats, and they read back as what they claim to be."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from jsonschema import Draft202012Validator

from licensing import demo
from licensing.packages import FORMATS
from syndication.models import Article
from tests.fixtures.packages import samples

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(Path("/work/shared/standards/ninjs-schema_3.1.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
ARABIC_SLUG = "marine-music-festival-returns-arabic"
SUFFIXES = [spec.suffix for spec in FORMATS.values()]


def preview(slug: str, out: Path) -> dict[str, Path]:
    """Runs the command; checks it wrote exactly the six files; returns them by suffix."""
    printed = io.StringIO()
    call_command("package_preview", slug, "--out", str(out), stdout=printed)
    number = f"PREVIEW-{timezone.now().year}-000000"
    assert sorted(p.name for p in out.iterdir()) == sorted(number + s for s in SUFFIXES), slug
    assert printed.getvalue().rstrip().endswith(f"6 files for {slug} r1")
    return {suffix: out / f"{number}{suffix}" for suffix in SUFFIXES}


def test_package_preview_writes_every_format_for_every_demo_article(tmp_path):
    # Given the demo catalogue
    call_command("seed_demo", stdout=io.StringIO())
    slugs = [spec["slug"] for spec in demo.ARTICLES]
    assert ARABIC_SLUG in slugs
    assert Article.objects.filter(slug__in=slugs).count() == len(slugs)

    for slug in slugs:
        # When staff preview each article
        written = preview(slug, tmp_path / slug)

        # Then all six formats are written, and each is what it says it is
        html = written[".html"].read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>"), slug
        assert "Sample Partner (preview)" in html
        assert written[".pdf"].read_bytes().startswith(b"%PDF-"), slug
        ninjs = json.loads(written[".ninjs.json"].read_bytes())
        assert sorted(VALIDATOR.iter_errors(ninjs), key=str) == [], slug
        assert ninjs["uri"] == f"urn:courier:article:{slug}"
        assert json.loads(written[".licence.json"].read_bytes())["type"] == "Agreement"
        with zipfile.ZipFile(written[".zip"]) as bundle:
            assert {"manifest.json", "manifest.json.sig", "article.pdf"} <= set(bundle.namelist())
        assert "<html" not in written["-snippet.html"].read_text(encoding="utf-8")

    # And the Arabic article comes out right to left, in Arabic
    arabic = tmp_path / ARABIC_SLUG
    html = next(arabic.glob("*[0-9].html")).read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')
    assert "يعود مهرجان موسيقى البحر" in html
    ninjs = json.loads(next(arabic.glob("*.ninjs.json")).read_bytes())
    assert ninjs["language"] == "ar"
    pdf_text = samples.poppler("pdftotext", next(arabic.glob("*.pdf")).read_bytes(), tmp_path)
    assert "مهرجان" in pdf_text
