"""AppTest of the Demand & capacity page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from tests.actors import LOCAL_USER
from tests.app.kit import open_page

AS_NOW, RECOVERY_PUSH, WAVE_2 = 1, 3, 2  # the shipped examples' version ids


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/capacity.py")


def metric(at: AppTest, starts: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(starts))


def test_the_page_projects_the_list_from_the_latest_complete_month(app):
    assert not app.exception
    assert app.title[0].value == "Demand & capacity"
    assert metric(app, "Waiting list now") == "46,674"
    assert metric(app, "Projected, Mar 2022") == "55,528"
    assert any("✖</span> Red at Mar 2022" in m.value and "As now (example), version 1" in m.value for m in app.markdown)
    assert any("Projection starts from Mar 2021" in c.value for c in app.caption)
    assert any(m.value.startswith("Projected from Jun 2020") and "over-projected" in m.value for m in app.markdown)


def test_choosing_a_scenario_and_a_target_date_changes_the_projection_and_the_capacity_needed(app):
    projected, needed = metric(app, "Projected, Mar 2022"), metric(app, "Removals needed")
    app.selectbox(key="capacity_scenario").set_value(WAVE_2).run()
    assert not app.exception
    assert metric(app, "Projected, Mar 2022") != projected
    assert metric(app, "Projected, Mar 2022") == "84,023"
    assert metric(app, "Removals needed") != needed
    wave_need = metric(app, "Removals needed")
    app.selectbox(key="capacity_target").set_value(dt.date(2021, 9, 1)).run()
    assert not app.exception
    assert "Projected, Sep 2021" in [m.label for m in app.metric]
    # Six months instead of twelve to reach the target: more removals a month are needed.
    assert int(metric(app, "Removals needed").replace(",", "")) > int(wave_need.replace(",", ""))


def test_one_service_can_be_chosen(app):
    app.multiselect(key="capacity_services").select("cardiology").run()
    assert not app.exception
    assert metric(app, "Waiting list now") == "4,360"
    assert any("The waiting list for Cardiology" in h.value for h in app.subheader)


def test_an_editor_saves_a_new_version_and_the_old_one_stays(app, demo_db):
    with Store(demo_db) as store:
        before = store.scenario_versions()
        old_rows = store.scenario_multipliers(RECOVERY_PUSH)
    app.selectbox(key="capacity_scenario").set_value(RECOVERY_PUSH).run()
    app.session_state[f"capacity_editor_{RECOVERY_PUSH}"] = {
        "edited_rows": {0: {"capacity": 1.3}}, "added_rows": [], "deleted_rows": [],
    }
    app.text_input(key=f"capacity_name_{RECOVERY_PUSH}").input("Recovery push")
    projected = metric(app, "Projected, Mar 2022")
    app.button(key="capacity_save").click().run()
    assert not app.exception
    assert "Saved “Recovery push” as version id 4" in app.success[0].value
    assert app.selectbox(key="capacity_scenario").value == 4
    assert metric(app, "Projected, Mar 2022") != projected  # April 2021 at 130% instead of 110%
    with Store(demo_db) as store:
        after = store.scenario_versions()
        assert store.scenario_multipliers(RECOVERY_PUSH).equals(old_rows)
        new_rows = store.scenario_multipliers(4)
    assert after.iloc[:3].equals(before)
    new = after[after["version_id"] == 4].iloc[0]
    assert (new["scenario"], new["version"], new["saved_by"], new["based_on"]) == (
        "Recovery push", 1, LOCAL_USER, RECOVERY_PUSH)
    assert new_rows["capacity"].tolist() == [1.3] + [1.1] * 23


def test_a_version_without_a_name_is_not_saved_and_says_why(app, demo_db):
    app.text_input(key=f"capacity_name_{AS_NOW}").input("")
    app.button(key="capacity_save").click().run()
    assert not app.exception
    assert "nothing has changed. Give the scenario a name before saving." in app.error[0].value
    with Store(demo_db) as store:
        assert len(store.scenario_versions()) == 3


def test_a_scenario_with_a_bad_month_lists_the_row(app, demo_db):
    app.session_state[f"capacity_editor_{AS_NOW}"] = {
        "edited_rows": {}, "added_rows": [{"month": "Smarch", "service_group": "All", "capacity": 0.5}],
        "deleted_rows": [],
    }
    app.text_input(key=f"capacity_name_{AS_NOW}").input("Winter")
    app.button(key="capacity_save").click().run()
    assert not app.exception
    assert "Row 1: 'Smarch' is not a month" in app.error[0].value
    with Store(demo_db) as store:
        assert len(store.scenario_versions()) == 3


def test_a_store_without_waiting_list_figures_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch, "app_pages/capacity.py")
    assert not at.exception
    assert any("no complete month of waiting list figures" in i.value for i in at.info)
