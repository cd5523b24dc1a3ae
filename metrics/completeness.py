"""Whether a month's figures are complete: the one place that decides it.

A figure built from part of a month's data (three PRUH rows against the whole system's baseline) is a
false headline. So for every measure and month in a selection (service × site × segment) this module
compares the breakdown cells (service × site pairs) that have arrived with the cells **expected**:

- those present in the same month of the baseline year (2019/20), the usual case; or
- for a measure whose service began later (`available_from`), with no baseline-year month to learn
  from, the cells declared in config.yaml (`expected`: every listed service × every listed site);
- with neither, whatever arrived is all there is (complete by definition).

A measure-month is *complete* when every expected cell has arrived; a metric-month is complete when
every measure of the metric is, *partial* ("k of n") otherwise, and *no data* when nothing arrived.
A ratio to baseline is computed like for like: the month's values and the baseline's values over the
same cells, so a partial month is never divided by a whole system's baseline. Cells that arrived but
are not in the baseline month (a new site) are left out of the ratio and counted as `extra`.

Where one side of a comparison is a total ("All") and the other a breakdown by the same dimension, the
breakdown is added up to the total before comparing, so a month loaded as a system total still
compares with a baseline loaded by site.

Pure: the store supplies monthly totals with a cell count and an order-free fingerprint of the cells
(`data.store.Store.measure_totals`); a month whose count and fingerprint equal its baseline month's is
complete without reading a cell. Only the other months are read cell by cell (`Store.cells`), which
`detail_months` names.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from itertools import chain, product

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import maybe_box_native

from metrics.config import Config, Metric
from metrics.months import baseline_month, format_month, parse_month, to_month

ALL = "All"

COMPLETE, PARTIAL, NO_DATA = "complete", "partial", "no_data"
STATES = (COMPLETE, PARTIAL, NO_DATA)

MEASURE_COLUMNS = [
    "month", "measure", "value", "expected", "arrived", "extra", "matched_value", "matched_baseline",
    "sites_expected", "sites_arrived", "services_expected", "services_arrived", "state",
]
METRIC_COLUMNS = [
    "month", "state", "numerator", "denominator", "expected", "arrived", "missing_measures", "text",
]


def _has_cells(totals: pd.DataFrame) -> bool:
    return {"cells", "fingerprint"} <= set(totals.columns)


def _baseline_for(cfg: Config, month: dt.date) -> dt.date:
    return _baseline_of(month, cfg.baseline_year)


# Both are asked for every (month, measure) of a page, several times: a month's baseline month and a measure's
# first month are worked out once per value, not once per question.
@lru_cache(maxsize=4096)
def _baseline_of(month: dt.date, baseline_year: int) -> dt.date:
    return baseline_month(month, baseline_year)


@lru_cache(maxsize=1024)
def _month_of(text: str) -> dt.date:
    return parse_month(text)


def _started(cfg: Config, measure: str) -> dt.date | None:
    """`cfg.available_from(measure)`: the month the measure began (None: always collected)."""
    found = cfg.measure_by_id.get(measure)
    return _month_of(found.available_from) if found is not None and found.available_from else None


def column_values(column: pd.Series) -> list:
    """A column's values as Python objects, as `to_dict("records")` gives them (numbers, Timestamps, text, the
    objects of an object column unboxed the same way); text converted by pyarrow at once, not item by item."""
    if column.dtype == object:
        return [maybe_box_native(x) for x in column.tolist()]
    if isinstance(column.dtype, pd.StringDtype):
        return column.to_numpy(dtype=object).tolist()
    return column.tolist()


def _records(frame: pd.DataFrame) -> list[dict]:
    """`frame.to_dict("records")` from the columns as lists (the same Python values), without a row of objects
    per row."""
    columns = frame.columns.tolist()
    lists = [column_values(frame[c]) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*lists, strict=True)]


def _index(totals: pd.DataFrame) -> dict[tuple[dt.date, str], dict]:
    months: dict[object, dt.date] = {}  # each distinct month converted once, not once per row
    out = {}
    for r in _records(totals):
        month = months.get(r["month"])
        if month is None:
            month = months[r["month"]] = to_month(r["month"])
        out[(month, r["measure"])] = r
    return out


# measure → (count, fingerprint) of its declared cells for the selection, fingerprinted by the store the same
# way as its totals (`Store.cell_fingerprint`); see `declared_cells`.
DeclaredPrints = dict[str, tuple[int, int]]


def _against_declared(cfg: Config, month: dt.date, measure: str, rows: dict) -> bool:
    """Whether (month, measure) is judged against the cells declared in config.yaml (no usable baseline)."""
    base = rows.get((_baseline_for(cfg, month), measure))
    started = _started(cfg, measure)
    if base is None or (started is not None and _baseline_for(cfg, month) < started):
        declared = cfg.measure_by_id.get(measure)
        return declared is not None and declared.expected is not None
    return False


def _matches_declared(row: dict, measure: str, declared: DeclaredPrints | None) -> bool:
    """Whether a month's cells are exactly the declared cells (same count and fingerprint)."""
    if not declared or measure not in declared:
        return False
    count, fingerprint = declared[measure]
    return count > 0 and int(row["cells"]) == count and int(row["fingerprint"]) == fingerprint


def _needs_detail(
    cfg: Config, month: dt.date, measure: str, rows: dict, declared: DeclaredPrints | None = None
) -> bool:
    """Whether (month, measure) must be read cell by cell to judge it."""
    row = rows[(month, measure)]
    base_month = _baseline_for(cfg, month)
    if base_month == month:
        return False
    base = rows.get((base_month, measure))
    started = _started(cfg, measure)
    if base is None or (started is not None and base_month < started):
        if _against_declared(cfg, month, measure, rows):
            return not _matches_declared(row, measure, declared)
        return False
    return not (int(base["cells"]) == int(row["cells"]) and int(base["fingerprint"]) == int(row["fingerprint"]))


def declared_cells(
    cfg: Config, measures: list[str], service: str = ALL, site: str = ALL
) -> dict[str, list[tuple[str, str]]]:
    """measure → the service × site cells config.yaml declares for it within the selection (measures with a
    declaration only): what `Store.cell_fingerprint` fingerprints for `measure_months(declared=...)`."""
    out = {}
    for measure in measures:
        found = cfg.measure_by_id.get(measure)
        if found is not None and found.expected is not None:
            out[measure] = sorted(_declared_cells(cfg, measure, service, site))
    return out


def detail_months(cfg: Config, totals: pd.DataFrame) -> list[dt.date]:
    """The months whose cells must be read (with their baseline months) to judge completeness."""
    if totals.empty or not _has_cells(totals):
        return []
    rows = _index(totals)
    chosen: set[dt.date] = set()
    for month, measure in rows:
        if _needs_detail(cfg, month, measure, rows):
            chosen.add(month)
    with_baselines = chosen | {_baseline_for(cfg, m) for m in chosen}
    return sorted(with_baselines)


def detail_months_by(cfg: Config, totals: pd.DataFrame, column: str) -> dict[str, list[dt.date]]:
    """`detail_months` for each group of `totals` by `column` (e.g. each service of a heatmap) on its own, its
    rows read once rather than once per group; groups needing no cells are left out."""
    if totals.empty or not _has_cells(totals):
        return {}
    groups: dict[str, dict[tuple[dt.date, str], dict]] = {}
    months: dict[object, dt.date] = {}
    for r in totals.to_dict("records"):
        month = months.get(r["month"])
        if month is None:
            month = months[r["month"]] = to_month(r["month"])
        groups.setdefault(r[column], {})[(month, r["measure"])] = r
    out = {}
    for key, rows in groups.items():
        chosen = {month for month, measure in rows if _needs_detail(cfg, month, measure, rows)}
        if chosen:
            out[key] = sorted(chosen | {_baseline_for(cfg, m) for m in chosen})
    return out


def detail_keys(
    cfg: Config, totals: pd.DataFrame, declared: DeclaredPrints | None = None
) -> list[tuple[dt.date, str]]:
    """The (month, measure) pairs whose cells must be read to judge completeness: each pair that cannot be
    told from its totals, its baseline month's pair (unless it is judged against declared cells), and the
    same month of every other measure of a share metric it feeds (a partial share is computed over the
    cells all its measures arrived in). Narrower than `detail_months`, which reads every measure of those
    months. With `declared` (as
    `measure_months` takes it), a month whose cells are exactly the declared cells is not read either."""
    if totals.empty or not _has_cells(totals):
        return []
    rows = _index(totals)
    chosen = [(month, measure) for month, measure in rows if _needs_detail(cfg, month, measure, rows, declared)]
    siblings: dict[str, set[str]] = {}
    for metric in cfg.metrics:
        if metric.type == "share":
            for m in metric.input_measures:
                siblings.setdefault(m, set()).update(metric.input_measures)
    keys: set[tuple[dt.date, str]] = set()
    for month, measure in chosen:
        if not _against_declared(cfg, month, measure, rows):  # compared with its baseline month's cells
            keys.add((_baseline_for(cfg, month), measure))
        keys.update((month, m) for m in siblings.get(measure, set()) | {measure})
    return sorted(keys)


def _declared_cells(cfg: Config, measure: str, service: str, site: str) -> set[tuple[str, str]]:
    declared = cfg.measure_by_id[measure].expected
    services = declared.service or [ALL]
    sites = declared.site or [ALL]
    if service != ALL:
        services = [service] if service in services else []
    if site != ALL:
        sites = [site] if site in sites else []
    return set(product(services, sites))


def _collapse(cells: dict[tuple[str, str], float], service_all: bool, site_all: bool) -> dict[tuple[str, str], float]:
    if not (service_all or site_all):
        return cells
    out: dict[tuple[str, str], float] = {}
    for (service, site), value in cells.items():
        key = (ALL if service_all else service, ALL if site_all else site)
        out[key] = out.get(key, 0.0) + (0.0 if value is None else value)
    return out


def _compare(
    arrived: dict[tuple[str, str], float], expected: dict[tuple[str, str], float | None]
) -> dict:
    """Arrived cells against expected cells, with totals over the cells both hold."""
    for dim in (0, 1):
        if arrived and expected:
            arrived_all = all(k[dim] == ALL for k in arrived)
            expected_all = all(k[dim] == ALL for k in expected)
            if arrived_all != expected_all:
                collapse = (dim == 0, dim == 1)
                arrived = _collapse(arrived, *collapse)
                has_values = all(v is not None for v in expected.values())
                expected = _collapse(expected, *collapse)
                if not has_values:
                    expected = {k: None for k in expected}
    matched = [k for k in expected if k in arrived]
    baseline_values = [expected[k] for k in matched]
    return {
        "expected": len(expected),
        "arrived": len(matched),
        "extra": len(arrived.keys() - expected.keys()),
        "matched_value": float(sum(arrived[k] for k in matched)),
        "matched_baseline": float(sum(baseline_values))
        if baseline_values and all(v is not None for v in baseline_values)
        else math.nan,
        "sites_expected": sorted({k[1] for k in expected} - {ALL}),
        "sites_arrived": sorted({k[1] for k in matched} - {ALL}),
        "services_expected": sorted({k[0] for k in expected} - {ALL}),
        "services_arrived": sorted({k[0] for k in matched} - {ALL}),
    }


def totals_from_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Monthly totals with a cell count and fingerprint computed here from cells (month, measure, service,
    site, value): for judging cells that are not (yet) in the store, such as an upload's preview. The
    fingerprint is only comparable within one such frame."""
    rows = []
    for (month, measure), group in cells.groupby(["month", "measure"], sort=True):
        fingerprint = 0
        for key in zip(group["service"], group["site"], strict=True):
            fingerprint ^= hash(key) & 0xFFFFFFFFFFFFFFFF
        rows.append({"month": to_month(month), "measure": measure, "value": float(group["value"].sum()),
                     "cells": len(group), "fingerprint": fingerprint})
    return pd.DataFrame(rows, columns=["month", "measure", "value", "cells", "fingerprint"])


class CellIndex(dict):
    """Cells already grouped by (month, measure) (`index_cells`): pass it wherever `cells` are taken, so
    several metrics judged from the same cells group them once, not once per metric."""


def index_cells(cells: pd.DataFrame | None) -> CellIndex:
    """(month, measure) → {(service, site): value} of `Store.cells` rows, grouped once for many calls."""
    return CellIndex(_cells_by_key(cells))


def _cells_by_key(
    cells: pd.DataFrame | CellIndex | None,
) -> dict[tuple[dt.date, str], dict[tuple[str, str], float]]:
    """(month, measure) → {(service, site): value}; columns read whole (`tolist`), not row by row."""
    if isinstance(cells, CellIndex):
        return cells
    by_key: dict[tuple[dt.date, str], dict[tuple[str, str], float]] = {}
    if cells is None or cells.empty:
        return by_key
    # Each distinct month is normalised once (a national store has a million cells but sixty months), and
    # the rows are grouped by (month, measure) with numpy, each group's cells made into a dict at once: the
    # same dicts (keys in row order, a repeated cell's last value kept) as adding the rows one by one.
    month_codes, distinct = pd.factorize(pd.to_datetime(cells["month"]))
    firsts = [to_month(m) for m in distinct]
    measure_codes, measures = pd.factorize(cells["measure"])
    pair = month_codes.astype(np.int64) * max(len(measures), 1) + measure_codes
    order = np.argsort(pair, kind="stable")
    starts = np.flatnonzero(np.r_[True, pair[order][1:] != pair[order][:-1]])
    ends = np.r_[starts[1:], len(order)]
    services, sites = cells["service"].to_numpy(object), cells["site"].to_numpy(object)
    values = cells["value"].astype(float).to_numpy()
    groups = sorted(zip(order[starts].tolist(), starts.tolist(), ends.tolist(), strict=True))  # first row order
    for first, start, end in groups:
        rows = order[start:end]
        key = (firsts[month_codes[first]], measures[measure_codes[first]])
        cell_keys = zip(services[rows].tolist(), sites[rows].tolist(), strict=True)
        by_key[key] = dict(zip(cell_keys, values[rows].tolist(), strict=True))
    return by_key


def measure_months(
    cfg: Config,
    totals: pd.DataFrame,
    cells: pd.DataFrame | None = None,
    service: str = ALL,
    site: str = ALL,
    declared: DeclaredPrints | None = None,
) -> pd.DataFrame:
    """One row per (month, measure) that has values: what arrived against what was expected.

    `totals` as `Store.measure_totals` returns it (from April of the baseline year, so each month's
    baseline month is in it); `cells` as `Store.cells` returns it for `detail_months(cfg, totals)`.
    Totals without cell counts (a frame built by hand) are taken as complete. `declared` (measure →
    count and fingerprint of its declared cells for this selection, from the store) lets a month holding
    exactly the declared cells be judged without its cells (then `cells` come from `detail_keys(cfg,
    totals, declared)`); the result is the same as comparing the cells.
    """
    return pd.DataFrame(measure_month_records(cfg, totals, cells, service, site, declared), columns=MEASURE_COLUMNS)


def measure_month_records(
    cfg: Config,
    totals: pd.DataFrame,
    cells: pd.DataFrame | None = None,
    service: str = ALL,
    site: str = ALL,
    declared: DeclaredPrints | None = None,
) -> list[dict]:
    """`measure_months` as its row dicts (the same keys and values, each kind of value one type in its
    column), for `index_measure_records` without a frame in between."""
    if totals.empty:
        return []
    rows = _index(totals)
    by_key = _cells_by_key(cells)
    has_cells = _has_cells(totals)  # once, not once per (month, measure)
    out = []
    for (month, measure), row in rows.items():
        value = float(row["value"])
        base_month = _baseline_for(cfg, month)
        base = rows.get((base_month, measure))
        started = _started(cfg, measure)
        base_usable = base is not None and not (started is not None and base_month < started)
        record = {"month": month, "measure": measure, "value": value}
        detail = has_cells and base_month != month and _needs_detail(cfg, month, measure, rows, declared)
        if (
            not detail
            and has_cells
            and base_month != month
            and _against_declared(cfg, month, measure, rows)
            and _matches_declared(row, measure, declared)
        ):
            # The month holds exactly the declared cells: what comparing them would give.
            cells_expected = _declared_cells(cfg, measure, service, site)
            sites = sorted({k[1] for k in cells_expected} - {ALL})
            services = sorted({k[0] for k in cells_expected} - {ALL})
            record.update(
                expected=len(cells_expected), arrived=len(cells_expected), extra=0, matched_value=value,
                matched_baseline=math.nan, sites_expected=sites, sites_arrived=list(sites),
                services_expected=services, services_arrived=list(services),
            )
        elif not detail:
            n = int(row["cells"]) if has_cells else 1
            record.update(
                expected=n, arrived=n, extra=0, matched_value=value,
                matched_baseline=float(base["value"]) if base_usable else math.nan,
                sites_expected=None, sites_arrived=None, services_expected=None, services_arrived=None,
            )
        else:
            arrived = by_key.get((month, measure), {})
            if base_usable:
                expected: dict[tuple[str, str], float | None] = dict(by_key.get((base_month, measure), {}))
            else:
                expected = {k: None for k in _declared_cells(cfg, measure, service, site)}
            if not expected:  # nothing declared for this selection: whatever arrived is all there is
                expected = {k: None for k in arrived}
            record.update(_compare(arrived, expected))
        record["state"] = COMPLETE if record["arrived"] >= record["expected"] else PARTIAL
        out.append(record)
    return out


def _names(ids: list[str], kind: str, cfg: Config) -> str:
    return ", ".join(cfg.label_for(kind, i) for i in ids)


def _count_phrase(arrived: list[str], expected: list[str], noun: str, kind: str, cfg: Config) -> str:
    phrase = f"{len(arrived)} of {len(expected)} {noun}{'' if len(expected) == 1 else 's'}"
    if len(arrived) == 1:
        phrase += f" ({_names(arrived, kind, cfg)})"
    return phrase


def describe_partial(cfg: Config, rows: list[dict], missing: list[str]) -> str:
    """"partial: 1 of 3 sites (Princess Royal University Hospital) and 3 of 12 services" — what has
    arrived of a partial month, by site and service, and any measure with nothing yet."""
    parts = []
    detailed = [r for r in rows if r["sites_expected"] is not None]
    if detailed:
        for dim, noun in (("site", "site"), ("service", "service")):
            expected = sorted({s for r in detailed for s in r[f"{dim}s_expected"]})
            arrived = sorted(
                {s for s in expected if all(s in r[f"{dim}s_arrived"] for r in detailed if s in r[f"{dim}s_expected"])}
            )
            if expected and len(arrived) < len(expected):
                parts.append(_count_phrase(arrived, expected, noun, dim, cfg))
        if not parts:
            expected_cells = sum(r["expected"] for r in detailed)
            arrived_cells = sum(r["arrived"] for r in detailed)
            if arrived_cells < expected_cells:
                parts.append(f"{arrived_cells} of {expected_cells} cells")
    if len(missing) == 1:
        label = cfg.measure_by_id[missing[0]].label if missing[0] in cfg.measure_by_id else missing[0]
        parts.append(f"nothing yet for {label[:1].lower() + label[1:]}")
    elif missing:
        parts.append(f"nothing yet for {len(missing)} of its {len(missing) + len(rows)} measures")
    return "partial: " + (" and ".join(parts) if parts else "some expected figures have not arrived")


def _share_over_common_cells(
    by_key: dict, month: dt.date, numerator: list[str], denominator: list[str]
) -> tuple[float, float] | None:
    """Numerator and denominator over the cells every measure of a share has arrived in."""
    measures = list(dict.fromkeys(numerator + denominator))
    found = [by_key.get((month, m), {}) for m in measures]
    if not any(found):
        return None
    keys = set.intersection(*(set(f) for f in found))
    if not keys:
        return math.nan, math.nan
    # Every measure holds every common cell; each measure's cells are looked up once, not once per cell, and
    # added in the same order as before (so the sums are the same to the last bit).
    top = float(sum(chain.from_iterable(map(by_key[(month, m)].__getitem__, keys) for m in numerator)))
    bottom = float(sum(chain.from_iterable(map(by_key[(month, m)].__getitem__, keys) for m in denominator)))
    return top, bottom


class MeasureIndex(dict):
    """`measure_months` rows already keyed by (month, measure) (`index_measures`): pass it to `metric_months`
    for each metric judged from the same frame, so the frame is read row by row once, not once per metric."""


def index_measures(measures: pd.DataFrame) -> MeasureIndex:
    """(month, measure) → row of a `measure_months` frame, for many `metric_months` calls."""
    return MeasureIndex(_index(measures))


def index_measure_records(records: list[dict]) -> MeasureIndex:
    """`index_measures(pd.DataFrame(records))` of `measure_month_records`, without the frame: its rows' values
    are the frame's (months already first of the month, one key per row, every column of one type)."""
    return MeasureIndex({(r["month"], r["measure"]): r for r in records})


def metric_months(
    cfg: Config,
    metric: Metric,
    measures: pd.DataFrame | MeasureIndex,
    months: list[dt.date],
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per month: the metric's completeness state and its like-for-like numerator and
    denominator (ratio: the month over the same cells of the baseline month; share: numerator over
    denominator measures; count: the measures' total, denominator left empty).

    `measures` is `measure_months(...)` (or its `index_measures`). This is the function every page, the review
    and the board pack read completeness from: state `complete`, `partial` (with `text`, e.g. "partial: 1 of 3
    sites (…)") or `no_data`."""
    return pd.DataFrame(metric_month_records(cfg, metric, measures, months, cells), columns=METRIC_COLUMNS)


def metric_month_records(
    cfg: Config,
    metric: Metric,
    measures: pd.DataFrame | MeasureIndex,
    months: list[dt.date],
    cells: pd.DataFrame | None = None,
) -> list[dict]:
    """`metric_months` as a list of row dicts (the same keys and values), for a caller that reads them as
    lists (`compute.compute_series`, for every metric of every page) rather than as a frame."""
    if isinstance(measures, MeasureIndex):  # indexed once for every metric of a page (`index_measures`)
        index: dict[tuple[dt.date, str], dict] = measures
    else:
        index = {}
        # only this metric's measures are looked up: the frame of several metrics' measures is read row by row
        # once per metric, so the rest would be converted for nothing
        for r in measures[measures["measure"].isin(metric.input_measures)].to_dict("records"):
            index[(to_month(r["month"]), r["measure"])] = r
    by_key = _cells_by_key(cells) if metric.type == "share" else {}
    out = []
    for month in (to_month(m) for m in months):
        present = [index[(month, m)] for m in metric.input_measures if (month, m) in index]
        missing = [m for m in metric.input_measures if (month, m) not in index]
        if not present:
            out.append({"month": month, "state": NO_DATA, "numerator": math.nan, "denominator": math.nan,
                        "expected": 0, "arrived": 0, "missing_measures": missing, "text": "No data"})
            continue
        complete = not missing and all(r["state"] == COMPLETE for r in present)
        state = COMPLETE if complete else PARTIAL
        numerator, denominator = _like_for_like(cfg, metric, month, index, state, by_key)
        out.append(
            {
                "month": month,
                "state": state,
                "numerator": numerator,
                "denominator": denominator,
                "expected": int(sum(r["expected"] for r in present)),
                "arrived": int(sum(r["arrived"] for r in present)),
                "missing_measures": missing,
                "text": "" if complete else describe_partial(cfg, present, missing),
            }
        )
    return out


def _sum(index: dict, month: dt.date, measures: list[str], column: str) -> float:
    values = [index[(month, m)][column] for m in measures if (month, m) in index]
    if not values or any(_nan(v) for v in values):
        return math.nan
    return float(sum(values))


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _like_for_like(
    cfg: Config, metric: Metric, month: dt.date, index: dict, state: str, by_key: dict
) -> tuple[float, float]:
    if metric.type == "ratio_to_baseline":
        numerator = _sum(index, month, metric.measures, "matched_value")
        return numerator, _sum(index, month, metric.measures, "matched_baseline")
    if metric.type == "share":
        if state == PARTIAL:
            common = _share_over_common_cells(by_key, month, metric.numerator, metric.denominator)
            if common is not None:
                return common
        if any((month, m) not in index for m in metric.input_measures):
            return math.nan, math.nan
        return _sum(index, month, metric.numerator, "value"), _sum(index, month, metric.denominator, "value")
    if metric.type == "count":
        return _sum(index, month, metric.measures, "value"), math.nan
    raise ValueError(f"metric '{metric.id}' has unknown type '{metric.type}'")


def month_label(month: dt.date, state: str) -> str:
    """"Apr 2021 (partial)" for a month picker; the plain month when complete."""
    return format_month(month) + (" (partial)" if state == PARTIAL else "")


def overview_month_states(
    cfg: Config, series_by_metric: dict[str, pd.DataFrame], months: list[dt.date]
) -> dict[dt.date, str]:
    """For each month, `complete` when at least `completeness.overview_min_complete_share` of the
    headline metrics shown for that month are complete in it, `partial` when any has figures, else
    `no_data`. A metric whose series does not cover the month (a ratio in its own baseline year, a
    service before it began) is not counted for it. `series_by_metric` are `compute.compute_series`
    frames (their `completeness` column)."""
    pairs = [(frame["month"], frame["completeness"]) for frame in series_by_metric.values()]
    return month_states_of(cfg, pairs, months)


def month_states_of(cfg: Config, series_states: list[tuple[list, list]], months: list[dt.date]) -> dict[dt.date, str]:
    """`overview_month_states` from each series' months and completeness states as lists."""
    out = {}
    needed = cfg.completeness.overview_min_complete_share
    by_metric = [
        {to_month(m): state for m, state in zip(months_of, states_of, strict=True)}
        for months_of, states_of in series_states
    ]
    for month in (to_month(m) for m in months):
        states = [states[month] for states in by_metric if month in states]
        complete = sum(state == COMPLETE for state in states)
        if states and complete and complete / len(states) >= needed - 1e-9:
            out[month] = COMPLETE
        elif any(state != NO_DATA for state in states):
            out[month] = PARTIAL
        else:
            out[month] = NO_DATA
    return out


def opening_month(month_states: dict[dt.date, str]) -> dt.date | None:
    """The month the Overview opens on: the latest complete month, else the latest with any data."""
    complete = [m for m, s in month_states.items() if s == COMPLETE]
    if complete:
        return max(complete)
    some = [m for m, s in month_states.items() if s != NO_DATA]
    return max(some) if some else None
