"""Package fixtures: an article with a picture we own (stored file), an agency picture (never
packaged) and a picture known only by its newsroom address, licensed free to a school, with the
on-commit work (render task, email) run as a real commit would."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.files.base import ContentFile

from licensing import services
from licensing.models import Licence
from licensing.quoting import UseSpec
from syndication.models import Article, Partner, PartnerType
from tests import factories as f
from tests.fixtures.packages.samples import FIXTURES

# A free use (education by an education partner): approved and issued at once.
FREE_USE = UseSpec(use_type="education", territory="gb", term="1y")
HARBOUR_SRC = "https://courier.example/img/harbour.jpg"
AGENCY_SRC = "https://courier.example/img/agency-crowd.jpg"
REMOTE_SRC = "https://courier.example/img/remote-only.jpg"
HARBOUR = (FIXTURES / "harbour.jpg").read_bytes()
AGENCY = (FIXTURES / "agency.jpg").read_bytes()


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test, so stored names are the ones a first upload gets."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager[Any]]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def illustrated(publication) -> Article:
    article = f.ArticleFactory(
        publication=publication,
        slug="tide-gauges-record-high",
        body_html=(
            "<p>The harbour's tide gauges recorded their highest reading in a century.</p>"
            f'<figure><img src="{HARBOUR_SRC}" alt="Gauge"><figcaption>Gauge</figcaption></figure>'
            f'<figure><img src="{AGENCY_SRC}" alt="Crowd"><figcaption>Crowd</figcaption></figure>'
            f'<p><img src="{REMOTE_SRC}" alt="Remote"></p>'
            "<p>Engineers say the sea wall was overtopped a decade earlier than planned.</p>"
        ),
    )
    f.MediaFactory(
        article=article,
        position=0,
        file=ContentFile(HARBOUR, name="harbour.jpg"),
        source_url=HARBOUR_SRC,
        caption="The new tide gauge",
        credit="Photo: Harbour Courier",
    )
    f.MediaFactory(
        article=article,
        position=1,
        file=ContentFile(AGENCY, name="agency-crowd.jpg"),
        source_url=AGENCY_SRC,
        caption="Crowds at the opening",
        credit="Photo: Reuters",
        rights_holder="Reuters",
        distributable=False,
    )
    f.MediaFactory(
        article=article,
        position=2,
        source_url=REMOTE_SRC,
        caption="The breakwater at dawn",
        credit="Photo: Harbour Courier",
    )
    return article


def school(name: str) -> Partner:
    slug = name.lower().replace(" ", "")
    partner = f.PartnerFactory(
        name=name,
        partner_type=PartnerType.EDUCATION,
        domains=[f"{slug}.example"],
        billing_email=f"accounts@{slug}.example",
    )
    f.PartnerContactFactory(partner=partner, name="Desk", email=f"desk@{slug}.example")
    f.PartnerContactFactory(
        partner=partner, name="Quiet", email=f"quiet@{slug}.example", receives_notices=False
    )
    return partner


def license_articles(partner: Partner, articles: list[Article]) -> list[Licence]:
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email=f"ada@{partner.domains[0]}",
        article_ids=[a.pk for a in articles],
        use=FREE_USE,
        terms_accepted=True,
    )
    return list(Licence.objects.filter(request=request).order_by("pk"))


@pytest.fixture
def north(db) -> Partner:
    return school("North Academy")


@pytest.fixture
def licence(rate_card, illustrated, north, on_commit) -> Licence:
    """The school's licence for the illustrated article, issued and packaged."""
    with on_commit():
        (issued,) = license_articles(north, [illustrated])
    return issued
