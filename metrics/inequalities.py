"""Recovery by population segment: IMD quintile and ethnicity group (DESIGN §4, §8).

Pure functions. The input is the store's segment breakdown (month, measure, segment, value) for one
group of segments (e.g. imd:1 … imd:5). Recovery is the same ratio the dashboard uses everywhere
(`metrics.compute.compute_series`): activity in a month ÷ the same month of the baseline year, for
each segment on its own, so a segment that was small before the pandemic is judged against itself.

The Phase 3 letter asked systems to "restore NHS services inclusively", guided by "core
performance monitoring of service use and outcomes among those from the most deprived
neighbourhoods and from Black and Asian communities, by 31 October" (seed 001, C2).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics import compute
from metrics.config import Config, Dimension, Metric
from metrics.months import format_month, to_month

MOST_DEPRIVED = "imd:1"
LEAST_DEPRIVED = "imd:5"
GROUP_LABELS = {"imd": "IMD quintile (deprivation)", "ethnicity": "Ethnicity group"}
# The same, as it reads inside a sentence ("recovery by IMD quintile").
GROUP_PHRASES = {"imd": "IMD quintile", "ethnicity": "ethnicity group"}
EVERYONE = "Everyone"

READING_NOTE = (
    "Each line is one group's activity as a share of the same month of 2019/20, so every group is "
    "compared with its own pre-pandemic level: 100% means back to where that group was. A group below "
    "the others is recovering more slowly. IMD quintile 1 is the most deprived fifth of neighbourhoods "
    "(Index of Multiple Deprivation), quintile 5 the least deprived. The gap chart shows quintile 1's "
    "recovery minus quintile 5's, in percentage points: below zero means the most deprived are further "
    "from their usual level of care than the least deprived."
)

SHARE_NOTE = (
    "Each line is one group's own share (for example, of the women eligible for screening in that group, the "
    "share screened), against the standard. A group below the others is less well served. IMD quintile 1 is the "
    "most deprived fifth of neighbourhoods, quintile 5 the least deprived; the gap chart shows quintile 1's share "
    "minus quintile 5's, in percentage points."
)
COUNT_NOTE = (
    "Each line is one group's count month by month; compare each group with its own earlier months. IMD quintile 1 "
    "is the most deprived fifth of neighbourhoods, quintile 5 the least deprived."
)


def recovery_by_segment(
    cfg: Config, metric: Metric, by_segment: pd.DataFrame, segments: list[Dimension], months: list[dt.date]
) -> pd.DataFrame:
    """One row per (month, segment): month, segment, label, value, numerator, denominator, target, gap,
    status. For a ratio to the baseline year the value is the segment's recovery (activity ÷ the same month
    of the baseline year); for a share, the segment's own share (e.g. screened ÷ eligible); for a count,
    the segment's count. Every metric type is computed the one way the dashboard computes it everywhere."""
    columns = ["month", "segment", "label", *compute.SERIES_COLUMNS[1:]]
    frames = []
    for segment in segments:
        rows = by_segment[by_segment["segment"] == segment.id][["month", "measure", "value"]] if not by_segment.empty \
            else pd.DataFrame(columns=["month", "measure", "value"])
        series = compute.compute_series(cfg, metric, rows, months)
        series.insert(1, "segment", segment.id)
        series.insert(2, "label", segment.label)
        frames.append(series)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


NOT_STATED = "ethnicity:Not stated"


def present_segments(segments: list[Dimension], by_segment: pd.DataFrame) -> list[Dimension]:
    """The segments holding any figure in `by_segment` (a "Not stated" group only where it was counted)."""
    held = set(by_segment["segment"]) if not by_segment.empty else set()
    return [s for s in segments if s.id in held]


def recording_completeness(by_segment: pd.DataFrame, measures: list[str], not_stated: str = NOT_STATED) -> pd.DataFrame:
    """How completely a group (ethnicity) is recorded, month by month: month, recorded, not_stated, share
    (recorded ÷ all, a fraction). Counted on `measures` (a metric's activity, or a share's denominator)."""
    columns = ["month", "recorded", "not_stated", "share"]
    rows = by_segment[by_segment["measure"].isin(measures)] if not by_segment.empty else by_segment
    if rows.empty or not_stated not in set(rows["segment"]):
        return pd.DataFrame(columns=columns)
    missing = rows["segment"] == not_stated
    frame = pd.DataFrame({
        "recorded": rows[~missing].groupby("month")["value"].sum(),
        "not_stated": rows[missing].groupby("month")["value"].sum(),
    }).fillna(0.0)
    total = frame["recorded"] + frame["not_stated"]
    frame["share"] = frame["recorded"] / total.where(total > 0)
    frame = frame.reset_index().rename(columns={"index": "month"})
    frame["month"] = [to_month(m) for m in frame["month"]]
    return frame[columns].sort_values("month").reset_index(drop=True)


def value_words(metric: Metric) -> dict[str, str]:
    """What the page calls the value, its parts and its target for this kind of metric."""
    if metric.type == "ratio_to_baseline":
        return {"value": "Recovery", "numerator": "Activity", "denominator": "Same month 2019/20",
                "target": "Trajectory" if metric.trajectory else "Target"}
    if metric.type == "share":
        return {"value": "Share", "numerator": "Count", "denominator": "Out of", "target": "Target"}
    return {"value": "Count", "numerator": "Count", "denominator": "Reference month", "target": "Target"}


def deprivation_gap(recovery: pd.DataFrame, most: str = MOST_DEPRIVED, least: str = LEAST_DEPRIVED) -> pd.DataFrame:
    """month, most_deprived, least_deprived, gap (most − least, as a fraction: −0.12 = 12 points
    behind). NaN where either quintile has no figure."""
    columns = ["month", "most_deprived", "least_deprived", "gap"]
    if recovery.empty:
        return pd.DataFrame(columns=columns)
    wide = recovery.pivot_table(index="month", columns="segment", values="value", aggfunc="first", dropna=False)
    frame = pd.DataFrame({
        "month": list(wide.index),
        "most_deprived": wide[most].to_numpy() if most in wide else float("nan"),
        "least_deprived": wide[least].to_numpy() if least in wide else float("nan"),
    })
    frame["gap"] = frame["most_deprived"] - frame["least_deprived"]
    return frame[columns].reset_index(drop=True)


def recovery_table(recovery: pd.DataFrame, overall: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    """The month's figures by segment, plus "Everyone": label, activity, baseline (same month of the
    baseline year), recovery, vs_everyone (points as a fraction), target, gap (to the target)."""
    columns = ["segment", "label", "activity", "baseline", "recovery", "vs_everyone", "target", "gap"]
    month = to_month(month)
    total = compute.latest_row(overall, month) if not overall.empty else {"value": float("nan")}
    rows = recovery[recovery["month"].map(to_month) == month] if not recovery.empty else recovery
    records = [
        (r.segment, r.label, r.numerator, r.denominator, r.value, r.value - total["value"], r.target, r.gap)
        for r in rows.itertuples(index=False)
    ]
    records.append((EVERYONE, EVERYONE, total.get("numerator", float("nan")), total.get("denominator", float("nan")),
                    total["value"], 0.0 if pd.notna(total["value"]) else float("nan"),
                    total.get("target", float("nan")), total.get("gap", float("nan"))))
    return pd.DataFrame(records, columns=columns)


def recovery_table_text(table: pd.DataFrame, metric: Metric | None = None) -> pd.DataFrame:
    """The table as a person reads it: "85.4%", "−4.6 pts", "1,234" (headings for the metric's type; a
    ratio to the baseline year when no metric is given)."""
    def pct(x: float) -> str:
        return "–" if pd.isna(x) else f"{x:.1%}"

    def pts(x: float) -> str:
        if pd.isna(x):
            return "–"
        sign = "+" if x > compute.TOLERANCE else ("−" if x < -compute.TOLERANCE else "±")
        return f"{sign}{abs(x) * 100:.1f} pts"

    def count(x: float) -> str:
        return "–" if pd.isna(x) else f"{x:,.0f}"

    words = value_words(metric) if metric is not None else value_words_ratio()
    if metric is not None and metric.type == "count":
        return pd.DataFrame({
            "Group": table["label"],
            "Count": [count(x) for x in table["recovery"]],
            "Target": [count(x) for x in table["target"]],
        })
    return pd.DataFrame({
        "Group": table["label"],
        words["numerator"]: [count(x) for x in table["activity"]],
        words["denominator"]: [count(x) for x in table["baseline"]],
        words["value"]: [pct(x) for x in table["recovery"]],
        "Compared with everyone": [pts(x) for x in table["vs_everyone"]],
        words["target"]: [pct(x) for x in table["target"]],
        f"Gap to {words['target'].lower()}": [pts(x) for x in table["gap"]],
    })


def value_words_ratio() -> dict[str, str]:
    return {"value": "Recovery", "numerator": "Activity", "denominator": "Same month 2019/20", "target": "Trajectory"}


def recovery_csv(recovery: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The data behind the recovery-by-segment chart (fractions: 0.854 = 85.4%)."""
    return pd.DataFrame({
        "month": [format_month(m) for m in recovery["month"]],
        "metric": metric.label,
        "group": recovery["label"],
        "activity": recovery["numerator"],
        "same month of baseline year": recovery["denominator"],
        "recovery": recovery["value"].round(6),
        "trajectory": recovery["target"].round(6),
        "gap to trajectory": recovery["gap"].round(6),
    })


def gap_csv(gap: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The data behind the deprivation-gap chart (fractions; gap −0.12 = 12 points behind)."""
    return pd.DataFrame({
        "month": [format_month(m) for m in gap["month"]],
        "metric": metric.label,
        "most deprived quintile recovery": gap["most_deprived"].round(6),
        "least deprived quintile recovery": gap["least_deprived"].round(6),
        "gap (most minus least deprived)": gap["gap"].round(6),
    })


def recovery_table_csv(table: pd.DataFrame, metric: Metric, month: dt.date) -> pd.DataFrame:
    """The month's table with numbers as numbers (fractions: 0.854 = 85.4%)."""
    return pd.DataFrame({
        "month": format_month(month),
        "metric": metric.label,
        "group": table["label"],
        "activity": table["activity"],
        "same month of baseline year": table["baseline"],
        "recovery": table["recovery"].round(6),
        "compared with everyone": table["vs_everyone"].round(6),
        "trajectory": table["target"].round(6),
        "gap to trajectory": table["gap"].round(6),
    })
