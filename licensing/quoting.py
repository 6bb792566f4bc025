"""The quote engine: prices one use of some articles against a rate card, explaining every amount.
A pure function of card, use, articles, partner and today/now: no Django, no I/O, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Any, NamedTuple

from licensing.money import CONTEXT, CURRENCIES, format_money, quantize, round_to_increment

USE_TYPES = ("web", "print", "newsletter", "broadcast", "translation", "education", "intranet",
             "book")  # fmt: skip
PORTIONS = ("full", "excerpt", "summary")  # summary = headline and summary
REQUESTER_TYPES = ("commercial", "nonprofit", "education", "broadcaster", "government",
                   "individual")  # fmt: skip
PORTION_LABELS = {"full": "full article", "excerpt": "excerpt", "summary": "headline and summary"}
MAX_PREMIUM_PERCENT = Decimal(1000)  # the model's own cap; a surcharge may exceed 100%
TIMES = "\u00d7"  # the multiplication sign of rule texts, as in "Reach 100,000+ \u00d71.5"
CONTRACT_RULE = "Covered by contract allowance"


@dataclass(frozen=True)
class TermOption:
    code: str
    label: str
    days: int | None  # None = perpetual, the longest
    factor: Decimal


@dataclass(frozen=True)
class TerritoryOption:
    code: str
    label: str
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2; empty means worldwide
    factor: Decimal


@dataclass(frozen=True)
class ReachTier:  # applies when reach >= min_reach; the highest matching tier wins
    min_reach: int
    factor: Decimal


@dataclass(frozen=True)
class BundleDiscount:  # applies when priced articles >= min_articles; the highest matching wins
    min_articles: int
    percent: Decimal


@dataclass(frozen=True)
class FreeUse:  # a use that costs nothing; None matches anything
    label: str
    use_type: str | None = None
    requester_type: str | None = None


@dataclass(frozen=True)
class RateCardData:
    id: int
    version: int
    name: str
    currency: str
    base_fees: dict[tuple[str, str], Decimal]
    excerpt_max_words: int
    requester_factors: dict[str, Decimal]
    medium_factors: dict[str, Decimal]
    reach_tiers: tuple[ReachTier, ...]
    territories: tuple[TerritoryOption, ...]
    terms: tuple[TermOption, ...]
    exclusivity_factor: Decimal
    translation_factor: Decimal
    image_fee: Decimal
    premium_surcharge_percent: Decimal
    bundle_discounts: tuple[BundleDiscount, ...]
    minimum_fee: Decimal
    rounding_increment: Decimal
    free_uses: tuple[FreeUse, ...]
    auto_approve_free: bool
    auto_approve_verified_max: Decimal | None
    blocked_countries: tuple[str, ...]
    validity_days: int


@dataclass(frozen=True)
class UseSpec:
    use_type: str
    portion: str = "full"
    excerpt_words: int | None = None
    territory: str = "worldwide"
    term: str = "1y"
    exclusive: bool = False
    translation: bool = False
    include_images: bool = True
    reach: int = 0


@dataclass(frozen=True)
class ArticleFacts:
    id: int
    slug: str
    headline: str
    word_count: int
    premium: bool
    syndication_status: str  # "available" | "restricted" | "not_for_syndication"
    embargo_until: datetime | None
    distributable_images: int
    excluded_images: tuple[str, ...]


@dataclass(frozen=True)
class PartnerFacts:
    partner_type: str
    verified: bool
    country: str
    contract_articles_remaining: int | None = None


@dataclass(frozen=True)
class LineItem:
    code: str
    rule: str
    amount: Decimal
    article_id: int | None = None


@dataclass(frozen=True)
class Refusal:
    code: str  # "not_for_syndication" | "embargo" | "territory_blocked" | "unknown_option"
    reason: str
    article_id: int | None = None


@dataclass(frozen=True)
class Quote:
    rate_card_id: int
    rate_card_version: int
    currency: str
    lines: tuple[LineItem, ...]
    subtotal: Decimal  # the articles' prices, before contract, bundle discount and minimum fee
    discount: Decimal  # contract cover plus bundle discount, as a positive number
    total: Decimal  # always the exact sum of the lines
    valid_until: date
    free: bool
    auto_approve: bool
    auto_approve_reason: str
    needs_review: bool
    refusals: tuple[Refusal, ...]
    exclusions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot; str(Decimal) keeps the exponent, so from_dict is exact."""

        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, tuple):
                return [plain(v) for v in value]
            if is_dataclass(value):
                return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
            return value

        snapshot: dict[str, Any] = plain(self)
        return snapshot

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quote:
        money = ("subtotal", "discount", "total")
        values: dict[str, Any] = {k: Decimal(v) if k in money else v for k, v in d.items()}
        values["lines"] = tuple(
            LineItem(**x | {"amount": Decimal(x["amount"])}) for x in d["lines"]
        )
        values["valid_until"] = date.fromisoformat(d["valid_until"])
        values["refusals"] = tuple(Refusal(**r) for r in d["refusals"])
        values["exclusions"] = tuple(d["exclusions"])
        return cls(**values)


class QuoteError(ValueError):
    """Bad input the caller must report against one field of the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Plan(NamedTuple):
    """What every article of this use is priced from: the same for all of them."""

    territory: TerritoryOption
    base_rule: str
    base_fee: Decimal
    steps: list[tuple[str, str, Decimal]]  # (code, rule, factor), in line order


def _times(factor: Decimal) -> str:
    """A factor as people write it, after the multiplication sign: 1.5000 -> "1.5", 2 -> "2"."""
    return f"{TIMES}{factor.normalize(context=CONTEXT):f}"


def _utc(moment: datetime) -> datetime:
    # Facts are meant to be timezone-aware; a naive value is read as UTC rather than crashing.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _refusal(article: ArticleFacts, now: datetime) -> Refusal | None:
    title, status = f"“{article.headline}”", article.syndication_status
    if status == "not_for_syndication":
        return Refusal(status, f"{title} is not available for syndication.", article.id)
    if status not in ("available", "restricted"):
        reason = f"{title} has an unrecognised syndication status; please contact us."
        return Refusal("unknown_option", reason, article.id)
    if article.embargo_until is not None and _utc(article.embargo_until) > now:
        until = _utc(article.embargo_until).astimezone(UTC)
        reason = f"{title} is under embargo until {until:%d %B %Y, %H:%M} UTC."
        return Refusal("embargo", reason, article.id)
    return None


def _plan(
    card: RateCardData, use: UseSpec, partner: PartnerFacts, articles: Sequence[ArticleFacts]
) -> _Plan:
    """Check the request against the card (QuoteError names the field at fault) and work out
    the base fee and the multipliers. A factor the card does not name is 1 and gets no line;
    territory and term are the partner's own choices, so they always show."""
    if use.use_type not in USE_TYPES:
        raise QuoteError("use_type", f"Unknown use type “{use.use_type}”.")
    if use.portion not in PORTIONS:
        raise QuoteError("portion", f"Unknown portion “{use.portion}”.")
    portion, note, words = use.portion, "", use.excerpt_words
    if portion == "excerpt":
        if words is None or words <= 0:
            raise QuoteError("excerpt_words", "Say how many words the excerpt will have.")
        if words > card.excerpt_max_words:
            portion = "full"
            note = f" ({words:,}-word excerpt is over the {card.excerpt_max_words:,}-word limit)"
    if not any(use_type == use.use_type for use_type, _ in card.base_fees):
        raise QuoteError("use_type", f"This rate card has no price for {use.use_type} use.")
    if (use.use_type, portion) not in card.base_fees:
        what = f"{PORTION_LABELS[portion]} ({use.use_type})"
        raise QuoteError("portion", f"This rate card has no price for {what}.")
    territory = next((t for t in card.territories if t.code == use.territory), None)
    if territory is None:
        raise QuoteError("territory", f"Unknown territory “{use.territory}”.")
    term = next((t for t in card.terms if t.code == use.term), None)
    if term is None:
        raise QuoteError("term", f"Unknown term “{use.term}”.")
    if use.reach < 0:
        raise QuoteError("reach", "Reach cannot be negative.")
    if not articles:
        raise QuoteError("articles", "Choose at least one article.")
    if len({a.id for a in articles}) != len(articles):
        raise QuoteError("articles", "An article is listed more than once.")

    steps = []
    if (f := card.requester_factors.get(partner.partner_type)) is not None:
        steps.append(("requester", f"Requester: {partner.partner_type} {_times(f)}", f))
    if (f := card.medium_factors.get(use.use_type)) is not None:
        steps.append(("medium", f"Medium: {use.use_type} {_times(f)}", f))
    tiers = [t for t in card.reach_tiers if t.min_reach <= use.reach]
    if tiers:
        tier = max(tiers, key=lambda t: t.min_reach)
        steps.append(("reach", f"Reach {tier.min_reach:,}+ {_times(tier.factor)}", tier.factor))
    steps.append(
        (
            "territory",
            f"Territory: {territory_label(card, territory)} {_times(territory.factor)}",
            territory.factor,
        )
    )
    steps.append(("term", f"Term: {term.label} {_times(term.factor)}", term.factor))
    if use.exclusive:
        f = card.exclusivity_factor
        steps.append(("exclusivity", f"Exclusivity {_times(f)}", f))
    if use.translation:
        f = card.translation_factor
        steps.append(("translation", f"Translation {_times(f)}", f))
    rule = f"Base fee: {use.use_type}, {PORTION_LABELS[portion]}{note}"
    return _Plan(territory, rule, card.base_fees[(use.use_type, portion)], steps)


def _price_article(
    card: RateCardData, plan: _Plan, article: ArticleFacts, with_images: bool
) -> tuple[list[LineItem], Decimal]:
    """One article's lines and its price. Each factor line is the change in the running figure
    quantized to the currency, so the lines telescope to exactly the quantized exact price."""
    cur, aid, steps = card.currency, article.id, plan.steps
    if article.premium and card.premium_surcharge_percent:
        pct = card.premium_surcharge_percent
        steps = [*steps, ("premium", f"Premium article +{pct.normalize():f}%", 1 + pct / 100)]
    exact = plan.base_fee
    shown = quantize(exact, cur)
    lines = [LineItem("base", plan.base_rule, shown, aid)]
    for code, rule, factor in steps:
        exact *= factor
        running = quantize(exact, cur)
        lines.append(LineItem(code, rule, running - shown, aid))
        shown = running
    if with_images and article.distributable_images > 0:
        images = quantize(card.image_fee * article.distributable_images, cur)
        each = format_money(card.image_fee, cur)
        rule = f"Images: {article.distributable_images} {TIMES} {each}"
        lines.append(LineItem("images", rule, images, aid))
        shown += images
    # The increment is applied to each article, not only to the total: an article then costs
    # the same alone as in a bundle, which is what keeps a bundle from being dearer than its parts.
    rounded = quantize(round_to_increment(shown, card.rounding_increment), cur)
    if rounded != shown:
        rule = f"Rounded to the nearest {format_money(card.rounding_increment, cur)}"
        lines.append(LineItem("rounding", rule, rounded - shown, aid))
    return lines, rounded


def _price(
    card: RateCardData, plan: _Plan, priced: list[ArticleFacts], use: UseSpec, covered: int
) -> tuple[list[LineItem], Decimal, Decimal, Decimal]:
    """Lines, subtotal, discount and total of a paid use; the first `covered` priced articles
    (in the order asked for) are on the partner's contract."""
    cur = card.currency
    zero = quantize(0, cur)
    lines: list[LineItem] = []
    subtotal = discount = paid = zero
    for index, article in enumerate(priced):
        article_lines, amount = _price_article(card, plan, article, use.include_images)
        lines += article_lines
        subtotal += amount
        if index < covered:  # a negative line rather than no lines, so the price stays explained
            lines.append(LineItem("contract", CONTRACT_RULE, zero - amount, article.id))
            discount += amount
        else:
            paid += amount
    total = paid
    tiers = [b for b in card.bundle_discounts if b.min_articles <= len(priced)]
    if tiers and paid:
        tier = max(tiers, key=lambda b: b.min_articles)
        if cut := quantize(paid * tier.percent / 100, cur):
            rule = f"Bundle of {tier.min_articles}+ articles -{tier.percent.normalize():f}%"
            lines.append(LineItem("bundle_discount", rule, zero - cut))
            discount += cut
            total -= cut
    # Only a discount can move the total off the increment (each article is on it). Half-up
    # rounding of paid - cut never exceeds paid, so the discount can never turn into a charge.
    chargeable = total > 0
    rounded = quantize(round_to_increment(total, card.rounding_increment), cur)
    if rounded != total:
        rule = f"Total rounded to the nearest {format_money(card.rounding_increment, cur)}"
        lines.append(LineItem("rounding", rule, rounded - total))
        total = rounded
    # The minimum fee comes after rounding, so no rounding can take a total below it.
    minimum = quantize(card.minimum_fee, cur)
    if chargeable and total < minimum:
        rule = f"Minimum fee {format_money(minimum, cur)}"
        lines.append(LineItem("minimum_fee", rule, minimum - total))
        total = minimum
    return lines, subtotal, discount, total


def territory_label(card: RateCardData, territory: TerritoryOption) -> str:
    """The territory as licensed: worldwide never includes the countries the card blocks."""
    if not territory.countries and card.blocked_countries:
        carved_out = ", ".join(sorted(c.upper() for c in card.blocked_countries))
        return f"{territory.label} except {carved_out}"
    return territory.label


def compute_quote(
    card: RateCardData,
    use: UseSpec,
    articles: Sequence[ArticleFacts],
    partner: PartnerFacts,
    *,
    today: date,
    now: datetime | None = None,
) -> Quote:
    """Price the use. Raises QuoteError for a request the card cannot price. Without `now`,
    embargoes are judged at the start of `today` (UTC): the engine never reads a clock."""
    with localcontext(CONTEXT):  # the caller's decimal context must not change a price
        plan = _plan(card, use, partner, articles)
        moment = _utc(now) if now is not None else datetime.combine(today, time.min, tzinfo=UTC)
        refusals, priced = [], []
        for article in articles:
            refusal = _refusal(article, moment)
            if refusal:
                refusals.append(refusal)
            else:
                priced.append(article)
        # A named territory that lists a blocked country is refused; worldwide is licensed with
        # the blocked countries carved out (territory_label says so on the quote and licence).
        blocked = {c.upper() for c in card.blocked_countries}
        blocked &= {c.upper() for c in plan.territory.countries}
        if blocked:
            where = f"{plan.territory.label} (which includes {', '.join(sorted(blocked))})"
            reason = f"We cannot license republication in {where}."
            refusals.insert(0, Refusal("territory_blocked", reason))
            priced = []

        cur = card.currency
        zero = quantize(0, cur)
        who = (None, partner.partner_type)
        free_use = next(
            (
                f
                for f in card.free_uses
                if f.use_type in (None, use.use_type) and f.requester_type in who
            ),
            None,
        )
        lines: list[LineItem] = []
        subtotal = discount = total = zero
        if priced and free_use:
            lines = [LineItem("free_use", f"Free use: {free_use.label}", zero)]
        elif priced:
            covered = partner.contract_articles_remaining or 0
            lines, subtotal, discount, total = _price(card, plan, priced, use, covered)

        needs_review = any(a.syndication_status == "restricted" for a in priced)
        auto, reason, limit = False, "", card.auto_approve_verified_max
        if not priced or needs_review:
            pass  # nothing to license, or staff must look at a restricted article first
        elif free_use and card.auto_approve_free:
            auto, reason = True, f"Free use ({free_use.label}) is approved automatically."
        elif partner.verified and limit is not None and not refusals and total <= limit:
            within = f"{format_money(total, cur)} is within the {format_money(limit, cur)} limit"
            auto, reason = True, f"Verified partner, and the total {within} for automatic approval."
        return Quote(
            rate_card_id=card.id,
            rate_card_version=card.version,
            currency=cur,
            lines=tuple(lines),
            subtotal=subtotal,
            discount=discount,
            total=total,
            valid_until=today + timedelta(days=card.validity_days),
            free=bool(priced and free_use),
            auto_approve=auto,
            auto_approve_reason=reason,
            needs_review=needs_review,
            refusals=tuple(refusals),
            exclusions=tuple(image for a in priced for image in a.excluded_images),
        )


def validate_rate_card(card: RateCardData) -> list[tuple[str, str]]:
    """Problems as (field, message); empty means the card is valid. A valid card is what the
    engine's guarantees (never negative, more reach / longer term / exclusivity never cheaper,
    a bundle never dearer than its parts) are proved for."""
    problems: list[tuple[str, str]] = []

    def bad(name: str, message: str) -> None:
        problems.append((name, message))

    if card.currency not in CURRENCIES:
        bad("currency", f"Unknown currency {card.currency}; use one of {', '.join(CURRENCIES)}.")
    for (use_type, portion), fee in card.base_fees.items():
        if use_type not in USE_TYPES or portion not in PORTIONS:
            bad("base_fees", f"Unknown use type or portion: {use_type}, {portion}.")
        if fee < 0:
            bad("base_fees", f"The fee for {use_type}, {portion} is negative.")
    if card.excerpt_max_words < 0:
        bad("excerpt_max_words", "The excerpt limit cannot be negative.")
    for name in ("requester_factors", "medium_factors"):
        for key, factor in getattr(card, name).items():
            if factor < 0:
                bad(name, f"The factor for {key} is negative.")
    for name in ("exclusivity_factor", "translation_factor"):
        if getattr(card, name) < 1:
            bad(name, "This factor must be at least 1: it can only add to a price.")
    for name in ("image_fee", "minimum_fee"):
        if getattr(card, name) < 0:
            bad(name, "This amount cannot be negative.")
    known = card.currency in CURRENCIES
    if known and quantize(card.minimum_fee, card.currency) != card.minimum_fee:
        bad("minimum_fee", f"The minimum fee has more decimals than {card.currency} allows.")
    if not 0 <= card.premium_surcharge_percent <= MAX_PREMIUM_PERCENT:
        bad("premium_surcharge_percent", f"Must be between 0 and {MAX_PREMIUM_PERCENT}%.")
    step = card.rounding_increment
    if step < 0:
        bad("rounding_increment", "The rounding increment cannot be negative.")
    elif known and quantize(step, card.currency) != step:
        # Otherwise quantizing a rounded article would move it off the increment again.
        bad("rounding_increment", f"The increment must be a whole number of {card.currency} units.")
    limit = card.auto_approve_verified_max
    if limit is not None and limit < 0:
        bad("auto_approve_verified_max", "The automatic approval limit cannot be negative.")
    if card.validity_days < 0:
        bad("validity_days", "The validity period cannot be negative.")

    # Reach: below the lowest tier the factor is 1, so that is the first step of the ladder.
    tiers = sorted(card.reach_tiers, key=lambda t: t.min_reach)
    if len({t.min_reach for t in tiers}) != len(tiers):
        bad("reach_tiers", "Two reach tiers start at the same reach.")
    if any(t.min_reach < 0 or t.factor < 0 for t in tiers):
        bad("reach_tiers", "Reach thresholds and factors cannot be negative.")
    ladder = [Decimal(1)] if not tiers or tiers[0].min_reach > 0 else []
    ladder += [t.factor for t in tiers]
    if any(b < a for a, b in pairwise(ladder)):
        bad("reach_tiers", "More reach must never cost less: factors must rise from 1.")

    for name, options in (("territories", card.territories), ("terms", card.terms)):
        codes = [o.code for o in options]
        for code in sorted({c for c in codes if codes.count(c) > 1}):
            bad(name, f"The code {code} is used twice.")
        if any(o.factor < 0 for o in options):
            bad(name, "Factors cannot be negative.")
    if any(t.days is not None and t.days < 0 for t in card.terms):
        bad("terms", "A term cannot have negative days.")
    by_length = sorted(card.terms, key=lambda t: (t.days is None, t.days or 0, t.factor))
    for a, b in pairwise(by_length):
        if b.factor < a.factor or (a.days == b.days and a.factor != b.factor):
            bad("terms", f"A longer term must never cost less ({a.code}, {b.code}).")

    bundles = sorted(card.bundle_discounts, key=lambda b: b.min_articles)
    if len({b.min_articles for b in bundles}) != len(bundles):
        bad("bundle_discounts", "Two bundle discounts start at the same number of articles.")
    if any(b.min_articles < 2 for b in bundles):
        bad("bundle_discounts", "A bundle has at least 2 articles.")
    if any(not 0 <= b.percent <= 100 for b in bundles):
        bad("bundle_discounts", "Discount percents must be between 0 and 100.")
    if any(b.percent < a.percent for a, b in pairwise(bundles)):
        bad("bundle_discounts", "A bigger bundle must never get a smaller discount.")

    for free in card.free_uses:
        if free.use_type is not None and free.use_type not in USE_TYPES:
            bad("free_uses", f"Unknown use type {free.use_type} in “{free.label}”.")
        if free.requester_type is not None and free.requester_type not in REQUESTER_TYPES:
            bad("free_uses", f"Unknown requester type {free.requester_type} in “{free.label}”.")
    return problems
