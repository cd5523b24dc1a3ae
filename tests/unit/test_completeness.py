"""Completeness, computed not assumed (metrics.completeness through metrics.compute.compute_series):
complete, partial and missing months for ratio, share and count metrics, like-for-like ratios, a
service that began later, lower-is-better and neutral metrics, and the month the Overview opens on."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics import completeness, compute

JUL19, JUL20, AUG20, OCT19, OCT20 = (dt.date(2019, 7, 1), dt.date(2020, 7, 1), dt.date(2020, 8, 1),
                                     dt.date(2019, 10, 1), dt.date(2020, 10, 1))
MAR20, APR20, MAY20, AUG19 = dt.date(2020, 3, 1), dt.date(2020, 4, 1), dt.date(2020, 5, 1), dt.date(2019, 8, 1)


def cells(*items: tuple) -> pd.DataFrame:
    """(month, measure, service, site, value) rows."""
    return pd.DataFrame(list(items), columns=["month", "measure", "service", "site", "value"])


def series_for(cfg, metric_id: str, frame: pd.DataFrame, months: list[dt.date], **scope) -> pd.DataFrame:
    """What a page gets: totals with their cell counts and fingerprints, and the cells of the months
    whose completeness the totals alone cannot tell."""
    totals = completeness.totals_from_cells(frame)
    detail = completeness.detail_months(cfg, totals)
    chosen = frame[frame["month"].isin(detail)]
    return compute.compute_series(cfg, cfg.metric(metric_id), totals, months, cells=chosen, **scope)


# Outpatient first attendances at two sites × two services in October 2019 (the baseline month).
OCT_BASELINE = (
    (OCT19, "op_first_attendances", "cardiology", "PRUH", 100.0),
    (OCT19, "op_first_attendances", "cardiology", "ORPINGTON", 50.0),
    (OCT19, "op_first_attendances", "ent", "PRUH", 200.0),
    (OCT19, "op_first_attendances", "ent", "ORPINGTON", 150.0),
)


def test_a_month_with_every_baseline_cell_is_complete_and_judged(cfg):
    frame = cells(*OCT_BASELINE,
                  (OCT20, "op_first_attendances", "cardiology", "PRUH", 90.0),
                  (OCT20, "op_first_attendances", "cardiology", "ORPINGTON", 50.0),
                  (OCT20, "op_first_attendances", "ent", "PRUH", 200.0),
                  (OCT20, "op_first_attendances", "ent", "ORPINGTON", 150.0))
    series = series_for(cfg, "op_first_activity", frame, [OCT20])
    row = series.iloc[0]
    assert row["completeness"] == "complete" and row["completeness_text"] == ""
    assert (row["numerator"], row["denominator"]) == (490.0, 500.0)
    assert row["value"] == 0.98
    assert row["status"] == "amber"  # 2 points short of 100%


def test_a_partial_month_is_a_like_for_like_ratio_with_no_rag(cfg):
    # Only cardiology at the PRUH has arrived: 120 against its own 100, never against the whole 500.
    frame = cells(*OCT_BASELINE, (OCT20, "op_first_attendances", "cardiology", "PRUH", 120.0))
    row = series_for(cfg, "op_first_activity", frame, [OCT20]).iloc[0]
    assert (row["numerator"], row["denominator"]) == (120.0, 100.0)
    assert row["value"] == 1.2
    assert row["completeness"] == "partial"
    assert row["status"] == "partial"
    assert math.isnan(row["gap"])
    assert row["target"] == 1.0  # the trajectory is still shown
    assert row["completeness_text"] == (
        "partial: 1 of 2 sites (Princess Royal University Hospital) and 1 of 2 services (Cardiology)"
    )


def test_a_month_with_nothing_is_no_data(cfg):
    frame = cells(*OCT_BASELINE)
    row = series_for(cfg, "op_first_activity", frame, [OCT20]).iloc[0]
    assert row["completeness"] == "no_data" and row["status"] == "no_data"
    assert math.isnan(row["value"])


def test_cells_that_are_not_in_the_baseline_month_are_left_out_of_the_ratio(cfg):
    frame = cells(*OCT_BASELINE,
                  (OCT20, "op_first_attendances", "cardiology", "PRUH", 100.0),
                  (OCT20, "op_first_attendances", "cardiology", "ORPINGTON", 50.0),
                  (OCT20, "op_first_attendances", "ent", "PRUH", 200.0),
                  (OCT20, "op_first_attendances", "ent", "ORPINGTON", 150.0),
                  (OCT20, "op_first_attendances", "ent", "BECKENHAM_BEACON", 80.0))  # a new clinic
    row = series_for(cfg, "op_first_activity", frame, [OCT20]).iloc[0]
    assert row["completeness"] == "complete"
    assert (row["numerator"], row["denominator"], row["value"]) == (500.0, 500.0, 1.0)


def test_a_month_sent_as_a_total_compares_with_a_baseline_sent_by_site(cfg):
    frame = cells(*OCT_BASELINE, (OCT20, "op_first_attendances", "All", "All", 450.0))
    row = series_for(cfg, "op_first_activity", frame, [OCT20]).iloc[0]
    assert row["completeness"] == "complete"
    assert (row["numerator"], row["denominator"], row["value"]) == (450.0, 500.0, 0.9)


def test_a_share_is_complete_partial_or_missing(cfg):
    base = [(AUG19, m, s, "PRUH", v) for m, v in (("op_followup_attendances", 100.0), ("op_followup_virtual", 10.0))
            for s in ("cardiology", "ent")]
    complete = [(AUG20, "op_followup_attendances", s, "PRUH", 100.0) for s in ("cardiology", "ent")] + [
        (AUG20, "op_followup_virtual", s, "PRUH", 70.0) for s in ("cardiology", "ent")]
    series = series_for(cfg, "virtual_share_followup", cells(*base, *complete), [AUG20])
    assert series["value"].iloc[0] == 0.7 and series["status"].iloc[0] == "green"  # target 60% from Aug 2020
    # ENT's video figure has not arrived: the share is over cardiology alone (70 of 100), not 70 of 200.
    partial = complete[:3]
    row = series_for(cfg, "virtual_share_followup", cells(*base, *partial), [AUG20]).iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (70.0, 100.0, 0.7)
    assert row["status"] == "partial"
    assert row["completeness_text"] == "partial: 1 of 2 services (Cardiology)"
    missing = series_for(cfg, "virtual_share_followup", cells(*base), [AUG20]).iloc[0]
    assert missing["status"] == "no_data"


def test_a_lower_is_better_count_is_partial_until_every_specialty_arrives(cfg):
    base = [(OCT19, "rtt_52_week_waiters", s, "All", 10.0) for s in ("cardiology", "ent", "urology")]
    arrived = [(OCT20, "rtt_52_week_waiters", s, "All", 400.0) for s in ("cardiology", "ent")]
    row = series_for(cfg, "rtt_52_week_waiters", cells(*base, *arrived), [OCT20]).iloc[0]
    assert row["value"] == 800.0  # the count that arrived, shown as partial
    assert row["status"] == "partial"
    assert row["completeness_text"] == "partial: 2 of 3 services"
    whole = series_for(cfg, "rtt_52_week_waiters",
                       cells(*base, *arrived, (OCT20, "rtt_52_week_waiters", "urology", "All", 5.0)), [OCT20])
    assert whole["value"].iloc[0] == 805.0
    assert whole["status"].iloc[0] == "no_target" and whole["completeness"].iloc[0] == "complete"


def test_a_service_that_began_later_is_judged_against_its_declared_cells(cfg):
    # The SPA began in April 2020: no baseline month, so config.yaml declares 4 pathways × 3 sites.
    pathways, sites = ("spa_p0", "spa_p1", "spa_p2", "spa_p3"), ("PRUH", "KCH_DH", "OTHER_ACUTE")
    april = [(APR20, "spa_discharges", p, s, 10.0) for p in pathways for s in sites]
    may = [(MAY20, "spa_discharges", p, s, 10.0) for p in pathways for s in sites if s == "PRUH"]
    series = series_for(cfg, "spa_discharges", cells(*april, *may), [APR20, MAY20])
    assert series["completeness"].tolist() == ["complete", "partial"]
    assert series["value"].tolist() == [120.0, 40.0]
    # Neutral: no target to judge, and a partial month is still "partial", never a RAG.
    assert series["status"].tolist() == ["no_target", "partial"]
    assert series["completeness_text"].iloc[1] == "partial: 1 of 3 sites (Princess Royal University Hospital)"
    # Its charts start when it began.
    months = compute.chart_months(cfg, cfg.metric("spa_discharges"), dt.date(2021, 3, 1))
    assert months[0] == APR20 and MAR20 not in months
    assert compute.chart_months(cfg, cfg.metric("spa_within_24h"), dt.date(2021, 3, 1))[0] == APR20


def test_a_selection_is_judged_within_itself(cfg):
    # At the PRUH alone, October 2020 has both of its services: complete there, partial system-wide.
    frame = cells(*[r for r in OCT_BASELINE],
                  (OCT20, "op_first_attendances", "cardiology", "PRUH", 100.0),
                  (OCT20, "op_first_attendances", "ent", "PRUH", 200.0))
    pruh = frame[frame["site"] == "PRUH"]
    assert series_for(cfg, "op_first_activity", pruh, [OCT20], site="PRUH")["completeness"].iloc[0] == "complete"
    assert series_for(cfg, "op_first_activity", frame, [OCT20])["completeness"].iloc[0] == "partial"


def test_totals_without_cell_counts_are_taken_as_complete(cfg):
    totals = pd.DataFrame({"month": [JUL19, JUL20], "measure": ["ct_tests", "ct_tests"], "value": [1000.0, 854.0]})
    row = compute.compute_series(cfg, cfg.metric("ct_activity"), totals, [JUL20]).iloc[0]
    assert row["completeness"] == "complete" and row["value"] == 0.854


@pytest.mark.parametrize(
    ("share", "opens_on"), [(1.0, dt.date(2021, 3, 1)), (0.5, dt.date(2021, 4, 1))]
)
def test_the_overview_opens_on_the_latest_month_meeting_the_rule(cfg, share, opens_on):
    mar, apr = dt.date(2021, 3, 1), dt.date(2021, 4, 1)
    frames = {
        "a": pd.DataFrame({"month": [mar, apr], "completeness": ["complete", "complete"]}),
        "b": pd.DataFrame({"month": [mar, apr], "completeness": ["complete", "partial"]}),
    }
    rule = cfg.model_copy(update={"completeness": cfg.completeness.model_copy(
        update={"overview_min_complete_share": share})})
    states = completeness.overview_month_states(rule, frames, [mar, apr])
    assert completeness.opening_month(states) == opens_on
    assert completeness.month_label(apr, states[apr]) == ("Apr 2021 (partial)" if share == 1.0 else "Apr 2021")


def test_months_a_metric_does_not_cover_do_not_count_against_completeness(cfg):
    frames = {
        "ratio": pd.DataFrame({"month": [APR20], "completeness": ["complete"]}),
        "count": pd.DataFrame({"month": [MAR20, APR20], "completeness": ["complete", "complete"]}),
    }
    assert completeness.overview_month_states(cfg, frames, [MAR20, APR20]) == {MAR20: "complete", APR20: "complete"}


def test_a_partial_month_is_drawn_as_a_hollow_point_off_the_line_with_what_is_missing(cfg):
    from metrics.charts import build_trajectory_chart

    frame = cells(*OCT_BASELINE,
                  (dt.date(2019, 9, 1), "op_first_attendances", "cardiology", "PRUH", 100.0),
                  (dt.date(2020, 9, 1), "op_first_attendances", "cardiology", "PRUH", 95.0),
                  (OCT20, "op_first_attendances", "cardiology", "PRUH", 120.0))
    sep20 = dt.date(2020, 9, 1)
    series = series_for(cfg, "op_first_activity", frame, [sep20, OCT20])
    figure = build_trajectory_chart(series, cfg.metric("op_first_activity"))
    line, hollow = figure.data[0], figure.data[1]
    assert list(line.y) == [0.95, None]  # the line stops at the last complete month
    assert hollow.name == "Partial month (not all figures in)"
    assert list(hollow.y) == [1.2] and hollow.marker.symbol == "circle-open"
    assert "Partial: 1 of 2 sites (Princess Royal University Hospital)" in hollow.hovertext[0]
