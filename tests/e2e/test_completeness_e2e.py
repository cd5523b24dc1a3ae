"""Partial months in real Chromium: an analyst loads three April 2021 rows (first outpatient attendances,
three services at the PRUH) through the Upload page. The preview names the partial month before the
load; the Overview still opens on March 2021; choosing April 2021 shows the partial figure with what has
arrived, no RAG status and no SPC icon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.harness import running_app, wait_until_rendered
from tests.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000
PARTIAL_FILE = PROJECT_ROOT / "tests" / "fixtures" / "completeness" / "april_2021_first_outpatients_partial.csv"
WHAT_ARRIVED = "1 of 3 sites (Princess Royal University Hospital) and 3 of 12 services"


def test_a_partial_upload_is_named_in_the_preview_and_never_becomes_the_headline(
    demo_db: Path, browser_page
) -> None:
    page = browser_page
    with running_app(demo_db) as url:
        page.goto(f"{url}/upload")
        wait_until_rendered(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(PARTIAL_FILE))
        page.get_by_text("4. What will change").wait_for(timeout=TIMEOUT_MS)
        # Before confirming, the preview says what the file does to completeness.
        preview = page.get_by_text(f"Apr 2021 will be partial for First outpatient attendances: {WHAT_ARRIVED}")
        assert preview.is_visible()

        # The three figures are far below March's, so the page asks for "load anyway".
        page.get_by_text("Load anyway: I have checked the warnings above").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Load 3 value(s)')"
            " && !b.disabled)",
            timeout=TIMEOUT_MS,
        )
        page.get_by_role("button", name="Load 3 value(s)").click()
        page.get_by_text(re.compile(r"Loaded april_2021_first_outpatients_partial\.csv as upload 2")).wait_for(
            timeout=TIMEOUT_MS
        )

        # The Overview still opens on the latest complete month (reached through the navigation, as a
        # reader would).
        page.get_by_role("link", name="Overview").click()
        wait_until_rendered(page)
        page.get_by_text("Headline metrics, March 2021").wait_for(timeout=TIMEOUT_MS)

        # Choosing April 2021 (marked partial in the picker) shows what arrived, no RAG and no SPC icon.
        page.locator(".st-key-overview_month input").click()
        page.get_by_role("option", name="Apr 2021 (partial)").click()
        page.get_by_text("Headline metrics, April 2021").wait_for(timeout=TIMEOUT_MS)
        wait_until_rendered(page)
        tile = page.locator(".metric-tile", has_text="First outpatient attendances").first
        text = tile.inner_text()
        assert f"Partial: {WHAT_ARRIVED}" in text
        assert not re.search(r"\b(Green|Amber|Red)\b", text)
        assert tile.locator(".spc-icon").count() == 0
        assert "No SPC icons: Apr 2021 is partial" in text
        # A tile with nothing carries no icon either.
        empty = page.locator(".metric-tile", has_text="CT activity").first
        assert "No data" in empty.inner_text() and empty.locator(".spc-icon").count() == 0
        assert page.get_by_text("April 2021 is a partial month").is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
