"""The PostgreSQL engine's own promises (issue 15): a DuckDB store moves in with `migrate-store` and
exports the same; the server keeps one value per key; two processes commit overlapping keys at once and
nothing is lost. The rest of the store's behaviour is tested on both engines by the store test modules
(BOTH_ENGINES in tests/conftest.py)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from data.__main__ import EXIT_ERROR, EXIT_OK, main
from data.store import ALL, Store
from tests.actors import named

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(pg_cluster):
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)


def test_migrate_store_moves_the_demonstration_store_and_the_exports_are_identical(
    demo_db: Path, pg_url: str, tmp_path: Path, capsys
) -> None:
    assert main(["export", str(tmp_path / "before"), "--db", str(demo_db)]) == EXIT_OK
    assert main(["migrate-store", "--from", str(demo_db), "--to", pg_url]) == EXIT_OK
    assert "tables of the two stores are identical" in capsys.readouterr().out
    # Exported again by the command line, after the move (each export adds its own audit event).
    assert main(["export", str(tmp_path / "after"), "--db", pg_url]) == EXIT_OK
    before = sorted(p.name for p in (tmp_path / "before").iterdir())
    assert before == sorted(p.name for p in (tmp_path / "after").iterdir())
    for name in before:
        if name != "audit_log.csv":
            assert filecmp.cmp(tmp_path / "before" / name, tmp_path / "after" / name, shallow=False), name
    with Store(pg_url, read_only=True) as moved, Store(demo_db, read_only=True) as original:
        assert moved.fact_count() == original.fact_count() > 10_000
        # The rollup was rebuilt on the target (hashed by its own engine): the same totals as the original's.
        moved_totals, original_totals = moved.measure_totals(["ct_tests", "mri_tests"]), original.measure_totals(
            ["ct_tests", "mri_tests"])
        assert len(moved_totals) > 24
        assert moved_totals[["month", "measure", "cells"]].astype(str).equals(
            original_totals[["month", "measure", "cells"]].astype(str))
        assert moved_totals["value"].tolist() == pytest.approx(original_totals["value"].tolist(), rel=1e-12)
        log = moved.audit_log()
        assert log.iloc[0]["action"] == "export" and log.iloc[1]["action"] == "migrate-store"
        audit_before = pd.read_csv(tmp_path / "before" / "audit_log.csv")
        # The original's events, in the copy with the same ids.
        assert set(audit_before["event_id"]) <= set(log["event_id"])
    # The ids continue after the copied ones.
    with Store(pg_url) as moved:
        rows = pd.DataFrame({"month": [pd.Timestamp("2020-07-01")], "measure": ["ct_tests"], "service": [ALL],
                             "site": ["PRUH"], "segment": [ALL], "value": [1.0]})
        result = moved.commit_rows(rows, file_name="after.csv", sha256="after", actor=named("Ann"))
        assert result.upload_id == int(moved.uploads()["upload_id"].max()) and result.upload_id > 1


def test_migrate_store_refuses_a_database_that_already_holds_a_store(demo_db: Path, pg_url: str, capsys) -> None:
    assert main(["migrate-store", "--from", str(demo_db), "--to", pg_url]) == EXIT_OK
    capsys.readouterr()
    assert main(["migrate-store", "--from", str(demo_db), "--to", pg_url]) == EXIT_ERROR
    assert "already holds a store" in capsys.readouterr().err


def test_a_wrong_url_is_a_sentence(capsys, pg_cluster) -> None:
    url = pg_cluster.url("no_such_database")
    assert main(["history", "--db", url]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "could not be reached" in err and "Traceback" not in err


def test_the_server_keeps_one_value_per_key(pg_url: str) -> None:
    with Store(pg_url) as store:
        rows = pd.DataFrame({"month": [pd.Timestamp("2020-07-01")], "measure": ["ct_tests"], "service": [ALL],
                             "site": ["PRUH"], "segment": [ALL], "value": [1.0]})
        store.commit_rows(rows, file_name="a.csv", sha256="a", actor=named("Ann"))
    # A writer that goes around the Store (psql, say) cannot add a second value for the key.
    with psycopg.connect(pg_url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO facts VALUES ('2020-07-01', 'ct_tests', 'All', 'PRUH', 'All', 2, 1, now())")


LOAD_IN_A_PROCESS = """
import sys
import pandas as pd
from data.store import Store
from tests.actors import named
url, name, value = sys.argv[1], sys.argv[2], float(sys.argv[3])
months = pd.date_range("2019-04-01", periods=24, freq="MS")
keys = pd.MultiIndex.from_product([months, ["ct_tests", "mri_tests", sys.argv[4]], ["cardiology", "urology"],
                                   ["PRUH", "ORPINGTON"]], names=["month", "measure", "service", "site"])
rows = keys.to_frame(index=False).assign(segment="All", value=value)
with Store(url) as store:
    print("ready", flush=True)
    sys.stdin.readline()
    print(store.commit_rows(rows, file_name=name, sha256=name, actor=named(name)).upload_id, flush=True)
"""


def test_two_processes_committing_overlapping_keys_at_once_both_land_and_lose_nothing(pg_url: str) -> None:
    with Store(pg_url) as store:  # the base values, 1.0, for the keys both will change
        months = pd.date_range("2019-04-01", periods=24, freq="MS")
        keys = pd.MultiIndex.from_product([months, ["ct_tests", "mri_tests"], ["cardiology", "urology"],
                                           ["PRUH", "ORPINGTON"]], names=["month", "measure", "service", "site"])
        base = keys.to_frame(index=False).assign(segment=ALL, value=1.0)
        store.commit_rows(base, file_name="base", sha256="base", actor=named("Setup"))
    writers = [
        subprocess.Popen([sys.executable, "-c", LOAD_IN_A_PROCESS, pg_url, name, value, own], cwd=PROJECT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for name, value, own in (("a.csv", "2", "endoscopy_tests"), ("b.csv", "3", "spa_discharges"))
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:  # both released together
        writer.stdin.write("go\n")
        writer.stdin.flush()
    ids = {}
    for writer, name in zip(writers, ("a.csv", "b.csv"), strict=True):
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0
        ids[name] = int(out.strip())
    with Store(pg_url, read_only=True) as store:
        uploads, facts, history = store.uploads(), store.facts(), store.history()
    assert sorted(uploads["file_name"]) == ["a.csv", "b.csv", "base"] and set(uploads["status"]) == {"committed"}
    winner = max(ids, key=ids.get)
    shared = facts[facts["measure"].isin(["ct_tests", "mri_tests"])]
    assert set(shared["value"]) == {2.0 if winner == "a.csv" else 3.0}
    keys = ["month", "measure", "service", "site", "segment"]
    every = pd.concat([facts[[*keys, "value"]], history[[*keys, "value"]]])
    per_key = every[every["measure"].isin(["ct_tests", "mri_tests"])].groupby(keys)["value"].apply(sorted)
    assert len(per_key) == len(shared) and per_key.map(tuple).unique().tolist() == [(1.0, 2.0, 3.0)]
    assert (facts["measure"] == "endoscopy_tests").sum() == (facts["measure"] == "spa_discharges").sum() == 96


def test_the_command_line_builds_the_demonstration_into_an_empty_database_and_refuses_a_second_time(
    pg_url: str, capsys
) -> None:
    assert main(["history", "--db", pg_url]) == EXIT_ERROR  # an empty database holds no store yet
    assert "holds no store yet" in capsys.readouterr().err
    assert main(["demo", "--db", pg_url]) == EXIT_OK
    assert "Built the demonstration store" in capsys.readouterr().out
    assert main(["demo", "--db", pg_url]) == EXIT_ERROR
    assert "already holds uploads" in capsys.readouterr().err
    with Store(pg_url, read_only=True) as store:
        assert store.is_demo() and len(store.uploads()) == 1


def test_a_read_only_store_refuses_writes_and_a_password_stays_out_of_messages(pg_cluster, pg_url: str) -> None:
    pg_cluster.admin("CREATE ROLE reader LOGIN PASSWORD 'sekret'")
    try:
        secret_url = pg_url.replace("recovery@", "reader:sekret@")
        Store(pg_url).close()
        with Store(secret_url, read_only=True) as store:
            assert "sekret" not in str(store.path) and "***" in str(store.path)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), store.cursor() as cur:
                cur.execute("INSERT INTO commentary VALUES (1, 'm', DATE '2020-07-01', 'b', 'w', now())")
    finally:
        pg_cluster.admin("DROP OWNED BY reader")
        pg_cluster.admin("DROP ROLE reader")
