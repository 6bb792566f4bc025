"""Which rate card prices a use: the published card with the latest effective date on or before
the day, never a card staff have not published or one that starts later."""

from __future__ import annotations

from datetime import date

import pytest

from licensing.selectors import rate_card_in_force
from syndication.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 15)


def test_a_future_dated_card_waits_for_its_day():
    current = f.standard_rate_card(version=1, effective_from=date(2026, 1, 1))
    coming = f.standard_rate_card(version=2, effective_from=date(2026, 7, 1))

    assert rate_card_in_force(on=DAY) == current
    assert rate_card_in_force(on=date(2026, 6, 30)) == current
    assert rate_card_in_force(on=date(2026, 7, 1)) == coming


def test_an_unpublished_card_is_never_in_force_even_when_newer():
    current = f.standard_rate_card(version=1, effective_from=date(2026, 1, 1))
    f.standard_rate_card(version=2, effective_from=date(2026, 6, 1), published=False)

    assert rate_card_in_force(on=DAY) == current


def test_of_two_cards_from_the_same_day_the_higher_version_wins():
    f.standard_rate_card(version=1, effective_from=date(2026, 6, 1))
    revised = f.standard_rate_card(version=2, effective_from=date(2026, 6, 1))

    assert rate_card_in_force(on=DAY) == revised


def test_with_only_future_or_unpublished_cards_nothing_is_in_force():
    f.standard_rate_card(version=1, effective_from=date(2026, 7, 1))
    f.standard_rate_card(version=2, effective_from=date(2026, 1, 1), published=False)

    with pytest.raises(DomainError) as refused:
        rate_card_in_force(on=DAY)
    assert refused.value.code == "no_rate_card"
