"""Staff take an article down: every active licence for it is revoked, each licensee gets an
urgent email and a signed `licence.revoked` webhook, and a second takedown changes nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from licensing.aftercare import article_take_down
from licensing.models import LicenceStatus, RequestEvent
from licensing.packages import kill_notice_link
from syndication.models import Article
from syndication.webhooks import webhook_endpoint_for, webhook_signature_verify

pytestmark = pytest.mark.django_db

REASON = "A court order restrains publication of the second paragraph."


KILL_LINK = re.compile(r"http://127\.0\.0\.1:8000/downloads/kill-notice/[^\s\"<]+")


def test_a_takedown_revokes_every_licence_and_warns_each_licensee(
    licensees, article, receiver, staff, on_commit, client
):
    (north, north_licence), (south, south_licence) = licensees
    mail.outbox.clear()

    # When staff take the article down
    with on_commit():
        revoked = article_take_down(article=article, actor=staff, reason=REASON)

    # Then the article is withdrawn and both licences are revoked for the takedown
    article.refresh_from_db()
    assert article.withdrawn_at is not None
    assert article.withdrawn_reason == REASON
    assert sorted(lic.pk for lic in revoked) == sorted([north_licence.pk, south_licence.pk])
    for licence in (north_licence, south_licence):
        licence.refresh_from_db()
        assert licence.status == LicenceStatus.REVOKED
        assert licence.revoked_at is not None
        assert licence.revoked_reason == f"Takedown: {REASON}"
        # and the request's audit trail says so
        event = RequestEvent.objects.get(request=licence.request, action="licences_taken_down")
        assert (event.note, event.data["revoked"], event.actor) == (REASON, [licence.number], staff)

    # And each licensee's notice contacts got an urgent email with the reason
    urgent = sorted(
        (m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_taken_down"),
        key=lambda m: m.to,
    )
    assert [m.to for m in urgent] == [["desk@northacademy.example"], ["desk@southcollege.example"]]
    assert all(m.subject.startswith("URGENT:") and REASON in m.body for m in urgent)

    # And each email links to its licence's kill notice, the same link in the text and HTML
    for message, licence in zip(urgent, (north_licence, south_licence), strict=True):
        [link] = KILL_LINK.findall(message.body)
        [html] = [body for body, kind in message.alternatives if kind == "text/html"]
        assert KILL_LINK.findall(html) == [link, link]  # the href and the printed address
        assert "pubStatus" in message.body and "this link works until" in message.body
        # which, followed, answers the canceled ninjs naming that licence
        response = client.get(urlsplit(link).path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        kill = json.loads(response.content)
        assert (kill["uri"], kill["pubStatus"]) == (article.uri, "canceled")
        assert {"role": "licence", "value": licence.number} in kill["altIds"]
    # and an altered link is refused
    assert client.get(urlsplit(link).path + "x").status_code == 403

    # And each receiver got a licence.revoked event with reason "takedown", validly signed
    by_path = {r.path: r for r in receiver.received}
    assert sorted(by_path) == ["/north", "/south"]
    for path, partner, licence in (
        ("/north", north, north_licence),
        ("/south", south, south_licence),
    ):
        received = by_path[path]
        assert received.event == "licence.revoked"
        assert webhook_signature_verify(
            webhook_endpoint_for(partner).secret, received.body, received.signature, 300
        )
        data = received.json["data"]
        assert (data["reason"], data["note"], data["urgent"]) == ("takedown", REASON, True)
        assert data["licence"]["number"] == licence.number
        assert data["licence"]["status"] == "revoked"

    # When staff take it down again, nothing more happens
    with on_commit():
        again = article_take_down(article=article, actor=staff, reason="Another reason")
    assert again == []
    assert len(receiver.received) == 2
    assert (
        len([m for m in mail.outbox if m.extra_headers["X-Template"] == "licence_taken_down"]) == 2
    )
    article.refresh_from_db()
    assert article.withdrawn_reason == REASON


def test_staff_take_an_article_down_from_the_admin_with_a_reason(
    licensees, article, receiver, staff, client, on_commit
):
    (_, north_licence), (_, south_licence) = licensees
    client.force_login(staff)
    changelist = reverse("admin:syndication_article_changelist")
    selection = {"action": "take_down_articles", "_selected_action": [article.pk]}

    # The action first asks for the reason
    page = client.post(changelist, selection)
    assert page.status_code == 200
    assert "Every active licence for these articles will be revoked" in page.content.decode()
    # and refuses to run without one
    empty = client.post(changelist, {**selection, "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert Article.objects.get(pk=article.pk).withdrawn_at is None

    with on_commit():
        done = client.post(changelist, {**selection, "apply": "1", "reason": REASON})

    assert done.status_code == 302
    assert Article.objects.get(pk=article.pk).withdrawn_reason == REASON
    north_licence.refresh_from_db()
    south_licence.refresh_from_db()
    assert (north_licence.status, south_licence.status) == ("revoked", "revoked")
    assert sorted(r.event for r in receiver.received) == ["licence.revoked", "licence.revoked"]


def test_the_kill_notice_link_expires_and_serves_only_a_withdrawn_article(
    licensees, article, staff, client, on_commit
):
    (_, licence), _ = licensees
    # Before any takedown the article stands: a link to its licence finds no kill notice
    standing = client.get(urlsplit(kill_notice_link(licence)).path)
    assert standing.status_code == 410
    assert b"This article has not been withdrawn" in standing.content

    with on_commit():
        article_take_down(article=article, actor=staff, reason=REASON)

    # After it, a link past its end answers 410 with the date it ended
    expired = client.get(urlsplit(kill_notice_link(licence, ttl=timedelta(seconds=-1))).path)
    assert expired.status_code == 410
    assert b"This download link expired on" in expired.content
