"""A resident adds an initiative, in a real browser: signs up, confirms the
email, submits with a photo and a pin, and finds it waiting for moderation.
The form's pages pass axe's WCAG 2.1 AA rules, with and without errors."""

import io
import itertools
import re
from pathlib import Path

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from initiatives.abuse import MIN_FILL_SECONDS
from initiatives.models import Initiative
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import audit

PASSWORD = "a-long-and-unusual-password-42"
_people = itertools.count(1)


def confirmation_path(message):
    return re.search(r"https?://[^/\s]+(/account/confirm-email/[^\s]+/)", message.body).group(1)


def sign_up(page):
    """Sign up a new person through the pages, confirm the address from the
    email, and return their address (they are signed in)."""
    email = f"resident-{next(_people)}@example.org"
    page.goto("/account/signup/")
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/confirm-email/$"))
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    page.goto(confirmation_path(message))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).not_to_contain_text("Confirm Email Address")
    return email


def photo_file(tmp_path):
    path = Path(tmp_path, "crates.jpg")
    image = Image.new("RGB", (1600, 1000), (40, 120, 90))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (2.0, 40.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_new_resident_signs_up_and_submits_an_initiative_with_a_photo_and_a_pin(
    make_page, tmp_path
):
    page = make_page(width=375, height=800)
    email = sign_up(page)

    page.get_by_role("link", name="Add an initiative").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an initiative")
    page.get_by_label("Name of the initiative").fill("Lawrence Weston larder")
    page.get_by_label("Summary").fill("Residents share surplus food twice a week.")
    page.get_by_label("What it does").fill("Volunteers collect surplus food from shops.")
    page.get_by_label("Food", exact=True).check()
    page.get_by_label("Place it serves").fill("Lawrence Weston, Bristol")
    page.get_by_label("Place it serves").dispatch_event("change")

    # The pin starts at the centre of the place; a click on the map moves it there.
    map_box = page.locator("#pin-map.leaflet-container").bounding_box()
    page.locator("#pin-map").scroll_into_view_if_needed()
    map_box = page.locator("#pin-map").bounding_box()
    page.mouse.click(map_box["x"] + map_box["width"] / 2 + 40, map_box["y"] + 60)
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())

    page.locator("#id_photo-0-image").set_input_files(photo_file(tmp_path))
    page.locator("#id_photo-0-alt_text").fill("Volunteers stacking crates of vegetables")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)  # as long as a person takes, at least
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Is it already listed?")
    # The solar farm in the same neighbourhood is offered as possibly the same.
    expect(page.locator(".similar-list")).to_contain_text("Lawrence Weston community solar farm")
    page.get_by_role("button", name=re.compile("Mine is different")).click()

    expect(page.locator(".panel--confirmation")).to_contain_text("we have your submission")
    assert any(email in m.to and "We have your submission" in m.subject for m in mail.outbox)
    page.get_by_role("link", name="See your submissions").click()
    entry = page.locator(".submission", has_text="Lawrence Weston larder")
    expect(entry.locator(".state")).to_have_text("Waiting for moderation")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(SCREENSHOTS, "my-submissions-375.png"), full_page=True)

    initiative = Initiative.objects.get(title="Lawrence Weston larder")
    assert initiative.moderation_state == Initiative.State.PENDING
    assert initiative.submitted_by.email == email
    assert (initiative.latitude, initiative.longitude) == pytest.approx((latitude, longitude))
    assert not initiative.location_is_place_centre
    stored = Image.open(initiative.images.get().image.path)
    assert not stored.getexif(), "the stored photo keeps no EXIF"

    # Not public: not in the list, and its page does not exist.
    page.goto("/initiatives/?q=larder")
    expect(page.locator("#results-heading")).to_have_text("0 initiatives")
    response = page.goto(f"/initiatives/{initiative.slug}/")
    assert response.status == 404


@pytest.mark.parametrize("width", [375, 1280])
def test_the_submission_form_with_errors_is_accessible_and_keeps_every_entry(make_page, width):
    page = make_page(width=width)
    sign_up(page)
    page.goto("/initiatives/submit/")
    assert not audit(page), "the empty form"
    page.get_by_label("Name of the initiative").fill("Tool library")
    page.get_by_label("What it does").fill("Lending tools.")
    page.get_by_label("Place it serves").fill("Atlantis")
    page.get_by_label("Contact email").fill("tools@example.org")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)
    page.get_by_role("button", name="Continue").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a short summary.")
    expect(summary).to_contain_text("Choose at least one theme.")
    expect(summary).to_contain_text("We do not know a place called “Atlantis”")
    expect(summary).to_contain_text("Tick the box to confirm that the contact agrees")
    # Every entry is kept.
    expect(page.get_by_label("Name of the initiative")).to_have_value("Tool library")
    expect(page.get_by_label("Contact email")).to_have_value("tools@example.org")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(SCREENSHOTS, f"submit-errors-{width}.png"), full_page=True)
    violations = audit(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    # Each link in the summary takes the keyboard to its field.
    summary.get_by_role("link", name="Choose at least one theme.").click()
    expect(page.locator("#themes-fieldset")).to_be_focused()
    assert not violations, "\n".join(violations)
    assert overflow <= 0


def test_the_account_pages_are_accessible(make_page):
    page = make_page(width=375)
    sign_up(page)
    for path in ("/account/submissions/", "/account/organisations/", "/account/delete/"):
        page.goto(path)
        violations = audit(page)
        assert not violations, f"{path}:\n" + "\n".join(violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is too wide"


def test_the_form_works_without_javascript(make_page):
    page = make_page(javascript=False)
    sign_up(page)
    page.goto("/initiatives/submit/")
    # Without the map, the pin is typed.
    expect(page.get_by_label("Latitude")).to_be_visible()
    expect(page.locator("#pin-map")).to_be_hidden()
    expect(page.locator("#id_photo-4-image")).to_be_visible()
