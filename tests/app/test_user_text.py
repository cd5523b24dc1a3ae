"""No user text becomes markup (issue 13, issue 17 finding 3): every page that shows a file name, a
name, a note, commentary or a review renders the red team's payloads as text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.config import Config
from tests.app.kit import (
    FILE_NAME,
    HYPERLINK,
    NAME,
    NOTE,
    build_hostile_store,
    open_page,
    plain,
)

# What would be markup if any of them got through.
ACTIVE = re.compile(r"!\[|\]\(|<img|<script|(^|\n)\s*#\s")


@pytest.fixture(scope="module")
def hostile_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_store(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


@pytest.fixture
def hostile_db(tmp_path: Path, hostile_store_file: Path) -> Path:
    target = tmp_path / "hostile.duckdb"
    target.write_bytes(hostile_store_file.read_bytes())
    return target


def rendered_markdown(at: AppTest) -> list[str]:
    """The text of every element that Streamlit renders as markdown (or HTML through markdown)."""
    texts = []
    for kind in ("markdown", "caption", "success", "info", "warning", "error", "title", "subheader"):
        texts += [str(element.value) for element in getattr(at, kind)]
    for table in at.table:
        frame = table.value
        texts += [str(v) for v in frame.to_numpy().ravel()] + [str(v) for v in frame.index]
    return texts


def assert_shown_as_text(at: AppTest, expected: list[str]) -> None:
    assert not at.exception
    texts = rendered_markdown(at)
    active = [t for t in texts if ACTIVE.search(t.replace("<div", "").replace("</div>", ""))]
    assert active == []
    shown = " ".join(plain(t) for t in texts)
    for payload in expected:
        assert " ".join(payload.split()) in " ".join(shown.split()), payload


def test_the_overview_shows_commentary_names_and_file_names_as_text(hostile_db: Path, monkeypatch) -> None:
    at = open_page(hostile_db, monkeypatch)
    at.session_state["overview_review_open"] = True  # the review section opened, as a viewer's click does
    at.selectbox(key="overview_month").set_value(dt.date(2021, 3, 1)).run()
    # The tile: the commentary (shortened) and its author; the review: the file name and who loaded it.
    assert_shown_as_text(at, [NAME, FILE_NAME, "# ALL TARGETS MET - NO ACTION NEEDED"])
    tiles = [m.value for m in at.markdown if "tile-commentary" in m.value]
    assert tiles and all("<h1" not in t and "\n\n" not in t for t in tiles)


def test_the_upload_page_shows_names_notes_and_file_names_as_text(hostile_db: Path, monkeypatch) -> None:
    at = open_page(hostile_db, monkeypatch, "app_pages/upload.py")
    at.selectbox(key="undo_choice").set_value(2).run()  # the undo picker has no default (issue 10)
    at.button(key="undo_start").click().run()
    assert_shown_as_text(at, [f"Undo upload 2: {FILE_NAME}, by {NAME}"])
    # A hostile file, named with a markdown image, whose cells hold a link and a formula.
    data = f"period,measure,site,value\n2021-04,{NAME},PRUH,1\n2021-04,ct_tests,{HYPERLINK},1\n".encode()
    at.file_uploader(key="upload_file").set_value((FILE_NAME, data, "text/csv")).run()
    assert_shown_as_text(at, [f"problem(s) in {FILE_NAME}", f"'{NAME}' is not a measure"])


def test_a_valid_file_with_a_hostile_name_is_summarised_and_confirmed_as_text(hostile_db: Path,
                                                                               monkeypatch) -> None:
    at = open_page(hostile_db, monkeypatch, "app_pages/upload.py")
    data = b"period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n"
    at.file_uploader(key="upload_file").set_value((FILE_NAME, data, "text/csv")).run()
    assert_shown_as_text(at, [f"{FILE_NAME}: 1 data row(s)"])
    at.text_area(key="upload_note").input(NOTE)
    at.run()
    at.button(key="upload_confirm").click().run()
    assert_shown_as_text(at, [f"Loaded {FILE_NAME} as upload 3"])


def test_the_assessment_page_shows_who_recorded_a_review_and_its_note_as_text(hostile_db: Path, monkeypatch,
                                                                             cfg: Config) -> None:
    at = open_page(hostile_db, monkeypatch, "app_pages/assessment.py")
    assert_shown_as_text(at, [f"recorded by {NAME}", NOTE.replace("\n\n", " ")])


def test_the_coverage_page_shows_upload_names_as_plain_grid_cells(hostile_db: Path, monkeypatch) -> None:
    at = open_page(hostile_db, monkeypatch, "app_pages/coverage.py")
    assert_shown_as_text(at, [])
    frames = [d.value for d in at.dataframe]
    cells = {str(v) for f in frames for v in pd.DataFrame(f).to_numpy().ravel()}
    assert FILE_NAME in cells  # a grid cell is plain text: shown exactly as typed


def test_a_shared_link_naming_a_hostile_service_is_answered_as_text(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECOVERY_DB", str(demo_db))
    from tests.paths import APP_PATH

    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("app_pages/my_service.py")
    at.query_params.update({"service": NAME, "site": FILE_NAME})
    at.run()
    assert_shown_as_text(at, [f"'{NAME}'"])
