"""How long the quote engine takes for a realistic 10-article bundle. No Django, no database:
run `.venv/bin/python bench/quote_engine.py` from anywhere."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo root

from licensing.quoting import (  # after the path is set
    ArticleFacts,
    BundleDiscount,
    FreeUse,
    PartnerFacts,
    RateCardData,
    ReachTier,
    TermOption,
    TerritoryOption,
    UseSpec,
    compute_quote,
    validate_rate_card,
)

RUNS = 2000
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

CARD = RateCardData(
    id=1,
    version=4,
    name="Standard terms 2026",
    currency="GBP",
    base_fees={
        (use_type, portion): D(fee)
        for use_type, fees in {
            "web": ("120.00", "45.00", "15.00"),
            "print": ("180.00", "60.00", "20.00"),
            "newsletter": ("80.00", "30.00", "10.00"),
            "broadcast": ("150.00", "50.00", "20.00"),
            "education": ("40.00", "15.00", "5.00"),
        }.items()
        for portion, fee in zip(("full", "excerpt", "summary"), fees, strict=True)
    },
    excerpt_max_words=300,
    requester_factors={"commercial": D("1.25"), "nonprofit": D("0.5"), "broadcaster": D("1.4")},
    medium_factors={"broadcast": D("1.5"), "print": D("1.1")},
    reach_tiers=(
        ReachTier(0, D("1")),
        ReachTier(50_000, D("1.25")),
        ReachTier(250_000, D("1.6")),
        ReachTier(1_000_000, D("2.2")),
    ),
    territories=(
        TerritoryOption("worldwide", "Worldwide", (), D("1.5")),
        TerritoryOption("eu", "European Union", ("FR", "DE", "IE", "ES", "IT", "NL"), D("1.2")),
        TerritoryOption("uk", "United Kingdom", ("GB",), D("1")),
    ),
    terms=(
        TermOption("30d", "30 days", 30, D("0.6")),
        TermOption("1y", "1 year", 365, D("1")),
        TermOption("perpetual", "Perpetual", None, D("2.5")),
    ),
    exclusivity_factor=D("2"),
    translation_factor=D("1.3"),
    image_fee=D("18.50"),
    premium_surcharge_percent=D("25"),
    bundle_discounts=(BundleDiscount(3, D("10")), BundleDiscount(10, D("20"))),
    minimum_fee=D("25.00"),
    rounding_increment=D("0.50"),
    free_uses=(FreeUse("Non-profit teaching", "education", "nonprofit"),),
    auto_approve_free=True,
    auto_approve_verified_max=D("500.00"),
    blocked_countries=("KP",),
    validity_days=30,
)
USE = UseSpec("web", territory="eu", term="1y", translation=True, reach=320_000)
PARTNER = PartnerFacts("commercial", verified=True, country="FR", contract_articles_remaining=2)
ARTICLES = [
    ArticleFacts(
        id=1000 + n,
        slug=f"story-{n}",
        headline=f"Story number {n}",
        word_count=600 + 90 * n,
        premium=n % 3 == 0,
        syndication_status="restricted" if n == 7 else "available",
        embargo_until=NOW - timedelta(days=n),
        distributable_images=n % 4,
        excluded_images=("Photo: Getty Images",) if n % 5 == 0 else (),
    )
    for n in range(10)
]


def main() -> None:
    assert validate_rate_card(CARD) == [], validate_rate_card(CARD)
    today = NOW.date()
    for _ in range(200):  # warm up
        compute_quote(CARD, USE, ARTICLES, PARTNER, today=today, now=NOW)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        compute_quote(CARD, USE, ARTICLES, PARTNER, today=today, now=NOW)
        timings.append((time.perf_counter() - start) * 1000)
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    quote = compute_quote(CARD, USE, ARTICLES, PARTNER, today=today, now=NOW)
    print(
        f"quote engine, 10-article bundle: median {median:.3f} ms, p95 {p95:.3f} ms (n={RUNS})"
        f"  [{len(quote.lines)} lines, total £{quote.total}]"
    )


if __name__ == "__main__":
    main()
