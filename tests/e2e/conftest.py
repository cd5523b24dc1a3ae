"""End-to-end fixtures: a real dashboard server on a free port and Debian Chromium via Playwright.

These tests never skip: without Chromium they fail with a sentence saying how to install it, so a
CI machine that lost its browser goes red instead of quietly green."""

from __future__ import annotations

import pytest

from tests.e2e.harness import launch_browser, running_app


@pytest.fixture
def server(demo_db):
    with running_app(demo_db) as url:
        yield url


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()
