"""AppTest of the Overview's executive-review parts: SPC icons on the tiles, the SPC view of each chart,
what changed since the last review (with a restated month), and commentary."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from metrics import views
from tests.actors import LOCAL_USER
from tests.app.kit import plain
from tests.conftest import RESTATED_FILE_NAME
from tests.paths import APP_PATH, PROJECT_ROOT

TIMEOUT_S = 60
# Tests that press a form button run the Overview page script on its own.
OVERVIEW_PAGE = str(PROJECT_ROOT / "app_pages" / "overview.py")


def _app(db, monkeypatch) -> AppTest:
    monkeypatch.setenv("RECOVERY_DB", str(db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S)
    at.session_state["overview_review_open"] = True  # the review section opened, as a viewer's click does
    return at.run()


@pytest.fixture
def restated_app(restated_demo_db, monkeypatch) -> AppTest:
    return _app(restated_demo_db, monkeypatch)


@pytest.fixture
def demo_app(demo_db, monkeypatch) -> AppTest:
    return _app(demo_db, monkeypatch)


def tiles(at: AppTest) -> dict[str, str]:
    """Tile HTML by metric label."""
    out = {}
    # The Overview draws every tile in one block (issue 16): split it at each tile's start.
    for block in at.markdown:
        for tile in block.value.split('<div class="metric-tile"')[1:]:
            label = tile.split('<div class="label">', 1)[1].split("</div>", 1)[0]
            out[html.unescape(label)] = tile
    return out


def table_text(at: AppTest) -> str:
    return plain(" ".join(t.value.to_string() for t in at.table))


def test_every_tile_shows_its_variation_and_assurance_icons_with_a_sentence(demo_app, demo_db, cfg) -> None:
    assert not demo_app.exception
    with Store(demo_db) as store:  # the same settings as the app's connection to this file
        overview = views.load_overview(store, cfg)
    expected = views.spc_for_metrics(cfg, overview.series)
    shown = tiles(demo_app)
    assert len(shown) == len(cfg.headline_metrics)
    for metric in cfg.headline_metrics:
        tile, spc = shown[metric.label], expected[metric.id]
        for heading, icon in (("Variation", spc.variation), ("Assurance", spc.assurance)):
            if icon is None:
                assert f"{heading}:" not in tile
                continue
            sentence = html.escape(icon["text"])
            assert f'title="{sentence}"' in tile  # the tooltip
            assert f'<span class="spc-icon-text">{heading}: {sentence}</span>' in tile  # and in words
            assert f'background:{icon["colour"]}' in tile and f'>{icon["letter"]}</span>' in tile
    every_tile = " ".join(shown.values())
    assert "Hit and miss: the target lies inside the process limits" in every_tile
    assert "Special cause improvement: higher than expected" in every_tile


def test_a_chart_switches_to_its_spc_view(demo_app) -> None:
    def chart_traces(at: AppTest) -> list[str]:
        chart = next(c for c in at.get("plotly_chart") if "overview_chart_ct_activity" in c.proto.id)
        return [trace.get("name") for trace in json.loads(chart.proto.spec)["data"]]

    assert "Process limits" not in chart_traces(demo_app)
    demo_app.segmented_control(key="overview_view_ct_activity").set_value("SPC").run()
    assert not demo_app.exception
    names = chart_traces(demo_app)
    assert {"Process limits", "Mean", "Trajectory"} <= set(names)
    assert any(name.startswith("Special cause") or name == "Common cause" for name in names)


def test_the_review_shows_the_restated_month_old_to_new_with_the_upload(restated_app) -> None:
    assert not restated_app.exception
    text = table_text(restated_app)
    assert "100.0% → 90.0%" in text
    assert f"{RESTATED_FILE_NAME} (upload 2)" in text
    sentences = " ".join(m.value for m in restated_app.markdown)
    assert f"1 upload since the previous review: {RESTATED_FILE_NAME} (upload 2)" in sentences
    assert "1 month already reported was restated, across 1 metric" in sentences
    summary = restated_app.table[0].value
    assert summary.loc["CT activity", "Months restated"] == 0 + 1
    assert summary.loc["MRI activity", "Months restated"] == 0


def test_a_previous_review_after_the_load_shows_no_restatement(restated_app) -> None:
    today = restated_app.date_input(key="overview_review_date").value
    restated_app.date_input(key="overview_previous_review_date").set_value(today - dt.timedelta(days=1)).run()
    assert not restated_app.exception
    assert "100.0% → 90.0%" not in table_text(restated_app)
    assert any("No figure already reported has been restated" in m.value for m in restated_app.markdown)


def test_review_dates_in_the_wrong_order_get_a_sentence(restated_app) -> None:
    today = restated_app.date_input(key="overview_review_date").value
    restated_app.date_input(key="overview_previous_review_date").set_value(today + dt.timedelta(days=1)).run()
    assert not restated_app.exception
    assert any("must be before this review's date" in w.value for w in restated_app.warning)


def test_the_demonstration_store_says_plainly_that_everything_is_new(demo_app) -> None:
    sentences = " ".join(m.value for m in demo_app.markdown)
    assert "every month below shows as newly arrived" in sentences
    assert "This is the demonstration store, built in a single upload" in sentences
    assert "Apr 2020 – Mar 2021" in table_text(demo_app)


@pytest.fixture
def overview_page(demo_db, monkeypatch) -> AppTest:
    monkeypatch.setenv("RECOVERY_DB", str(demo_db))
    return AppTest.from_file(OVERVIEW_PAGE, default_timeout=TIMEOUT_S).run()


def _write_commentary(at: AppTest, metric_id: str, body: str) -> None:
    at.selectbox(key="overview_commentary_metric").set_value(metric_id).run()
    at.text_area(key="overview_commentary_text").input(body)
    at.button(key="FormSubmitter:overview_commentary_form-Save commentary").click().run()


def test_commentary_shows_under_its_tile_and_earlier_versions_are_kept(overview_page) -> None:
    at = overview_page
    assert "tile-commentary" not in tiles(at)["CT activity"]
    _write_commentary(at, "ct_activity", "Scanner back after servicing.")
    assert not at.exception
    assert "Scanner back after servicing." in tiles(at)["CT activity"]
    assert "Scanner back after servicing." not in tiles(at)["MRI activity"]
    assert any("Saved." in s.value for s in at.success)

    _write_commentary(at, "ct_activity", "Agreed: CT recovered to plan.")
    tile = tiles(at)["CT activity"]
    assert "Agreed: CT recovered to plan." in tile and "Scanner back" not in tile
    assert "1 earlier version" in tile
    (versions_table,) = at.dataframe  # the only dataframe on the page
    versions = versions_table.value
    assert versions["By"].tolist() == [LOCAL_USER, LOCAL_USER]  # local mode: the OS user, every role


def test_empty_commentary_is_refused_with_a_sentence(overview_page) -> None:
    at = overview_page
    _write_commentary(at, "ct_activity", "   ")
    assert not at.exception
    assert any("The commentary is empty" in e.value for e in at.error)
    assert "tile-commentary" not in tiles(at)["CT activity"]
