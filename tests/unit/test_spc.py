"""Making Data Count SPC (metrics/spc.py) against hand-worked numbers and ../shared/SPC.md's cases."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import yaml

from metrics.config import DEFAULT_CONFIG_PATH, Config, ConfigError, parse_config
from metrics.months import add_months
from metrics.spc import (
    assurance_icon,
    compute_spc,
    find_shifts,
    find_trends,
    find_two_of_three,
    rebase_positions,
    spc_for_series,
    spc_one_point_group,
    variation_icon,
)

NAN = math.nan

# A fixed baseline used by most rule tests: twelve points alternating 12, 10 (ending below the mean).
#   mean = 11; every moving range is 2, so MRbar = 2 (3.267 × 2 = 6.534 screens nothing)
#   limits = 11 ± 2.66 × 2 = 11 ± 5.32 → LPL 5.68, UPL 16.32
#   near-limit band = 11 ± (2/3) × 5.32 = 11 ± 3.5467 → 7.4533 … 14.5467
# With fix_after_n_points=12 the points appended after it do not move these limits.
BASELINE = [12, 10] * 6
FIXED = {"fix_after_n_points": 12}


def rules(values: list[float], **kwargs) -> list[int]:
    return compute_spc(values, **kwargs)["rule"].tolist()


def tail(values: list[int], n: int) -> list[int]:
    return values[-n:]


# --- limits -------------------------------------------------------------------------------------------


def test_limits_match_the_hand_worked_xmr_arithmetic():
    # 10, 12, 11, 13, 14: mean = 60 / 5 = 12; moving ranges 2, 1, 2, 1 → MRbar = 6 / 4 = 1.5
    # (3.267 × 1.5 = 4.90, nothing screened); limits 12 ± 2.66 × 1.5 = 12 ± 3.99;
    # near band 12 ± (2/3) × 3.99 = 12 ± 2.66.
    frame = compute_spc([10, 12, 11, 13, 14])
    first = frame.iloc[0]
    assert first["mean"] == pytest.approx(12)
    assert first["lpl"] == pytest.approx(8.01)
    assert first["upl"] == pytest.approx(15.99)
    assert first["near_lpl"] == pytest.approx(9.34)
    assert first["near_upl"] == pytest.approx(14.66)
    assert frame["moving_range"].tolist()[1:] == [2, 1, 2, 1]
    assert math.isnan(frame["moving_range"].iloc[0])


# 10, 11, 10, 11, 10, 50, 10, 11, 10, 11: mean = 144 / 10 = 14.4
# moving ranges 1, 1, 1, 1, 40, 40, 1, 1, 1 → MRbar = 87 / 9 = 9.667
# screening: 3.267 × 9.667 = 31.58, so both 40s go; MRbar = 7 / 7 = 1 → limits 14.4 ± 2.66
# without screening: limits 14.4 ± 2.66 × 87 / 9 = 14.4 ± 25.713
SPIKE = [10, 11, 10, 11, 10, 50, 10, 11, 10, 11]


@pytest.mark.parametrize(
    ("screen", "lpl", "upl"),
    [(True, 11.74, 17.06), (False, 14.4 - 2.66 * 87 / 9, 14.4 + 2.66 * 87 / 9)],
    ids=["screened", "not_screened"],
)
def test_screening_drops_moving_ranges_beyond_3_267_mrbar_and_keeps_the_mean(screen, lpl, upl):
    frame = compute_spc(SPIKE, screen_outliers=screen)
    assert frame["mean"].iloc[0] == pytest.approx(14.4)
    assert frame["lpl"].iloc[0] == pytest.approx(lpl)
    assert frame["upl"].iloc[0] == pytest.approx(upl)


def test_screening_changes_which_points_are_signals():
    # Screened, the limits are 11.74 … 17.06, so every 10 and 11 (and the 50) is outside: the spike pulls
    # the mean up to 14.4. Unscreened (−11.31 … 40.11, near band 14.4 ± 17.14) only the 50 is a signal.
    assert rules(SPIKE) == [1] * 10
    assert rules(SPIKE, screen_outliers=False) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]


def test_a_constant_series_has_limits_on_its_mean_and_no_signals():
    # MRbar = 0: screening has nothing to drop (the package would leave NaN limits here).
    frame = compute_spc([5] * 13)
    assert frame[["lpl", "mean", "upl"]].iloc[0].tolist() == [5, 5, 5]
    assert set(frame["point_type"]) == {"common_cause"}


# --- rebase groups ------------------------------------------------------------------------------------


def test_a_rebase_starts_a_group_with_its_own_limits_and_no_moving_range_across_it():
    # Group 0: 1, 2, 1, 2, 1 → mean 1.4, MRbar 1 → 1.4 ± 2.66 = −1.26 … 4.06
    # Group 1: 10, 11, 10, 11, 10 → mean 10.4, MRbar 1 → 7.74 … 13.06
    # Unscreened, a moving range of 9 across the rebase would make MRbar 17 / 9.
    frame = compute_spc([1, 2, 1, 2, 1, 10, 11, 10, 11, 10], rebase_indices=[5], screen_outliers=False)
    assert frame["group"].tolist() == [0] * 5 + [1] * 5
    assert math.isnan(frame["moving_range"].iloc[5])
    assert frame[["lpl", "upl"]].iloc[0].tolist() == pytest.approx([-1.26, 4.06])
    assert frame[["lpl", "upl"]].iloc[9].tolist() == pytest.approx([7.74, 13.06])


def test_without_the_rebase_the_jump_widens_the_unscreened_limits():
    frame = compute_spc([1, 2, 1, 2, 1, 10, 11, 10, 11, 10], screen_outliers=False)
    assert frame["upl"].iloc[0] == pytest.approx(5.9 + 2.66 * 17 / 9)


def test_runs_do_not_cross_a_rebase():
    # 1, 2, … 8 climbs across position 7; as one group it is a trend (limits −3.97 … 12.40, nothing
    # outside or close), split at 7 each side has only four rising points.
    values = [5, 1, 5, 1, 2, 3, 4, 5, 6, 7, 8, 2, 9, 1]
    assert rules(values) == [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0]
    assert rules(values, rebase_indices=[7]) == [0] * 14


def test_a_rebase_at_the_first_point_changes_nothing():
    assert compute_spc(SPIKE, rebase_indices=[0]).equals(compute_spc(SPIKE))


# --- fixed baseline and trial limits ------------------------------------------------------------------


def test_fixed_limits_come_from_the_first_n_points_only():
    # Unfixed, the three 20s would lift the mean to (132 + 60) / 15 = 12.8.
    frame = compute_spc([*BASELINE, 20, 20, 20], **FIXED)
    assert frame["mean"].iloc[-1] == pytest.approx(11)
    assert frame[["lpl", "upl"]].iloc[-1].tolist() == pytest.approx([5.68, 16.32])
    assert frame["baseline"].tolist() == [True] * 12 + [False] * 3
    assert tail(frame["rule"].tolist(), 3) == [1, 1, 1]
    assert compute_spc([*BASELINE, 20, 20, 20])["mean"].iloc[0] == pytest.approx(12.8)


def test_the_fixed_baseline_counts_points_with_a_value():
    frame = compute_spc([NAN, NAN, *BASELINE, 20], **FIXED)
    assert frame["mean"].iloc[0] == pytest.approx(11)
    assert frame["baseline"].tolist() == [False, False] + [True] * 12 + [False]


@pytest.mark.parametrize(("points", "trial"), [(12, True), (13, False)])
def test_groups_under_13_points_have_trial_limits(points, trial):
    assert set(compute_spc([10, 12] * 6 + [11] * (points - 12))["trial_limits"]) == {trial}


def test_trial_limits_are_judged_per_group():
    frame = compute_spc([10, 12] * 7 + [20, 21, 22], rebase_indices=[14])
    assert frame["trial_limits"].tolist() == [False] * 14 + [True] * 3


# --- the four rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "direction"), [(17, 1), (5, -1)])
def test_a_point_beyond_a_limit_meets_rule_one(value, direction):
    frame = compute_spc([*BASELINE, value], **FIXED)
    assert frame["rule"].iloc[-1] == 1
    assert frame["direction"].iloc[-1] == direction
    assert frame["rule"].tolist()[:12] == [0] * 12


def test_a_point_exactly_on_a_limit_is_close_not_outside():
    # 0, 1, 0, 1 …: mean 0.5, MRbar 1, UPL 0.5 + 2.66 = 3.16 (the same float as the literal 3.16).
    frame = compute_spc([0, 1] * 6 + [3.16], **FIXED)
    assert frame["upl"].iloc[-1] == 3.16
    assert frame[["outside", "close", "rule"]].iloc[-1].tolist() == [False, True, 0]


def test_seven_rising_points_are_a_trend_even_below_the_mean():
    # After the baseline's last 10: 10.2 … 11.4 rise, so positions 11–18 (eight points) form the trend;
    # five of them lie below the mean of 11 but the direction comes from the slope.
    frame = compute_spc([*BASELINE, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2, 11.4], **FIXED)
    assert frame["rule"].tolist() == [0] * 11 + [2] * 8
    assert frame["direction"].tolist()[11:] == [1] * 8
    assert set(frame["point_type"].iloc[11:]) == {"special_cause_improvement"}


def test_a_tie_breaks_a_trend():
    assert rules([*BASELINE, 10.2, 10.4, 10.6, 10.6, 10.8, 11.0, 11.2], **FIXED) == [0] * 19


def test_seven_falling_points_are_a_downward_trend():
    frame = compute_spc([10, 12] * 6 + [11.8, 11.6, 11.4, 11.2, 11.0, 10.8, 10.6], **FIXED)
    assert frame["rule"].tolist() == [0] * 11 + [2] * 8
    assert frame["direction"].tolist()[11:] == [-1] * 8


def test_two_of_three_close_points_on_one_side_flag_only_the_close_ones():
    # 15 and 15.5 lie in the near band (14.55 … 16.32); 12 is above the mean but not close.
    assert tail(rules([*BASELINE, 15, 12, 15.5, 10], **FIXED), 4) == [3, 0, 3, 0]


def test_two_of_three_works_below_the_mean():
    frame = compute_spc([*BASELINE, 7, 10, 7.2, 12], **FIXED)
    assert tail(frame["rule"].tolist(), 4) == [3, 0, 3, 0]
    assert frame["direction"].iloc[12] == -1


def test_two_close_points_on_mixed_sides_flag_nothing():
    assert tail(rules([*BASELINE, 15, 10, 15.5, 10], **FIXED), 4) == [0, 0, 0, 0]


def test_one_close_point_in_three_flags_nothing():
    assert tail(rules([*BASELINE, 15, 12, 12, 10], **FIXED), 4) == [0, 0, 0, 0]


def test_a_point_outside_the_limits_does_not_count_as_close():
    # 17 is outside (rule 1) so the window 17, 15, 12 has one close point; with 16 (inside) it has two.
    assert tail(rules([*BASELINE, 17, 15, 12, 10], **FIXED), 4) == [1, 0, 0, 0]
    assert tail(rules([*BASELINE, 16, 15, 12, 10], **FIXED), 4) == [3, 3, 0, 0]


def test_eight_points_above_the_mean_are_a_shift():
    assert tail(rules([*BASELINE, *[11.5] * 8, 10.5], **FIXED), 9) == [4] * 8 + [0]


def test_six_points_on_one_side_are_not_a_shift():
    assert tail(rules([*BASELINE, *[11.5] * 6, 10.5], **FIXED), 7) == [0] * 7


def test_a_point_on_the_mean_breaks_a_shift():
    assert tail(rules([*BASELINE, 11.5, 11.5, 11.5, 11, 11.5, 11.5, 11.5, 11.5], **FIXED), 8) == [0] * 8


# --- rule priority ------------------------------------------------------------------------------------


def test_outside_the_limits_beats_a_trend():
    # 1 … 7: mean 4, MRbar 1, limits 1.34 … 6.66, so 1 and 7 are outside and the rest a trend.
    frame = compute_spc([1, 2, 3, 4, 5, 6, 7])
    assert frame["rule"].tolist() == [1, 2, 2, 2, 2, 2, 1]
    assert frame["point_type"].tolist() == ["special_cause_concern"] + ["special_cause_improvement"] * 6


def test_a_trend_beats_a_shift():
    # 11.1 … 11.7 after the baseline's last 10: eight rising points, the last seven also above the mean.
    assert tail(rules([*BASELINE, 11.1, 11.2, 11.3, 11.4, 11.5, 11.6, 11.7], **FIXED), 8) == [2] * 8


def test_two_of_three_beats_a_shift():
    assert tail(rules([*BASELINE, 11.5, 11.5, 15, 11.5, 15, 11.5, 11.5, 10], **FIXED), 8) == [4, 4, 3, 4, 3, 4, 4, 0]


def test_outside_the_limits_beats_a_shift():
    assert tail(rules([*BASELINE, 11.5, 11.5, 11.5, 17, 11.5, 11.5, 11.5, 10], **FIXED), 8) == [4, 4, 4, 1, 4, 4, 4, 0]


# --- point types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("improvement", "value", "point_type"),
    [
        ("increase", 17, "special_cause_improvement"),
        ("increase", 5, "special_cause_concern"),
        ("decrease", 17, "special_cause_concern"),
        ("decrease", 5, "special_cause_improvement"),
        ("neutral", 17, "special_cause_neutral_high"),
        ("neutral", 5, "special_cause_neutral_low"),
    ],
)
def test_a_flagged_point_is_typed_by_its_direction_and_the_metrics_improvement(improvement, value, point_type):
    frame = compute_spc([*BASELINE, value], improvement=improvement, **FIXED)
    assert frame["point_type"].iloc[-1] == point_type
    assert set(frame["point_type"].iloc[:12]) == {"common_cause"}


@pytest.mark.parametrize(
    ("improvement", "point_type"),
    [
        ("increase", "special_cause_improvement"),
        ("decrease", "special_cause_concern"),
        ("neutral", "special_cause_neutral_high"),
    ],
)
def test_a_rising_trend_below_the_mean_is_typed_by_its_slope(improvement, point_type):
    frame = compute_spc([*BASELINE, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2, 11.4], improvement=improvement, **FIXED)
    assert set(frame["point_type"].iloc[11:]) == {point_type}


# --- the small cases in SPC.md (from the package's own tests) -----------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),
        ([1, 2, 3, 4, 5, 6, 7], [1] * 7),
        ([7, 6, 5, 4, 3, 2, 1], [-1] * 7),
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0, 1, 1, 1, 1, 1, 1, 1, 0]),
        ([1, 2, 3, 4, 5, 6], [0] * 6),
        # A peak that ends a rise and starts a fall takes the fall's direction (the package's rule).
        ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [1] * 6 + [-1] * 7),
    ],
    ids=["tie", "rising", "falling", "inside_a_longer_series", "too_short", "peak"],
)
def test_find_trends(values, expected):
    assert find_trends(values).tolist() == expected


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        ([1] * 8 + [-1], [True] * 8 + [False]),
        ([-1] * 8 + [1], [True] * 8 + [False]),
        ([1] * 6 + [-1], [False] * 7),
        ([1, 1, 1, 0, 1, 1, 1, 1], [False] * 8),
    ],
    ids=["eight_above", "eight_below", "six_above", "broken_by_the_mean"],
)
def test_find_shifts(sides, expected):
    assert find_shifts(sides).tolist() == expected


@pytest.mark.parametrize(
    ("sides", "close", "expected"),
    [
        ([1, -1, 1], [1, 0, 1], [0, 0, 0]),
        ([1, 1, 1], [1, 0, 1], [1, 0, 1]),
        ([1, 1, 1], [0, 1, 1], [0, 1, 1]),
        ([-1, -1, -1], [1, 1, 0], [1, 1, 0]),
        ([1] * 7, [0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([1] * 4, [1, 0, 0, 1], [0, 0, 0, 0]),
        ([1] * 5, [1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
        ([1, 1], [1, 1], [0, 0]),
    ],
    ids=["mixed_sides", "ends", "last_two", "first_two_below", "apart", "too_far_apart", "later_pair", "too_short"],
)
def test_find_two_of_three(sides, close, expected):
    assert find_two_of_three(sides, [bool(c) for c in close]).tolist() == [bool(e) for e in expected]


# --- missing values -----------------------------------------------------------------------------------


def test_missing_values_keep_their_row_but_take_no_part():
    frame = compute_spc([NAN, NAN, 10, 12, 11, 13, 14])
    assert frame["mean"].iloc[0] == pytest.approx(12)
    assert frame[["lpl", "upl"]].iloc[0].tolist() == pytest.approx([8.01, 15.99])
    assert frame["point_type"].isna().tolist() == [True, True] + [False] * 5
    assert frame["rule"].tolist()[:2] == [0, 0]


def test_no_moving_range_is_taken_across_a_missing_value():
    # Moving ranges 2 (10→12) and 2 (11→13) only: MRbar 2, mean 46 / 4 = 11.5, limits 11.5 ± 5.32.
    frame = compute_spc([10, 12, NAN, 11, 13])
    assert frame["moving_range"].isna().tolist() == [True, False, True, True, False]
    assert frame[["lpl", "upl"]].iloc[0].tolist() == pytest.approx([6.18, 16.82])


def test_the_rules_read_across_a_gap():
    # Seven points above the mean with a missing month among them still make a shift.
    expected = [4, 4, 4, 4, 0, 4, 4, 4, 0]
    assert tail(rules([*BASELINE, 11.5, 11.5, 11.5, 11.5, NAN, 11.5, 11.5, 11.5, 10.5], **FIXED), 9) == expected


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1, "a", 3], {}, "value 2 ('a') is not a number"),
        ([1, math.inf], {}, "value 2 is infinite"),
        ([1, 2, 3], {"improvement": "up"}, "increase, decrease or neutral"),
        ([1, 2, 3], {"rebase_indices": [3]}, "rebase index 3 is outside the series of 3 point(s)"),
        ([1, 2, 3], {"rebase_indices": [-1]}, "rebase index -1 is outside"),
        ([1, 2, 3], {"fix_after_n_points": 11}, "at least 12"),
    ],
    ids=["text", "infinite", "direction", "rebase_past_end", "rebase_negative", "fix_after_too_small"],
)
def test_bad_input_raises_a_sentence(values, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compute_spc(values, **kwargs)


def test_an_empty_series_gives_an_empty_frame_with_every_column():
    frame = compute_spc([])
    assert frame.empty
    assert "point_type" in frame.columns


# --- variation icon -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("improvement", "point_type", "letter", "colour", "text"),
    [
        ("increase", "common_cause", "~", "#a6a6a6", "Common cause variation: no significant change"),
        ("increase", "special_cause_improvement", "H", "#00b0f0", "Special cause improvement: higher than expected"),
        ("increase", "special_cause_concern", "L", "#e46c0a", "Special cause concern: lower than expected"),
        ("decrease", "common_cause", "~", "#a6a6a6", "Common cause variation: no significant change"),
        ("decrease", "special_cause_improvement", "L", "#00b0f0", "Special cause improvement: lower than expected"),
        ("decrease", "special_cause_concern", "H", "#e46c0a", "Special cause concern: higher than expected"),
        ("neutral", "common_cause", "~", "#a6a6a6", "Common cause variation: no significant change"),
        (
            "neutral",
            "special_cause_neutral_high",
            "H",
            "#490092",
            "Special cause variation (neither better nor worse): higher than expected",
        ),
        (
            "neutral",
            "special_cause_neutral_low",
            "L",
            "#490092",
            "Special cause variation (neither better nor worse): lower than expected",
        ),
    ],
)
def test_the_variation_icon_names_colours_and_explains_the_point_type(improvement, point_type, letter, colour, text):
    frame = pd.DataFrame({"point_type": [point_type]})
    assert variation_icon(frame, improvement) == {"name": point_type, "letter": letter, "colour": colour, "text": text}


def test_the_variation_icon_reads_the_latest_point():
    frame = compute_spc([*BASELINE, 17, 11], **FIXED)
    assert frame["point_type"].iloc[-2] == "special_cause_improvement"
    assert variation_icon(frame, "increase")["name"] == "common_cause"


def test_the_variation_icon_skips_a_latest_month_without_a_value():
    frame = compute_spc([*BASELINE, 17, NAN], **FIXED)
    assert variation_icon(frame, "increase")["name"] == "special_cause_improvement"


def test_the_variation_icon_is_none_without_any_value():
    assert variation_icon(compute_spc([NAN, NAN]), "increase") is None


def test_a_neutral_metric_cannot_show_an_improvement_icon():
    with pytest.raises(ValueError, match="neutral"):
        variation_icon(pd.DataFrame({"point_type": ["special_cause_improvement"]}), "neutral")


# --- assurance icon -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lpl", "upl", "improvement", "name", "letter", "colour"),
    [
        (1, 3, "increase", "fail", "F", "#e46c0a"),
        (5, 7, "increase", "pass", "P", "#00b0f0"),
        (1, 5, "increase", "hit_and_miss", "?", "#a6a6a6"),
        (1, 3, "decrease", "pass", "P", "#00b0f0"),
        (5, 7, "decrease", "fail", "F", "#e46c0a"),
        (1, 5, "decrease", "hit_and_miss", "?", "#a6a6a6"),
        (1, 4, "increase", "hit_and_miss", "?", "#a6a6a6"),
        (4, 7, "decrease", "hit_and_miss", "?", "#a6a6a6"),
    ],
    ids=[
        "inc_fail",
        "inc_pass",
        "inc_hit_and_miss",
        "dec_pass",
        "dec_fail",
        "dec_hit_and_miss",
        "on_the_upper_limit",
        "on_the_lower_limit",
    ],
)
def test_assurance_against_a_target_of_4(lpl, upl, improvement, name, letter, colour):
    icon = assurance_icon(pd.DataFrame({"lpl": [lpl], "upl": [upl]}), 4, improvement)
    assert (icon["name"], icon["letter"], icon["colour"]) == (name, letter, colour)


def test_the_hit_and_miss_tooltip_says_where_the_target_lies():
    icon = assurance_icon(pd.DataFrame({"lpl": [1], "upl": [5]}), 4, "increase")
    assert icon["text"] == "Hit and miss: the target lies inside the process limits"


@pytest.mark.parametrize(
    ("target", "improvement"), [(None, "increase"), (NAN, "decrease"), (4, "neutral")], ids=["none", "nan", "neutral"]
)
def test_no_assurance_icon_without_a_target_or_direction(target, improvement):
    assert assurance_icon(pd.DataFrame({"lpl": [1], "upl": [5]}), target, improvement) is None


def test_assurance_uses_the_latest_groups_limits():
    # Group 0 limits −1.26 … 4.06 (5 would fail), group 1 7.74 … 13.06 (5 passes).
    frame = compute_spc([1, 2, 1, 2, 1, 10, 11, 10, 11, 10], rebase_indices=[5])
    assert assurance_icon(frame, 5, "increase")["name"] == "pass"


def test_no_assurance_when_the_latest_group_has_one_point():
    frame = compute_spc([1, 2, 1, 2, 1, 10], rebase_indices=[5])
    assert math.isnan(frame["upl"].iloc[-1])
    assert assurance_icon(frame, 5, "increase") is None


# --- a metric's series --------------------------------------------------------------------------------


def months_from(first: dt.date, n: int) -> list[dt.date]:
    return [add_months(first, i) for i in range(n)]


@pytest.mark.parametrize(
    ("rebase", "positions"),
    [(["2020-04"], [12]), (["2019-04"], []), (["2019-01"], []), (["2022-01"], []), (["2020-06", "2020-04"], [12, 14])],
)
def test_rebase_months_become_positions(rebase, positions):
    assert rebase_positions(months_from(dt.date(2019, 4, 1), 24), rebase) == positions


def test_spc_for_a_series_rebases_in_april_2020_and_uses_the_latest_target(cfg):
    # 2019/20 alternates 0.05, 0.06; 2020/21 alternates 0.50, 0.52 → mean 0.51, MRbar 0.02,
    # limits 0.51 ± 0.0532 = 0.4568 … 0.5632; the latest target 0.25 lies below them: pass.
    series = pd.DataFrame(
        {
            "month": months_from(dt.date(2019, 4, 1), 24),
            "value": [0.05, 0.06] * 6 + [0.50, 0.52] * 6,
            "target": [NAN] * 16 + [0.25] * 8,
        }
    )
    frame, variation, assurance = spc_for_series(series, cfg, cfg.metric("virtual_share"))
    assert frame["group"].tolist() == [0] * 12 + [1] * 12
    assert frame["month"].iloc[12] == dt.date(2020, 4, 1)
    assert frame[["lpl", "upl"]].iloc[-1].tolist() == pytest.approx([0.4568, 0.5632])
    assert variation["name"] == "common_cause"
    assert assurance["name"] == "pass"


def test_spc_for_a_series_without_a_target_has_no_assurance(cfg):
    series = pd.DataFrame({"month": months_from(dt.date(2020, 4, 1), 12), "value": [1.0, 2.0] * 6, "target": NAN})
    _, _, assurance = spc_for_series(series, cfg, cfg.metric("video_consultations"))
    assert assurance is None


def test_spc_for_a_demo_series_gives_a_row_per_month(demo_store, cfg):
    from metrics.views import metric_series

    metric = cfg.metric("virtual_share")
    series = metric_series(demo_store, cfg, metric, dt.date(2021, 3, 1))
    frame, variation, _ = spc_for_series(series, cfg, metric)
    assert frame["month"].tolist() == series["month"].tolist()
    assert frame["group"].tolist() == [0] * 12 + [1] * 12
    assert frame["trial_limits"].all()
    assert variation is not None


def config_with(**spc) -> Config:
    """The project config with these SPC settings on the video consultations metric."""
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    for metric in raw["metrics"]:
        if metric["id"] == "video_consultations":
            metric["spc"] = spc
    return parse_config(raw)


def test_spc_for_a_series_follows_the_metrics_own_settings():
    # SPIKE unscreened: UPL 14.4 + 2.66 × 87 / 9; and no rebase, so April 2020 does not start a group.
    cfg = config_with(screen_outliers=False, rebase=[])
    series = pd.DataFrame({"month": months_from(dt.date(2019, 12, 1), 10), "value": SPIKE, "target": NAN})
    frame, _, _ = spc_for_series(series, cfg, cfg.metric("video_consultations"))
    assert set(frame["group"]) == {0}
    assert frame["upl"].iloc[0] == pytest.approx(14.4 + 2.66 * 87 / 9)


def test_a_global_fix_after_below_12_is_a_config_problem():
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    raw["spc"]["fix_after_n_points"] = 6
    with pytest.raises(ConfigError, match="fix_after_n_points must be at least 12"):
        parse_config(raw)


# --- the mean, correctly rounded (a point equal to the mean is on it) --------------------------------


def test_three_equal_tenths_are_on_their_mean_and_common_cause():
    frame = compute_spc([0.1, 0.1, 0.1], screen_outliers=False)
    assert frame["mean"].tolist() == [0.1, 0.1, 0.1]
    assert frame["side"].tolist() == [0, 0, 0]
    assert frame["point_type"].tolist() == ["common_cause"] * 3


def test_a_percentage_flat_at_one_decimal_place_is_not_a_shift():
    values = [0.853] * 10  # 85.3% every month
    frame = compute_spc(values)
    assert frame["mean"].iloc[0] == 0.853
    assert set(frame["side"]) == {0}
    assert frame["rule"].tolist() == [0] * 10


def test_a_fixed_baseline_whose_mean_is_a_one_decimal_value_puts_that_value_on_the_mean():
    baseline = [0.1, 0.2, 0.3] * 4  # twelve points, mean exactly 0.2
    frame = compute_spc([*baseline, 0.2, 0.2], fix_after_n_points=12)
    assert frame["mean"].iloc[0] == 0.2
    assert frame["side"].tolist()[-2:] == [0, 0]


def test_a_one_point_group_after_a_rebase_has_no_limits_and_is_recognised():
    frame = compute_spc([1.0, 2.0, 3.0, 2.0, 5.0], rebase_indices=[4])
    assert math.isnan(frame["upl"].iloc[-1])
    assert spc_one_point_group(frame)
    assert not spc_one_point_group(compute_spc([1.0, 2.0, 3.0, 2.0, 5.0]))
