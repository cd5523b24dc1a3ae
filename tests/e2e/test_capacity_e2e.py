"""Demand & capacity in real Chromium on the demonstration store: the page renders its projection, the
backtest chart is drawn and its error is stated, and a second scenario can be chosen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


def test_the_page_renders_with_the_demo_data_and_the_backtest_chart_is_visible(demo_db: Path, browser_page) -> None:
    page = browser_page
    with running_app(demo_db) as url:
        page.goto(f"{url}/capacity")
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text() == "Demand & capacity"
        assert page.get_by_text("Projection starts from Mar 2021", exact=False).first.is_visible()
        assert page.locator(".rag-badge", has_text="Red at Mar 2022").first.is_visible()

        backtest = page.locator(".st-key-capacity_backtest_chart")
        backtest.scroll_into_view_if_needed()
        backtest.locator(".main-svg").first.wait_for(timeout=TIMEOUT_MS)
        assert backtest.is_visible()
        assert backtest.get_by_text("Projected from Jun 2020 against what happened").is_visible()
        sentence = page.get_by_text("was over-projected by", exact=False).first
        assert sentence.is_visible() and "Mean absolute error" in sentence.inner_text()

        # The comparison draws both scenarios.
        compare = page.locator(".st-key-capacity_compare_chart")
        compare.scroll_into_view_if_needed()
        assert compare.get_by_text("Recovery push (example), version 1").first.is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
