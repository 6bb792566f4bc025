"""A small fixed-window rate limiter on Django's cache, for public forms ("10/h" per client IP)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    """ "10/h" -> 10 per 3600 s; "5/15m" -> 5 per 900 s; "100/day" -> 100 per 86400 s."""
    match = RATE_RE.match(rate or "")
    if match is None:
        raise ValueError(f"rate must look like '10/h' (N per s, m, h or d), not {rate!r}")
    count, multiple, unit = match.groups()
    return Rate(limit=int(count), seconds=int(multiple or 1) * PERIODS[unit])


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it,
    # and trusting it would let anyone pick a fresh identity per request.
    return request.META.get("REMOTE_ADDR") or "unknown"


def hit(*, scope: str, key: str, rate: str, now: float | None = None) -> bool:
    """Count one attempt for key in scope; True while the attempt is within the rate.

    A fixed window keyed by its start: cheap, atomic where the cache's incr is (locmem,
    memcached, Redis), and at worst lets 2N through across a window boundary."""
    parsed = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // parsed.seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() is a no-op when the key exists, so two first hits cannot both reset the count.
    cache.add(cache_key, 0, timeout=parsed.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Evicted between add and incr: start again at one.
        cache.set(cache_key, 1, timeout=parsed.seconds + 1)
        count = 1
    return count <= parsed.limit
