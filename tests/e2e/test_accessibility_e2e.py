"""Accessibility and narrow screens in real Chromium (issue 10).

- axe-core (pinned, from the npm registry: tests/e2e/axe.py) on every page at 1400×1000 and 390×844:
  no serious or critical WCAG 2.1 A/AA finding in the project's own markup.
- 820×1100 (tablet) and 390×844 (phone) on the Overview, My service and Upload: no sideways scroll, no
  RAG badge cut off, tiles 2 to a row on the tablet and 1 on the phone, navigation closed on the phone,
  chart titles clear of their legends.
- `/overview` opens the Overview without a "Page not found" pop-up; charts add no toolbar tab stops.

One server for the module and one browser for the test process; each check waits on the page's rendered state.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from metrics.config import load_config
from tests.e2e.axe import axe_source, serious_violations
from tests.e2e.harness import PROJECT_ROOT, running_app, wait_until_rendered

pytestmark = pytest.mark.e2e

DESKTOP, TABLET, PHONE = (1400, 1000), (820, 1100), (390, 844)
RESPONSIVE_PAGES = ["overview", "my_service", "upload"]


def all_pages() -> list[str]:
    """Every page's address: those app.py declares and those config.yaml declares under `pages:` (issue
    14), so a new page is checked without editing this."""
    written = re.findall(r'url_path="([a-z_]+)"', (PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    declared = [page.url for page in load_config(PROJECT_ROOT / "config.yaml").pages]
    return [*written, *declared]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, demo_store_file: Path):
    db = tmp_path_factory.mktemp("a11y") / "store.duckdb"
    shutil.copyfile(demo_store_file, db)
    with running_app(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium):
    """The test process's Chromium (tests/e2e/conftest.py); each check opens its own page and context."""
    return chromium


def open_page(browser, size: tuple[int, int]):
    return browser.new_page(viewport={"width": size[0], "height": size[1]})


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1400x1000", "390x844"])
def test_axe_core_finds_no_serious_or_critical_violation_on_any_page(app_url, browser, size) -> None:
    source = axe_source()
    pages = [p for p in all_pages() if p != "home"]
    assert len(pages) >= 15 and "urgent_care" in pages
    page = open_page(browser, size)
    found = []
    for path in pages:
        page.goto(f"{app_url}/{path}")
        wait_until_rendered(page)
        found += [f"/{path}: {line}" for line in serious_violations(page, source)]
    page.close()
    assert not found, "\n".join(found)


def test_axe_core_finds_no_serious_violation_in_the_overviews_sections_opened_on_request(app_url, browser) -> None:
    """The review comparison and the charts past the first few are drawn when their expander is opened
    (issue 16): each opens from the keyboard and its content passes axe-core too."""
    page = open_page(browser, DESKTOP)
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    for label, drawn in ((re.compile(r"Show what changed since the last review"), '[data-testid="stTable"]'),
                         (re.compile(r"Show the other \d+ charts"), '[data-testid="stPlotlyChart"] >> nth=9')):
        summary = page.locator("summary").filter(has_text=label)
        summary.focus()
        page.keyboard.press("Enter")
        page.locator(drawn).first.wait_for()
        wait_until_rendered(page)
    found = serious_violations(page, axe_source())
    page.close()
    assert not found, "\n".join(found)


LAYOUT = """() => {
  const tops = [...document.querySelectorAll('.metric-tile')].map(t => Math.round(t.getBoundingClientRect().top));
  const clipped = [...document.querySelectorAll('.rag-badge')].filter(b => {
    const r = b.getBoundingClientRect();
    if (b.scrollWidth > b.clientWidth + 1 || r.right > window.innerWidth + 1) return true;
    for (let e = b.parentElement; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.overflowX !== 'visible' && e.getBoundingClientRect().right < r.right - 1) return true;
    }
    return false;
  }).map(b => b.textContent);
  const overlaps = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(c => {
    const title = c.querySelector('.gtitle'), legend = c.querySelector('.legend');
    if (!title || !legend) return false;
    const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
    return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);
  }).length;
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  return {scrollWidth: document.scrollingElement.scrollWidth, width: window.innerWidth,
          firstRow: tops.filter(t => t === tops[0]).length, tiles: tops.length, clipped, overlaps,
          sidebarRight: sidebar ? sidebar.getBoundingClientRect().right : 0};
}"""


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["820x1100", "390x844"])
def test_narrow_screens_neither_scroll_sideways_nor_cut_status_words(app_url, browser, size) -> None:
    page = open_page(browser, size)
    for path in RESPONSIVE_PAGES:
        page.goto(f"{app_url}/{path}")
        wait_until_rendered(page)
        layout = page.evaluate(LAYOUT)
        assert layout["scrollWidth"] <= layout["width"], (path, layout)
        assert layout["clipped"] == [], (path, layout)
        assert layout["overlaps"] == 0, (path, layout)
        if path == "overview":
            assert layout["tiles"] >= 4
            assert layout["firstRow"] == (2 if size == TABLET else 1), layout
        if size == PHONE:
            assert layout["sidebarRight"] <= 0, (path, "the navigation should start closed on a phone")
    page.close()


def test_overview_address_opens_the_overview_without_a_page_not_found_pop_up(app_url, browser) -> None:
    page = open_page(browser, DESKTOP)
    for path in ("overview", ""):
        page.goto(f"{app_url}/{path}")
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text() == "Overview"
        assert page.url.endswith("/overview")
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator('[role="dialog"]').count() == 0
    page.close()


def test_charts_add_no_toolbar_tab_stops_and_keep_a_csv_download(app_url, browser) -> None:
    page = open_page(browser, DESKTOP)
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    page.get_by_text(re.compile(r"Show the other \d+ charts")).click()  # the first charts are drawn at once
    page.locator('[data-testid="stPlotlyChart"]').nth(9).wait_for()
    wait_until_rendered(page)
    charts = page.locator('[data-testid="stPlotlyChart"]').count()
    assert charts >= 10
    focusable_toolbar = page.evaluate(
        """() => [...document.querySelectorAll('.modebar-btn, .modebar a, .modebar button')]
                 .filter(e => e.getClientRects().length > 0).length"""
    )
    assert focusable_toolbar == 0
    assert page.get_by_role("button", name=re.compile(r"figures \(CSV\)")).count() == charts
    page.close()


def test_keyboard_focus_on_a_navigation_link_differs_from_the_current_page_mark(app_url, browser) -> None:
    page = open_page(browser, DESKTOP)
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    links = page.locator(".st-key-site_navigation a")
    current = links.filter(has_text="Overview").first
    other = links.filter(has_text="Sources").first
    current_background = current.evaluate("e => getComputedStyle(e).backgroundColor")
    other.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    focused = page.evaluate("() => document.activeElement.textContent")
    assert "Sources" in focused
    focus_background = other.evaluate("e => getComputedStyle(e).backgroundColor")
    assert focus_background == "rgb(255, 235, 59)"  # NHS focus yellow
    assert focus_background != current_background
    page.close()


def test_a_navigation_link_opens_its_page_in_the_same_session_by_keyboard_and_by_click(app_url, browser) -> None:
    """The sidebar's links (one element, issue 16) change page without reloading the browser's page, so the
    session — sign-in, session state — stays: a mark left in the page's window survives both moves."""
    page = open_page(browser, DESKTOP)
    page.goto(f"{app_url}/overview")
    wait_until_rendered(page)
    page.evaluate("() => { window.sameSessionMark = 'kept'; }")
    links = page.locator(".st-key-site_navigation a")
    assert links.filter(has_text="Overview").first.get_attribute("aria-current") == "page"
    links.filter(has_text="Sources").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/sources")
    page.get_by_role("heading", name="Sources", level=1).wait_for()
    wait_until_rendered(page)
    assert links.filter(has_text="Sources").first.get_attribute("aria-current") == "page"
    assert links.filter(has_text="Overview").first.get_attribute("aria-current") is None
    links.filter(has_text="Overview").first.click()
    page.wait_for_url("**/overview")
    page.get_by_role("heading", name="Overview", level=1).wait_for()
    wait_until_rendered(page)
    assert page.evaluate("() => window.sameSessionMark") == "kept"
    # Back returns to the previous page, as with Streamlit's own links.
    page.go_back()
    page.wait_for_url("**/sources")
    page.get_by_role("heading", name="Sources", level=1).wait_for()
    assert page.evaluate("() => window.sameSessionMark") == "kept"
    page.close()
