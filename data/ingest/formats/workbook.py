"""Excel workbooks as NHS England publishes them (the cancer waiting times extract, the MAR), read with
openpyxl (read-only, values not formulas): the header row is found by its names under any metadata rows
above it, and every cell becomes the text a CSV would hold."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pandas as pd

from data.ingest.formats.layout import Layout
from data.ingest.reading import _Table

# The header is looked for in this many rows of each of this many sheets (the MAR has about a dozen
# metadata rows above it).
HEADER_SEARCH_ROWS = 50
SHEETS_SEARCHED = 10
ENCODING = "Excel workbook (.xlsx)"


def cell_text(value: object) -> str:
    """A cell as text: 12455.0 → "12455", a date → "2020-12-01", empty → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_workbook(data: bytes, detect) -> tuple[_Table, Layout] | None:
    """The first sheet whose header (within its first rows) is a national layout, as a table whose
    records keep their spreadsheet row numbers; None when the workbook holds none (or is no workbook)."""
    import openpyxl  # imported here: only a workbook upload pays for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return None
    try:
        for sheet in book.worksheets[:SHEETS_SEARCHED]:
            header: list[str] | None = None
            header_row = 1
            layout = None
            records: list[list[str]] = []
            numbers: list[int] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                texts = [cell_text(v) for v in values]
                if header is None:
                    if number > HEADER_SEARCH_ROWS:
                        break
                    layout = detect(texts)
                    if layout is not None:
                        while texts and not texts[-1].strip():
                            texts.pop()
                        header, header_row = texts, number
                    continue
                if not any(t.strip() for t in texts):
                    continue
                records.append((texts + [""] * len(header))[: len(header)])
                numbers.append(number)
            if header is not None:
                cells = pd.DataFrame(records, columns=range(len(header)), dtype="str") if records else \
                    pd.DataFrame(columns=range(len(header)), dtype="str")
                table = _Table([h.strip() for h in header], cells.astype("str"), ENCODING, ",",
                               np.array(numbers, dtype=np.int64), header_row)
                return table, layout
    finally:
        book.close()
    return None
