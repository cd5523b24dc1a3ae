"""What changed since the last review: the comparison the fortnightly executive reads first.

Pure functions. The inputs are each headline metric's series as known at two moments (from
`data.store.Store.measure_totals_as_of` through `metrics.compute`), and the stored values that
changed between the moments (`Store.changes_between`). The output says, per metric, which months
arrived, which were restated (old → new, and the upload that did it), and how the RAG status and the
Making Data Count icons of the latest month moved.

Moments are naive UTC timestamps, like the store's. A review *date* means "as known at the end of that
day, UK time" (`end_of_day`), so figures loaded on the morning of a meeting count for that meeting.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from metrics import compute
from metrics.config import Config, Metric
from metrics.months import UK, baseline_month, format_month, format_uk_time, to_month
from metrics.spc import spc_for_complete_months

# Two values closer than this are the same figure: restated sums of whole numbers never differ by less,
# and ratios recomputed from identical totals are bit-for-bit equal anyway.
SAME_VALUE_TOLERANCE = 1e-9
# The board meets fortnightly (DESIGN §1).
REVIEW_INTERVAL_DAYS = 14

VARIATION_NAMES = {
    "common_cause": "common cause",
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "neutral, high",
    "special_cause_neutral_low": "neutral, low",
}
ASSURANCE_NAMES = {"pass": "pass", "fail": "fail", "hit_and_miss": "hit and miss"}

SUMMARY_COLUMNS = [
    "metric", "label", "arrived", "arrived_text", "restated", "before_month", "after_month",
    "before_text", "after_text", "status_before", "status_after", "status_changed", "status_text",
    "variation_before", "variation_after", "assurance_before", "assurance_after", "icons_changed",
    "variation_text", "assurance_text",
]
RESTATEMENT_COLUMNS = ["metric", "label", "month", "old_value", "new_value", "old_text", "new_text", "uploads"]
ARRIVAL_COLUMNS = ["metric", "label", "month", "value", "value_text", "uploads"]


@dataclass(frozen=True)
class Snapshot:
    """A metric as the board saw it at one moment: its latest month and that month's tile."""

    month: dt.date | None
    value: float
    status: str
    variation: dict | None
    assurance: dict | None


@dataclass(frozen=True)
class Review:
    """The comparison between two moments for every headline metric."""

    earlier: dt.datetime
    later: dt.datetime
    summary: pd.DataFrame
    restatements: pd.DataFrame
    arrivals: pd.DataFrame
    uploads: pd.DataFrame = field(default_factory=pd.DataFrame)
    nothing_known_before: bool = False

    @property
    def changed_anything(self) -> bool:
        return bool(len(self.restatements) or len(self.arrivals) or self.summary["status_changed"].any()
                     or self.summary["icons_changed"].any())


# --- moments ----------------------------------------------------------------------------------------


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a UK calendar day as naive UTC (the store's clock)."""
    midnight_after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=UK)
    return (midnight_after - dt.timedelta(microseconds=1)).astimezone(dt.UTC).replace(tzinfo=None)


def default_review_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """(previous review, this review): today and a fortnight before."""
    return today - dt.timedelta(days=REVIEW_INTERVAL_DAYS), today


def check_review_dates(previous: dt.date, current: dt.date) -> str | None:
    """A sentence saying what to fix when the dates cannot be compared, else None."""
    if previous >= current:
        return "The previous review date must be before this review's date: pick an earlier previous review."
    return None


# --- one metric ----------------------------------------------------------------------------------


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _same(a: float, b: float) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return abs(a - b) <= SAME_VALUE_TOLERANCE * max(1.0, abs(a), abs(b))


def latest_with_value(series: pd.DataFrame) -> dt.date | None:
    """The latest month of a series that has a value."""
    known = series[series["value"].notna()]
    return to_month(known["month"].iloc[-1]) if len(known) else None


def snapshot(series: pd.DataFrame, cfg: Config, metric: Metric) -> Snapshot:
    """The latest month with a value, its status and its SPC icons (computed on the series up to it)."""
    month = latest_with_value(series)
    if month is None:
        return Snapshot(None, math.nan, "no_data", None, None)
    upto = series[[to_month(m) <= month for m in series["month"]]].reset_index(drop=True)
    _, variation, assurance, _note = spc_for_complete_months(upto, cfg, metric)
    row = upto.iloc[-1]
    return Snapshot(month, float(row["value"]), str(row["status"]), variation, assurance)


def compare_values(before: pd.DataFrame, after: pd.DataFrame) -> tuple[list[dt.date], pd.DataFrame]:
    """(months that gained a value, restated months with old_value and new_value).

    A month that had a value and lost it (an undone upload) counts as restated to an empty value.
    """
    old = {to_month(m): v for m, v in zip(before["month"], before["value"], strict=True)}
    new = {to_month(m): v for m, v in zip(after["month"], after["value"], strict=True)}
    arrived, restated = [], []
    for month in sorted(set(old) | set(new)):
        was, now = old.get(month, math.nan), new.get(month, math.nan)
        if _missing(was) and not _missing(now):
            arrived.append(month)
        elif not _missing(was) and not _same(was, now):
            restated.append({"month": month, "old_value": float(was), "new_value": float(now)})
    return arrived, pd.DataFrame(restated, columns=["month", "old_value", "new_value"])


def months_feeding(cfg: Config, metric: Metric, month: dt.date) -> set[dt.date]:
    """The months whose stored values a metric's value for `month` is computed from."""
    month = to_month(month)
    if metric.type == "ratio_to_baseline":
        return {month, baseline_month(month, cfg.baseline_year)}
    if metric.type == "share":
        return {month}
    if metric.type == "count":
        return {month, to_month(metric.reference_period)} if metric.reference_period else {month}
    raise ValueError(f"metric '{metric.id}' has unknown type '{metric.type}'")


ChangeIndex = dict[tuple[str, dt.date], set[tuple[int, bool, str]]]


def index_changes(changes: pd.DataFrame) -> ChangeIndex:
    """(measure, month) → {(upload id, by undo, file name)} for the system-total rows that changed."""
    index: ChangeIndex = {}
    if changes.empty:
        return index
    total = changes[changes["segment"] == "All"].dropna(subset=["upload_id"])
    undo = total["by_undo"].fillna(False).astype(bool) if "by_undo" in total else pd.Series(False, index=total.index)
    total = total.assign(by_undo=undo).drop_duplicates(["measure", "month", "upload_id", "by_undo"])
    for row in total.itertuples(index=False):
        key = (row.measure, to_month(row.month))
        index.setdefault(key, set()).add((int(row.upload_id), bool(row.by_undo), str(row.file_name)))
    return index


def responsible_uploads(
    changes: pd.DataFrame, cfg: Config, metric: Metric, month: dt.date, index: ChangeIndex | None = None
) -> str:
    """The uploads that changed the values behind a metric's month: "oct.csv (upload 2); …".

    Pass `index` (from `index_changes`) when asking for many months of the same changes."""
    index = index_changes(changes) if index is None else index
    found: set[tuple[int, bool, str]] = set()
    for measure in metric.input_measures:
        for feeding in months_feeding(cfg, metric, month):
            found |= index.get((measure, feeding), set())
    return "; ".join(describe_upload(name, upload_id, undone=undone) for upload_id, undone, name in sorted(found))


def describe_upload(file_name: object, upload_id: object, undone: bool = False) -> str:
    """An upload as people name it: "october-restated.csv (upload 2)"; "undo of …" when its undo made
    the change."""
    name = "an unnamed file" if _missing(file_name) or not file_name else str(file_name)
    return f"{'undo of ' if undone else ''}{name} (upload {int(upload_id)})"


def describe_months(months: list[dt.date]) -> str:
    """Months as short runs: "Apr 2020 – Jun 2020, Sep 2020"; "none" for no months."""
    if not months:
        return "none"
    months = sorted(to_month(m) for m in months)
    runs: list[list[dt.date]] = [[months[0]]]
    for month in months[1:]:
        last = runs[-1][-1]
        if (month.year * 12 + month.month) - (last.year * 12 + last.month) == 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    parts = [format_month(r[0]) if len(r) == 1 else f"{format_month(r[0])} – {format_month(r[-1])}" for r in runs]
    return ", ".join(parts)


def describe_icon(icon: dict | None, names: dict[str, str]) -> str:
    """An icon as text: "H improvement"; "none" when there is no icon."""
    if not icon:
        return "none"
    return f"{icon['letter']} {names.get(icon['name'], icon['name'])}"


def describe_snapshot(shot: Snapshot, metric: Metric) -> str:
    """ "Oct 2020: 83.0% (Red)"; "no figures" before any month was known."""
    if shot.month is None:
        return "no figures"
    status = compute.STATUS_WORDS.get(shot.status, shot.status)
    return f"{format_month(shot.month)}: {compute.format_value(shot.value, metric)} ({status})"


def _transition(before: str, after: str) -> str:
    """ "Amber → Red" when it moved; just "Red" when it did not (so a move stands out in the table)."""
    return f"{before} → {after}" if before != after else after


# --- every headline metric ---------------------------------------------------------------------------


def build_review(
    cfg: Config,
    metrics: list[Metric],
    before: dict[str, pd.DataFrame],
    after: dict[str, pd.DataFrame],
    changes: pd.DataFrame,
    earlier: dt.datetime,
    later: dt.datetime,
    uploads: pd.DataFrame | None = None,
) -> Review:
    """Compare each metric's series as known at `earlier` (before) and at `later` (after).

    `changes` are the stored values that differ between the moments with the upload responsible
    (`Store.changes_between`, or its per-month summary `Store.change_summary_between`); `uploads` is
    the uploads table, from which those made between the moments are listed.
    """
    summary, restatements, arrivals = [], [], []
    index = index_changes(changes)
    for metric in metrics:
        old_series, new_series = before[metric.id], after[metric.id]
        arrived, restated = compare_values(old_series, new_series)
        # month → value read once per series, not one boolean mask per arrived month (a 10M store whose facts
        # all arrived in the fortnight has every month of every metric arriving)
        new_values = {to_month(m): v for m, v in zip(new_series["month"], new_series["value"], strict=True)}
        for month in arrived:
            value = float(new_values[month])
            arrivals.append({
                "metric": metric.id, "label": metric.label, "month": month, "value": value,
                "value_text": compute.format_value(value, metric),
                "uploads": responsible_uploads(changes, cfg, metric, month, index),
            })
        for row in restated.itertuples(index=False):
            restatements.append({
                "metric": metric.id, "label": metric.label, "month": row.month,
                "old_value": row.old_value, "new_value": row.new_value,
                "old_text": compute.format_value(row.old_value, metric),
                "new_text": compute.format_value(row.new_value, metric),
                "uploads": responsible_uploads(changes, cfg, metric, row.month, index),
            })
        then, now = snapshot(old_series, cfg, metric), snapshot(new_series, cfg, metric)
        status_then = compute.STATUS_WORDS.get(then.status, then.status)
        status_now = compute.STATUS_WORDS.get(now.status, now.status)
        variation_then = describe_icon(then.variation, VARIATION_NAMES)
        variation_now = describe_icon(now.variation, VARIATION_NAMES)
        assurance_then = describe_icon(then.assurance, ASSURANCE_NAMES)
        assurance_now = describe_icon(now.assurance, ASSURANCE_NAMES)
        summary.append({
            "metric": metric.id,
            "label": metric.label,
            "arrived": len(arrived),
            "arrived_text": describe_months(arrived),
            "restated": len(restated),
            "before_month": then.month,
            "after_month": now.month,
            "before_text": describe_snapshot(then, metric),
            "after_text": describe_snapshot(now, metric),
            "status_before": then.status,
            "status_after": now.status,
            "status_changed": then.status != now.status,
            "status_text": _transition(status_then, status_now),
            "variation_before": variation_then,
            "variation_after": variation_now,
            "assurance_before": assurance_then,
            "assurance_after": assurance_now,
            "icons_changed": (variation_then, assurance_then) != (variation_now, assurance_now),
            "variation_text": _transition(variation_then, variation_now),
            "assurance_text": _transition(assurance_then, assurance_now),
        })
    nothing_before = all(latest_with_value(before[m.id]) is None for m in metrics)
    return Review(
        earlier=earlier,
        later=later,
        summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS),
        restatements=pd.DataFrame(restatements, columns=RESTATEMENT_COLUMNS),
        arrivals=pd.DataFrame(arrivals, columns=ARRIVAL_COLUMNS),
        uploads=uploads_between(uploads, earlier, later) if uploads is not None else pd.DataFrame(),
        nothing_known_before=nothing_before,
    )


def uploads_between(uploads: pd.DataFrame, earlier: dt.datetime, later: dt.datetime) -> pd.DataFrame:
    """Uploads made after `earlier` and at or before `later`, oldest first."""
    if uploads is None or uploads.empty:
        return pd.DataFrame(columns=["upload_id", "file_name", "uploaded_by", "uploaded_at", "kind", "status"])
    stamps = pd.to_datetime(uploads["uploaded_at"])
    chosen = uploads[(stamps > pd.Timestamp(earlier)) & (stamps <= pd.Timestamp(later))]
    return chosen.sort_values(["uploaded_at", "upload_id"]).reset_index(drop=True)


# --- what the Overview shows -----------------------------------------------------------------------


def format_day(day: dt.date) -> str:
    return day.strftime("%-d %b %Y")


def summary_table(review: Review) -> pd.DataFrame:
    """One row per headline metric (indexed by its label), in words, for the Overview's table."""
    frame = review.summary
    return pd.DataFrame(
        {
            "Months arrived": frame["arrived_text"].to_list(),
            "Months restated": frame["restated"].to_list(),
            "Latest then": frame["before_text"].to_list(),
            "Latest now": frame["after_text"].to_list(),
            "RAG (then → now)": frame["status_text"].to_list(),
            "Variation icon": frame["variation_text"].to_list(),
            "Assurance icon": frame["assurance_text"].to_list(),
        },
        index=pd.Index(frame["label"].to_list(), name="Metric"),
    )


def restatement_table(review: Review) -> pd.DataFrame:
    """Each restated month (indexed by the metric's label): month, old → new, the upload responsible."""
    frame = review.restatements
    return pd.DataFrame(
        {
            "Month": [format_month(m) for m in frame["month"]],
            "Old → new": [f"{old} → {new}" for old, new in zip(frame["old_text"], frame["new_text"], strict=True)],
            "Upload responsible": frame["uploads"].to_list(),
        },
        index=pd.Index(frame["label"].to_list(), name="Metric"),
    )


def describe_review(review: Review, is_demo: bool) -> list[str]:
    """Plain sentences that open the comparison: what the two moments are, which uploads fall between,
    and what that means (including the demonstration store's single upload)."""
    sentences = [
        f"Figures as known at the end of {format_day(uk_day(review.earlier))} (the previous review) compared with "
        f"the end of {format_day(uk_day(review.later))} (this review), UK time."
    ]
    uploads = review.uploads
    if len(uploads):
        listed = "; ".join(
            f"{describe_upload(row.file_name, row.upload_id)} on {format_uk_time(pd.Timestamp(row.uploaded_at))} "
            f"by {row.uploaded_by}"
            for row in uploads.itertuples(index=False)
        )
        plural = "s" if len(uploads) != 1 else ""
        sentences.append(f"{len(uploads)} upload{plural} since the previous review: {listed}.")
    else:
        sentences.append("No file has been uploaded since the previous review.")
    if review.nothing_known_before:
        sentences.append(
            "The store held no figures at the previous review, so every month below shows as newly arrived."
        )
        if is_demo:
            sentences.append(
                "This is the demonstration store, built in a single upload when the dashboard first started, so "
                "with the default dates everything counts as new and nothing as restated. Load a file that changes "
                "a month already reported to see restatements (old → new, and the upload that made them) here."
            )
    restated, metrics = len(review.restatements), review.restatements["metric"].nunique()
    if restated:
        sentences.append(
            f"{restated} month{'s' if restated != 1 else ''} already reported {'were' if restated != 1 else 'was'} "
            f"restated, across {metrics} metric{'s' if metrics != 1 else ''}: see the restatements below."
        )
    elif not review.nothing_known_before:
        sentences.append("No figure already reported has been restated since the previous review.")
    if not review.nothing_known_before:
        sentences.append(_describe_moves(review.summary))
    return sentences


def uk_day(moment: dt.datetime) -> dt.date:
    """The UK calendar day of a naive UTC moment."""
    return moment.replace(tzinfo=dt.UTC).astimezone(UK).date()


def commentary_versions_table(versions: pd.DataFrame) -> pd.DataFrame:
    """Every version of a commentary, newest first, for display: written (UK time), by, text."""
    return pd.DataFrame({
        "Written": [format_uk_time(pd.Timestamp(t).to_pydatetime()) for t in versions["written_at"]],
        "By": versions["written_by"],
        "Commentary": versions["body"],
    })


def _describe_moves(summary: pd.DataFrame) -> str:
    """ "RAG status moved for CT activity; an SPC icon changed for MRI activity, CT activity." """
    rag = summary.loc[summary["status_changed"], "label"].tolist()
    icons = summary.loc[summary["icons_changed"], "label"].tolist()
    if not rag and not icons:
        return "No metric's RAG status or SPC icon has changed for its latest month."
    parts = []
    if rag:
        parts.append(f"RAG status moved for {', '.join(rag)}")
    if icons:
        parts.append(f"an SPC icon changed for {', '.join(icons)}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + " (latest month known at each review)."
