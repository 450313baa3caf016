"""Every public page type passes axe-core's WCAG 2.1 A and AA rules, on a
phone and on a desktop, and fits a screen 320 px wide."""

from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, SCREENSHOTS, open_context, watch

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

PAGES = {
    "home": "/",
    "list": "/initiatives/",
    "search": "/initiatives/?q=community&theme=local-democracy-and-devolution",
    "list-with-errors": "/initiatives/?place=nowhere&radius_km=abc",
    "near": "/initiatives/?near=bristol&radius_km=50",
    "detail": "/initiatives/lawrence-weston-community-solar-farm/",
    "map": "/map/",
    "places": "/places/",
    "place": "/places/south-west/",
    "themes": "/themes/",
    "theme": "/themes/community-energy/",
    "organisations": "/organisations/",
    "organisation": "/organisations/local-trust/",
    "accessibility": "/accessibility/",
    "open-data": "/open-data/",
    "embed": "/embed/map/?place=south-west",
    "not-found": "/initiatives/no-such-initiative/",
    "sign-in": "/account/login/",
    "sign-up": "/account/signup/",
    "password-reset": "/account/password/reset/",
}


def axe_source():
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make node_modules` (npm ci)")
    return AXE.read_text(encoding="utf-8")


def audit(page):
    """axe's WCAG 2.1 A and AA violations, one line per rule and element."""
    page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {node['target']} {node['html'][:120]}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def settle(page, path):
    page.goto(path)
    if path.startswith(("/map/", "/embed/", "/initiatives/lawrence")):
        page.locator(".leaflet-marker-icon").first.wait_for()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(browser, site, name, width):
    """axe finds nothing, and the page fits the screen; its screenshot goes to
    screenshots/ (git-ignored) for a person to look at."""
    context = open_context(browser, site, viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = watch(page, site)
    settle(page, PAGES[name])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(SCREENSHOTS, f"{name}-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    violations = audit(page)
    if width == 375 and page.locator(".filters__toggle").first.is_visible():
        # The folded filters, opened, too.
        page.locator(".filters__toggle").first.click()
        violations += audit(page)
    context.close()
    assert not violations, f"{name} at {width} px:\n" + "\n".join(violations)
    assert overflow <= 0, f"{name} is {overflow} px too wide for a {width} px screen"
    problems.check()


def test_every_page_fits_a_320_pixel_screen(browser, site):
    context = open_context(browser, site, viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = {}
    for name, path in PAGES.items():
        settle(page, path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            too_wide[name] = overflow
    context.close()
    assert not too_wide, f"Wider than 320 px (by so many px): {too_wide}"
