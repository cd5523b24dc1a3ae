"""End-to-end fixtures: a real dashboard server on a free port and Debian Chromium via Playwright.

One Chromium per test process (a session fixture); each test gets a browser context of its own, which
shares no cookies, storage, cache or downloads with any other test — what a fresh browser gave it, without
starting Chromium and Playwright's driver again for every test.

These tests never skip: without Chromium they fail with a sentence saying how to install it, so a
CI machine that lost its browser goes red instead of quietly green."""

from __future__ import annotations

import pytest

from tests.e2e.harness import launch_browser, running_app


@pytest.fixture
def server(demo_db):
    with running_app(demo_db) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Debian Chromium, started once per test process (each test opens its own context in it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A page in a new browser context (a private session: nothing carried over from another test)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()
