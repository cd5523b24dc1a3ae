"""A national file in real Chromium: the analyst drops NHS England's RTT full CSV extract on the Upload
page as published; the preview names the format and the rows kept for the provider; after loading, the
waiting list by service appears on the Demand & capacity page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data import ingest
from data.store import Store
from tests.actors import named
from tests.e2e.harness import running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000
BASELINE_MONTHS = [f"{m}-2019" for m in ("April", "May", "June", "July", "August", "September", "October",
                                         "November", "December")] + ["January-2020", "February-2020", "March-2020"]
RTT = Path(__file__).resolve().parents[1] / "fixtures" / "national" / "rtt_full_extract_2020_12.csv"


def test_an_rtt_extract_uploaded_as_published_shows_on_demand_and_capacity(tmp_path: Path, browser_page, cfg) -> None:
    db = tmp_path / "national.duckdb"
    # The store holds the baseline year 2019/20 (the page's scenarios multiply it) as the same extract for
    # each month, loaded through the same path; an empty store would get the demonstration data.
    with Store(db) as store:
        for month in BASELINE_MONTHS:
            published = RTT.read_bytes().replace(b"RTT-December-2020", f"RTT-{month}".encode())
            check = ingest.check_upload(published, f"rtt_{month}.csv", cfg, store)
            ingest.commit_upload(store, check, actor=named("e2e"), load_anyway=True)
    page = browser_page

    with running_app(db) as url:
        page.goto(f"{url}/capacity")
        wait_until_rendered(page)
        before = page.locator('[data-testid="stMain"]').inner_text()
        assert "Projection starts from Mar 2020" in before, before

        page.goto(f"{url}/upload")
        wait_until_rendered(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(RTT))
        page.get_by_text("4. What will change").wait_for(timeout=TIMEOUT_MS)
        recognised = page.locator(".st-key-upload_format").inner_text()
        assert "Recognised as the NHS England RTT full CSV extract, December 2020" in recognised
        assert "kept 11 of 13 rows: provider RJZ (2 row(s) for other organisations left out)" in recognised
        assert "C_140 Oral Surgery" in recognised  # a treatment function with no service is named, not loaded
        load = page.get_by_role("button", name="Load 12 value(s)")
        page.wait_for_function(
            "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Load 12 value(s)')"
            " && !b.disabled)",
            timeout=TIMEOUT_MS,
        )
        load.click()
        page.get_by_text(re.compile(r"Loaded rtt_full_extract_2020_12\.csv as upload 13")).wait_for(timeout=TIMEOUT_MS)
        assert page.locator('[data-testid="stException"]').count() == 0

        page.goto(f"{url}/capacity")
        wait_until_rendered(page)
        main = page.locator('[data-testid="stMain"]')
        text = main.inner_text()
        assert "Projection starts from Dec 2020" in text, text
        # The list now: T&O 26 (two commissioners summed to the provider) + ophthalmology 1,200; C_999's
        # 1,227 and the other provider's 50 never added.
        assert re.search(r"Waiting list now\s+1,226\b", text), text
        page.screenshot(path=str(tmp_path / "capacity.png"), full_page=True)
    with Store(db, read_only=True) as store:
        formats = store.uploads()["source_format"].tolist()
        assert formats[0] == "NHS England RTT full CSV extract, December 2020"
        assert formats[-1] == "NHS England RTT full CSV extract, April 2019"
