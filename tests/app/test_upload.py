"""AppTest of the Upload data page on a private copy of the demonstration store.

AppTest (streamlit 1.67) sets the real `st.file_uploader` with `set_value((name, bytes, mime))`, so
the page is driven exactly as an analyst would drive it."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from tests.actors import LOCAL_USER
from tests.app.kit import open_page, plain

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
APRIL = b"period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n2021-04,ct_tests,ORPINGTON,500\n"


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/upload.py")


def choose_file(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="upload_file").set_value((name, data, "text/csv")).run()


def table(at: AppTest, columns: list[str]) -> pd.DataFrame:
    """The first grid or static table whose columns start with `columns` (static tables render
    Markdown, so their text comes escaped: unescape it)."""
    frames = [d.value for d in at.dataframe]
    frames += [t.value.map(lambda v: plain(v) if isinstance(v, str) else v) for t in at.table]
    found = [f for f in frames if f.columns.tolist()[: len(columns)] == columns]
    assert found, f"no table with columns {columns}"
    return found[0]


def problems(at: AppTest) -> pd.DataFrame:
    return table(at, ["Row", "Column", "What to fix"])


def preview(at: AppTest) -> pd.DataFrame:
    return table(at, ["Row", "Month"])


def history(at: AppTest) -> pd.DataFrame:
    return table(at, ["Upload"])


def facts(demo_db: Path) -> pd.DataFrame:
    # The page holds the store open in this process; a second Store on the same file shares it.
    with Store(demo_db) as store:
        return store.facts()[["month", "measure", "service", "site", "segment", "value", "upload_id"]]


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_offers_templates_a_file_picker_and_the_history(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Upload data"
    assert app.file_uploader(key="upload_file").value is None
    downloads = [d for d in app.get("download_button")]
    assert len(downloads) == 3
    assert history(app)["File"].tolist() == ["demonstration-data (generated)"]


def test_a_valid_file_is_previewed_confirmed_shown_in_history_and_undone(app: AppTest, demo_db: Path) -> None:
    before = facts(demo_db)
    choose_file(app, "april.csv", APRIL)
    assert not app.exception
    assert metric_values(app) == {
        "New values": "2",
        "Changed values (old → new)": "0",
        "Unchanged values": "0",
    }
    assert preview(app)["Month"].tolist() == ["Apr 2021", "Apr 2021"]
    assert len(facts(demo_db)) == len(before)  # nothing written by looking

    app.text_area(key="upload_note").input("April CT by site")
    app.run()
    app.button(key="upload_confirm").click().run()
    assert not app.exception
    assert any("as upload 2: 2 new" in plain(s.value) for s in app.success)
    latest = history(app).iloc[0]
    assert (latest["Upload"], latest["File"], latest["By"], latest["New"], latest["Note"]) == (
        2, "april.csv", LOCAL_USER, "2", "April CT by site"
    )
    assert latest["Status"] == "Committed"
    demo_upload = history(app).iloc[-1]  # thousands of values: shown with a separator ("11,688", not 11688)
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", demo_upload["New"]), demo_upload["New"]
    assert len(facts(demo_db)) == len(before) + 2

    assert app.selectbox(key="undo_choice").value is None  # no default: upload 1 is the whole demo store
    assert app.button(key="undo_start").disabled
    app.selectbox(key="undo_choice").set_value(2).run()
    app.button(key="undo_start").click().run()
    assert any("Undo upload 2: april.csv" in plain(w.value) for w in app.warning)
    assert app.button(key="undo_confirm").disabled  # the upload number must be typed first
    app.text_input(key="undo_typed_id").input("1").run()
    assert app.button(key="undo_confirm").disabled
    app.text_input(key="undo_typed_id").input("2").run()
    assert not app.button(key="undo_confirm").disabled
    app.button(key="undo_confirm").click().run()
    assert not app.exception
    assert any("Upload 2 was undone: 2 value(s)" in plain(s.value) for s in app.success)
    assert app.selectbox(key="undo_choice").value is None  # after an undo, nothing is chosen again
    assert history(app).iloc[0]["Status"].startswith("Undone")
    assert history(app).iloc[0]["Status"].endswith(f"by {LOCAL_USER}")
    after = facts(demo_db)
    pd.testing.assert_frame_equal(after.reset_index(drop=True), before.reset_index(drop=True))


def test_an_invalid_file_shows_the_problem_table_and_changes_nothing(app: AppTest, demo_db: Path) -> None:
    before = facts(demo_db)
    choose_file(app, "combination.csv", (FIXTURES / "bad" / "combination.csv").read_bytes())
    assert not app.exception
    assert any("7 problem(s) in combination.csv" in plain(e.value) and "Nothing has been changed" in plain(e.value)
               for e in app.error)
    listed = problems(app)
    assert listed[["Row", "Column"]].values.tolist()[:3] == [[3, "period"], [4, "measure"], [5, "service"]]
    assert "Did you mean 'ct_tests'?" in listed.iloc[1]["What to fix"]
    assert not [b for b in app.button if b.key == "upload_confirm"]
    assert not app.metric  # no preview for a file that cannot be loaded
    assert history(app)["Upload"].tolist() == [1]
    pd.testing.assert_frame_equal(facts(demo_db), before)


def test_warnings_need_an_explicit_load_anyway(app: AppTest, demo_db: Path) -> None:
    # March 2021 CT at the PRUH doubled: replaces a stored value and jumps more than 50%.
    with Store(demo_db) as store:
        stored = store.facts()
    march = stored[(stored["measure"] == "ct_tests") & (stored["site"] == "PRUH")
                   & (stored["month"] == pd.Timestamp("2021-03-01"))]["value"].iloc[0]
    data = f"period,measure,site,value\nMar 2021,ct_tests,PRUH,{march * 2:.0f}\n".encode()
    choose_file(app, "march.csv", data)
    warnings = problems(app)
    assert warnings[["Row", "Column"]].values.tolist() == [[2, "period"], [2, "value"]]
    assert "for Feb 2021 (already stored)" in warnings.iloc[1]["What to fix"]
    assert metric_values(app)["Changed values (old → new)"] == "1"
    assert app.button(key="upload_confirm").disabled
    app.checkbox(key="upload_load_anyway").check().run()
    assert not app.button(key="upload_confirm").disabled
    app.button(key="upload_confirm").click().run()
    assert any("0 new, 1 changed" in plain(s.value) for s in app.success)


def test_an_identical_reupload_has_nothing_to_load(app: AppTest) -> None:
    choose_file(app, "april.csv", APRIL)
    app.run()
    app.button(key="upload_confirm").click().run()
    assert history(app)["Upload"].tolist() == [2, 1]
    app.run()  # the same file is still chosen: it is checked again against the new state of the store
    assert any("nothing to load" in plain(i.value) for i in app.info)
    assert not [b for b in app.button if b.key == "upload_confirm"]


def test_undo_is_refused_when_a_later_upload_changed_the_same_values(app: AppTest) -> None:
    choose_file(app, "april.csv", APRIL)
    app.run()
    app.button(key="upload_confirm").click().run()
    choose_file(app, "april-fix.csv", APRIL.replace(b"1000", b"1010"))
    app.checkbox(key="upload_load_anyway").check().run()
    app.button(key="upload_confirm").click().run()
    assert history(app)["Upload"].tolist() == [3, 2, 1]

    app.selectbox(key="undo_choice").set_value(2)
    app.run()
    app.button(key="undo_start").click().run()
    app.text_input(key="undo_typed_id").input("2").run()
    app.button(key="undo_confirm").click().run()
    assert not app.exception
    assert any("Upload 2 cannot be undone" in plain(e.value) and "upload 3 (april-fix.csv" in plain(e.value)
               for e in app.error)
    assert history(app)["Status"].tolist() == ["Committed"] * 3
