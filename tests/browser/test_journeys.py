"""What a person does on the site, in a real browser."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import SOLAR


def wait_for_map(page):
    """Until the map has moved and drawn its data."""
    page.wait_for_timeout(300)  # the zoom animation, before the data is asked for
    page.locator(".map.map--ready:not([aria-busy])").wait_for()


def solar_card(page):
    return page.locator(".card__title", has_text=SOLAR)


def test_a_visitor_finds_the_solar_farm_by_searching_from_the_home_page(page):
    page.goto("/")
    page.get_by_label("Search initiatives").fill("solar")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/initiatives/\?q=solar$"))
    expect(solar_card(page)).to_be_visible()
    expect(solar_card(page).locator("mark")).to_have_text("solar")


def test_a_visitor_finds_the_solar_farm_by_choosing_its_theme(page):
    page.goto("/initiatives/")
    page.get_by_label(re.compile(r"^Community energy")).check()
    # The results update in place and the address follows, to be shared.
    expect(page).to_have_url(re.compile(r"theme=community-energy"))
    expect(page.locator("#results-heading")).to_have_text("1 initiative")
    expect(solar_card(page)).to_be_visible()
    page.reload()
    expect(solar_card(page)).to_be_visible()


def test_a_visitor_drills_down_from_the_region_to_the_neighbourhood(page):
    page.goto("/initiatives/")
    for place in ("South West", "Bristol", "Lawrence Weston"):
        page.locator(".facet__list a", has_text=place).click()
        expect(page.locator(".trail")).to_contain_text(place)
    expect(page).to_have_url(re.compile(r"place=lawrence-weston"))
    expect(solar_card(page)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"place=bristol"))
    expect(page.locator(".trail [aria-current]")).to_have_text("Bristol")


def test_the_map_shows_the_solar_farm_and_its_popup_leads_to_its_page(page):
    page.goto("/initiatives/?q=solar")
    page.get_by_role("link", name="Show on a map").click()
    expect(page).to_have_url(re.compile(r"/map/\?q=solar$"))
    expect(page.locator("#map-status")).to_have_text("Showing 1 initiative")
    page.locator(".leaflet-marker-icon").first.click()
    popup_link = page.locator(".leaflet-popup-content a", has_text=SOLAR)
    expect(popup_link).to_be_visible()
    popup_link.click()
    expect(page).to_have_url(re.compile(r"/initiatives/lawrence-weston-community-solar-farm/$"))


def test_on_the_whole_map_the_solar_farm_is_in_a_group_that_opens_to_it(page):
    page.goto("/map/")
    wait_for_map(page)
    # Click whatever is drawn where the solar farm is (its group, at first)
    # until its own pin shows, as a person zooming in on Bristol would.
    for _ in range(10):
        pin = page.get_by_title(SOLAR, exact=True)
        if pin.count():
            break
        point = page.evaluate(
            """() => {
                const map = document.querySelector(".map").leafletMap;
                const p = map.latLngToContainerPoint([51.501, -2.664]);
                const box = map.getContainer().getBoundingClientRect();
                return {x: box.left + p.x, y: box.top + p.y};
            }"""
        )
        nearest = page.evaluate(
            """({x, y}) => {
                let best = null, bestDistance = Infinity;
                for (const icon of document.querySelectorAll(".leaflet-marker-icon")) {
                    const r = icon.getBoundingClientRect();
                    const d = Math.hypot(r.left + r.width / 2 - x, r.top + r.height / 2 - y);
                    if (d < bestDistance) { best = icon; bestDistance = d; }
                }
                best.setAttribute("data-nearest", "yes");
                return bestDistance;
            }""",
            point,
        )
        assert nearest < 60, "nothing is drawn where the solar farm is"
        page.locator("[data-nearest=yes]").click()
        wait_for_map(page)
    pin = page.get_by_title(SOLAR, exact=True)
    expect(pin).to_be_visible()
    pin.click()
    link = page.locator(".leaflet-popup-content a", has_text=SOLAR)
    expect(link).to_have_attribute(
        "href", re.compile(r"/initiatives/lawrence-weston-community-solar-farm/$")
    )


def test_switching_between_list_and_map_keeps_the_filters(page):
    page.goto("/initiatives/?theme=community-energy&status=active")
    page.get_by_role("link", name="Show on a map").click()
    expect(page).to_have_url(re.compile(r"/map/\?theme=community-energy&status=active$"))
    expect(page.locator("#theme-community-energy")).to_be_checked()
    page.get_by_role("link", name="Show as a list").click()
    expect(page).to_have_url(re.compile(r"/initiatives/\?theme=community-energy&status=active$"))


def test_a_visitor_filters_with_the_keyboard_alone(page):
    page.goto("/initiatives/")
    # Tab from the search box to the first theme that has results.
    page.get_by_label("Search", exact=True).focus()
    energy = page.locator("#theme-community-energy")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "theme-community-energy":
            break
    expect(energy).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#results-heading")).to_have_text("1 initiative")
    # Focus stays on the checkbox after the results update in place.
    expect(page.locator("#theme-community-energy")).to_be_focused()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == SOLAR:
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/initiatives/lawrence-weston-community-solar-farm/$"))


def test_a_visitor_opens_an_initiative_and_follows_its_organisation_and_place(page):
    page.goto("/initiatives/lawrence-weston-community-solar-farm/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SOLAR)
    expect(page.get_by_role("heading", name="How others can adapt or copy this")).to_be_visible()
    page.locator(".initiative__facts").get_by_role("link", name="Ambition Lawrence Weston").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ambition Lawrence Weston")
    expect(solar_card(page)).to_be_visible()
    solar_card(page).get_by_role("link").click()
    page.locator(".breadcrumb").get_by_role("link", name="Bristol").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bristol")
    expect(page.locator(".place-list")).to_contain_text("Lawrence Weston")


def test_the_list_works_without_javascript(make_page):
    page = make_page(width=375, javascript=False)
    page.goto("/initiatives/")
    page.get_by_label(re.compile(r"^Community energy")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"theme=community-energy"))
    expect(solar_card(page)).to_be_visible()


def test_on_a_phone_the_filters_fold_away_and_open_on_request(make_page):
    page = make_page(width=375)
    page.goto("/initiatives/")
    toggle = page.get_by_role("button", name="Filters and sorting")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#theme-community-energy")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_label(re.compile(r"^Community energy")).check()
    expect(page.locator("#results-heading")).to_have_text("1 initiative")
    # Still open after the results update.
    expect(page.locator("#theme-community-energy")).to_be_visible()
