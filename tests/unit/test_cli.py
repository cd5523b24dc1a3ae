"""The command lines: `python -m data demo|export`, `python -m metrics report`."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data.__main__ import main as data_main
from metrics.__main__ import main as metrics_main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env_db: Path | None = None) -> subprocess.CompletedProcess:
    """Run a command line as an analyst would, in a child process."""
    env = None
    if env_db:
        import os

        env = {**os.environ, "RECOVERY_DB": str(env_db)}
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=120)


def test_report_for_july_2020_gives_the_published_ratios(demo_db):
    result = run_cli("metrics", "report", "--month", "2020-07", "--format", "csv", "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    rows = {r["metric"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert list(next(iter(rows.values()))) == ["metric", "month", "value", "target", "gap", "status"]
    assert {m: rows[m]["value"] for m in ("ct_activity", "mri_activity", "op_first_activity",
                                          "op_followup_activity")} == {
        "ct_activity": "0.854", "mri_activity": "0.923", "op_first_activity": "0.955", "op_followup_activity": "0.798"}
    assert rows["ct_activity"]["month"] == "2020-07"


def test_report_reads_the_store_named_by_recovery_db(demo_db):
    result = run_cli("metrics", "report", "--month", "2020-10", "--format", "table", env_db=demo_db)
    assert result.returncode == 0, result.stderr
    assert "elective_activity" in result.stdout and "red" in result.stdout


def test_report_refuses_a_bad_month_with_a_sentence(demo_db, capsys):
    assert metrics_main(["report", "--month", "July", "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert "write it as YYYY-MM" in err and "Traceback" not in err


def test_report_on_a_missing_store_says_so(tmp_path, capsys):
    assert metrics_main(["report", "--month", "2020-07", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "There is no store at" in capsys.readouterr().err


def test_export_shows_the_published_figures_at_the_system_total(demo_db, tmp_path):
    assert data_main(["export", str(tmp_path / "out"), "--db", str(demo_db)]) == 0
    facts = pd.read_csv(tmp_path / "out" / "facts.csv", parse_dates=["month"])
    totals = facts[facts["segment"] == "All"].groupby(["measure", "month"])["value"].sum()
    assert totals[("econsult_submissions", "2020-02-01")] == 3481
    assert totals[("econsult_submissions", "2020-07-01")] == 15091
    spring = facts[(facts["month"] >= "2020-04-01") & (facts["month"] <= "2020-06-01") & (facts["segment"] == "All")]
    by_measure = spring.groupby("measure")["value"].sum()
    assert by_measure["spa_discharges"] == 1839
    assert spring[(spring["measure"] == "spa_discharges") & (spring["site"] == "PRUH")]["value"].sum() == 854
    assert round(by_measure["spa_discharges_within_24h"] / by_measure["spa_discharges"], 3) == 0.755
    assert by_measure["spa_saved_bed_days"] == 4459
    assert by_measure["spa_welfare_calls"] == 257
    for measure, ratio in (("ct_tests", 0.854), ("mri_tests", 0.923), ("op_first_attendances", 0.955),
                           ("op_followup_attendances", 0.798)):
        assert totals[(measure, "2020-07-01")] / totals[(measure, "2019-07-01")] == pytest.approx(ratio, abs=1e-12)
    uploads = pd.read_csv(tmp_path / "out" / "uploads.csv")
    assert uploads["kind"].tolist() == ["demo"]


def test_demo_refuses_to_replace_a_store_without_force(demo_db, capsys):
    assert data_main(["demo", "--db", str(demo_db)]) == 2
    assert "--force" in capsys.readouterr().err


def test_demo_force_rebuilds_the_store(tmp_path, capsys):
    db = tmp_path / "fresh.duckdb"
    assert data_main(["demo", "--db", str(db)]) == 0
    assert data_main(["demo", "--db", str(db), "--force"]) == 0
    assert "Built the demonstration store" in capsys.readouterr().out


PROBE = (
    "import runpy, sys; sys.argv = ['data', '--help']\n"
    "try:\n    runpy.run_module('data', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    "import numpy, pyarrow\n"
    "print(numpy._core.multiarray._set_madvise_hugepage(False), pyarrow.default_memory_pool().backend_name)\n"
)


@pytest.mark.parametrize(
    ("own", "expected"),
    [({}, "False jemalloc"), ({"NUMPY_MADVISE_HUGEPAGE": "1", "ARROW_DEFAULT_MEMORY_POOL": "system"}, "True system")],
)
def test_the_command_line_sets_its_memory_settings_unless_the_operator_has(own, expected):
    """`python -m data` turns numpy's huge pages off and takes pyarrow's jemalloc pool (bench/bench_ingest.py
    measured why); an operator's own setting of either wins."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("NUMPY_MADVISE_HUGEPAGE", "ARROW_DEFAULT_MEMORY_POOL")}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                            env={**env, **own}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
