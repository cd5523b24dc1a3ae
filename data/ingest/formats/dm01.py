"""Diagnostic waiting times and activity, DM01 (NHS England, monthly): one row per period × provider ×
commissioner × test, with waiting-list week bands and activity.

Published at https://www.england.nhs.uk/statistics/statistical-work-areas/diagnostics-waiting-times-and-activity/
(the year's page, "Monthly Diagnostics Data" provider CSV). A TOTAL row per provider and commissioner is
the sum of the tests and is never added to them.
"""

from __future__ import annotations

from data.ingest.formats.layout import Layout, fold

# The 15 DM01 tests, as the short codes and the names the files have used.
TESTS = (
    "MRI", "Magnetic Resonance Imaging", "CT", "Computed Tomography", "NON_OBSTETRIC_ULTRASOUND",
    "Non-obstetric ultrasound", "BARIUM_ENEMA", "Barium Enema", "DEXA", "DEXA Scan", "AUDIOLOGY",
    "Audiology - Audiology Assessments", "ECHOCARDIOGRAPHY", "Cardiology - echocardiography",
    "ELECTROPHYSIOLOGY", "Cardiology - electrophysiology", "NEUROPHYSIOLOGY",
    "Neurophysiology - peripheral neurophysiology", "SLEEP_STUDIES", "Respiratory physiology - sleep studies",
    "URODYNAMICS", "Urodynamics - pressures & flows", "COLONOSCOPY", "Colonoscopy", "FLEXI_SIGMOIDOSCOPY",
    "Flexi sigmoidoscopy", "CYSTOSCOPY", "Cystoscopy", "GASTROSCOPY", "Gastroscopy",
)

LAYOUT = Layout(
    id="dm01",
    title="NHS England DM01 diagnostic waiting times and activity",
    published="NHS England, Statistics › Diagnostics waiting times and activity › the year's page (monthly CSV)",
    signature=("period", "provider org code", "diagnostic tests"),
    required=("Period", "Provider Org Code", "Commissioner Org Code", "Diagnostic Tests"),
    period_column="period",
    period_prefix="DM01",
    org_column="provider org code",
    commissioner_column="commissioner org code",
    category_column="diagnostic tests",
    categories=frozenset(fold(t) for t in TESTS),
    totals=frozenset({"total"}),
)
