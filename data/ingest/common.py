"""Limits, results and the problem collector shared by every step of an upload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# Past this many problems an analyst fixes the pattern, not each row: show the first 1,000 and the count.
MAX_PROBLEMS = 1000
# A value further than this from the same key's previous month asks for an explicit "load anyway".
PLAUSIBLE_CHANGE = 0.5
# Spreadsheets treat a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
# A wide file has period, service, site, segment and one column per measure (17 today); far more is a
# wrong file or a wrong separator, refused before any row is read.
MAX_COLUMNS = 200
# The longest id, label or alias in config.yaml is under 60 characters.
MAX_HEADER_CHARS = 100
# "Did you mean" suggestions are worked out for at most this many distinct unknown names (the rest are
# counted): a file of a million distinct names must not cost a million fuzzy searches.
MAX_SUGGESTIONS = MAX_PROBLEMS
# Bytes examined to tell text from a binary file.
SNIFF_BYTES = 65536
FIRST_DATA_ROW = 2  # the spreadsheet row of the first record under the header
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"

# Header names (after normalise_name) → the column they stand for.
COLUMN_NAMES = {
    "period": "period",
    "month": "period",
    "measure": "measure",
    "service": "service",
    "site": "site",
    "segment": "segment",
    "value": "value",
}
LONG_REQUIRED = ("period", "measure", "value")
DIMENSION_HELP = {
    "service": "a service id, label or treatment function code from the names list, or leave it empty for all services",
    "site": "a site id, label or code from the names list, or leave it empty for all sites",
    "segment": "a segment id such as imd:1 or ethnicity:Black, or leave it empty for everyone",
    "measure": "a measure id or label from the template",
}
# Excel on Windows turns ' into ’ and - into –; names are matched with these folded back.
TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                             "\u00a0": " "})
# Signatures of files analysts upload by mistake, with what to do instead.
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or worth checking in) a file. `row` is the spreadsheet row (header = 1);
    None when the problem is about the whole file."""

    row: int | None
    column: str | None
    message: str
    kind: str
    severity: str = "error"  # "error" | "warning"
    needs_confirmation: bool = False

    def describe(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class UploadCheck:
    """Everything known about a file after reading, validating and (with a store) previewing it."""

    file_name: str
    sha256: str
    size_bytes: int
    encoding: str | None = None
    delimiter: str | None = None
    layout: str | None = None
    data_rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    rows: pd.DataFrame | None = None  # validated values: KEY_COLUMNS + value + row
    diff: pd.DataFrame | None = None  # rows + old_value + change (new | changed | unchanged)
    checked_against_store: bool = False
    duplicate_of: int | None = None  # an earlier upload of the very same file
    # Sentences naming the months the file would leave partial (metrics.completeness), for the preview.
    completeness: list[str] = field(default_factory=list)
    # An NHS England national file (data/ingest/formats): what it is, and the rows kept for the partnership.
    source_format: str | None = None  # "NHS England RTT full CSV extract, December 2020"
    format_id: str | None = None  # rtt | dm01 | ae
    source_rows: int = 0
    kept_rows: int = 0
    kept_for: str = ""  # "provider RJZ"
    format_notes: list[str] = field(default_factory=list)

    @property
    def kept_text(self) -> str:
        """"kept 312 of 187,450 rows: provider RJZ" for a national file, else ""."""
        if not self.format_id:
            return ""
        if not self.kept_for:  # refused before the rows were filtered (a missing column, a bad period)
            return f"{self.source_rows:,} rows"
        return f"kept {self.kept_rows:,} of {self.source_rows:,} rows: {self.kept_for}"

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def needs_confirmation(self) -> bool:
        return any(w.needs_confirmation for w in self.warnings)

    @property
    def counts(self) -> dict[str, int]:
        if self.diff is None:
            return {"new": 0, "changed": 0, "unchanged": 0}
        found = self.diff["change"].value_counts()
        return {k: int(found.get(k, 0)) for k in ("new", "changed", "unchanged")}

    @property
    def changes_anything(self) -> bool:
        counts = self.counts
        return counts["new"] + counts["changed"] > 0


CHANGES = ["new", "changed", "unchanged"]


# A callback told how far a check has got (fraction done, what it is doing).
Progress = Callable[[float, str], None]


class UploadRefused(ValueError):
    """An upload cannot be committed as it stands; the message says what to do."""


class _Collector:
    """Problems of one severity: keeps the first MAX_PROBLEMS (by row) and counts them all."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.count = 0

    def add(self, problem: Problem) -> None:
        self.count += 1
        self.items.append(problem)

    def add_many(self, count: int, problems: Sequence[Problem]) -> None:
        self.count += count
        self.items.extend(problems)

    def first(self) -> list[Problem]:
        order = sorted(self.items, key=lambda p: (p.row if p.row is not None else 0, p.column or ""))
        return order[:MAX_PROBLEMS]
