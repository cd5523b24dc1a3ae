"""AppTest of the Discharges (SPA) page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.kit import open_page


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/discharges.py")


def tiles(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if 'class="metric-tile"' in m.value)


def test_the_page_reproduces_the_published_spa_figures_for_april_to_june_2020(app):
    assert not app.exception
    assert app.title[0].value == "Discharges (SPA)"
    assert app.selectbox(key="discharges_from").value == dt.date(2020, 4, 1)
    assert app.selectbox(key="discharges_to").value == dt.date(2020, 6, 1)
    text = tiles(app)
    for figure in ("1,839", "854", "75.5%", "4,459", "257"):
        assert f'<div class="value">{figure}</div>' in text
    assert "Green: target met" in text  # 75.5% against the local 75% ambition, in words
    assert any("Demonstration data" in w.value for w in app.warning)


def test_choosing_another_period_changes_the_totals(app):
    app.selectbox(key="discharges_from").set_value(dt.date(2020, 7, 1))
    app.selectbox(key="discharges_to").set_value(dt.date(2020, 9, 1)).run()
    assert not app.exception
    assert any(s.value == "Totals, Jul–Sep 2020" for s in app.subheader)
    assert '<div class="value">1,839</div>' not in tiles(app)
    table = app.dataframe[0].value
    assert table["Month"].tolist() == ["Jul 2020", "Aug 2020", "Sep 2020"]


def test_a_period_that_ends_before_it_starts_gets_a_sentence_not_a_crash(app):
    app.selectbox(key="discharges_from").set_value(dt.date(2020, 9, 1))
    app.selectbox(key="discharges_to").set_value(dt.date(2020, 4, 1)).run()
    assert not app.exception
    assert "choose a 'From' month no later than the 'To' month" in app.error[0].value


def test_every_chart_has_its_csv_download(app):
    charts = app.get("plotly_chart")
    downloads = [b for b in app.get("download_button") if "behind this chart" in str(b.proto.label)]
    assert len(charts) == 5
    assert len(downloads) == len(charts)


def test_a_store_without_these_figures_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch, "app_pages/discharges.py")
    assert not at.exception
    assert any("The store holds no SPA discharge figures yet" in i.value for i in at.info)
