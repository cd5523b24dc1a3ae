"""The pages declared in config.yaml in real Chromium: one server and one browser session open each in
turn, by its address and from the navigation, and none shows an error.

A declared page opened as the very first request of a freshly started server renders cleanly too: with a
folder named pages/ beside app.py, Streamlit 1.67 ran its legacy pages/ navigation for that first request,
which knows files, not declared urls, and showed "Page not found" (hence app_pages/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.config import load_config
from tests.e2e.harness import running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_a_declared_page_as_the_first_request_to_a_fresh_server_shows_no_page_not_found(
    demo_db: Path, browser_page
) -> None:
    page = browser_page
    spec = load_config().pages[0]
    with running_app(demo_db) as url:  # a fresh server: nothing has run app.py yet
        page.goto(f"{url}/{spec.url}")
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text() == spec.title
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_role("dialog").count() == 0
        assert page.locator(ERRORS).count() == 0


def test_every_declared_page_opens_with_its_title_charts_and_no_error(demo_db: Path, browser_page) -> None:
    page = browser_page
    pages = load_config().pages
    with running_app(demo_db) as url:
        page.goto(f"{url}/overview")
        wait_until_rendered(page)
        for spec in pages:
            page.goto(f"{url}/{spec.url}")
            wait_until_rendered(page)
            assert page.locator("h1").first.inner_text() == spec.title, spec.url
            assert page.locator('[data-testid="stPlotlyChart"]').count() > 0, spec.url
            assert page.locator(ERRORS).count() == 0, spec.url
            assert page.get_by_text("Page not found").count() == 0, spec.url
        # The navigation offers every declared page by its title, and a link opens it.
        nav = page.locator(".st-key-site_navigation")  # the sidebar's own list of page links (issue 10)
        for spec in pages:
            assert nav.get_by_role("link", name=spec.title).count() == 1, spec.title
        nav.get_by_role("link", name=pages[-1].title).click()
        page.wait_for_url(f"**/{pages[-1].url}")
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text() == pages[-1].title
        assert page.locator(ERRORS).count() == 0
