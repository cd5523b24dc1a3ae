"""A&E attendances and emergency admissions, monthly CSV (MSitAE; NHS England): one row per period ×
organisation, with a TOTAL row for England.

Published at https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/
(the year's page, "Monthly A&E … CSV").
"""

from __future__ import annotations

from data.ingest.formats.layout import Layout

LAYOUT = Layout(
    id="ae",
    title="NHS England A&E attendances and emergency admissions monthly CSV",
    published="NHS England, Statistics › A&E attendances and emergency admissions › the year's page (monthly CSV)",
    signature=("period", "org code", "parent org", "org name"),
    required=("Period", "Org Code"),
    period_column="period",
    period_prefix="MSitAE",
    org_column="org code",
    totals=frozenset({"total"}),
)
