"""Committing a checked upload in one transaction."""

from __future__ import annotations

from data.ingest.common import UploadCheck, UploadRefused
from data.store import CommitResult, Store
from metrics.access import Actor
from metrics.safe_text import (
    MAX_FILE_NAME_CHARS,
    MAX_NOTE_CHARS,
    require_length,
)

# --- commit and undo ---------------------------------------------------------------------------------


def commit_upload(
    store: Store, check: UploadCheck, *, actor: Actor, note: str = "", load_anyway: bool = False
) -> CommitResult:
    """Commit a checked file in one transaction (Store.commit_rows) as `actor`, who needs the analyst
    role. Refuses — changing nothing — a file with errors, an unchecked one, or one with warnings
    unless `load_anyway`."""
    if not check.ok:
        raise UploadRefused(
            f"{check.file_name} has {check.error_count:,} problem(s); fix them and upload it again. "
            "Nothing was changed."
        )
    try:
        note = require_length(note, MAX_NOTE_CHARS, "note")
        require_length(check.file_name, MAX_FILE_NAME_CHARS, "file name")
    except ValueError as exc:
        raise UploadRefused(str(exc)) from None
    if not check.checked_against_store or check.rows is None:
        raise UploadRefused("The file has not been compared with the store yet; check it again before loading.")
    if check.needs_confirmation and not load_anyway:
        raise UploadRefused(
            "The file has warnings that need a decision; read them, and choose to load anyway only if the "
            "figures are right."
        )
    return store.commit_rows(
        check.rows, file_name=check.file_name, sha256=check.sha256, actor=actor, note=note.strip(),
        source_format=check.source_format or "", validated=True,
    )
