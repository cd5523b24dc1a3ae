"""Analysts' uploads (DESIGN §5): read → validate → diff against the store → commit in one transaction.

One path serves both the Upload data page and `python -m data validate|load`:

- `check_upload(data, file_name, cfg, store)` reads the bytes (UTF-8 with or without BOM, UTF-16 with
  BOM, or Windows-1252; comma, semicolon or tab), validates every cell and reports every problem at
  once — each with the spreadsheet row (header = row 1), the column and a sentence saying what to fix —
  then, for a valid file and a store, previews the change (new / changed old → new / unchanged) and
  raises the plausibility warnings that need an explicit "load anyway".
- `commit_upload(store, check, ...)` hands the validated rows to `Store.commit_rows`, which records the
  upload, moves replaced values to history and writes the new ones in one transaction.

Validation is vectorised so a million-row file is checked in about a second: each column is
factorised, each *distinct* text is judged once in Python (months, names, numbers), and the verdicts
are mapped back to the rows with numpy. Only the first `MAX_PROBLEMS` problems become sentences.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import difflib
import hashlib
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from data.store import ALL, KEY_COLUMNS, CommitResult, Store, UndoResult
from metrics import completeness
from metrics.access import Actor
from metrics.compute import MAX_PLAUSIBLE_VALUE
from metrics.config import Config, normalise_name
from metrics.months import baseline_month, format_month, format_uk_time, to_month
from metrics.safe_text import (
    MAX_FILE_NAME_CHARS,
    MAX_NOTE_CHARS,
    csv_rows_text,
    escape_markdown,
    require_length,
)

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
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

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


# --- parsing single cells (pure) -----------------------------------------------------------------

_MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES |= {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES["sept"] = 9
# re.ASCII: "\d" is 0-9 only. Python would otherwise read full-width, Arabic-Indic or mathematical
# digits as numbers without a word; such a cell is refused with its own sentence instead.
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", re.ASCII)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_NAMED_MONTH = re.compile(r"([A-Za-z]+)[ \t\u00a0\-]+(\d{2}|\d{4})", re.ASCII)
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?", re.ASCII)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)
# A double holds about 15 significant digits; a figure written with more is stored rounded.
MAX_SIGNIFICANT_DIGITS = 15
# In a semicolon-separated file (the European Excel default) "1.500" may mean one thousand five
# hundred. ("1,500" there is read as 1500, as in the UK; a European decimal comma such as "1,5" is
# refused as not a number.)
_EUROPEAN_AMBIGUOUS = re.compile(r"\d{1,3}(?:\.\d{3})+", re.ASCII)
_NOT_FINITE = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}
# Zero-width and other invisible characters that make two names look the same.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_OLD_YEAR = re.compile(r"(?<!\d)(0\d{3}|1[0-8]\d{2})(?!\d)", re.ASCII)
PERIOD_EXAMPLES = "2020-07, 2020-07-01, 01/07/2020, Jul-20, July 2020 or Jul 2020"


def non_ascii_digits(text: str) -> str:
    """The digits in `text` that are not 0-9 (full-width, Arabic-Indic, mathematical …), if any."""
    return "".join(ch for ch in text if ch.isdigit() and not ch.isascii())


def _digits_message(text: str, what: str) -> str:
    names = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in non_ascii_digits(text)})[:3])
    return (
        f"'{_clip(text)}' is written with digits that are not 0-9 ({names}); a spreadsheet may show them as "
        f"numbers, but they are not. Type the {what} with the digits 0-9."
    )


def parse_period(text: str) -> dt.date | None:
    """The month a period cell names (first of the month), or None when it is not one of the accepted
    forms: 2020-07, 2020-07-01, 01/07/2020 (day/month/year), Jul-20, July 2020, Jul 2020. A
    four-digit year is taken as written (0023 is not 2023); only a two-digit year means 20xx."""
    text = text.strip()
    year = month = None
    if match := _ISO_MONTH.fullmatch(text):
        year, month = int(match.group(1)), int(match.group(2))
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        if not _is_date(year, month, day):
            return None
    elif match := _UK_DATE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if not _is_date(year, month, day):
            return None
    elif match := _NAMED_MONTH.fullmatch(text):
        month = _MONTH_NAMES.get(match.group(1).lower())
        year = int(match.group(2))
        year = year + 2000 if len(match.group(2)) == 2 else year
    if year is None or month is None or not 1 <= month <= 12 or year < 1900:
        return None
    return dt.date(year, month, 1)


def fold_name(name: object) -> str:
    """normalise_name (case- and space-insensitive) after folding typographic quotes and dashes."""
    return normalise_name(str(name).translate(TYPOGRAPHIC))


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def parse_value(text: str) -> tuple[float | None, str | None, str | None]:
    """(value, None, None) for an accepted figure, else (None, kind, sentence saying what to fix).
    Accepted: a non-negative number, with thousands commas ("1,234") and surrounding spaces."""
    text = text.strip()
    if not text:
        return None, "missing_value", "The value is empty; write the figure (0 if there was none) or delete the row."
    if text.lower() in _NOT_FINITE:
        return None, "value_not_finite", f"'{text}' is not a finite number; write the actual figure."
    if non_ascii_digits(text):
        return None, "value_digits", _digits_message(text, "figure")
    if text.startswith("-") and _is_number(text[1:]):
        return None, "negative_value", f"{text} is negative; a count cannot be below zero. Correct the figure."
    if text.startswith(FORMULA_PREFIXES):
        return None, "formula", _formula_message(text)
    if not _is_number(text):
        return None, "value_not_number", (
            f"'{_clip(text)}' is not a number; write the figure in digits, for example 1234 or 1,234 "
            "(no units, currency signs or percentages)."
        )
    value = float(text.replace(",", ""))
    if not math.isfinite(value) or value > MAX_PLAUSIBLE_VALUE:
        return None, "value_too_large", (
            f"'{_clip(text)}' is too large to be a monthly figure: no measure here comes near "
            f"{MAX_PLAUSIBLE_VALUE:,} (a count of activity has a plausible ceiling). Check whether a date, a code "
            "or another column was pasted here, and write the actual figure."
        )
    return value, None, None


def significant_digits(text: str) -> int:
    """How many significant digits a number as written has ("0.00120" → 3, "1,234" → 4)."""
    mantissa = re.split(r"[eE]", text.strip().replace(",", ""))[0].replace(".", "").lstrip("0")
    return len(mantissa.rstrip("0")) if "." not in text else len(mantissa)


def _is_number(text: str) -> bool:
    return bool(_PLAIN_NUMBER.fullmatch(text) or _THOUSANDS.fullmatch(text))


def _formula_message(text: str) -> str:
    return (
        f"'{_clip(text)}' starts with '{text[0]}', which a spreadsheet treats as a formula; "
        "type the plain name or number instead (in Excel: Paste Special › Values)."
    )


def _clip(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- names -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """Every accepted spelling of one kind of name (ids, labels, aliases), normalised → id."""

    kind: str
    ids: list[str]  # ids[0] is "All" when the dimension may be left empty
    lookup: dict[str, int]
    display: dict[str, str]  # normalised spelling → the spelling to suggest
    allow_all: bool

    @classmethod
    def build(cls, kind: str, items: Sequence, allow_all: bool) -> _Names:
        ids = ([ALL] if allow_all else []) + [item.id for item in items]
        lookup: dict[str, int] = {}
        display: dict[str, str] = {}
        for item in items:
            index = ids.index(item.id)
            for name in (item.id, item.label, *getattr(item, "aliases", [])):
                lookup.setdefault(fold_name(name), index)
                display.setdefault(fold_name(name), name)
        if allow_all:
            lookup["all"] = 0
        return cls(kind, ids, lookup, display, allow_all)

    def index_of(self, text: str) -> int:
        """The index into ids a cell names, or -1 when it names nothing known."""
        if not text:
            return 0 if self.allow_all else -1
        return self.lookup.get(fold_name(text), -1)

    def indices_of(self, texts: pd.api.extensions.ExtensionArray | np.ndarray) -> np.ndarray:
        """`index_of` for many distinct texts at once: ASCII texts are folded by Arrow in bulk (for
        ASCII, lower case is case folding), the rest one by one, so a million names take a second."""
        array = pa.array(texts, type=pa.string())
        ascii_only = pc.string_is_ascii(array).to_numpy(zero_copy_only=False)
        folded = pc.utf8_lower(
            pc.utf8_trim_whitespace(pc.replace_substring_regex(array, r"[\t\n\x0b\x0c\r \x1c-\x1f]+", " "))
        )
        found = pd.Series(folded.to_pandas(), dtype=object).map(self.lookup)
        result = found.fillna(-1).to_numpy(dtype=np.int64, copy=True)
        for position in np.flatnonzero(~ascii_only):
            result[position] = self.index_of(str(array[int(position)]))
        if self.allow_all:
            result[(pc.utf8_length(array).to_numpy(zero_copy_only=False) == 0)] = 0
        return result

    def resolve(self, text: str, suggest: bool = True) -> tuple[int, str | None, str | None]:
        """(index into ids, None, None) or (-1, kind, sentence); `suggest` adds "did you mean"."""
        if not text:
            if self.allow_all:
                return 0, None, None
            return -1, f"missing_{self.kind}", f"The {self.kind} is empty; write {DIMENSION_HELP[self.kind]}."
        found = self.lookup.get(fold_name(text))
        if found is not None:
            return found, None, None
        if text.startswith(FORMULA_PREFIXES):
            return -1, "formula", _formula_message(text)
        return -1, f"unknown_{self.kind}", (
            f"'{_clip(text)}' is not a {self.kind} this dashboard knows.{self.hint(text) if suggest else ''} "
            f"Use {DIMENSION_HELP[self.kind]}."
        )

    def hint(self, text: str) -> str:
        close = difflib.get_close_matches(fold_name(text), list(self.display), n=1, cutoff=0.6)
        if not close:
            return ""
        ident = self.ids[self.lookup[close[0]]]
        spelling = self.display[close[0]]
        return f" Did you mean '{spelling}'?" if spelling == ident else f" Did you mean '{spelling}' ({ident})?"


@dataclass(frozen=True)
class _Vocabulary:
    measure: _Names
    service: _Names
    site: _Names
    segment: _Names

    @classmethod
    def from_config(cls, cfg: Config) -> _Vocabulary:
        cached = _VOCABULARIES.get(id(cfg))
        if cached is not None and cached[0] is cfg:
            return cached[1]
        vocabulary = cls._build(cfg)
        if len(_VOCABULARIES) >= 8:  # a process rarely holds more than one or two configs
            _VOCABULARIES.pop(next(iter(_VOCABULARIES)))
        _VOCABULARIES[id(cfg)] = (cfg, vocabulary)
        return vocabulary

    @classmethod
    def _build(cls, cfg: Config) -> _Vocabulary:
        return cls(
            measure=_Names.build("measure", cfg.measures, allow_all=False),
            service=_Names.build("service", cfg.services, allow_all=True),
            site=_Names.build("site", cfg.sites, allow_all=True),
            segment=_Names.build("segment", cfg.segments, allow_all=True),
        )


# Config objects are immutable; the names of each are worked out once.
_VOCABULARIES: dict[int, tuple[Config, _Vocabulary]] = {}


# --- reading bytes into cells -----------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    cells: pd.DataFrame  # one str column per header position; index = record number (0 = first data row)
    encoding: str
    delimiter: str


class _Unreadable(Exception):
    def __init__(self, kind: str, message: str, row: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.row = row


def _decode(data: bytes) -> tuple[str, str]:
    for signature, what in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise _Unreadable(
                "not_text",
                f"This file is {what}, not a CSV file. Open it and save it as CSV "
                "(in Excel: File › Save As › CSV UTF-8), then upload the CSV.",
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Unreadable("not_text", _not_text_message()) from None
        if text.startswith("\ufeff"):
            raise _Unreadable("double_bom", _DOUBLE_BOM_MESSAGE, 1)
        return text, "UTF-16"
    if b"\x00" in data[:SNIFF_BYTES]:
        raise _Unreadable("not_text", _not_text_message())
    if data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf"):
        raise _Unreadable("double_bom", _DOUBLE_BOM_MESSAGE, 1)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            row = data[: exc.start + 3].count(b"\n") + 1
            raise _Unreadable(
                "encoding",
                "The file is marked as UTF-8, but this row holds characters that are not UTF-8 (the file was "
                "probably edited in two programs); save it again from Excel as CSV UTF-8.",
                row,
            ) from None
    try:
        text, encoding = data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            raise _Unreadable("not_text", _not_text_message()) from None
    sample = text[:SNIFF_BYTES]
    controls = [i for i, ch in enumerate(sample) if ord(ch) < 32 and ch not in "\t\r\n"]
    if len(controls) > max(2, len(sample) // 100):
        # The row of the first control character, for a text file with a stretch of binary in it.
        raise _Unreadable("not_text", _not_text_message(), len(_LINE_BREAK.findall(sample[: controls[0]])) + 1)
    return text, encoding


_DOUBLE_BOM_MESSAGE = (
    "The file starts with two byte-order marks (it was probably saved by two programs in turn), so its first "
    "column name would not be read as written; open it and save it again as CSV UTF-8."
)


def _not_text_message() -> str:
    return (
        "This file is not a text (CSV) file. Save the spreadsheet as CSV (in Excel: File › Save As › "
        "CSV UTF-8) and upload that file."
    )


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties keep the first: comma, then semicolon
    return best if counts[best] else ","


def _read_table(text: str, data: bytes, encoding: str) -> tuple[_Table, list[Problem]]:
    first_break = _LINE_BREAK.search(text)
    first_line = text[: first_break.start()] if first_break else text
    delimiter = _detect_delimiter(first_line)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error:
        header = first_line.split(delimiter)
    _check_header_size(header)
    width = max(len(header), 1)
    try:
        body = data[3:] if encoding == "UTF-8 with BOM" else data if encoding == "UTF-8" else text.encode("utf-8")
        table = _read_fast(body, delimiter, width)
        cells = table.to_pandas()
        cells.columns = range(width)
        header = [str(h) for h in cells.iloc[0].tolist()] if len(cells) else header
        cells = cells.iloc[1:].reset_index(drop=True)
        problems: list[Problem] = []
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        header, cells, problems = _read_slow(text, delimiter)
    return _Table([h.strip() for h in header], cells, encoding, delimiter), problems


def _check_header_size(header: list[str]) -> None:
    """Refuse at once, before the rows are read, a header no upload can have: too many columns (a file
    of 100,000 columns took minutes) or a column name longer than any name the dashboard knows."""
    if len(header) > MAX_COLUMNS:
        raise _Unreadable(
            "too_many_columns",
            f"The header row has {len(header):,} columns; an upload has at most {MAX_COLUMNS} (period, service, site, "
            "segment and one column per measure). Check the file is the right one and its separator, or start "
            "from a template.",
            1,
        )
    for position, name in enumerate(header):
        if len(name) > MAX_HEADER_CHARS:
            raise _Unreadable(
                "header_too_long",
                f"The name of column {_column_letter(position)} is {len(name):,} characters long; a column name is "
                f"short (period, measure, ct_tests …, at most {MAX_HEADER_CHARS} characters). Correct the header "
                "row, or start from a template.",
                1,
            )


def _read_fast(body: bytes, delimiter: str, width: int) -> pa.Table:
    """pyarrow's multithreaded reader; raises ArrowInvalid on anything irregular (ragged rows, quoted
    line breaks, blank lines), and the careful reader takes over."""
    names = [f"c{i}" for i in range(width)]
    return pa_csv.read_csv(
        io.BytesIO(body),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _read_slow(text: str, delimiter: str) -> tuple[list[str], pd.DataFrame, list[Problem]]:
    """Python's csv module: quoted line breaks count as one spreadsheet row, blank lines as empty rows,
    and rows with more values than the header are reported rather than refused outright."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise _Unreadable(
            "not_text", f"The file could not be read as CSV ({exc}) from this row on; save it again as CSV.",
            reader.line_num,
        ) from None
    header = records[0] if records else []
    width = max(len(header), 1)
    rows = []
    for number, record in enumerate(records[1:], start=FIRST_DATA_ROW):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            problems.append(
                Problem(
                    number,
                    None,
                    f"This row has {len(record)} values but the header names {width} columns; remove the extra "
                    f"values, or put quotes around a value that contains a '{_delimiter_name(delimiter)}'.",
                    "extra_values",
                )
            )
        rows.append((record + [""] * width)[:width])
    cells = pd.DataFrame(rows, columns=range(width), dtype="str") if rows else pd.DataFrame(columns=range(width))
    return header, cells.astype("str"), problems


def _delimiter_name(delimiter: str) -> str:
    return {",": ",", ";": ";", "\t": "tab"}[delimiter]


# --- the check -------------------------------------------------------------------------------------


Progress = Callable[[float, str], None]


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
        text, encoding = _decode(data)
        table, read_problems = _read_table(text, data, encoding)
    except _Unreadable as exc:
        errors.add(Problem(exc.row, None, exc.message, exc.kind))
        return _finish(check, errors, warnings)
    check.encoding, check.delimiter = table.encoding, table.delimiter
    for problem in read_problems:
        errors.add(problem)
    report(0.3, "Checking every row…")
    validated = _validate(table, cfg, today or dt.date.today(), errors, warnings, check, report)
    if validated is not None and errors.count == 0:
        if store is not None:
            report(0.7, "Comparing with the figures already stored…")
            _compare_with_store(validated, store, errors, warnings, check, cfg)
        else:
            _plausibility(validated, None, warnings)
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


@dataclass
class _Validated:
    """Valid values in long form with the integer codes used for the vectorised checks."""

    rows: pd.DataFrame  # KEY_COLUMNS + value + row + column
    month_index: np.ndarray  # year * 12 + month - 1
    series_key: np.ndarray  # (measure, service, site, segment) as one integer
    headers: dict[str, str]  # column → header as the analyst wrote it


def _validate(
    table: _Table,
    cfg: Config,
    today: dt.date,
    errors: _Collector,
    warnings: _Collector,
    check: UploadCheck,
    report: Progress,
) -> _Validated | None:
    vocab = _Vocabulary.from_config(cfg)
    header = table.header
    roles, measure_columns = _read_header(header, vocab, errors, warnings)
    if roles is None:
        return None
    cells = table.cells
    for position in range(len(header)):
        cells[position] = cells[position].str.strip()
    blank = np.ones(len(cells), dtype=bool)
    for position in range(len(header)):
        blank &= (cells[position] == "").to_numpy()
    check.data_rows = int((~blank).sum())
    if check.data_rows == 0:
        errors.add(
            Problem(None, None, "The file has a header row but no figures under it; add the figures.", "no_data")
        )
        return None
    layout = "long" if "measure" in roles or "value" in roles else "wide"
    check.layout = layout
    keep = np.flatnonzero(~blank)
    row_numbers = keep + FIRST_DATA_ROW
    headers = {role: header[position] for role, position in roles.items()}
    missing = [c for c in (LONG_REQUIRED if layout == "long" else ("period",)) if c not in roles]
    for column in missing:
        errors.add(Problem(1, column, _missing_column_message(column, layout), "missing_column"))

    def column(role: str) -> pd.Series | None:
        return cells[roles[role]].iloc[keep].reset_index(drop=True) if role in roles else None

    # Per row: the month and the names that apply to every value on the row.
    report(0.35, "Checking periods and names…")
    month_index = _check_periods(column("period"), row_numbers, headers.get("period"), cfg, today, errors)
    dimension_codes = {}
    for kind in ("service", "site", "segment"):
        series = column(kind)
        if series is None:
            dimension_codes[kind] = np.zeros(len(keep), dtype=np.int64)
        else:
            dimension_codes[kind] = _check_names(series, row_numbers, headers[kind], getattr(vocab, kind), errors)

    # Per value: long layout has one per row; wide one per filled measure cell.
    if layout == "long":
        value_text = column("value")
        measure_codes = (
            _check_names(column("measure"), row_numbers, headers["measure"], vocab.measure, errors)
            if "measure" in roles
            else np.full(len(keep), -1, dtype=np.int64)
        )
        if value_text is None:
            return None
        measure_codes_for_fact = measure_codes
        fact_row = np.arange(len(keep))
        fact_column = np.full(len(keep), headers["value"], dtype=object)
    else:
        pieces_text, pieces_row, pieces_measure, pieces_column = [], [], [], []
        for position, measure_index in measure_columns:
            text = cells[position].iloc[keep].reset_index(drop=True)
            filled = np.flatnonzero((text != "").to_numpy())
            pieces_text.append(text.iloc[filled])
            pieces_row.append(filled)
            pieces_measure.append(np.full(len(filled), measure_index, dtype=np.int64))
            pieces_column.append(np.full(len(filled), header[position], dtype=object))
        value_text = pd.concat(pieces_text, ignore_index=True) if pieces_text else pd.Series([], dtype="str")
        fact_row = np.concatenate(pieces_row) if pieces_row else np.array([], dtype=np.int64)
        measure_codes = np.concatenate(pieces_measure) if pieces_measure else np.array([], dtype=np.int64)
        fact_column = np.concatenate(pieces_column) if pieces_column else np.array([], dtype=object)
        if len(fact_row) == 0:
            errors.add(Problem(None, None, "No measure column holds any figure; fill in the figures.", "no_data"))
            return None
        measure_codes_for_fact = measure_codes
    report(0.5, "Checking values…")
    values = _check_values(value_text, row_numbers[fact_row], fact_column, table.delimiter, errors, warnings)
    if missing:
        return None

    valid = (
        ~np.isnan(values)
        & (month_index[fact_row] >= 0)
        & (measure_codes_for_fact >= 0)
        & (dimension_codes["service"][fact_row] >= 0)
        & (dimension_codes["site"][fact_row] >= 0)
        & (dimension_codes["segment"][fact_row] >= 0)
    )
    f = np.flatnonzero(valid)
    row_of = fact_row[f]
    codes = {
        "month": month_index[row_of],
        "measure": measure_codes_for_fact[f],
        "service": dimension_codes["service"][row_of],
        "site": dimension_codes["site"][row_of],
        "segment": dimension_codes["segment"][row_of],
    }
    sizes = {kind: len(getattr(vocab, kind).ids) for kind in ("measure", "service", "site", "segment")}
    series_key = ((codes["measure"] * sizes["service"] + codes["service"]) * sizes["site"] + codes["site"]) * sizes[
        "segment"
    ] + codes["segment"]
    spreadsheet_rows = row_numbers[row_of]
    report(0.6, "Checking for repeated rows and the grain rule…")
    _check_duplicates(series_key, codes["month"], spreadsheet_rows, fact_column[f], codes, vocab, errors)
    _check_grain_in_file(codes, sizes, spreadsheet_rows, headers, vocab, errors)
    _check_available_from(codes, spreadsheet_rows, headers, vocab, cfg, errors)

    months = (codes["month"] - 1970 * 12).astype("datetime64[M]").astype("datetime64[s]")
    rows = pd.DataFrame(
        {
            "month": months,
            "measure": _ids_column(vocab.measure.ids, codes["measure"]),
            "service": _ids_column(vocab.service.ids, codes["service"]),
            "site": _ids_column(vocab.site.ids, codes["site"]),
            "segment": _ids_column(vocab.segment.ids, codes["segment"]),
            "value": values[f],
            "row": spreadsheet_rows,
            "column": fact_column[f],
        }
    )
    return _Validated(rows, codes["month"], series_key, headers)


def _ids_column(ids: list[str], codes: np.ndarray) -> pd.Series:
    """Ids by code as a pandas string column (built by Arrow: a million rows in milliseconds)."""
    taken = pa.array(ids, type=pa.string()).take(pa.array(codes, type=pa.int64()))
    return pd.Series(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _missing_column_message(column: str, layout: str) -> str:
    if column == "period":
        return f"There is no 'period' column; add one headed period holding the month ({PERIOD_EXAMPLES})."
    if column == "measure":
        return (
            "There is no 'measure' column; add one naming the measure of each figure "
            "(a measure id from the template)."
        )
    return "There is no 'value' column; add one headed value holding the figure for each row."


def _read_header(
    header: list[str], vocab: _Vocabulary, errors: _Collector, warnings: _Collector
) -> tuple[dict[str, int] | None, list[tuple[int, int]]]:
    roles: dict[str, int] = {}
    measure_columns: list[tuple[int, int]] = []
    seen_measures: dict[int, int] = {}
    unknown: list[int] = []
    duplicated = False
    for position, name in enumerate(header):
        key = fold_name(name)
        role = COLUMN_NAMES.get(key)
        if role is not None:
            if role in roles:
                errors.add(
                    Problem(
                        1,
                        name,
                        f"The file has two '{role}' columns ({_column_letter(roles[role])} and "
                        f"{_column_letter(position)}); keep one of them.",
                        "duplicate_column",
                    )
                )
                duplicated = True
            else:
                roles[role] = position
            continue
        measure = vocab.measure.lookup.get(key) if key else None
        if measure is not None:
            if measure in seen_measures:
                errors.add(
                    Problem(
                        1,
                        name,
                        f"Columns {_column_letter(seen_measures[measure])} and {_column_letter(position)} are both "
                        f"for the measure {vocab.measure.ids[measure]}; keep one of them.",
                        "duplicate_column",
                    )
                )
                duplicated = True
            else:
                seen_measures[measure] = position
                measure_columns.append((position, measure))
            continue
        unknown.append(position)
    if "period" not in roles and any(parse_period(name) for name in header):
        errors.add(
            Problem(
                1,
                None,
                "The first row holds figures, not the header; add a header row above them: period, measure, "
                "service, site, segment, value (or start from a template).",
                "missing_header",
            )
        )
        return None, []
    long_layout = "measure" in roles or "value" in roles
    if long_layout and measure_columns:
        for position, _ in measure_columns:
            warnings.add(
                Problem(
                    1,
                    header[position],
                    "This column is named after a measure, but the file has measure and value columns (the long "
                    "layout), so it was ignored. Use one layout or the other.",
                    "unknown_column",
                    severity="warning",
                )
            )
    if not long_layout and not measure_columns and "period" in roles:
        errors.add(
            Problem(
                1,
                None,
                "The header has neither measure and value columns (long layout) nor any column named after a "
                "measure (wide layout); start from one of the templates.",
                "missing_column",
            )
        )
        duplicated = True
    if not roles and not measure_columns:
        names = ", ".join(f"'{_clip(h, 30)}'" for h in header[:6] if h) or "nothing"
        errors.add(
            Problem(
                1,
                None,
                f"The first row should be the header (period, measure, service, site, segment, value) but it holds "
                f"{names}; add the header row or start from a template.",
                "missing_column",
            )
        )
        return None, []
    for position in unknown[:MAX_PROBLEMS]:
        name = header[position]
        if not name:
            continue
        hint = vocab.measure.hint(name) if not long_layout else ""
        if not hint:
            close = difflib.get_close_matches(normalise_name(name), list(COLUMN_NAMES), n=1, cutoff=0.7)
            hint = f" Did you mean '{close[0]}'?" if close else ""
        invisible = _INVISIBLE.findall(name)
        if invisible:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in invisible}))
            hint += f" The name holds an invisible character ({codes}); retype it."
        if long_layout:
            warnings.add(
                Problem(
                    1,
                    name,
                    f"'{_clip(name)}' is not a column this upload uses, so it was ignored.{hint}",
                    "unknown_column",
                    severity="warning",
                )
            )
        else:
            # In the wide layout every other column is a measure: a misspelt one must not be dropped silently.
            errors.add(
                Problem(
                    1,
                    name,
                    f"'{_clip(name)}' is not a measure id or label, so its figures cannot be loaded.{hint} Rename the "
                    "column to a measure id from the wide template, or delete the column.",
                    "unknown_column",
                )
            )
    if duplicated:
        return None, []
    return roles, measure_columns


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _emit(
    bad: np.ndarray,
    row_numbers: np.ndarray,
    columns: np.ndarray | str | None,
    messages: Callable[[int], tuple[str, str]],
    errors: _Collector,
) -> None:
    """Turn a mask of bad cells into problems: all counted, the first MAX_PROBLEMS written out."""
    where = np.flatnonzero(bad)
    if not len(where):
        return
    problems = []
    for i in where[:MAX_PROBLEMS]:
        kind, message = messages(int(i))
        column = columns if columns is None or isinstance(columns, str) else columns[i]
        problems.append(Problem(int(row_numbers[i]), column, message, kind))
    errors.add_many(len(where), problems)


def _judge_distinct(series: pd.Series, judge: Callable[[str], tuple[object, str | None, str | None]]):
    """Judge each distinct text once; return per-row codes, the verdicts and a per-row bad mask."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    verdicts = [judge(str(u)) for u in uniques]
    bad_unique = np.array([v[1] is not None for v in verdicts], dtype=bool)
    return codes, verdicts, bad_unique[codes] if len(codes) else np.zeros(0, dtype=bool)


def _check_periods(
    series: pd.Series | None,
    row_numbers: np.ndarray,
    header: str | None,
    cfg: Config,
    today: dt.date,
    errors: _Collector,
) -> np.ndarray:
    if series is None:
        return np.full(len(row_numbers), -1, dtype=np.int64)
    latest = today.year * 12 + today.month - 1
    first = cfg.first_month.year * 12 + cfg.first_month.month - 1

    def judge(text: str) -> tuple[int, str | None, str | None]:
        if not text:
            return -1, "missing_period", f"The period is empty; write the month ({PERIOD_EXAMPLES})."
        month = parse_period(text)
        if month is None:
            if text.startswith(FORMULA_PREFIXES):
                return -1, "formula", _formula_message(text)
            if non_ascii_digits(text):
                return -1, "period_digits", _digits_message(text, "period")
            if _OLD_YEAR.search(text):
                return -1, "bad_period", (
                    f"'{_clip(text)}' has a year before 1900 (the year is written with four digits as it stands: "
                    f"0023 is not 2023); write the month as {PERIOD_EXAMPLES}."
                )
            return -1, "bad_period", f"'{_clip(text)}' is not a month; write it as {PERIOD_EXAMPLES}."
        index = month.year * 12 + month.month - 1
        if index > latest:
            return -1, "future_period", (
                f"{format_month(month)} is in the future (today is {today:%-d %b %Y}); correct the period."
            )
        if index < first:
            return -1, "period_before_baseline", (
                f"{format_month(month)} is before {format_month(cfg.first_month)}, the start of the baseline year "
                f"{cfg.baseline_year}/{(cfg.baseline_year + 1) % 100:02d}; correct the period or remove the row."
            )
        return index, None, None

    codes, verdicts, bad = _judge_distinct(series, judge)
    _emit(bad, row_numbers, header, lambda i: verdicts[codes[i]][1:], errors)
    index_of = np.array([v[0] for v in verdicts], dtype=np.int64)
    return index_of[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _check_names(
    series: pd.Series, row_numbers: np.ndarray, header: str, names: _Names, errors: _Collector
) -> np.ndarray:
    # Each distinct text is looked up once; the sentence (with its fuzzy "did you mean") is written only
    # for the problems that are shown, so a million distinct unknown names cost a million dictionary
    # look-ups, not a million fuzzy searches.
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    index_of = names.indices_of(uniques)
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    sentences: dict[int, tuple[str, str]] = {}

    def message(i: int) -> tuple[str, str]:
        code = int(codes[i])
        if code not in sentences:
            _, kind, sentence = names.resolve(str(uniques[code]), suggest=len(sentences) < MAX_SUGGESTIONS)
            sentences[code] = (kind, sentence)
        return sentences[code]

    _emit((index_of < 0)[codes], row_numbers, header, message, errors)
    return index_of[codes]


def _check_values(
    series: pd.Series,
    row_numbers: np.ndarray,
    columns: np.ndarray,
    delimiter: str,
    errors: _Collector,
    warnings: _Collector,
) -> np.ndarray:
    codes, verdicts, bad = _judge_distinct(series, parse_value)
    _emit(bad, row_numbers, columns, lambda i: verdicts[codes[i]][1:], errors)
    value_of = np.array([np.nan if v[0] is None else v[0] for v in verdicts], dtype=np.float64)
    # Warnings that need "load anyway": a figure is read, but perhaps not as the analyst meant it.
    texts = [str(u) for u in pd.unique(series)] if len(series) else []
    doubtful: dict[str, tuple[str, str]] = {}
    for text, verdict in zip(texts, verdicts, strict=True):
        if verdict[1] is not None:
            continue
        if delimiter == ";" and len(text) >= 5 and _EUROPEAN_AMBIGUOUS.fullmatch(text.strip()):
            doubtful[text] = ("separator_ambiguous", (
                f"'{text.strip()}' in a semicolon-separated file is read as {_number(verdict[0])}, but in a European "
                f"spreadsheet the dot is a thousands separator ({text.strip().replace('.', '')}?). Write the figure "
                "without separators (for example 1500), or load anyway only if it is right."
            ))
        elif len(text) > MAX_SIGNIFICANT_DIGITS and significant_digits(text) > MAX_SIGNIFICANT_DIGITS:
            doubtful[text] = ("too_precise", (
                f"'{_clip(text)}' has {significant_digits(text)} significant digits; a figure is kept to about "
                f"{MAX_SIGNIFICANT_DIGITS}, so it would be stored as {verdict[0]!r}. Round it, or load anyway."
            ))
    if doubtful:
        flag = np.array([t in doubtful for t in texts], dtype=bool)[codes]
        where = np.flatnonzero(flag)
        warnings.add_many(len(where), [
            Problem(int(row_numbers[i]), columns[i], doubtful[texts[codes[i]]][1], doubtful[texts[codes[i]]][0],
                    severity="warning", needs_confirmation=True)
            for i in where[:MAX_PROBLEMS]
        ])
    return value_of[codes] if len(codes) else np.zeros(0, dtype=np.float64)


def _describe_key(codes: dict[str, np.ndarray], i: int, vocab: _Vocabulary) -> str:
    month = int(codes["month"][i])
    parts = [vocab.measure.ids[codes["measure"][i]]]
    for kind in ("service", "site", "segment"):
        ident = getattr(vocab, kind).ids[codes[kind][i]]
        parts.append(f"{kind} {ident}")
    return f"{', '.join(parts)}, {format_month(dt.date(month // 12, month % 12 + 1, 1))}"


def _check_duplicates(
    series_key: np.ndarray,
    month_index: np.ndarray,
    rows: np.ndarray,
    columns: np.ndarray,
    codes: dict[str, np.ndarray],
    vocab: _Vocabulary,
    errors: _Collector,
) -> None:
    key = pd.Series(series_key * 100_000 + month_index)
    repeated = key.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return
    first_row = pd.Series(rows).groupby(key.to_numpy()).transform("first").to_numpy()

    def message(i: int) -> tuple[str, str]:
        return "duplicate_row", (
            f"Rows {first_row[i]} and {rows[i]} both give a figure for the same thing "
            f"({_describe_key(codes, i, vocab)}); keep one of the two rows."
        )

    _emit(repeated, rows, columns, message, errors)


def _grain_groups(
    inverse: np.ndarray, count: int, is_total: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (month, measure, segment) group: the first file row giving the total for all of a dimension,
    the first giving a breakdown by it (0 when none), and the position of the group's first value."""
    big = np.iinfo(np.int64).max
    total_row, breakdown_row, first = (np.full(count, big, dtype=np.int64) for _ in range(3))
    np.minimum.at(total_row, inverse, np.where(is_total, rows, big))
    np.minimum.at(breakdown_row, inverse, np.where(is_total, big, rows))
    np.minimum.at(first, inverse, np.arange(len(rows)))
    total_row[total_row == big] = 0
    breakdown_row[breakdown_row == big] = 0
    return total_row, breakdown_row, first


def _check_grain_in_file(
    codes: dict[str, np.ndarray],
    sizes: dict[str, int],
    rows: np.ndarray,
    headers: dict[str, str],
    vocab: _Vocabulary,
    errors: _Collector,
) -> None:
    if not len(rows):
        return
    group = (codes["month"] * sizes["measure"] + codes["measure"]) * sizes["segment"] + codes["segment"]
    _, inverse = np.unique(group, return_inverse=True)
    count = int(inverse.max()) + 1
    for dimension in ("service", "site"):
        total_row, breakdown_row, first = _grain_groups(inverse, count, codes[dimension] == 0, rows)
        mixed = np.flatnonzero((total_row > 0) & (breakdown_row > 0))
        mixed = mixed[np.argsort(total_row[mixed], kind="stable")]
        problems = []
        for g in mixed[:MAX_PROBLEMS]:
            i = int(first[g])
            measure, month = vocab.measure.ids[codes["measure"][i]], _month_label(int(codes["month"][i]))
            problems.append(
                Problem(
                    int(total_row[g]),
                    headers.get(dimension, dimension),
                    f"This row gives {measure} for {month} for all {dimension}s together, while row "
                    f"{breakdown_row[g]} breaks the same figure down by {dimension}; that would count the same "
                    f"activity twice. Send either the breakdown or the total, not both.",
                    "grain",
                )
            )
        errors.add_many(len(mixed), problems)


def _check_available_from(
    codes: dict[str, np.ndarray],
    rows: np.ndarray,
    headers: dict[str, str],
    vocab: _Vocabulary,
    cfg: Config,
    errors: _Collector,
) -> None:
    """A figure for a month before its measure began (`available_from` in config.yaml) is refused: the
    service did not exist then, so the figure belongs to another measure or another month."""
    began = {i: cfg.available_from(m) for i, m in enumerate(vocab.measure.ids)}
    first_index = np.array(
        [b.year * 12 + b.month - 1 if b else -1 for b in (began[i] for i in range(len(vocab.measure.ids)))],
        dtype=np.int64,
    )
    if not len(codes["measure"]) or (first_index < 0).all():
        return
    early = np.flatnonzero(codes["month"] < first_index[codes["measure"]])
    problems = []
    for i in early[:MAX_PROBLEMS]:
        measure = vocab.measure.ids[codes["measure"][i]]
        start = began[codes["measure"][i]]
        problems.append(Problem(
            int(rows[i]), headers.get("period", "period"),
            f"{cfg.measure_by_id[measure].label} began in {format_month(start)} (available_from in config.yaml), "
            f"so there can be no figure for {_month_label(int(codes['month'][i]))}; correct the period or the measure.",
            "before_available",
        ))
    errors.add_many(len(early), problems)


def _month_label(month_index: int) -> str:
    return format_month(dt.date(month_index // 12, month_index % 12 + 1, 1))


# --- comparing with the store ------------------------------------------------------------------------


def _compare_with_store(
    validated: _Validated, store: Store, errors: _Collector, warnings: _Collector, check: UploadCheck, cfg: Config
) -> None:
    rows = validated.rows
    conflicts = store.grain_conflicts(rows)
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
                    f"The store already holds {conflict.measure} for {format_month(month)} {stored}, and this file "
                    f"sends {sent}; together they would count the same activity twice. Send the figures the same "
                    "way as before, or undo the earlier upload first.",
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
    _plausibility(validated, store, warnings)
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
    totals_rows = rows[rows["segment"] == ALL]
    if totals_rows.empty:
        return []
    if len(totals_rows) > COMPLETENESS_PREVIEW_LIMIT:
        return [f"Completeness is not previewed for files of over {COMPLETENESS_PREVIEW_LIMIT:,} values; "
                "the Data coverage page shows it once the file is loaded."]
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


def _plausibility(validated: _Validated, store: Store | None, warnings: _Collector) -> None:
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
    row_numbers, columns, months = rows["row"].to_numpy(), rows["column"].to_numpy(), validated.month_index
    problems = []
    for i in where[:MAX_PROBLEMS]:
        before = _month_label(int(months[i]) - 1)
        origin = f"in row {source[i]}" if source[i] else "already stored"
        direction = "more" if values[i] > previous[i] else "less"
        problems.append(
            Problem(
                int(row_numbers[i]),
                columns[i],
                f"{rows['measure'].iat[i]}: {_number(values[i])} is {jump[i]:.0%} {direction} than the "
                f"{_number(previous[i])} for {before} ({origin}); check the figure, and load anyway only if it is "
                "right.",
                "implausible_change",
                severity="warning",
                needs_confirmation=True,
            )
        )
    warnings.add_many(len(where), problems)


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


def _row_list(rows: pd.Series, limit: int = 5) -> str:
    numbers = sorted(set(int(r) for r in rows))
    text = ("row " if len(numbers) == 1 else "rows ") + ", ".join(str(n) for n in numbers[:limit])
    return text + (f" and {len(numbers) - limit:,} more" if len(numbers) > limit else "")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


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
        check.rows, file_name=check.file_name, sha256=check.sha256, actor=actor, note=note.strip()
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


def summary_text(check: UploadCheck) -> str:
    """One paragraph: what the file is and what loading it would do."""
    about = f"{check.file_name}: {check.data_rows:,} data row(s)"
    if check.layout:
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


# --- templates ------------------------------------------------------------------------------------


def template_csv(cfg: Config, layout: str) -> str:
    """A CSV template generated from config.yaml.

    Long: the header and one row per measure with period and value left empty (so an unfilled template
    is refused, never loaded). Wide: the header only, one column per measure id."""
    if layout == "long":
        rows = [["period", "measure", "service", "site", "segment", "value"]]
        rows += [["", measure.id, "", "", "", ""] for measure in cfg.measures]
    elif layout == "wide":
        rows = [["period", "service", "site", "segment", *(m.id for m in cfg.measures)]]
    elif layout == "names":
        rows = [["kind", "id", "label", "other accepted names"]]
        for kind, items in (("measure", cfg.measures), ("service", cfg.services), ("site", cfg.sites),
                            ("segment", cfg.segments)):
            rows += [[kind, item.id, item.label, "; ".join(getattr(item, "aliases", []))] for item in items]
    else:
        raise ValueError(f"unknown template layout '{layout}'; use long, wide or names.")
    return csv_rows_text(rows)


TEMPLATE_FILES = {
    "long": "upload_template_long.csv",
    "wide": "upload_template_wide.csv",
    "names": "upload_names.csv",
}


def write_templates(cfg: Config, directory: str | Path = TEMPLATE_DIR) -> list[Path]:
    """Write the long and wide templates and the names list into `directory` (data/templates/)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for layout, name in TEMPLATE_FILES.items():
        path = directory / name
        path.write_text(template_csv(cfg, layout), encoding="utf-8")
        written.append(path)
    return written
