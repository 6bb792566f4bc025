"""`package_preview` on the articles `seed_demo` creates: every demo article, the Arabic one
included, writes all six formats, and they read back as what they claim to be; the demo
pictures are in them, the agency photo in none."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from html import escape
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from jsonschema import Draft202012Validator

from licensing import demo
from licensing.packages import FORMATS
from syndication.models import Article, Media
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


def stored(media: Media) -> bytes:
    with media.file.open("rb") as handle:
        return handle.read()


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


def test_demo_pictures_reach_the_packages_and_the_agency_photo_reaches_none(tmp_path):
    # Given the demo catalogue, whose pictures now have stored files (the agency's too)
    call_command("seed_demo", stdout=io.StringIO())
    articles = Article.objects.filter(media__isnull=False).distinct().order_by("slug")
    assert articles.count() == 2
    agency = Media.objects.get(distributable=False)
    assert agency.credit == "Photo: Reuters"
    agency_bytes = stored(agency)
    assert agency_bytes.startswith(b"\xff\xd8\xff")

    for article in articles:
        own = list(article.media.filter(distributable=True))
        assert own, article.slug
        # When staff preview the article
        written = preview(article.slug, tmp_path / article.slug)

        # Then the HTML package embeds each distributable picture, byte for byte, with its
        # caption and credit
        html = written[".html"].read_text(encoding="utf-8")
        embedded = [
            base64.b64decode(b) for b in re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
        ]
        assert embedded == [stored(m) for m in own], article.slug
        for media in own:
            assert escape(media.caption) in html and escape(media.credit) in html
        # and the bundle carries the same files under images/
        with zipfile.ZipFile(written[".zip"]) as bundle:
            images = sorted(n for n in bundle.namelist() if n.startswith("images/"))
            assert [n.split("-", 1)[1] for n in images] == [Path(m.file.name).name for m in own], (
                article.slug
            )
            assert [bundle.read(n) for n in images] == [stored(m) for m in own]
            everything = b"".join(bundle.read(n) for n in bundle.namelist())
        # And the agency picture is in no format: neither its bytes nor an <img> for it
        for content in [p.read_bytes() for p in written.values()] + [everything]:
            assert agency_bytes not in content
            assert base64.b64encode(agency_bytes) not in content
        assert agency.source_url not in html

    # but is listed among the exclusions of its article's package
    html = (tmp_path / agency.article.slug).glob("*[0-9].html")
    assert escape(agency.exclusion_label) in next(html).read_text(encoding="utf-8")
