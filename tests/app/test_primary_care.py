"""AppTest of the Primary care digital page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.kit import open_page


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/primary_care.py")


def tiles(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if 'class="metric-tile"' in m.value)


def test_the_page_opens_on_the_latest_month_for_all_pcns(app):
    assert not app.exception
    assert app.title[0].value == "Primary care digital"
    assert app.selectbox(key="primary_care_month").value == dt.date(2021, 3, 1)
    assert app.selectbox(key="primary_care_pcn").value == "All"
    assert any(s.value == "March 2021, all PCNs" for s in app.subheader)


def test_july_2020_shows_the_published_rise_from_february(app):
    app.selectbox(key="primary_care_month").set_value(dt.date(2020, 7, 1)).run()
    assert not app.exception
    text = tiles(app)
    assert '<div class="value">15,091</div>' in text
    assert "434% of Feb 2020 (3,481)" in text


def test_choosing_a_pcn_narrows_the_figures_to_it(app):
    before = tiles(app)
    app.selectbox(key="primary_care_pcn").set_value("PCN_PENGE").run()
    assert not app.exception
    assert any(s.value == "March 2021, Penge PCN" for s in app.subheader)
    assert tiles(app) != before


def test_every_chart_has_its_csv_download(app):
    charts = app.get("plotly_chart")
    downloads = [b for b in app.get("download_button") if "behind this chart" in str(b.proto.label)]
    assert len(charts) == 3 and len(downloads) == len(charts)


def test_the_february_2020_reference_is_shown_beside_the_month(app):
    text = tiles(app)
    assert "eConsult submissions, Feb 2020" in text and '<div class="value">3,481</div>' in text


def test_a_store_without_these_figures_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch, "app_pages/primary_care.py")
    assert not at.exception
    assert any("The store holds no eConsult or video consultation figures yet" in i.value for i in at.info)
