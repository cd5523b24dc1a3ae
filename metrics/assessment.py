"""Phase 3 assessment reviews and the recovery plan's milestones: RAG counts, changes, overdue items.

Pure functions, frames in and frames out. The frames are as `data.store.Store` returns them:
requirements (requirement_id, section, section_title, requirement, sort_order), reviews (review_id,
review_date, recorded_by, recorded_at, note, based_on), assessment rows (review_id, requirement_id,
lead_role, rag, assessment) and milestones (workstream, milestone, due_text, due_month, status).

A review is a full set of ratings, one per requirement, recorded on a date; a new review never
changes an earlier one. RAG is always shown with an icon and a word, never by colour alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re

import pandas as pd

from metrics.config import normalise_name
from metrics.months import format_month, to_month

RAG_VALUES = ("Red", "Amber", "Green", "TBC")
RAG_ICONS = {"Red": "✖", "Amber": "▲", "Green": "✔", "TBC": "?"}
# The dashboard's status keys (metrics.compute.STATUS_COLOURS), so a RAG looks the same everywhere.
RAG_STATUS = {"Red": "red", "Amber": "amber", "Green": "green", "TBC": "no_data"}
# Red < Amber < Green; TBC is not on the scale (a move to or from it is a change, not a direction).
_RAG_RANK = {"Red": 0, "Amber": 1, "Green": 2}
# What an analyst may type for each rating (after case and space folding).
_RAG_ALIASES = {
    "red": "Red", "r": "Red",
    "amber": "Amber", "a": "Amber", "yellow": "Amber",
    "green": "Green", "g": "Green",
    "tbc": "TBC", "to be confirmed": "TBC", "?": "TBC",
}
# Accepted headings for each column of a review file (after case and space folding).
_COLUMN_ALIASES = {
    "requirement_id": ("requirement_id", "requirement id", "requirement", "id", "ref", "reference"),
    "lead_role": ("lead_role", "lead role", "lead", "trust lead"),
    "rag": ("rag", "rag rating", "rating", "status"),
    "assessment": ("assessment", "assessment text", "text", "trust assessment", "comment", "comments"),
}
REVIEW_COLUMNS = ["requirement_id", "lead_role", "rag", "assessment"]
# A review file has five columns (the template's); far more is the wrong file, refused before reading.
MAX_REVIEW_COLUMNS = 50
# A lead is a role ("Chief Operating Officer"); an assessment is a few sentences.
MAX_LEAD_CHARS = 200
MAX_ASSESSMENT_CHARS = 2000

MILESTONE_COMPLETE = "Complete"
# A timescale that is just a month ("July 2020", "Sept 2020", "Jul 20") needs no gloss beside "Jul 2020".
_PLAIN_MONTH = re.compile(r"[A-Za-z]{3,9}\.? \d{2}(\d{2})?")
MILESTONE_STATUSES = ("Not started", "In progress", "Complete")


class ReviewError(ValueError):
    """A review cannot be recorded; `problems` lists every reason, each a sentence saying what to fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def rag_text(rag: str) -> str:
    """"▲ Amber": the rating with its icon, so it never depends on colour."""
    return f"{RAG_ICONS.get(rag, '')} {rag}".strip()


def format_review_date(day: object) -> str:
    """"3 Aug 2020"."""
    return pd.Timestamp(day).strftime("%-d %b %Y")


def review_labels(reviews: pd.DataFrame) -> dict[int, str]:
    """review_id → "27 Aug 2020"; "27 Aug 2020 (review 3)" when two reviews share a date."""
    dates = [format_review_date(d) for d in reviews["review_date"]]
    repeated = {d for d in dates if dates.count(d) > 1}
    return {
        int(rid): f"{d} (review {int(rid)})" if d in repeated else d
        for rid, d in zip(reviews["review_id"], dates, strict=True)
    }


def rag_counts(reviews: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per review, oldest first: review_id, review_date, label, Red, Amber, Green, TBC, total."""
    columns = ["review_id", "review_date", "label", *RAG_VALUES, "total"]
    if reviews.empty:
        return pd.DataFrame(columns=columns)
    ordered = reviews.sort_values(["review_date", "review_id"])
    labels = review_labels(ordered)
    counts = rows.groupby(["review_id", "rag"]).size().unstack(fill_value=0) if not rows.empty else pd.DataFrame()
    records = []
    for review in ordered.itertuples(index=False):
        rid = int(review.review_id)
        per = {rag: int(counts.loc[rid, rag]) if rid in counts.index and rag in counts.columns else 0
               for rag in RAG_VALUES}
        records.append({
            "review_id": rid,
            "review_date": pd.Timestamp(review.review_date).date(),
            "label": labels[rid],
            **per,
            "total": sum(per.values()),
        })
    return pd.DataFrame(records, columns=columns)


def rag_counts_long(counts: pd.DataFrame) -> pd.DataFrame:
    """The counts as one row per (review, rating) for the chart: review_id, label, rag, count,
    status (the dashboard's status key, for its colour) and text ("▲ Amber 17")."""
    if counts.empty:
        return pd.DataFrame(columns=["review_id", "label", "rag", "count", "status", "text"])
    long = counts.melt(id_vars=["review_id", "label"], value_vars=list(RAG_VALUES), var_name="rag", value_name="count")
    long["order"] = long["rag"].map(RAG_VALUES.index)
    long = long.sort_values(["review_id", "order"]).drop(columns="order").reset_index(drop=True)
    long["status"] = long["rag"].map(RAG_STATUS)
    long["text"] = [f"{rag_text(r)} {n}" for r, n in zip(long["rag"], long["count"], strict=True)]
    return long


def rag_counts_csv(counts: pd.DataFrame) -> pd.DataFrame:
    """The data behind the RAG counts chart, as a person reads it."""
    frame = counts[["label", *RAG_VALUES, "total"]].rename(columns={"label": "Review date", "total": "Total"})
    return frame.reset_index(drop=True)


def review_table(requirements: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """One review's rows with the requirement text, in the letter's order: requirement_id, section,
    section_title, requirement, lead_role, rag, rag_text, assessment."""
    columns = ["requirement_id", "section", "section_title", "requirement", "lead_role", "rag", "rag_text",
               "assessment"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    merged = requirements.merge(rows, on="requirement_id", how="inner").sort_values(["sort_order", "requirement_id"])
    merged["rag_text"] = merged["rag"].map(rag_text)
    merged["assessment"] = merged["assessment"].fillna("")
    return merged[columns].reset_index(drop=True)


def filter_review_table(table: pd.DataFrame, rags: list[str] | None = None,
                        sections: list[str] | None = None) -> pd.DataFrame:
    """Keep the rows with one of the ratings and in one of the sections (None or empty keeps all)."""
    keep = pd.Series(True, index=table.index)
    if rags:
        keep &= table["rag"].isin(rags)
    if sections:
        keep &= table["section"].isin(sections)
    return table[keep].reset_index(drop=True)


def _direction(before: object, after: object) -> str:
    if pd.isna(before):
        return "Added"
    if pd.isna(after):
        return "Removed"
    if before == after:
        return "Same rating"
    if before in _RAG_RANK and after in _RAG_RANK:
        return "Improved" if _RAG_RANK[after] > _RAG_RANK[before] else "Worsened"
    return "Rating changed"


def compare_reviews(requirements: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """What changed between two reviews, one row per requirement whose rating, lead or text changed:
    requirement_id, requirement, rag_before, rag_after, change (Improved, Worsened, Rating changed,
    Same rating, Added, Removed), rating (e.g. "▲ Amber → ✔ Green"), lead_before, lead_after,
    text_changed, assessment_after."""
    columns = ["requirement_id", "requirement", "rag_before", "rag_after", "change", "rating", "lead_before",
               "lead_after", "text_changed", "assessment_after"]
    keys = ["requirement_id", "lead_role", "rag", "assessment"]
    merged = before[keys].merge(after[keys], on="requirement_id", how="outer", suffixes=("_before", "_after"))
    if merged.empty:
        return pd.DataFrame(columns=columns)
    merged["text_changed"] = merged["assessment_before"].fillna("") != merged["assessment_after"].fillna("")
    changed = (
        (merged["rag_before"] != merged["rag_after"])
        | (merged["lead_role_before"] != merged["lead_role_after"])
        | merged["text_changed"]
    )
    merged = merged[changed].copy()
    merged["change"] = [_direction(b, a) for b, a in zip(merged["rag_before"], merged["rag_after"], strict=True)]
    merged["rating"] = [
        f"{rag_text(b) if isinstance(b, str) else '–'} → {rag_text(a) if isinstance(a, str) else '–'}"
        for b, a in zip(merged["rag_before"], merged["rag_after"], strict=True)
    ]
    merged = merged.merge(requirements[["requirement_id", "requirement", "sort_order"]], on="requirement_id",
                          how="left").sort_values(["sort_order", "requirement_id"])
    merged = merged.rename(columns={"lead_role_before": "lead_before", "lead_role_after": "lead_after"})
    return merged[columns].reset_index(drop=True)


def describe_changes(changes: pd.DataFrame) -> str:
    """A sentence for the executive: "3 requirements improved (Amber → Green: 3); 1 assessment text
    was updated without a change of rating." """
    if changes.empty:
        return "Nothing changed between the two reviews: every rating, lead and assessment is the same."
    parts = []
    for direction in ("Improved", "Worsened", "Rating changed", "Added", "Removed"):
        subset = changes[changes["change"] == direction]
        if subset.empty:
            continue
        moves = subset.groupby(["rag_before", "rag_after"], dropna=False).size()
        detail = "; ".join(
            f"{b if isinstance(b, str) else 'none'} → {a if isinstance(a, str) else 'none'}: {n}"
            for (b, a), n in moves.items()
        )
        noun = "requirement" if len(subset) == 1 else "requirements"
        verb = {"Improved": "improved", "Worsened": "worsened", "Rating changed": "changed rating",
                "Added": "were added", "Removed": "were removed"}[direction]
        parts.append(f"{len(subset)} {noun} {verb} ({detail})")
    same = changes[changes["change"] == "Same rating"]
    if not same.empty:
        noun = "requirement" if len(same) == 1 else "requirements"
        parts.append(f"{len(same)} {noun} kept {'its' if len(same) == 1 else 'their'} rating with a new lead or "
                     "assessment text")
    return "; ".join(parts) + "."


# --- recording a review -------------------------------------------------------------------------


def _find_column(columns: list[str], wanted: str) -> str | None:
    folded = {normalise_name(c): c for c in columns}
    for alias in _COLUMN_ALIASES[wanted]:
        if normalise_name(alias) in folded:
            return folded[normalise_name(alias)]
    return None


def normalise_rag(value: object) -> str | None:
    """"green", " G " and "Green" → "Green"; None when it is not a rating."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    for icon_free in RAG_ICONS.values():  # "▲ Amber" as the page shows it
        text = text.replace(icon_free, "")
    return _RAG_ALIASES.get(normalise_name(text))


def prepare_review(frame: pd.DataFrame, requirements: pd.DataFrame, *, first_row: int = 1) -> pd.DataFrame:
    """Check a review (edited in the page or read from a file) and return it as the store keeps it:
    requirement_id, lead_role, rag, assessment — one row per requirement, in the letter's order.

    Raises ReviewError listing every problem at once, each with its row number (counting from
    `first_row`, so a file's rows match the spreadsheet) and what to fix. Nothing is half-accepted.
    """
    problems: list[str] = []
    columns = {wanted: _find_column(list(frame.columns), wanted) for wanted in REVIEW_COLUMNS}
    for wanted in ("requirement_id", "lead_role", "rag"):
        if columns[wanted] is None:
            problems.append(
                f"The review has no '{wanted}' column; add one (accepted headings: "
                f"{', '.join(_COLUMN_ALIASES[wanted][:3])})."
            )
    if problems:
        raise ReviewError(problems)
    known = list(requirements["requirement_id"])
    folded_known = {normalise_name(k): k for k in known}
    seen: dict[str, int] = {}
    out = []
    for position, row in enumerate(frame.to_dict("records")):
        number = position + first_row
        raw_id = row[columns["requirement_id"]]
        raw_id = "" if raw_id is None or (isinstance(raw_id, float) and pd.isna(raw_id)) else str(raw_id).strip()
        if not raw_id:
            problems.append(f"Row {number}: the requirement is empty; give its reference, for example A2.1.")
            continue
        requirement_id = folded_known.get(normalise_name(raw_id))
        if requirement_id is None:
            close = difflib.get_close_matches(raw_id, known, n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            problems.append(f"Row {number}: '{raw_id}' is not a Phase 3 requirement on this dashboard.{hint}")
            continue
        if requirement_id in seen:
            problems.append(
                f"Row {number}: {requirement_id} already appears in row {seen[requirement_id]}; keep one row per "
                "requirement."
            )
            continue
        seen[requirement_id] = number
        rag = normalise_rag(row[columns["rag"]])
        if rag is None:
            problems.append(
                f"Row {number} ({requirement_id}): '{row[columns['rag']]}' is not a rating; use Red, Amber, Green "
                "or TBC."
            )
        lead = row[columns["lead_role"]]
        lead = "" if lead is None or (isinstance(lead, float) and pd.isna(lead)) else str(lead).strip()
        if not lead:
            problems.append(
                f"Row {number} ({requirement_id}): the lead role is empty; name the role that leads it (for "
                "example Chief Operating Officer), or 'To be confirmed'."
            )
        elif len(lead) > MAX_LEAD_CHARS:
            problems.append(
                f"Row {number} ({requirement_id}): the lead role is {len(lead):,} characters long; a lead is a role, "
                f"at most {MAX_LEAD_CHARS} characters. Shorten it."
            )
        text = row[columns["assessment"]] if columns["assessment"] else ""
        text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).strip()
        if len(text) > MAX_ASSESSMENT_CHARS:
            problems.append(
                f"Row {number} ({requirement_id}): the assessment is {len(text):,} characters long; shorten it to "
                f"{MAX_ASSESSMENT_CHARS:,} or fewer."
            )
        out.append((requirement_id, lead, rag, text))
    missing = [k for k in known if k not in seen]
    if missing and not any("is not a Phase 3 requirement" in p or "is empty" in p for p in problems):
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        problems.append(
            f"The review has no row for {shown}: a review rates every requirement, so add "
            f"{'it' if len(missing) == 1 else 'them'} (copy the rating from the latest review if nothing changed)."
        )
    if problems:
        raise ReviewError(problems)
    order = {k: i for i, k in enumerate(known)}
    prepared = pd.DataFrame(out, columns=REVIEW_COLUMNS)
    return prepared.sort_values("requirement_id", key=lambda s: s.map(order)).reset_index(drop=True)


def read_review_csv(data: bytes) -> pd.DataFrame:
    """A review file as text columns: UTF-8 (with or without BOM) or Windows-1252, comma, semicolon or
    tab separated. Raises ReviewError with a sentence when it cannot be read."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ReviewError(["The file is not text: save it from your spreadsheet as CSV and upload that."])
    if not text.strip():
        raise ReviewError(["The file is empty: download the template, fill it in and upload it again."])
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if max(first_line.count(d) for d in ",;\t") + 1 > MAX_REVIEW_COLUMNS:
        raise ReviewError([
            "Row 1: the file has far more columns than a review (requirement_id, requirement, lead_role, rag, "
            "assessment); download the template, fill it in and upload it again."
        ])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        message = f"The file could not be read as CSV ({exc}); save it from your spreadsheet as CSV."
        raise ReviewError([message]) from None
    return frame


def review_template(requirements: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The latest review as a file to edit and upload: requirement_id, requirement, lead_role, rag,
    assessment (the requirement text is there to read; it is ignored on upload)."""
    table = review_table(requirements, rows)
    return table[["requirement_id", "requirement", "lead_role", "rag", "assessment"]]


# --- milestones ---------------------------------------------------------------------------------


def milestone_table(milestones: pd.DataFrame, as_at: dt.date) -> pd.DataFrame:
    """The milestones judged at a date: workstream, milestone, due (the plan's timescale, e.g.
    "Jul 2020" or "Ongoing"), due_month, status, overdue, state.

    A milestone is overdue when it is not complete and its due month has ended before `as_at`
    (due "Jul 2020" is overdue from 1 August 2020). One with no due month (Ongoing, TBC) is never
    overdue. `state` says it in words with an icon: "⚠ Overdue (due Jul 2020)", "✔ Complete",
    "◷ Due this month", "Not yet due", "No fixed date".
    """
    columns = ["workstream", "milestone", "due", "due_month", "status", "overdue", "state"]
    if milestones.empty:
        return pd.DataFrame(columns=columns)
    current = to_month(as_at)
    rows = []
    for m in milestones.itertuples(index=False):
        due_month = None if pd.isna(m.due_month) else to_month(pd.Timestamp(m.due_month))
        complete = m.status == MILESTONE_COMPLETE
        overdue = (not complete) and due_month is not None and due_month < current
        if complete:
            state = "✔ Complete"
        elif due_month is None:
            state = "No fixed date"
        elif overdue:
            state = f"⚠ Overdue (due {format_month(due_month)})"
        elif due_month == current:
            state = "◷ Due this month"
        else:
            state = "Not yet due"
        due = format_month(due_month) if due_month is not None else m.due_text
        if due_month is not None and not _PLAIN_MONTH.fullmatch(str(m.due_text).strip()):
            due = f"{due} ({m.due_text})"  # e.g. "Sep 2020 (Q1/2 2020-21)": the plan's words stay visible
        rows.append((m.workstream, m.milestone, due, due_month, m.status, overdue, state))
    return pd.DataFrame(rows, columns=columns)


def filter_milestones(table: pd.DataFrame, workstreams: list[str] | None = None,
                      overdue_only: bool = False) -> pd.DataFrame:
    """Keep the chosen workstreams (None or empty keeps all), and only overdue ones if asked."""
    keep = pd.Series(True, index=table.index)
    if workstreams:
        keep &= table["workstream"].isin(workstreams)
    if overdue_only:
        keep &= table["overdue"].astype(bool)
    return table[keep].reset_index(drop=True)


def milestone_summary(table: pd.DataFrame) -> dict[str, int]:
    """Counts for the headline: total, complete, overdue, open (not complete, not overdue)."""
    total = len(table)
    complete = int((table["status"] == MILESTONE_COMPLETE).sum()) if total else 0
    overdue = int(table["overdue"].astype(bool).sum()) if total else 0
    return {"total": total, "complete": complete, "overdue": overdue, "open": total - complete - overdue}


def milestones_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The milestones table as a person reads it (for the CSV download)."""
    frame = table[["workstream", "milestone", "due", "status", "state"]].copy()
    frame["overdue"] = ["yes" if o else "no" for o in table["overdue"]]
    return frame
