"""Licence requests through the API: filing, reading (only one's own), the audit trail as a partner
sees it, cancelling, and the quote frozen on the request."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from licensing import services
from licensing.links import request_id_from_status_token
from licensing.models import BaseFee, Licence, LicenceRequest, RequestEvent, RequestStatus
from licensing.quoting import UseSpec
from syndication.models import PartnerType
from tests import factories as f

S = RequestStatus
REQUESTS = "/api/v1/requests"
# 100 x1.3 EU x3 perpetual = £390: over the £250 automatic limit, so it waits for staff.
EU_PERPETUAL = {"use_type": "web", "portion": "full", "territory": "eu", "term": "perpetual"}
# £100: a verified partner's request is approved at once and waits for payment.
WEB_GB_30D = {"use_type": "web", "portion": "full", "territory": "gb", "term": "30d"}


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    # WhiteNoise warns (an error under filterwarnings) when STATIC_ROOT does not exist yet.
    settings.STATIC_ROOT = tmp_path


def client_for(partner) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {f.api_key_for(partner)}")
    return client


def file_request(client: APIClient, articles, use=EU_PERPETUAL, **fields):
    body = {"articles": [a.pk for a in articles], **use, "accept_terms": True, **fields}
    return client.post(REQUESTS, body, format="json")


def submit(partner, articles, use: UseSpec) -> LicenceRequest:
    return services.licence_request_submit(
        partner=partner,
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        article_ids=[a.pk for a in articles],
        use=use,
        terms_accepted=True,
    )


def when(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def test_a_filed_request_comes_back_whole(rate_card, partner, partner_client, article):
    # When the partner files a request for an EU use in perpetuity
    response = file_request(
        partner_client,
        [article],
        contact_name="Ada Editor",
        contact_email="ada@gazette.example",
        intended_url="https://gazette.example/tides",
        outlet="Valley Gazette weekend",
        message="For Sunday's edition.",
    )

    # Then it is filed once, from the API, at the quoted price, waiting for staff
    assert response.status_code == 201
    request = LicenceRequest.objects.get()
    body = response.json()
    event = request.events.get()
    assert body == {
        "id": request.pk,
        "status": "submitted",
        "status_label": "Submitted",
        "created_at": when(request.created_at),
        "channel": "api",
        "contact_name": "Ada Editor",
        "contact_email": "ada@gazette.example",
        "use_type": "web",
        "portion": "full",
        "excerpt_words": None,
        "territory": "eu",
        "term": "perpetual",
        "exclusive": False,
        "translation": False,
        "translation_language": "",
        "include_images": True,
        "reach": 50_000,
        "intended_url": "https://gazette.example/tides",
        "outlet": "Valley Gazette weekend",
        "message": "For Sunday's edition.",
        "articles": [
            {"id": article.pk, "slug": article.slug, "headline": article.headline, "revision": 1}
        ],
        "quote": body["quote"],
        "total": "390.00",
        "currency": "GBP",
        "valid_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "decision_note": "",
        "licences": [],
        "status_url": body["status_url"],
        "payment": None,  # nothing to pay until staff approve
        "events": [
            {
                "action": "submitted",
                "from": "",
                "to": "submitted",
                "actor": "you",
                "note": "",
                "at": when(event.created_at),
            }
        ],
    }
    assert [(line["code"], line["amount"]) for line in body["quote"]["lines"]] == [
        ("base", "100.00"),
        ("requester", "0.00"),
        ("reach", "0.00"),
        ("territory", "30.00"),
        ("term", "260.00"),
    ]
    assert body["quote"]["rate_card"] == {"id": rate_card.pk, "version": 1}
    # The status link is the signed public page of this very request
    prefix = f"{settings.SITE_URL}/requests/"
    assert body["status_url"].startswith(prefix)
    token = body["status_url"].removeprefix(prefix).rstrip("/")
    assert request_id_from_status_token(token) == request.pk
    # The audit row says which key filed it
    assert event.actor_label == f"api:{partner_client_key_prefix(partner)}"


def partner_client_key_prefix(partner) -> str:
    return partner.api_keys.get().prefix


def test_contact_defaults_to_the_partners_first_contact(
    rate_card, partner, partner_client, article
):
    f.PartnerContactFactory(partner=partner, name="Ada Editor", email="ada@gazette.example")
    f.PartnerContactFactory(partner=partner, name="Bo Later", email="bo@gazette.example")

    body = file_request(partner_client, [article]).json()

    assert (body["contact_name"], body["contact_email"]) == ("Ada Editor", "ada@gazette.example")


def test_without_contacts_the_billing_email_is_used(rate_card, partner, partner_client, article):
    body = file_request(partner_client, [article]).json()

    assert (body["contact_name"], body["contact_email"]) == (partner.name, partner.billing_email)


def test_an_approved_request_shows_who_acted_without_naming_staff(
    rate_card, partner, partner_client, article
):
    # Given a request staff approve by hand
    desk = f.StaffFactory(username="mara.desk")
    request_id = file_request(partner_client, [article]).json()["id"]
    services.licence_request_approve(
        request=LicenceRequest.objects.get(pk=request_id), actor=desk, note="Fine by the desk."
    )

    # When the partner reads it
    response = partner_client.get(f"{REQUESTS}/{request_id}")

    # Then the trail shows the partner as "you", the desk as "staff", and no username
    body = response.json()
    assert [(e["action"], e["from"], e["to"], e["actor"]) for e in body["events"]] == [
        ("submitted", "", "submitted", "you"),
        ("approved", "submitted", "approved", "staff"),
        ("awaiting_payment", "approved", "awaiting_payment", "staff"),
    ]
    assert body["events"][1]["note"] == "Fine by the desk."
    assert body["decision_note"] == "Fine by the desk."
    assert "mara.desk" not in response.content.decode()


def test_a_request_within_the_automatic_limit_is_approved_by_the_system(
    rate_card, partner_client, article
):
    body = file_request(partner_client, [article], use=WEB_GB_30D).json()

    assert body["status"] == "awaiting_payment"
    assert body["total"] == "100.00"
    assert [(e["action"], e["actor"]) for e in body["events"]] == [
        ("submitted", "you"),
        ("approved", "system"),
        ("awaiting_payment", "system"),
    ]


def test_a_free_use_ends_fulfilled_with_its_licences_listed(rate_card, publication):
    # Given a school and two articles
    school = f.PartnerFactory(partner_type=PartnerType.EDUCATION)
    client = client_for(school)
    articles = f.ArticleFactory.create_batch(2, publication=publication)

    # When it asks for an education use, which the card makes free
    response = file_request(client, articles, use={**WEB_GB_30D, "use_type": "education"})

    # Then the request is fulfilled at once, and its licences are the school's to read
    assert response.status_code == 201
    body = response.json()
    licences = Licence.objects.filter(partner=school).order_by("pk")
    assert body["status"] == "fulfilled"
    assert body["total"] == "0.00"
    assert sorted(body["licences"]) == sorted(lic.number for lic in licences)
    assert len(body["licences"]) == 2
    listed = client.get("/api/v1/licences").json()
    assert listed["count"] == 2
    assert {(lic["number"], lic["fee"], lic["status"]) for lic in listed["results"]} == {
        (lic.number, "0.00", "active") for lic in licences
    }


def test_the_quote_is_frozen_when_the_card_changes(rate_card, partner_client, article):
    # Given a filed request priced by card v1
    before = file_request(partner_client, [article]).json()

    # When staff publish v2 with a dearer web fee
    card_v2 = f.standard_rate_card(version=2, effective_from=timezone.localdate())
    BaseFee.objects.filter(card=card_v2, use_type="web", portion="full").update(
        amount=Decimal("180")
    )

    # Then the request still shows v1's lines and total
    after = partner_client.get(f"{REQUESTS}/{before['id']}").json()
    assert after["quote"] == before["quote"]
    assert (after["total"], after["quote"]["rate_card"]["version"]) == ("390.00", 1)
    # while a new quote uses the new card
    fresh = partner_client.post(
        "/api/v1/quotes", {"articles": [article.pk], **EU_PERPETUAL}, format="json"
    ).json()
    assert (fresh["total"], fresh["rate_card"]["version"]) == ("702.00", 2)


# ---------------------------------------------------------------------------------------------
# Malformed input
# ---------------------------------------------------------------------------------------------


def test_every_bad_field_is_named_and_nothing_is_saved(rate_card, partner_client, article):
    response = partner_client.post(
        REQUESTS,
        {
            "use_type": "hologram",
            "portion": "full",
            "territory": "mars",
            "term": "30d",
            "accept_terms": False,
        },
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == ["accept_terms", "articles", "territory", "use_type"]
    assert error["fields"]["articles"] == ["This field is required."]
    assert (LicenceRequest.objects.count(), RequestEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"use_type": "hologram"}, "use_type"),
        ({"articles": []}, "articles"),
        ({"accept_terms": False}, "accept_terms"),
        ({"territory": "mars"}, "territory"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"intended_url": "gazette"}, "intended_url"),
        ({"articles": ["no-such-slug"]}, "articles"),
    ],
)
def test_one_bad_field_is_named(rate_card, partner_client, article, change, field):
    body = {"articles": [article.pk], **EU_PERPETUAL, "accept_terms": True, **change}

    response = partner_client.post(REQUESTS, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert (LicenceRequest.objects.count(), RequestEvent.objects.count()) == (0, 0)


def test_accepting_the_terms_is_required(rate_card, partner_client, article):
    body = {"articles": [article.pk], **EU_PERPETUAL}

    response = partner_client.post(REQUESTS, body, format="json")

    assert response.json()["error"]["fields"] == {"accept_terms": ["This field is required."]}


# ---------------------------------------------------------------------------------------------
# Reading: one's own only
# ---------------------------------------------------------------------------------------------


def test_the_list_is_the_partners_own_newest_first_and_filterable(
    rate_card, partner, partner_client, publication
):
    # Given two requests of ours (one waiting, one approved) and one of another partner
    article = f.ArticleFactory(publication=publication)
    waiting = submit(partner, [article], UseSpec(**EU_PERPETUAL, reach=50_000))
    approved = submit(partner, [article], UseSpec(**WEB_GB_30D, reach=50_000))
    submit(f.PartnerFactory(), [article], UseSpec(**EU_PERPETUAL))

    # When we list
    body = partner_client.get(REQUESTS).json()

    # Then we see ours only, newest first, without the audit trail
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [approved.pk, waiting.pk]
    assert "events" not in body["results"][0]
    # and the status filter narrows it
    only_waiting = partner_client.get(REQUESTS, {"status": "submitted"}).json()
    assert [r["id"] for r in only_waiting["results"]] == [waiting.pk]
    bad = partner_client.get(REQUESTS, {"status": "pending"})
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["status"]


def test_another_partners_request_is_not_found(rate_card, partner_client, article):
    theirs = submit(f.PartnerFactory(), [article], UseSpec(**EU_PERPETUAL))

    assert partner_client.get(f"{REQUESTS}/{theirs.pk}").status_code == 404
    response = partner_client.post(f"{REQUESTS}/{theirs.pk}/cancel", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == S.SUBMITTED


def test_the_list_costs_the_same_queries_for_any_page_size(
    rate_card, partner, partner_client, publication, django_assert_num_queries
):
    # Given 25 requests, some fulfilled with licences, of several articles each
    articles = f.ArticleFactory.create_batch(3, publication=publication)
    for _ in range(20):
        submit(partner, articles[:2], UseSpec(**EU_PERPETUAL))
    partner.partner_type = PartnerType.EDUCATION
    partner.save()
    for _ in range(5):
        submit(partner, articles, UseSpec(**{**WEB_GB_30D, "use_type": "education"}))
    partner_client.get(REQUESTS)  # records the key's last use, a write the next minute skips

    # key, count, requests, their articles, their licences
    for size in (5, 20):
        with django_assert_num_queries(5):
            response = partner_client.get(REQUESTS, {"page_size": size})
        assert len(response.json()["results"]) == size


# ---------------------------------------------------------------------------------------------
# Cancelling
# ---------------------------------------------------------------------------------------------


def test_a_waiting_request_is_cancelled_once(rate_card, partner_client, article):
    request_id = file_request(partner_client, [article]).json()["id"]

    # When the partner cancels it with a reason
    first = partner_client.post(
        f"{REQUESTS}/{request_id}/cancel", {"reason": "Story dropped."}, format="json"
    )

    # Then it is cancelled, the reason kept, the partner shown as the actor
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["decision_note"]) == ("cancelled", "Story dropped.")
    assert [(e["action"], e["actor"], e["note"]) for e in body["events"]] == [
        ("submitted", "you", ""),
        ("cancelled", "you", "Story dropped."),
    ]

    # And cancelling again changes nothing
    again = partner_client.post(f"{REQUESTS}/{request_id}/cancel", format="json")
    assert again.status_code == 200
    # (the status link is signed afresh each time, with the time of signing)
    assert {**again.json(), "status_url": ""} == {**body, "status_url": ""}
    assert RequestEvent.objects.filter(request_id=request_id).count() == 2


def test_an_approved_request_cannot_be_cancelled(rate_card, partner_client, article):
    request_id = file_request(partner_client, [article], use=WEB_GB_30D).json()["id"]

    response = partner_client.post(f"{REQUESTS}/{request_id}/cancel", {}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert list(error["fields"]) == ["status"]
    assert LicenceRequest.objects.get(pk=request_id).status == S.AWAITING_PAYMENT
