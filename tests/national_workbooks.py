"""The national files NHS England publishes as Excel workbooks, written at test time with openpyxl in
the published layouts (the cancer waiting times provider extract; the MAR with its metadata rows above
the header, trailing spaces in headers, `-` for none and `12,455`)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

CWT_HEADER = ["PERIOD", "STANDARD", "ORG CODE", "TREATMENT MODALITY", "CANCER TYPE", "STAGE/ROUTE", "TOTAL",
              "WITHIN STANDARD", "BREACHES"]
# (standard, org, modality, cancer type, route, total, within): RJZ's rows, an "All Cancers" total, another trust.
CWT_ROWS = [
    ("2WW", "RJZ", "", "Suspected breast cancer", "URGENT SUSPECTED CANCER", 300, 280),
    ("2WW", "RJZ", "", "Suspected lower gastrointestinal cancer", "URGENT SUSPECTED CANCER", 250, 200),
    ("2WW", "RJZ", "", "All Cancers", "URGENT SUSPECTED CANCER", 550, 480),
    ("31 Days", "RJZ", "Surgery", "Breast", "FIRST TREATMENT", 40, 38),
    ("31 Days", "RJZ", "Anti-cancer drug regimen", "Lung", "FIRST TREATMENT", 12, 12),
    ("62 Days", "RJZ", "Surgery", "Breast", "URGENT SUSPECTED CANCER", 20, 17),
    ("62 Days", "RJZ", "Surgery", "Urological", "URGENT SUSPECTED CANCER", 15, 9),
    ("62 Days", "RJZ", "ALL", "All Cancers", "URGENT SUSPECTED CANCER", 35, 26),
    ("62 Days", "RJ1", "Surgery", "Breast", "URGENT SUSPECTED CANCER", 60, 50),
]
MAR_HEADER = ["Year", "Period ", "Region Code", "Region Name", "Org Code ", "Org Name",
              "Elective G&A Ordinary Admissions (FFCEs) ", "Elective G&A Daycase Admissions (FFCEs) ",
              "Total Non-elective G&A Admissions (FFCEs)", "GP Referrals Made (G&A)", "Other Referrals Made (G&A)",
              "All 1st Outpatient Attendances (G&A) "]
MAR_METADATA = [
    ["Title:", "Monthly Hospital Activity Data"],
    ["Summary:", "Monthly Activity Return (MAR): provider based"],
    ["Period:", "May 2020"],
    ["Source:", "Monthly Activity Return (MAR)"],
    ["Basis:", "Provider"],
    ["Published:", "9 July 2020"],
    ["Status:", "Published"],
    ["Contact:", "england.nhsdata@nhs.net"],
    [],
]
MAR_ROWS = [
    ["2020-21", "May", "Y56", "LONDON", "RJZ", "KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST", "1,204", "4,510", "-",
     "6,200", "3,100", "12,455"],
    ["2020-21", "May", "Y56", "LONDON", "RJ1", "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST", 2000, 7000, 9000, 8000,
     4000, 20000],
    ["2020-21", "May", "-", "ENGLAND", "-", "TOTAL", "3,204", "11,510", "9,000", "14,200", "7,100", "32,455"],
]


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cwt_workbook(period: object = dt.datetime(2020, 12, 1), rows=CWT_ROWS, header=CWT_HEADER) -> bytes:
    body = [[period, s, org, modality, cancer, route, total, within, total - within]
            for s, org, modality, cancer, route, total, within in rows]
    return workbook([header, *body])


def mar_workbook(rows=MAR_ROWS, header=MAR_HEADER) -> bytes:
    return workbook([*MAR_METADATA, header, *rows])
