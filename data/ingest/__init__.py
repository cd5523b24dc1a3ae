"""Analysts' uploads (DESIGN §5): read → (recognise a national format) → validate → diff against the store
→ commit in one transaction.

One path serves both the Upload data page and `python -m data validate|load`. The package's files follow
the pipeline:

- `reading`    bytes into cells: encodings (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252),
               separators (comma, semicolon, tab), binary files refused with a sentence.
- `cells`, `names`  parsing single cells (months, figures) and the names config.yaml knows.
- `validate`   the canonical long and wide layouts checked cell by cell, vectorised: each distinct text
               is judged once and the verdicts mapped back to the rows with numpy, so a million-row file
               is checked in about a second; only the first `MAX_PROBLEMS` problems become sentences.
- `diff`       the change against the store (new / changed old → new / unchanged), plausibility and
               replacement warnings that need an explicit "load anyway", completeness after loading.
- `check`      the whole pipeline in one call: `check_upload(data, file_name, cfg, store)`; never raises
               for bad input — every problem carries its spreadsheet row (header = row 1), column and a
               sentence saying what to fix.
- `commit`     `commit_upload(store, check, ...)` hands the validated rows to `Store.commit_rows` (one
               transaction; replaced values kept in history).
- `report`     tables and sentences for the page and the command line; `templates` the CSV templates.

Every public name is importable from `data.ingest` itself.
"""

from data.ingest.cells import (
    MAX_SIGNIFICANT_DIGITS,
    PERIOD_EXAMPLES,
    fold_name,
    non_ascii_digits,
    parse_period,
    parse_value,
    significant_digits,
)
from data.ingest.check import check_file, check_upload, max_upload_bytes
from data.ingest.commit import commit_upload
from data.ingest.common import (
    BINARY_SIGNATURES,
    CHANGES,
    COLUMN_NAMES,
    DIMENSION_HELP,
    FIRST_DATA_ROW,
    FORMULA_PREFIXES,
    LONG_REQUIRED,
    MAX_COLUMNS,
    MAX_HEADER_CHARS,
    MAX_PROBLEMS,
    MAX_SUGGESTIONS,
    PLAUSIBLE_CHANGE,
    SNIFF_BYTES,
    TEMPLATE_DIR,
    TYPOGRAPHIC,
    Problem,
    Progress,
    UploadCheck,
    UploadRefused,
)
from data.ingest.diff import COMPLETENESS_PREVIEW_LIMIT
from data.ingest.report import (
    describe_commit,
    describe_undo,
    file_digest,
    format_report,
    format_text,
    history_table,
    preview_tables,
    problem_table,
    store_version,
    summary_text,
    undoable_uploads,
)
from data.ingest.templates import TEMPLATE_FILES, template_csv, write_templates
from metrics.safe_text import escape_markdown

__all__ = [
    "BINARY_SIGNATURES",
    "CHANGES",
    "COLUMN_NAMES",
    "COMPLETENESS_PREVIEW_LIMIT",
    "DIMENSION_HELP",
    "FIRST_DATA_ROW",
    "FORMULA_PREFIXES",
    "LONG_REQUIRED",
    "MAX_COLUMNS",
    "MAX_HEADER_CHARS",
    "MAX_PROBLEMS",
    "MAX_SIGNIFICANT_DIGITS",
    "MAX_SUGGESTIONS",
    "PERIOD_EXAMPLES",
    "PLAUSIBLE_CHANGE",
    "SNIFF_BYTES",
    "TEMPLATE_DIR",
    "TEMPLATE_FILES",
    "TYPOGRAPHIC",
    "Problem",
    "Progress",
    "UploadCheck",
    "UploadRefused",
    "check_file",
    "check_upload",
    "commit_upload",
    "describe_commit",
    "describe_undo",
    "escape_markdown",
    "file_digest",
    "fold_name",
    "format_report",
    "format_text",
    "history_table",
    "max_upload_bytes",
    "non_ascii_digits",
    "parse_period",
    "parse_value",
    "preview_tables",
    "problem_table",
    "significant_digits",
    "store_version",
    "summary_text",
    "template_csv",
    "undoable_uploads",
    "write_templates",
]
