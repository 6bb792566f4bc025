"""Properties of the quote engine, proved over random valid rate cards, uses, articles and
partners. No database: the engine is pure (test_quoting.py proves importing it loads no Django)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from licensing.money import CURRENCIES, quantize
from licensing.quoting import (
    REQUESTER_TYPES,
    USE_TYPES,
    ArticleFacts,
    BundleDiscount,
    FreeUse,
    PartnerFacts,
    Quote,
    RateCardData,
    ReachTier,
    TermOption,
    TerritoryOption,
    UseSpec,
    compute_quote,
    validate_rate_card,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
COUNTRIES = ("GB", "IE", "FR", "DE", "US", "JP", "KP", "RU")
INCREMENTS = {
    2: ("0", "0.01", "0.05", "0.10", "0.25", "0.50", "1", "5"),
    0: ("0", "1", "5", "10", "50", "100"),
}
PROPERTY = settings(max_examples=200, deadline=None)


def scaled(low: int, high: int, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals low..high in steps of 10**-places (exact, never via float)."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-places))


# Strategies are built once here: building them inside the composites costs more than drawing.
MONEY = {cur: scaled(0, 50_000, places) for cur, places in CURRENCIES.items()}
FACTORS = scaled(0, 30_000, 4)  # 0 .. 3.0000
RISES = scaled(0, 10_000, 4)  # what a factor adds on the next rung of a ladder: 0 .. 1.0000
PERCENTS = scaled(0, 10_000, 2)  # 0 .. 100.00
SURCHARGES = scaled(0, 20_000, 2)  # 0 .. 200.00: a surcharge may exceed 100%
PICK = st.integers(0, 255)
SMALL = st.sampled_from((0, 1, 2, 3))
BLOCKED = st.sampled_from(((), (), (), (), ("KP",), ("RU", "KP")))  # worldwide carves them out
BUNDLE_SIZES = st.lists(st.integers(2, 5), min_size=1, max_size=3, unique=True).map(sorted)
FREE_FOR = st.sampled_from(("no one", "no one", "no one", None, *REQUESTER_TYPES))
REACH = st.integers(0, 3_000_000)
MINIMUMS = {cur: st.just(Decimal(0)) | money for cur, money in MONEY.items()}
LIMITS = {cur: st.none() | money for cur, money in MONEY.items()}
MASKS = {n: st.integers(0, 2**n - 1) for n in range(1, 9)}


def pick[T](draw: st.DrawFn, options: Sequence[T]) -> T:
    return options[draw(PICK) % len(options)]


def subset[T](draw: st.DrawFn, options: Sequence[T]) -> list[T]:
    """Some of the options, in order, from one draw (cheaper than a unique list)."""
    mask = draw(MASKS[len(options)])
    return [option for bit, option in enumerate(options) if mask >> bit & 1]


@st.composite
def rate_cards(draw: st.DrawFn) -> RateCardData:
    currency = pick(draw, sorted(CURRENCIES))
    money = MONEY[currency]
    base_fees = {}
    for use_type in subset(draw, USE_TYPES) or ["web"]:
        for portion in ("full", *subset(draw, ("excerpt", "summary"))):  # always priced in full
            base_fees[(use_type, portion)] = draw(money)

    # Ladders: reach from an implicit 1 below the lowest tier (unless a tier starts at 0),
    # terms by length; each rung costs at least as much as the one before.
    reach_tiers, start = [], pick(draw, (0, 1, 1_000, 50_000))
    level = Decimal(0) if start == 0 else Decimal(1)
    for _ in range(draw(SMALL)):
        level += draw(RISES)
        reach_tiers.append(ReachTier(start, level))
        start += 1 + draw(REACH) // 6
    terms, days, level = [], 1 + draw(PICK), draw(FACTORS)
    for index in range(1 + draw(SMALL) % 3):
        terms.append(TermOption(f"t{index}", f"{days} days", days, level))
        days += 1 + draw(PICK) * 4
        level += draw(RISES)
    if draw(st.booleans()):  # perpetual: the longest of all
        terms.append(TermOption("perpetual", "Perpetual", None, level))

    territories = [TerritoryOption("worldwide", "Worldwide", (), draw(FACTORS))]
    for code in subset(draw, ("eu", "uk", "na")):
        countries = tuple(subset(draw, COUNTRIES)) or ("GB",)
        territories.append(TerritoryOption(code, code.upper(), countries, draw(FACTORS)))
    bundle_sizes = draw(BUNDLE_SIZES)
    percents = sorted(draw(PERCENTS) for _ in bundle_sizes)  # a bigger bundle, a bigger cut
    free_uses = ()
    if (requester := draw(FREE_FOR)) != "no one":  # free for one use type, for anyone or one kind
        free_uses = (FreeUse("Free for some", pick(draw, sorted(base_fees))[0], requester),)
    return RateCardData(
        id=7,
        version=1 + draw(SMALL),
        name="Random card",
        currency=currency,
        base_fees=base_fees,
        excerpt_max_words=draw(PICK) * 4,
        requester_factors={kind: draw(FACTORS) for kind in subset(draw, REQUESTER_TYPES)},
        medium_factors={use_type: draw(FACTORS) for use_type in subset(draw, USE_TYPES)},
        reach_tiers=tuple(reach_tiers),
        territories=tuple(territories),
        terms=tuple(terms),
        exclusivity_factor=1 + draw(FACTORS),
        translation_factor=1 + draw(RISES),
        image_fee=draw(money),
        premium_surcharge_percent=draw(SURCHARGES),
        bundle_discounts=tuple(map(BundleDiscount, bundle_sizes, percents)),
        minimum_fee=draw(MINIMUMS[currency]),
        rounding_increment=Decimal(pick(draw, INCREMENTS[CURRENCIES[currency]])),
        free_uses=free_uses,
        auto_approve_free=draw(st.booleans()),
        auto_approve_verified_max=draw(LIMITS[currency]),
        blocked_countries=draw(BLOCKED),
        validity_days=draw(PICK) % 91,
    )


@st.composite
def uses(draw: st.DrawFn, card: RateCardData) -> UseSpec:
    use_type, portion = pick(draw, sorted(card.base_fees))
    words = None
    if portion == "excerpt":  # either side of the card's excerpt limit
        words = 1 + draw(REACH) % (2 * card.excerpt_max_words + 10)
    return UseSpec(
        use_type=use_type,
        portion=portion,
        excerpt_words=words,
        territory=pick(draw, card.territories).code,
        term=pick(draw, card.terms).code,
        exclusive=draw(st.booleans()),
        translation=draw(st.booleans()),
        include_images=draw(st.booleans()),
        reach=draw(REACH),
    )


STATUSES = st.sampled_from(("available",) * 6 + ("restricted", "not_for_syndication"))
EMBARGOES = st.sampled_from((None,) * 6 + (NOW - timedelta(hours=1), NOW + timedelta(minutes=1)))
EXCLUSIONS = st.sampled_from(((), (), ("Photo: AP",), ("Photo: AP / Jane Doe", "Getty Images")))
COUNTS = st.sampled_from((3, 1, 2, 4, 5, 6))  # articles in a request; bundles first


@st.composite
def article_lists(draw: st.DrawFn) -> list[ArticleFacts]:
    return [
        ArticleFacts(
            id=article_id,
            slug=f"story-{article_id}",
            headline=f"Story {article_id}",
            word_count=800,
            premium=draw(st.booleans()),
            syndication_status=draw(STATUSES),
            embargo_until=draw(EMBARGOES),
            distributable_images=draw(SMALL),
            excluded_images=draw(EXCLUSIONS),
        )
        for article_id in range(101, 101 + draw(COUNTS))
    ]


partners = st.builds(
    PartnerFacts,
    partner_type=st.sampled_from(REQUESTER_TYPES),
    verified=st.booleans(),
    country=st.sampled_from(COUNTRIES),
    contract_articles_remaining=st.none() | st.integers(0, 4),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RateCardData, UseSpec, list[ArticleFacts], PartnerFacts]:
    card = draw(rate_cards())
    return card, draw(uses(card)), draw(article_lists()), draw(partners)


def quote(
    card: RateCardData, use: UseSpec, articles: list[ArticleFacts], partner: PartnerFacts
) -> Quote:
    return compute_quote(card, use, articles, partner, today=TODAY, now=NOW)


@PROPERTY
@given(scenarios())
def test_total_is_never_negative_is_the_exact_sum_of_the_lines_and_is_in_the_currency(scenario):
    card, use, articles, partner = scenario
    assert validate_rate_card(card) == []  # the strategy builds only valid cards

    q = quote(card, use, articles, partner)

    places = -CURRENCIES[card.currency]
    assert q.total >= 0
    assert sum((line.amount for line in q.lines), Decimal(0)) == q.total
    assert q.total == quantize(q.total, card.currency)
    assert q.total.as_tuple().exponent == places
    assert all(line.amount.as_tuple().exponent == places for line in q.lines)
    assert q.discount >= 0
    # The summary figures agree with the lines: what the articles cost, less cover and
    # discount, plus the quote-wide rounding and minimum-fee top-up.
    after = sum(
        (
            x.amount
            for x in q.lines
            if x.code in ("rounding", "minimum_fee") and x.article_id is None
        ),
        Decimal(0),
    )
    assert q.subtotal - q.discount + after == q.total
    if q.free:
        assert q.total == 0
    elif q.total > 0:
        assert q.total >= card.minimum_fee


@PROPERTY
@given(scenarios(), st.integers(0, 3_000_000), st.integers(0, 3_000_000))
def test_more_reach_never_makes_it_cheaper(scenario, reach_a, reach_b):
    card, use, articles, partner = scenario
    low, high = sorted((reach_a, reach_b))

    smaller = quote(card, replace(use, reach=low), articles, partner)
    larger = quote(card, replace(use, reach=high), articles, partner)

    assert larger.total >= smaller.total


@PROPERTY
@given(scenarios(), st.data())
def test_a_longer_term_or_exclusivity_is_never_cheaper(scenario, data):
    card, use, articles, partner = scenario
    terms = data.draw(st.lists(st.sampled_from(card.terms), min_size=2, max_size=2))
    shorter, longer = sorted(terms, key=lambda t: float("inf") if t.days is None else t.days)
    use = replace(use, exclusive=False)

    short_term = quote(card, replace(use, term=shorter.code), articles, partner)
    long_term = quote(card, replace(use, term=longer.code), articles, partner)
    exclusive = quote(card, replace(use, term=longer.code, exclusive=True), articles, partner)

    assert long_term.total >= short_term.total
    assert exclusive.total >= long_term.total


def one_by_one(
    card: RateCardData, use: UseSpec, articles: list[ArticleFacts], partner: PartnerFacts
) -> Decimal:
    """The sum of quoting each article alone. Licensing them one by one uses up the contract
    allowance as it goes, so each quote sees what the earlier ones left."""
    remaining, total = partner.contract_articles_remaining, Decimal(0)
    for article in articles:
        alone = quote(card, use, [article], replace(partner, contract_articles_remaining=remaining))
        total += alone.total
        if remaining and any(line.code == "contract" for line in alone.lines):
            remaining -= 1
    return total


@PROPERTY
@given(scenarios())
def test_a_bundle_is_never_dearer_than_its_articles_quoted_one_by_one(scenario):
    card, use, articles, partner = scenario

    bundle = quote(card, use, articles, partner)

    assert bundle.total <= one_by_one(card, use, articles, partner)


@PROPERTY
@given(scenarios())
def test_a_bundle_with_minimum_fee_and_coarse_rounding_is_never_dearer(scenario):
    # The hard corner on purpose: a big minimum fee, the coarsest increment, deep discounts.
    card, use, articles, partner = scenario
    card = replace(
        card,
        minimum_fee=quantize(Decimal(50), card.currency),
        rounding_increment=Decimal(INCREMENTS[CURRENCIES[card.currency]][-1]),
        bundle_discounts=(BundleDiscount(2, Decimal("33.33")), BundleDiscount(3, Decimal("49.99"))),
    )
    assert validate_rate_card(card) == []

    bundle = quote(card, use, articles, partner)

    assert bundle.total <= one_by_one(card, use, articles, partner)


@PROPERTY
@given(scenarios())
def test_the_same_inputs_give_the_same_quote_whatever_runs_in_between(scenario):
    card, use, articles, partner = scenario
    # Other work in between: other uses, articles, partners and another version of the card.
    others = [
        (card, replace(use, reach=use.reach + 1), articles[::-1], replace(partner, verified=True)),
        (replace(card, version=card.version + 1, rounding_increment=Decimal(0)), use, articles[:1],
         replace(partner, contract_articles_remaining=None)),
    ]  # fmt: skip

    first = quote(card, use, articles, partner)
    quote(*others[0])
    with localcontext() as ctx:  # a caller's odd decimal context changes nothing either
        ctx.prec, ctx.rounding = 5, ROUND_FLOOR
        second = quote(card, use, articles, partner)
    quote(*others[1])
    third = quote(card, use, articles, partner)

    assert first == second == third
    assert first.to_dict() == second.to_dict() == third.to_dict()


@PROPERTY
@given(scenarios())
def test_the_snapshot_round_trips_exactly(scenario):
    q = quote(*scenario)

    snapshot = q.to_dict()
    restored = Quote.from_dict(json.loads(json.dumps(snapshot)))

    assert restored == q
    assert restored.to_dict() == snapshot  # the strings too: "12.50" stays "12.50", not 12.5
