"""Cancer waiting times, provider extract (NHS England, monthly; published as an Excel workbook): one row
per period × standard × organisation × treatment modality × cancer type × stage/route, with the patients
seen or treated, those within the standard and the breaches.

Published at https://www.england.nhs.uk/statistics/statistical-work-areas/cancer-waiting-times/ (the
year's page, "Provider based" extract). Rows whose cancer type is a total of the others ("All Cancers")
are never added to them.
"""

from __future__ import annotations

from data.ingest.formats.layout import Layout, fold

STANDARDS = (
    "2WW", "2WW Breast", "28 Day FDS", "31 Days", "31 Days Sub Surgery", "31 Days Sub Drug",
    "31 Days Sub Radiotherapy", "31 Days Sub Other", "62 Days", "62 Days Screening", "62 Days Upgrade",
)

LAYOUT = Layout(
    id="cwt",
    title="NHS England cancer waiting times provider extract",
    published="NHS England, Statistics › Cancer waiting times › the year's page (provider based extract, XLSX)",
    signature=("period", "standard", "org code", "cancer type"),
    required=("PERIOD", "STANDARD", "ORG CODE", "CANCER TYPE", "TOTAL", "WITHIN STANDARD"),
    period_column="period",
    period_prefix="",
    period_kind="month",
    org_column="org code",
    category_column="standard",
    categories=frozenset(fold(s) for s in STANDARDS),
    total_column="cancer type",
    totals=frozenset({"all cancers", "all", "total"}),
)
