"""Reading bytes into cells: encodings, separators, binary files, the fast and the careful reader."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from data.ingest.cells import _column_letter
from data.ingest.common import BINARY_SIGNATURES, FIRST_DATA_ROW, MAX_COLUMNS, MAX_HEADER_CHARS, SNIFF_BYTES, Problem

# --- reading bytes into cells -----------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    cells: pd.DataFrame  # one str column per header position; index = record number (0 = first data row)
    encoding: str
    delimiter: str
    # The spreadsheet row of each record, when it is not its position + FIRST_DATA_ROW (a national file's
    # canonical rows point back to the first row of the published file each was summed from).
    rows: np.ndarray | None = None
    header_row: int = 1  # the spreadsheet row of the header (below a workbook's metadata rows)


class _Unreadable(Exception):
    def __init__(self, kind: str, message: str, row: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.row = row


@dataclass
class _Text:
    """A file's text. A UTF-8 file (most are) is checked to be UTF-8 without being decoded whole: the fast
    reader takes its bytes as they are, and only the first line (and the careful reader, if it is needed)
    is decoded, which spares a copy of the file as a Python string."""

    data: bytes
    encoding: str  # "UTF-8", "UTF-8 with BOM", "UTF-16", "Windows-1252"
    _decoded: str | None = None

    @functools.cached_property
    def body(self) -> bytes:
        """The text as UTF-8 bytes, without a byte-order mark (worked out once: for a file with a mark it
        is a copy, read for the first line, the sample and the fast reader)."""
        if self.encoding == "UTF-8":
            return self.data
        if self.encoding == "UTF-8 with BOM":
            return self.data[3:]
        return self.text.encode("utf-8")

    @property
    def text(self) -> str:
        if self._decoded is None:
            self._decoded = self.body.decode("utf-8")
        return self._decoded

    def first_line(self) -> str:
        if self._decoded is not None:
            found = _LINE_BREAK.search(self._decoded)
            return self._decoded[: found.start()] if found else self._decoded
        # UTF-8 never uses the bytes of CR or LF inside another character, so the first break in the bytes
        # is the first in the text.
        body = self.body
        found = _LINE_BREAK_BYTES.search(body)
        return (body[: found.start()] if found else body).decode("utf-8")

    def start(self, characters: int) -> str:
        """The first `characters` characters."""
        if self._decoded is not None:
            return self._decoded[:characters]
        decoder = codecs.getincrementaldecoder("utf-8")()
        return decoder.decode(self.body[: characters * 4])[:characters]


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8, checked a few megabytes at a time (ASCII at once)."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHECK_BYTES):
            decoder.decode(view[start : start + _CHECK_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_CHECK_BYTES = 1 << 22


def _decode(data: bytes) -> _Text:
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
        return _Text(data, "UTF-16", text)
    if b"\x00" in data[:SNIFF_BYTES]:
        raise _Unreadable("not_text", _not_text_message())
    if data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf"):
        raise _Unreadable("double_bom", _DOUBLE_BOM_MESSAGE, 1)
    if data.startswith(b"\xef\xbb\xbf"):
        if _is_utf8(data[3:]):
            return _Text(data, "UTF-8 with BOM")
        try:
            data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            row = data[: exc.start + 3].count(b"\n") + 1
            raise _Unreadable(
                "encoding",
                "The file is marked as UTF-8, but this row holds characters that are not UTF-8 (the file was "
                "probably edited in two programs); save it again from Excel as CSV UTF-8.",
                row,
            ) from None
    if _is_utf8(data):
        decoded = _Text(data, "UTF-8")
    else:
        try:
            decoded = _Text(data, "Windows-1252", data.decode("cp1252"))
        except UnicodeDecodeError:
            raise _Unreadable("not_text", _not_text_message()) from None
    sample = decoded.start(SNIFF_BYTES)
    controls = [i for i, ch in enumerate(sample) if ord(ch) < 32 and ch not in "\t\r\n"]
    if len(controls) > max(2, len(sample) // 100):
        # The row of the first control character, for a text file with a stretch of binary in it.
        raise _Unreadable("not_text", _not_text_message(), len(_LINE_BREAK.findall(sample[: controls[0]])) + 1)
    return decoded


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
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\r|\n")


def _detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])  # ties keep the first: comma, then semicolon
    return best if counts[best] else ","


def _read_table(text: _Text) -> tuple[_Table, list[Problem]]:
    first_line = text.first_line()
    delimiter = _detect_delimiter(first_line)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error:
        header = first_line.split(delimiter)
    _check_header_size(header)
    width = max(len(header), 1)
    try:
        table = _read_fast(text.body, delimiter, width)
        cells = table.to_pandas()
        cells.columns = range(width)
        header = [str(h) for h in cells.iloc[0].tolist()] if len(cells) else header
        cells = cells.iloc[1:].reset_index(drop=True)
        problems: list[Problem] = []
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        header, cells, problems = _read_slow(text.text, delimiter)
    return _Table([h.strip() for h in header], cells, text.encoding, delimiter), problems


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
