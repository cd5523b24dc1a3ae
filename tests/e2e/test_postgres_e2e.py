"""Two dashboard processes on one PostgreSQL store (issue 15): an upload through one is on the other's
next run, and the command line loads and exports while both serve (DuckDB would refuse it the file)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data.store import Store
from metrics.compute import format_value
from tests.e2e.harness import PROJECT_ROOT, running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


@pytest.fixture
def pg_demo_url(pg_cluster, pg_demo_template):
    url = pg_cluster.new_database(template=pg_demo_template)
    yield url
    pg_cluster.drop_database(url)


def doubled(url: str, measure: str, target: Path, period: str) -> int:
    """A file giving `measure` in `period` as twice March 2020's value for every stored cell."""
    with Store(url, read_only=True) as store:
        facts = store.facts()
    march = facts[(facts["measure"] == measure) & (facts["month"] == pd.Timestamp("2020-03-01"))]
    rows = march.assign(period=period, value=march["value"] * 2)
    rows[["period", "measure", "service", "site", "segment", "value"]].to_csv(target, index=False)
    return len(rows)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)


def test_two_app_processes_share_one_postgresql_store_while_the_cli_loads_and_exports(
    pg_demo_url: str, tmp_path: Path, browser_page, cfg
) -> None:
    upload = tmp_path / "march-ct.csv"
    count = doubled(pg_demo_url, "ct_tests", upload, "Mar 2021")
    expected = format_value(2.0, cfg.metric("ct_activity"))
    page = browser_page

    with running_app(pg_demo_url) as first, running_app(pg_demo_url) as second:
        assert first != second
        page.goto(f"{second}/overview")
        wait_until_rendered(page)
        assert expected not in page.locator(".metric-tile", has_text="CT activity").inner_text()

        # The upload goes in through the first process…
        page.goto(f"{first}/upload")
        wait_until_rendered(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        page.get_by_text("4. What will change").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Load anyway: I have checked the warnings above").click()
        page.wait_for_function(
            f"() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('Load {count} value(s)')"
            " && !b.disabled)",
            timeout=TIMEOUT_MS,
        )
        page.get_by_role("button", name=f"Load {count} value(s)").click()
        page.get_by_text(re.compile(r"Loaded march-ct\.csv as upload 2")).wait_for(timeout=TIMEOUT_MS)

        # …and is on the second's next run.
        page.goto(f"{second}/overview")
        wait_until_rendered(page)
        assert expected in page.locator(".metric-tile", has_text="CT activity").inner_text()

        # The command line loads and exports while both serve.
        mri = tmp_path / "march-mri.csv"
        doubled(pg_demo_url, "mri_tests", mri, "Mar 2021")
        loaded = cli("load", str(mri), "--yes", "--note", "scheduled load", "--db", pg_demo_url)
        assert loaded.returncode == 0, loaded.stderr
        assert "as upload 3" in loaded.stdout
        exported = cli("export", str(tmp_path / "export"), "--db", pg_demo_url)
        assert exported.returncode == 0, exported.stderr
        uploads = pd.read_csv(tmp_path / "export" / "uploads.csv")
        assert sorted(uploads["file_name"])[-2:] == ["march-ct.csv", "march-mri.csv"]

        # The CLI's load is on the first process's next run too.
        page.goto(f"{first}/overview")
        wait_until_rendered(page)
        mri_expected = format_value(2.0, cfg.metric("mri_activity"))
        assert mri_expected in page.locator(".metric-tile", has_text="MRI activity").inner_text()
