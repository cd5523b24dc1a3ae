"""Months and NHS financial years: parsing "YYYY-MM", UK labels ("Jul 2020"), April–March years."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pandas as pd

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Stored timestamps are naive UTC; people read them in UK local time (GMT or BST).
UK = ZoneInfo("Europe/London")


def parse_month(text: str) -> dt.date:
    """Return the first day of the month written as "YYYY-MM"; raise ValueError with a sentence."""
    match = _MONTH_RE.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month: write it as YYYY-MM, for example 2020-07.")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def to_month(value: object) -> dt.date:
    """Normalise a date, datetime, pandas Timestamp or "YYYY-MM" text to the first of its month."""
    if isinstance(value, str):
        return parse_month(value[:7])
    if hasattr(value, "year") and hasattr(value, "month"):
        return dt.date(value.year, value.month, 1)
    raise ValueError(f"'{value}' is not a month.")


def add_months(month: dt.date, n: int) -> dt.date:
    """Return the month n months after (or before, for negative n) the given month."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every month from start to end inclusive."""
    months, current = [], to_month(start)
    end = to_month(end)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def format_month(month: object) -> str:
    """UK short label: "Jul 2020"."""
    return to_month(month).strftime("%b %Y")


def format_month_long(month: object) -> str:
    """UK long label: "July 2020"."""
    return to_month(month).strftime("%B %Y")


def month_key(month: object) -> str:
    """Machine label: "2020-07"."""
    return to_month(month).strftime("%Y-%m")


def financial_year_start(month: object) -> int:
    """The calendar year in which the month's April–March financial year starts (Jan 2021 → 2020)."""
    m = to_month(month)
    return m.year if m.month >= 4 else m.year - 1


def financial_year_label(month: object) -> str:
    """NHS financial year label: "2020/21"."""
    start = financial_year_start(month)
    return f"{start}/{(start + 1) % 100:02d}"


def baseline_month(month: object, baseline_year: int) -> dt.date:
    """The same calendar month within the baseline financial year (Jul 2020, 2019 → Jul 2019)."""
    m = to_month(month)
    year = baseline_year if m.month >= 4 else baseline_year + 1
    return dt.date(year, m.month, 1)


def format_uk_time(moment: object, missing: str = "–") -> str:
    """A stored UTC timestamp as UK local time: "22 Nov 2026, 07:30"; `missing` when there is none."""
    if moment is None or pd.isna(moment):
        return missing
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(UK).strftime("%-d %b %Y, %H:%M")
