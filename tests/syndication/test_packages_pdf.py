"""The PDF package read back with poppler: text, running heads, certificate, metadata,
attachments, right-to-left Arabic and the absence of the agency picture."""

from __future__ import annotations

import re
import unicodedata

import pytest

from syndication.packages.pdf import render_pdf
from tests.fixtures.packages import samples


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_pdf(samples.english())


def test_pdf_text_has_attribution_licence_number_and_verification_url(english_pdf, tmp_path):
    text = samples.poppler("pdftotext", english_pdf, tmp_path, "-raw")

    assert "This article was originally published by Harbour Courier on 2026-03-02" in text
    assert "Republished under licence HC-2026-000123." in text
    assert "Verify this licence at\nhttp://127.0.0.1:8000/licences/HC-2026-000123/verify" in text
    assert "Harbour installs new tide gauges" in text


def test_every_page_has_the_running_header_and_page_x_of_y(english_pdf, tmp_path):
    pages = samples.poppler("pdftotext", english_pdf, tmp_path, "-raw").split("\f")[:-1]

    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        # -raw keeps drawing order: the page margin boxes come after the page's content
        assert page.endswith(f"Harbour Courier Licence HC-2026-000123\nPage {number} of 3\n")


def test_last_page_is_the_licence_certificate(english_pdf, tmp_path):
    certificate = samples.poppler("pdftotext", english_pdf, tmp_path, "-raw").split("\f")[-2]

    assert certificate.startswith("Licence certificate\nHC-2026-000123\n")
    for line in (
        "Licensor Harbour Courier (https://courier.example/)",
        "Term 2026-04-02 to 2026-05-02",
        "Fee 150.00 GBP (paid)",
        "Exclusions Crowds at the harbour opening (Reuters)",
    ):
        assert line in certificate


def test_pdf_metadata_names_the_article_and_the_licence(english_pdf, tmp_path):
    info = samples.poppler("pdfinfo", english_pdf, tmp_path, "-custom")
    fields = dict(re.findall(r"^(\w+):\s+(.*)$", info, re.M))

    assert fields["Title"] == "Harbour installs new tide gauges"
    assert fields["Author"] == "Amira Patel and Tom Reid"
    assert fields["Subject"].startswith("Minute-by-minute readings")
    assert fields["Keywords"] == "Harbour Courier, Local, HC-2026-000123, harbour, weather"
    assert fields["LicenceNumber"] == "HC-2026-000123"


def test_pdf_is_pdf_a_3b_with_the_licence_and_ninjs_attached(english_pdf, tmp_path):
    attachments = samples.poppler("pdfdetach", english_pdf, tmp_path, "-list")
    xmp = samples.poppler("pdfinfo", english_pdf, tmp_path, "-meta")

    assert attachments == "2 embedded files\n1: licence.json\n2: ninjs.json\n"
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in xmp


def test_pdf_holds_only_the_distributable_pictures(english_pdf, tmp_path):
    listing = samples.poppler("pdfimages", english_pdf, tmp_path, "-list").splitlines()[2:]

    sizes = sorted((int(row.split()[3]), int(row.split()[4])) for row in listing)
    # harbour.jpg is 480x320 like the agency picture, but only one such picture is embedded
    assert sizes == [(400, 240), (480, 320)]
    assert samples.AGENCY_SRC.encode() not in english_pdf
    assert (samples.FIXTURES / "agency.jpg").read_bytes() not in english_pdf


def test_same_licence_renders_to_the_same_bytes(english_pdf):
    assert render_pdf(samples.english()) == english_pdf


def test_arabic_article_renders_right_to_left_in_an_arabic_face(tmp_path):
    pdf = render_pdf(samples.arabic())

    text = samples.poppler("pdftotext", pdf, tmp_path)
    fonts = samples.poppler("pdffonts", pdf, tmp_path)

    # pdftotext wraps right-to-left runs in embedding marks; the letters are in logical
    # (reading) order, and the sentence's final full stop is moved to the visual line end.
    plain = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    assert samples.ARABIC_SENTENCE.removesuffix(".") in plain
    assert "محطة تحلية جديدة تزوّد الميناء بالمياه العذبة" in plain
    assert re.search(r"^\S+\+Amiri\s", fonts, re.M)
