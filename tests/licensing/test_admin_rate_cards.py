"""Rate cards in the admin: a card and its rows are checked together by the quote engine's own
validator; a card that has priced a request is frozen and changes only by copying it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing import services
from licensing.models import RateCard
from licensing.quoting import UseSpec
from tests import factories as f

D = Decimal
ACTION = "CHANGE_FORM-action"
ROWS = ("base_fees", "factors", "reach_tiers", "territories", "terms", "bundle_discounts",
        "free_uses")  # fmt: skip


def add_page() -> str:
    return reverse("admin:licensing_ratecard_add")


def change_page(card: RateCard) -> str:
    return reverse("admin:licensing_ratecard_change", args=[card.pk])


def card_post(rows: dict[str, list[dict[str, Any]]], **card: Any) -> dict[str, Any]:
    """What the add page posts: the card's fields and a management form per inline."""
    data: dict[str, Any] = {
        "name": "Autumn rates",
        "version": "7",
        "currency": "GBP",
        "effective_from": "2026-12-01",
        "excerpt_max_words": "300",
        "exclusivity_factor": "2",
        "translation_factor": "1.25",
        "image_fee": "25.00",
        "premium_surcharge_percent": "50",
        "minimum_fee": "30.00",
        "rounding_increment": "0",
        "auto_approve_free": "on",
        "auto_approve_verified_max": "250.00",
        "blocked_countries": '["KP"]',
        "validity_days": "30",
        "notes": "",
        "_save": "Save",
        **card,
    }
    for prefix in ROWS:
        forms = rows.get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(forms)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, form in enumerate(forms):
            data |= {f"{prefix}-{i}-{name}": value for name, value in form.items()}
    return data


def rows(reach_tiers: list[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "base_fees": [{"use_type": "web", "portion": "full", "amount": "100.00"}],
        "factors": [{"dimension": "requester", "key": "nonprofit", "factor": "0.5"}],
        "reach_tiers": [{"min_reach": reach, "factor": factor} for reach, factor in reach_tiers],
        "territories": [
            {
                "position": "0",
                "code": "gb",
                "label": "United Kingdom",
                "countries": '["GB"]',
                "factor": "1",
            },
        ],
        "terms": [
            {"code": "30d", "label": "30 days", "days": "30", "factor": "1"},
            {"code": "1y", "label": "1 year", "days": "365", "factor": "1.5"},
        ],
        "bundle_discounts": [{"min_articles": "3", "percent": "10"}],
        "free_uses": [{"label": "Schools", "use_type": "education", "requester_type": "education"}],
    }


def card_rows(card: RateCard) -> dict[str, list[tuple]]:
    """Every row of a card, without ids, in a stable order."""
    return {
        "base_fees": sorted(card.base_fees.values_list("use_type", "portion", "amount")),
        "factors": sorted(card.factors.values_list("dimension", "key", "factor")),
        "reach_tiers": sorted(card.reach_tiers.values_list("min_reach", "factor")),
        "territories": sorted(
            (t.code, t.label, tuple(t.countries), t.factor, t.position)
            for t in card.territories.all()
        ),
        "terms": sorted(card.terms.values_list("code", "label", "days", "factor")),
        "bundle_discounts": sorted(card.bundle_discounts.values_list("min_articles", "percent")),
        "free_uses": sorted(card.free_uses.values_list("label", "use_type", "requester_type")),
    }


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def used_card(rate_card, article):
    # A card is "used" once it has priced a request.
    services.licence_request_submit(
        partner=f.PartnerFactory(verified=False),
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[article.pk],
        use=UseSpec(use_type="web", territory="gb", term="30d"),
        terms_accepted=True,
    )
    return rate_card


def test_a_card_whose_reach_tiers_fall_is_refused_and_nothing_is_saved(desk, db):
    # Given a new card where more reach would cost less (1.5 at 0, then 1.2 at 100,000)
    data = card_post(rows([("0", "1.5"), ("100000", "1.2")]))

    # When staff save it
    response = desk.post(add_page(), data)

    # Then the form comes back naming the problem, and no card or row exists
    assert response.status_code == 200
    # (the wording after the colon is the quote engine's own)
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("Reach tiers: More reach must never cost less")
    assert "More reach must never cost less" in response.text
    assert not RateCard.objects.exists()


def test_a_card_problem_with_a_field_is_shown_beside_the_field(desk, db):
    # Given a card whose exclusivity would lower the price
    data = card_post(rows([("0", "1"), ("100000", "1.5")]), exclusivity_factor="0.8")

    response = desk.post(add_page(), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "exclusivity_factor": ["This factor must be at least 1: it can only add to a price."]
    }
    assert not RateCard.objects.exists()


def test_a_valid_card_is_saved_with_all_its_rows(desk, db):
    # Given a card whose tiers rise with reach
    data = card_post(rows([("0", "1"), ("100000", "1.5")]))

    # When staff save it
    response = desk.post(add_page(), data)

    # Then the card and every row exist
    assert response.status_code == 302
    card = RateCard.objects.get(version=7)
    assert card_rows(card)["reach_tiers"] == [(0, D("1.0000")), (100_000, D("1.5000"))]
    assert card_rows(card)["terms"] == [
        ("1y", "1 year", 365, D("1.5000")),
        ("30d", "30 days", 30, D("1.0000")),
    ]
    assert card.blocked_countries == ["KP"]


def test_a_used_card_is_read_only_with_a_notice(desk, used_card):
    # When staff open a card that priced a request
    response = desk.get(change_page(used_card))

    # Then it says why it cannot change, and offers no field, row or save button to change it
    assert response.status_code == 200
    assert "This card priced 1 request; copy it to change prices" in response.text
    assert 'name="name"' not in response.text
    assert 'name="reach_tiers-0-factor"' not in response.text
    assert 'name="_save"' not in response.text
    assert "Copy as a new version" in response.text

    # And a hand-made save is refused
    before = card_rows(used_card)
    refused = desk.post(change_page(used_card), card_post(rows([("0", "1")]), version="1"))
    assert refused.status_code == 403
    used_card.refresh_from_db()
    assert (used_card.name, card_rows(used_card)) == ("Standard rates", before)


def test_copying_a_used_card_makes_the_next_version_with_every_row(desk, used_card):
    # Given the used card v1, and a later card v4 (copies take the next free version)
    f.standard_rate_card(version=4, effective_from=used_card.effective_from, published=False)

    # When staff press "Copy as a new version" on v1's page
    response = desk.post(
        change_page(used_card),
        {ACTION: ["", "copy_as_new_version"], "_selected_action": used_card.pk},
    )

    # Then v5 exists, unpublished, effective tomorrow, with every row of v1, and staff land on it
    copy = RateCard.objects.get(version=5)
    assert response.status_code == 302
    assert response.url == change_page(copy)
    assert copy.published is False
    assert copy.effective_from == timezone.localdate() + timedelta(days=1)
    assert (copy.name, copy.currency, copy.image_fee, copy.blocked_countries) == (
        "Standard rates",
        "GBP",
        D("25.00"),
        ["KP"],
    )
    assert card_rows(copy) == card_rows(used_card)
    assert sum(len(r) for r in card_rows(copy).values()) == 24 + 7 + 3 + 4 + 3 + 2 + 1
    assert copy.notes.startswith("Copied from version 1 by ")
    # And the copy is editable while the original stays frozen
    assert 'name="name"' in desk.get(change_page(copy)).text


def test_the_copy_action_in_the_list_copies_each_selected_card(desk, used_card):
    response = desk.post(
        reverse("admin:licensing_ratecard_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [used_card.pk], "index": "0"},
    )

    assert response.status_code == 302
    assert list(RateCard.objects.order_by("version").values_list("version", "published")) == [
        (1, True),
        (2, False),
    ]


def test_the_list_shows_the_card_in_force_and_how_many_requests_each_priced(desk, used_card):
    # Given a newer card that is not published yet
    f.standard_rate_card(version=2, published=False)

    response = desk.get(reverse("admin:licensing_ratecard_changelist"))

    rows_ = {card.version: card for card in response.context["cl"].result_list}
    assert (rows_[1].requests_count, rows_[2].requests_count) == (1, 0)
    in_force = next(c for c in response.context["cl"].list_display if callable(c))
    assert (in_force(rows_[1]), in_force(rows_[2])) == (True, False)
