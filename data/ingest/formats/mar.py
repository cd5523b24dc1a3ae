"""Monthly Activity Return, MAR (NHS England, monthly; published as an Excel workbook with a block of
metadata rows above the header): one row per provider with elective and non-elective G&A admissions
(FFCEs), referrals and first outpatient attendances. Several headers carry trailing spaces; `-` means
none and figures are written like `12,455`. Year like `2020-21`, Period like `May`.

Published at https://www.england.nhs.uk/statistics/statistical-work-areas/hospital-activity/monthly-hospital-activity/
"""

from __future__ import annotations

from data.ingest.formats.layout import Layout

LAYOUT = Layout(
    id="mar",
    title="NHS England Monthly Activity Return (MAR)",
    published="NHS England, Statistics › Hospital activity › Monthly hospital activity (provider workbook)",
    signature=("year", "period", "org code", "org name"),
    required=("Year", "Period", "Org Code"),
    period_column="period",
    period_prefix="",
    period_kind="year_and_month",
    year_column="year",
    org_column="org code",
    totals=frozenset({"total", "england"}),
)
