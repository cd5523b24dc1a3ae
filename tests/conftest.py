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


# --- the two store engines (issue 15) -------------------------------------------------------------------
# A test module that sets `BOTH_ENGINES = True` runs each test that uses `store_engine` (through
# `empty_store`, `demo_store` or `store_target`) once on a DuckDB file and once on a throw-away
# PostgreSQL cluster (tests/pg.py); `@pytest.mark.duckdb_only` keeps a test about the file itself to
# DuckDB. Every other module sees DuckDB only.

ENGINES = ("duckdb", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "duckdb_only: a test of the DuckDB store file itself, not run on PostgreSQL")
    # pytest-xdist's --dist loadfile hands out the files with the most tests first (its "loadscope reorder"),
    # which put the long files of few tests — the browser tests, the equivalence sweeps — last, on one worker
    # while the other sat idle. Keep the order below instead.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


# The files that take longest run first (order only: every test still runs), so the parallel workers of
# `make test` (pytest-xdist, --dist loadfile) finish together rather than one working through a long
# file it picked up last while the other waits. Longest first, as measured on a whole run (2 workers):
# the accessibility sweeps, the SIGKILL trials, the old-versus-new paths on both demonstration stores,
# the sixty malformed files, the review's SQL against its full computation, the other browser tests,
# sign-in, then the AppTests.
SLOWEST_FIRST = (
    "tests/e2e/test_accessibility_e2e.py",
    "tests/unit/test_reliability.py",
    "tests/unit/test_speed_paths.py",
    "tests/unit/test_ingest.py",
    "tests/unit/test_review_sql.py",
    "tests/e2e/",
    "tests/app/test_signin.py",
    "tests/app/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(SLOWEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(SLOWEST_FIRST))

    items.sort(key=rank)  # stable: each file's own order is kept


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_engine" not in metafunc.fixturenames or not getattr(metafunc.module, "BOTH_ENGINES", False):
        return
    engines = ["duckdb"] if metafunc.definition.get_closest_marker("duckdb_only") else list(ENGINES)
    metafunc.parametrize("store_engine", engines, indirect=True)


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the whole session (initdb + pg_ctl in a temporary directory on a free port)."""
    from tests.pg import Cluster, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed here (no initdb/pg_ctl on PATH, PG_BIN or /usr/lib/postgresql/*/bin); "
                    ".ci/run installs it with apt-get install postgresql")
    cluster = Cluster(bin_dir)
    yield cluster
    cluster.stop()


@pytest.fixture
def store_engine(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture
def store_target(request: pytest.FixtureRequest, store_engine: str, tmp_path: Path):
    """Where a new, empty store goes: a DuckDB file path, or the URL of a fresh PostgreSQL database."""
    if store_engine == "duckdb":
        yield tmp_path / "empty.duckdb"
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture(scope="session")
def pg_demo_template(request: pytest.FixtureRequest, cfg: Config) -> str:
    """A PostgreSQL database holding the demonstration store, built once; tests copy it (TEMPLATE)."""
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database(name="demo_template")
    with Store(url) as store:
        build_demo_store(store, cfg)
    return "demo_template"


@pytest.fixture
def demo_store(request: pytest.FixtureRequest, store_engine: str):
    """An open Store on a private copy of the demonstration store (on DuckDB, the file `demo_db`)."""
    if store_engine == "duckdb":
        with Store(request.getfixturevalue("demo_db")) as store:
            yield store
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database(template=request.getfixturevalue("pg_demo_template"))
    with Store(url) as store:
        yield store
    cluster.drop_database(url)


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty DuckDB store, every migration applied, built once per session; copy it, never write to it."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    Store(path).close()
    return path


@pytest.fixture
def empty_store(store_target, empty_store_file: Path):
    """An open, empty Store. On DuckDB a copy of `empty_store_file` at `store_target` (opening it runs
    migrate(), which finds every migration done: the migrations themselves run once per session, and
    per test in tests/unit/test_store.py); on PostgreSQL a fresh database that Store migrates."""
    if isinstance(store_target, Path):
        shutil.copyfile(empty_store_file, store_target)
    with Store(store_target) as store:
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
