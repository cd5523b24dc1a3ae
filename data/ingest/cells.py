"""Parsing single cells (pure): months, figures, names folded for matching, short texts."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

import pandas as pd

from data.ingest.common import FORMULA_PREFIXES, TYPOGRAPHIC
from metrics.compute import MAX_PLAUSIBLE_VALUE
from metrics.config import normalise_name

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




def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters



def _row_list(rows: pd.Series, limit: int = 5) -> str:
    numbers = sorted(set(int(r) for r in rows))
    text = ("row " if len(numbers) == 1 else "rows ") + ", ".join(str(n) for n in numbers[:limit])
    return text + (f" and {len(numbers) - limit:,} more" if len(numbers) > limit else "")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
