"""AppTest of the Data coverage & history page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from metrics import coverage
from tests.actors import named
from tests.app import kit


def open_page(db, monkeypatch) -> AppTest:
    return kit.open_page(db, monkeypatch, "app_pages/coverage.py")


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch)


@pytest.fixture
def late_and_restated_db(demo_db):
    """The demo store plus an April 2021 upload with CT from the PRUH only (Orpington and Beckenham
    Beacon have not arrived; nothing else has either), and a restated July 2020 welfare-call count."""
    rows = pd.DataFrame(
        [(dt.date(2021, 4, 1), "ct_tests", "All", "PRUH", "All", 1500.0),
         (dt.date(2020, 7, 1), "spa_welfare_calls", "All", "All", "All", 99.0)],
        columns=["month", "measure", "service", "site", "segment", "value"],
    )
    with Store(demo_db) as store:
        store.commit_rows(rows, file_name="april.csv", sha256="april", actor=named("Performance analyst"))
    return demo_db


def grid(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "coverage-grid" in m.value)


def test_the_demo_store_is_complete_and_the_dictionary_covers_config(app, cfg):
    assert not app.exception
    assert app.title[0].value == "Data coverage & history"
    assert any("Every measure is complete" in m.value for m in app.markdown)
    assert "◐" not in grid(app).split("</style>")[1] and "<td class='missing'>" not in grid(app)
    dictionary = next(d.value for d in app.dataframe if "description" in d.value.columns)
    assert len(dictionary) == len(cfg.measures) + len(cfg.metrics)
    assert any("No values have been restated" in i.value for i in app.info)


def test_the_financial_year_filter_changes_the_months_shown(app):
    assert app.selectbox(key="coverage_year").value == "2020/21"
    assert ">Apr 2020<" in grid(app) and ">Apr 2019<" not in grid(app)
    app.selectbox(key="coverage_year").set_value("All").run()
    assert not app.exception
    assert ">Apr 2019<" in grid(app) and ">Mar 2021<" in grid(app)


def test_a_late_site_and_a_missing_month_show_as_partial_and_missing(late_and_restated_db, monkeypatch):
    at = open_page(late_and_restated_db, monkeypatch)
    assert not at.exception
    assert at.selectbox(key="coverage_year").value == "2021/22"
    markup = grid(at)
    assert "<td class='partial'>◐ 1/3</td>" in markup  # CT from the PRUH only
    # Every other measure is missing in April 2021, except the seasonal ones (flu: September to March),
    # which are "not yet collected" in April as they were in April 2019.
    rows = markup.count("<th scope='row'>")
    missing = markup.count("<td class='missing'>✖</td>")
    assert missing == rows - 1 - markup.count(f"<td class='{coverage.NOT_COLLECTED}'>")
    assert missing > 20 and markup.count(f"<td class='{coverage.NOT_COLLECTED}'>") > 0
    assert any(f"{missing + 1} measure(s) have gaps" in m.value for m in at.markdown)


def test_only_measures_with_gaps_hides_complete_ones(app):
    app.selectbox(key="coverage_year").set_value("All").run()
    app.checkbox(key="coverage_gaps_only").check().run()
    assert not app.exception
    assert not [m for m in app.markdown if "Coverage by measure and month" in m.value]
    assert "Every measure has every expected figure" in app.success[0].value


def test_restatements_and_the_latest_upload_are_listed(late_and_restated_db, monkeypatch):
    at = open_page(late_and_restated_db, monkeypatch)
    restated = next(d.value for d in at.dataframe if "Old value" in d.value.columns)
    assert restated[["Month", "Measure", "New value", "Loaded by"]].values.tolist() == [
        ["Jul 2020", "Welfare calls", "99", "Performance analyst"],
    ]
    latest = next(d.value for d in at.dataframe if "Loaded by" in d.value.columns and "Upload" in d.value.columns)
    uploads = dict(zip(latest["Measure"], latest["File"], strict=True))
    assert uploads["CT tests"] == "april.csv" and uploads["Welfare calls"] == "april.csv"
    assert uploads["MRI tests"] == "demonstration-data (generated)"
