"""Comparing a validated file with the store: diff, plausibility, replacement warnings, completeness."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.ingest.cells import _number, _row_list
from data.ingest.common import CHANGES, MAX_PROBLEMS, PLAUSIBLE_CHANGE, Problem, UploadCheck, _Collector
from data.ingest.validate import _month_label, _Validated
from data.store import ALL, KEY_COLUMNS, Store
from metrics import completeness
from metrics.config import Config
from metrics.months import baseline_month, format_month, to_month

# --- comparing with the store ------------------------------------------------------------------------


def _compare_with_store(
    validated: _Validated, store: Store, errors: _Collector, warnings: _Collector, check: UploadCheck, cfg: Config
) -> None:
    rows = validated.rows
    conflicts = store.grain_conflicts(rows, validated=True)  # the file itself passed _check_grain_in_file
    if not conflicts.empty:
        groups = (
            rows[["month", "measure", "segment", "row"]]
            .assign(service=rows["service"] == ALL, site=rows["site"] == ALL)
            .groupby(["month", "measure", "segment"], sort=False)
            .agg(row=("row", "min"), service=("service", "all"), site=("site", "all"))
        )
        problems = []
        for conflict in conflicts.head(MAX_PROBLEMS).itertuples(index=False):
            month = pd.Timestamp(conflict.month)
            dimension = conflict.dimension
            group = groups.loc[(month, conflict.measure, conflict.segment)]
            row = int(group["row"])
            file_gives_total = bool(group[dimension])
            stored, sent = (
                (f"broken down by {dimension}", f"the total for all {dimension}s")
                if file_gives_total
                else (f"as the total for all {dimension}s", f"a breakdown by {dimension}")
            )
            problems.append(
                Problem(
                    row,
                    validated.headers.get(dimension, dimension),
                    f"The store already holds {cfg.label_for('measure', conflict.measure)} for {format_month(month)} "
                    f"{stored}, and this file sends {sent}; together they would count the same activity twice. "
                    "Send the figures the same way as before, or undo the earlier upload first.",
                    "grain",
                )
            )
        errors.add_many(len(conflicts), problems)
        return
    check.checked_against_store = True
    stored = store.stored_values(rows)
    old = stored["old_value"].to_numpy(dtype=np.float64)
    new = rows["value"].to_numpy()
    change = np.where(np.isnan(old), 0, np.where(old == new, 2, 1))
    check.diff = rows.assign(old_value=old, change=pd.Categorical.from_codes(change, CHANGES))
    _plausibility(validated, store, warnings, cfg)
    _replacement_warnings(check.diff, validated, warnings)
    check.completeness = _completeness_after(rows, store, cfg)
    if not check.changes_anything:
        earlier = store.uploads()
        same = earlier[(earlier["sha256"] == check.sha256) & (earlier["status"] == "committed")]
        check.duplicate_of = int(same["upload_id"].max()) if not same.empty else None


# Above this many values the completeness preview is not drawn (it reads every stored cell of the months
# the file touches); the Data coverage page shows completeness once the file is loaded.
COMPLETENESS_PREVIEW_LIMIT = 100_000


def _completeness_after(rows: pd.DataFrame, store: Store, cfg: Config) -> list[str]:
    """What loading the rows would leave partial, in sentences ("Apr 2021 will be partial for First
    outpatient attendances: 1 of 3 sites (…) and 2 of 12 services"), judged by metrics.completeness on
    the stored cells of the months the file touches with the file's values laid over them."""
    is_total = (rows["segment"] == ALL).to_numpy(dtype=bool)
    totals = int(is_total.sum())  # counted first: a large file's rows are not copied only to be set aside
    if not totals:
        return []
    if totals > COMPLETENESS_PREVIEW_LIMIT:
        return [f"Completeness is not previewed for files of over {COMPLETENESS_PREVIEW_LIMIT:,} values; "
                "the Data coverage page shows it once the file is loaded."]
    totals_rows = rows[is_total]
    file_months = sorted({pd.Timestamp(m).date() for m in totals_rows["month"]})
    measures = list(dict.fromkeys(totals_rows["measure"]))
    metrics = [m for m in cfg.metrics if set(m.input_measures) & set(measures)]
    needed = list(dict.fromkeys(m for metric in metrics for m in metric.input_measures))
    months = sorted(set(file_months) | {baseline_month(m, cfg.baseline_year) for m in file_months})
    stored = store.cells(months, needed)
    incoming = pd.DataFrame({
        "month": [pd.Timestamp(m).date() for m in totals_rows["month"]],
        "measure": totals_rows["measure"].astype(object).to_numpy(),
        "service": totals_rows["service"].astype(object).to_numpy(),
        "site": totals_rows["site"].astype(object).to_numpy(),
        "value": totals_rows["value"].to_numpy(dtype=float),
    })
    stored = stored.assign(month=[to_month(m) for m in stored["month"]])
    cells = pd.concat([stored, incoming], ignore_index=True).drop_duplicates(
        subset=["month", "measure", "service", "site"], keep="last"
    )
    totals = completeness.totals_from_cells(cells)
    measure_frame = completeness.measure_months(cfg, totals, cells)
    out = []
    for metric in metrics:
        states = completeness.metric_months(cfg, metric, measure_frame, file_months, cells)
        for row in states.itertuples(index=False):
            if row.state == completeness.PARTIAL:
                out.append(f"{format_month(row.month)} will be partial for {metric.label}: "
                           f"{row.text.removeprefix('partial: ')}. It is shown with what has arrived and no RAG "
                           "status until the rest arrives.")
    return out


def _plausibility(
    validated: _Validated, store: Store | None, warnings: _Collector, cfg: Config | None = None
) -> None:
    """Warn where a value is more than PLAUSIBLE_CHANGE away from the same key's previous month (from
    this file, else from the store)."""
    rows = validated.rows
    if rows.empty:
        return
    key = validated.series_key * 100_000 + validated.month_index
    position = pd.Index(key).get_indexer(key - 1)
    values = rows["value"].to_numpy()
    previous = np.where(position >= 0, values[np.maximum(position, 0)], np.nan)
    source = np.where(position >= 0, rows["row"].to_numpy()[np.maximum(position, 0)], 0)
    if store is not None:
        missing = np.flatnonzero(position < 0)
        if len(missing):
            earlier = rows.iloc[missing][list(KEY_COLUMNS)].copy()
            earlier["month"] = earlier["month"] - pd.DateOffset(months=1)
            previous[missing] = store.stored_values(earlier)["old_value"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = np.abs(values - previous) / previous
    flagged = (previous > 0) & (jump > PLAUSIBLE_CHANGE)
    where = np.flatnonzero(flagged)
    if not len(where):
        return
    # The column of each flagged value only (not a million texts turned into Python strings).
    row_numbers, columns, months = rows["row"].to_numpy(), rows["column"], validated.month_index
    problems = []
    for i in where[:MAX_PROBLEMS]:
        before = _month_label(int(months[i]) - 1)
        origin = f"in row {source[i]}" if source[i] else "already stored"
        direction = "more" if values[i] > previous[i] else "less"
        problems.append(
            Problem(
                int(row_numbers[i]),
                columns.iat[i],
                f"{_series_label(rows, i, cfg)}: {_number(values[i])} is {jump[i]:.0%} {direction} than the "
                f"{_number(previous[i])} for {before} ({origin}); check the figure, and load anyway only if it is "
                "right.",
                "implausible_change",
                severity="warning",
                needs_confirmation=True,
            )
        )
    warnings.add_many(len(where), problems)


def _series_label(rows: pd.DataFrame, i: int, cfg: Config | None) -> str:
    """The measure, service and site of row i as labels ("First outpatient attendances, Cardiology,
    Princess Royal University Hospital"), not ids; the ids without a config."""
    measure, service, site = (str(rows[c].iat[i]) for c in ("measure", "service", "site"))
    if cfg is None:
        return measure
    parts = [cfg.label_for("measure", measure)]
    parts += [cfg.label_for(kind, ident) for kind, ident in (("service", service), ("site", site)) if ident != ALL]
    return ", ".join(parts)


def _replacement_warnings(diff: pd.DataFrame, validated: _Validated, warnings: _Collector) -> None:
    changed = diff[diff["change"] == "changed"]
    if changed.empty:
        return
    header = validated.headers.get("period", "period")
    for month, group in changed.groupby("month", sort=True):
        warnings.add(
            Problem(
                int(group["row"].min()),
                header,
                f"This file replaces {len(group):,} value(s) already stored for {format_month(month)} "
                f"({_row_list(group['row'])}). The old values are kept in history and come back if this upload is "
                "undone; load anyway only if the new figures are corrections.",
                "replaces_stored",
                severity="warning",
                needs_confirmation=True,
            )
        )
