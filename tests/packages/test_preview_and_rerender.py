"""Staff preview every format of an article without touching the database; a correction renders
the new revision's packages and keeps the ones already sent."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command

from licensing.package_models import Package
from licensing.packages import packages_rerender_for_licences
from syndication.services import article_update
from tests.packages.conftest import HARBOUR

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("syndication", "licensing", "jobs", "auth")
        for model in apps.get_app_config(app).get_models()
    }


def test_package_preview_writes_every_format_and_saves_nothing(illustrated, tmp_path):
    before = row_counts()
    out = io.StringIO()

    call_command(
        "package_preview", illustrated.slug, "--out", str(tmp_path / "preview"), stdout=out
    )

    files = sorted(p.name for p in (tmp_path / "preview").iterdir())
    number = files[0].split(".")[0].removesuffix("-snippet")
    assert number.startswith("PREVIEW-") and number.endswith("-000000")
    assert files == sorted(
        f"{number}{suffix}"
        for suffix in (".html", "-snippet.html", ".pdf", ".ninjs.json", ".licence.json", ".zip")
    )
    assert (tmp_path / "preview" / f"{number}.pdf").read_bytes().startswith(b"%PDF-")
    with zipfile.ZipFile(tmp_path / "preview" / f"{number}.zip") as archive:
        assert archive.read("images/01-harbour.jpg") == HARBOUR
    printed = out.getvalue()
    assert f"{number}.pdf  " in printed and "bytes" in printed
    assert "excluded: Crowds at the opening (Reuters)" in printed
    assert row_counts() == before


def test_package_preview_of_an_unknown_article_fails(db, tmp_path):
    with pytest.raises(CommandError, match="No article with the slug 'nope'"):
        call_command("package_preview", "nope", "--out", str(tmp_path))


def test_a_rerender_adds_the_new_revisions_packages_and_keeps_the_old(licence, on_commit):
    old = set(Package.objects.filter(licence=licence).values_list("pk", "sha256"))
    # Given a correction (its aftercare work left out: this test drives the re-render itself)
    _, revision = article_update(
        article=licence.article,
        body_html="<p>The gauges recorded 5.2 metres, the highest in a century.</p>",
        correction_note="The height was wrong by a metre.",
    )
    mail.outbox.clear()

    with on_commit():
        created = packages_rerender_for_licences([licence.pk])

    # Then six new packages exist for revision 2, and the six for revision 1 are untouched
    assert sorted(p.format for p in created) == sorted(
        ["html", "snippet", "pdf", "ninjs", "licence_json", "bundle"]
    )
    assert {p.revision for p in created} == {revision}
    assert (
        set(
            Package.objects.filter(licence=licence, revision=licence.revision).values_list(
                "pk", "sha256"
            )
        )
        == old
    )
    html = next(p for p in created if p.format == "html")
    with html.file.open("rb") as handle:
        assert "5.2 metres" in handle.read().decode()
    # And the partner is sent the corrected files once
    (email,) = [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_packages_ready"]
    assert email.subject == f"Corrected files for licence {licence.number} (revision 2) are ready"
    assert f"{licence.number}-r2.pdf" in email.body
    # A second run renders and sends nothing
    with on_commit():
        assert packages_rerender_for_licences([licence.pk]) == []
    ready = [m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_packages_ready"]
    assert len(ready) == 1
