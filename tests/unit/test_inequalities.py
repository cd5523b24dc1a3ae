"""Recovery by population segment and the deprivation gap (metrics.inequalities)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics import inequalities
from metrics.config import Dimension

JUL19, AUG19, JUL20, AUG20 = dt.date(2019, 7, 1), dt.date(2019, 8, 1), dt.date(2020, 7, 1), dt.date(2020, 8, 1)
IMD1 = Dimension(id="imd:1", label="IMD quintile 1 (most deprived)", group="imd")
IMD5 = Dimension(id="imd:5", label="IMD quintile 5 (least deprived)", group="imd")


def segments(*items: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["month", "measure", "segment", "value"])


# Elective activity = ordinary + day case spells, as a share of the same month of 2019/20.
FRAME = segments(
    (JUL19, "elective_ordinary_spells", "imd:1", 10.0), (JUL19, "elective_daycase_spells", "imd:1", 90.0),
    (JUL20, "elective_ordinary_spells", "imd:1", 5.0), (JUL20, "elective_daycase_spells", "imd:1", 55.0),
    (AUG19, "elective_ordinary_spells", "imd:1", 10.0), (AUG19, "elective_daycase_spells", "imd:1", 90.0),
    (AUG20, "elective_ordinary_spells", "imd:1", 10.0), (AUG20, "elective_daycase_spells", "imd:1", 60.0),
    (JUL19, "elective_ordinary_spells", "imd:5", 20.0), (JUL19, "elective_daycase_spells", "imd:5", 180.0),
    (JUL20, "elective_ordinary_spells", "imd:5", 20.0), (JUL20, "elective_daycase_spells", "imd:5", 140.0),
    (AUG19, "elective_ordinary_spells", "imd:5", 20.0), (AUG19, "elective_daycase_spells", "imd:5", 180.0),
    (AUG20, "elective_ordinary_spells", "imd:5", 20.0), (AUG20, "elective_daycase_spells", "imd:5", 160.0),
)


@pytest.fixture
def recovery(cfg) -> pd.DataFrame:
    return inequalities.recovery_by_segment(cfg, cfg.metric("elective_activity"), FRAME, [IMD1, IMD5], [JUL20, AUG20])


def test_each_segment_is_compared_with_its_own_baseline_month(recovery):
    values = {(r.segment, r.month): round(r.value, 6) for r in recovery.itertuples(index=False)}
    assert values == {("imd:1", JUL20): 0.6, ("imd:1", AUG20): 0.7, ("imd:5", JUL20): 0.8, ("imd:5", AUG20): 0.9}
    first = recovery.iloc[0]
    assert (first["label"], first["numerator"], first["denominator"]) == ("IMD quintile 1 (most deprived)", 60.0, 100.0)


def test_each_segment_carries_the_trajectory_and_its_gap(recovery):
    august = recovery[recovery["month"] == AUG20].set_index("segment")
    assert august.loc["imd:1", "target"] == 0.7  # Phase 3: 70% in August 2020
    assert august.loc["imd:1", "gap"] == pytest.approx(0.0)
    assert august.loc["imd:5", "status"] == "green"


def test_a_share_metric_is_each_segments_own_share_against_the_standard(cfg):
    frame = segments(
        (JUL20, "cervical_screened_in_time", "imd:1", 64.0), (JUL20, "cervical_eligible", "imd:1", 100.0),
        (JUL20, "cervical_screened_in_time", "imd:5", 78.0), (JUL20, "cervical_eligible", "imd:5", 100.0),
    )
    shares = inequalities.recovery_by_segment(cfg, cfg.metric("cervical_screening"), frame, [IMD1, IMD5], [JUL20])
    rows = shares.set_index("segment")
    assert rows["value"].round(6).to_dict() == {"imd:1": 0.64, "imd:5": 0.78}
    assert rows.loc["imd:1", "target"] == 0.80 and rows.loc["imd:1", "status"] == "red"
    assert rows.loc["imd:5", "status"] == "amber"


def test_a_count_metric_is_each_segments_count(cfg):
    frame = segments((JUL20, "rtt_52_week_waiters", "imd:1", 12.0), (JUL20, "rtt_52_week_waiters", "imd:5", 3.0))
    counts = inequalities.recovery_by_segment(cfg, cfg.metric("rtt_52_week_waiters"), frame, [IMD1, IMD5], [JUL20])
    assert counts["value"].tolist() == [12.0, 3.0]


NOT_STATED = Dimension(id="ethnicity:Not stated", label="Not stated", group="ethnicity")
WHITE = Dimension(id="ethnicity:White", label="White", group="ethnicity")


def test_only_segments_holding_figures_are_shown():
    frame = segments((JUL20, "iapt_referrals", "ethnicity:White", 80.0))
    assert inequalities.present_segments([WHITE, NOT_STATED], frame) == [WHITE]
    assert inequalities.present_segments([WHITE], segments()) == []


def test_the_completeness_of_ethnicity_recording_is_recorded_over_all():
    frame = segments(
        (JUL20, "iapt_referrals", "ethnicity:White", 70.0), (JUL20, "iapt_referrals", "ethnicity:Black", 10.0),
        (JUL20, "iapt_referrals", "ethnicity:Not stated", 20.0), (AUG20, "iapt_referrals", "ethnicity:White", 90.0),
        (AUG20, "other_measure", "ethnicity:Not stated", 50.0),
    )
    table = inequalities.recording_completeness(frame, ["iapt_referrals"])
    assert table["month"].tolist() == [JUL20, AUG20]
    assert table["share"].tolist() == [0.8, 1.0]
    assert table["not_stated"].tolist() == [20.0, 0.0]
    assert inequalities.recording_completeness(frame[frame["segment"] != "ethnicity:Not stated"],
                                               ["iapt_referrals"]).empty


def test_the_gap_is_the_most_minus_the_least_deprived(recovery):
    gap = inequalities.deprivation_gap(recovery)
    assert gap["month"].tolist() == [JUL20, AUG20]
    assert [round(g, 6) for g in gap["gap"]] == [-0.2, -0.2]
    assert gap.loc[0, ["most_deprived", "least_deprived"]].round(6).tolist() == [0.6, 0.8]


def test_the_gap_is_empty_where_a_quintile_is_missing(recovery):
    gap = inequalities.deprivation_gap(recovery[recovery["segment"] == "imd:1"])
    assert gap["gap"].isna().all()


def test_the_table_compares_each_group_with_everyone(recovery):
    overall = pd.DataFrame({
        "month": [AUG20], "value": [0.85], "numerator": [255.0], "denominator": [300.0], "target": [0.7],
        "gap": [0.15], "status": ["green"],
    })
    table = inequalities.recovery_table(recovery, overall, AUG20)
    assert table["segment"].tolist() == ["imd:1", "imd:5", "Everyone"]
    assert [round(x, 6) for x in table["vs_everyone"]] == [-0.15, 0.05, 0.0]
    text = inequalities.recovery_table_text(table)
    assert text.loc[0].tolist() == [
        "IMD quintile 1 (most deprived)", "70", "100", "70.0%", "−15.0 pts", "70.0%", "±0.0 pts",
    ]
    assert text.loc[2, "Activity"] == "255"


def test_the_chart_csv_keeps_fractions_and_uk_months(cfg, recovery):
    csv = inequalities.recovery_csv(recovery, cfg.metric("elective_activity"))
    assert csv["month"].tolist()[:2] == ["Jul 2020", "Aug 2020"]
    assert csv["recovery"].tolist()[:2] == [0.6, 0.7]
