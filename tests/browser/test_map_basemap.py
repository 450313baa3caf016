"""A map whose tiles cannot load is still a map: the outline of the UK and
Ireland is drawn under them (the browser fixtures refuse every other host,
tile servers included)."""

from tests.browser.test_journeys import wait_for_map


def test_with_its_tiles_blocked_the_map_still_draws_the_uk(page):
    tiles = []
    page.route("**/tile.openstreetmap.org/**", lambda route: (tiles.append(1), route.abort()))
    page.goto("/map/")
    wait_for_map(page)
    outline = page.locator(".map .leaflet-outline-pane svg path")
    outline.first.wait_for()
    assert outline.count() == 2  # Ireland, then the UK over it
    assert tiles, "the map asked for no tiles: the test blocked nothing"
    # Under the tiles, not over them, and on the sea, not Leaflet's grey.
    z_index = page.eval_on_selector(".map .leaflet-outline-pane", "e => getComputedStyle(e).zIndex")
    assert int(z_index) < 200
    ground = page.eval_on_selector(".map", "e => getComputedStyle(e).backgroundColor")
    assert ground == "rgb(200, 221, 228)"
