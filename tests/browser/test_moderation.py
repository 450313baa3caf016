"""Think-tank staff at work, in a real browser: a moderator clears a queue
holding a new submission, an edit, a duplicate and a report."""

import re
from pathlib import Path

from playwright.sync_api import expect

from initiatives.abuse import MIN_FILL_SECONDS
from tests.browser.conftest import CURATOR, MODERATOR, SCREENSHOTS, SOLAR, sign_in
from tests.browser.test_accessibility import audit
from tests.browser.test_submission import sign_up

# (The test reads the database only through pages: on SQLite, the test's own
# transaction would keep seeing the data as it was when it first read.)
SOLAR_PAGE = "/initiatives/lawrence-weston-community-solar-farm/"


def submit(page, title, place):
    """Fill in the submission form, and send it for moderation."""
    page.goto("/initiatives/submit/")
    page.get_by_label("Name of the initiative").fill(title)
    page.get_by_label("Summary").fill("Neighbours share what the shops would throw away.")
    page.get_by_label("What it does").fill("Volunteers collect surplus food twice a week.")
    page.get_by_label("Food", exact=True).check()
    page.get_by_label("Place it serves").fill(place)
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("send it for moderation", re.IGNORECASE)).click()
    expect(page.locator(".panel--confirmation")).to_be_visible()


def open_item(page, title):
    page.goto("/moderation/")
    page.locator("table a", has_text=title).first.click()


def decide(page, decision, message=""):
    page.get_by_label(decision).check()
    if message:
        page.get_by_label(re.compile("^Message")).fill(message)
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(re.compile(r"/moderation/$"))


def test_a_moderator_clears_a_queue_of_a_submission_an_edit_a_duplicate_and_a_report(
    make_page,
):
    resident = make_page()
    sign_up(resident)
    submit(resident, "Avonmouth community pantry", "Bristol")
    submit(resident, SOLAR, "Lawrence Weston, Bristol")  # already listed

    visitor = make_page()
    visitor.goto(SOLAR_PAGE)
    visitor.get_by_role("link", name=re.compile("Report a problem")).click()
    visitor.get_by_label("It has ended or moved").check()
    visitor.get_by_label(re.compile("^Tell us more")).fill("The farm has a new website.")
    visitor.get_by_label(re.compile("^Your email address")).fill("visitor@example.org")
    visitor.wait_for_timeout(MIN_FILL_SECONDS * 1000)
    visitor.get_by_role("button", name=re.compile("Send")).click()
    expect(visitor.locator("main")).to_contain_text("Thank you")

    moderator = make_page()
    sign_in(moderator, MODERATOR)
    moderator.goto("/moderation/")
    expect(moderator.locator("main")).to_contain_text("2 new submissions")
    expect(moderator.locator("main")).to_contain_text("1 report")
    SCREENSHOTS.mkdir(exist_ok=True)
    moderator.screenshot(path=Path(SCREENSHOTS, "moderation-queue-1280.png"), full_page=True)

    # The new submission: approved, then public.
    open_item(moderator, "Avonmouth community pantry")
    decide(moderator, "Approve and publish")
    visitor.goto("/initiatives/?q=Avonmouth")
    visitor.get_by_role("link", name="Avonmouth community pantry").click()
    expect(visitor.locator("h1")).to_have_text("Avonmouth community pantry")
    pantry_page = visitor.url

    # Its submitter edits it: the moderator sees the diff and approves.
    resident.goto("/account/submissions/")
    resident.get_by_role("link", name=re.compile("Propose an edit")).first.click()
    resident.get_by_label("Name of the initiative").fill("Avonmouth community food pantry")
    resident.wait_for_timeout(MIN_FILL_SECONDS * 1000)
    resident.get_by_role("button", name="Send the edit for moderation").click()
    expect(resident.locator(".messages")).to_contain_text("waits for moderation")
    visitor.goto(pantry_page)
    expect(visitor.locator("h1")).to_have_text("Avonmouth community pantry")

    open_item(moderator, "Avonmouth community pantry")
    expect(moderator.locator(".diff del").first).to_have_text("Avonmouth community pantry")
    expect(moderator.locator(".diff ins").first).to_have_text("Avonmouth community food pantry")
    moderator.screenshot(path=Path(SCREENSHOTS, "moderation-edit-1280.png"), full_page=True)
    decide(moderator, "Approve and publish")
    visitor.goto(pantry_page)
    expect(visitor.locator("h1")).to_have_text("Avonmouth community food pantry")

    # The duplicate: merged into the solar farm already listed.
    moderator.goto("/moderation/?kind=new")
    moderator.locator("table a", has_text=SOLAR).click()
    moderator.locator(".choice-list label", has_text=SOLAR).click()
    moderator.get_by_role("button", name="Merge into the chosen one").click()
    expect(moderator.locator(".messages")).to_contain_text(f"Merged into “{SOLAR}”")
    visitor.goto(f"/initiatives/?q={SOLAR}")
    expect(visitor.locator("#results-heading")).to_have_text("1 initiative")

    # The report: resolved, with a message for the reporter.
    moderator.goto("/moderation/?kind=report")
    moderator.locator("table a", has_text=SOLAR).click()
    moderator.screenshot(path=Path(SCREENSHOTS, "moderation-report-1280.png"), full_page=True)
    moderator.get_by_role("radio", name=re.compile("Resolve")).check()
    moderator.get_by_label("Message").fill("Thank you: we have updated the website.")
    moderator.get_by_role("button", name=re.compile("Record|Decide|Save")).click()

    moderator.goto("/moderation/")
    expect(moderator.locator("main")).to_contain_text("Nothing is waiting")
    moderator.screenshot(path=Path(SCREENSHOTS, "moderation-cleared-1280.png"), full_page=True)


def test_a_curator_builds_a_collection_that_appears_on_its_public_page(make_page):
    curator = make_page()
    sign_in(curator, CURATOR)
    curator.get_by_role("link", name="Curation").first.click()
    curator.get_by_role("link", name="New collection").first.click()
    curator.get_by_label("Title").fill("Energy owned by communities")
    curator.get_by_label(re.compile("^Introduction")).fill("Power stations that residents own.")
    curator.get_by_label(re.compile("^Public")).check()
    curator.get_by_label(re.compile("^Add an initiative")).fill(SOLAR)
    curator.get_by_role("button", name="Create the collection").click()
    expect(curator.locator(".messages")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    curator.screenshot(path=Path(SCREENSHOTS, "curation-collection-1280.png"), full_page=True)

    visitor = make_page(width=375)
    visitor.goto("/collections/")
    visitor.get_by_role("link", name="Energy owned by communities").click()
    expect(visitor.locator("h1")).to_have_text("Energy owned by communities")
    expect(visitor.locator("main")).to_contain_text("Power stations that residents own.")
    expect(visitor.locator(".card__title", has_text=SOLAR)).to_be_visible()
    visitor.screenshot(path=Path(SCREENSHOTS, "collection-375.png"), full_page=True)

    # From an initiative's own page, the curator takes it off the home page's
    # featured list and puts it back (as the other tests expect it).
    curator.goto(SOLAR_PAGE)
    featured = visitor.locator(".featured .card__title", has_text=SOLAR)
    visitor.goto("/")
    expect(featured).to_be_visible()
    curator.get_by_role("button", name="Stop featuring it on the home page").click()
    visitor.goto("/")
    expect(featured).to_have_count(0)
    curator.get_by_role("button", name="Feature it on the home page").click()
    visitor.goto("/")
    expect(featured).to_be_visible()


def test_the_staff_pages_and_the_report_form_are_accessible(make_page):

    pages = {
        MODERATOR: [
            "/moderation/",
            "/moderation/dashboard/",
            "/moderation/import/",
            "/moderation/notifications/",
        ],
        CURATOR: [
            "/curation/",
            "/curation/collections/new/",
            "/curation/merge/places/",
            "/collections/",
        ],
        None: [f"{SOLAR_PAGE}report/"],
    }
    for who, paths in pages.items():
        for width in (375, 1280):
            page = make_page(width=width)
            if who:
                sign_in(page, who)
            for path in paths:
                page.goto(path)
                violations = audit(page)
                assert not violations, f"{path} at {width} px:\n" + "\n".join(violations)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{path} is {overflow} px too wide at {width} px"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{SOLAR_PAGE}report/")
    page.screenshot(path=Path(SCREENSHOTS, "report-1280.png"), full_page=True)
