"""Aftercare fixtures: a real webhook receiver on 127.0.0.1, licensed articles, and partners
with notice contacts and webhook endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from licensing import services
from licensing.models import Licence
from licensing.quoting import UseSpec
from syndication.models import Partner, PartnerType
from syndication.webhooks import webhook_endpoint_set
from tests import factories as f
from tests.aftercare.receiver import Receiver

# A free use (education by an education partner): licensed at once, no payment step.
FREE_USE = UseSpec(use_type="education", territory="gb", term="1y")


@pytest.fixture(autouse=True)
def _loopback_webhooks(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5
    settings.JOBS_RETRY_BASE_SECONDS = 0.01


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (emails, webhooks, retries) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


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


def license_article(partner: Partner, article, use: UseSpec = FREE_USE) -> Licence:
    request = services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email=f"ada@{partner.domains[0]}",
        article_ids=[article.pk],
        use=use,
        terms_accepted=True,
    )
    return Licence.objects.get(request=request, article=article)


@pytest.fixture
def licensees(rate_card, article, receiver):
    """Two partners licensing the same article, each with its own path on the receiver."""
    north, south = school("North Academy"), school("South College")
    for partner, path in ((north, "/north"), (south, "/south")):
        webhook_endpoint_set(partner=partner, url=receiver.url + path)
    return (north, license_article(north, article)), (south, license_article(south, article))
