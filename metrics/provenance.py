"""Where a number comes from: the uploads behind a month's figures, in words.

Pure. The store supplies, per (month, measure, upload), how many cells that upload wrote and how many of
them hold a value that replaced an earlier one (`data.store.Store.provenance`); this module turns that
into the sentence a tile shows, the line a chart point's hover shows, and the "figures as at" upload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from metrics.completeness import column_values
from metrics.months import format_uk_time, to_month

# A chart hover lists at most this many uploads for a month, then "and N more".
HOVER_UPLOADS = 2


def for_measures(sources: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """The provenance rows of some measures (a metric's), summed over measures per (month, upload)."""
    rows = sources[sources["measure"].isin(measures)]
    if rows.empty:
        return rows.drop(columns=["measure"])
    keys = ["month", "upload_id"]
    summed = rows.groupby(keys, as_index=False).agg(
        cells=("cells", "sum"), restated=("restated", "sum"), file_name=("file_name", "first"),
        uploaded_by=("uploaded_by", "first"), uploaded_at=("uploaded_at", "first"), sha256=("sha256", "first"),
    )
    summed["month"] = [to_month(m) for m in summed["month"]]
    return summed


def for_metrics(sources: pd.DataFrame, measures_by_metric: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """`for_measures` for several metrics from one grouping of the rows (each metric's measures' rows, summed per
    (month, upload)), not one filter and grouping per metric: metric id → the same frame."""
    wanted = {metric_id: list(dict.fromkeys(measures)) for metric_id, measures in measures_by_metric.items()}
    metrics_of: dict[str, list[str]] = {}
    for metric_id, measures in wanted.items():
        for measure in measures:
            metrics_of.setdefault(measure, []).append(metric_id)
    rows = sources[sources["measure"].isin(metrics_of)]
    if rows.empty:
        return {metric_id: for_measures(sources, measures) for metric_id, measures in wanted.items()}
    # One copy of a row per metric that reads its measure, labelled with the metric's position (so a group's
    # rows keep their order, and the groups come out in the order `for_measures` gives).
    position = {metric_id: i for i, metric_id in enumerate(wanted)}
    take, label = [], []
    for i, measure in enumerate(rows["measure"].tolist()):
        for metric_id in metrics_of[measure]:
            take.append(i)
            label.append(position[metric_id])
    expanded = rows.iloc[take].assign(_metric=label)
    keys = ["_metric", "month", "upload_id"]
    summed = expanded.groupby(keys, as_index=False).agg(
        cells=("cells", "sum"), restated=("restated", "sum"), file_name=("file_name", "first"),
        uploaded_by=("uploaded_by", "first"), uploaded_at=("uploaded_at", "first"), sha256=("sha256", "first"),
    )
    summed["month"] = [to_month(m) for m in summed["month"]]
    parts = {int(i): part.drop(columns=["_metric"]).reset_index(drop=True) for i, part in summed.groupby("_metric")}
    return {metric_id: parts[position[metric_id]] if position[metric_id] in parts else for_measures(sources, measures)
            for metric_id, measures in wanted.items()}


def _month_rows(sources: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    if sources.empty:
        return sources
    return sources[[to_month(m) == to_month(month) for m in sources["month"]]]


def describe_upload(row: dict) -> str:
    """"upload 2, “april.csv” by A. Analyst, 1 Dec 2026 14:05 (sha256 1a2b3c4d)"."""
    return (
        f"upload {int(row['upload_id'])}, “{row['file_name']}” by {row['uploaded_by']}, "
        f"{format_uk_time(row['uploaded_at'])} (sha256 {str(row['sha256'])[:8]})"
    )


def describe(sources: pd.DataFrame, month: dt.date) -> str:
    """Where a month's figure comes from: each upload with the cells it wrote, and whether any of them
    were restated (replaced a value an earlier upload had written)."""
    rows = _month_rows(sources, month)
    if rows.empty:
        return "No stored figures for this month."
    parts = [f"{describe_upload(r)}: {int(r['cells']):,} cell{'s' if int(r['cells']) != 1 else ''}"
             for r in rows.sort_values("uploaded_at").to_dict("records")]
    restated = int(rows["restated"].sum())
    tail = (f"{restated:,} of these values replaced an earlier upload's (restated)." if restated
            else "None of these values has been restated.")
    return "From " + "; ".join(parts) + ". " + tail


def _hover(records: list[dict]) -> str:
    if not records:
        return ""
    records = sorted(records, key=lambda r: r["uploaded_at"], reverse=True)
    shown = [f"upload {int(r['upload_id'])} ({int(r['cells']):,} cells)" for r in records[:HOVER_UPLOADS]]
    more = len(records) - HOVER_UPLOADS
    text = "From " + ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    restated = int(sum(r["restated"] for r in records))
    return text + (f"; {restated:,} restated" if restated else "")


def annotate(series: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The series with a `source` column: the uploads behind each month, for the chart's hover."""
    by_month: dict[dt.date, list[dict]] = {}
    # once, not per month; only the columns the hover reads, a column at a time (not `to_dict("records")`)
    hover_columns = ["upload_id", "cells", "restated", "uploaded_at"]
    if not sources.empty:
        columns = [sources[c].tolist() for c in hover_columns]
        for month, *values in zip(sources["month"].tolist(), *columns, strict=True):
            by_month.setdefault(to_month(month), []).append(dict(zip(hover_columns, values, strict=True)))
    out = series.copy()
    out["source"] = [_hover(by_month.get(to_month(m), [])) for m in out["month"]]
    return out


def latest_upload(sources: pd.DataFrame, month: dt.date) -> dict | None:
    """The most recent upload that a month's figures depend on (for "Figures as at")."""
    rows = _month_rows(sources, month)
    if rows.empty:
        return None
    return rows.sort_values(["uploaded_at", "upload_id"]).iloc[-1][
        ["upload_id", "file_name", "uploaded_by", "uploaded_at", "sha256"]
    ].to_dict()


def describe_figures_as_at(upload: dict | None) -> str:
    """", the time of upload 2 (“april.csv” by A. Analyst), the latest this month's figures depend on"."""
    if not upload:
        return ""
    return (f", the time of upload {int(upload['upload_id'])} (“{upload['file_name']}” by {upload['uploaded_by']}), "
            "the latest this month's figures depend on")


# --- the Overview's provenance for every headline metric at once (issue 16) --------------------------------

_READ = ["month", "measure", "upload_id", "cells", "restated", "file_name", "uploaded_by", "uploaded_at", "sha256"]


@dataclass(frozen=True)
class MetricSources:
    """What the Overview shows of where its figures come from: for each metric the hover of each series month
    (`annotate`'s `source` column) and the sentence for the chosen month (`describe`), and the latest upload
    the month depends on (`latest_upload`)."""

    hovers: dict[str, list[str]]
    sentences: dict[str, str]
    latest: dict | None


def for_overview(
    sources: pd.DataFrame, measures_by_metric: dict[str, list[str]], months_by_metric: dict[str, list], month: dt.date
) -> MetricSources:
    """`annotate`, `describe` and `latest_upload` over `for_metrics(sources, measures_by_metric)`, worked out from
    the rows' columns as lists in one pass, without a frame per metric: the same texts. `months_by_metric` are
    each series' months. Rows with a missing value (which pandas' grouping would skip) and uploads of one month
    made at the same moment (whose order a sort leaves open) take the frame path."""
    month = to_month(month)
    if sources.empty or sources[_READ].isna().to_numpy().any():
        return _for_overview_by_frames(sources, measures_by_metric, months_by_metric, month)
    columns = {c: column_values(sources[c]) for c in _READ}
    first_of: dict[object, dt.date] = {}
    for raw in columns["month"]:
        if raw not in first_of:
            first_of[raw] = to_month(raw)
    wanted = {metric_id: list(dict.fromkeys(measures)) for metric_id, measures in measures_by_metric.items()}
    metrics_of: dict[str, list[str]] = {}
    for metric_id, measures in wanted.items():
        for measure in measures:
            metrics_of.setdefault(measure, []).append(metric_id)
    # (month as stored, upload) → the group's record, per metric: cells and restated summed, the rest from its
    # first row (what `for_metrics`' grouping gives when nothing is missing)
    groups: dict[str, dict[tuple, dict]] = {metric_id: {} for metric_id in wanted}
    rows = zip(columns["month"], columns["measure"], columns["upload_id"], columns["cells"], columns["restated"],
               columns["file_name"], columns["uploaded_by"], columns["uploaded_at"], columns["sha256"], strict=True)
    for raw, measure, upload_id, cells, restated, file_name, uploaded_by, uploaded_at, sha256 in rows:
        for metric_id in metrics_of.get(measure, ()):
            found = groups[metric_id].get((raw, upload_id))
            if found is None:
                groups[metric_id][(raw, upload_id)] = {
                    "month": first_of[raw], "upload_id": upload_id, "cells": cells, "restated": restated,
                    "file_name": file_name, "uploaded_by": uploaded_by, "uploaded_at": uploaded_at, "sha256": sha256,
                }
            else:
                found["cells"] += cells
                found["restated"] += restated
    hovers, sentences = {}, {}
    for metric_id, grouped in groups.items():
        by_month: dict[dt.date, list[dict]] = {}
        for key in sorted(grouped):  # the grouping's order: month as stored, then upload
            record = grouped[key]
            by_month.setdefault(record["month"], []).append(record)
        hovers[metric_id] = [_hover(by_month.get(to_month(m), [])) for m in months_by_metric[metric_id]]
        shown = by_month.get(month, [])
        if len({r["uploaded_at"] for r in shown}) < len(shown):  # a tie the frame's sort orders its own way
            sentences[metric_id] = describe(for_measures(sources, wanted[metric_id]), month)
        else:
            sentences[metric_id] = _describe_records(sorted(shown, key=lambda r: r["uploaded_at"]))
    return MetricSources(hovers, sentences, _latest_of(sources, columns, first_of, month))


def _describe_records(records: list[dict]) -> str:
    """`describe` of a month's records already in upload-time order."""
    if not records:
        return "No stored figures for this month."
    parts = [f"{describe_upload(r)}: {int(r['cells']):,} cell{'s' if int(r['cells']) != 1 else ''}" for r in records]
    restated = int(sum(r["restated"] for r in records))
    tail = (f"{restated:,} of these values replaced an earlier upload's (restated)." if restated
            else "None of these values has been restated.")
    return "From " + "; ".join(parts) + ". " + tail


_LATEST = ["upload_id", "file_name", "uploaded_by", "uploaded_at", "sha256"]


def _latest_of(sources: pd.DataFrame, columns: dict[str, list], first_of: dict, month: dt.date) -> dict | None:
    """`latest_upload(sources, month)` from the columns as lists: the rows of the month with the greatest
    (upload time, upload), when they agree on what is shown (else the frame's sort decides, as before)."""
    chosen = [i for i, raw in enumerate(columns["month"]) if first_of[raw] == month]
    if not chosen:
        return None
    top = max((columns["uploaded_at"][i], columns["upload_id"][i]) for i in chosen)
    found = {tuple(columns[c][i] for c in _LATEST) for i in chosen
             if (columns["uploaded_at"][i], columns["upload_id"][i]) == top}
    if len(found) != 1:
        return latest_upload(sources, month)
    return dict(zip(_LATEST, found.pop(), strict=True))


def _for_overview_by_frames(
    sources: pd.DataFrame, measures_by_metric: dict[str, list[str]], months_by_metric: dict[str, list], month: dt.date
) -> MetricSources:
    by_metric = for_metrics(sources, measures_by_metric)
    hovers = {metric_id: annotate(pd.DataFrame({"month": months_by_metric[metric_id]}), frame)["source"].tolist()
              for metric_id, frame in by_metric.items()}
    sentences = {metric_id: describe(frame, month) for metric_id, frame in by_metric.items()}
    return MetricSources(hovers, sentences, latest_upload(sources, month))
