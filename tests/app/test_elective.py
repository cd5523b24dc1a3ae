"""AppTest of the Elective & diagnostics page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.kit import open_declared_page

ACTIVITY = ["elective_activity", "mri_activity", "ct_activity", "endoscopy_activity"]
WAITS = ["rtt_52_week_waiters", "cancer_62_day_backlog"]


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_declared_page(demo_db, monkeypatch, "elective")


def figure(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    assert charts, f"no chart with key {key}"
    return json.loads(charts[0].proto.spec)


def tile_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="metric-tile"' in m.value]


def ranking_table(at: AppTest):
    assert len(at.dataframe) == 1  # the ranking is the page's only table
    return at.dataframe[0].value


def heatmap_cells(at: AppTest) -> list[str]:
    return [a["text"] for a in figure(at, "elective_heatmap")["layout"]["annotations"] if a.get("yref") != "paper"]


def test_the_page_renders_every_chart_tile_and_the_service_breakdown(app, cfg):
    assert not app.exception
    assert app.title[0].value == "Elective & diagnostics"
    assert len(tile_texts(app)) == len(ACTIVITY + WAITS)
    for metric_id in ACTIVITY + WAITS:
        assert figure(app, f"elective_{metric_id}_chart")["data"], metric_id
    assert len(heatmap_cells(app)) == 12 * 12  # 12 specialties × April 2020 to March 2021
    ranking = ranking_table(app)
    assert ranking["Rank"].tolist() == list(range(1, 13))
    assert set(ranking["Service"]) == {s.label for s in cfg.services if s.kind == "specialty"}


def test_every_chart_and_table_has_its_csv_download(app):
    keys = {b.key for b in app.get("download_button")}
    expected = {f"elective_{m}_csv" for m in ACTIVITY + WAITS} | {"elective_heatmap_csv", "elective_ranking_csv"}
    assert keys == expected


def test_the_trajectory_is_a_stepped_line_with_uk_month_labels(app):
    spec = figure(app, "elective_elective_activity_chart")
    trajectory = next(t for t in spec["data"] if t["name"] == "Trajectory")
    assert trajectory["line"]["shape"] == "hv"
    assert spec["layout"]["xaxis"]["ticktext"][0] == "Apr 2020"
    assert any("FY 2020/21" in a["text"] for a in spec["layout"]["annotations"])


def test_rag_is_given_in_words_and_icons_in_the_ranking(app):
    statuses = ranking_table(app)["Status"].tolist()
    assert all(re.match(r"^[✔▲✖–?] (Green|Amber|Red|No target|No data)", s) for s in statuses), statuses
    assert any("Green: target met" in s for s in statuses)


def test_long_waits_are_marked_lower_is_better(app):
    for metric_id in WAITS:
        assert "Lower is better" in figure(app, f"elective_{metric_id}_chart")["layout"]["title"]["text"]


def test_choosing_a_site_changes_the_figures_and_explains_what_is_not_held_by_site(app):
    before_tiles, before_ranking = tile_texts(app), ranking_table(app)
    app.selectbox(key="elective_site").set_value("PRUH").run()
    assert not app.exception
    assert app.subheader[0].value == "Princess Royal University Hospital, March 2021"
    assert tile_texts(app) != before_tiles
    after_ranking = ranking_table(app)
    assert after_ranking["Value"].tolist() != before_ranking["Value"].tolist()
    notes = [c.value for c in app.caption if "No figures for Princess Royal University Hospital" in c.value]
    assert len(notes) == 2  # RTT 52-week waiters and the cancer backlog are held for all sites only


def test_choosing_months_changes_the_heatmap_ranking_and_tiles(app):
    before_tiles = tile_texts(app)
    app.select_slider(key="elective_months").set_range(dt.date(2020, 6, 1), dt.date(2020, 12, 1)).run()
    assert not app.exception
    assert app.subheader[0].value == "All sites, December 2020"
    assert tile_texts(app) != before_tiles
    ticks = figure(app, "elective_heatmap")["layout"]["xaxis"]["ticktext"]
    assert [t.split("<br>")[0] for t in ticks] == [
        "Jun 2020", "Jul 2020", "Aug 2020", "Sep 2020", "Oct 2020", "Nov 2020", "Dec 2020",
    ]
    assert any("Dec 2020 target" in m.value for m in app.markdown)
    chart = figure(app, "elective_elective_activity_chart")
    assert chart["data"][0]["x"][0].startswith("2020-06-01") and chart["data"][0]["x"][-1].startswith("2020-12-01")
