"""Text a person or a file supplied, made safe for where it goes: a page, a spreadsheet, a terminal.

One decision, one function (STYLE.md "User text is data, never markup"):

- `escape_markdown(text)`: for any Streamlit element that interprets markdown (st.markdown, captions,
  st.success / info / warning / error, st.table cells) and for HTML built for st.markdown. Every
  character markdown or HTML acts on becomes a numeric character reference, which both the markdown
  parser and the HTML parser show as the character itself; line breaks become spaces (a blank line
  would end an HTML block and start a heading); addresses are broken with an invisible word joiner so
  GitHub-flavoured markdown does not turn them into links.
- `csv_frame(frame)` / `csv_text(frame)` / `csv_bytes(frame)` / `write_csv(frame, path)`: every CSV
  the product writes (export, page downloads, templates, problem lists, reports), guarded as OWASP's
  CSV-injection guidance says: a text cell starting with = + - @ tab or CR gets a leading apostrophe
  (a genuine number such as -5 is left alone), and CR, LF, NUL and other control characters inside a
  cell become spaces, so no reader, whatever it takes for a line end, sees a row start with a formula.
- `terminal_safe(text)`: for command-line output; control characters (ANSI escapes among them) are
  shown as visible \\x1b-style text instead of acting on the terminal.

Pure: no Streamlit, no I/O beyond `write_csv`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

# Characters markdown (CommonMark, GFM, Streamlit's :colour[...] and $math$) or HTML act on anywhere in a
# line. Brackets are enough to stop links and images; parentheses, "!", ".", ":", "-", "+" and quotes act
# only next to them or in places handled below, so sentences stay readable.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]#|<>~$&")
# At the start of the text: a list item ("- ", "+ ", "1. "), a quote or a setext underline.
_LEADING_MARKER = re.compile(r"^(\s*)([-+=>]|\d+[.)])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")
# C0 and C1 controls and DEL; tab is kept as a space.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# GFM turns "http://…", "www.…" and "a@b.c" into links even when written with character references
# (it looks at the decoded text), so a word joiner (U+2060, invisible) goes where it breaks the pattern.
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")


def escape_markdown(text: object) -> str:
    """`text` shown exactly as typed by any element that renders markdown or HTML, on one line."""
    if text is None:
        return ""
    text = str(text)
    text = _LINE_BREAKS.sub(" ", text).replace("\t", " ")
    text = _CONTROLS.sub("", text)
    text = _AUTOLINK.sub(_WORD_JOINER, text)
    escaped = "".join(f"&#{ord(ch)};" if ch in _MARKDOWN_SPECIAL else ch for ch in text)
    return _LEADING_MARKER.sub(lambda m: m.group(1) + m.group(2)[:-1] + f"&#{ord(m.group(2)[-1])};", escaped)


# --- CSV ---------------------------------------------------------------------------------------------

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets
# (OWASP CSV injection); the full-width forms are read as formulas by East Asian Excel.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_START = re.compile(r"^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
# A text cell that is just a number (say "-5" or "+1.5e3") is data, not a formula; left as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_CELL_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def csv_cell(value: object) -> object:
    """One cell as the guarded writer writes it (numbers, dates and missing values pass unchanged)."""
    if not isinstance(value, str):
        return value
    value = _CELL_CONTROLS.sub(" ", value)
    if _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def _guard_column(column: pd.Series) -> pd.Series:
    if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return column
    text = column.astype(object)
    is_text = text.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not is_text.any():
        return column
    strings = pd.Series(text[is_text].to_numpy(dtype=object), dtype=object)
    cleaned = strings.str.replace(_CELL_CONTROLS, " ", regex=True)
    formula = cleaned.str.match(_FORMULA_START) & ~cleaned.str.strip().str.match(_PLAIN_NUMBER)
    cleaned = cleaned.where(~formula, "'" + cleaned)
    out = text.copy()
    out[is_text] = cleaned.to_numpy(dtype=object)
    return out


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and header) guarded; numeric columns are untouched."""
    safe = frame.copy()
    safe.columns = [csv_cell(str(c)) for c in safe.columns]
    for position in range(safe.shape[1]):
        safe.isetitem(position, _guard_column(safe.iloc[:, position]))
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as guarded CSV text with a header row ("\\n" line ends)."""
    return csv_frame(frame).to_csv(index=False, lineterminator="\n")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Guarded CSV for a download: UTF-8 with BOM, so Excel reads "£" and "–"."""
    return csv_text(frame).encode("utf-8-sig")


def csv_rows_text(rows: list[list[object]]) -> str:
    """Guarded CSV from rows of cells (the first row is the header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def write_csv(frame: pd.DataFrame, path: str | Path, *, header: bool = True, mode: str = "w") -> None:
    """Append or write `frame` to `path` as guarded UTF-8 CSV."""
    csv_frame(frame).to_csv(path, index=False, header=header, mode=mode, lineterminator="\n", encoding="utf-8")


# --- lengths ---------------------------------------------------------------------------------------------

# A person's name, a note kept with an upload or a review, a file name: enough for any real one, and a
# bound on what a page, a pack or an export has to show.
MAX_NAME_CHARS = 100
MAX_NOTE_CHARS = 1000
MAX_FILE_NAME_CHARS = 255


def require_length(text: str, limit: int, what: str) -> str:
    """`text` stripped, or ValueError with a sentence when it is longer than `limit` characters."""
    text = (text or "").strip()
    if len(text) > limit:
        raise ValueError(f"The {what} is {len(text):,} characters long; shorten it to {limit:,} or fewer. "
                         "Nothing was changed.")
    return text


# --- terminals ------------------------------------------------------------------------------------------

_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TERMINAL_CONTROLS_AND_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object, *, keep_lines: bool = True) -> str:
    """`text` for a terminal: escape sequences, other control characters and bidirectional overrides
    are shown as visible `\\x1b`-style text; line breaks (and tabs) are kept when `keep_lines`."""
    text = "" if text is None else str(text)
    if keep_lines:
        return _TERMINAL_CONTROLS.sub(_visible, text.replace("\r\n", "\n"))
    return _TERMINAL_CONTROLS_AND_LINES.sub(_visible, text)
