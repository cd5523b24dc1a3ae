"""compute.group_series: a metric for many groups in one pass gives what compute_series gives for each
group alone (shares, ratios to the baseline year, counts against a reference month); and the declared
pages' breakdown (views.load_breakdown) built on it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics import compute, views
from metrics.months import month_range

MONTHS = month_range(dt.date(2020, 4, 1), dt.date(2021, 3, 1))


def _rows(*items: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["month", "measure", "site", "value"])


JUL19, JUL20, FEB20 = dt.date(2019, 7, 1), dt.date(2020, 7, 1), dt.date(2020, 2, 1)


def test_a_share_is_numerator_over_denominator_for_each_group(cfg):
    totals = _rows((JUL20, "ae_within_4h_all", "A", 90.0), (JUL20, "ae_attendances_all", "A", 100.0),
                   (JUL20, "ae_within_4h_all", "B", 45.0), (JUL20, "ae_attendances_all", "B", 50.0))
    frame = compute.group_series(cfg, cfg.metric("ae_4h_all"), totals, "site", ["A", "B", "C"], [JUL20])
    assert frame["key"].tolist() == ["A", "B", "C"]
    assert frame["value"].round(6).tolist()[:2] == [0.9, 0.9]
    assert pd.isna(frame["value"].iloc[2]) and frame["status"].iloc[2] == "no_data"
    assert frame["target"].tolist()[:2] == [0.95, 0.95] and frame["status"].tolist()[:2] == ["amber", "amber"]


def test_a_ratio_divides_by_the_same_month_of_the_baseline_year_for_the_group(cfg):
    totals = _rows((JUL19, "ae_attendances_type1", "A", 200.0), (JUL20, "ae_attendances_type1", "A", 150.0))
    frame = compute.group_series(cfg, cfg.metric("ae_type1_activity"), totals, "site", ["A"], [JUL20])
    assert frame[["value", "numerator", "denominator"]].iloc[0].tolist() == [0.75, 150.0, 200.0]
    assert frame["status"].iloc[0] == "no_target"  # a neutral measure of demand is not judged


def test_a_count_carries_its_reference_month_and_a_target_as_a_multiple_of_it(cfg):
    totals = _rows((FEB20, "cancer_62_day_backlog", "A", 60.0), (dt.date(2020, 10, 1), "cancer_62_day_backlog", "A",
                                                                   66.0))
    frame = compute.group_series(cfg, cfg.metric("cancer_62_day_backlog"), totals, "site", ["A"],
                                 [dt.date(2020, 10, 1)])
    row = frame.iloc[0]
    assert (row["value"], row["denominator"], row["target"], row["status"]) == (66.0, 60.0, 60.0, "red")


def test_no_groups_or_months_give_an_empty_frame_with_the_columns(cfg):
    frame = compute.group_series(cfg, cfg.metric("ae_4h_all"), _rows(), "site", [], [JUL20])
    assert frame.empty and "status" in frame.columns


@pytest.mark.parametrize(("metric_id", "site"), [("ae_4h_all", "ORPINGTON"), ("ga_bed_occupancy", "PRUH"),
                                                 ("ae_type1_activity", "PRUH"), ("covid_inpatients", "PRUH")])
def test_it_matches_compute_series_for_one_group_on_the_demonstration_store(demo_store, cfg, metric_id, site):
    metric = cfg.metric(metric_id)
    totals = demo_store.measure_totals_by("site", metric.input_measures, start=cfg.first_month)
    grouped = compute.group_series(cfg, metric, totals, "site", [site], MONTHS).set_index("month")
    alone = compute.compute_series(cfg, metric, totals[totals["site"] == site][["month", "measure", "value"]],
                                   MONTHS).set_index("month")
    for column in ("value", "numerator", "denominator", "target", "status"):
        assert grouped[column].tolist() == pytest.approx(alone[column].tolist(), nan_ok=True) \
            if column != "status" else grouped[column].tolist() == alone[column].tolist(), column


def test_the_breakdown_by_site_holds_only_sites_with_figures_in_config_order(demo_store, cfg):
    groups = views.load_breakdown(demo_store, cfg, "ae_4h_all", "site", start=dt.date(2020, 4, 1),
                                  end=dt.date(2021, 3, 1))
    assert list(dict.fromkeys(groups["label"])) == ["Princess Royal University Hospital", "Orpington Hospital",
                                                    "Beckenham Beacon"]
    assert len(groups) == 3 * 12
