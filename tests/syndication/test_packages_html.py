"""The standalone HTML package and the CMS snippet: content, attribution, exclusions, validity."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.packages.content import prepare_body
from syndication.packages.html import render_html, render_snippet
from syndication.packages.odrl import licence_policy
from tests.fixtures.packages import samples


def test_html_package_carries_the_article_credit_terms_and_tracking():
    # Given a licensed English article with an agency picture in its body
    data = samples.english()

    # When the HTML package is rendered
    page = render_html(data)

    # Then it is a whole document with the article, the publisher's credit and the terms
    assert page.startswith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')
    assert "<h1>Harbour installs new tide gauges</h1>" in page
    assert '<p class="standfirst">Minute-by-minute readings' in page
    assert '<span class="by">Amira Patel and Tom Reid</span>' in page
    assert '<span class="dateline">PORTHAVEN</span>' in page
    assert (
        "This article was originally published by Harbour Courier on 2026-03-02: "
        "https://courier.example/news/2026/03/02/harbour-tide-gauges" in page
    )
    assert (
        '<link rel="canonical" href="https://courier.example/news/2026/03/02/harbour-tide-gauges">'
        in page
    )
    assert (
        f'<img class="package-pixel" src="{samples.PIXEL_URL}" alt="" width="1" height="1">' in page
    )
    assert "<dt>Expires</dt><dd>2026-05-02</dd>" in page
    assert "Republished under licence HC-2026-000123" in page
    # And the ODRL policy rides along as JSON-LD
    script = re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', page, re.S)
    assert script is not None
    assert json.loads(script.group(1)) == json.loads(json.dumps(licence_policy(data)))


def test_the_agency_picture_is_listed_as_an_exclusion_and_never_shown():
    data = samples.english()

    page = render_html(data)
    snippet = render_snippet(data)

    assert '<ul class="exclusions"><li>Crowds at the harbour opening (Reuters)</li></ul>' in page
    for rendered in (page, snippet):
        assert samples.AGENCY_SRC not in rendered
        assert "agency-crowd" not in rendered
        assert "Reuters crowd" not in rendered  # its figure caption went with it
    # The distributable pictures are inline in the standalone file, one in the body, one after
    assert page.count('src="data:image/jpeg;base64,') == 1
    assert page.count('src="data:image/png;base64,') == 1


def test_snippet_keeps_attribution_canonical_link_and_pixel_and_points_at_bundle_files():
    snippet = render_snippet(samples.english())

    assert not snippet.startswith("<!DOCTYPE")
    assert (
        '<link rel="canonical" href="https://courier.example/news/2026/03/02/harbour-tide-gauges">'
        in snippet
    )
    assert "This article was originally published by Harbour Courier" in snippet
    assert samples.PIXEL_URL in snippet
    assert '<img src="images/01-harbour-gauges.jpg" alt="Tide gauge">' in snippet
    assert '<img src="images/03-chart.png" alt="Sea level at the harbour since 1975">' in snippet


def test_body_is_sanitised_again_and_foreign_pictures_are_dropped():
    hostile = (
        '<p onclick="steal()">Hello<script>alert(1)</script></p>'
        '<img src="http://127.0.0.1:9/x"><img src="file:///etc/passwd">'
        '<img src="https://tracker.example/p.gif" alt="x>y">'
        f'<p><img src="{samples.HARBOUR_SRC}" alt="ok"></p>'
    )
    data = samples.english(body_html=hostile)

    body, shown = prepare_body(data, lambda index, image: f"images/{index}")

    assert body == '<p>Hello</p><p><img src="images/0" alt="ok"></p>'
    assert shown == [0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([samples.HARBOUR_SRC, samples.AGENCY_SRC, "file:///etc/passwd"]),
            st.text(alphabet="abc:/.<>\"'& x", max_size=20),
        ),
        max_size=6,
    ),
    st.text(alphabet="ab<>\"'&= ", max_size=20),
)
def test_no_picture_but_a_distributable_one_survives_any_body(sources, noise):
    body_html = "".join(
        f'<figure><img src="{src}" alt="{noise}"></figure>{noise}' for src in sources
    )
    data = samples.english(body_html=body_html)

    body, _ = prepare_body(data, lambda index, image: f"package-image-{index}")

    # Malformed noise may swallow a tag, so a picture can vanish, but none other can appear
    kept = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", body)
    assert body.count("<img") == len(kept)
    assert set(kept) <= {"package-image-0"}
    assert len(kept) <= sources.count(samples.HARBOUR_SRC)
    assert "etc/passwd" not in body
    assert "agency-crowd" not in body


def test_the_html_package_passes_the_nu_html_checker(tmp_path):
    pages = {
        "english.html": render_html(samples.english()),
        "arabic.html": render_html(samples.arabic()),
        "bundle.html": render_html(samples.english(), images="files"),
    }
    for name, page in pages.items():
        (tmp_path / name).write_text(page, encoding="utf-8")

    assert samples.nu_html_check(list(tmp_path.glob("*.html"))) == (0, "")


def test_right_to_left_article_is_marked_right_to_left():
    page = render_html(samples.arabic())

    assert page.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')
    assert samples.ARABIC_SENTENCE in page
    # The publisher's English credit stays left to right inside the Arabic page
    assert '<aside class="package-attribution" lang="en" dir="ltr"' in page


def test_credit_wording_keeps_unknown_placeholders():
    data = samples.english()
    data = replace(
        data, publication=replace(data.publication, credit_line="© {publication} {licence} {oops}")
    )

    assert data.attribution == "© Harbour Courier HC-2026-000123 {oops}"
