"""Languages: public and portal pages follow the reader's language (browser header or the footer's
language form, Django's set_language) and turn right-to-left for Arabic."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

RTL = '<html lang="ar" dir="rtl">'
LTR = '<html lang="en-gb" dir="ltr">'


def test_arabic_readers_get_right_to_left_public_and_portal_pages(portal, article):
    public_paths = ["/republish/", f"/republish/{article.slug}/", "/portal/login/"]

    for path in public_paths:
        page = Client().get(path, headers={"accept-language": "ar"}).content.decode()
        assert RTL in page, path
    for path in ("/portal/", "/portal/licences/", "/portal/keys/"):
        page = portal.get(path, headers={"accept-language": "ar"}).content.decode()
        assert RTL in page, path
    assert LTR in Client().get("/republish/").content.decode()


def test_the_footer_language_form_switches_language_without_javascript(article):
    client = Client()
    page = client.get("/republish/").content.decode()
    assert '<form class="language-form" action="/i18n/setlang/" method="post">' in page
    assert '<option value="ar" lang="ar">' in page
    assert '<input type="hidden" name="next" value="/republish/">' in page

    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/republish/"})

    assert response.status_code == 302 and response["Location"] == "/republish/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert RTL in client.get("/republish/").content.decode()
    assert '<option value="ar" lang="ar" selected>' in client.get("/republish/").content.decode()
