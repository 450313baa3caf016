"""An initiative prints cleanly: the initiative itself, without navigation,
map or suggestions, on at most two A4 pages."""

import re

import pytest

# The pages come from the database (through the live server): the mark has
# pytest-django set up the test database even when no other test in the run
# asks for it, so that the demo data never goes into the development one.
pytestmark = pytest.mark.django_db

# Big Local has the longest page of the demo data (the most places,
# organisations and sources); the solar farm is the one the other tests follow.
INITIATIVES = ["big-local", "lawrence-weston-community-solar-farm"]
# Every page object of a PDF has "/Type /Page"; the page tree has "/Type /Pages".
PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def open_initiative(make_page, slug):
    page = make_page()
    response = page.goto(f"/initiatives/{slug}/")
    assert response.ok, f"/initiatives/{slug}/ answers {response.status}"
    return page


@pytest.mark.parametrize("slug", INITIATIVES)
def test_an_initiative_prints_on_at_most_two_a4_pages(make_page, slug):
    page = open_initiative(make_page, slug)
    page.emulate_media(media="print")

    pages = len(PDF_PAGE.findall(page.pdf(format="A4")))

    assert 1 <= pages <= 2, f"/initiatives/{slug}/ prints on {pages} A4 pages"


@pytest.mark.parametrize("slug", INITIATIVES)
def test_print_leaves_out_navigation_map_and_suggestions(make_page, slug):
    page = open_initiative(make_page, slug)
    on_screen_only = {
        "the site header": page.locator(".site-header"),
        "the main navigation": page.get_by_role("navigation", name="Main"),
        "the breadcrumb": page.locator(".breadcrumb"),
        "the map": page.locator(".map"),
        "the similar initiatives": page.locator(".related"),
        "the site footer": page.locator(".site-footer"),
    }
    printed = {
        "the title": page.get_by_role("heading", level=1),
        "how to adapt it": page.get_by_role("heading", name="How others can adapt or copy this"),
        "the sources": page.get_by_role("heading", name="Where this was reported"),
    }
    # Each of them is on the screen, so that their absence from print means
    # something.
    for name, locator in (on_screen_only | printed).items():
        assert locator.is_visible(), f"{name} is not on the screen"

    page.emulate_media(media="print")

    for name, locator in on_screen_only.items():
        assert not locator.is_visible(), f"{name} is printed"
    for name, locator in printed.items():
        assert locator.is_visible(), f"{name} is not printed"
