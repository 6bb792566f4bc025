"""Factories for the tests. Articles are made through the catalogue service so they carry
revisions exactly as real ones do."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from licensing import models as lm
from syndication import models as sm
from syndication.services import api_key_create, article_create

D = Decimal


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Publication
        django_get_or_create = ("name",)

    name = "The Harbour Courier"
    site_url = "https://courier.example/"
    licence_prefix = "HC"
    copyright_holder = "Harbour Courier Ltd"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Article

    publication = factory.SubFactory(PublicationFactory)
    headline = factory.Sequence(lambda n: f"Tide gauges record a new high, number {n}")
    standfirst = "Harbour instruments show the sea is rising faster than planned for."
    authors = factory.LazyFunction(lambda: ["Mara Quinn"])
    dateline = "PORT ELLEN"
    section = "environment"
    language = "en"
    body_html = "<p>The harbour's tide gauges recorded their highest reading in a century.</p>"
    canonical_url = factory.Sequence(lambda n: f"https://courier.example/news/tide-{n}")
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> sm.Article:
        return article_create(**kwargs)


class MediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Media

    article = factory.SubFactory(ArticleFactory)
    caption = "The harbour wall at high water"
    credit = "Photo: Mara Quinn"
    rights_holder = "Harbour Courier Ltd"
    source_url = "https://courier.example/img/harbour.jpg"
    distributable = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
    username = factory.Sequence(lambda n: f"staff{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Partner

    name = factory.Sequence(lambda n: f"Valley Gazette {n}")
    partner_type = sm.PartnerType.COMMERCIAL
    country = "GB"
    website = "https://gazette.example/"
    domains = factory.LazyFunction(lambda: ["gazette.example"])
    monthly_uniques = 50_000
    billing_email = factory.Sequence(lambda n: f"accounts{n}@gazette.example")
    verified = True


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = "Ada Editor"
    email = factory.Sequence(lambda n: f"editor{n}@gazette.example")


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)


def api_key_for(partner: sm.Partner, name: str = "CMS") -> str:
    """A raw key for the partner, as the partner would paste it."""
    return api_key_create(partner=partner, name=name).raw_key


def standard_rate_card(
    *, version: int = 1, currency: str = "GBP", effective_from: date | None = None, **overrides: Any
) -> lm.RateCard:
    """A realistic card: web full article £100, excerpt £50, summary £20, and so on."""
    fields: dict[str, Any] = {
        "name": "Standard rates",
        "version": version,
        "currency": currency,
        "effective_from": effective_from or date(2026, 1, 1),
        "published": True,
        "excerpt_max_words": 300,
        "exclusivity_factor": D("2"),
        "translation_factor": D("1.25"),
        "image_fee": D("25"),
        "premium_surcharge_percent": D("50"),
        "minimum_fee": D("30"),
        "rounding_increment": D("0"),
        "auto_approve_free": True,
        "auto_approve_verified_max": D("250"),
        "blocked_countries": ["KP"],
        "validity_days": 30,
    }
    fields.update(overrides)
    card = lm.RateCard.objects.create(**fields)
    base = {"web": 100, "print": 150, "newsletter": 60, "broadcast": 120, "translation": 140,
            "education": 40, "intranet": 50, "book": 200}  # fmt: skip
    lm.BaseFee.objects.bulk_create(
        lm.BaseFee(card=card, use_type=use, portion=portion, amount=D(amount) * share)
        for use, amount in base.items()
        for portion, share in (("full", D("1")), ("excerpt", D("0.5")), ("summary", D("0.2")))
    )
    lm.Factor.objects.bulk_create(
        [
            lm.Factor(card=card, dimension="requester", key="commercial", factor=D("1")),
            lm.Factor(card=card, dimension="requester", key="nonprofit", factor=D("0.5")),
            lm.Factor(card=card, dimension="requester", key="education", factor=D("0.4")),
            lm.Factor(card=card, dimension="requester", key="broadcaster", factor=D("1.2")),
            lm.Factor(card=card, dimension="requester", key="government", factor=D("1")),
            lm.Factor(card=card, dimension="requester", key="individual", factor=D("0.6")),
            lm.Factor(card=card, dimension="medium", key="broadcast", factor=D("1.5")),
        ]
    )
    lm.ReachTier.objects.bulk_create(
        [
            lm.ReachTier(card=card, min_reach=0, factor=D("1")),
            lm.ReachTier(card=card, min_reach=100_000, factor=D("1.5")),
            lm.ReachTier(card=card, min_reach=1_000_000, factor=D("2.5")),
        ]
    )
    lm.Territory.objects.bulk_create(
        [
            lm.Territory(card=card, code="gb", label="United Kingdom", countries=["GB"],
                         factor=D("1"), position=0),
            lm.Territory(card=card, code="eu", label="European Union",
                         countries=["FR", "DE", "IE", "ES", "IT", "NL"], factor=D("1.3"),
                         position=1),
            lm.Territory(card=card, code="worldwide", label="Worldwide", countries=[],
                         factor=D("2"), position=2),
            lm.Territory(card=card, code="asia", label="East Asia", countries=["JP", "KR", "KP"],
                         factor=D("1.4"), position=3),
        ]
    )  # fmt: skip
    lm.Term.objects.bulk_create(
        [
            lm.Term(card=card, code="30d", label="30 days", days=30, factor=D("1")),
            lm.Term(card=card, code="1y", label="1 year", days=365, factor=D("1.5")),
            lm.Term(card=card, code="perpetual", label="Perpetual", days=None, factor=D("3")),
        ]
    )
    lm.BundleDiscount.objects.bulk_create(
        [
            lm.BundleDiscount(card=card, min_articles=3, percent=D("10")),
            lm.BundleDiscount(card=card, min_articles=10, percent=D("25")),
        ]
    )
    lm.FreeUse.objects.create(
        card=card, label="Non-profit education", use_type="education", requester_type="education"
    )
    return card
