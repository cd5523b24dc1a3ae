"""data/ingest.py: reading, validating, previewing and committing analysts' files (DESIGN §5).

The catalogue of malformed files lives in tests/fixtures/bad (one file per problem, plus
combinations); messy but valid files in tests/fixtures/good. Each bad file must be refused with the
row and column named, through the library and through `python -m data load --yes`, and leave every
table of the store (the rollup too) holding exactly the rows it held."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data.__main__ import EXIT_ERROR, EXIT_INVALID, EXIT_OK, main
from data.ingest import (
    MAX_PROBLEMS,
    TEMPLATE_DIR,
    TEMPLATE_FILES,
    UploadRefused,
    check_upload,
    commit_upload,
    escape_markdown,
    format_report,
    parse_period,
    parse_value,
    preview_tables,
    problem_table,
    template_csv,
)
from data.store import Store
from metrics.config import DEFAULT_CONFIG_PATH, Config, UploadSettings
from tests.actors import named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD, GOOD = FIXTURES / "bad", FIXTURES / "good"
PROJECT = Path(__file__).resolve().parents[2]
TOO_LARGE_MB = 0.005  # too_large.csv is ~10 KB of valid figures; refused under a 5 KB limit

# file → problems that must be among those reported: (kind, spreadsheet row, column as headed in the file)
BAD_FILES: dict[str, list[tuple[str, int | None, str | None]]] = {
    "missing_value_column.csv": [("missing_column", 1, "value")],
    "missing_period_column.csv": [("missing_column", 1, "period")],
    "missing_measure_column.csv": [("missing_column", 1, "measure")],
    "no_header_row.csv": [("missing_header", 1, None)],
    "period_not_a_month.csv": [("bad_period", 3, "period")],
    "period_month_13.csv": [("bad_period", 2, "period")],
    "period_us_date.csv": [("bad_period", 2, "period")],
    "period_30_february.csv": [("bad_period", 2, "period")],
    "period_in_future.csv": [("future_period", 3, "period")],
    "period_before_baseline.csv": [("period_before_baseline", 2, "period")],
    "period_empty.csv": [("missing_period", 2, "period")],
    "measure_unknown.csv": [("unknown_measure", 2, "measure")],
    "measure_empty.csv": [("missing_measure", 2, "measure")],
    "service_unknown.csv": [("unknown_service", 2, "service")],
    "service_unknown_code.csv": [("unknown_service", 2, "service")],
    "site_unknown.csv": [("unknown_site", 2, "site")],
    "segment_unknown.csv": [("unknown_segment", 2, "segment")],
    "value_not_a_number.csv": [("value_not_number", 2, "value")],
    "value_percentage.csv": [("value_not_number", 2, "value")],
    "value_currency.csv": [("value_not_number", 2, "value")],
    "value_negative.csv": [("negative_value", 3, "value")],
    "value_infinite.csv": [("value_not_finite", 2, "value")],
    "value_nan.csv": [("value_not_finite", 2, "value")],
    "value_overflows.csv": [("value_too_large", 2, "value")],
    "value_empty.csv": [("missing_value", 2, "value")],
    "value_decimal_comma.csv": [("value_not_number", 2, "value")],
    "value_space_thousands.csv": [("value_not_number", 2, "value")],
    "formula_in_value.csv": [("formula", 2, "value")],
    "formula_in_measure.csv": [("formula", 2, "measure")],
    "formula_in_service_plus.csv": [("formula", 2, "service")],
    "formula_in_site_at.csv": [("formula", 2, "site")],
    "formula_in_segment_minus.csv": [("formula", 2, "segment")],
    "formula_in_period.csv": [("formula", 2, "period")],
    "formula_plus_number.csv": [("formula", 2, "value")],
    "duplicate_rows.csv": [("duplicate_row", 4, "value")],
    "duplicate_rows_label_and_id.csv": [("duplicate_row", 3, "value")],
    "duplicate_rows_wide.csv": [("duplicate_row", 4, "ct_tests"), ("duplicate_row", 4, "mri_tests")],
    "grain_service_in_file.csv": [("grain", 3, "service")],
    "grain_site_in_file.csv": [("grain", 3, "site")],
    "grain_with_store.csv": [("grain", 2, "site")],
    "empty.csv": [("empty_file", None, None)],
    "whitespace_only.csv": [("empty_file", None, None)],
    "header_only.csv": [("no_data", None, None)],
    "header_and_empty_rows.csv": [("no_data", None, None)],
    "binary.csv": [("not_text", None, None)],
    "excel_workbook_renamed.csv": [("not_text", None, None)],
    "pdf_renamed.csv": [("not_text", None, None)],
    "utf8_bom_then_bad_bytes.csv": [("encoding", 3, None)],
    "extra_values_on_a_row.csv": [("extra_values", 3, None)],
    "two_value_columns.csv": [("duplicate_column", 1, "value")],
    "wide_measure_twice.csv": [("duplicate_column", 1, "CT tests")],
    "wide_bad_value.csv": [("value_not_number", 2, "mri_tests")],
    "wide_no_measure_columns.csv": [("missing_column", 1, None)],
    "windows1252_unknown_service.csv": [("unknown_service", 2, "service")],
    "semicolon_bad_period.csv": [("bad_period", 3, "period")],
    "tab_unknown_measure.csv": [("unknown_measure", 2, "measure")],
    # The cell on row 3 spans two lines of the file; the bad value is on spreadsheet row 4.
    "quoted_line_break_then_bad_value.csv": [("duplicate_row", 3, "value"), ("value_not_number", 4, "value")],
    "too_large.csv": [("too_large", None, None)],
    "many_problems.csv": [("negative_value", 2, "value"), ("negative_value", 1001, "value")],
    "combination.csv": [
        ("bad_period", 3, "period"),
        ("unknown_measure", 4, "measure"),
        ("unknown_service", 5, "service"),
        ("negative_value", 6, "value"),
        ("unknown_segment", 7, "segment"),
        ("duplicate_row", 8, "value"),
        ("formula", 9, "site"),
    ],
}

# Every messy but valid file holds these four figures (except where noted below).
FOUR_FIGURES = [
    ("2020-07-01", "ct_tests", "cardiology", "PRUH", "All", 1234.0),
    ("2020-07-01", "mri_tests", "cardiology", "PRUH", "All", 567.0),
    ("2020-08-01", "ct_tests", "cardiology", "PRUH", "All", 1300.0),
    ("2020-08-01", "mri_tests", "cardiology", "PRUH", "All", 600.0),
]
GOOD_FILES = {
    "plain.csv": FOUR_FIGURES,
    "utf8_bom_crlf.csv": FOUR_FIGURES,
    "windows1252_names.csv": FOUR_FIGURES,
    "semicolon_uk_dates_thousands.csv": FOUR_FIGURES,
    "tab_month_names.csv": FOUR_FIGURES,
    "trailing_spaces_and_case.csv": FOUR_FIGURES,
    "wide_layout.csv": FOUR_FIGURES,
    "wide_layout_blank_cells.csv": FOUR_FIGURES,
    "utf16_tab_excel_unicode_text.csv": FOUR_FIGURES,
    "blank_lines_and_quotes.csv": FOUR_FIGURES,
    "treatment_function_codes_and_segments.csv": [
        ("2020-07-01", "op_first_attendances", "trauma_orthopaedics", "PRUH", "All", 90.0),
        ("2020-07-01", "op_first_attendances", "trauma_orthopaedics", "PRUH", "imd:1", 40.0),
        ("2020-07-01", "op_first_attendances", "trauma_orthopaedics", "PRUH", "imd:2", 50.0),
    ],
}


def table_rows(store: Store) -> dict[str, pd.DataFrame]:
    """Every table of the store, the rollup included, with its rows ordered by every column left to right (as
    `export_csv` orders them): compared exactly (values and types), without writing each table out as CSV."""
    out = {}
    with store.cursor() as cur:
        for name in store.table_names():
            order = ", ".join(store.engine.byte_order(column, kind) for column, kind in store.columns(name, cur))
            columns, batches = store.engine.batches(cur, f"SELECT * FROM {name} ORDER BY {order}", 1_000_000)
            out[name] = pd.concat([pd.DataFrame(columns=columns), *batches], ignore_index=True)
    return out


def assert_same_rows(after: dict[str, pd.DataFrame], before: dict[str, pd.DataFrame]) -> None:
    assert list(after) == list(before), "the store's tables changed"
    changed = [name for name in before if not after[name].equals(before[name])]
    assert not changed, f"rows changed in {changed}"


def fact_tuples(store: Store) -> list[tuple]:
    facts = store.facts()
    return sorted(
        (str(pd.Timestamp(r.month).date()), r.measure, r.service, r.site, r.segment, float(r.value))
        for r in facts.itertuples()
    )


def small_limit(cfg: Config) -> Config:
    return cfg.model_copy(update={"upload": UploadSettings(max_file_mb=TOO_LARGE_MB)})


@pytest.fixture(scope="module")
def small_limit_config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    assert "max_file_mb: 50" in text
    path = tmp_path_factory.mktemp("config") / "config.yaml"
    path.write_text(text.replace("max_file_mb: 50", f"max_file_mb: {TOO_LARGE_MB}"), encoding="utf-8")
    return path


# --- single cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, month",
    [
        ("2020-07", dt.date(2020, 7, 1)),
        ("2020-07-01", dt.date(2020, 7, 1)),
        ("2020-07-31", dt.date(2020, 7, 1)),
        ("01/07/2020", dt.date(2020, 7, 1)),
        ("1/7/2020", dt.date(2020, 7, 1)),
        ("Jul-20", dt.date(2020, 7, 1)),
        ("July 2020", dt.date(2020, 7, 1)),
        ("Jul 2020", dt.date(2020, 7, 1)),
        ("  jul 2020 ", dt.date(2020, 7, 1)),
        ("Sept 2020", dt.date(2020, 9, 1)),
        ("2021-03-01 00:00:00", dt.date(2021, 3, 1)),
    ],
)
def test_accepted_period_forms_give_the_month(text: str, month: dt.date) -> None:
    assert parse_period(text) == month


@pytest.mark.parametrize("text", ["", "2020-13", "2020/07", "07/31/2020", "30/02/2020", "Jly 2020", "summer", "2020"])
def test_other_period_forms_are_not_months(text: str) -> None:
    assert parse_period(text) is None


@pytest.mark.parametrize(
    "text, value",
    [("1234", 1234.0), ("1,234", 1234.0), (" 1,234 ", 1234.0), ("12,345,678", 12345678.0), ("0", 0.0),
     ("12.5", 12.5), ("1.2E+05", 120000.0)],
)
def test_accepted_values_are_read_as_numbers(text: str, value: float) -> None:
    assert parse_value(text) == (value, None, None)


@pytest.mark.parametrize(
    "text, kind",
    [("", "missing_value"), ("-5", "negative_value"), ("inf", "value_not_finite"), ("NaN", "value_not_finite"),
     ("1e999", "value_too_large"), ("12a", "value_not_number"), ("1,5", "value_not_number"),
     ("1_000", "value_not_number"), ("=A1", "formula"), ("@x", "formula"), ("+5", "formula")],
)
def test_refused_values_say_why(text: str, kind: str) -> None:
    value, found, message = parse_value(text)
    assert value is None and found == kind and message


# --- the catalogue of malformed files ------------------------------------------------------------


def test_the_catalogue_has_forty_files_each_with_expectations() -> None:
    on_disk = {p.name for p in BAD.glob("*.csv")}
    assert len(on_disk) >= 40
    assert on_disk == set(BAD_FILES)


@pytest.fixture(scope="module")
def demo_rows(demo_store_file: Path) -> dict[str, pd.DataFrame]:
    """Every table's rows in the demonstration store: what each test's private copy (`demo_db`, a byte-for-byte
    copy of the same file) holds before anything is tried on it. Read once per module rather than once per
    malformed file."""
    with Store(demo_store_file, read_only=True) as store:
        return table_rows(store)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_malformed_file_is_refused_naming_row_and_column_and_changes_nothing(
    name: str, cfg: Config, demo_db: Path, demo_rows: dict[str, pd.DataFrame], small_limit_config_file: Path, capsys
) -> None:
    data = (BAD / name).read_bytes()
    config = small_limit(cfg) if name == "too_large.csv" else cfg
    before = demo_rows
    assert len(before["facts"]) > 10_000 and len(before["uploads"]) == 1
    with Store(demo_db) as store:
        check = check_upload(data, name, config, store)
        with pytest.raises(UploadRefused):
            commit_upload(store, check, actor=named("Test analyst"), load_anyway=True)

    assert not check.ok
    found = {(p.kind, p.row, p.column) for p in check.errors}
    for expected in BAD_FILES[name]:
        assert expected in found, f"{expected} not among {sorted(found, key=str)[:10]}"
    assert all(p.message.endswith((".", "?", ")")) for p in check.errors)  # sentences, not codes

    argv = ["load", str(BAD / name), "--yes", "--db", str(demo_db)]
    if name == "too_large.csv":
        argv = ["--config", str(small_limit_config_file), *argv]
    assert main(argv) == EXIT_INVALID
    assert "Nothing was loaded." in capsys.readouterr().out

    with Store(demo_db, read_only=True) as store:
        assert_same_rows(table_rows(store), before)


def test_unknown_names_get_a_did_you_mean(cfg: Config) -> None:
    check = check_upload((BAD / "combination.csv").read_bytes(), "combination.csv", cfg)
    messages = {p.kind: p.message for p in check.errors}
    assert "Did you mean 'ct_tests'?" in messages["unknown_measure"]
    assert "Did you mean 'cardiology'?" in messages["unknown_service"]
    assert "Rows 2 and 8" in messages["duplicate_row"]


def test_past_a_thousand_problems_the_first_thousand_are_listed_with_the_count(cfg: Config) -> None:
    check = check_upload((BAD / "many_problems.csv").read_bytes(), "many_problems.csv", cfg)
    assert check.error_count == 1200
    assert len(check.errors) == MAX_PROBLEMS
    assert [p.row for p in check.errors[:3]] == [2, 3, 4]
    report = format_report(check)
    assert "1,200 problem(s)" in report and "…and 200 more." in report


def test_unknown_column_is_a_warning_and_the_file_still_loads(cfg: Config, empty_store: Store) -> None:
    check = check_upload((GOOD / "windows1252_names.csv").read_bytes(), "w.csv", cfg, empty_store)
    assert check.ok
    assert [(w.kind, w.row, w.column, w.needs_confirmation) for w in check.warnings] == [
        ("unknown_column", 1, "comment", False)
    ]


# --- messy but valid files ---------------------------------------------------------------------------


def test_every_good_fixture_has_expectations() -> None:
    assert {p.name for p in GOOD.glob("*.csv")} == set(GOOD_FILES)


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_messy_but_valid_file_loads(name: str, cfg: Config, empty_store: Store) -> None:
    check = check_upload((GOOD / name).read_bytes(), name, cfg, empty_store)
    assert check.ok, format_report(check)
    assert check.counts == {"new": len(GOOD_FILES[name]), "changed": 0, "unchanged": 0}
    result = commit_upload(empty_store, check, actor=named("Test analyst"), note="messy file")
    assert result.upload_id is not None and result.rows_added == len(GOOD_FILES[name])
    assert fact_tuples(empty_store) == sorted(GOOD_FILES[name])
    upload = empty_store.uploads().iloc[0]
    assert (upload["file_name"], upload["uploaded_by"], upload["note"]) == (name, "Test analyst", "messy file")
    assert upload["sha256"] == check.sha256 and len(check.sha256) == 64


@pytest.mark.parametrize(
    "name, encoding, delimiter, layout",
    [
        ("utf8_bom_crlf.csv", "UTF-8 with BOM", ",", "long"),
        ("windows1252_names.csv", "Windows-1252", ";", "long"),
        ("tab_month_names.csv", "UTF-8", "\t", "long"),
        ("utf16_tab_excel_unicode_text.csv", "UTF-16", "\t", "long"),
        ("wide_layout.csv", "UTF-8", ",", "wide"),
    ],
)
def test_encoding_delimiter_and_layout_are_detected(name, encoding, delimiter, layout, cfg: Config) -> None:
    check = check_upload((GOOD / name).read_bytes(), name, cfg)
    assert (check.encoding, check.delimiter, check.layout) == (encoding, delimiter, layout)


# --- preview, warnings and commit -------------------------------------------------------------------------


def csv_bytes(rows: list[str], header: str = "period,measure,service,site,value") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def loaded(cfg: Config, empty_store: Store) -> Store:
    check = check_upload((GOOD / "plain.csv").read_bytes(), "plain.csv", cfg, empty_store)
    commit_upload(empty_store, check, actor=named("First analyst"))
    return empty_store


def test_preview_counts_new_changed_and_unchanged(cfg: Config, loaded: Store) -> None:
    data = csv_bytes(
        [
            "2020-07,ct_tests,cardiology,PRUH,1234",  # unchanged
            "2020-07,mri_tests,cardiology,PRUH,570",  # changed 567 → 570
            "2020-09,ct_tests,cardiology,PRUH,1310",  # new
        ]
    )
    check = check_upload(data, "september.csv", cfg, loaded)
    assert check.ok
    assert check.counts == {"new": 1, "changed": 1, "unchanged": 1}
    changed = check.diff[check.diff["change"] == "changed"].iloc[0]
    assert (changed["measure"], changed["old_value"], changed["value"], changed["row"]) == ("mri_tests", 567, 570, 3)
    tables = preview_tables(check, cfg)
    assert tables["changed"][["Row", "Month", "Measure", "Stored value", "New value"]].values.tolist() == [
        [3, "Jul 2020", "MRI tests", "567", "570"]
    ]
    assert tables["new"]["Month"].tolist() == ["Sep 2020"]
    # Replacing a stored value needs an explicit "load anyway".
    assert [(w.kind, w.row, w.column) for w in check.warnings] == [("replaces_stored", 3, "period")]
    assert check.needs_confirmation
    with pytest.raises(UploadRefused, match="load anyway"):
        commit_upload(loaded, check, actor=named("Second analyst"))
    result = commit_upload(loaded, check, actor=named("Second analyst"), load_anyway=True)
    assert (result.rows_added, result.rows_changed, result.rows_unchanged) == (1, 1, 1)
    history = loaded.history()
    assert history[["measure", "value", "reason", "replaced_by"]].values.tolist() == [
        ["mri_tests", 567.0, "replaced", result.upload_id]
    ]


def test_a_jump_of_more_than_half_against_the_previous_month_is_a_warning(cfg: Config, loaded: Store) -> None:
    data = csv_bytes(["2020-09,ct_tests,cardiology,PRUH,2000", "2020-09,mri_tests,cardiology,PRUH,850"])
    check = check_upload(data, "jump.csv", cfg, loaded)
    # ct 1300 → 2000 is +54%: warned; mri 600 → 850 is +42%: not.
    assert [(w.kind, w.row, w.column) for w in check.warnings] == [("implausible_change", 2, "value")]
    assert "1,300 for Aug 2020 (already stored)" in check.warnings[0].message
    # Named by labels, not ids (issue 10): the measure, the service and the site.
    message = check.warnings[0].message
    assert message.startswith("CT tests, Cardiology, Princess Royal University Hospital: 2,000 is 54%")
    assert "ct_tests" not in check.warnings[0].message
    assert check.needs_confirmation


def test_the_previous_month_can_come_from_the_same_file(cfg: Config, empty_store: Store) -> None:
    data = csv_bytes(["2020-07,ct_tests,,PRUH,100", "2020-08,ct_tests,,PRUH,40"])
    check = check_upload(data, "drop.csv", cfg, empty_store)
    assert [(w.kind, w.row) for w in check.warnings] == [("implausible_change", 3)]
    assert "in row 2" in check.warnings[0].message


def test_an_identical_reupload_is_recognised_and_changes_nothing(cfg: Config, loaded: Store) -> None:
    data = (GOOD / "plain.csv").read_bytes()
    before = loaded.uploads()
    check = check_upload(data, "plain.csv", cfg, loaded)
    assert check.ok and not check.changes_anything
    assert check.duplicate_of == int(before["upload_id"].iloc[0])
    assert "identical to upload" in format_report(check)
    result = commit_upload(loaded, check, actor=named("Someone"))
    assert result.upload_id is None and result.duplicate_of == check.duplicate_of
    assert loaded.uploads().equals(before)


def test_commit_refuses_without_a_store_check(cfg: Config, empty_store: Store) -> None:
    data = (GOOD / "plain.csv").read_bytes()
    with pytest.raises(UploadRefused, match="compared with the store"):
        commit_upload(empty_store, check_upload(data, "p.csv", cfg), actor=named("Ann"))
    assert empty_store.fact_count() == 0


def test_problem_table_is_ready_to_show(cfg: Config) -> None:
    check = check_upload((BAD / "value_negative.csv").read_bytes(), "v.csv", cfg)
    table = problem_table(check.errors)
    assert table.columns.tolist() == ["Row", "Column", "What to fix"]
    assert table.iloc[0].tolist()[:2] == [3, "value"]


def test_text_shown_in_a_markdown_table_is_escaped(cfg: Config) -> None:
    check = check_upload(csv_bytes(["2020-07,[x](http://evil),,,1"]), "m.csv", cfg)
    shown = problem_table(check.errors, markdown=True).iloc[0]["What to fix"]
    assert shown.startswith("'&#91;x&#93;(http:\u2060//evil)' is not a measure")
    assert escape_markdown("ct_tests *bold*") == "ct&#95;tests &#42;bold&#42;"


# --- templates -------------------------------------------------------------------------------------------


def test_the_template_files_are_up_to_date_with_config(cfg: Config) -> None:
    for layout, name in TEMPLATE_FILES.items():
        assert (TEMPLATE_DIR / name).read_text(encoding="utf-8") == template_csv(cfg, layout), (
            f"data/templates/{name} is out of date; run `python -m data templates`."
        )


def test_an_unfilled_template_is_refused_never_loaded(cfg: Config) -> None:
    for layout in ("long", "wide"):
        check = check_upload(template_csv(cfg, layout).encode(), f"{layout}.csv", cfg)
        assert not check.ok
    long = check_upload(template_csv(cfg, "long").encode(), "long.csv", cfg)
    assert {p.kind for p in long.errors} == {"missing_period", "missing_value"}


def test_a_filled_wide_template_loads(cfg: Config, empty_store: Store) -> None:
    header = template_csv(cfg, "wide").strip()
    values = ",".join(str(100 + i) for i in range(len(cfg.measures)))
    check = check_upload(f"{header}\nJul 2020,,,,{values}\n".encode(), "wide.csv", cfg, empty_store)
    assert check.ok and check.counts["new"] == len(cfg.measures)


# --- the command line ---------------------------------------------------------------------------------------


def test_cli_validate_exits_zero_for_a_valid_file_and_one_for_an_invalid_one(
    demo_db: Path, tmp_path: Path, capsys
) -> None:
    april = tmp_path / "april.csv"
    april.write_bytes(csv_bytes(["2021-04,ct_tests,,PRUH,1000", "2021-04,ct_tests,,ORPINGTON,500"]))
    assert main(["validate", str(april), "--db", str(demo_db)]) == EXIT_OK
    assert "Loading it would add 2 new value(s)" in capsys.readouterr().out
    # The demonstration store holds CT by site only, so a breakdown by service breaks the grain rule.
    assert main(["validate", str(GOOD / "plain.csv"), "--db", str(demo_db)]) == EXIT_INVALID
    assert "The store already holds CT tests for Jul 2020 as the total for all services" in capsys.readouterr().out
    assert main(["validate", str(BAD / "combination.csv"), "--db", str(demo_db)]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "Row 4, column 'measure': 'ct_test' is not a measure" in out


def test_cli_load_asks_and_an_empty_answer_loads_nothing(empty_store: Store, monkeypatch, capsys) -> None:
    path = empty_store.path
    empty_store.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["load", str(GOOD / "plain.csv"), "--db", str(path)]) == EXIT_INVALID
    assert "Nothing was loaded." in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    assert main(["load", str(GOOD / "plain.csv"), "--note", "July", "--db", str(path)]) == EXIT_OK
    assert "as upload 1: 4 new" in capsys.readouterr().out


def test_cli_load_with_warnings_needs_load_anyway_or_yes(loaded: Store, tmp_path: Path, monkeypatch, capsys) -> None:
    path = loaded.path
    loaded.close()
    changed = tmp_path / "changed.csv"
    changed.write_bytes(csv_bytes(["2020-08,ct_tests,cardiology,PRUH,1301"]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    assert main(["load", str(changed), "--db", str(path)]) == EXIT_INVALID
    monkeypatch.setattr(sys, "stdin", io.StringIO("load anyway\n"))
    assert main(["load", str(changed), "--db", str(path)]) == EXIT_OK
    changed.write_bytes(csv_bytes(["2020-08,ct_tests,cardiology,PRUH,1302"]))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["load", str(changed), "--yes", "--db", str(path)]) == EXIT_OK
    with Store(path, read_only=True) as store:
        assert store.uploads()["status"].tolist() == ["committed"] * 3


def test_cli_history_and_undo(loaded: Store, capsys) -> None:
    path = loaded.path
    loaded.close()
    assert main(["history", "--db", str(path)]) == EXIT_OK
    assert "plain.csv" in capsys.readouterr().out
    assert main(["undo", "1", "--db", str(path)]) == EXIT_OK
    assert "4 value(s) it added were removed" in capsys.readouterr().out
    assert main(["undo", "1", "--db", str(path)]) == EXIT_ERROR
    assert "already undone" in capsys.readouterr().err
    assert main(["undo", "99", "--db", str(path)]) == EXIT_ERROR
    assert "There is no upload 99" in capsys.readouterr().err


def test_cli_says_so_when_the_dashboard_holds_the_store(demo_db: Path, capsys) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from data.store import Store; s = Store(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(demo_db)],
        cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["load", str(GOOD / "plain.csv"), "--yes", "--db", str(demo_db)]) == EXIT_ERROR
        err = capsys.readouterr().err
        assert "in use by another program" in err and "Traceback" not in err
        # validate checks the file on its own, says so, and does not call it valid (load would refuse it)
        assert main(["validate", str(GOOD / "plain.csv"), "--db", str(demo_db)]) == EXIT_ERROR
        captured = capsys.readouterr()
        assert "checked on its own" in captured.err and "valid" not in captured.out
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
