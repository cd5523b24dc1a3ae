"""What every page's AppTest does first: open the dashboard on a store and go to the page."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from data.store import Store
from metrics.sources import SPECIALIST_TRUST
from tests.actors import named
from tests.paths import APP_PATH

# A whole page run on the demo store takes a few seconds; on a loaded CI machine allow far more.
TIMEOUT_S = 60


def open_page(db: Path, monkeypatch, page: str | None = None) -> AppTest:
    """The dashboard on `db` opened at `page` (e.g. "app_pages/discharges.py"), as a link to the page's own
    address opens it; without `page`, at "/" (which opens the Overview).

    The first run goes straight to the page: before a first run AppTest finds a page by its file's
    name, which is the page's url_path in app.py. (Running "/" first would draw the whole Overview, the
    slowest page, before every test of another page.) A page registered at another address is reached
    the old way, through a first run at "/"."""
    monkeypatch.setenv("RECOVERY_DB", str(db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S)
    if page is None:
        return at.run()
    at.switch_page(page).run()
    if not _is_on(at, page):
        at.switch_page(page).run()
    assert _is_on(at, page), f"the dashboard did not open {page}"
    return at


def _is_on(at: AppTest, page: str) -> bool:
    """Whether the last run drew the page script `page` (a path relative to app.py)."""
    script = at._registered_pages.get(at._finished_page_script_hash, {}).get("script_path")
    return script is not None and Path(str(script)).resolve() == (Path(APP_PATH).parent / page).resolve()


def open_declared_page(db: Path, monkeypatch, url: str) -> AppTest:
    """The dashboard on `db`, run once, then switched to the page config.yaml declares at `url`.

    Every declared page is the one script app_pages/declared.py registered at its own url, and
    AppTest.switch_page finds a page by its file; so this picks the registered page by its url (the
    hash Streamlit gives an st.Page is that of its url_path)."""
    monkeypatch.setenv("RECOVERY_DB", str(db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S)
    # The first run goes straight to the url (a st.Page's hash is that of its url_path), as a link does.
    at._page_hash = calc_hash(url)
    at.run()
    pages = {info.get("url_pathname"): page_hash for page_hash, info in at._registered_pages.items()}
    assert url in pages, f"no page at /{url}; registered: {sorted(p for p in pages if p)}"
    assert at._finished_page_script_hash == pages[url], f"the dashboard did not open /{url}"
    return at


def plain(text: str) -> str:
    """What a reader sees of markdown that `escape_markdown` wrote: character references decoded and
    the invisible word joiners (which stop addresses becoming links) removed."""
    return html.unescape(text).replace("\u2060", "")


def build_calls_only_store(db: Path) -> Path:
    """A store with an upload record but no figures except one month of SPA welfare calls."""
    with Store(db) as store:
        store.commit_rows(
            pd.DataFrame([(dt.date(2020, 7, 1), "spa_welfare_calls", "All", "All", "All", 5.0)],
                         columns=["month", "measure", "service", "site", "segment", "value"]),
            file_name="calls.csv", sha256="x", actor=named("analyst"),
        )
    return db


# --- a store full of the red team's payloads (issues 13 and 17) ------------------------------------------

FILE_NAME = "![x](http://h/x.png).csv"
NAME = "[x](javascript:alert(1))"
NOTE = "<img src=x onerror=alert(1)>\n\n# heading"
COMMENTARY = "All fine.\n\n# ALL TARGETS MET - NO ACTION NEEDED\n\n![x](http://h/beacon.png) [x](http://h)"
HYPERLINK = '=HYPERLINK("http://evil.example","Open")'


def build_hostile_store(path: Path) -> Path:
    """The demonstration data loaded 30 days ago; 3 days ago a file with a hostile name, loaded by a
    hostile name with a hostile note, restating CT tests at the PRUH for October 2020; commentary and a
    Phase 3 review written with the payloads."""
    from data.demo import DEMO_FILE_NAME, build_demo_frame
    from data.demo_plan import build_demo_plan
    from data.store import utc_now
    from metrics import assessment, views
    from metrics.config import load_config

    cfg = load_config()
    now = utc_now()
    frame = build_demo_frame(cfg)
    with Store(path) as store:
        build_demo_plan(store)
        store.commit_rows(frame, file_name=DEMO_FILE_NAME, sha256="demo", actor=named("Demo builder"), kind="demo",
                          now=now - dt.timedelta(days=30))
        rows = frame[(frame["measure"] == "ct_tests") & (frame["month"] == dt.date(2020, 10, 1))
                     & (frame["site"] == "PRUH") & (frame["segment"] == "All")].copy()
        rows["value"] = 1600.0
        store.commit_rows(rows, file_name=FILE_NAME, sha256="hostile", actor=named(NAME), note=NOTE,
                          now=now - dt.timedelta(days=3))
        for metric in ("ct_activity", "mri_activity"):
            store.add_commentary(metric, dt.date(2021, 3, 1), COMMENTARY, actor=named(NAME))
        requirements = store.requirements()
        latest = int(store.assessment_reviews()["review_id"].max())
        template = assessment.review_template(requirements, store.assessment_rows([latest]))
        template.loc[0, "assessment"] = COMMENTARY
        template.loc[1, "lead_role"] = HYPERLINK
        views.save_review(store, requirements, template, review_date=dt.date(2020, 9, 10), actor=named(NAME),
                          note=NOTE, based_on=latest, organisation=SPECIALIST_TRUST)
    return path
