"""`manage.py seed_demo`: a publication, articles, partners, the standard rate card, logins, an API
key and sample requests, so a new machine has something to look at. Safe to run again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import posixpath
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from licensing import demo
from licensing.demo_pictures import demo_picture
from licensing.models import (
    BaseFee,
    BundleDiscount,
    Factor,
    FreeUse,
    LicenceRequest,
    RateCard,
    ReachTier,
    Term,
    Territory,
)
from licensing.quoting import UseSpec
from licensing.services import (
    licence_request_approve,
    licence_request_mark_paid,
    licence_request_start_review,
    licence_request_submit,
)
from syndication.models import (
    ApiKey,
    Article,
    Media,
    Partner,
    PartnerContact,
    PartnerMembership,
    Publication,
)
from syndication.services import API_KEY_PREFIX, api_key_digest, article_create

STAFF_USERNAME = "staff"
PARTNER_USERNAME = "partner"
DEMO_KEY_NAME = "Demo key (seed_demo)"


def demo_secret(purpose: str) -> str:
    """A secret derived from SECRET_KEY: the same on every run against the same settings, and
    unguessable without the key. Only ever used for demo data."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"seed_demo:{purpose}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def demo_api_key() -> tuple[str, str]:
    """(prefix, raw key) in the shape syndication.services.api_key_create makes."""
    prefix = hashlib.sha256(demo_secret("api-key-prefix").encode()).hexdigest()[:8]
    return f"{API_KEY_PREFIX}_{prefix}", f"{API_KEY_PREFIX}_{prefix}_{demo_secret('api-key')}"


def demo_password(who: str) -> str:
    return f"demo-{demo_secret(f'password:{who}')[:12]}"


@dataclass(frozen=True)
class Seeded:
    publication: Publication
    articles: dict[str, Article]
    partners: dict[str, Partner]
    card: RateCard
    staff_password: str
    partner_password: str
    api_key: str
    api_key_revoked: bool
    requests: int


class Command(BaseCommand):
    help = (
        "Create demo data: The Harbour Courier, a dozen articles, partners of every type, the "
        "standard GBP rate card, a staff superuser ('staff'), a partner login ('partner') with an "
        "API key, and sample requests in several states. Idempotent: a second run changes "
        "nothing and prints the same credentials. API keys are stored hashed, so the demo key "
        "cannot be read back: it (and the demo passwords) are derived from SECRET_KEY with HMAC "
        "instead, which makes them stable across runs. Demo data only: never run this against "
        "production, where SECRET_KEY is secret and these logins must not exist."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            seeded = seed()
        # Printed after the commit, so queued notification emails come out first.
        self.stdout.write(report(seeded))


def seed() -> Seeded:
    now = timezone.now()
    publication = _publication()
    articles = {spec["slug"]: _article(spec, publication=publication, now=now)
                for spec in demo.ARTICLES}  # fmt: skip
    partners = {spec["name"]: _partner(spec) for spec in demo.PARTNERS}
    card = _rate_card()
    User = get_user_model()
    staff_password = demo_password(STAFF_USERNAME)
    staff = _user(
        User,
        STAFF_USERNAME,
        staff_password,
        email="staff@courier.example",
        is_staff=True,
        is_superuser=True,
    )
    partner_password = demo_password(PARTNER_USERNAME)
    partner_user = _user(
        User, PARTNER_USERNAME, partner_password, email="rosa@northgate-daily.example"
    )
    demo_partner = partners[demo.DEMO_PARTNER]
    PartnerMembership.objects.get_or_create(user=partner_user, defaults={"partner": demo_partner})
    raw_key, key = _api_key(demo_partner)
    for spec in demo.SAMPLE_REQUESTS:
        _sample_request(spec, partners=partners, articles=articles, staff=staff)
    return Seeded(
        publication=publication,
        articles=articles,
        partners=partners,
        card=card,
        staff_password=staff_password,
        partner_password=partner_password,
        api_key=raw_key,
        api_key_revoked=key.revoked_at is not None,
        requests=LicenceRequest.objects.filter(
            intended_url__in=[s["intended_url"] for s in demo.SAMPLE_REQUESTS]
        ).count(),
    )


def _publication() -> Publication:
    fields = dict(demo.PUBLICATION)
    publication, _ = Publication.objects.get_or_create(name=fields.pop("name"), defaults=fields)
    return publication


def _article(spec: dict[str, Any], *, publication: Publication, now: Any) -> Article:
    uri = f"urn:courier:article:{spec['slug']}"
    article = Article.objects.filter(uri=uri).first()
    if article is None:
        published = now - timedelta(days=spec["days_ago"], hours=3)
        embargo = spec.get("embargo_days")
        # Through the catalogue service, so the article is sanitised and has its revision.
        article = article_create(
            publication=publication,
            uri=uri,
            slug=spec["slug"],
            canonical_url=f"{demo.SITE}/{spec['section']}/{spec['slug']}",
            headline=spec["headline"],
            standfirst=spec["standfirst"],
            authors=spec["authors"],
            dateline=spec["dateline"],
            section=spec["section"],
            tags=spec["tags"],
            language=spec.get("language", "en"),
            published_at=published,
            updated_at=published,
            body_html=spec["body_html"],
            syndication_status=spec.get("syndication_status", "available"),
            premium=spec.get("premium", False),
            embargo_until=demo.embargo_until(now, embargo) if embargo else None,
        )
    for position, media in enumerate(spec["media"]):
        # The catalogue has no media service yet; media rows are plain data keyed on their URL.
        row, _ = Media.objects.get_or_create(
            article=article,
            source_url=media["source_url"],
            defaults={**media, "position": position},
        )
        _demo_file(row)
    return article


def _demo_file(media: Media) -> None:
    """Give a demo picture a stored file, drawn at seed time, through the field's storage (so
    S3 too). Every picture gets one, the agency's included: a newsroom holds its agency photos,
    and packaging must still leave them out. Idempotent: a row whose file is there is left
    alone, and a file already at the demo name (a database seeded afresh over old media) is
    reused rather than saved again under a new name."""
    storage = media.file.storage
    if media.file.name and storage.exists(media.file.name):
        return
    name = "media/demo/" + posixpath.basename(urlsplit(media.source_url).path)
    if not storage.exists(name):
        picture = demo_picture(key=media.source_url, caption=media.caption, credit=media.credit)
        name = storage.save(name, ContentFile(picture))
    media.file.name = name
    media.save(update_fields=["file"])


def _partner(spec: dict[str, Any]) -> Partner:
    fields = dict(spec)
    contacts = fields.pop("contacts")
    partner, _ = Partner.objects.get_or_create(name=fields.pop("name"), defaults=fields)
    for contact in contacts:
        PartnerContact.objects.get_or_create(
            partner=partner,
            email=contact["email"],
            defaults={"name": contact["name"], "role": contact["role"]},
        )
    return partner


def _rate_card() -> RateCard:
    fields = dict(demo.RATE_CARD)
    name = fields.pop("name")
    same = RateCard.objects.filter(name=name, currency=fields["currency"])
    card = same.order_by("version").first()
    if card is None:
        top = RateCard.objects.aggregate(top=Max("version"))["top"] or 0
        card = RateCard.objects.create(name=name, version=top + 1, **fields)
    elif card.requests.exists():
        return card  # frozen: its rows are what priced those requests
    for use_type, portion, amount in demo.BASE_FEES:
        BaseFee.objects.get_or_create(
            card=card, use_type=use_type, portion=portion, defaults={"amount": amount}
        )
    for dimension, key, factor in demo.FACTORS:
        Factor.objects.get_or_create(
            card=card, dimension=dimension, key=key, defaults={"factor": factor}
        )
    for min_reach, factor in demo.REACH_TIERS:
        ReachTier.objects.get_or_create(card=card, min_reach=min_reach, defaults={"factor": factor})
    for position, territory in enumerate(demo.TERRITORIES):
        rest = {k: v for k, v in territory.items() if k != "code"}
        Territory.objects.get_or_create(
            card=card, code=territory["code"], defaults={**rest, "position": position}
        )
    for term in demo.TERMS:
        rest = {k: v for k, v in term.items() if k != "code"}
        Term.objects.get_or_create(card=card, code=term["code"], defaults=rest)
    for min_articles, percent in demo.BUNDLE_DISCOUNTS:
        BundleDiscount.objects.get_or_create(
            card=card, min_articles=min_articles, defaults={"percent": percent}
        )
    for free in demo.FREE_USES:
        FreeUse.objects.get_or_create(
            card=card,
            label=free["label"],
            use_type=free["use_type"],
            requester_type=free["requester_type"],
        )
    return card


def _user(User: Any, username: str, password: str, **flags: Any) -> Any:
    user, _ = User.objects.get_or_create(username=username, defaults=flags)
    changed = [name for name, value in flags.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, flags[name])
    # Reset only a password that no longer matches, so a re-run writes nothing.
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def _api_key(partner: Partner) -> tuple[str, ApiKey]:
    # api_key_create draws a random key and the raw key is never stored, so a re-run could not
    # print it again; the demo key is derived instead (see demo_secret) and stored the same way.
    prefix, raw_key = demo_api_key()
    key, _ = ApiKey.objects.get_or_create(
        digest=api_key_digest(raw_key),
        defaults={"partner": partner, "name": DEMO_KEY_NAME, "prefix": prefix},
    )
    return raw_key, key


def _sample_request(
    spec: dict[str, Any],
    *,
    partners: dict[str, Partner],
    articles: dict[str, Article],
    staff: Any,
) -> None:
    partner = partners[spec["partner"]]
    # Requests have no natural key; the sample's intended URL stands in for one.
    if LicenceRequest.objects.filter(partner=partner, intended_url=spec["intended_url"]).exists():
        return
    contact = partner.contacts.order_by("pk").first()
    request = licence_request_submit(
        partner=partner,
        contact_name=contact.name if contact else partner.name,
        contact_email=contact.email if contact else partner.billing_email,
        article_ids=[articles[slug].pk for slug in spec["articles"]],
        use=UseSpec(**spec["use"], reach=partner.reach),
        terms_accepted=True,
        channel=spec.get("channel", "web"),
        intended_url=spec["intended_url"],
        message=spec["message"],
    )
    for step in spec["then"]:
        if step == "start_review":
            request = licence_request_start_review(request=request, actor=staff)
        elif step == "approve":
            request = licence_request_approve(
                request=request, actor=staff, note="Approved for the demo."
            )
        elif step == "mark_paid":
            request = licence_request_mark_paid(
                request=request, actor=staff, note="Paid by bank transfer (demo data)."
            )


def _path(name: str, fallback: str, **kwargs: Any) -> str:
    # The pages belong to other modules; the fallback is the path the design gives them.
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


def report(seeded: Seeded) -> str:
    site = settings.SITE_URL
    available = [a for a in seeded.articles.values() if a.syndication_status == "available"]
    sample = next(a for a in available if not a.is_embargoed())
    body = json.dumps(
        {
            "articles": [sample.pk],
            "use_type": "web",
            "portion": "full",
            "territory": "gb",
            "term": "1y",
            "reach": seeded.partners[demo.DEMO_PARTNER].reach,
        }
    )
    republish = _path("licensing:republish", f"/republish/{sample.slug}/", slug=sample.slug)
    quotes = _path("api-quotes", "/api/v1/quotes")
    admin = _path("admin:licensing_licencerequest_changelist", "/admin/licensing/licencerequest/")
    revoked = "  (this key has been revoked in the admin)" if seeded.api_key_revoked else ""
    lines = [
        f"{seeded.publication.name} demo data is ready: {len(seeded.articles)} articles, "
        f"{len(seeded.partners)} partners, rate card v{seeded.card.version} "
        f"({seeded.card.currency}), {seeded.requests} sample requests.",
        "",
        "Where to go",
        f"  Admin, review queue:  {site}{admin}",
        f"  Republish page:       {site}{republish}",
        f"  API docs:             {site}{_path('api-docs', '/api/docs/')}",
        "",
        "Credentials (derived from SECRET_KEY; demo only)",
        f"  Staff (admin):    {STAFF_USERNAME} / {seeded.staff_password}",
        f"  Partner login:    {PARTNER_USERNAME} / {seeded.partner_password}"
        f"  (acts for {demo.DEMO_PARTNER})",
        f"  Partner API key:  {seeded.api_key}{revoked}",
        "",
        "Ask for a quote",
        f"  curl -s -X POST {site}{quotes} \\",
        f'    -H "Authorization: Bearer {seeded.api_key}" \\',
        '    -H "Content-Type: application/json" \\',
        f"    -d '{body}'",
        "",
    ]
    return "\n".join(lines)
