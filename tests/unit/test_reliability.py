"""Uploads under stress: killed mid-commit, committed concurrently, and fed arbitrary bytes.

- A `python -m data load` killed with SIGKILL at a random moment of its commit leaves all of the
  upload or none of it, and the uploads table agrees with the facts.
- Two commits at once on one Store (threads, one cursor each) both end up recorded with no value lost.
Both on a DuckDB file and on a PostgreSQL database (tests/conftest.py; two processes committing at once
on PostgreSQL: tests/unit/test_postgres.py).
- The validator never raises, whatever it is given: it always returns a report.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.ingest import MAX_PROBLEMS, UploadCheck, check_upload, commit_upload, format_report
from data.store import ALL, Store
from metrics.config import Config
from tests.actors import named

PROJECT = Path(__file__).resolve().parents[2]
BOTH_ENGINES = True
SEED = 20200731  # the kill delays are random, but the same on every run
KILL_TRIALS = 20


# --- SIGKILL during a commit ---------------------------------------------------------------------------


def _key_frame(cfg: Config, months: pd.DatetimeIndex) -> pd.DataFrame:
    services = [s.id for s in cfg.services][:8]
    keys = pd.DataFrame(
        list(itertools.product([m.id for m in cfg.measures], services, [s.id for s in cfg.sites])),
        columns=["measure", "service", "site"],
    )
    frame = keys.merge(pd.DataFrame({"month": months}), how="cross")
    frame["segment"] = ALL
    return frame


def _state(path: Path | str) -> dict:
    with Store(path, read_only=True) as store:
        facts = store.facts()
        return {
            "facts": facts[["month", "measure", "service", "site", "segment", "value", "upload_id"]]
            .sort_values(["month", "measure", "service", "site", "segment"])
            .reset_index(drop=True),
            "uploads": store.uploads()[["upload_id", "status", "rows_added", "rows_changed", "rows_unchanged"]],
            "history": len(store.history()),
        }


def _start_load(db: Path | str, csv_file: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "data", "load", str(csv_file), "--yes", "--db", str(db)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _wait_for_commit_to_start(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if line.startswith("Writing"):
            return
    raise AssertionError("the load ended before it started writing")


class Copies:
    """Copies of a base store: files (DuckDB) or databases made from a template (PostgreSQL)."""

    def __init__(self, engine: str, directory: Path, request: pytest.FixtureRequest):
        self.engine, self.directory = engine, directory
        self.cluster = request.getfixturevalue("pg_cluster") if engine == "postgresql" else None
        self.base = directory / "base.duckdb" if self.cluster is None else self.cluster.new_database(name="kill_base")

    def copy(self, name: str) -> Path | str:
        if self.cluster is None:
            return Path(shutil.copyfile(self.base, self.directory / f"{name}.duckdb"))
        return self.cluster.new_database(template="kill_base", name=f"kill_{name}")


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def kill_setup(request: pytest.FixtureRequest, cfg: Config, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A store of 24k values and a 36k-row file that changes 12k of them and adds 24k; the state
    before and after a completed load, and how long the commit takes — on each engine."""
    directory = tmp_path_factory.mktemp("kill")
    copies = Copies(request.param, directory, request)
    months = pd.date_range("2019-04-01", "2021-03-01", freq="MS")
    base = _key_frame(cfg, months[:12]).assign(value=100.0)
    base_db = copies.base
    with Store(base_db) as store:
        store.commit_rows(base, file_name="base.csv", sha256="base", actor=named("Setup"))
    changed_measures = [m.id for m in cfg.measures][:8]
    upload = _key_frame(cfg, months).assign(value=101.0)
    upload = upload[(upload["month"] >= months[12]) | upload["measure"].isin(changed_measures)]
    csv_file = directory / "upload.csv"
    upload.assign(period=upload["month"].dt.strftime("%Y-%m"))[
        ["period", "measure", "service", "site", "segment", "value"]
    ].to_csv(csv_file, index=False)

    finished = copies.copy("finished")
    process = _start_load(finished, csv_file)
    _wait_for_commit_to_start(process)
    started = time.perf_counter()
    assert process.wait(timeout=120) == 0
    commit_seconds = time.perf_counter() - started
    return {
        "copies": copies,
        "csv": csv_file,
        "before": _state(base_db),
        "after": _state(finished),
        "commit_seconds": commit_seconds,
    }


def _outcome(state: dict, before: dict, after: dict) -> str:
    if state["facts"].equals(before["facts"]):
        assert state["uploads"].equals(before["uploads"]) and state["history"] == before["history"]
        return "none"
    assert state["facts"].equals(after["facts"]), "a killed load left part of its values"
    assert state["uploads"].equals(after["uploads"]) and state["history"] == after["history"]
    # The uploads table agrees with the facts: the new upload wrote exactly the values it counts.
    new = state["uploads"].iloc[0]
    written = int((state["facts"]["upload_id"] == new["upload_id"]).sum())
    assert written == new["rows_added"] + new["rows_changed"] and state["history"] == new["rows_changed"]
    return "all"


def test_a_load_killed_during_its_commit_leaves_all_of_it_or_none(kill_setup: dict) -> None:
    before, after = kill_setup["before"], kill_setup["after"]
    assert len(after["uploads"]) == 2 and after["uploads"].iloc[0]["rows_changed"] > 10_000
    rng = random.Random(SEED)
    delays = [rng.uniform(0, kill_setup["commit_seconds"]) for _ in range(KILL_TRIALS)]

    def trial(number: int) -> str:
        db = kill_setup["copies"].copy(f"trial{number}")
        process = _start_load(db, kill_setup["csv"])
        _wait_for_commit_to_start(process)
        time.sleep(delays[number])  # the random moment of the kill, not a wait for a result
        process.send_signal(signal.SIGKILL)
        returncode = process.wait(timeout=60)
        assert returncode in (0, -signal.SIGKILL)
        return _outcome(_state(db), before, after)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(trial, range(KILL_TRIALS)))
    print(f"SIGKILL trials ({kill_setup['copies'].engine}): {outcomes.count('none')} left nothing, "
          f"{outcomes.count('all')} left all of the upload")
    assert set(outcomes) <= {"none", "all"}
    # Most kills land inside the commit (which then leaves nothing), so the test cannot pass vacuously.
    assert outcomes.count("none") >= 1


# --- two commits at once -------------------------------------------------------------------------------


def _frame(months: pd.DatetimeIndex, measures: list[str], value: float) -> pd.DataFrame:
    frame = pd.DataFrame(
        list(itertools.product(months, measures, ["cardiology", "urology"], ["PRUH", "ORPINGTON"])),
        columns=["month", "measure", "service", "site"],
    )
    return frame.assign(segment=ALL, value=value)


@pytest.mark.parametrize("round_number", range(3))
def test_two_concurrent_commits_are_both_recorded_and_lose_no_value(round_number: int, empty_store: Store) -> None:
    months = pd.date_range("2019-04-01", periods=24, freq="MS")
    shared = ["ct_tests", "mri_tests"]
    empty_store.commit_rows(_frame(months, shared, 1.0), file_name="base", sha256="base", actor=named("Setup"))
    # Each writes the shared values (a conflict) and values of its own.
    batches = {
        "a": pd.concat([_frame(months, shared, 2.0), _frame(months, ["endoscopy_tests"], 2.0)]),
        "b": pd.concat([_frame(months, shared, 3.0), _frame(months, ["spa_discharges"], 3.0)]),
    }
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def write(name: str) -> None:
        barrier.wait()
        result = empty_store.commit_rows(
            batches[name], file_name=f"{name}.csv", sha256=f"{name}{round_number}", actor=named(name)
        )
        results[name] = result.upload_id

    threads = [threading.Thread(target=write, args=(name,)) for name in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(results) == {"a", "b"}
    uploads = empty_store.uploads()
    assert sorted(uploads["file_name"]) == ["a.csv", "b.csv", "base"]
    assert set(uploads["status"]) == {"committed"}
    facts, history = empty_store.facts(), empty_store.history()
    winner = max(results.values())
    winner_value = 2.0 if winner == results["a"] else 3.0
    shared_facts = facts[facts["measure"].isin(shared)]
    assert set(shared_facts["upload_id"]) == {winner} and set(shared_facts["value"]) == {winner_value}
    # Every value ever written to a shared key is current or in history: 1 (base), 2 (a), 3 (b).
    keys = ["month", "measure", "service", "site", "segment"]
    every = pd.concat([facts[[*keys, "value"]], history[[*keys, "value"]]])
    per_key = every[every["measure"].isin(shared)].groupby(keys)["value"].apply(lambda v: sorted(v))
    assert per_key.map(tuple).unique().tolist() == [(1.0, 2.0, 3.0)]
    # Each upload's own values arrived in full.
    assert (facts["measure"] == "endoscopy_tests").sum() == len(_frame(months, ["x"], 0))
    assert (facts["measure"] == "spa_discharges").sum() == len(_frame(months, ["x"], 0))
    counts = uploads.set_index("file_name")
    for name in ("a", "b"):
        assert counts.loc[f"{name}.csv", "rows_added"] == len(_frame(months, ["x"], 0))


# --- the validator never raises ------------------------------------------------------------------------------

PERIODS = ["2020-07", "2020-07-01", "01/07/2020", "Jul-20", "July 2020", "Jul 2020", "2019-03", "2099-01", "13/13/2020"]
NAMES = ["ct_tests", "CT tests", "mri_tests", "cardiology", "320", "PRUH", "RJZ30", "imd:1", "All", "ct_test"]
AWKWARD = ["", " ", "=1+1", "+1", "-1", "@A1", "1,234", "1e999", "nan", "inf", "-0", "0", '"', "a\nb", ";", "\t",
           ",", "\x00"]
HEADER_NAMES = ["period", "measure", "service", "site", "segment", "value", " Period ", "VALUE", "month", "ct_tests",
                "MRI tests", "comment", ""]

cells = st.one_of(
    st.sampled_from(PERIODS + NAMES + AWKWARD),
    st.integers(-(10**6), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=10),
)


@st.composite
def upload_files(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADER_NAMES), st.text(max_size=8)), max_size=8))
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    # Quoted like a spreadsheet would, or joined naively (stray delimiters, quotes and line breaks
    # then make ragged rows).
    quoted = draw(st.booleans())

    def quote(cell: str) -> str:
        if quoted and any(c in cell for c in f'"{delimiter}\n\r'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    lines = [delimiter.join(quote(c) for c in row) for row in [header, *rows]]
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@settings(max_examples=2000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=upload_files())
def test_the_validator_always_returns_a_report(data: bytes, cfg: Config) -> None:
    check = check_upload(data, "fuzz.csv", cfg)
    assert isinstance(check, UploadCheck)
    assert check.ok == (check.error_count == 0)
    assert len(check.errors) <= MAX_PROBLEMS and check.error_count >= len(check.errors)
    assert all(p.message and (p.row is None or p.row >= 1) for p in [*check.errors, *check.warnings])
    assert isinstance(format_report(check), str)
    if check.ok:
        rows = check.rows
        assert rows is not None and len(rows) > 0
        values = rows["value"].to_numpy()
        assert np.isfinite(values).all() and (values >= 0).all()
        assert rows["month"].min() >= pd.Timestamp(cfg.first_month)
        assert rows["month"].max() <= pd.Timestamp(dt.date.today())
        assert set(rows["measure"]) <= set(cfg.measure_by_id) and (rows["row"] >= 2).all()
    else:
        assert check.rows is None
        with pytest.raises(ValueError):
            commit_upload(None, check, actor=named("Fuzz"))  # refused before any store is touched
