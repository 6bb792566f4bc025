"""The quote as Stripe line items: one positive line per article, summing to the total."""

from __future__ import annotations

from decimal import Decimal

from billing.services import quote_line_items
from tests import factories as f
from tests.billing.helpers import approved_request


def test_a_bundle_discount_is_shared_across_the_articles(settings, rate_card, publication):
    settings.STRIPE_SECRET_KEY = ""
    articles = [f.ArticleFactory(publication=publication) for _ in range(3)]
    request = approved_request(articles=articles)
    assert request.total == Decimal("270.00")  # 3 x 100, less 10 % for three articles

    items = quote_line_items(request)

    assert [(amount, quantity) for _, amount, quantity in items] == [
        (Decimal("90.00"), 1),
        (Decimal("90.00"), 1),
        (Decimal("90.00"), 1),
    ]
    assert items[0][0] == f"Republishing licence: {articles[0].headline}"
