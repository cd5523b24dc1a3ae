"""The Overview in real Chromium: the title shows, the tiles render, nothing errors."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import wait_until_rendered

pytestmark = pytest.mark.e2e


def test_the_overview_opens_in_a_real_browser_without_errors(server, browser_page):
    page = browser_page
    page.goto(f"{server}/overview")
    wait_until_rendered(page)
    assert page.locator("h1", has_text="Overview").is_visible()
    assert page.locator(".metric-tile").count() >= 10
    assert page.get_by_text("Demonstration data.").first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    # The first charts are drawn at once, the others one click away (issue 16).
    page.get_by_text(re.compile(r"Show the other \d+ charts")).click()
    page.locator('[data-testid="stPlotlyChart"]').nth(9).wait_for()
    wait_until_rendered(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 10


def test_the_root_address_opens_the_overview(server, browser_page):
    page = browser_page
    page.goto(server)
    wait_until_rendered(page)
    assert page.locator("h1", has_text="Overview").is_visible()
