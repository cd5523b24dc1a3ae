"""Metric series and RAG: ratio, share and count metrics; every status in both directions."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics import compute
from metrics.config import load_config

JUL19, JUL20, AUG20, OCT20 = dt.date(2019, 7, 1), dt.date(2020, 7, 1), dt.date(2020, 8, 1), dt.date(2020, 10, 1)


def totals(rows: list[tuple[dt.date, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "measure", "value"])


@pytest.mark.parametrize(
    ("value", "target", "improvement", "expected"),
    [
        (0.90, 0.90, "increase", "green"),  # exactly on target
        (0.93, 0.90, "increase", "green"),
        (0.86, 0.90, "increase", "amber"),  # 4 points short
        (0.85, 0.90, "increase", "amber"),  # exactly 5 points short: still within the margin
        (0.84, 0.90, "increase", "red"),
        (0.25, 0.25, "decrease", "green"),
        (0.10, 0.25, "decrease", "green"),  # lower is better: far below the target is on target
        (0.29, 0.25, "decrease", "amber"),  # 4 points above a lower-is-better target
        (0.31, 0.25, "decrease", "red"),
        (0.50, None, "increase", "no_target"),
        (None, 0.90, "increase", "no_data"),
        (float("nan"), 0.90, "increase", "no_data"),
        (0.50, 0.90, "neutral", "no_target"),
    ],
)
def test_rag_status_for_percentages(value, target, improvement, expected):
    assert compute.rag_status(value, target, improvement, margin=0.05) == expected


@pytest.mark.parametrize(
    ("value", "target", "improvement", "expected"),
    [
        (100, 100, "decrease", "green"),
        (104, 100, "decrease", "amber"),  # within 5% of the target
        (106, 100, "decrease", "red"),
        (96, 100, "increase", "amber"),
        (94, 100, "increase", "red"),
        (120, 100, "increase", "green"),
    ],
)
def test_rag_status_for_counts_uses_a_margin_relative_to_the_target(value, target, improvement, expected):
    assert compute.rag_status(value, target, improvement, margin=0.05, relative_margin=True) == expected


def test_a_ratio_to_baseline_divides_by_the_same_month_of_the_baseline_year():
    cfg = load_config()
    metric = cfg.metric("elective_activity")
    frame = totals([
        (JUL19, "elective_ordinary_spells", 100), (JUL19, "elective_daycase_spells", 900),
        (AUG20.replace(year=2019), "elective_ordinary_spells", 100),
        (AUG20.replace(year=2019), "elective_daycase_spells", 400),
        (JUL20, "elective_ordinary_spells", 80), (JUL20, "elective_daycase_spells", 600),
        (AUG20, "elective_ordinary_spells", 50), (AUG20, "elective_daycase_spells", 300),
    ])
    series = compute.compute_series(cfg, metric, frame, [JUL20, AUG20])
    assert series["numerator"].tolist() == [680, 350]
    assert series["denominator"].tolist() == [1000, 500]
    assert series["value"].tolist() == [0.68, 0.70]
    assert math.isnan(series["target"].iloc[0])  # no trajectory before August 2020
    assert series["target"].iloc[1] == 0.70
    assert series["status"].tolist() == ["no_target", "green"]


def test_a_ratio_missing_one_of_its_measures_is_partial_like_for_like_and_never_understated():
    cfg = load_config()
    metric = cfg.metric("elective_activity")
    frame = totals([
        (JUL19, "elective_ordinary_spells", 100), (JUL19, "elective_daycase_spells", 900),
        (JUL20, "elective_daycase_spells", 600),
    ])
    series = compute.compute_series(cfg, metric, frame, [JUL20])
    # Day cases against day cases (600 / 900), not against both measures' baseline (600 / 1000).
    assert series["value"].iloc[0] == 600 / 900
    assert series["status"].iloc[0] == "partial"
    assert series["completeness_text"].iloc[0] == "partial: nothing yet for elective ordinary (overnight) spells"


def test_a_share_divides_numerator_by_denominator_in_the_same_month():
    cfg = load_config()
    metric = cfg.metric("virtual_share_followup")
    frame = totals([(OCT20, "op_followup_virtual", 570), (OCT20, "op_followup_attendances", 1000)])
    series = compute.compute_series(cfg, metric, frame, [OCT20])
    row = series.iloc[0]
    assert (row["value"], row["target"], row["status"]) == (0.57, 0.60, "amber")
    assert row["gap"] == pytest.approx(-0.03)


def test_a_count_against_a_reference_month_reports_the_reference_and_a_target_multiple_of_it():
    cfg = load_config()
    metric = cfg.metric("cancer_62_day_backlog")
    feb = dt.date(2020, 2, 1)
    frame = totals([(feb, "cancer_62_day_backlog", 60), (OCT20, "cancer_62_day_backlog", 78)])
    series = compute.compute_series(cfg, metric, frame, [feb, OCT20])
    assert series["value"].tolist() == [60, 78]
    assert series["denominator"].tolist() == [60, 60]
    assert math.isnan(series["target"].iloc[0])  # the target applies from October 2020
    assert series["target"].iloc[1] == 60
    assert series["gap"].iloc[1] == 18
    assert series["status"].iloc[1] == "red"  # lower is better: 18 above a target of 60


def test_a_count_without_target_has_no_target_status():
    cfg = load_config()
    metric = cfg.metric("rtt_52_week_waiters")
    frame = totals([(OCT20, "rtt_52_week_waiters", 520)])
    series = compute.compute_series(cfg, metric, frame, [OCT20])
    assert series["value"].iloc[0] == 520
    assert series["status"].iloc[0] == "no_target"


def test_a_month_with_no_data_is_reported_as_no_data():
    cfg = load_config()
    series = compute.compute_series(cfg, cfg.metric("ct_activity"), totals([]), [OCT20])
    assert series["status"].tolist() == ["no_data"]


@pytest.mark.parametrize(
    ("metric_id", "value", "expected"),
    [("ct_activity", 0.854, "85.4%"), ("econsult_submissions", 15091.0, "15,091"), ("ct_activity", float("nan"), "–")],
)
def test_values_are_formatted_for_people(metric_id, value, expected):
    assert compute.format_value(value, load_config().metric(metric_id)) == expected


@pytest.mark.parametrize(
    ("metric_id", "gap", "expected"),
    [("ct_activity", -0.046, "−4.6 pts"), ("ct_activity", 0.02, "+2.0 pts"), ("cancer_62_day_backlog", 18.0, "+18")],
)
def test_gaps_are_signed_and_in_points_for_percentages(metric_id, gap, expected):
    assert compute.format_gap(gap, load_config().metric(metric_id)) == expected


def test_status_words_say_which_way_the_target_was_missed():
    cfg = load_config()
    elective = cfg.metric("elective_activity")
    assert compute.describe_status("red", -0.07, elective, 0.05) == "Red: 7.0 points below target"
    assert compute.describe_status("red", 18, cfg.metric("cancer_62_day_backlog"), 0.05) == "Red: 18 above target"
    assert compute.describe_status("green", 0.0, cfg.metric("ct_activity"), 0.05) == "Green: target met"


def test_ratio_charts_start_after_the_baseline_year_and_others_include_it():
    cfg = load_config()
    assert compute.chart_months(cfg, cfg.metric("ct_activity"), dt.date(2021, 3, 1))[0] == dt.date(2020, 4, 1)
    assert compute.chart_months(cfg, cfg.metric("econsult_submissions"), dt.date(2021, 3, 1))[0] == dt.date(2019, 4, 1)


def test_the_reference_line_of_a_count_tile_names_the_reference_month():
    cfg = load_config()
    row = {"value": 15091.0, "denominator": 3481.0}
    assert compute.describe_reference(row, cfg.metric("econsult_submissions")) == "434% of Feb 2020 (3,481)"
    assert compute.describe_reference(row, cfg.metric("rtt_52_week_waiters")) == ""
