"""Declared pages: a page added in config.yaml alone (no Python) appears in the navigation and renders
every kind of block; each page the project declares renders, and its filters change what is shown."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from metrics.config import CONFIG_ENV_VAR, DEFAULT_CONFIG_PATH, load_config
from tests.app.kit import open_declared_page

NEW_PAGE = {
    "url": "board_watch",
    "title": "Board watch list",
    "description": "A page declared in a test's config.yaml over metrics that already exist.",
    "section": "Executive",
    "icon": ":material/visibility:",
    "blocks": [
        {"kind": "text", "text": "Written in config.yaml only."},
        {"kind": "tiles", "metrics": ["elective_activity", "virtual_share", "spa_within_24h"]},
        {"kind": "charts", "heading": "In SPC", "metrics": ["spa_within_24h"], "chart": "spc", "per_row": 1},
        {"kind": "charts", "heading": "Against target", "metrics": ["virtual_share"]},
        {"kind": "breakdown", "heading": "By site", "metrics": ["elective_activity"], "dimension": "site"},
        {"kind": "breakdown", "heading": "By deprivation", "metrics": ["elective_activity"], "dimension": "imd"},
        {"kind": "heatmap", "heading": "By service", "metrics": ["elective_activity"]},
        {"kind": "ranking", "metrics": ["elective_activity"]},
        {"kind": "table", "heading": "The month in a table", "metrics": ["elective_activity", "virtual_share"]},
    ],
}


def figure(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    assert charts, f"no chart with key {key}; keys: {[c.key for c in at.get('plotly_chart')]}"
    return json.loads(charts[0].proto.spec)


def tile_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="metric-tile"' in m.value]


@pytest.fixture
def new_page_config(tmp_path, monkeypatch):
    doc = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    doc["pages"].append(NEW_PAGE)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    return path


def test_a_page_added_in_config_alone_is_in_the_navigation_and_renders_every_block(new_page_config, demo_db,
                                                                                  monkeypatch):
    at = open_declared_page(demo_db, monkeypatch, "board_watch")
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Board watch list"
    assert any("Written in config.yaml only." in m.value for m in at.markdown)
    assert len(tile_texts(at)) == 3
    spc = figure(at, "board_watch_spa_within_24h_spc")
    assert spc["data"] and "limit" in json.dumps(spc).lower()
    assert figure(at, "board_watch_virtual_share_chart")["data"]
    by_site = figure(at, "board_watch_breakdown_4")
    assert {t["name"] for t in by_site["data"]} >= {"Princess Royal University Hospital", "Orpington Hospital"}
    assert by_site["layout"]["title"]["text"] == "Elective activity (overnight + day case) by site"
    by_imd = figure(at, "board_watch_breakdown_5")
    assert by_imd["layout"]["title"]["text"].endswith("by IMD quintile")
    assert {t["name"] for t in by_imd["data"]} >= {"IMD quintile 1 (most deprived)", "IMD quintile 5 (least deprived)"}
    assert figure(at, "board_watch_heatmap")["data"]
    assert len(at.dataframe) == 1  # the ranking
    assert [h.value for h in at.subheader if h.value == "The month in a table"]
    assert len(at.table) == 1


def test_a_filter_on_the_new_page_changes_what_is_shown(new_page_config, demo_db, monkeypatch):
    at = open_declared_page(demo_db, monkeypatch, "board_watch")
    before = tile_texts(at)
    at.selectbox(key="board_watch_site").set_value("PRUH").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Princess Royal University Hospital")
    assert tile_texts(at) != before


DECLARED = [p.url for p in load_config().pages if p.url not in ("elective", "outpatients")]


@pytest.mark.parametrize("url", DECLARED)
def test_each_declared_page_renders_and_its_month_filter_changes_the_tiles(url, demo_db, monkeypatch):
    spec = load_config().page_by_url[url]
    at = open_declared_page(demo_db, monkeypatch, url)
    assert not at.exception
    assert not at.error
    assert at.title[0].value == spec.title
    charts = [c.key for c in at.get("plotly_chart")]
    assert charts, "no charts drawn"
    before = tile_texts(at)
    assert before
    at.select_slider(key=f"{url}_months").set_range(dt.date(2020, 6, 1), dt.date(2020, 12, 1)).run()
    assert not at.exception
    assert at.subheader[0].value == "All sites, December 2020"
    assert tile_texts(at) != before
