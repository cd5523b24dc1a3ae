"""AppTest of the Outpatients & virtual care page on a private copy of the demonstration store."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.kit import open_declared_page

METRICS = ["op_first_activity", "op_followup_activity", "virtual_share", "virtual_share_followup"]


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_declared_page(demo_db, monkeypatch, "outpatients")


def figure(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    assert charts, f"no chart with key {key}"
    return json.loads(charts[0].proto.spec)


def numbers(array) -> list[float]:
    """A figure's array as numbers (Plotly writes numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return [float("nan") if v is None else float(v) for v in array]


def tile_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="metric-tile"' in m.value]


def ranking_table(at: AppTest):
    assert len(at.dataframe) == 1  # the ranking is the page's only table
    return at.dataframe[0].value


def test_the_page_renders_attendances_virtual_shares_and_the_service_breakdown(app):
    assert not app.exception
    assert app.title[0].value == "Outpatients & virtual care"
    assert len(tile_texts(app)) == len(METRICS)
    for metric_id in METRICS:
        assert figure(app, f"outpatients_{metric_id}_chart")["data"], metric_id
    assert figure(app, "outpatients_heatmap")["layout"]["title"]["text"] == "First outpatient attendances by service"
    assert len(ranking_table(app)) == 12
    keys = {b.key for b in app.get("download_button")}
    assert keys == {f"outpatients_{m}_csv" for m in METRICS} | {"outpatients_heatmap_csv", "outpatients_ranking_csv"}


def test_the_virtual_shares_are_drawn_against_25_and_60_percent(app):
    for metric_id, target in (("virtual_share", 0.25), ("virtual_share_followup", 0.60)):
        spec = figure(app, f"outpatients_{metric_id}_chart")
        line = next(t for t in spec["data"] if t["name"] == "Target")
        assert {round(v, 6) for v in numbers(line["y"]) if not math.isnan(v)} == {target}


def test_the_ranking_gives_status_in_words_and_icons(app):
    statuses = ranking_table(app)["Status"].tolist()
    assert all(re.match(r"^[✔▲✖–?] (Green|Amber|Red|No target|No data)", s) for s in statuses), statuses


def test_choosing_a_site_changes_the_figures(app):
    before_tiles, before_values = tile_texts(app), ranking_table(app)["Value"].tolist()
    app.selectbox(key="outpatients_site").set_value("ORPINGTON").run()
    assert not app.exception
    assert app.subheader[0].value == "Orpington Hospital, March 2021"
    assert tile_texts(app) != before_tiles
    assert ranking_table(app)["Value"].tolist() != before_values


def test_choosing_what_to_show_by_service_changes_the_heatmap_and_ranking(app):
    before = ranking_table(app)
    app.selectbox(key="outpatients_by_service").set_value("virtual_share_followup").run()
    assert not app.exception
    title = figure(app, "outpatients_heatmap")["layout"]["title"]["text"]
    assert title == "Follow-ups by telephone or video by service"
    after = ranking_table(app)
    assert set(after["Target"]) == {"60.0%"}
    assert after["Value"].tolist() != before["Value"].tolist()


def test_choosing_months_changes_the_heatmap_and_tiles(app):
    before_tiles = tile_texts(app)
    app.select_slider(key="outpatients_months").set_range(dt.date(2020, 9, 1), dt.date(2021, 1, 1)).run()
    assert not app.exception
    assert app.subheader[0].value == "All sites, January 2021"
    assert tile_texts(app) != before_tiles
    ticks = figure(app, "outpatients_heatmap")["layout"]["xaxis"]["ticktext"]
    assert [t.split("<br>")[0] for t in ticks] == ["Sep 2020", "Oct 2020", "Nov 2020", "Dec 2020", "Jan 2021"]
    assert any("Jan 2021 target" in m.value for m in app.markdown)
