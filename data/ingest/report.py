"""Tables and texts for the Upload page and the command line."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd

from data.ingest.cells import _number
from data.ingest.common import Problem, UploadCheck
from data.store import CommitResult, Store, UndoResult
from metrics.config import Config
from metrics.months import format_month, format_uk_time
from metrics.safe_text import (
    escape_markdown,
)

# --- tables and text for the page and the command line ------------------------------------------------


def file_digest(data: bytes) -> str:
    """The sha256 a file is recorded (and recognised) by."""
    return hashlib.sha256(data).hexdigest()


def store_version(store: Store) -> tuple[int, int, int]:
    """Changes whenever an upload is committed or undone (a page re-checks its file when it does)."""
    uploads = store.uploads()
    if uploads.empty:
        return (0, 0, 0)
    return (len(uploads), int(uploads["upload_id"].max()), int((uploads["status"] != "committed").sum()))


def describe_commit(result: CommitResult, check: UploadCheck) -> str:
    """What a commit did, in a sentence."""
    if result.upload_id is None:
        same = f" (identical to upload {result.duplicate_of})" if result.duplicate_of else ""
        return f"Nothing changed: the store already holds exactly the figures in {check.file_name}{same}."
    return (
        f"Loaded {check.file_name} as upload {result.upload_id}: {result.rows_added:,} new, "
        f"{result.rows_changed:,} changed and {result.rows_unchanged:,} unchanged value(s). "
        "It can be undone from the upload history."
    )


def describe_undo(result: UndoResult) -> str:
    """What an undo did, in a sentence."""
    return (
        f"Upload {result.upload_id} was undone: {result.values_removed:,} value(s) it added were removed and "
        f"{result.values_restored:,} earlier value(s) were put back."
    )


def undoable_uploads(store: Store) -> dict[int, str]:
    """Committed uploads, newest first, as upload id → a label to choose from."""
    uploads = store.uploads()
    uploads = uploads[uploads["status"] == "committed"]
    return {
        int(row.upload_id): (
            f"upload {int(row.upload_id)}: {row.file_name}, by {row.uploaded_by}, {format_uk_time(row.uploaded_at)} "
            f"({int(row.rows_added):,} new, {int(row.rows_changed):,} changed)"
        )
        for row in uploads.itertuples()
    }


def problem_table(problems: Sequence[Problem], markdown: bool = False) -> pd.DataFrame:
    """Row / Column / What to fix, ready to show; `markdown=True` escapes the text for st.table."""
    text = escape_markdown if markdown else str
    return pd.DataFrame(
        {
            "Row": [p.row if p.row is not None else "–" for p in problems],
            "Column": [text(p.column) if p.column else "–" for p in problems],
            "What to fix": [text(p.message) for p in problems],
        },
        dtype="object",
    )


def preview_tables(check: UploadCheck, cfg: Config, limit: int = 500) -> dict[str, pd.DataFrame]:
    """The diff as three display tables (new / changed / unchanged), each at most `limit` rows."""
    empty = pd.DataFrame(columns=["Row", "Month", "Measure", "Service", "Site", "Segment", "Value"])
    if check.diff is None:
        return {"new": empty, "changed": empty, "unchanged": empty}
    tables = {}
    for change in ("new", "changed", "unchanged"):
        part = check.diff[check.diff["change"] == change].head(limit)
        table = pd.DataFrame(
            {
                "Row": part["row"].to_numpy(),
                "Month": [format_month(m) for m in part["month"]],
                "Measure": [cfg.label_for("measure", m) for m in part["measure"]],
                "Service": [cfg.label_for("service", s) for s in part["service"]],
                "Site": [cfg.label_for("site", s) for s in part["site"]],
                "Segment": [cfg.label_for("segment", s) for s in part["segment"]],
            }
        )
        if change == "changed":
            table["Stored value"] = [_number(v) for v in part["old_value"]]
            table["New value"] = [_number(v) for v in part["value"]]
        else:
            table["Value"] = [_number(v) for v in part["value"]]
        tables[change] = table
    return tables


def format_text(check: UploadCheck) -> str | None:
    """What a national file was recognised as and which of its rows were kept, for the preview; None for
    a file in our own long or wide layout."""
    if not check.source_format:
        return None
    if not check.kept_for:
        return f"Recognised as the {check.source_format}: {check.kept_text}."
    left = check.source_rows - check.kept_rows
    return (
        f"Recognised as the {check.source_format}: {check.kept_text} "
        f"({left:,} row(s) for other organisations left out)."
    )


def summary_text(check: UploadCheck) -> str:
    """One paragraph: what the file is and what loading it would do."""
    about = f"{check.file_name}: {check.data_rows:,} data row(s)"
    if check.source_format:
        about = f"{check.file_name}: {check.source_format}; {check.kept_text}"
    elif check.layout:
        about += f", {check.layout} layout, {check.encoding}, {_separator_name(check.delimiter)}-separated"
    about += "."
    if not check.ok:
        shown = f" (the first {len(check.errors):,} are listed)" if check.error_count > len(check.errors) else ""
        return f"{about} It has {check.error_count:,} problem(s){shown}; nothing can be loaded until they are fixed."
    if check.diff is None:
        return (
            f"{about} It has no problems on its own: {len(check.rows) if check.rows is not None else 0:,} value(s). "
            "It was not compared with the store."
        )
    counts = check.counts
    text = (
        f"{about} Loading it would add {counts['new']:,} new value(s), change {counts['changed']:,} and leave "
        f"{counts['unchanged']:,} unchanged."
    )
    if not check.changes_anything:
        text += " It would change nothing" + (
            f": it is identical to upload {check.duplicate_of}." if check.duplicate_of else "."
        )
    return text


def _separator_name(delimiter: str | None) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter or "", "comma")


def format_report(check: UploadCheck) -> str:
    """The whole check as plain text (the command line's report)."""
    lines = [summary_text(check)]
    if check.format_notes:
        lines.append("")
        lines += [f"  - {note}" for note in check.format_notes]
    if check.completeness:
        lines.append("")
        lines.append("Completeness after loading:")
        lines += [f"  - {sentence}" for sentence in check.completeness]
    if check.errors:
        lines.append("")
        lines.append(f"Problems ({check.error_count:,}):")
        lines += [f"  - {p.describe()}" for p in check.errors]
        if check.error_count > len(check.errors):
            lines.append(f"  …and {check.error_count - len(check.errors):,} more.")
    if check.warnings:
        lines.append("")
        lines.append(f"Warnings ({check.warning_count:,}):")
        lines += [f"  - {p.describe()}" for p in check.warnings]
        if check.warning_count > len(check.warnings):
            lines.append(f"  …and {check.warning_count - len(check.warnings):,} more.")
    return "\n".join(lines)


def history_table(store: Store) -> pd.DataFrame:
    """Every upload, newest first, for display (UK times)."""
    uploads = store.uploads()
    return pd.DataFrame(
        {
            "Upload": uploads["upload_id"].astype(int).to_numpy(),
            "Status": [
                "Committed" if s == "committed" else f"Undone {format_uk_time(at)} by {by}"
                for s, at, by in zip(uploads["status"], uploads["undone_at"], uploads["undone_by"], strict=True)
            ],
            "Loaded (UK time)": [format_uk_time(t) for t in uploads["uploaded_at"]],
            "By": uploads["uploaded_by"].to_numpy(),
            "File": uploads["file_name"].to_numpy(),
            "New": uploads["rows_added"].astype(int).to_numpy(),
            "Changed": uploads["rows_changed"].astype(int).to_numpy(),
            "Unchanged": uploads["rows_unchanged"].astype(int).to_numpy(),
            "Note": uploads["note"].to_numpy(),
        }
    )
