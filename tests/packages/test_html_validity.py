"""The HTML package built from the database passes the Nu Html Checker: the database keeps
microseconds, and every machine-readable date in the package must be whole seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from licensing.package_models import Package
from licensing.packages import package_data_for, packages_render
from syndication.packages.html import render_html
from syndication.packages.ninjs import ninjs_document
from tests.fixtures.packages import samples

pytestmark = pytest.mark.django_db

# Database timestamps as Django stores them, six fractional digits included
PUBLISHED = datetime(2026, 3, 2, 7, 15, 42, 123456, tzinfo=UTC)
REVISED = datetime(2026, 3, 2, 9, 0, 5, 500001, tzinfo=UTC)
ISSUED = datetime(2026, 3, 4, 16, 30, 9, 999999, tzinfo=UTC)


def with_microsecond_dates(licence):
    """The licence, its article and its revision dated with microseconds, as saved rows."""
    licence.article.published_at = PUBLISHED
    licence.article.save(update_fields=["published_at"])
    type(licence.revision).objects.filter(pk=licence.revision_id).update(created_at=REVISED)
    licence.issued_at = ISSUED
    licence.save(update_fields=["issued_at"])
    licence.refresh_from_db()
    return licence


def stored_html(licence) -> str:
    package = Package.objects.get(licence=licence, format="html")
    with package.file.open("rb") as handle:
        return handle.read().decode()


def test_the_stored_html_package_has_whole_second_dates_and_passes_the_checker(licence, tmp_path):
    # Given a licence whose article, revision and issue are dated with microseconds
    with_microsecond_dates(licence)
    Package.objects.filter(licence=licence).delete()

    # When its packages are rendered and stored from the database
    packages_render(licence_id=licence.pk)
    page = stored_html(licence)

    # Then every machine-readable date is whole seconds
    assert '<time dir="ltr" datetime="2026-03-02T07:15:42+00:00">' in page
    assert '<meta name="dcterms.created" content="2026-03-04T16:30:09+00:00">' in page
    machine_dates = re.findall(r'(?:datetime|content)="(\d{4}-\d\d-\d\dT[^"]*)"', page)
    assert machine_dates and all("." not in value for value in machine_dates)
    # And the page passes the Nu Html Checker with no errors
    (tmp_path / "package.html").write_text(page, encoding="utf-8")
    assert samples.nu_html_check([tmp_path / "package.html"]) == (0, "")


def test_package_data_from_the_database_is_whole_seconds_in_every_format(licence):
    with_microsecond_dates(licence)

    data = package_data_for(licence=licence, revision=licence.revision)

    assert (data.article.published_at, data.article.updated_at, data.licence.issued_at) == (
        PUBLISHED.replace(microsecond=0),
        REVISED.replace(microsecond=0),
        ISSUED.replace(microsecond=0),
    )
    document = ninjs_document(data)
    assert (document["firstCreated"], document["versionCreated"]) == (
        "2026-03-02T07:15:42Z",
        "2026-03-02T09:00:05Z",
    )
    assert 'datetime="2026-03-02T07:15:42+00:00"' in render_html(data)
