"""metrics.capacity: a projection under a scenario, the capacity needed by a date, and a backtest, on a small
inline queue (two services, June 2020 projected from the same months of 2019/20)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from metrics import capacity, scenarios

JUN19, JUN20, JUL20, AUG20, SEP20 = (dt.date(2019, 6, 1), dt.date(2020, 6, 1), dt.date(2020, 7, 1),
                                     dt.date(2020, 8, 1), dt.date(2020, 9, 1))
NO_SCENARIO = pd.DataFrame(columns=scenarios.EDITOR_COLUMNS)


def queue() -> pd.DataFrame:
    """Service a: 100 referrals and 100 removals a month in 2019/20; in June 2020 80 and 50 with 1,000
    waiting (10 over 52 weeks); then 1,020, 1,010, 990 waiting. Service b: half of a's."""
    rows = []
    for service, scale in (("a", 1.0), ("b", 0.5)):
        for month in (JUN19, dt.date(2019, 7, 1), dt.date(2019, 8, 1), dt.date(2019, 9, 1)):
            rows.append((service, month, 100 * scale, 100 * scale, 900 * scale, 1.0, 0.0))
        rows.append((service, JUN20, 80 * scale, 50 * scale, 1000 * scale, 10 * scale, 0.0))
        for month, size in ((JUL20, 1020), (AUG20, 1010), (SEP20, 990)):
            rows.append((service, month, 90 * scale, 80 * scale, size * scale, 12 * scale, 0.0))
    return pd.DataFrame(rows, columns=capacity.TABLE_COLUMNS)


def test_the_queue_table_adds_admitted_and_non_admitted_removals():
    long = pd.DataFrame(
        [(JUN20, "rtt_clock_starts", "a", 80.0), (JUN20, "rtt_clock_stops_admitted", "a", 10.0),
         (JUN20, "rtt_clock_stops_non_admitted", "a", 40.0), (JUN20, "rtt_waiting_list", "a", 1000.0),
         (JUN20, "rtt_52_week_waiters", "a", 10.0)],
        columns=["month", "measure", "service", "value"],
    )
    table = capacity.queue_table(long)
    assert table.iloc[0][["service", "referrals", "removals", "waiting_list", "over_52"]].tolist() == [
        "a", 80.0, 50.0, 1000.0, 10.0]
    assert np.isnan(table.iloc[0]["over_104"])


def test_as_now_keeps_the_starting_months_share_of_its_baseline_month():
    p = capacity.project(queue(), ["a", "b"], JUN20, 3, NO_SCENARIO, 2019, runs=50, seed=1)
    assert p.months == [JUL20, AUG20, SEP20]
    assert p.demand[0].tolist() == [80, 80, 80] and p.capacity[0].tolist() == [50, 50, 50]
    assert p.projected.tolist() == [[1030, 1060, 1090], [515, 530, 545]]
    assert p.total_frame()["projected"].tolist() == [1500, 1545, 1590, 1635]


def test_a_scenario_multiplies_the_baseline_month():
    rows = scenarios.prepare_rows(pd.DataFrame([("2020-08", "All", None, 1.2), ("2020-09", "b", 2.0, None)],
                                               columns=scenarios.EDITOR_COLUMNS), {"a": "A", "b": "B"})
    p = capacity.project(queue(), ["a", "b"], JUN20, 3, rows, 2019, runs=50, seed=1)
    assert p.capacity.tolist() == [[50, 120, 50], [25, 60, 25]]
    assert p.demand.tolist() == [[80, 80, 80], [40, 40, 100]]
    assert p.projected.tolist() == [[1030, 990, 1020], [515, 495, 570]]


def test_the_capacity_needed_is_the_relief_capacity_to_the_target_date():
    p = capacity.project(queue(), ["a"], JUN20, 3, NO_SCENARIO, 2019, runs=50, seed=1)
    row = capacity.summarise(p, queue(), SEP20).iloc[0]
    weekly = 80 / (52 / 12)  # 18.46 referrals a week
    assert row["target_queue"] == pytest.approx(weekly * 4.5)  # 83.08: Little's law at a 4.5-week mean wait
    # relief capacity = demand + (1,000 − 83.08) ÷ 13 weeks = 88.99 a week = 385.6 a month
    assert row["needed_capacity"] == pytest.approx((weekly + (1000 - weekly * 4.5) / 13) * 52 / 12)
    assert row["needed_capacity"] == pytest.approx(385.64, abs=0.01)
    assert row["planned_capacity"] == pytest.approx(50)
    assert row["capacity_gap"] == pytest.approx(50 - 385.64, abs=0.01)
    assert row["load"] == pytest.approx(1.6)  # 80 ÷ 50
    assert row["pressure_now"] == pytest.approx(2 * (1000 / weekly) / 18)  # mean wait 54.2 weeks → 6.02
    assert row["status"] == "red" and row["projected"] == 1090


def test_a_small_list_needs_only_the_target_capacity_and_is_green():
    small = queue().assign(waiting_list=lambda f: f["waiting_list"].where(f["month"] != JUN20, 10.0))
    p = capacity.project(small, ["a"], JUN20, 3, pd.DataFrame([("2020-07", "All", None, 2.0),
                                                                ("2020-08", "All", None, 2.0),
                                                                ("2020-09", "All", None, 2.0)],
                                                               columns=scenarios.EDITOR_COLUMNS), 2019, runs=50,
                         seed=1)
    row = capacity.summarise(p, small, SEP20).iloc[0]
    weekly = 80 / (52 / 12)
    assert row["needed_capacity"] == pytest.approx((weekly + 2 / 2 * 4 / 18) * 52 / 12)  # target capacity: 80.96
    assert row["projected"] == 0 and row["status"] == "green"


def test_the_services_together_add_each_services_need():
    p = capacity.project(queue(), ["a", "b"], JUN20, 3, NO_SCENARIO, 2019, runs=50, seed=1)
    summary = capacity.summarise(p, queue(), SEP20).set_index("service")
    assert summary.loc["All", "needed_capacity"] == pytest.approx(summary.loc[["a", "b"], "needed_capacity"].sum())
    assert summary.loc["All", "list_now"] == 1500 and summary.loc["All", "projected"] == 1635


def test_a_target_outside_the_projection_gets_a_sentence():
    p = capacity.project(queue(), ["a"], JUN20, 3, NO_SCENARIO, 2019, runs=10, seed=1)
    with pytest.raises(ValueError, match="The target date must fall within the projection"):
        capacity.summarise(p, queue(), dt.date(2021, 1, 1))


def test_a_service_without_figures_gets_a_sentence():
    with pytest.raises(ValueError, match="c has no waiting list, referrals or removals for Jun 2020 or Jun 2019"):
        capacity.project(queue(), ["a", "c"], JUN20, 3, NO_SCENARIO, 2019)


def test_a_backtest_states_its_error_against_what_happened():
    result = capacity.backtest(queue(), ["a"], JUN20, SEP20, 2019, runs=200, seed=1)
    assert result.frame["actual"].tolist() == [1000, 1020, 1010, 990]
    assert result.frame["projected"].tolist() == [1000, 1030, 1060, 1090]
    assert result.final_error == 100 and result.final_error_share == pytest.approx(100 / 990)
    assert result.mean_abs_pct_error == pytest.approx((10 / 1020 + 50 / 1010 + 100 / 990) / 3)
    assert result.sentence().startswith(
        "Projected from Jun 2020 with that month's referrals and removals held at their share of the baseline year, "
        "the list in Sep 2020 was over-projected by 100 patients (10.1%). Mean absolute error 5.3% over 3 months"
    )


def test_the_latest_complete_month_needs_every_queue_measure_complete():
    rows = [(m, measure, "complete") for m in (JUL20, AUG20) for measure in capacity.QUEUE_MEASURES]
    rows[-1] = (AUG20, capacity.QUEUE_MEASURES[-1], "partial")
    frame = pd.DataFrame(rows, columns=["month", "measure", "state"])
    assert capacity.latest_complete_month(frame) == JUL20
    assert capacity.complete_months(frame) == [JUL20]
