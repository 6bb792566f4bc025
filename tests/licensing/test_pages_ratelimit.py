"""The public form's rate limiter: how a rate is written, and how its window counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from syndication.ratelimit import Rate, hit, parse_rate


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/h", Rate(limit=10, seconds=3600)),
        ("5/15m", Rate(limit=5, seconds=900)),
        ("100/day", Rate(limit=100, seconds=86400)),
        (" 3 / s ", Rate(limit=3, seconds=1)),
    ],
)
def test_rates_read_as_n_per_period(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "10", "ten/h", "10/w", "-1/h"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ValueError, match="rate must look like"):
        parse_rate(text)


def test_the_window_allows_n_then_refuses_until_the_next_window():
    start = 7200.0  # the start of an hourly window

    allowed = [hit(scope="t", key="1.2.3.4", rate="2/h", now=start + s) for s in (0, 10, 20)]
    other_client = hit(scope="t", key="5.6.7.8", rate="2/h", now=start + 30)
    next_window = hit(scope="t", key="1.2.3.4", rate="2/h", now=start + 3600)

    assert allowed == [True, True, False]
    assert other_client is True
    assert next_window is True
