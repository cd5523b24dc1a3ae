"""Upload in real Chromium: an analyst uploads a CSV, checks the preview, loads it anyway past the
warnings, and the new figure appears on the Overview."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from data.store import Store
from metrics.compute import format_value
from tests.e2e.harness import running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


def doubled_march_ct(db: Path, target: Path) -> int:
    """A file giving CT tests in March 2021 as twice March 2020 for every stored cell, so CT activity
    (against the same month of 2019/20) becomes exactly 200%. Returns the number of rows."""
    with Store(db) as store:
        facts = store.facts()
    march = facts[(facts["measure"] == "ct_tests") & (facts["month"] == pd.Timestamp("2020-03-01"))]
    rows = march.assign(period="Mar 2021", value=march["value"] * 2)
    rows[["period", "measure", "service", "site", "segment", "value"]].to_csv(target, index=False)
    return len(rows)


def test_an_uploaded_file_shows_on_the_overview(demo_db: Path, tmp_path: Path, browser_page, cfg) -> None:
    upload = tmp_path / "march-ct.csv"
    count = doubled_march_ct(demo_db, upload)
    expected = format_value(2.0, cfg.metric("ct_activity"))
    assert expected == "200.0%"
    page = browser_page

    with running_app(demo_db) as url:
        page.goto(f"{url}/overview")
        wait_until_rendered(page)
        ct_tile = page.locator(".metric-tile", has_text="CT activity")
        assert expected not in ct_tile.inner_text()

        page.goto(f"{url}/upload")
        wait_until_rendered(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        page.get_by_text("4. What will change").wait_for(timeout=TIMEOUT_MS)
        assert page.get_by_text(re.compile(r"warning\(s\)")).first.is_visible()
        load = page.get_by_role("button", name=f"Load {count} value(s)")
        page.get_by_text("Load anyway: I have checked the warnings above").click()
        load.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(
            f"() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Load {count} value(s)')"
            " && !b.disabled)",
            timeout=TIMEOUT_MS,
        )
        load.click()
        page.get_by_text(re.compile(r"Loaded march-ct\.csv as upload 2")).wait_for(timeout=TIMEOUT_MS)
        assert page.locator('[data-testid="stException"]').count() == 0

        page.goto(f"{url}/overview")
        wait_until_rendered(page)
        assert expected in page.locator(".metric-tile", has_text="CT activity").inner_text()
