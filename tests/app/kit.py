"""What every page's AppTest does first: open the dashboard on a store and go to the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from data.store import Store
from tests.actors import named
from tests.paths import APP_PATH

# A whole page run on the demo store takes a few seconds; on a loaded CI machine allow far more.
TIMEOUT_S = 60


def open_page(db: Path, monkeypatch, page: str | None = None) -> AppTest:
    """The dashboard on `db`, run once, then switched to `page` (e.g. "pages/discharges.py")."""
    monkeypatch.setenv("RECOVERY_DB", str(db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S).run()
    return at.switch_page(page).run() if page else at


def build_calls_only_store(db: Path) -> Path:
    """A store with an upload record but no figures except one month of SPA welfare calls."""
    with Store(db) as store:
        store.commit_rows(
            pd.DataFrame([(dt.date(2020, 7, 1), "spa_welfare_calls", "All", "All", "All", 5.0)],
                         columns=["month", "measure", "service", "site", "segment", "value"]),
            file_name="calls.csv", sha256="x", actor=named("analyst"),
        )
    return db
