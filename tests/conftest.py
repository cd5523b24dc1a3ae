"""Shared fixtures: the project config, and stores built in temporary directories.

Building the demonstration store takes a fraction of a second, so each test that needs one gets a
fresh copy (no test can disturb another's data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data.demo import build_demo_store
from data.store import Store
from metrics.config import Config, load_config
from tests.actors import named


@pytest.fixture(scope="session")
def cfg() -> Config:
    return load_config()


@pytest.fixture(scope="session")
def demo_store_file(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> Path:
    """A demonstration store built once per session; copy it, never write to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Store(path) as store:
        build_demo_store(store, cfg)
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_store_file: Path) -> Path:
    """A private copy of the demonstration store file (for app tests and CLIs)."""
    target = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store_file, target)
    return target


@pytest.fixture
def demo_store(demo_db: Path):
    """An open Store on a private copy of the demonstration store."""
    with Store(demo_db) as store:
        yield store


@pytest.fixture
def empty_store(tmp_path: Path):
    with Store(tmp_path / "empty.duckdb") as store:
        yield store


# --- the executive review (issue 6): a store with a restatement ------------------------------------

RESTATED_FILE_NAME = "ct-october-2020-restated.csv"


@pytest.fixture(scope="session")
def restated_demo_file(tmp_path_factory: pytest.TempPathFactory, cfg: Config) -> Path:
    """The demonstration data loaded 30 days ago, then a file loaded 3 days ago that restates CT tests at
    the PRUH for October 2020 (1,904 → 1,600, so CT activity falls from 100.0% to 90.0% of Oct 2019).
    Copy it, never write to it."""
    import datetime as dt

    from data.demo import build_demo_frame
    from data.store import utc_now

    now = utc_now()
    frame = build_demo_frame(cfg)
    path = tmp_path_factory.mktemp("restated") / "restated.duckdb"
    with Store(path) as store:
        store.commit_rows(frame, file_name="demonstration-data (generated)", sha256="demo", actor=named("Demo builder"),
                          kind="demo", now=now - dt.timedelta(days=30))
        rows = frame[(frame["measure"] == "ct_tests") & (frame["month"] == dt.date(2020, 10, 1))
                     & (frame["site"] == "PRUH") & (frame["segment"] == "All")].copy()
        rows["value"] = 1600.0
        store.commit_rows(rows, file_name=RESTATED_FILE_NAME, sha256="restated", actor=named("Ann Analyst"),
                          now=now - dt.timedelta(days=3))
    return path


@pytest.fixture
def restated_demo_db(tmp_path: Path, restated_demo_file: Path) -> Path:
    """A private copy of the restated demonstration store."""
    target = tmp_path / "restated.duckdb"
    shutil.copyfile(restated_demo_file, target)
    return target


@pytest.fixture(autouse=True)
def raise_page_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages show an unexpected error as a sentence and a reference id; under test it is raised as well,
    so AppTest's `at.exception` still catches it."""
    monkeypatch.setenv("RECOVERY_RAISE_ERRORS", "1")
