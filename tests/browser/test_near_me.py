""" "Use my location": on the list it sends the form with the browser's
position, rounded, and the list comes back nearest first; on the map it
moves the map there and points the list link at what is near."""

import re

from tests.browser.test_journeys import wait_for_map

LAWRENCE_WESTON = {"latitude": 51.50512, "longitude": -2.68041}


def located(page):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(LAWRENCE_WESTON)
    return page


def test_use_my_location_lists_what_is_near_nearest_first(page):
    located(page).goto("/initiatives/")
    page.get_by_role("button", name="Use my location").first.click()
    page.wait_for_url("**/initiatives/?*lat=51.505*")
    assert "lng=-2.68" in page.url
    distances = page.locator("main").get_by_text("km away").all_inner_texts()
    assert distances, "no distances on the list"
    kilometres = [
        float(re.search(r"([\d,.]+) km away", text)[1].replace(",", "")) for text in distances
    ]
    assert kilometres == sorted(kilometres)


def test_use_my_location_on_the_map_points_the_list_at_what_is_near(page):
    located(page).goto("/map/")
    wait_for_map(page)
    page.get_by_role("button", name="Use my location").click()
    link = page.locator("a#list-link")
    page.wait_for_function(
        "() => document.querySelector('a#list-link').href.includes('lat=51.505')"
    )
    href = link.get_attribute("href")
    assert "lng=-2.68" in href and "radius_km=5" in href
