"""Metric series from measure totals: value, baseline, ratio, target, gap and RAG status.

Pure functions: frames in, frames out. The input is a frame of monthly measure totals
(`month`, `measure`, `value`) as `data.store.Store.measure_totals` returns it.

Units: ratio and share metrics are fractions (0.854 = 85.4%), their gaps percentage points as
fractions (−0.046 = 4.6 points short); count metrics are counts and their gaps counts.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from metrics import completeness
from metrics.config import Config, Metric
from metrics.months import add_months, baseline_month, financial_year_label, format_month, month_range, to_month

# Floating-point ratios such as 0.9 computed as 2700/3000 must meet a 0.9 target exactly.
TOLERANCE = 1e-9
# The largest monthly figure a measure can plausibly have: every measure counts activity, people or
# days for one health and care system in one month, and even the national total of the busiest (GP
# appointments, about 30 million a month in England) is far below this. Uploads refuse larger values
# (data.ingest); a store that holds one anyway (an older version, a direct write) is not summed into
# a headline figure: see `implausible_totals`.
MAX_PLAUSIBLE_VALUE = 100_000_000
# A total beyond this is no longer counted in whole units by a double (2**53 is about 9e15), and two
# of them can overflow to infinity.
MAX_PLAUSIBLE_TOTAL = 1e15

# "partial": some of the month's expected figures have not arrived (metrics.completeness), so the value
# is shown with what is missing and judged against no target.
STATUSES = ("green", "amber", "red", "no_target", "partial", "no_data")
STATUS_WORDS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "no_target": "No target",
    "partial": "Partial month: no RAG",
    "no_data": "No data",
}
# Icons carry the status without colour (RAG is never shown by colour alone).
STATUS_ICONS = {"green": "✔", "amber": "▲", "red": "✖", "no_target": "–", "partial": "◐", "no_data": "?"}
# NHS identity colours; text colour chosen for WCAG 2.1 AA contrast on each background.
STATUS_COLOURS = {
    "green": ("#007F3B", "#FFFFFF"),
    "amber": ("#FFB81C", "#212B32"),
    "red": ("#D5281B", "#FFFFFF"),
    "no_target": ("#4C6272", "#FFFFFF"),
    "partial": ("#FFFFFF", "#212B32"),
    "no_data": ("#D8DDE0", "#212B32"),
}

SERIES_COLUMNS = [
    "month",
    "value",
    "numerator",
    "denominator",
    "target",
    "gap",
    "status",
    "completeness",
    "completeness_text",
]


def rag_status(
    value: float | None,
    target: float | None,
    improvement: str,
    margin: float,
    relative_margin: bool = False,
) -> str:
    """Green at or better than target, amber short by no more than the margin, red beyond it.

    For lower-is-better metrics ("decrease") "better" means lower. With `relative_margin` (count
    metrics) the margin is a share of the target rather than absolute percentage points.
    A neutral metric has no direction to judge, so it has no target status.
    """
    if _missing(value):
        return "no_data"
    if _missing(target) or improvement == "neutral":
        return "no_target"
    if improvement == "increase":
        shortfall = target - value
    elif improvement == "decrease":
        shortfall = value - target
    else:
        raise ValueError(f"improvement must be increase, decrease or neutral, not '{improvement}'")
    allowed = margin * abs(target) if relative_margin else margin
    if shortfall <= TOLERANCE:
        return "green"
    if shortfall <= allowed + TOLERANCE:
        return "amber"
    return "red"


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def implausible_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """The (month, measure, value) totals that are not finite or beyond MAX_PLAUSIBLE_TOTAL: a stored
    value no upload could hold. They are left out of every sum (the month shows "No data") and
    named by `describe_implausible`, never shown as infinity."""
    if totals.empty:
        return totals
    values = pd.to_numeric(totals["value"], errors="coerce").astype(float)
    bad = ~values.abs().le(MAX_PLAUSIBLE_TOTAL)  # NaN and ±inf compare False
    return totals[bad & totals["value"].notna()]


def plausible_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """The totals without those `implausible_totals` names: a stored total too large to be real is left
    out, so its month shows what else arrived, or No data."""
    return totals.drop(index=implausible_totals(totals).index)


def judge_measures(
    cfg: Config,
    totals: pd.DataFrame,
    cells: pd.DataFrame | None,
    service: str = "All",
    site: str = "All",
    declared: dict[str, tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """`metrics.completeness.measure_months` of the plausible totals: worked out once and handed to
    `compute_series` for each metric that reads the same totals."""
    return completeness.measure_months(
        cfg, plausible_totals(totals), cells, service=service, site=site, declared=declared
    )


def judge_measures_index(
    cfg: Config,
    totals: pd.DataFrame,
    cells: pd.DataFrame | None,
    service: str = "All",
    site: str = "All",
    declared: dict[str, tuple[int, int]] | None = None,
) -> completeness.MeasureIndex:
    """`completeness.index_measures(judge_measures(...))` without the frame in between: what `compute_series`
    takes as `measure_frame` for each metric that reads the same totals."""
    return completeness.index_measure_records(completeness.measure_month_records(
        cfg, plausible_totals(totals), cells, service=service, site=site, declared=declared))


def describe_implausible(cfg: Config, totals: pd.DataFrame) -> list[str]:
    """A sentence per measure whose stored total is not a plausible figure (at most a few)."""
    bad = implausible_totals(totals)
    sentences = []
    for measure, group in bad.groupby("measure", sort=True):
        months = ", ".join(format_month(to_month(m)) for m in sorted(group["month"])[:3])
        more = f" and {len(group) - 3} more month(s)" if len(group) > 3 else ""
        sentences.append(
            f"The stored figures for {cfg.label_for('measure', measure)} in {months}{more} add up to more than any "
            "real total (a value far too large was stored), so the metrics that use them show No data for those "
            "months. Check the uploads on the Data coverage & history page and undo the one that holds it."
        )
    return sentences


def _sum_measures(totals: pd.DataFrame, measures: list[str]) -> pd.Series:
    """Month → sum of the measures; NaN in a month where any of them is missing or implausible (see
    `implausible_totals`): used only for a count metric's reference month, which must be whole."""
    if totals.empty:
        return pd.Series(dtype=float)
    totals = totals.drop(index=implausible_totals(totals).index)
    subset = totals[totals["measure"].isin(measures)]
    wide = subset.pivot_table(index="month", columns="measure", values="value", aggfunc="sum")
    wide = wide.reindex(columns=measures)
    summed = wide.sum(axis=1, min_count=len(measures))
    summed[wide.isna().any(axis=1) | ~summed.abs().le(MAX_PLAUSIBLE_TOTAL)] = float("nan")
    summed.index = [to_month(m) for m in summed.index]
    return summed.astype(float)


def _reference_total(totals: pd.DataFrame, measures: list[str], month: dt.date) -> float:
    """`_sum_measures(totals, measures)` at one month (NaN where it has none), from that month's rows only: a
    count metric needs its reference month alone, not a pivot of every month."""
    if totals.empty:
        return float("nan")
    # the same pivot over that month's rows alone: a group's sum does not depend on the other groups
    wanted = set(measures)
    stamps = totals["month"]
    if stamps.dtype.kind == "M":  # the store's months: compared as whole months in numpy, not converted row by row
        in_month = stamps.to_numpy().astype("datetime64[M]") == np.datetime64(f"{month.year:04d}-{month.month:02d}")
        chosen = np.flatnonzero(in_month)
        measures_there = totals["measure"].to_numpy(dtype=object)[chosen]
        rows = totals.take(chosen[[x in wanted for x in measures_there]])
    else:
        rows = totals[[x in wanted and to_month(m) == month
                       for m, x in zip(totals["month"], totals["measure"], strict=True)]]
    if rows.empty:
        return float("nan")
    found = dict(zip(rows["measure"].tolist(), rows["value"].tolist(), strict=True))
    if len(found) == len(rows) and wanted <= set(found) and all(abs(v) <= MAX_PLAUSIBLE_TOTAL for v in found.values()):
        # One plausible value per measure (the store's totals): the pivot's sum of one value is 0.0 + it, and the
        # row is added up as the pivot's row was, by the same frame reduction.
        wide = pd.DataFrame([[0.0 + found[m] for m in measures]], columns=range(len(measures)), dtype=float)
        summed = float(wide.sum(axis=1, min_count=len(measures)).iloc[0])
        return summed if abs(summed) <= MAX_PLAUSIBLE_TOTAL else float("nan")
    return _sum_measures(rows, measures).get(month, float("nan"))


def compute_series(
    cfg: Config,
    metric: Metric,
    totals: pd.DataFrame,
    months: list[dt.date],
    service: str = "All",
    *,
    site: str = "All",
    cells: pd.DataFrame | None = None,
    measure_frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per month: value, numerator, denominator, target, gap, status and completeness.

    Completeness comes from `metrics.completeness` (the one place that decides it): `cells` are the
    cell-level values `Store.cells` returns for `completeness.detail_months(cfg, totals)`;
    `measure_frame` is `completeness.measure_months` of the same totals and cells, when the caller has
    already worked it out for several metrics at once.

    - ratio_to_baseline: numerator = the measures in the month; denominator = the same measures in the
      same month of the baseline year, over the same cells (like for like); value = numerator ÷
      denominator.
    - share: numerator measures ÷ denominator measures in the same month.
    - count: value = the measures' total; denominator = the reference month's total when the metric
      has a reference_period (so the ratio to it can be shown), else empty.

    A partial month keeps its value but gets status "partial" (no RAG); a month with nothing is "no_data".
    """
    return series_frame(series_columns(cfg, metric, totals, months, service, site=site, cells=cells,
                                      measure_frame=measure_frame))


def series_columns(
    cfg: Config,
    metric: Metric,
    totals: pd.DataFrame,
    months: list[dt.date],
    service: str = "All",
    *,
    site: str = "All",
    cells: pd.DataFrame | None = None,
    measure_frame: pd.DataFrame | None = None,
) -> dict[str, list]:
    """`compute_series` as plain lists, column → values in `SERIES_COLUMNS` order (floats as Python floats): for a
    caller that reads or cuts the series before making its one frame (`series_frame`), e.g. the Overview."""
    months = [to_month(m) for m in months]
    if measure_frame is None:
        measure_frame = judge_measures(cfg, totals, cells, service=service, site=site)
    # the month rows as plain records (this runs for every metric of every page: no intermediate frames, no
    # masked assignment)
    states = completeness.metric_month_records(cfg, metric, measure_frame, months, cells)
    numerator = [float(r["numerator"]) for r in states]
    if metric.type in ("ratio_to_baseline", "share"):
        denominator = [float(r["denominator"]) for r in states]
        values = [_divide(n, d) for n, d in zip(numerator, denominator, strict=True)]
    elif metric.type == "count":
        reference = (
            float(_reference_total(totals, metric.measures, to_month(metric.reference_period)))
            if metric.reference_period else float("nan")
        )
        denominator = [reference for _ in months]
        values = list(numerator)
    else:
        raise ValueError(f"metric '{metric.id}' has unknown type '{metric.type}'")
    values = [float(v) for v in values]
    targets = [float(_target(cfg, metric, m, service, denominator[i])) for i, m in enumerate(months)]
    relative = metric.type == "count"
    gap = [v - t for v, t in zip(values, targets, strict=True)]  # what the frame's column subtraction gave
    status = [rag_status(v, t, metric.improvement, cfg.rag.amber_margin, relative)
              for v, t in zip(values, targets, strict=True)]
    state = [r["state"] for r in states]
    # A partial month is never judged against the target, and a month with nothing has no status.
    for i, s in enumerate(state):
        if s == completeness.PARTIAL:
            status[i], gap[i] = "partial", float("nan")
        elif s == completeness.NO_DATA:
            status[i] = "no_data"
    return {"month": months, "value": values, "numerator": numerator, "denominator": denominator,
            "target": targets, "gap": gap, "status": status, "completeness": state,
            "completeness_text": [r["text"] for r in states]}


_FLOAT_COLUMNS = ("value", "numerator", "denominator", "target", "gap")


def series_frame(columns: dict[str, list]) -> pd.DataFrame:
    """The frame of `series_columns` (and any text columns added after them, such as a hover's `source`),
    made once: what `compute_series` returns."""
    if not columns["month"]:
        frame = _empty_series()
        for name in list(columns)[len(SERIES_COLUMNS):]:
            frame[name] = list(columns[name])
        return frame
    return pd.DataFrame({name: np.asarray(values, dtype=float) if name in _FLOAT_COLUMNS else values
                         for name, values in columns.items()})


def _empty_series() -> pd.DataFrame:
    """`compute_series` over no months: the columns with the dtypes an empty series has always had."""
    frame = pd.DataFrame(
        {"month": [], "value": [], "numerator": [], "denominator": [], "target": []}, columns=SERIES_COLUMNS[:5]
    ).astype({"value": float, "numerator": float, "denominator": float, "target": float})
    frame["gap"] = pd.Series([], index=frame.index, dtype=float)
    frame["status"] = []
    frame["completeness"] = []
    frame["completeness_text"] = []
    return frame


def _divide(numerator: float, denominator: float) -> float:
    if _missing(numerator) or _missing(denominator) or denominator == 0:
        return float("nan")
    return numerator / denominator


def _target(cfg: Config, metric: Metric, month: dt.date, service: str, reference: float) -> float:
    return _target_of(cfg.target_for(metric, month, service), metric, reference)


def _target_of(target: float | None, metric: Metric, reference: float) -> float:
    """The target in force (`Config.target_for`) as a number: NaN without one, and a count's multiple of its
    reference month made a count."""
    if target is None:
        return float("nan")
    if metric.type == "count" and metric.reference_target is not None:
        # A count target written as a multiple of the reference month ("back to February 2020").
        return float("nan") if _missing(reference) else target * reference
    return float(target)


def chart_months(cfg: Config, metric: Metric, end: dt.date) -> list[dt.date]:
    """Months a metric's trajectory chart covers up to `end`.

    A ratio to the baseline year is 100% by definition during that year, so its chart starts the
    April after it; other metrics show the baseline year for context.
    """
    start = cfg.first_month
    if metric.type == "ratio_to_baseline":
        start = add_months(start, 12)
    began = cfg.metric_available_from(metric)
    if began is not None and began > start:
        start = began  # a service that began later is not drawn before it existed
    return month_range(start, max(to_month(end), start))


def latest_row(series: pd.DataFrame, month: dt.date) -> dict:
    """The series row for `month` as a dict (all-NaN with status no_data when absent)."""
    month = to_month(month)
    if series["month"].dtype == object:
        # the first row of the month found in the column as a list, not by a boolean mask over the frame
        months = series["month"].tolist()
        if month in months:
            return series.iloc[months.index(month)].to_dict()
    else:
        row = series[series["month"] == month]
        if not row.empty:
            return row.iloc[0].to_dict()
    return _no_data_row(month)


def _no_data_row(month: dt.date) -> dict:
    return {"month": month, "value": float("nan"), "numerator": float("nan"),
            "denominator": float("nan"), "target": float("nan"), "gap": float("nan"), "status": "no_data",
            "completeness": completeness.NO_DATA, "completeness_text": "No data"}


def tiles_frame(cfg: Config, series_by_metric: dict[str, pd.DataFrame], month: dt.date) -> pd.DataFrame:
    """One row per metric for the chosen month: id, label, value, target, gap, status and the
    formatted text a tile shows."""
    return tiles_of_rows(cfg, {metric_id: latest_row(series, month) for metric_id, series in series_by_metric.items()},
                         month)


def tiles_of_rows(cfg: Config, rows_by_metric: dict[str, dict | None], month: dt.date) -> pd.DataFrame:
    """`tiles_frame` from each metric's row for the month as `latest_row` gives it (None: no row, no data)."""
    rows = []
    for metric_id, found in rows_by_metric.items():
        metric = cfg.metric(metric_id)
        row = found if found is not None else _no_data_row(to_month(month))
        rows.append(
            {
                "metric": metric_id,
                "label": metric.label,
                "month": to_month(month),
                "value": row["value"],
                "target": row["target"],
                "gap": row["gap"],
                "status": row["status"],
                "value_text": format_value(row["value"], metric),
                "target_text": format_value(row["target"], metric),
                "gap_text": format_gap(row["gap"], metric),
                "status_text": describe_status(row["status"], row["gap"], metric, cfg.rag.amber_margin)
                if row["status"] != "partial"
                else _capitalise(row["completeness_text"]),
                "context_text": describe_reference(row, metric),
                "completeness": row.get("completeness", completeness.COMPLETE),
                "completeness_text": row.get("completeness_text", ""),
            }
        )
    return pd.DataFrame(rows)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def report_frame(cfg: Config, series_by_metric: dict[str, pd.DataFrame], month: dt.date) -> pd.DataFrame:
    """`python -m metrics report`: metric, month, value, target, gap, status (fractions, not %)."""
    tiles = tiles_frame(cfg, series_by_metric, month)
    if tiles.empty:
        return pd.DataFrame(columns=["metric", "month", "value", "target", "gap", "status"])
    out = tiles[["metric", "month", "value", "target", "gap", "status"]].copy()
    out["month"] = [m.strftime("%Y-%m") for m in out["month"]]
    for column in ("value", "target", "gap"):
        out[column] = out[column].round(6)
    return out


# --- formatting (shared by pages, charts and the board pack) -------------------------------------


def format_value(value: float, metric: Metric) -> str:
    """85.4% for ratio and share metrics; 15,091 for counts; an en dash when missing."""
    if _missing(value):
        return "–"
    if metric.is_percent:
        return f"{value:.1%}"
    return f"{value:,.0f}"


def format_gap(gap: float, metric: Metric) -> str:
    """Signed gap to target: "−4.6 pts" for percentages, "+1,204" for counts."""
    if _missing(gap):
        return "–"
    sign = "+" if gap > TOLERANCE else ("−" if gap < -TOLERANCE else "±")
    if metric.is_percent:
        return f"{sign}{abs(gap) * 100:.1f} pts"
    return f"{sign}{abs(gap):,.0f}"


def describe_status(status: str, gap: float, metric: Metric, margin: float) -> str:
    """The RAG status in words, e.g. "Red: 4.6 points below target"."""
    if status in ("no_target", "no_data"):
        return STATUS_WORDS[status]
    if status == "green":
        return "Green: target met"
    worse = "above" if metric.improvement == "decrease" else "below"
    amount = f"{abs(gap) * 100:.1f} points" if metric.is_percent else f"{abs(gap):,.0f}"
    return f"{STATUS_WORDS[status]}: {amount} {worse} target"


def describe_reference(row: dict, metric: Metric) -> str:
    """For a count against a reference month: "434% of Feb 2020 (3,481)"; otherwise empty."""
    if metric.type != "count" or not metric.reference_period or row.get("completeness") == completeness.PARTIAL:
        return ""
    reference = row["denominator"]
    if _missing(reference) or reference == 0 or _missing(row["value"]):
        return ""
    return f"{row['value'] / reference:.0%} of {format_month(metric.reference_period)} ({reference:,.0f})"


def fy_boundaries(months: list[dt.date]) -> list[tuple[dt.date, str]]:
    """(April, "2020/21") for each financial year starting within the months shown."""
    return [(m, financial_year_label(m)) for m in months if m.month == 4]


# --- a metric for many groups at once (issue 14: declared pages' breakdowns) ----------------------------


def group_series(
    cfg: Config, metric: Metric, totals: pd.DataFrame, column: str, keys: list[str], months: list[dt.date]
) -> pd.DataFrame:
    """The metric month by month for each group (a site, service or segment), in one pass: month, key,
    value, numerator, denominator, target, gap, status, for every key × month (NaN where the group has no
    figure). `totals` is `Store.measure_totals_by(column, …)` (month, measure, <column>, value).

    The same arithmetic as `compute_series` for each type (a share: numerator ÷ denominator; a ratio to
    the baseline year: the month ÷ the same month of the baseline year, for the group; a count: the total,
    against its reference month), without the completeness judgement: a breakdown compares groups with
    each other, and the page's own charts say which months are partial."""
    columns = ["month", "key", "value", "numerator", "denominator", "target", "gap", "status"]
    months = [to_month(m) for m in months]
    if not keys or not months:
        return pd.DataFrame(columns=columns)
    summed = _group_sums(plausible_totals(totals), column)

    grid = [(key, month) for key in keys for month in months]
    if metric.type == "share":
        numerator = summed(metric.numerator, grid)
        denominator = summed(metric.denominator, grid)
    elif metric.type == "ratio_to_baseline":
        numerator = summed(metric.measures, grid)
        denominator = summed(metric.measures, [(k, baseline_month(m, cfg.baseline_year)) for k, m in grid])
    elif metric.type == "count":
        numerator = summed(metric.measures, grid)
        reference = to_month(metric.reference_period) if metric.reference_period else None
        denominator = (summed(metric.measures, [(k, reference) for k, _ in grid]) if reference
                       else np.full(len(grid), float("nan")))
    else:
        raise ValueError(f"metric '{metric.id}' has unknown type '{metric.type}'")
    if metric.type == "count":
        values = numerator
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denominator > 0, numerator / denominator, float("nan"))
    out = pd.DataFrame({"month": [m for _, m in grid], "key": [k for k, _ in grid], "value": values,
                        "numerator": numerator, "denominator": denominator})
    in_force = {m: cfg.target_for(metric, m, "All") for m in months}  # once per month, not once per group
    out["target"] = [_target_of(in_force[m], metric, d) for m, d in zip(out["month"], out["denominator"], strict=True)]
    out = out.astype({"value": float, "numerator": float, "denominator": float, "target": float})
    out["gap"] = out["value"] - out["target"]
    out["status"] = [rag_status(v, t, metric.improvement, cfg.rag.amber_margin, metric.type == "count")
                     for v, t in zip(out["value"], out["target"], strict=True)]
    return out[columns]


def _group_sums(frame: pd.DataFrame, column: str):
    """For `group_series`: a function of (measures, [(group, month), …]) → the measures' sum for each pair
    (NaN where any is missing). Each (group, month, measure) total is the pivot's sum of its rows; when the rows
    are one per total with a value (the store's totals), that is 0.0 + the value, so they are looked up in a
    dict, and each pair's measures are added by the same frame reduction as the pivot's rows were."""
    if frame.empty or frame[[column, "measure", "value"]].isna().to_numpy().any():
        return _group_sums_by_pivot(frame, column)
    groups, months, measures, values = (completeness.column_values(frame[c]) for c in (column, "month", "measure",
                                                                                         "value"))
    first: dict[object, dt.date] = {}
    for raw in months:
        if raw not in first:
            first[raw] = to_month(raw)
    found = {(group, first[raw], measure): 0.0 + value
             for group, raw, measure, value in zip(groups, months, measures, values, strict=True)}
    if len(found) < len(frame):  # a total in more than one row: the pivot adds them up
        return _group_sums_by_pivot(frame, column)
    nan = float("nan")

    def summed(chosen: list[str], at: list[tuple[str, dt.date]]) -> np.ndarray:
        cells = np.array([[found.get((group, month, measure), nan) for measure in chosen] for group, month in at],
                         dtype=float).reshape(len(at), len(chosen))
        wide = pd.DataFrame(cells, columns=range(len(chosen)))
        out = wide.sum(axis=1, min_count=len(chosen)).to_numpy(dtype=float, copy=True)
        out[np.isnan(cells).any(axis=1)] = nan
        return out

    return summed


def _group_sums_by_pivot(frame: pd.DataFrame, column: str):
    """`_group_sums` by a pivot of the rows: for totals with repeated or missing values."""
    frame = frame.assign(month=[to_month(m) for m in frame["month"]])
    wide = frame.pivot_table(index=[column, "month"], columns="measure", values="value", aggfunc="sum")

    def summed(measures: list[str], at: list[tuple[str, dt.date]]) -> np.ndarray:
        cells = wide.reindex(index=pd.MultiIndex.from_tuples(at), columns=measures)
        values = cells.sum(axis=1, min_count=len(measures))
        values[cells.isna().any(axis=1)] = float("nan")
        return values.to_numpy(dtype=float)

    return summed
