"""Reusing the data in a real browser: the map on a council's own page, the
downloads and the API documentation."""

import csv
import io
import json
import re
from urllib.request import urlopen

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, watch
from tests.browser.test_accessibility import audit

REGION = "south-west"


def _published_in(site, place):
    """The number of published initiatives in `place`, as the API counts them."""
    with urlopen(f"{site}/api/initiatives/?place={place}&page_size=1") as response:  # noqa: S310
        return json.load(response)["count"]


def test_a_council_pastes_the_embed_snippet_into_a_plain_page_and_sees_its_map(
    browser, site, page, tmp_path
):
    page.goto(f"/places/{REGION}/")
    page.get_by_text("Put this map on your website").click()
    code = page.get_by_label("Code for your website")
    expect(code).to_be_visible()
    snippet = code.input_value()
    assert snippet.startswith(f'<iframe src="{site}/embed/map/?place={REGION}"')
    # With JavaScript, a button copies it.
    page.get_by_role("button", name="Copy the code").click()
    expect(page.get_by_text("Copied. Paste it into your page.")).to_be_visible()

    # A council's page, opened from a file: nothing but the snippet of ours.
    host = tmp_path / "council.html"
    host.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Our council</title></head><body><h1>Community projects near you</h1>"
        f"{snippet}</body></html>",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 900, "height": 700})
    context.route(
        lambda url: not (url.startswith(site) or url.startswith("file://")),
        lambda route: route.abort(),
    )
    council = context.new_page()
    problems = watch(council, site)
    council.goto(host.as_uri())
    frame = council.frame_locator("iframe")
    expected = _published_in(site, REGION)
    credit = frame.locator(".embed__credit a").first
    expect(credit).to_have_text(re.compile(rf"^{expected} initiatives? on "))
    frame.locator(".leaflet-marker-icon").first.wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    council.screenshot(path=SCREENSHOTS / "embed-in-council-page.png")
    # A popup's link opens the site in a new tab, not inside the frame.
    marker = frame.locator(".leaflet-marker-icon.map-pin").first
    marker.focus()
    marker.press("Enter")
    link = frame.locator(".map-popup__title a")
    expect(link).to_have_attribute("target", "_blank")
    context.close()
    problems.check()


def test_a_researcher_downloads_a_regions_initiatives_as_csv(site, page):
    page.goto("/open-data/")
    expect(page.get_by_role("link", name="Creative Commons Attribution 4.0")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("South West"))
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("^CSV")).click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith(f"initiatives-{REGION}-")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows, "the region's CSV is empty"
    assert any(r["title"] == "Lawrence Weston community solar farm" for r in rows)
    assert len(rows) == _published_in(site, REGION)
    assert {r["licence"] for r in rows} == {
        "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"
    }


def test_the_api_documentation_works_from_local_files(page):
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="API documentation")).to_be_visible()
    # Swagger UI drew the operations from the schema, with nothing from a CDN
    # (every other host is refused) and nothing the page's policy blocked.
    operation = page.locator(".opblock-summary-path", has_text="/api/initiatives/")
    expect(operation.first).to_be_visible()
    expect(page.get_by_text("Creative Commons Attribution 4.0").first).to_be_visible()


def _link(message, ending):
    return re.search(rf"https?://[^/\s]+(/alerts/[0-9a-f-]+/{ending}/)", message.body).group(1)


def test_a_resident_follows_a_place_by_email_confirms_and_unsubscribes_in_one_click(
    make_page,
):

    page = make_page(width=375, height=800)
    page.goto(f"/places/{REGION}/")
    email = page.get_by_label("Your email address")
    email.fill("not-an-address")
    page.wait_for_timeout(3100)  # a person takes a few seconds; a bot does not
    follow = page.get_by_role("button", name="Email me new initiatives weekly")
    follow.click()
    # The error summary names the problem and the form keeps the place.
    expect(page.locator(".error-summary")).to_contain_text("Enter an email address like")
    assert not audit(page)
    page.get_by_label("Your email address").fill("walker@example.org")
    page.wait_for_timeout(3100)
    page.get_by_role("button", name="Email me new initiatives weekly").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert not audit(page)

    message = next(m for m in reversed(mail.outbox) if "walker@example.org" in m.to)
    page.goto(_link(message, "confirm"))
    # Opening the link confirms nothing by itself: mail scanners open links.
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator("main h1")).to_contain_text("alert is on")
    assert not audit(page)

    page.goto(_link(message, "unsubscribe"))
    expect(page.locator("main h1")).to_contain_text("unsubscribed")
    assert not audit(page)
    page.get_by_role("button", name="Follow again").click()
    expect(page.locator("main h1")).to_contain_text("alert is on")
