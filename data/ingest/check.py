"""The pipeline in one call: read → validate → diff against the store (check_upload, check_file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data.ingest import formats
from data.ingest.common import Problem, Progress, UploadCheck, _Collector
from data.ingest.diff import _compare_with_store, _plausibility
from data.ingest.reading import _decode, _read_table, _Unreadable
from data.ingest.report import file_digest
from data.ingest.validate import _validate
from data.store import Store
from metrics.config import Config

# --- the check -------------------------------------------------------------------------------------


def check_upload(
    data: bytes,
    file_name: str,
    cfg: Config,
    store: Store | None = None,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> UploadCheck:
    """Read and validate a file; with a store, also check the grain rule against what is stored,
    preview the diff and raise plausibility warnings. Never raises for bad input: every problem is in
    the returned check."""
    report = progress or (lambda fraction, text: None)
    check = UploadCheck(file_name=file_name, sha256=file_digest(data), size_bytes=len(data))
    errors, warnings = _Collector(), _Collector()
    limit = max_upload_bytes(cfg)
    try:
        if len(data) > limit:
            raise _Unreadable("too_large", _too_large_message(len(data), cfg))
        if not data.strip(b" \t\r\n\xef\xbb\xbf"):
            raise _Unreadable("empty_file", "The file is empty; export the figures again and upload the CSV.")
        report(0.05, "Reading the file…")
        workbook = formats.read_workbook(data, formats.detect) if data.startswith(b"PK\x03\x04") else None
        if workbook is not None:  # a national file published as an Excel workbook
            table, read_problems = workbook[0], []
        else:  # anything else is text (a workbook in no national layout is refused here, as before)
            table, read_problems = _read_table(_decode(data))
    except _Unreadable as exc:
        errors.add(Problem(exc.row, None, exc.message, exc.kind))
        return _finish(check, errors, warnings)
    check.encoding, check.delimiter = table.encoding, table.delimiter
    for problem in read_problems:
        errors.add(problem)
    report(0.3, "Checking every row…")
    if not errors.count and (adapted := formats.adapt(table, cfg, errors)) is not None:
        # An NHS England national file: its rows for the partnership become the canonical long rows.
        check.source_format, check.format_id = adapted.title, adapted.layout.id
        check.source_rows, check.kept_rows, check.kept_for = adapted.source_rows, adapted.kept_rows, adapted.kept_for
        check.format_notes = adapted.notes
        if adapted.table is None:
            check.data_rows = adapted.source_rows
            return _finish(check, errors, warnings)
        table = adapted.table
    validated = _validate(table, cfg, today or dt.date.today(), errors, warnings, check, report)
    if check.format_id:
        check.layout, check.data_rows = "national", check.source_rows
    if validated is not None and errors.count == 0:
        if store is not None:
            report(0.7, "Comparing with the figures already stored…")
            _compare_with_store(validated, store, errors, warnings, check, cfg)
        else:
            _plausibility(validated, None, warnings, cfg)
        check.rows = validated.rows
    report(1.0, "Checked.")
    return _finish(check, errors, warnings)


def check_file(
    path: str | Path,
    cfg: Config,
    store: Store | None = None,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> UploadCheck:
    """`check_upload` for a file on disk; a file over the size limit is refused without reading it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"There is no file {path}; check the name and folder.")
    size = path.stat().st_size
    if size > max_upload_bytes(cfg):
        check = UploadCheck(file_name=path.name, sha256="", size_bytes=size)
        errors = _Collector()
        errors.add(Problem(None, None, _too_large_message(size, cfg), "too_large"))
        return _finish(check, errors, _Collector())
    return check_upload(path.read_bytes(), path.name, cfg, store, today=today, progress=progress)


def max_upload_bytes(cfg: Config) -> int:
    """The largest file an upload may be, in bytes: upload.max_file_mb in config.yaml, in megabytes of
    1,000,000 bytes as Streamlit counts them (the browser refuses larger files with the same number)."""
    return int(cfg.upload.max_file_mb * 1_000_000)


def _too_large_message(size: int, cfg: Config) -> str:
    return (
        f"The file is {size / 1_000_000:,.1f} MB, over the {cfg.upload.max_file_mb:g} MB limit "
        "(upload.max_file_mb in config.yaml); split it into smaller files, for example one per month."
    )


def _finish(check: UploadCheck, errors: _Collector, warnings: _Collector) -> UploadCheck:
    check.errors, check.error_count = errors.first(), errors.count
    check.warnings, check.warning_count = warnings.first(), warnings.count
    if check.error_count:
        check.rows, check.diff = None, None
    return check
