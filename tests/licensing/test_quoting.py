"""The quote engine by example: each test is a story a partner or a member of staff would tell.
No database: the engine is pure (test_quoting.py proves importing it loads no Django)."""

# The rule texts say "×1.5" with a real multiplication sign, on purpose.

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from licensing.money import format_money, quantize, round_to_increment
from licensing.quoting import (
    ArticleFacts,
    BundleDiscount,
    FreeUse,
    LineItem,
    PartnerFacts,
    Quote,
    QuoteError,
    RateCardData,
    ReachTier,
    Refusal,
    TermOption,
    TerritoryOption,
    UseSpec,
    compute_quote,
    validate_rate_card,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

STANDARD = RateCardData(
    id=7,
    version=3,
    name="Standard terms 2026",
    currency="GBP",
    base_fees={
        ("web", "full"): D("100.00"),
        ("web", "excerpt"): D("40.00"),
        ("web", "summary"): D("10.00"),
        ("print", "full"): D("150.00"),
        ("education", "full"): D("60.00"),
    },
    excerpt_max_words=300,
    requester_factors={"commercial": D("1.2"), "nonprofit": D("0.5")},
    medium_factors={"print": D("1.1")},
    reach_tiers=(ReachTier(100_000, D("1.5")), ReachTier(1_000_000, D("2"))),
    territories=(
        TerritoryOption("worldwide", "Worldwide", (), D("1.2")),
        TerritoryOption("uk", "United Kingdom", ("GB",), D("1")),
        TerritoryOption("cis", "Russia and Belarus", ("RU", "BY"), D("1")),
    ),
    terms=(
        TermOption("30d", "30 days", 30, D("0.5")),
        TermOption("1y", "1 year", 365, D("1")),
        TermOption("perpetual", "Perpetual", None, D("3")),
    ),
    exclusivity_factor=D("2"),
    translation_factor=D("1.25"),
    image_fee=D("15.00"),
    premium_surcharge_percent=D("20"),
    bundle_discounts=(BundleDiscount(3, D("10")), BundleDiscount(10, D("20"))),
    minimum_fee=D("25.00"),
    rounding_increment=D("0"),
    free_uses=(FreeUse("Non-profit teaching", use_type="education", requester_type="nonprofit"),),
    auto_approve_free=True,
    auto_approve_verified_max=D("150.00"),
    blocked_countries=(),
    validity_days=30,
)

# A partner whose type the card gives no factor, licensing for the UK for a year: the base fee
# is the whole price unless the story adds something.
PLAIN_USE = UseSpec("web", territory="uk", term="1y")
GOVERNMENT = PartnerFacts(partner_type="government", verified=False, country="GB")


def article(article_id: int = 101, **changes) -> ArticleFacts:
    facts = ArticleFacts(
        id=article_id,
        slug=f"story-{article_id}",
        headline=f"Story {article_id}",
        word_count=900,
        premium=False,
        syndication_status="available",
        embargo_until=None,
        distributable_images=0,
        excluded_images=(),
    )
    return replace(facts, **changes)


def quote_for(articles, use=PLAIN_USE, partner=GOVERNMENT, card=STANDARD, now=NOW) -> Quote:
    return compute_quote(card, use, articles, partner, today=TODAY, now=now)


def lines_of(quote: Quote) -> list[tuple[str, str, D]]:
    return [(line.code, line.rule, line.amount) for line in quote.lines]


def test_the_standard_card_is_valid():
    assert validate_rate_card(STANDARD) == []


def test_a_commercial_web_quote_is_explained_line_by_line():
    # Given a commercial site with 250,000 monthly readers wanting one article worldwide for a year
    partner = PartnerFacts(partner_type="commercial", verified=False, country="US")
    use = UseSpec("web", portion="full", territory="worldwide", term="1y", reach=250_000)

    # When it asks for a quote
    quote = quote_for([article()], use=use, partner=partner)

    # Then every rule that applies is a line saying what it added
    assert lines_of(quote) == [
        ("base", "Base fee: web, full article", D("100.00")),
        ("requester", "Requester: commercial ×1.2", D("20.00")),
        ("reach", "Reach 100,000+ ×1.5", D("60.00")),
        ("territory", "Territory: Worldwide ×1.2", D("36.00")),
        ("term", "Term: 1 year ×1", D("0.00")),
    ]
    assert all(line.article_id == 101 for line in quote.lines)
    assert (quote.subtotal, quote.discount, quote.total) == (D("216.00"), D("0.00"), D("216.00"))
    assert quote.currency == "GBP"
    assert (quote.rate_card_id, quote.rate_card_version) == (7, 3)
    assert quote.valid_until == date(2026, 4, 1)
    assert not quote.free
    assert not quote.auto_approve  # not verified, and over the limit anyway
    assert quote.refusals == () and quote.exclusions == ()


def test_lines_add_up_to_the_penny_when_factors_leave_fractions_of_a_penny():
    # Given a base fee and a factor that do not multiply to whole pennies
    card = replace(
        STANDARD,
        base_fees={("web", "full"): D("99.99")},
        requester_factors={"commercial": D("1.15")},
    )
    partner = PartnerFacts(partner_type="commercial", verified=False, country="US")
    use = UseSpec("web", territory="worldwide", reach=250_000)

    # When it is priced: 99.99 × 1.15 × 1.5 × 1.2 = 206.9793
    quote = quote_for([article()], use=use, partner=partner, card=card)

    # Then each line is what its rule adds to the running figure, to the penny
    assert [line.amount for line in quote.lines] == [
        D("99.99"),
        D("15.00"),  # 114.9885 -> 114.99
        D("57.49"),  # 172.48275 -> 172.48
        D("34.50"),  # 206.9793 -> 206.98
        D("0.00"),
    ]
    assert quote.total == D("206.98") == sum(line.amount for line in quote.lines)


def test_an_excerpt_over_the_word_limit_is_priced_as_the_full_article():
    # Given a card whose excerpts are at most 300 words
    short = quote_for([article()], use=replace(PLAIN_USE, portion="excerpt", excerpt_words=250))
    long = quote_for([article()], use=replace(PLAIN_USE, portion="excerpt", excerpt_words=450))

    # Then 250 words is an excerpt, but 450 words is priced as the full article, and says so
    assert short.lines[0] == LineItem("base", "Base fee: web, excerpt", D("40.00"), 101)
    assert short.total == D("40.00")
    assert long.lines[0].rule == (
        "Base fee: web, full article (450-word excerpt is over the 300-word limit)"
    )
    assert long.total == D("100.00")


def test_a_premium_article_carries_the_premium_surcharge():
    # Given one premium article and one ordinary one, each quoted alone
    premium = quote_for([article(premium=True)])
    ordinary = quote_for([article()])

    # Then only the premium one has the 20% surcharge line
    assert lines_of(premium)[-1] == ("premium", "Premium article +20%", D("20.00"))
    assert premium.total == D("120.00")
    assert "premium" not in [line.code for line in ordinary.lines]
    assert ordinary.total == D("100.00")


def test_images_are_priced_only_when_distributable_and_wanted_and_the_rest_are_listed():
    # Given an article with two photos we may distribute and one agency photo we may not
    photo = article(distributable_images=2, excluded_images=("Photo: Getty Images / Jane Doe",))

    # When the partner wants images
    with_images = quote_for([photo])
    # Then the two distributable ones are priced at the image fee
    assert lines_of(with_images)[-1] == ("images", "Images: 2 × £15.00", D("30.00"))
    assert with_images.total == D("130.00")

    # When the partner does not want images, none are priced
    without = quote_for([photo], use=replace(PLAIN_USE, include_images=False))
    assert "images" not in [line.code for line in without.lines]
    assert without.total == D("100.00")

    # And either way the agency photo is listed as excluded, never priced or delivered
    assert with_images.exclusions == without.exclusions == ("Photo: Getty Images / Jane Doe",)


def test_a_bundle_of_three_or_more_articles_is_discounted():
    # Given three articles at £100 each
    three = quote_for([article(101), article(102), article(103)])

    # Then the 3+ tier takes 10% off, in one line for the whole quote
    assert three.lines[-1] == LineItem("bundle_discount", "Bundle of 3+ articles -10%", D("-30.00"))
    assert (three.subtotal, three.discount, three.total) == (D("300.00"), D("30.00"), D("270.00"))

    # But two articles are not a bundle yet
    two = quote_for([article(101), article(102)])
    assert "bundle_discount" not in [line.code for line in two.lines]
    assert two.total == D("200.00")


def test_a_small_quote_is_topped_up_to_the_minimum_fee():
    # Given a headline-and-summary use at £10, on a card whose minimum fee is £25
    quote = quote_for([article()], use=replace(PLAIN_USE, portion="summary"))

    # Then a top-up line brings it to the minimum
    assert quote.lines[-1] == LineItem("minimum_fee", "Minimum fee £25.00", D("15.00"))
    assert (quote.subtotal, quote.total) == (D("10.00"), D("25.00"))


def test_a_nonprofit_teaching_use_is_free_and_approved_without_staff():
    # Given a charity wanting two articles for a course pack
    charity = PartnerFacts(partner_type="nonprofit", verified=False, country="GB")
    use = replace(PLAIN_USE, use_type="education")

    # When it asks for a quote
    quote = quote_for([article(101), article(102)], use=use, partner=charity)

    # Then the card's free-use rule replaces every price, and no one needs to approve it
    assert lines_of(quote) == [("free_use", "Free use: Non-profit teaching", D("0.00"))]
    assert quote.free and quote.total == D("0.00")
    assert quote.auto_approve
    assert quote.auto_approve_reason == "Free use (Non-profit teaching) is approved automatically."

    # Unless the card says staff approve free uses too
    strict = quote_for(
        [article()], use=use, partner=charity, card=replace(STANDARD, auto_approve_free=False)
    )
    assert strict.free and not strict.auto_approve


def test_a_contract_allowance_covers_the_first_articles_and_the_rest_are_paid():
    # Given a partner whose contract still covers 2 articles this month, asking for 3
    partner = replace(GOVERNMENT, contract_articles_remaining=2)

    quote = quote_for([article(101), article(102), article(103)], partner=partner)

    # Then the first two are priced and cancelled, so the explanation stays
    contract = [line for line in quote.lines if line.code == "contract"]
    assert contract == [
        LineItem("contract", "Covered by contract allowance", D("-100.00"), 101),
        LineItem("contract", "Covered by contract allowance", D("-100.00"), 102),
    ]
    # And the third is paid, with the three-article bundle discount on what is paid
    assert quote.lines[-1] == LineItem("bundle_discount", "Bundle of 3+ articles -10%", D("-10.00"))
    assert (quote.subtotal, quote.discount, quote.total) == (D("300.00"), D("210.00"), D("90.00"))


def test_when_the_contract_covers_everything_the_total_is_zero_without_a_minimum_fee():
    partner = replace(GOVERNMENT, contract_articles_remaining=5)

    quote = quote_for([article(101), article(102)], partner=partner)

    assert quote.total == D("0.00")
    assert "minimum_fee" not in [line.code for line in quote.lines]
    assert not quote.free  # it is covered, not free


def test_embargoed_and_not_for_syndication_articles_are_refused_with_reasons():
    # Given an embargoed article, one never syndicated, and one available
    embargoed = article(101, headline="Budget leak", embargo_until=NOW + timedelta(hours=2))
    never = article(102, headline="Source memo", syndication_status="not_for_syndication")
    fine = article(103)

    quote = quote_for([embargoed, never, fine])

    # Then the first two are refused with a sentence the partner can read, and not priced
    assert quote.refusals == (
        Refusal("embargo", "“Budget leak” is under embargo until 02 March 2026, 14:00 UTC.", 101),
        Refusal("not_for_syndication", "“Source memo” is not available for syndication.", 102),
    )
    assert {line.article_id for line in quote.lines} == {103}
    assert quote.total == D("100.00")
    # And a partner cannot be approved automatically for a partly refused request
    verified = quote_for([embargoed, fine], partner=replace(GOVERNMENT, verified=True))
    assert verified.total == D("100.00") and not verified.auto_approve


def test_an_embargo_that_has_lifted_does_not_refuse():
    lifted = article(embargo_until=NOW - timedelta(minutes=1))

    assert quote_for([lifted]).refusals == ()


def test_without_a_clock_an_embargo_is_judged_at_the_start_of_today():
    # The engine never reads the time: an embargo lifting later today still refuses
    later_today = article(embargo_until=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    quote = quote_for([later_today], now=None)

    assert [r.code for r in quote.refusals] == ["embargo"]


def test_when_every_article_is_refused_nothing_is_charged_free_or_approved():
    charity = PartnerFacts(partner_type="nonprofit", verified=True, country="GB")
    never = article(syndication_status="not_for_syndication")

    quote = quote_for([never], use=replace(PLAIN_USE, use_type="education"), partner=charity)

    assert quote.lines == ()
    assert quote.total == D("0.00")
    assert not quote.free and not quote.auto_approve


def test_a_territory_listing_a_blocked_country_is_refused_and_worldwide_carves_it_out():
    # Given a card that never licenses in Russia
    card = replace(STANDARD, blocked_countries=("RU",))

    # When a partner asks for Russia and Belarus, or for worldwide rights
    cis = quote_for([article()], use=replace(PLAIN_USE, territory="cis"), card=card)
    worldwide = quote_for([article()], use=replace(PLAIN_USE, territory="worldwide"), card=card)

    # Then the named territory is refused outright
    assert [r.code for r in cis.refusals] == ["territory_blocked"]
    assert cis.lines == ()
    assert cis.total == D("0.00") and not cis.auto_approve
    # And worldwide is priced, with Russia carved out and said so on the territory line
    assert worldwide.refusals == ()
    territory = next(line for line in worldwide.lines if line.code == "territory")
    assert territory.rule.startswith("Territory: Worldwide except RU ")
    assert worldwide.total > D("0")
    # And the UK alone is fine
    assert quote_for([article()], card=card).total == D("100.00")


@pytest.mark.parametrize(
    ("use", "articles", "field"),
    [
        (replace(PLAIN_USE, term="3y"), [article()], "term"),
        (replace(PLAIN_USE, territory="mars"), [article()], "territory"),
        (replace(PLAIN_USE, use_type="podcast"), [article()], "use_type"),
        (replace(PLAIN_USE, use_type="book"), [article()], "use_type"),  # the card has no book fees
        (replace(PLAIN_USE, portion="teaser"), [article()], "portion"),
        (replace(PLAIN_USE, use_type="print", portion="summary"), [article()], "portion"),
        (replace(PLAIN_USE, portion="excerpt"), [article()], "excerpt_words"),
        (PLAIN_USE, [], "articles"),
        (PLAIN_USE, [article(), article()], "articles"),
    ],
)
def test_a_request_the_card_cannot_price_is_reported_against_its_field(use, articles, field):
    with pytest.raises(QuoteError) as raised:
        quote_for(articles, use=use)

    assert raised.value.field == field
    assert raised.value.message


def test_an_unknown_term_says_which_term():
    with pytest.raises(QuoteError, match="3y") as raised:
        quote_for([article()], use=replace(PLAIN_USE, term="3y"))

    assert raised.value.field == "term"
    assert raised.value.message == "Unknown term “3y”."


def test_a_verified_partner_under_the_limit_is_approved_automatically():
    verified = replace(GOVERNMENT, verified=True)

    quote = quote_for([article()], partner=verified)

    assert quote.auto_approve
    assert quote.auto_approve_reason == (
        "Verified partner, and the total £100.00 is within the £150.00 limit"
        " for automatic approval."
    )
    # Over the limit, or unverified, staff decide
    assert not quote_for([article(101), article(102)], partner=verified).auto_approve
    assert not quote_for([article()]).auto_approve
    assert not quote_for(
        [article()], partner=verified, card=replace(STANDARD, auto_approve_verified_max=None)
    ).auto_approve


def test_a_restricted_article_needs_review_even_when_auto_rules_match():
    # Given a verified partner under the limit, and a restricted article in the request
    verified = replace(GOVERNMENT, verified=True)

    quote = quote_for(
        [article(101), article(102, syndication_status="restricted")], partner=verified
    )

    # Then it is priced, but staff must look before it is approved
    assert quote.total == D("200.00")
    assert quote.needs_review
    assert not quote.auto_approve and quote.auto_approve_reason == ""
    # Free uses too
    charity = PartnerFacts(partner_type="nonprofit", verified=True, country="GB")
    use = replace(PLAIN_USE, use_type="education")
    free = quote_for([article(syndication_status="restricted")], use=use, partner=charity)
    assert free.free and free.needs_review and not free.auto_approve


def test_a_yen_card_prices_in_whole_yen():
    # Given a card in yen, which has no minor unit
    card = replace(
        STANDARD,
        currency="JPY",
        base_fees={("web", "full"): D("9999")},
        requester_factors={"commercial": D("1.15")},
        image_fee=D("500"),
        minimum_fee=D("3000"),
    )
    partner = PartnerFacts(partner_type="commercial", verified=False, country="JP")
    use = UseSpec("web", territory="uk")
    assert validate_rate_card(card) == []

    quote = quote_for([article(distributable_images=1)], use=use, partner=partner, card=card)

    # Then 9999 × 1.15 = 11,498.85 is 11,499 yen, and every amount is whole yen
    assert lines_of(quote) == [
        ("base", "Base fee: web, full article", D("9999")),
        ("requester", "Requester: commercial ×1.15", D("1500")),
        ("territory", "Territory: United Kingdom ×1", D("0")),
        ("term", "Term: 1 year ×1", D("0")),
        ("images", "Images: 1 × ¥500", D("500")),
    ]
    assert quote.total == D("11999")
    assert quote.total.as_tuple().exponent == 0
    assert quote.to_dict()["total"] == "11999"
    assert format_money(quote.total, "JPY") == "¥11,999"


def test_a_rounding_increment_rounds_each_article_and_then_the_discounted_total():
    # Given a card that rounds to 50p, and an article costing £114.99 before rounding
    card = replace(
        STANDARD,
        base_fees={("web", "full"): D("99.99")},
        requester_factors={"commercial": D("1.15")},
        bundle_discounts=(BundleDiscount(3, D("15")),),
        rounding_increment=D("0.50"),
    )
    partner = PartnerFacts(partner_type="commercial", verified=False, country="GB")
    use = UseSpec("web", territory="uk")

    one = quote_for([article()], use=use, partner=partner, card=card)
    three = quote_for(
        [article(101), article(102), article(103)], use=use, partner=partner, card=card
    )

    # Then each article is rounded to £115.00 on its own line
    assert one.lines[-1] == LineItem("rounding", "Rounded to the nearest £0.50", D("0.01"), 101)
    assert one.total == D("115.00")
    # And the discounted bundle (345.00 - 51.75 = 293.25) is rounded again as a whole
    assert lines_of(three)[-2:] == [
        ("bundle_discount", "Bundle of 3+ articles -15%", D("-51.75")),
        ("rounding", "Total rounded to the nearest £0.50", D("0.25")),
    ]
    assert three.total == D("293.50")
    assert three.total <= 3 * one.total


def test_the_quote_snapshot_is_plain_json_and_comes_back_exactly():
    partner = PartnerFacts(partner_type="commercial", verified=False, country="US")
    use = UseSpec("web", territory="worldwide", reach=250_000)
    quote = quote_for([article(excluded_images=("Photo: AP",))], use=use, partner=partner)

    snapshot = json.loads(json.dumps(quote.to_dict()))

    assert snapshot["total"] == "216.00"
    assert snapshot["valid_until"] == "2026-04-01"
    assert snapshot["lines"][0] == {
        "code": "base",
        "rule": "Base fee: web, full article",
        "amount": "100.00",
        "article_id": 101,
    }
    assert snapshot["exclusions"] == ["Photo: AP"]
    assert Quote.from_dict(snapshot) == quote
    assert Quote.from_dict(snapshot).to_dict() == snapshot


def test_validate_rate_card_names_each_problem_by_field():
    card = replace(
        STANDARD,
        currency="XYZ",
        base_fees={("web", "full"): D("-1")},
        exclusivity_factor=D("0.9"),
        reach_tiers=(ReachTier(1_000, D("2")), ReachTier(50_000, D("1.5"))),
        territories=(*STANDARD.territories, TerritoryOption("uk", "UK again", ("GB",), D("1"))),
        terms=(TermOption("1y", "1 year", 365, D("1")), TermOption("30d", "30 days", 30, D("2"))),
        bundle_discounts=(BundleDiscount(3, D("120")),),
        rounding_increment=D("-0.5"),
    )

    fields = {name for name, _ in validate_rate_card(card)}

    assert fields == {
        "currency",
        "base_fees",
        "exclusivity_factor",
        "reach_tiers",
        "territories",
        "terms",
        "bundle_discounts",
        "rounding_increment",
    }


def test_a_discount_tier_below_one_from_zero_reach_is_invalid():
    # Below the lowest tier the factor is 1, so a first tier under 1 would make more reach cheaper
    card = replace(STANDARD, reach_tiers=(ReachTier(10_000, D("0.8")),))
    assert [name for name, _ in validate_rate_card(card)] == ["reach_tiers"]
    # Starting the ladder at zero reach makes the same discount valid
    card = replace(STANDARD, reach_tiers=(ReachTier(0, D("0.8")), ReachTier(10_000, D("1"))))
    assert validate_rate_card(card) == []


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (D("120"), "GBP", "£120.00"),
        (D("5"), "USD", "$5.00"),
        (D("7.5"), "EUR", "€7.50"),
        (D("500"), "JPY", "¥500"),
        (D("499.5"), "JPY", "¥500"),
        (D("1234567.891"), "GBP", "£1,234,567.89"),
        (D("-5"), "GBP", "-£5.00"),
        (D("12"), "CHF", "12.00 CHF"),
    ],
)
def test_format_money(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_money_rounds_half_up_and_only_with_decimals():
    assert quantize(D("2.345"), "GBP") == D("2.35")
    assert quantize(D("2.5"), "JPY") == D("3")
    assert str(quantize(D("7"), "GBP")) == "7.00"
    assert round_to_increment(D("12.25"), D("0.50")) == D("12.50")
    assert round_to_increment(D("12.24"), D("0.50")) == D("12.00")
    assert round_to_increment(D("7.5"), D("5")) == D("10")
    assert round_to_increment(D("12.34"), D("0")) == D("12.34")
    with pytest.raises(TypeError):
        quantize(0.1, "GBP")  # type: ignore[arg-type]


def test_the_engine_imports_no_django():
    # A fresh interpreter, so modules other tests have loaded do not hide an import.
    probe = (
        "import sys, licensing.quoting, licensing.money; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
