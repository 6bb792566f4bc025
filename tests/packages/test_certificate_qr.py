"""The QR code on a stored PDF's licence certificate, read back as a phone would: rasterised
with poppler and decoded with zxing-cpp, it is the licence's verification URL."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from licensing.aftercare import licence_verify_url
from licensing.package_models import Package
from licensing.packages import package_data_for, render_format
from tests.fixtures.packages import samples

pytestmark = pytest.mark.django_db


def decoded_qr_codes(pdf: bytes, tmp_path, *, page: int) -> list[tuple[str, str]]:
    """The text of every QR code on one page of the PDF, rendered at 150 dpi."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    source, target = tmp_path / "package.pdf", tmp_path / "page"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", *pages, str(source), str(target)],
        check=True,
        capture_output=True,
    )
    with Image.open(tmp_path / "page.png") as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    return [(code.format.name, code.text) for code in found]


def test_the_certificate_qr_code_decodes_to_the_verification_url(licence, tmp_path):
    # Given the PDF stored for an issued licence
    package = Package.objects.get(licence=licence, format="pdf")
    with package.file.open("rb") as handle:
        pdf = handle.read()
    pages = samples.poppler("pdftotext", pdf, tmp_path, "-raw").split("\f")[:-1]
    certificate = len(pages)
    assert pages[-1].startswith(f"Licence certificate\n{licence.number}\n")

    # When its certificate page is scanned
    codes = decoded_qr_codes(pdf, tmp_path, page=certificate)

    # Then the one QR code on it is the licence's verification URL, and no other page has one
    url = licence_verify_url(licence)
    assert url == f"http://127.0.0.1:8000/licences/{licence.number}/verify"
    assert codes == [("QRCode", url)]
    assert decoded_qr_codes(pdf, tmp_path, page=1) == []


def test_the_certificate_states_the_fee_as_the_rest_of_the_service_does(licence, tmp_path):
    # Given a paid licence (the school's licence here is free: give it a fee)
    licence.fee, licence.currency = Decimal("1250.00"), "EUR"
    data = package_data_for(licence=licence, revision=licence.revision)

    # When its PDF is rendered
    text = samples.poppler("pdftotext", render_format("pdf", data), tmp_path, "-raw")
    certificate = text.split("\f")[-2]

    # Then its fee reads like the quote, the emails and the portal, symbol first
    assert "Fee €1,250.00 (" in certificate
    assert "1,250.00 EUR" not in certificate
