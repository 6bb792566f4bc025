"""Staff see a licence's packages in the admin, download them, and queue a re-render."""

from __future__ import annotations

import pytest

from licensing.package_models import Package
from syndication.services import article_update

pytestmark = pytest.mark.django_db


def test_staff_list_a_licences_packages_with_download_links(licence, client, staff):
    client.force_login(staff)

    response = client.get("/admin/licensing/package/", {"q": licence.number})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('href="http://127.0.0.1:8000/downloads/') == 6
    assert f"{licence.number}.pdf" in page
    # Read-only: no add button, and a row does not open a change form
    assert "/admin/licensing/package/add/" not in page


def test_the_rerender_action_renders_the_current_revision_and_keeps_the_old(
    licence, client, staff, on_commit
):
    _, revision = article_update(article=licence.article, headline="Tide gauges: a new record")
    client.force_login(staff)
    selected = list(Package.objects.filter(licence=licence).values_list("pk", flat=True)[:1])

    with on_commit():
        response = client.post(
            "/admin/licensing/package/",
            {"action": "rerender", "_selected_action": selected},
            follow=True,
        )

    assert "Re-rendering queued for 1 licence(s)" in response.content.decode()
    by_revision = {
        number: Package.objects.filter(licence=licence, revision__number=number).count()
        for number in (1, 2)
    }
    assert by_revision == {1: 6, 2: 6}
    assert revision.number == 2
