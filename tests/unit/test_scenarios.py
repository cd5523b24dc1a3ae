"""Scenarios as data: checking an edited scenario, its multipliers per month and service, and the store
keeping every version (append-only, like the assessment reviews)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from metrics import scenarios
from tests.actors import named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

NOV, DEC, JAN = dt.date(2020, 11, 1), dt.date(2020, 12, 1), dt.date(2021, 1, 1)
SERVICES = {"cardiology": "Cardiology", "ent": "ENT"}


def edited(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=scenarios.EDITOR_COLUMNS)


def test_an_edited_scenario_becomes_typed_rows():
    rows = scenarios.prepare_rows(
        edited(("2020-12", "All", None, "0.6"), ("Nov 2020", "ENT", "110%", ""), (None, None, None, None)), SERVICES
    )
    assert rows["month"].tolist() == [NOV, DEC]
    assert rows["service_group"].tolist() == ["ent", "All"]
    assert rows["demand"].tolist()[0] == pytest.approx(1.1)
    assert math.isnan(rows["demand"].tolist()[1]) and rows["capacity"].tolist()[1] == 0.6


def test_every_problem_is_listed_with_its_row():
    with pytest.raises(scenarios.ScenarioError) as caught:
        scenarios.prepare_rows(
            edited(("Novemb", "All", 1, 1), ("2020-11", "Neurology", 1, 1), ("2020-12", "All", "lots", 1),
                   ("2020-12", "All", 9, 1), ("2021-01", "All", 1, 1), ("2021-01", "All", 1, 0.5)),
            SERVICES,
        )
    assert caught.value.problems == [
        "Row 1: 'Novemb' is not a month; write it as YYYY-MM, e.g. 2020-11.",
        "Row 2: 'Neurology' is not a service; use All or one of the configured services.",
        "Row 3: the demand multiplier 'lots' is not a number; write 0.6 for 60% of the same month last year, or "
        "leave it blank for “as now”.",
        "Row 4: the demand multiplier 9 is outside 0 to 5; 1.1 means 110% of the same month of the baseline year.",
        "Row 6: Jan 2021 for All is already on row 5; keep one row per month and service group.",
    ]


def test_a_service_row_wins_over_the_all_row_and_blanks_stay_as_now():
    rows = scenarios.prepare_rows(
        edited(("2020-11", "All", 1.1, 0.6), ("2020-11", "ent", None, 0.8), ("2021-01", "All", None, None)), SERVICES
    )
    demand, capacity = scenarios.multiplier_grid(rows, ["cardiology", "ent"], [NOV, DEC, JAN])
    np.testing.assert_array_equal(demand, [[1.1, np.nan, np.nan], [1.1, np.nan, np.nan]])
    np.testing.assert_array_equal(capacity, [[0.6, np.nan, np.nan], [0.8, np.nan, np.nan]])


def test_the_editor_shows_months_as_text_and_an_empty_scenario_as_an_empty_table():
    frame = scenarios.editor_frame(pd.DataFrame({"month": [NOV], "service_group": ["All"], "demand": [np.nan],
                                                 "capacity": [0.6]}))
    assert frame["month"].tolist() == ["2020-11"] and frame["capacity"].tolist() == [0.6]
    empty = scenarios.editor_frame(pd.DataFrame(columns=scenarios.EDITOR_COLUMNS))
    assert empty.empty and str(empty["month"].dtype) == "string"


# --- the store: migration 8 and append-only versions ----------------------------------------------

def test_every_store_ships_three_labelled_examples(empty_store):
    versions = empty_store.scenario_versions()
    assert versions["scenario"].tolist() == [
        "As now (example)", "Recovery push (example)", "Wave 2 — severe (example)",
    ]
    assert versions["example"].all() and set(versions["saved_by"]) == {"Shipped example"}
    severe = empty_store.scenario_multipliers(2).set_index("month")
    assert severe.loc[dt.date(2020, 12, 1), "capacity"] == 0.6 and math.isnan(severe.loc[dt.date(2020, 12, 1),
                                                                                          "demand"])
    assert severe.loc[dt.date(2021, 2, 1), "demand"] == 1.1 and math.isnan(severe.loc[dt.date(2021, 2, 1),
                                                                                       "capacity"])
    assert severe.loc[dt.date(2021, 12, 1)].tolist() == ["All", 1.1, 0.6]
    assert empty_store.scenario_multipliers(1).empty
    assert 8 in empty_store.applied_migrations()


def test_saving_a_version_keeps_every_earlier_one(empty_store):
    before = empty_store.scenario_versions()
    severe_rows = empty_store.scenario_multipliers(2)
    rows = scenarios.prepare_rows(edited(("2021-06", "All", 1.0, 1.2)), SERVICES)
    first = empty_store.save_scenario_version("Wave 2 — severe", rows, actor=named("Planner"), based_on=2,
                                              now=dt.datetime(2020, 9, 1, 10))
    second = empty_store.save_scenario_version("Wave 2 — severe", rows.assign(capacity=1.3), actor=named("Planner"),
                                               now=dt.datetime(2020, 9, 2, 10))
    versions = empty_store.scenario_versions().set_index("version_id")
    assert (first, second) == (4, 5)
    assert versions.loc[[4, 5], "version"].tolist() == [1, 2]
    assert versions.loc[4, "based_on"] == 2 and not versions.loc[4, "example"]
    assert empty_store.scenario_multipliers(4)["capacity"].tolist() == [1.2]
    assert empty_store.scenario_multipliers(5)["capacity"].tolist() == [1.3]
    pd.testing.assert_frame_equal(empty_store.scenario_versions().head(3), before)
    pd.testing.assert_frame_equal(empty_store.scenario_multipliers(2), severe_rows)


def test_a_version_without_a_name_is_refused(empty_store):
    with pytest.raises(ValueError, match="Give the scenario a name"):
        empty_store.save_scenario_version("", pd.DataFrame(columns=scenarios.EDITOR_COLUMNS), actor=named("Planner"))
    assert len(empty_store.scenario_versions()) == 3


def test_only_an_editor_saves_a_scenario(empty_store):
    from metrics.access import AccessDenied
    from tests.actors import ANALYST, EDITOR

    rows = scenarios.prepare_rows(edited(("2021-06", "All", 1.0, 1.2)), SERVICES)
    with pytest.raises(AccessDenied, match="needs the editor role"):
        empty_store.save_scenario_version("Winter", rows, actor=ANALYST)
    assert len(empty_store.scenario_versions()) == 3
    assert empty_store.save_scenario_version("Winter", rows, actor=EDITOR) == 4
    assert empty_store.scenario_versions().iloc[-1]["saved_by"] == EDITOR.label
    outcomes = empty_store.audit_log(actions=["scenario"])["outcome"].tolist()  # newest first
    assert outcomes[0] == "ok" and outcomes[1].startswith("refused") and len(outcomes) == 2
