"""`python -m metrics scenario`: the Demand & capacity projection as CSV, the same numbers as the page."""

from __future__ import annotations

import csv
import io

from metrics.__main__ import main as metrics_main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = metrics_main(["scenario", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_projection_under_a_named_scenario_is_written_as_csv(demo_db, capsys):
    code, out, err = run(capsys, "--db", str(demo_db), "--scenario", "Wave 2 — severe (example)")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["scenario", "month", "service", "kind", "waiting_list", "lower", "upper", "over_52",
                             "demand", "capacity"]
    actual = [r for r in rows if r["kind"] == "actual"]
    projected = [r for r in rows if r["kind"] == "projected"]
    assert (actual[0]["month"], actual[-1]["month"], actual[-1]["waiting_list"]) == ("2019-04", "2021-03", "46674.0")
    assert [r["month"] for r in projected] == [f"2021-{m:02d}" for m in range(4, 13)] + ["2022-01", "2022-02",
                                                                                       "2022-03"]
    assert projected[-1]["waiting_list"] == "84023.5"  # as the page shows (84,023)
    assert {r["scenario"] for r in rows} == {"Wave 2 — severe (example), version 1"}
    assert "projected at 84,023 by the end of Mar 2022" in err


def test_by_service_adds_each_services_rows(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db), "--services", "cardiology,ent", "--horizon", "6", "--by-service")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["service"] for r in rows if r["kind"] == "projected"} == {"All", "cardiology", "ent"}
    assert len([r for r in rows if r["service"] == "ent"]) == 6


def test_the_saved_versions_can_be_listed(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db), "--list")
    assert code == 0
    assert [r["scenario"] for r in csv.DictReader(io.StringIO(out))] == [
        "As now (example)", "Recovery push (example)", "Wave 2 — severe (example)"]


def test_bad_choices_get_a_sentence_and_a_non_zero_exit(demo_db, capsys):
    code, out, err = run(capsys, "--db", str(demo_db), "--scenario", "Wave 3")
    assert code == 2 and not out
    assert err.startswith("There is no scenario “Wave 3”; the store holds: “As now (example)”")
    code, _, err = run(capsys, "--db", str(demo_db), "--target", "2030-01")
    assert code == 2 and "The target date must fall within the projection (Apr 2021 to Mar 2022)" in err
    code, _, err = run(capsys, "--db", str(demo_db), "--services", "neurology")
    assert code == 2 and err.startswith("No waiting list figures for neurology")


def test_the_board_pack_page_for_a_scenario_is_one_pdf_page(demo_db, capsys, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "scenario.pdf"
    code, _, err = run(capsys, "--db", str(demo_db), "--scenario", "Recovery push (example)", "--pdf", str(out))
    assert code == 0, err
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Demand & capacity: the waiting list under a scenario" in text
    assert "Recovery push (example), version 1" in text and "Red" in text and "Backtest." not in text
