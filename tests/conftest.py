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
