"""NHS England's national files loaded as published (data/ingest/formats): each fixture in
tests/fixtures/national is in the published layout and loads to the literal values worked out by hand in
the comments; malformed variants are refused with their row and column and change nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data import ingest
from data.ingest.formats import detect, parse_national_period
from data.store import MIGRATIONS, Store
from metrics.config import Config, ConfigError, parse_config
from tests.actors import named
from tests.national_workbooks import CWT_HEADER, CWT_ROWS, MAR_HEADER, MAR_ROWS, cwt_workbook, mar_workbook, workbook

NATIONAL = Path(__file__).resolve().parents[1] / "fixtures" / "national"
TODAY = dt.date(2022, 6, 1)
ANALYST = named("National file test")


def _check(name: str, cfg: Config, store: Store | None = None, data: bytes | None = None) -> ingest.UploadCheck:
    data = data if data is not None else (NATIONAL / name).read_bytes()
    return ingest.check_upload(data, name, cfg, store, today=TODAY)


def _stored(store: Store) -> dict[tuple[str, str, str], float]:
    facts = store.facts()
    return {(r.measure, r.service, r.site): r.value for r in facts.itertuples()}


def _replace(name: str, old: str, new: str, count: int = 1) -> bytes:
    text = (NATIONAL / name).read_bytes().decode("utf-8")
    assert old in text
    return text.replace(old, new, count).encode("utf-8")


# --- recognition -----------------------------------------------------------------------------------


def test_layouts_are_recognised_from_the_header_and_ours_are_not():
    rtt_header = (NATIONAL / "rtt_full_extract_2020_12.csv").read_text().splitlines()[0].split(",")
    assert detect(rtt_header).id == "rtt"
    assert len(rtt_header) == 69
    assert len((NATIONAL / "rtt_full_extract_2021_04.csv").read_text().splitlines()[0].split(",")) == 121
    assert detect(["period", "measure", "service", "site", "segment", "value"]) is None
    assert detect(["Period", "Org Code", "Parent Org", "Org name "]).id == "ae"  # trailing space as published
    assert parse_national_period("RTT-December-2020", "RTT") == (2020, 12)
    assert parse_national_period("DM01-JULY-2020", "DM01") == (2020, 7)
    assert parse_national_period("RTT-Decembre-2020", "RTT") is None


# --- each format loads to literal values -------------------------------------------------------------


def test_rtt_extract_loads_by_service_without_the_total_or_other_providers(cfg, empty_store):
    check = _check("rtt_full_extract_2020_12.csv", cfg, empty_store)
    assert check.ok, ingest.format_report(check)
    assert check.source_format == "NHS England RTT full CSV extract, December 2020"
    assert check.kept_text == "kept 11 of 13 rows: provider RJZ"
    summary = ingest.summary_text(check)
    assert "NHS England RTT full CSV extract, December 2020; kept 11 of 13 rows: provider RJZ" in summary
    notes = " ".join(check.format_notes)
    assert "C_140 Oral Surgery" in notes and "C_999" in notes
    assert "Patients waiting 104 weeks or more (RTT) is not in this layout" in notes
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    # T&O: 72Q (10 + 5 + 3 + 2 = 20) + 09D (4 + 1 = 5, and 1 with an unknown clock start) summed to the
    # provider; ophthalmology's "1,200"; C_140 has no service; C_999 and RJ1 never added.
    assert _stored(empty_store) == {
        ("rtt_waiting_list", "trauma_orthopaedics", "All"): 26.0,
        ("rtt_within_18_weeks", "trauma_orthopaedics", "All"): 19.0,
        ("rtt_52_week_waiters", "trauma_orthopaedics", "All"): 3.0,
        ("rtt_waiting_list", "ophthalmology", "All"): 1200.0,
        ("rtt_within_18_weeks", "ophthalmology", "All"): 1200.0,
        ("rtt_52_week_waiters", "ophthalmology", "All"): 0.0,
        ("rtt_clock_stops_admitted", "trauma_orthopaedics", "All"): 4.0,
        ("rtt_clock_starts", "trauma_orthopaedics", "All"): 9.0,
        ("rtt_clock_stops_non_admitted", "trauma_orthopaedics", "All"): 6.0,
        ("rtt_clock_stops_admitted", "ophthalmology", "All"): 30.0,
        ("rtt_clock_stops_non_admitted", "ophthalmology", "All"): 90.0,
        ("rtt_clock_starts", "ophthalmology", "All"): 140.0,
    }
    assert set(empty_store.facts()["month"].astype(str)) == {"2020-12-01"}
    uploads = empty_store.uploads()
    assert uploads["source_format"].tolist() == ["NHS England RTT full CSV extract, December 2020"]


def test_rtt_extract_from_april_2021_gives_104_week_waiters(cfg, empty_store):
    check = _check("rtt_full_extract_2021_04.csv", cfg, empty_store)
    assert check.ok, ingest.format_report(check)
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert _stored(empty_store) == {
        ("rtt_waiting_list", "trauma_orthopaedics", "All"): 6.0,
        ("rtt_within_18_weeks", "trauma_orthopaedics", "All"): 3.0,
        ("rtt_52_week_waiters", "trauma_orthopaedics", "All"): 3.0,  # Gt 60 To 61 (2) + Gt 104 (1)
        ("rtt_104_week_waiters", "trauma_orthopaedics", "All"): 1.0,
    }


def test_dm01_sums_tests_and_commissioners_never_the_total_row(cfg, empty_store):
    check = _check("dm01_2020_07.csv", cfg, empty_store)
    assert check.ok, ingest.format_report(check)
    assert check.source_format == "NHS England DM01 diagnostic waiting times and activity, July 2020"
    assert check.kept_text == "kept 9 of 10 rows: provider RJZ"
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert _stored(empty_store) == {
        ("mri_tests", "All", "All"): 120.0,  # 100 (72Q) + 20 (09D); RJ1's 500 filtered out
        ("ct_tests", "All", "All"): 1050.0,  # "1,050"
        ("endoscopy_tests", "All", "All"): 70.0,  # colonoscopy 30 + gastroscopy 25 + cystoscopy 5 + flexi 10
    }


def test_ae_monthly_csv_loads_attendances_four_hours_and_admissions(cfg, empty_store):
    check = _check("ae_monthly_2020_07.csv", cfg, empty_store)
    assert check.ok, ingest.format_report(check)
    assert check.kept_text == "kept 1 of 3 rows: provider RJZ"
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert _stored(empty_store) == {
        ("ae_attendances_type1", "All", "All"): 18012.0,
        ("ae_attendances_all", "All", "All"): 20512.0,  # 18,012 + - + 2,500
        ("ae_within_4h_type1", "All", "All"): 16000.0,  # 18,012 - 2,012
        ("ae_within_4h_all", "All", "All"): 18400.0,  # 20,512 - (2,012 + - + 100)
        ("ae_12h_dta_waits", "All", "All"): 2.0,
        ("emergency_admissions", "All", "All"): 4510.0,  # 3,000 + - + 10 + 1,500
    }


FIXTURES = [
    "rtt_full_extract_2020_12.csv", "rtt_full_extract_2021_04.csv", "dm01_2020_07.csv", "ae_monthly_2020_07.csv",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_loading_the_same_file_twice_changes_nothing(cfg, empty_store, name):
    ingest.commit_upload(empty_store, _check(name, cfg, empty_store), actor=ANALYST, load_anyway=True)
    before = empty_store.facts()
    again = _check(name, cfg, empty_store)
    assert again.ok and not again.changes_anything and again.duplicate_of == 1
    result = ingest.commit_upload(empty_store, again, actor=ANALYST, load_anyway=True)
    assert result.upload_id is None
    assert empty_store.facts().equals(before)
    assert len(empty_store.uploads()) == 1


# --- malformed variants: refused with row and column, store unchanged ---------------------------------

MALFORMED = [
    # (file, old text, new text, row, column, words in the message)
    ("rtt_full_extract_2020_12.csv", ",Total All\r\n", ",Total Al\r\n", 1, "Total All", "has a column 'Total All'"),
    ("rtt_full_extract_2020_12.csv", "RJZ,KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST,QKK,SOUTH EAST LONDON STP,72Q,"
     "NHS SOUTH EAST LONDON CCG,Part_2,Incomplete Pathways,C_130",
     "RJZ,KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST,QKK,SOUTH EAST LONDON STP,72Q,"
     "NHS SOUTH EAST LONDON CCG,Part_2,Incomplete Pathways,C_777", 4, "Treatment Function Code", "'C_777'"),
    ("rtt_full_extract_2020_12.csv", "\r\nRTT-December-2020,QKK,SOUTH EAST LONDON STP,RJZ,KING'S COLLEGE HOSPITAL NHS "
     "FOUNDATION TRUST,QNX", "\r\nRTT-November-2020,QKK,SOUTH EAST LONDON STP,RJZ,KING'S COLLEGE HOSPITAL NHS "
     "FOUNDATION TRUST,QNX", 3, "Period", "not the file's month (December 2020"),
    ("rtt_full_extract_2020_12.csv", "QKK,SOUTH EAST LONDON STP,RJZ,KING'S", "QKK,SOUTH EAST LONDON STP,RJZ99,KING'S",
     2, "Provider Org Code", "'RJZ99'"),
    ("dm01_2020_07.csv", "DM01-JULY-2020", "DM01-JULLY-2020", 2, "Period", "is not a period"),
    ("dm01_2020_07.csv", ",COLONOSCOPY,", ",COLONSCOPY,", 5, "Diagnostic Tests", "'COLONSCOPY'"),
    ("dm01_2020_07.csv", ",Total Activity\r\n", ",Total Activty\r\n", 1, "Total Activity", "has a column"),
    ("ae_monthly_2020_07.csv", '"18,012"', "lots", 2, "A&E attendances Type 1", "'lots' is not a figure"),
    ("ae_monthly_2020_07.csv", ",Other emergency admissions\r\n", ",Other admissions\r\n", 1,
     "Other emergency admissions", "has a column"),
]


@pytest.mark.parametrize(("name", "old", "new", "row", "column", "words"), MALFORMED)
def test_malformed_national_files_are_refused_with_row_and_column(cfg, empty_store, name, old, new, row, column, words):
    ingest.commit_upload(empty_store, _check("ae_monthly_2020_07.csv", cfg, empty_store), actor=ANALYST,
                         load_anyway=True)
    before = empty_store.facts()
    check = _check(name, cfg, empty_store, _replace(name, old, new))
    assert not check.ok
    assert check.source_format is not None  # still recognised, so the sentence names the published column
    problem = next(p for p in check.errors if words in p.message)
    assert (problem.row, problem.column) == (row, column)
    with pytest.raises(ingest.UploadRefused):
        ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert empty_store.facts().equals(before)
    assert len(empty_store.uploads()) == 1


def test_a_file_with_no_rows_for_the_partnership_is_refused(cfg):
    data = _replace("ae_monthly_2020_07.csv", "MSitAE-JULY-2020,RJZ,", "MSitAE-JULY-2020,RJ2,")
    check = _check("ae_monthly_2020_07.csv", cfg, None, data)
    assert not check.ok
    assert "holds no rows for provider RJZ" in check.errors[0].message


def test_our_own_layouts_keep_todays_messages(cfg):
    check = ingest.check_upload(b"period,measure,value\nJul 2020,mri_tests,12\n", "long.csv", cfg, today=TODAY)
    assert check.ok and check.source_format is None and check.layout == "long"
    assert "long layout" in ingest.summary_text(check)


# --- config --------------------------------------------------------------------------------------------


def test_config_refuses_a_total_row_or_an_unknown_measure_in_the_mapping(cfg):
    raw = cfg.model_dump(exclude_none=True)
    raw["national_files"]["formats"]["dm01"]["measures"][0]["tests"] = ["TOTAL"]
    raw["national_files"]["formats"]["ae"]["measures"][0]["measure"] = "ae_atendances"
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    text = str(caught.value)
    assert "sums the TOTAL row" in text and "ae_atendances" in text


def test_migration_10_adds_the_format_column():
    assert (10, "uploads keep the detected file format") in [(v, n) for v, n, _ in MIGRATIONS]
    sql = next(s for v, _, s in MIGRATIONS if v == 10)
    assert sql.strip().upper().startswith("ALTER TABLE UPLOADS ADD COLUMN SOURCE_FORMAT")


def test_text_from_the_file_never_becomes_a_link_in_the_problem_table(cfg):
    data = _replace("dm01_2020_07.csv", ",COLONOSCOPY,", ",https://evil.example/x,")
    check = _check("dm01_2020_07.csv", cfg, None, data)
    problem = next(p for p in check.errors if p.kind == "unknown_code")
    assert "https://evil.example/x" in problem.message  # kept as written in the plain report
    shown = ingest.problem_table([problem], markdown=True)["What to fix"].iat[0]
    assert "https://evil.example" not in shown and "evil.example" in shown.replace("\u2060", "")


# --- the two published as Excel workbooks (written with openpyxl at test time) --------------------------


def test_cancer_waiting_times_extract_sums_cancer_types_never_all_cancers(cfg, empty_store):
    check = ingest.check_upload(cwt_workbook(), "cwt.xlsx", cfg, empty_store, today=TODAY)
    assert check.ok, ingest.format_report(check)
    assert check.source_format == "NHS England cancer waiting times provider extract, December 2020"
    assert check.kept_text == "kept 8 of 9 rows: provider RJZ"
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert _stored(empty_store) == {
        ("cancer_2ww_referrals", "All", "All"): 550.0,  # 300 + 250; the All Cancers row (550) not added again
        ("cancer_31_day_treated", "All", "All"): 52.0,  # 40 + 12
        ("cancer_31_day_within", "All", "All"): 50.0,  # 38 + 12
        ("cancer_62_day_treated", "All", "All"): 35.0,  # 20 + 15; RJ1's 60 filtered out
        ("cancer_62_day_within", "All", "All"): 26.0,  # 17 + 9
    }
    again = ingest.check_upload(cwt_workbook(), "cwt.xlsx", cfg, empty_store, today=TODAY)
    assert again.ok and not again.changes_anything


def test_mar_workbook_with_metadata_rows_dashes_and_thousands(cfg, empty_store):
    check = ingest.check_upload(mar_workbook(), "mar.xlsx", cfg, empty_store, today=TODAY)
    assert check.ok, ingest.format_report(check)
    assert check.source_format == "NHS England Monthly Activity Return (MAR), May 2020"
    assert check.kept_text == "kept 1 of 3 rows: provider RJZ"
    ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert _stored(empty_store) == {
        ("elective_ordinary_spells", "All", "All"): 1204.0,
        ("elective_daycase_spells", "All", "All"): 4510.0,
        ("op_first_attendances", "All", "All"): 12455.0,
    }
    assert set(empty_store.facts()["month"].astype(str)) == {"2020-05-01"}  # May of 2020-21
    before = empty_store.facts()
    again = ingest.check_upload(mar_workbook(), "mar.xlsx", cfg, empty_store, today=TODAY)
    assert again.ok and not again.changes_anything
    assert empty_store.facts().equals(before)


def _mar_rows(**change) -> list[list]:
    rows = [list(r) for r in MAR_ROWS]
    for index, value in change.items():
        rows[0][int(index[1:])] = value
    return rows


WORKBOOK_MALFORMED = [
    # (workbook bytes, row, column, words): the MAR's first data row is row 11, under 9 metadata rows and the header
    (lambda: mar_workbook(header=[h for h in MAR_HEADER if not h.startswith("All 1st")]), 10,
     "All 1st Outpatient Attendances (G&A)", "has a column"),
    (lambda: mar_workbook(_mar_rows(c1="Mai")), 11, "Period", "is not a period"),
    (lambda: mar_workbook(_mar_rows(c0="2020-22")), 11, "Period", "is not a period"),
    (lambda: mar_workbook(_mar_rows(c6="lots")), 11, "Elective G&A Ordinary Admissions (FFCEs)", "'lots' is not a"),
    (lambda: cwt_workbook(rows=[*CWT_ROWS[:3], ("45 Days", "RJZ", "", "Breast", "", 3, 2)]), 5, "STANDARD",
     "'45 Days'"),
    (lambda: cwt_workbook(period="Decembre 2020"), 2, "PERIOD", "is not a period"),
    (lambda: cwt_workbook(header=[h if h != "WITHIN STANDARD" else "WITHIN" for h in CWT_HEADER]), 1,
     "WITHIN STANDARD", "has a column"),
]


@pytest.mark.parametrize(("make", "row", "column", "words"), WORKBOOK_MALFORMED)
def test_malformed_workbooks_are_refused_with_row_and_column(cfg, empty_store, make, row, column, words):
    check = ingest.check_upload(make(), "national.xlsx", cfg, empty_store, today=TODAY)
    assert not check.ok
    problem = next(p for p in check.errors if words in p.message)
    assert (problem.row, problem.column.strip()) == (row, column)
    with pytest.raises(ingest.UploadRefused):
        ingest.commit_upload(empty_store, check, actor=ANALYST, load_anyway=True)
    assert empty_store.facts().empty and empty_store.uploads().empty


def test_a_workbook_in_no_national_layout_gets_todays_message(cfg):
    check = ingest.check_upload(workbook([["period", "measure", "value"], ["2020-07", "ct_tests", 5]]), "ours.xlsx",
                                cfg, today=TODAY)
    assert not check.ok
    assert "Excel workbook (.xlsx)" in check.errors[0].message and "save it as CSV" in check.errors[0].message


def test_commissioner_level_sums_the_providers_for_the_partnerships_commissioners(cfg):
    raw = cfg.model_dump(exclude_none=True)
    raw["national_files"]["formats"]["rtt"]["level"] = "commissioner"
    commissioner_cfg = parse_config(raw)
    check = _check("rtt_full_extract_2020_12.csv", commissioner_cfg)
    assert check.ok, ingest.format_report(check)
    assert check.kept_text == "kept 11 of 13 rows: commissioners 72Q, QKK"  # the two 09D rows left out
    values = {(r.measure, r.service): r.value for r in check.rows.itertuples()}
    # T&O waiting list for 72Q: RJZ's 20 + RJ1's 50 (09D's 6 at RJZ not included).
    assert values[("rtt_waiting_list", "trauma_orthopaedics")] == 70.0
    assert values[("rtt_waiting_list", "ophthalmology")] == 1200.0
