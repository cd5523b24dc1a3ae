"""The demonstration store reproduces every published figure exactly at the system total."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.demo import allocate, build_demo_frame
from metrics import views

APR, JUN = dt.date(2020, 4, 1), dt.date(2020, 6, 1)


def month_total(store, measure: str, month: dt.date, **where) -> float:
    frame = store.measure_totals([measure], start=month, end=month, **where)
    return float(frame["value"].sum())


@pytest.mark.parametrize(
    ("measure", "month", "expected"),
    [("econsult_submissions", dt.date(2020, 2, 1), 3481), ("econsult_submissions", dt.date(2020, 7, 1), 15091)],
)
def test_econsult_submissions_match_the_bromley_plan(demo_store, measure, month, expected):
    assert month_total(demo_store, measure, month) == expected


def test_spa_figures_for_april_to_june_2020_match_the_bromley_plan(demo_store):
    def quarter(measure: str, **where) -> float:
        return float(demo_store.measure_totals([measure], start=APR, end=JUN, **where)["value"].sum())

    assert quarter("spa_discharges") == 1839
    assert quarter("spa_discharges", site="PRUH") == 854
    assert round(quarter("spa_discharges_within_24h") / quarter("spa_discharges"), 3) == 0.755
    assert quarter("spa_saved_bed_days") == 4459
    assert quarter("spa_welfare_calls") == 257


@pytest.mark.parametrize(
    ("metric_id", "expected"),
    [("ct_activity", 0.854), ("mri_activity", 0.923), ("op_first_activity", 0.955), ("op_followup_activity", 0.798)],
)
def test_july_2020_activity_matches_the_trust_assessment(demo_store, cfg, metric_id, expected):
    report = views.load_report(demo_store, cfg, dt.date(2020, 7, 1)).set_index("metric")
    assert report.loc[metric_id, "value"] == expected


def test_the_demo_is_deterministic(cfg):
    pd.testing.assert_frame_equal(build_demo_frame(cfg), build_demo_frame(cfg))


def test_the_demo_covers_every_measure_from_april_2019_or_when_it_began_to_march_2021(cfg):
    frame = build_demo_frame(cfg)
    months = frame.groupby("measure")["month"].agg(["min", "max", "nunique"])
    used = {measure for metric in cfg.metrics for measure in metric.input_measures}
    assert used <= set(months.index)
    began = {m.id: m.available_month for m in cfg.measures if m.id in set(months.index)}
    spa = [m for m, start in began.items() if start]
    assert set(spa) == {"spa_discharges", "spa_discharges_within_24h", "spa_saved_bed_days", "spa_welfare_calls"}
    assert (months.loc[spa, "min"] == dt.date(2020, 4, 1)).all()
    assert (months.loc[spa, "nunique"] == 12).all()
    # Flu vaccination is counted in season only (September to March): 14 months, none April to August.
    flu = [m for m in began if m.startswith("flu_")]
    assert len(flu) == 8
    assert (months.loc[flu, "nunique"] == 14).all()
    always = [m for m, start in began.items() if not start and m not in flu]
    assert (months.loc[always, "min"] == dt.date(2019, 4, 1)).all()
    assert (months.loc[always, "nunique"] == 24).all()
    assert (months["max"] == dt.date(2021, 3, 1)).all()


def test_the_demo_breaks_hospital_activity_down_by_specialty_and_site(cfg):
    frame = build_demo_frame(cfg)
    op = frame[(frame["measure"] == "op_first_attendances") & (frame["segment"] == "All")]
    assert {"cardiology", "trauma_orthopaedics"} <= set(op["service"])
    assert {"PRUH", "ORPINGTON"} <= set(op["site"])
    econsult = frame[frame["measure"] == "econsult_submissions"]
    assert set(econsult["site"]) == {s.id for s in cfg.sites if s.kind == "pcn"}


def test_the_most_deprived_quintile_recovers_more_slowly(demo_store, cfg):
    ratios = {}
    for segment in ("imd:1", "imd:5"):
        series = views.metric_series(demo_store, cfg, cfg.metric("elective_activity"), dt.date(2020, 10, 1),
                                     segment=segment)
        ratios[segment] = series.set_index("month").loc[dt.date(2020, 10, 1), "value"]
    assert ratios["imd:1"] < ratios["imd:5"]


def test_every_rag_status_appears_after_july_2020(demo_store, cfg):
    statuses = set()
    for month in (dt.date(2020, m, 1) for m in (8, 9, 10, 11, 12)):
        statuses |= set(views.load_overview(demo_store, cfg, month).tiles["status"])
    assert {"green", "amber", "red", "no_target"} <= statuses


def test_the_demo_store_is_labelled_and_has_an_upload_record(demo_store):
    assert demo_store.is_demo()
    uploads = demo_store.uploads()
    assert uploads["kind"].tolist() == ["demo"]


@pytest.mark.parametrize(
    ("total", "weights", "expected"), [(10, [1, 1, 1], [4, 3, 3]), (7, [0.5, 0.25, 0.25], [3, 2, 2])]
)
def test_allocation_adds_up_exactly(total, weights, expected):
    assert allocate(total, weights).tolist() == expected


# --- the whole system (issue 14) ------------------------------------------------------------------------


def _value(store, cfg, metric_id: str, month: dt.date) -> float:
    series = views.metric_series(store, cfg, cfg.metric(metric_id), dt.date(2021, 3, 1))
    return float(series.set_index("month").loc[month, "value"])


def test_video_consultations_17_may_to_17_august_2020_make_the_bromley_plans_5598(demo_store):
    from data.demo import VIDEO_WINDOW

    # Bromley plan (003, line 217): "5598 video consultations delivered across Bromley in the last three
    # months (17TH May – 17th August)"; the demonstration's months taken pro rata by days.
    window = sum(month_total(demo_store, "video_consultations", month) * days for month, days in VIDEO_WINDOW)
    assert round(window) == 5598


def test_care_home_non_conveyance_is_24_percent_in_april_2019_and_38_percent_in_april_2020(demo_store, cfg):
    assert _value(demo_store, cfg, "care_home_non_conveyance", dt.date(2019, 4, 1)) == 0.24
    assert _value(demo_store, cfg, "care_home_non_conveyance", dt.date(2020, 4, 1)) == 0.38


def test_winter_shows_occupancy_rising_and_4_hour_performance_falling_from_november(demo_store, cfg):
    winter = [dt.date(2020, m, 1) for m in (10, 11, 12)] + [dt.date(2021, 1, 1)]
    four_hours = [_value(demo_store, cfg, "ae_4h_all", m) for m in winter]
    occupancy = [_value(demo_store, cfg, "ga_bed_occupancy", m) for m in winter]
    assert four_hours == sorted(four_hours, reverse=True) and four_hours[0] - four_hours[-1] > 0.05
    assert occupancy == sorted(occupancy) and occupancy[-1] > 0.92


def test_mental_health_referrals_are_50_to_60_percent_of_normal_in_the_summer_of_2020(demo_store, cfg):
    # Bromley plan (003, lines 308-309): "Drop in referrals across the board – now 50/60% of normal."
    for month in (dt.date(2020, 5, 1), dt.date(2020, 6, 1), dt.date(2020, 7, 1)):
        assert 0.5 <= round(_value(demo_store, cfg, "iapt_referrals_activity", month), 2) <= 0.6


def test_the_new_measures_keep_every_earlier_figure_as_it_was(cfg):
    """The issue 14 measures come from a Generator of their own, after the earlier draws: a frame built
    without them holds the same rows (only the video consultations pinned to the plan's 5,598 moved)."""
    from data import demo

    builder = demo._Builder(cfg)
    builder.build_totals()
    builder.build_rows()
    builder.build_queue()
    before = builder.frame()
    after = build_demo_frame(cfg)
    after = after[after["measure"].isin(set(before["measure"]))].reset_index(drop=True)
    began = {m.id: m.available_month for m in cfg.measures if m.available_month}
    before = before[before["measure"].map(began).isna() | (before["month"] >= before["measure"].map(began))]
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after)
