"""Making Data Count statistical process control: XmR limits, the four rules and the two icons.

Implements ../shared/SPC.md, which follows the NHS-R community package NHSRplotthedots (v0.2.x,
`ptd_spc_standard`, `ptd_calculate_point_type`, `ptd_calculate_assurance_type`). Where SPC.md and the
package differ, SPC.md wins and the comment at that place says so.

Pure functions: a sequence of values in, a frame with one row per point out (`compute_spc`); the icons
read that frame (`variation_icon`, `assurance_icon`); charts read it too and never recalculate.

Missing values (NaN), e.g. a service whose series starts late, are left out of every calculation:
- the row stays, with its group's mean and limits (so limit lines run on across it), but it has no
  point type (missing: NaN in pandas' string column), rule 0 and is neither outside nor close;
- no moving range is taken across a missing value (as in the package, where `diff` gives NA);
- the baseline (`fix_after_n_points`) and the trial-limits count (13) count points with a value;
- the rules read the points with a value in order, closing up the gap (the package does not allow
  gaps at all: "there should be no gaps in the time series").
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from metrics.config import Config, Metric
from metrics.months import format_month, parse_month, to_month

# 3 / d2 with d2 = 1.128 (the bias constant for moving ranges of two points): mean ± 2.66 × MRbar is
# the XmR chart's three-sigma process limit.
LIMIT_FACTOR = 2.66
# The near-limit band sits at two sigma, two thirds of the way from the mean to a process limit.
NEAR_LIMIT_FRACTION = 2 / 3
# D4 for moving ranges of two points: the upper limit of the moving-range chart. A moving range at or
# above 3.267 × MRbar is itself a special cause and would inflate the limits, so screening drops it.
OUTLIER_MR_FACTOR = 3.267
# Seven points in a row on one side of the mean (chance ≈ 2 × 0.5⁷ ≈ 1.6%) or rising/falling is
# unlikely under common cause variation; MDC and the package both use seven.
RUN_LENGTH = 7
# A rule-of-thumb minimum for stable XmR limits: a group with fewer points has "trial limits" that will
# move with each new point (the package's `ptd_spc.warning_threshold`, default 13 in v0.2.x).
MIN_POINTS_FOR_LIMITS = 13
# The package refuses to fix limits on fewer than 12 points: fewer give too uncertain a baseline.
MIN_FIX_AFTER = 12

IMPROVEMENT_SIGNS = {"increase": 1, "decrease": -1, "neutral": 0}

POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
RULE_NAMES = {0: "none", 1: "outside the limits", 2: "trend", 3: "two of three close to a limit", 4: "shift"}

# Making Data Count colours (SPC.md, the package's `ptd_spc_colours`).
COMMON_CAUSE_COLOUR = "#a6a6a6"
IMPROVEMENT_COLOUR = "#00b0f0"
CONCERN_COLOUR = "#e46c0a"
NEUTRAL_COLOUR = "#490092"
TARGET_COLOUR = "#de1b1b"
POINT_COLOURS = {
    "common_cause": COMMON_CAUSE_COLOUR,
    "special_cause_improvement": IMPROVEMENT_COLOUR,
    "special_cause_concern": CONCERN_COLOUR,
    "special_cause_neutral_high": NEUTRAL_COLOUR,
    "special_cause_neutral_low": NEUTRAL_COLOUR,
}
ASSURANCE_TYPES = ("pass", "fail", "hit_and_miss")
ASSURANCE_COLOURS = {"pass": IMPROVEMENT_COLOUR, "fail": CONCERN_COLOUR, "hit_and_miss": COMMON_CAUSE_COLOUR}

SPC_COLUMNS = [
    "index",
    "value",
    "group",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "moving_range",
    "baseline",
    "outside",
    "side",
    "close",
    "rule",
    "direction",
    "point_type",
    "trial_limits",
]


# --- validation ------------------------------------------------------------------------------------


def _check_values(values: Iterable[object]) -> np.ndarray:
    items = list(values.tolist() if isinstance(values, (pd.Series, np.ndarray)) else values)
    numbers = []
    for position, item in enumerate(items):
        if item is None or item is pd.NA:
            numbers.append(math.nan)
            continue
        if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
            raise ValueError(f"value {position + 1} ({item!r}) is not a number; give numbers only.")
        if math.isinf(float(item)):
            raise ValueError(f"value {position + 1} is infinite; give finite numbers only.")
        numbers.append(float(item))
    return np.array(numbers, dtype=float)


def _check_improvement(improvement: str) -> int:
    if improvement not in IMPROVEMENT_SIGNS:
        raise ValueError(f"improvement must be increase, decrease or neutral, not '{improvement}'.")
    return IMPROVEMENT_SIGNS[improvement]


def _check_fix_after(fix_after_n_points: int | None) -> None:
    if fix_after_n_points is None:
        return
    if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, (int, np.integer)):
        raise ValueError("fix_after_n_points must be a whole number of points (at least 12), or None for all.")
    if fix_after_n_points < MIN_FIX_AFTER:
        raise ValueError(
            f"fix_after_n_points must be at least {MIN_FIX_AFTER} (it was {fix_after_n_points}): "
            "fewer points give too uncertain a baseline."
        )


def _group_ids(n: int, rebase_indices: Iterable[int]) -> np.ndarray:
    starts = np.zeros(n, dtype=int)
    for index in rebase_indices:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ValueError(f"rebase index {index!r} is not a whole number; give point positions from 0.")
        if not 0 <= index < n:
            raise ValueError(
                f"rebase index {index} is outside the series of {n} point(s): use a position from 0 to {n - 1}."
            )
        # Index 0 already starts the first group; rebasing there changes nothing.
        if index > 0:
            starts[index] = 1
    return np.cumsum(starts)


# --- the rules (small steps, each on the points of one group that have a value) -------------------------


def _runs(labels: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(start, stop, label) for each maximal run of equal labels."""
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            yield start, i, int(labels[start])
            start = i


def find_trends(values: Sequence[float]) -> np.ndarray:
    """Rule 2: +1 / −1 for each point in a run of 7 or more each strictly higher / lower than the one
    before, else 0. A tie breaks the run.

    A point that ends one trend and starts the opposite one (a peak or trough) takes the direction of
    the trend it starts, as the package does ("if a point is part of a trend either side, use right side").
    Every other trend point takes its own run's direction. (The package reads the step to the next point
    whenever the next point is also in a trend, so a rising run's last point followed by a tie and a
    falling run gets a zero step and is typed "decreasing"; SPC.md's "direction comes from the slope"
    wins here.)
    """
    y = np.asarray(values, dtype=float)
    directions = np.zeros(len(y), dtype=int)
    if len(y) < RUN_LENGTH:
        return directions
    steps = np.sign(np.diff(y)).astype(int)
    for start, stop, step in _runs(steps):
        # `stop - start` steps join `stop - start + 1` points.
        if step != 0 and stop - start >= RUN_LENGTH - 1:
            directions[start : stop + 1] = step
    return directions


def find_shifts(sides: Sequence[int]) -> np.ndarray:
    """Rule 4: True for each point in a run of 7 or more strictly on the same side of the mean."""
    sides = np.asarray(sides, dtype=int)
    flags = np.zeros(len(sides), dtype=bool)
    for start, stop, side in _runs(sides):
        if side != 0 and stop - start >= RUN_LENGTH:
            flags[start:stop] = True
    return flags


def find_two_of_three(sides: Sequence[int], close: Sequence[bool]) -> np.ndarray:
    """Rule 3: True for each close point in a window of three consecutive points all strictly on the same
    side of the mean, at least two of them close to a limit. Points outside the limits are not close
    (so they count towards the side but not towards the two), as in the package."""
    sides = np.asarray(sides, dtype=int)
    close = np.asarray(close, dtype=bool)
    flags = np.zeros(len(sides), dtype=bool)
    for k in range(len(sides) - 2):
        window = sides[k : k + 3]
        if window[0] != 0 and (window == window[0]).all() and close[k : k + 3].sum() >= 2:
            flags[k : k + 3] |= close[k : k + 3]
    return flags


def classify_point(rule: int, direction: int, improvement_sign: int) -> str:
    """The point type for a point flagged by `rule` (0 = none) moving in `direction` (+1 / −1)."""
    if rule == 0:
        return "common_cause"
    if improvement_sign == 0:
        return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"
    return "special_cause_improvement" if direction == improvement_sign else "special_cause_concern"


# --- limits ----------------------------------------------------------------------------------------------


def correctly_rounded_mean(values: np.ndarray) -> float:
    """The mean rounded once, from the exact sum (statistics.mean works in fractions), so that a point
    equal to the mean is on it: numpy's pairwise sum can be one unit in the last place off (0.1, 0.1,
    0.1 gives 0.10000000000000002), which puts every point of a flat series on one side of it and
    turns a flat series into a false "shift". NHSRplotthedots (R's mean) corrects the same way."""
    return float(statistics.mean(float(v) for v in values))


def _moving_ranges(y: np.ndarray) -> np.ndarray:
    """|y_i − y_{i−1}| within one group; NaN for the group's first point and next to a missing value."""
    ranges = np.full(len(y), math.nan)
    if len(y) > 1:
        ranges[1:] = np.abs(np.diff(y))
    return ranges


def _mean_moving_range(ranges: np.ndarray, screen_outliers: bool) -> float:
    ranges = ranges[~np.isnan(ranges)]
    if ranges.size == 0:
        return math.nan
    mr_bar = float(ranges.mean())
    # With MRbar = 0 (every baseline value equal) "strictly below 3.267 × 0" would drop every range and
    # leave no limits (the package then gives NaN limits); there is nothing to screen, so keep MRbar = 0.
    if screen_outliers and mr_bar > 0:
        mr_bar = float(ranges[ranges < OUTLIER_MR_FACTOR * mr_bar].mean())
    return mr_bar


def _compute_group(
    y: np.ndarray, screen_outliers: bool, fix_after_n_points: int | None, improvement_sign: int
) -> dict[str, np.ndarray]:
    n = len(y)
    observed = ~np.isnan(y)
    # The first `fix_after_n_points` points with a value (the package counts rows, `row_number()`, which
    # differs only when a series has gaps, which the package does not allow).
    baseline = observed & (np.cumsum(observed) <= (fix_after_n_points or n))
    ranges = _moving_ranges(y)
    # Only ranges between two baseline points feed MRbar (the package takes them from `fix_y`).
    baseline_ranges = np.where(baseline, ranges, math.nan)

    mean = correctly_rounded_mean(y[baseline]) if baseline.any() else math.nan
    mr_bar = _mean_moving_range(baseline_ranges, screen_outliers)
    half_width = LIMIT_FACTOR * mr_bar
    near = NEAR_LIMIT_FRACTION * half_width
    lpl, upl, near_lpl, near_upl = mean - half_width, mean + half_width, mean - near, mean + near

    yo = y[observed]
    with np.errstate(invalid="ignore"):
        outside_o = (yo > upl) | (yo < lpl)
        close_o = ~outside_o & ((yo > near_upl) | (yo < near_lpl))
    side_o = np.sign(yo - mean).astype(int) if not math.isnan(mean) else np.zeros(len(yo), dtype=int)
    trend_o = find_trends(yo)
    two_of_three_o = find_two_of_three(side_o, close_o)
    shift_o = find_shifts(side_o)

    # A point meeting several rules takes the first (SPC.md; the package's `case_when` order).
    rule_o = np.select([outside_o, trend_o != 0, two_of_three_o, shift_o], [1, 2, 3, 4], default=0)
    # Direction: from the slope for a trend, from the side of the mean for the other rules.
    direction_o = np.where(rule_o == 2, trend_o, np.where(rule_o > 0, side_o, 0))

    def spread(observed_values: np.ndarray, fill: object, dtype: object) -> np.ndarray:
        out = np.full(n, fill, dtype=dtype)
        out[observed] = observed_values
        return out

    point_types = np.full(n, None, dtype=object)
    point_types[observed] = [classify_point(r, d, improvement_sign) for r, d in zip(rule_o, direction_o, strict=True)]
    return {
        "mean": np.full(n, mean),
        "lpl": np.full(n, lpl),
        "upl": np.full(n, upl),
        "near_lpl": np.full(n, near_lpl),
        "near_upl": np.full(n, near_upl),
        "moving_range": ranges,
        "baseline": baseline,
        "outside": spread(outside_o, False, bool),
        "side": spread(side_o, 0, int),
        "close": spread(close_o, False, bool),
        "rule": spread(rule_o, 0, int),
        "direction": spread(direction_o, 0, int),
        "point_type": point_types,
        # Points with a value in the whole group, as the package's `n()` (it counts rows; no gaps there).
        "trial_limits": np.full(n, int(observed.sum()) < MIN_POINTS_FOR_LIMITS),
    }


def compute_spc(
    values: Iterable[float],
    *,
    improvement: str = "increase",
    rebase_indices: Iterable[int] = (),
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
) -> pd.DataFrame:
    """One row per point: limits of its rebase group, the rule that flags it and its point type.

    Columns: index (position), value, group (0, 1, … one per rebase group), mean, lpl, upl, near_lpl,
    near_upl, moving_range (within the group), baseline (the point feeds the limits), outside, side
    (+1 / 0 / −1 against the mean), close, rule (1 outside, 2 trend, 3 two of three, 4 shift, 0 none),
    direction (+1 / −1 / 0), point_type (one of POINT_TYPES; missing for a missing value) and trial_limits
    (the group has fewer than 13 points with a value).

    `rebase_indices` are the positions that start a new group. Raises ValueError with a sentence for
    values that are not numbers, an unknown improvement direction, a rebase position outside the series
    or `fix_after_n_points` below 12.
    """
    columns = _spc_columns(values, improvement, rebase_indices, screen_outliers, fix_after_n_points)
    if columns is None:
        return pd.DataFrame({column: [] for column in SPC_COLUMNS})
    return pd.DataFrame(columns)


def _spc_columns(
    values: Iterable[float],
    improvement: str,
    rebase_indices: Iterable[int],
    screen_outliers: bool,
    fix_after_n_points: int | None,
) -> dict[str, np.ndarray] | None:
    """`compute_spc`'s columns (None for no points), for a caller that adds its own before making the frame."""
    y = _check_values(values)
    improvement_sign = _check_improvement(improvement)
    _check_fix_after(fix_after_n_points)
    groups = _group_ids(len(y), rebase_indices)

    parts = []
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        part = _compute_group(y[rows], screen_outliers, fix_after_n_points, improvement_sign)
        parts.append({"index": rows, "value": y[rows], "group": np.full(len(rows), group), **part})
    if not parts:
        return None
    # One frame from whole columns: building a frame per group and concatenating costs more than the maths.
    return {column: np.concatenate([part[column] for part in parts]) for column in SPC_COLUMNS}


# --- icons -----------------------------------------------------------------------------------------------


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, (float, np.floating)) and math.isnan(x))


def variation_icon(spc_frame: pd.DataFrame, improvement: str) -> dict | None:
    """The variation icon for the latest point with a value: name (its point type), letter, colour and a
    one-sentence tooltip. None when no point has a value."""
    sign = _check_improvement(improvement)
    # The package takes the last row; with a missing latest month that would be no icon at all.
    name = next((t for t in reversed(spc_frame["point_type"].tolist()) if not pd.isna(t)), None)
    if name is None:
        return None
    higher, lower = "higher than expected", "lower than expected"
    if name == "common_cause":
        # The MDC common-cause icon carries no letter, only a grey line of dots; "~" stands in for it.
        return _icon(name, "~", "Common cause variation: no significant change")
    if name in ("special_cause_improvement", "special_cause_concern"):
        if sign == 0:
            raise ValueError(f"a neutral metric cannot have a '{name}' point; recompute with improvement='neutral'.")
        better_is_high = sign > 0
        is_high = better_is_high if name == "special_cause_improvement" else not better_is_high
        word = "improvement" if name == "special_cause_improvement" else "concern"
        return _icon(name, "H" if is_high else "L", f"Special cause {word}: {higher if is_high else lower}")
    if name == "special_cause_neutral_high":
        return _icon(name, "H", f"Special cause variation (neither better nor worse): {higher}")
    if name == "special_cause_neutral_low":
        return _icon(name, "L", f"Special cause variation (neither better nor worse): {lower}")
    raise ValueError(f"unknown point type '{name}'")


def assurance_icon(spc_frame: pd.DataFrame, target: float | None, improvement: str) -> dict | None:
    """Whether the process will meet the target, from the latest group's limits: `pass` (the target lies
    beyond the limit on the worse side, so every point is expected to meet it), `fail` (beyond the
    limit on the better side), `hit_and_miss` (between or on the limits).

    None for a neutral metric, when there is no target, or when the latest group has no limits (fewer
    than two points with a value)."""
    sign = _check_improvement(improvement)
    if sign == 0 or _missing(target) or spc_frame.empty:
        return None
    lpl, upl = spc_frame["lpl"].iat[-1], spc_frame["upl"].iat[-1]
    if _missing(lpl) or _missing(upl):
        return None
    # Strict comparisons, as the package: a target exactly on a limit is hit and miss. (The package names
    # these consistent_pass / consistent_fail / inconsistent; SPC.md's names are used here.)
    if target > upl:
        name = "fail" if sign > 0 else "pass"
    elif target < lpl:
        name = "pass" if sign > 0 else "fail"
    else:
        name = "hit_and_miss"
    if name == "hit_and_miss":
        return _icon(name, "?", "Hit and miss: the target lies inside the process limits")
    where = "above the upper" if target > upl else "below the lower"
    if name == "pass":
        return _icon(name, "P", f"Pass: the target lies {where} process limit, so it will be met consistently")
    return _icon(
        name, "F", f"Fail: the target lies {where} process limit, so it will not be met without a change to the process"
    )


def _icon(name: str, letter: str, text: str) -> dict:
    colour = POINT_COLOURS.get(name) or ASSURANCE_COLOURS[name]
    return {"name": name, "letter": letter, "colour": colour, "text": text}


# --- a metric's series -------------------------------------------------------------------------------------


def rebase_positions(months: Sequence[object], rebase_months: Iterable[str]) -> list[int]:
    """Positions where each rebase month ("YYYY-MM") starts a group: the first month on or after it.
    A rebase month at or before the first month, or after the last, changes nothing and is left out."""
    months = [to_month(m) for m in months]
    positions = []
    for text in rebase_months:
        start = parse_month(text)
        position = next((i for i, m in enumerate(months) if m >= start), None)
        if position:
            positions.append(position)
    return sorted(set(positions))


def spc_one_point_group(spc_frame: pd.DataFrame) -> bool:
    """Whether the latest rebase group holds a single point with a value (no moving range, so no limits:
    the reference package's "inconsistent" assurance there is an artefact of comparing missing limits)."""
    if spc_frame.empty:
        return False
    groups = spc_frame["group"].to_numpy()
    latest = spc_frame["value"].to_numpy()[groups == groups[-1]]
    return int(pd.notna(latest).sum()) == 1


def spc_for_series(
    series_frame: pd.DataFrame, cfg: Config, metric: Metric
) -> tuple[pd.DataFrame, dict | None, dict | None]:
    """SPC for a `metrics.compute.compute_series` frame with the metric's settings from config.yaml.

    Returns (spc frame with a `month` column, variation icon, assurance icon); assurance is against the
    target of the series' latest month (for a trajectory metric, that month's trajectory value).
    """
    return _spc_for_values(series_frame, series_frame["value"], cfg, metric)


def _spc_for_values(
    series_frame: pd.DataFrame, values: Iterable[object], cfg: Config, metric: Metric
) -> tuple[pd.DataFrame, dict | None, dict | None]:
    """`spc_for_series` of the frame's months and target with these values in place of its `value` column."""
    settings = cfg.spc_settings(metric)
    months: list[dt.date] = [to_month(m) for m in series_frame["month"]]
    columns = _spc_columns(
        values,
        improvement=metric.improvement,
        rebase_indices=rebase_positions(months, settings.rebase),
        screen_outliers=settings.screen_outliers,
        fix_after_n_points=settings.fix_after_n_points,
    )
    if columns is None:
        frame = pd.DataFrame({column: [] for column in SPC_COLUMNS})
        frame.insert(1, "month", months)
    else:  # the month second, as inserting it would put it, in the one frame built
        frame = pd.DataFrame({"index": columns["index"], "month": months,
                              **{c: columns[c] for c in SPC_COLUMNS[1:]}})
    target = series_frame["target"].iloc[-1] if len(series_frame) else None
    return (
        frame,
        variation_icon(frame, metric.improvement),
        assurance_icon(frame, None if _missing(target) else float(target), metric.improvement),
    )


def spc_for_complete_months(
    series_frame: pd.DataFrame, cfg: Config, metric: Metric
) -> tuple[pd.DataFrame, dict | None, dict | None, str]:
    """SPC for a `compute_series` frame on its complete months only, as every page, the review and the
    board pack show it: a partial month (metrics.completeness) is not a point — it would read as a
    special cause — and a latest month that is partial or has no data gets no icon. Returns (spc
    frame, variation icon, assurance icon, a note saying why an icon is missing, or "")."""
    values = series_frame["value"].tolist()
    if "completeness" in series_frame.columns:  # a month that is not complete is no point (NaN)
        complete = series_frame["completeness"].tolist()
        values = [v if isinstance(c, str) and c == "complete" else math.nan
                  for v, c in zip(values, complete, strict=True)]
    frame, variation, assurance = _spc_for_values(series_frame, values, cfg, metric)
    latest = series_frame.iloc[-1] if len(series_frame) else None
    state = latest.get("completeness", "complete") if latest is not None else "no_data"
    if state != "complete":
        if latest is None:
            return frame, None, None, ""
        words = "is partial" if state == "partial" else "has no data"
        note = f"No SPC icons: {format_month(latest['month'])} {words}, so it is not a point on the chart."
        return frame, None, None, note
    if assurance is None and spc_one_point_group(frame):
        return frame, variation, None, (
            "No assurance icon: the period since the last rebase has one point, too few for process limits to "
            "judge the target against."
        )
    return frame, variation, assurance, ""
