"""AppTest of the Overview page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.actors import named
from tests.app.kit import open_page


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch)


def tile_texts(at: AppTest) -> list[str]:
    # The Overview draws every tile in one block (issue 16): one text per tile, split at each tile's start.
    return [part for m in at.markdown if 'class="metric-tile"' in m.value
            for part in m.value.split('<div class="metric-tile"')[1:]]


def test_the_overview_renders_every_headline_tile_and_chart(app, cfg):
    assert not app.exception
    assert app.title[0].value == "Overview"
    tiles = tile_texts(app)
    assert len(tiles) == len(cfg.headline_metrics)
    assert all(any(m.label.replace("&", "&amp;") in t for t in tiles) for m in cfg.headline_metrics)


def test_the_month_selector_defaults_to_the_latest_month_with_data(app):
    assert app.selectbox(key="overview_month").value == dt.date(2021, 3, 1)


def test_changing_the_month_changes_the_tiles(app):
    before = tile_texts(app)
    app.selectbox(key="overview_month").set_value(dt.date(2020, 7, 1)).run()
    after = tile_texts(app)
    assert not app.exception
    assert before != after
    assert any("85.4%" in t for t in after)  # CT in July 2020, shaped by Royal Papworth's published figure
    assert any(s.value.endswith("July 2020") for s in app.subheader)


def test_the_demonstration_banner_and_figures_as_at_are_shown(app):
    assert any("Demonstration data" in w.value for w in app.warning)
    assert any("Figures as at" in m.value for m in app.markdown)


def test_rag_is_given_in_words_not_only_colour(app):
    tiles = " ".join(tile_texts(app))
    assert "Green: target met" in tiles
    assert "Red:" in tiles or "Amber:" in tiles


def test_an_empty_store_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch)
    assert not at.exception
    assert any("Upload data" in i.value for i in at.info)


# --- partial months (issue 9) ------------------------------------------------------------------------


@pytest.fixture
def partial_app(demo_db, monkeypatch) -> AppTest:
    """The demo store after three April 2021 rows of first outpatient attendances at the PRUH."""
    from data import ingest
    from data.store import Store
    from metrics.config import load_config
    from tests.paths import PROJECT_ROOT

    path = PROJECT_ROOT / "tests" / "fixtures" / "completeness" / "april_2021_first_outpatients_partial.csv"
    with Store(demo_db) as store:
        check = ingest.check_upload(path.read_bytes(), path.name, load_config(), store)
        assert check.ok and any("Apr 2021 will be partial" in s for s in check.completeness)
        ingest.commit_upload(store, check, actor=named("analyst"), load_anyway=True)
    return open_page(demo_db, monkeypatch)


def test_a_partial_month_never_becomes_the_opening_month(partial_app):
    assert not partial_app.exception
    picker = partial_app.selectbox(key="overview_month")
    assert picker.value == dt.date(2021, 3, 1)
    assert "Apr 2021 (partial)" in picker.options


def test_a_partial_month_shows_what_arrived_with_no_rag_and_no_spc_icon(partial_app):
    partial_app.selectbox(key="overview_month").set_value(dt.date(2021, 4, 1)).run()
    assert not partial_app.exception
    tiles = tile_texts(partial_app)
    first = next(t for t in tiles if "First outpatient attendances</div>" in t)
    assert "Partial: 1 of 3 sites (Princess Royal University Hospital) and 3 of 12 services" in first
    assert not any(word in first for word in ("Green", "Amber", "Red:"))
    assert 'class="spc-icon"' not in first
    assert "No SPC icons: Apr 2021 is partial" in first
    # Tiles with nothing carry no icon either.
    assert not any('class="spc-icon"' in t for t in tiles)
    assert any("April 2021 is a partial month" in w.value for w in partial_app.warning)


def test_the_tiles_are_one_block_written_once_and_shared_by_the_next_session(demo_db, monkeypatch, cfg):
    # Issue 16: one element for every tile (not a row, four columns and a block per tile), and the HTML
    # written once per store version and month: a second viewer's run reuses it.
    from app_pages import _cache, _shared

    _cache.VIEWS.clear()
    written = []
    original = _shared.tile_grid_html
    monkeypatch.setattr(_shared, "tile_grid_html", lambda *a, **k: written.append(1) or original(*a, **k))
    first = open_page(demo_db, monkeypatch)
    second = open_page(demo_db, monkeypatch)
    for at in (first, second):
        assert not at.exception
        blocks = [m.value for m in at.markdown if 'class="metric-tile"' in m.value]
        assert len(blocks) == 1 and blocks[0].startswith('<div class="tile-grid">')
        assert blocks[0].count('<div class="metric-tile"') == len(cfg.headline_metrics)
    assert blocks[0] == next(m.value for m in first.markdown if 'class="metric-tile"' in m.value)
    assert len(written) == 1
