"""What a national file looks like: the columns that recognise it and the columns it is read by."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPACES = re.compile(r"\s+")


def fold(text: object) -> str:
    """A header or code as compared: case-insensitive, surrounding and repeated spaces ignored (several
    published headers carry trailing spaces)."""
    return _SPACES.sub(" ", str(text)).strip().lower()


@dataclass(frozen=True)
class Layout:
    """One published layout. `signature` (folded header names) recognises it; `required` must then all be
    present, or the file is refused with the missing column named."""

    id: str
    title: str  # "NHS England RTT full CSV extract"
    published: str  # where NHS England publishes it (README, page help)
    signature: tuple[str, ...]
    required: tuple[str, ...]
    period_column: str
    period_prefix: str  # "RTT" in "RTT-December-2020"
    org_column: str  # the provider (or the organisation, for A&E)
    commissioner_column: str | None = None
    category_column: str | None = None  # RTT part, DM01 test
    categories: frozenset[str] = field(default_factory=frozenset)  # folded known values
    totals: frozenset[str] = field(default_factory=frozenset)  # folded values that are totals of the others
    tfc_column: str | None = None
    # How the period is written: "prefixed" (RTT-December-2020), "month" (any month a cell can hold: a
    # date, 2020-12, Dec-20 …) or "year_and_month" (a financial year 2020-21 in `year_column`, May in the period).
    period_kind: str = "prefixed"
    year_column: str | None = None
    # A column whose `totals` values mark a row as the total of the others (CWT's cancer type).
    total_column: str | None = None

    def recognises(self, folded_header: set[str]) -> bool:
        return all(name in folded_header for name in self.signature)
