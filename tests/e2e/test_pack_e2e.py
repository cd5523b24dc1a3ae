"""The board pack in real Chromium: one click on "Download board pack" saves the file; check it is the PDF the
board expects (cover with the summary, then one page per headline metric). Also the SPC switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.e2e.harness import wait_until_rendered

pytestmark = pytest.mark.e2e

PACK_TIMEOUT_MS = 60_000  # the pack builds when the button is pressed (about a second; the benchmark has it)


def test_the_board_pack_downloads_as_a_pdf_with_a_page_per_headline_metric(
    server, browser_page, cfg, tmp_path: Path
) -> None:
    page = browser_page
    page.goto(f"{server}/overview")
    wait_until_rendered(page)
    with page.expect_download(timeout=PACK_TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download board pack").click()  # one click: built, then saved
    download = info.value
    assert download.suggested_filename == "one-bromley-board-pack-2021-03.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"
    reader = PdfReader(target)
    assert len(reader.pages) == 1 + len(cfg.headline_metrics)  # cover with summary, then one per metric
    assert "Demonstration data" in reader.pages[0].extract_text()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_trajectory_chart_switches_to_its_spc_view(server, browser_page) -> None:
    page = browser_page
    page.goto(f"{server}/overview")
    wait_until_rendered(page)
    # The elective chart and its switch, by widget key (Streamlit marks keyed elements st-key-<key>).
    first_chart = page.locator(".st-key-overview_chart_elective_activity")
    assert first_chart.get_by_text("Process limits").count() == 0
    page.locator(".st-key-overview_view_elective_activity").get_by_text("SPC", exact=True).click()
    first_chart.get_by_text("Process limits").wait_for(timeout=30_000)
    assert first_chart.get_by_text("Mean").count() >= 1
