"""RTT waiting times, full CSV extract (NHS England, monthly): one row per period × provider ×
commissioner × RTT part × treatment function, with waiting-time week bands.

Published at https://www.england.nhs.uk/statistics/statistical-work-areas/rtt-waiting-times/ ("Full CSV
data file"). Until March 2021 the bands run `Gt 00 To 01 Weeks SUM 1` … `Gt 51 To 52 Weeks SUM 1`,
`Gt 52 Weeks SUM 1` (69 columns); from April 2021 to `Gt 104 Weeks SUM 1` (121 columns). Both are read.
"""

from __future__ import annotations

import re

from data.ingest.formats.layout import Layout, fold

PARTS = ("Part_1A", "Part_1B", "Part_2", "Part_2A", "Part_3")
# Treatment function codes as published in the extract (the 2020/21 list, and those added in 2021/22).
# C_999 is the total of the others and X01 ("Other") the rest; neither is ever added to a specialty.
TREATMENT_FUNCTIONS = {
    "C_100": "General Surgery", "C_101": "Urology", "C_110": "Trauma and Orthopaedic", "C_120": "Ear Nose and Throat",
    "C_130": "Ophthalmology", "C_140": "Oral Surgery", "C_150": "Neurosurgical", "C_160": "Plastic Surgery",
    "C_170": "Cardiothoracic Surgery", "C_300": "General Internal Medicine", "C_301": "Gastroenterology",
    "C_320": "Cardiology", "C_330": "Dermatology", "C_340": "Respiratory Medicine", "C_400": "Neurology",
    "C_410": "Rheumatology", "C_430": "Elderly Medicine", "C_502": "Gynaecology", "X01": "Other",
    "X02": "Other - Medical Services", "X03": "Other - Mental Health Services", "X04": "Other - Paediatric Services",
    "X05": "Other - Surgical Services", "X06": "Other - Other Services", "C_999": "Total",
}
TOTAL_TFC = "C_999"

LAYOUT = Layout(
    id="rtt",
    title="NHS England RTT full CSV extract",
    published="NHS England, Statistics › RTT waiting times › the year's page › Full CSV data file (monthly)",
    signature=("period", "provider org code", "rtt part type", "treatment function code"),
    required=("Period", "Provider Org Code", "Commissioner Org Code", "RTT Part Type", "Treatment Function Code"),
    period_column="period",
    period_prefix="RTT",
    org_column="provider org code",
    commissioner_column="commissioner org code",
    category_column="rtt part type",
    categories=frozenset(fold(p) for p in PARTS),
    tfc_column="treatment function code",
)

_BAND = re.compile(r"gt (\d+) to (\d+) weeks sum 1")
_OPEN_BAND = re.compile(r"gt (\d+) weeks sum 1")


def week_bands(folded_header: list[str]) -> list[tuple[int, int | None, int]]:
    """(from week, to week or None for the open band, column position) for each week-band column."""
    bands = []
    for position, name in enumerate(folded_header):
        if match := _BAND.fullmatch(name):
            bands.append((int(match.group(1)), int(match.group(2)), position))
        elif match := _OPEN_BAND.fullmatch(name):
            bands.append((int(match.group(1)), None, position))
    return bands


def band_columns(bands, weeks_from: int | None, weeks_under: int | None) -> list[int] | None:
    """The band columns that add up to "waiting `weeks_from` weeks or more" or "under `weeks_under`
    weeks"; None when this layout's bands cannot give it (the 52-week-and-over band of the pre-April-2021
    layout holds the 104-week waiters too)."""
    if weeks_from is not None:
        if not any(low == weeks_from for low, _, _ in bands):
            return None
        return [position for low, _, position in bands if low >= weeks_from]
    if weeks_under is not None:
        if not any(high == weeks_under for _, high, _ in bands):
            return None
        return [position for _, high, position in bands if high is not None and high <= weeks_under]
    return []


def tfc_number(code: str) -> str | None:
    """The number a service's TFC alias is written with ("C_110" → "110"); None for X01 … and C_999."""
    return code[2:] if code.startswith("C_") and code != TOTAL_TFC else None
