"""The store: connection, numbered migrations, and every query and write (all SQL lives here).

Two engines (DESIGN §4, README "Store engines"): an embedded DuckDB file (the default) or a
PostgreSQL server (`postgresql://…`), chosen by what `--db` / RECOVERY_DB holds. The queries here are
written in the SQL the two agree on; the few statements that differ (staging a DataFrame, replacing a
temporary table, the cell fingerprint's hash, the writers' lock, reading in batches, the migrations'
DDL) are in data/engine_duckdb.py and data/engine_postgres.py.

Tables (DESIGN §4):
- `facts`: the current value for each (month, measure, service, site, segment), with the upload that
  wrote it and the moment it became the known value (`valid_from`).
- `fact_history`: every value that stopped being current — replaced by a later upload or taken back
  by an undo — with the moment it stopped (`valid_to`) and the upload responsible. Together with
  `facts` it answers "what was known at time D".
- `uploads`: one row per committed file (file name, sha256, who, when, note, counts, status).
- `audit_log`: append-only: one event per write (upload, undo, commentary, review, milestones), per
  refused action, per sign-in and sign-out and per download: when, who, role(s), what, outcome. The
  Store has no method that updates or deletes it.
- `store_version`: one number every successful write raises in its transaction (`Store.version`), so
  pages can cache what they computed until the store changes.
- `schema_migrations`: which numbered migrations have run.

Every write takes an `actor` (metrics.access.Actor) and refuses, logging the refusal, an actor without
the role the write needs: the server-side check no page can walk around.

DuckDB allows one read-write process per file: the dashboard owns it, and a second process gets a
`StoreLockedError` with a sentence rather than a stack trace. PostgreSQL admits any number of
processes; their writes are serialised by an advisory lock and run at SERIALIZABLE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import inspect
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data import engine_duckdb
from metrics.access import AccessDenied, Actor, refusal
from metrics.safe_text import write_csv

# The fact grain. "All" in a dimension means "not broken down by it".
KEY_COLUMNS = ("month", "measure", "service", "site", "segment")
DIMENSIONS = ("service", "site", "segment")
ALL = "All"
UPLOAD_KINDS = ("upload", "demo")
# The ratings a Phase 3 assessment uses (seed 001); the assessment_rows table checks them too.
RAG_VALUES = ("Red", "Amber", "Green", "TBC")
# Commentary is a short narrative under a tile and a paragraph in the board pack, not a report.
MAX_COMMENTARY_CHARS = 1500
# Export reads a table this many rows at a time, so a national store is written without holding it all.
EXPORT_BATCH_ROWS = 500_000


class StoreError(RuntimeError):
    """A store operation could not be done; the message says why and what to do."""


class StoreDiskFullError(StoreError):
    """The disk holding the store filled up during a write; the transaction was rolled back."""


class StoreMissingError(StoreError):
    """There is no store file where one was expected (a mistyped --db, say)."""


class StoreLockedError(StoreError):
    """Another process (normally the running dashboard) holds the store file."""


class UndoBlockedError(StoreError):
    """A later upload changed values the upload to undo wrote; `blocking` names those uploads."""

    def __init__(self, blocking: list[int], message: str):
        self.blocking = blocking
        super().__init__(message)


class GrainError(StoreError):
    """Rows would mix a breakdown with its total for the same (month, measure)."""

    def __init__(self, conflicts: pd.DataFrame):
        self.conflicts = conflicts
        super().__init__(describe_grain_conflicts(conflicts))


class _NothingToWrite(Exception):
    """Inside commit_rows' transaction: every row is already stored, so the transaction is rolled back
    (never committed) and the commit reports it."""

    def __init__(self, unchanged: int, duplicate: int | None):
        self.unchanged, self.duplicate = unchanged, duplicate
        super().__init__(f"{unchanged} value(s) already stored")


@dataclass(frozen=True)
class CommitResult:
    """What a commit did. `upload_id` is None when nothing changed (e.g. an identical re-upload)."""

    upload_id: int | None
    rows_added: int
    rows_changed: int
    rows_unchanged: int
    duplicate_of: int | None = None

    @property
    def changed_anything(self) -> bool:
        return self.upload_id is not None


@dataclass(frozen=True)
class UndoResult:
    """What an undo did: values the upload added (now removed) and earlier values put back."""

    upload_id: int
    values_removed: int
    values_restored: int


# Numbered migrations: append only, never edit one that has shipped. Each runs in a transaction
# and is recorded in schema_migrations, so migrate() is safe to run any number of times.
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "facts, uploads and history",
        """
        CREATE SEQUENCE IF NOT EXISTS upload_id_seq START 1;
        CREATE TABLE IF NOT EXISTS uploads (
            upload_id      INTEGER PRIMARY KEY,
            kind           VARCHAR NOT NULL,
            file_name      VARCHAR NOT NULL,
            sha256         VARCHAR NOT NULL,
            uploaded_by    VARCHAR NOT NULL,
            uploaded_at    TIMESTAMP NOT NULL,
            note           VARCHAR NOT NULL DEFAULT '',
            rows_added     INTEGER NOT NULL,
            rows_changed   INTEGER NOT NULL,
            rows_unchanged INTEGER NOT NULL,
            status         VARCHAR NOT NULL,
            undone_at      TIMESTAMP,
            undone_by      VARCHAR
        );
        CREATE TABLE IF NOT EXISTS facts (
            month      DATE NOT NULL,
            measure    VARCHAR NOT NULL,
            service    VARCHAR NOT NULL,
            site       VARCHAR NOT NULL,
            segment    VARCHAR NOT NULL,
            value      DOUBLE NOT NULL,
            upload_id  INTEGER NOT NULL,
            valid_from TIMESTAMP NOT NULL
            -- One value per (month, measure, service, site, segment) is kept by the write path, not
            -- by a primary-key index: writes are serialised (Store._write_lock; DuckDB admits one
            -- writing process), a commit inserts only keys absent from facts and refuses a batch
            -- that repeats a key. Maintaining a five-column index made a 1,000,000-row upload
            -- about 2.5 times slower (bench/bench_ingest.py).
        );
        CREATE TABLE IF NOT EXISTS fact_history (
            month       DATE NOT NULL,
            measure     VARCHAR NOT NULL,
            service     VARCHAR NOT NULL,
            site        VARCHAR NOT NULL,
            segment     VARCHAR NOT NULL,
            value       DOUBLE NOT NULL,
            upload_id   INTEGER NOT NULL,
            valid_from  TIMESTAMP NOT NULL,
            valid_to    TIMESTAMP NOT NULL,
            replaced_by INTEGER NOT NULL,
            reason      VARCHAR NOT NULL
        );
        """,
    ),
    (
        4,
        "commentary",
        # A narrative per metric per month. Never updated: a new version is a new row, so every
        # earlier version stays with who wrote it and when.
        """
        CREATE SEQUENCE IF NOT EXISTS commentary_id_seq START 1;
        CREATE TABLE IF NOT EXISTS commentary (
            commentary_id INTEGER PRIMARY KEY,
            metric        VARCHAR NOT NULL,
            month         DATE NOT NULL,
            body          VARCHAR NOT NULL,
            written_by    VARCHAR NOT NULL,
            written_at    TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        3,
        "phase 3 assessment reviews and plan milestones",
        # Reviews are never updated: a new review is a new set of rows under a new review id, so
        # every earlier review stays as it was recorded, with who recorded it and when.
        """
        CREATE TABLE IF NOT EXISTS requirements (
            requirement_id VARCHAR PRIMARY KEY,
            section        VARCHAR NOT NULL,
            section_title  VARCHAR NOT NULL,
            requirement    VARCHAR NOT NULL,
            sort_order     INTEGER NOT NULL
        );
        CREATE SEQUENCE IF NOT EXISTS review_id_seq START 1;
        CREATE TABLE IF NOT EXISTS assessment_reviews (
            review_id   INTEGER PRIMARY KEY,
            review_date DATE NOT NULL,
            recorded_by VARCHAR NOT NULL,
            recorded_at TIMESTAMP NOT NULL,
            note        VARCHAR NOT NULL DEFAULT '',
            based_on    INTEGER
        );
        CREATE TABLE IF NOT EXISTS assessment_rows (
            review_id      INTEGER NOT NULL,
            requirement_id VARCHAR NOT NULL,
            lead_role      VARCHAR NOT NULL,
            rag            VARCHAR NOT NULL CHECK (rag IN ('Red', 'Amber', 'Green', 'TBC')),
            assessment     VARCHAR NOT NULL DEFAULT '',
            PRIMARY KEY (review_id, requirement_id)
        );
        CREATE SEQUENCE IF NOT EXISTS milestone_id_seq START 1;
        CREATE TABLE IF NOT EXISTS milestones (
            milestone_id INTEGER PRIMARY KEY,
            workstream   VARCHAR NOT NULL,
            milestone    VARCHAR NOT NULL,
            due_text     VARCHAR NOT NULL,
            due_month    DATE,
            status       VARCHAR NOT NULL,
            sort_order   INTEGER NOT NULL
        );
        """,
    ),
    (
        5,
        "phase 3 assessment reviews per organisation",
        # Each One Bromley partner can hold its own Phase 3 reviews; the organisation a review belongs to
        # is part of it (the demonstration's reviews are another Trust's published assessment).
        """
        ALTER TABLE assessment_reviews ADD COLUMN IF NOT EXISTS organisation VARCHAR DEFAULT '';
        -- Reviews kept before this migration: the demonstration builder's are Royal Papworth Hospital's
        -- published assessment (seed 001); any other stays '' and is shown as "organisation not recorded".
        UPDATE assessment_reviews SET organisation = 'Royal Papworth Hospital NHS Foundation Trust'
        WHERE organisation = '' AND recorded_by = 'Demonstration data builder';
        """,
    ),
    (
        8,
        "demand and capacity scenarios",
        # A scenario is named monthly multipliers on demand (referrals) and capacity (removals) per
        # service group ('All' or a service id), relative to the same month of the baseline year; NULL
        # keeps the level of the month the projection starts from. Never updated: a new version is new
        # rows under a new version id, so every earlier version stays with who saved it and when.
        # Three shipped examples, labelled as such, so every store has something to start from.
        """
        CREATE TABLE IF NOT EXISTS scenario_versions (
            version_id  INTEGER PRIMARY KEY,
            scenario    VARCHAR NOT NULL,
            version     INTEGER NOT NULL,
            description VARCHAR NOT NULL DEFAULT '',
            example     BOOLEAN NOT NULL DEFAULT FALSE,
            saved_by    VARCHAR NOT NULL,
            saved_at    TIMESTAMP NOT NULL,
            based_on    INTEGER,
            UNIQUE (scenario, version)
        );
        CREATE TABLE IF NOT EXISTS scenario_multipliers (
            version_id    INTEGER NOT NULL,
            month         DATE NOT NULL,
            service_group VARCHAR NOT NULL,
            demand        DOUBLE CHECK (demand IS NULL OR demand >= 0),
            capacity      DOUBLE CHECK (capacity IS NULL OR capacity >= 0),
            PRIMARY KEY (version_id, month, service_group)
        );
        CREATE SEQUENCE IF NOT EXISTS scenario_version_id_seq START 4;
        INSERT INTO scenario_versions VALUES
            (1, 'As now (example)', 1,
             'Referrals and removals stay at the share of 2019/20 seen in the month the projection starts from.',
             TRUE, 'Shipped example', timezone('UTC', current_timestamp), NULL),
            (2, 'Wave 2 — severe (example)', 1,
             'Elective capacity 60% of baseline November–January; demand rebounds to +10% on baseline from '
             'February. Capacity otherwise as in the starting month.',
             TRUE, 'Shipped example', timezone('UTC', current_timestamp), NULL),
            (3, 'Recovery push (example)', 1,
             'Capacity 110% of baseline from April 2021 (extra sessions, the independent sector); demand as in '
             'the starting month.',
             TRUE, 'Shipped example', timezone('UTC', current_timestamp), NULL);
        INSERT INTO scenario_multipliers
            SELECT 2, CAST(range AS DATE), 'All',
                   CASE WHEN range >= DATE '2021-02-01' THEN 1.10 END,
                   CASE WHEN month(range) IN (11, 12, 1) THEN 0.60 END
            FROM range(DATE '2020-11-01', DATE '2023-04-01', INTERVAL 1 MONTH);
        INSERT INTO scenario_multipliers
            SELECT 3, CAST(range AS DATE), 'All', NULL, 1.10
            FROM range(DATE '2021-04-01', DATE '2023-04-01', INTERVAL 1 MONTH);
        """,
    ),
]

# Written last in a migration list that is applied in version order (5 and 7 belong to other changes).
MIGRATIONS.append(
    (
        6,
        "audit log",
        # Append-only: rows are inserted, never updated or deleted (the Store has no method that does).
        # `roles` is the actor's roles when it acted; `via` how it acted (sign-in, local mode, command
        # line, system).
        """
        CREATE SEQUENCE IF NOT EXISTS audit_event_seq START 1;
        CREATE TABLE IF NOT EXISTS audit_log (
            event_id INTEGER NOT NULL,
            occurred_at TIMESTAMP NOT NULL,
            name     VARCHAR NOT NULL,
            email    VARCHAR NOT NULL,
            roles    VARCHAR NOT NULL,
            via      VARCHAR NOT NULL,
            action   VARCHAR NOT NULL,
            what     VARCHAR NOT NULL,
            outcome  VARCHAR NOT NULL
        );
        """,
    )
)
MIGRATIONS.append(
    (
        9,
        "store version",
        # One row whose number every successful write (commit, undo, commentary, review, milestones,
        # requirements, scenario) raises inside its own transaction: pages cache what they computed per
        # (store, version), and a changed number means "read again". Plain SQL, the same on any engine.
        """
        CREATE TABLE IF NOT EXISTS store_version (
            id      INTEGER PRIMARY KEY,
            version BIGINT NOT NULL
        );
        INSERT INTO store_version SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM store_version);
        """,
    )
)
# Migration 10 (issue 11): an upload keeps the national file format it was recognised as ('' for our own
# long / wide layouts). Plain portable SQL, so the PostgreSQL engine runs it unchanged.
MIGRATIONS.append(
    (
        10,
        "uploads keep the detected file format",
        "ALTER TABLE uploads ADD COLUMN source_format VARCHAR DEFAULT '';",
    )
)
# Migration 11 (issue 16): totals per (month, measure, segment, upload) at three grains — the system
# (every service and site: grain 'system', service = site = 'All'), each site over every service (grain
# 'site') and each service over every site (grain 'service') — what the Overview, the report, declared
# pages, their filters and the month lists read instead of scanning every fact. Derived from `facts` and
# `fact_history` and kept by commit and undo inside their own transactions (`Store._refresh_rollup`);
# `Store.rebuild_rollup` fills it for a store written around the commit path. `fingerprint` is the
# engine's own cell hash, so the table is not exported (ROLLUP_TABLES) and each engine builds its own.
# `restated` counts the cells holding a value a later upload replaced, as `Store.provenance` defines it.
ROLLUP_TABLE = "fact_totals"
ROLLUP_GRAINS = ("system", "site", "service")
_ROLLUP_FILL = """
    INSERT INTO fact_totals
    SELECT CASE WHEN GROUPING(f.site) = 0 THEN 'site' WHEN GROUPING(f.service) = 0 THEN 'service'
                ELSE 'system' END,
           f.month, f.measure, f.segment,
           CASE WHEN GROUPING(f.service) = 0 THEN f.service ELSE 'All' END,
           CASE WHEN GROUPING(f.site) = 0 THEN f.site ELSE 'All' END,
           f.upload_id, sum(f.value), count(*), {fingerprint}, count(r_measure)
    FROM facts f {groups}
    LEFT JOIN (
        SELECT DISTINCT h.month AS r_month, h.measure AS r_measure, h.service AS r_service, h.site AS r_site,
                        h.segment AS r_segment
        FROM fact_history h {history_groups}
        WHERE h.reason = 'replaced'
    ) AS r
      ON r_month = f.month AND r_measure = f.measure AND r_service = f.service AND r_site = f.site
     AND r_segment = f.segment
    GROUP BY GROUPING SETS (
        (f.month, f.measure, f.segment, f.upload_id),
        (f.month, f.measure, f.segment, f.upload_id, f.site),
        (f.month, f.measure, f.segment, f.upload_id, f.service)
    )
"""
# The groups a write touched: `{table}` holds (month, measure, segment) once each.
_ROLLUP_GROUPS = (
    "JOIN {table} g ON g.month = {alias}.month AND g.measure = {alias}.measure AND g.segment = {alias}.segment"
)


def rollup_fill_sql(fingerprint: str, groups_table: str | None = None) -> str:
    """The INSERT that aggregates `facts` into the rollup: every group, or those listed in `groups_table`.
    `fingerprint` is the engine's cell hash over the columns service and site (only `facts` has them
    under those names here)."""
    groups = _ROLLUP_GROUPS.format(table=groups_table, alias="f") if groups_table else ""
    history = _ROLLUP_GROUPS.format(table=groups_table, alias="h") if groups_table else ""
    return _ROLLUP_FILL.format(fingerprint=fingerprint, groups=groups, history_groups=history)


MIGRATIONS.append(
    (
        11,
        "monthly totals rollup: system, per site, per service",
        """
        CREATE TABLE IF NOT EXISTS fact_totals (
            grain       VARCHAR NOT NULL,
            month       DATE NOT NULL,
            measure     VARCHAR NOT NULL,
            segment     VARCHAR NOT NULL,
            service     VARCHAR NOT NULL,
            site        VARCHAR NOT NULL,
            upload_id   INTEGER NOT NULL,
            value       DOUBLE NOT NULL,
            cells       BIGINT NOT NULL,
            fingerprint UBIGINT NOT NULL,
            restated    BIGINT NOT NULL
        );
        """
        + rollup_fill_sql(engine_duckdb.FINGERPRINT_SQL)
        + ";",
    )
)
# Tables derived from the others (rebuilt, never exported or copied between stores).
ROLLUP_TABLES = (ROLLUP_TABLE,)
AUDIT_COLUMNS = ["event_id", "occurred_at", "name", "email", "roles", "via", "action", "what", "outcome"]
# A refusal or failure message is kept whole up to this length (they are sentences, not files).
MAX_OUTCOME_CHARS = 1000

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)
"""


def utc_now() -> dt.datetime:
    """Naive UTC timestamp (DuckDB TIMESTAMP has no zone); pages convert to UK time for display."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def describe_grain_conflicts(conflicts: pd.DataFrame, limit: int = 5) -> str:
    """One sentence per (month, measure) that would hold both a breakdown and its total."""
    lines = []
    for row in conflicts.head(limit).itertuples(index=False):
        month = pd.Timestamp(row.month).strftime("%b %Y")
        lines.append(
            f"{row.measure} in {month} would have rows broken down by {row.dimension} and rows for all "
            f"{row.dimension}s together, which would count the same activity twice; send either the "
            f"breakdown or the total, not both."
        )
    more = len(conflicts) - limit
    if more > 0:
        lines.append(f"…and {more} more month(s) and measure(s) like this.")
    return " ".join(lines)


def _month_bounds(start: dt.date | None, end: dt.date | None) -> list[dt.date]:
    return [start or dt.date(1900, 1, 1), end or dt.date(2999, 12, 1)]


def _placeholders(values: Sequence) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def is_postgres_url(target: object) -> bool:
    """Whether a store location names a PostgreSQL server (`postgresql://…`) rather than a DuckDB file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_errors() -> tuple[type[BaseException], ...]:
    """Every error class either engine raises (PostgreSQL's only once its driver has been imported)."""
    import sys

    found = engine_duckdb.DATABASE_ERRORS
    if "data.engine_postgres" in sys.modules:
        found += sys.modules["data.engine_postgres"].DATABASE_ERRORS
    return found


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error from the store's engine or the operating system means the disk is full."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    if getattr(exc, "sqlstate", None) == "53100":  # PostgreSQL's disk_full
        return True
    text = str(exc).lower()
    return isinstance(exc, (*database_errors(), OSError)) and any(
        sign in text for sign in ("no space left", "disk full", "disk is full", "not enough space")
    )


def disk_full_message(path: str | Path) -> str:
    """The sentence for a write that failed because the disk is full."""
    if is_postgres_url(str(path)):
        from data.engine_postgres import redact

        path = redact(str(path))
    return (
        f"The disk holding the store ({path}) is full; nothing was changed. Free some space on it (or move the "
        "store to a disk with room), then try again."
    )


def _serialised(method):
    """Run a Store write under its write lock: writes to facts happen one at a time, which with the
    write path's checks keeps one value per key. A write that fails because the disk is full (or
    another input/output error) has been rolled back; it becomes a StoreError with a sentence."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._write_lock:
            try:
                return method(self, *args, **kwargs)
            except AccessDenied:
                raise  # a PermissionError (an OSError) that is a refusal, not a failed write
            except (StoreError, ValueError):
                raise
            except Exception as exc:
                if self.engine.is_write_conflict(exc):
                    raise StoreError(
                        "Another write changed the same figures at the same moment, so this one was refused and "
                        "nothing was changed; try again (the other write is kept)."
                    ) from None
                if not isinstance(exc, (*self.engine.write_errors, OSError)):
                    raise
                if is_disk_full(exc):
                    raise StoreDiskFullError(disk_full_message(self.path)) from None
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise StoreError(
                    f"The store {self.path} could not be written ({first_line}); nothing was changed."
                ) from None
            finally:
                self.writes_here += 1  # after the commit (or rollback): see app_pages/_cache.py

    return locked


def _audited(action: str, describe: Callable[[dict], str]):
    """Guard a Store write: refuse (logging "refused") an actor without the role `action` needs, and
    log "failed" when the write raises. A write that succeeds logs its own event inside its
    transaction, so every write call adds exactly one event, whatever its outcome."""

    def wrap(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        def audited(self, *args, **kwargs):
            arguments = signature.bind(self, *args, **kwargs).arguments
            actor = arguments["actor"]
            if not isinstance(actor, Actor):
                raise TypeError(f"{method.__name__} needs an Actor (metrics.access), not {actor!r}")
            what = describe(arguments)
            if not actor.can(action):
                sentence = refusal(actor, action)
                self.record_event(actor, action, what, f"refused: {sentence}")
                raise AccessDenied(sentence)
            try:
                return method(self, *args, **kwargs)
            except (StoreError, ValueError) as exc:
                self.record_event(actor, action, what, f"failed: {exc}")
                raise

        return audited

    return wrap


class Store:
    """One store: a DuckDB file, or a PostgreSQL database named by a `postgresql://` URL. Methods open a
    fresh cursor per call (on PostgreSQL a pooled connection), so one Store can serve a whole app."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.read_only = read_only
        # Writes to facts (commit, undo) run one at a time: with the write path's checks this keeps
        # one value per key, and no concurrent writer can interleave with a diff. (Across processes,
        # PostgreSQL's advisory lock does the same; DuckDB admits one writing process.)
        self._write_lock = threading.RLock()
        # Writes this Store object has finished (committed or not): a cache in this process can reuse a
        # version it read a moment ago while this number stands still (app_pages/_cache.py).
        self.writes_here = 0
        if is_postgres_url(str(path)):
            self._open_postgres(str(path), read_only)
            return
        self.path = Path(path)
        self.url = None
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = engine_duckdb.Engine(self.path, read_only)
            self._con = self.engine.connection
        except engine_duckdb.LockedError:
            # DuckDB lets no other process in while one holds the file for writing, not even to read.
            what_to_do = (
                "Stop the dashboard, or read these figures on the dashboard itself, then try again."
                if read_only
                else "Stop the dashboard, or make this change from its Upload data page, then try again."
            )
            raise StoreLockedError(
                f"The store {self.path} is in use by another program (usually the running dashboard). "
                + what_to_do
                + " (A store on a PostgreSQL server admits the dashboard and the command line together: README, "
                "\"Deployment on PostgreSQL\".)"
            ) from None
        except duckdb.Error as exc:
            raise StoreError(f"The store {self.path} could not be opened: {exc}") from None
        if not read_only:
            self.migrate()

    def _open_postgres(self, url: str, read_only: bool) -> None:
        from data import engine_postgres  # psycopg is imported only for a PostgreSQL store

        self.url = url
        self.path = engine_postgres.redact(url)  # in messages: the URL without its password
        try:
            self.engine = engine_postgres.Engine(url, read_only)
        except engine_postgres.ConnectError as exc:
            raise StoreError(
                f"The store {self.path} could not be reached ({exc}). Check the URL (--db or RECOVERY_DB), that the "
                "PostgreSQL server is running and that the database exists; nothing was changed."
            ) from None
        if not read_only:
            self.migrate()

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    @classmethod
    def open_existing(cls, path: str | Path, read_only: bool = False) -> Store:
        """The store at `path`, which must already exist: a mistyped path is refused with a sentence
        instead of creating a new, empty store."""
        if is_postgres_url(str(path)):
            store = cls(str(path), read_only=read_only)
            if "schema_migrations" not in store.table_names():
                store.close()
                raise StoreMissingError(
                    f"The database {store.path} holds no store yet; check the URL (--db or RECOVERY_DB). Nothing was "
                    "changed. `load --create` starts an empty store there; `migrate-store` moves a DuckDB store in."
                )
            return store
        path = Path(path)
        if not path.is_file():
            raise StoreMissingError(
                f"There is no store at {path}; check the path (--db, RECOVERY_DB or config.yaml). Nothing was "
                "changed. `python -m data demo` builds the demonstration store; `load --create` starts an empty one."
            )
        return cls(path, read_only=read_only)

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self):
        """A fresh cursor (one per script run or write): DuckDB's own on the shared connection, or on
        PostgreSQL a pooled connection behind the same calls (data/engine_postgres.py)."""
        return self.engine.cursor()

    @contextlib.contextmanager
    def _transaction(self, cur=None, **frames: pd.DataFrame):
        """One write's transaction: yields a cursor (a fresh one, or `cur`, which stays open) inside BEGIN,
        commits when the block ends and rolls back when it raises (the error goes on up, unchanged). `frames`
        are registered by name for the block and unregistered after it, whatever happened."""
        own = cur is None
        cur = self.cursor() if own else cur
        try:
            for name, frame in frames.items():
                cur.register(name, self.engine.scannable(frame))
            cur.begin()
            try:
                yield cur
                cur.commit()
            except BaseException:
                with contextlib.suppress(*database_errors()):  # already ended (a failed COMMIT, a lost connection)
                    cur.rollback()
                raise
        finally:
            try:
                for name in frames:
                    with contextlib.suppress(*database_errors()):
                        cur.unregister(name)
            finally:
                if own:
                    cur.close()

    def migrate(self) -> list[int]:
        """Run every migration not yet recorded; return the versions applied now."""
        applied_now = []
        with self.cursor() as cur:
            lock = getattr(cur, "lock_writers", None)
            if lock is not None:  # PostgreSQL: two processes starting at once migrate one after the other
                lock()
            cur.execute(MIGRATIONS_TABLE)
            done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, name, sql in sorted(MIGRATIONS):  # in version order, however listed
                if version in done:
                    continue
                with self._transaction(cur):
                    cur.execute(self.engine.migration_sql(version, sql))
                    cur.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utc_now()]
                    )
                applied_now.append(version)
        return applied_now

    def applied_migrations(self) -> list[int]:
        with self.cursor() as cur:
            return [r[0] for r in cur.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]

    def table_names(self) -> list[str]:
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

    def columns(self, table: str, cur=None) -> list[tuple[str, str]]:
        """A table's (column, data type) pairs in order."""
        sql = ("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
               "AND table_name = ? ORDER BY ordinal_position")
        if cur is not None:
            return [tuple(r) for r in cur.execute(sql, [table]).fetchall()]
        with self.cursor() as own:
            return [tuple(r) for r in own.execute(sql, [table]).fetchall()]

    # --- reads ---------------------------------------------------------------------------------

    def measure_totals(
        self,
        measures: Iterable[str],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Monthly totals (month, measure, value) for a service × site × segment.

        "All" for service or site sums every row of that dimension; a named one keeps only its rows.
        Segment "All" is the total; a named segment reads its alternative breakdown. Unless both service and
        site are named, the rollup answers (migration 11), with the same figures as the facts.
        """
        measures = list(dict.fromkeys(measures))
        scope = self._rollup_scope(service, site)
        if scope is None:
            return self._totals("facts", [], measures, service, site, segment, start, end)
        # The rollup's per-upload rows summed, their counts added and their fingerprints XORed (the XOR of
        # XORs is the XOR over every cell).
        sql = f"""
            SELECT month, measure, sum(value) AS value, CAST(sum(cells) AS BIGINT) AS cells,
                   bit_xor(fingerprint) AS fingerprint
            FROM fact_totals
            WHERE measure IN ({_placeholders(measures)})
              AND segment = ? AND {scope[0]}
              AND month BETWEEN ? AND ?
            GROUP BY month, measure
            ORDER BY month, measure
        """
        params = [*measures, segment, *scope[1], *_month_bounds(start, end)]
        return self._frame(sql, params, columns=TOTALS_COLUMNS)

    def _totals(
        self,
        source: str,
        source_params: list,
        measures: list[str],
        service: str,
        site: str,
        segment: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> pd.DataFrame:
        """The monthly totals of `measure_totals`, over `source` (a table, or a subquery with its own
        parameters): the current facts, or the values known at a moment."""
        # `cells` and `fingerprint` (an order-free hash of the service × site cells that arrived) let
        # metrics.completeness see at once whether a month holds the same cells as its baseline month;
        # only months that differ are read cell by cell (`cells`).
        sql = f"""
            SELECT month, measure, sum(value) AS value, count(*) AS cells,
                   {self.engine.fingerprint_sql} AS fingerprint
            FROM {source}
            WHERE measure IN ({_placeholders(measures)})
              AND segment = ?
              AND (? = 'All' OR service = ?)
              AND (? = 'All' OR site = ?)
              AND month BETWEEN ? AND ?
            GROUP BY month, measure
            ORDER BY month, measure
        """
        params = [*source_params, *measures, segment, service, service, site, site, *_month_bounds(start, end)]
        return self._frame(sql, params, columns=TOTALS_COLUMNS)

    def cells(
        self,
        months: Iterable[dt.date],
        measures: Iterable[str],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        moment: dt.datetime | None = None,
    ) -> pd.DataFrame:
        """Every stored value (month, measure, service, site, value) of the given months and measures
        within a service × site × segment — the current values, or those known at `moment`.

        Read only for the few months whose cells differ from their baseline month's (see `_totals`)."""
        months, measures = sorted(set(months)), list(dict.fromkeys(measures))
        if not months or not measures:
            return pd.DataFrame(columns=CELL_COLUMNS)
        if moment is None:
            source, source_params = "facts", []
        else:
            source = f"({_known_at_sql(measures)}) AS known"
            source_params = _known_at_params(moment, measures, min(months), max(months))
        sql = f"""
            SELECT month, measure, service, site, value
            FROM {source}
            WHERE measure IN ({_placeholders(measures)})
              AND month IN ({_placeholders(months)})
              AND segment = ?
              AND (? = 'All' OR service = ?)
              AND (? = 'All' OR site = ?)
            ORDER BY month, measure, service, site
        """
        params = [*source_params, *measures, *months, segment, service, service, site, site]
        return self._frame(sql, params, columns=CELL_COLUMNS)

    def cell_fingerprint(self, cells: Iterable[tuple[str, str]]) -> tuple[int, int]:
        """(count, fingerprint) of a set of service × site cells, hashed exactly as `measure_totals` hashes
        the cells that arrived: a month whose `cells` and `fingerprint` equal these holds just these cells.
        (0, 0) for no cells."""
        cells = sorted(set(cells))
        if not cells:
            return 0, 0
        values = ", ".join("(?, ?)" for _ in cells)
        sql = f"""
            SELECT count(*) AS cells, {self.engine.fingerprint_sql} AS fingerprint
            FROM (VALUES {values}) AS declared(service, site)
        """
        with self.cursor() as cur:
            count, fingerprint = cur.execute(sql, [p for cell in cells for p in cell]).fetchone()
        return int(count), int(fingerprint)

    def cells_of(
        self,
        keys: Iterable[tuple[dt.date, str]],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        moment: dt.datetime | None = None,
    ) -> pd.DataFrame:
        """The cells of `cells`, for the given (month, measure) pairs only — not every measure of every
        month named (completeness reads just the pairs it cannot judge from the totals)."""
        by_measure: dict[str, list[dt.date]] = {}
        for month, measure in sorted(set(keys)):
            by_measure.setdefault(measure, []).append(month)
        if not by_measure:
            return pd.DataFrame(columns=CELL_COLUMNS)
        measures = list(by_measure)
        every_month = [m for months in by_measure.values() for m in months]
        if moment is None:
            source, source_params = "facts", []
        else:
            source = f"({_known_at_sql(measures)})"
            source_params = _known_at_params(moment, measures, min(every_month), max(every_month))
        # The pairs are joined as a small table (one hash lookup per stored row), not tested as a chain of
        # ORs on every row. Each pair is named once, so the join repeats no row.
        pairs = ", ".join("(CAST(? AS DATE), CAST(? AS VARCHAR))" for months in by_measure.values() for _ in months)
        sql = f"""
            SELECT s.month, s.measure, s.service, s.site, s.value
            FROM {source} AS s
            JOIN (VALUES {pairs}) AS wanted(month, measure) ON s.month = wanted.month AND s.measure = wanted.measure
            WHERE s.segment = ?
              AND (? = 'All' OR s.service = ?)
              AND (? = 'All' OR s.site = ?)
            ORDER BY s.month, s.measure, s.service, s.site
        """
        pair_params = [p for measure, months in by_measure.items() for month in months for p in (month, measure)]
        params = [*source_params, *pair_params, segment, service, service, site, site]
        return self._frame(sql, params, columns=CELL_COLUMNS)

    def provenance(
        self,
        measures: Iterable[str],
        months: Iterable[dt.date],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
    ) -> pd.DataFrame:
        """Where the current values come from: per (month, measure, upload) the number of cells that upload
        wrote, the upload's file name, who, when and sha256, and how many of those cells held an
        earlier value that a later upload replaced (`restated`)."""
        months, measures = sorted(set(months)), list(dict.fromkeys(measures))
        if not months or not measures:
            return pd.DataFrame(columns=PROVENANCE_COLUMNS)
        scope = self._rollup_scope(service, site)
        if scope is not None:  # the rollup counts each upload's cells and the restated ones
            sql = f"""
                SELECT t.month, t.measure, t.upload_id, CAST(sum(t.cells) AS BIGINT) AS cells,
                       CAST(sum(t.restated) AS BIGINT) AS restated,
                       min(u.file_name) AS file_name, min(u.uploaded_by) AS uploaded_by,
                       min(u.uploaded_at) AS uploaded_at, min(u.sha256) AS sha256
                FROM fact_totals t
                LEFT JOIN uploads u ON u.upload_id = t.upload_id
                WHERE t.measure IN ({_placeholders(measures)}) AND t.month IN ({_placeholders(months)})
                  AND t.segment = ? AND {scope[0]}
                GROUP BY t.month, t.measure, t.upload_id
                ORDER BY t.month, t.measure, t.upload_id
            """
            return self._frame(sql, [*measures, *months, segment, *scope[1]], columns=PROVENANCE_COLUMNS)
        sql = f"""
            WITH chosen AS (
                SELECT month, measure, service, site, segment, upload_id FROM facts
                WHERE measure IN ({_placeholders(measures)}) AND month IN ({_placeholders(months)})
                  AND segment = ? AND (? = 'All' OR service = ?) AND (? = 'All' OR site = ?)
            ),
            restated AS (
                SELECT DISTINCT c.month, c.measure, c.service, c.site, c.segment
                FROM chosen c
                WHERE EXISTS (
                    SELECT 1 FROM fact_history h
                    WHERE h.month = c.month AND h.measure = c.measure AND h.service = c.service
                      AND h.site = c.site AND h.segment = c.segment AND h.reason = 'replaced')
            )
            SELECT c.month, c.measure, c.upload_id, count(*) AS cells,
                   count(r.measure) AS restated,
                   min(u.file_name) AS file_name, min(u.uploaded_by) AS uploaded_by,
                   min(u.uploaded_at) AS uploaded_at, min(u.sha256) AS sha256
            FROM chosen c
            LEFT JOIN restated r USING (month, measure, service, site, segment)
            LEFT JOIN uploads u ON u.upload_id = c.upload_id
            GROUP BY c.month, c.measure, c.upload_id
            ORDER BY c.month, c.measure, c.upload_id
        """
        params = [*measures, *months, segment, service, service, site, site]
        return self._frame(sql, params, columns=PROVENANCE_COLUMNS)

    def measure_totals_by(
        self,
        dimension: str,
        measures: Iterable[str],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        start: dt.date | None = None,
        end: dt.date | None = None,
        segment_group: str | None = None,
    ) -> pd.DataFrame:
        """Monthly totals broken down by one dimension: (month, measure, <dimension>, value, cells,
        fingerprint); `cells` and `fingerprint` as in `measure_totals`, within each group.

        For dimension "segment", `segment_group` picks the breakdown (e.g. "imd" reads imd:1 … imd:5).
        """
        if dimension not in DIMENSIONS:
            raise ValueError(f"'{dimension}' is not a dimension; use one of {', '.join(DIMENSIONS)}.")
        measures = list(dict.fromkeys(measures))
        if dimension == "segment":
            segment_clause, segment_params = "segment LIKE ?", [f"{segment_group}:%" if segment_group else "%:%"]
        else:
            segment_clause, segment_params = "segment = ?", [segment]
        scope = self._rollup_breakdown_scope(dimension, service, site)
        if scope is not None:
            sql = f"""
                SELECT month, measure, {dimension}, sum(value) AS value, CAST(sum(cells) AS BIGINT) AS cells,
                       bit_xor(fingerprint) AS fingerprint
                FROM fact_totals
                WHERE measure IN ({_placeholders(measures)}) AND {segment_clause} AND {scope[0]}
                  AND month BETWEEN ? AND ?
                  AND {dimension} <> 'All'
                GROUP BY month, measure, {dimension}
                ORDER BY month, measure, {dimension}
            """
            params = [*measures, *segment_params, *scope[1], *_month_bounds(start, end)]
            return self._frame(sql, params, columns=["month", "measure", dimension, "value", "cells", "fingerprint"])
        sql = f"""
            SELECT month, measure, {dimension}, sum(value) AS value, count(*) AS cells,
                   {self.engine.fingerprint_sql} AS fingerprint
            FROM facts
            WHERE measure IN ({_placeholders(measures)})
              AND {segment_clause}
              AND (? = 'All' OR service = ?)
              AND (? = 'All' OR site = ?)
              AND month BETWEEN ? AND ?
              AND {dimension} <> 'All'
            GROUP BY month, measure, {dimension}
            ORDER BY month, measure, {dimension}
        """
        params = [*measures, *segment_params, service, service, site, site, *_month_bounds(start, end)]
        return self._frame(sql, params, columns=["month", "measure", dimension, "value", "cells", "fingerprint"])

    def months_with_data(self, measures: Iterable[str] | None = None) -> list[dt.date]:
        """Every month holding at least one value (of the given measures, if any), oldest first (from the
        rollup, which holds a system-total row for every month, measure and segment with a value)."""
        source = "fact_totals WHERE grain = 'system'" if self._has_rollup() else "facts WHERE TRUE"
        if measures is None:
            sql, params = f"SELECT DISTINCT month FROM {source} ORDER BY month", []
        else:
            measures = list(measures)
            sql = f"SELECT DISTINCT month FROM {source} AND measure IN ({_placeholders(measures)}) ORDER BY month"
            params = measures
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(sql, params).fetchall()]

    def latest_month(self, measures: Iterable[str] | None = None) -> dt.date | None:
        months = self.months_with_data(measures)
        return months[-1] if months else None

    def dimension_values(self, dimension: str, measures: Iterable[str] | None = None) -> list[str]:
        """Distinct ids present for a dimension (excluding "All")."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"'{dimension}' is not a dimension; use one of {', '.join(DIMENSIONS)}.")
        where, params = "", []
        if measures is not None:
            measures = list(measures)
            where, params = f"AND measure IN ({_placeholders(measures)})", measures
        sql = f"SELECT DISTINCT {dimension} FROM facts WHERE {dimension} <> 'All' {where} ORDER BY 1"
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(sql, params).fetchall()]

    def filter_options(self, measures: Iterable[str]) -> dict[str, list]:
        """In one pass over the facts: the months holding any of the measures ("months"), the sites
        they are broken down by ("sites"), and which of them are broken down by service ("by_service")."""
        measures = list(dict.fromkeys(measures))
        if self._has_rollup():
            return self._filter_options_from_rollup(measures)
        source = "facts"
        sql = f"""
            SELECT month, site, measure, by_service
            FROM (SELECT month, site, measure, service <> 'All' AS by_service
                  FROM {source} AS f WHERE measure IN ({_placeholders(measures)})) AS chosen
            GROUP BY GROUPING SETS ((month), (site), (measure, by_service))
        """
        with self.cursor() as cur:
            rows = cur.execute(sql, measures).fetchall()
        return {
            "months": sorted({r[0] for r in rows if r[0] is not None}),
            "sites": sorted({r[1] for r in rows if r[1] is not None and r[1] != ALL}),
            "by_service": sorted({r[2] for r in rows if r[2] is not None and r[3]}),
        }

    def _filter_options_from_rollup(self, measures: list[str]) -> dict[str, list]:
        """`filter_options` from the rollup, each answer from the one grain that holds it: every fact has a row in
        each grain, so the months are those of the system rows (a few per measure), the sites those of the site
        rows, and a measure is broken down by service where it has a service row (a named service: one probe
        per measure, which PostgreSQL's index on (measure, segment, grain, …) answers at its first row). The
        months and the measures by service no longer need a pass over the site and service rows."""
        marks = _placeholders(measures)
        sql = f"""
            SELECT 0 AS part, month, NULL AS name FROM fact_totals
            WHERE grain = 'system' AND measure IN ({marks}) GROUP BY month
            UNION ALL
            SELECT 1, NULL, site FROM fact_totals
            WHERE grain = 'site' AND site <> 'All' AND measure IN ({marks}) GROUP BY site
            UNION ALL
            SELECT 2, NULL, m.measure FROM (VALUES {", ".join("(CAST(? AS VARCHAR))" for _ in measures)}) AS m(measure)
            WHERE EXISTS (SELECT 1 FROM fact_totals t
                          WHERE t.measure = m.measure AND t.grain = 'service' AND t.service <> 'All')
        """
        with self.cursor() as cur:
            rows = cur.execute(sql, [*measures, *measures, *measures]).fetchall()
        return {
            "months": sorted({r[1] for r in rows if r[0] == 0}),
            "sites": sorted({r[2] for r in rows if r[0] == 1}),
            "by_service": sorted({r[2] for r in rows if r[0] == 2}),
        }

    def dimension_values_within(
        self,
        dimension: str,
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        measures: Iterable[str] | None = None,
    ) -> list[str]:
        """Distinct ids of `dimension` (excluding "All") among the rows of a service × site × segment,
        e.g. the sites holding figures for Cardiology. "All" in a filter means "any"."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"'{dimension}' is not a dimension; use one of {', '.join(DIMENSIONS)}.")
        clauses, params = [], []
        if dimension != "segment":
            clauses.append("segment = ?")
            params.append(segment)
        if dimension != "service":
            clauses.append("(? = 'All' OR service = ?)")
            params += [service, service]
        if dimension != "site":
            clauses.append("(? = 'All' OR site = ?)")
            params += [site, site]
        if measures is not None:
            measures = list(measures)
            clauses.append(f"measure IN ({_placeholders(measures)})")
            params += measures
        where = " AND ".join([f"{dimension} <> 'All'", *clauses])
        # `dimension` is an identifier checked against DIMENSIONS above; values are parameters.
        sql = f"SELECT DISTINCT {dimension} FROM facts WHERE {where} ORDER BY 1"
        with self.cursor() as cur:
            return [r[0] for r in cur.execute(sql, params).fetchall()]

    def uploads(self) -> pd.DataFrame:
        """Every upload, newest first."""
        return self._frame("SELECT * FROM uploads ORDER BY upload_id DESC", [])

    def latest_upload(self) -> dict | None:
        """The most recent committed upload, or None for an empty store."""
        frame = self._frame(
            "SELECT * FROM uploads WHERE status = 'committed' ORDER BY uploaded_at DESC, upload_id DESC LIMIT 1", []
        )
        return None if frame.empty else frame.iloc[0].to_dict()

    def is_demo(self) -> bool:
        """True when any current value came from the demonstration builder."""
        with self.cursor() as cur:
            row = cur.execute(
                "SELECT count(*) FROM uploads WHERE kind = 'demo' AND status = 'committed'"
            ).fetchone()
        return bool(row[0])

    def fact_count(self) -> int:
        with self.cursor() as cur:
            return cur.execute("SELECT count(*) FROM facts").fetchone()[0]

    def facts(self) -> pd.DataFrame:
        """Every current value (for export and tests; not for pages)."""
        return self._frame("SELECT * FROM facts ORDER BY month, measure, service, site, segment", [])

    def history(self) -> pd.DataFrame:
        return self._frame("SELECT * FROM fact_history ORDER BY valid_to, month, measure, service, site, segment", [])

    def export_csv(
        self, directory: str | Path, tables: Sequence[str] | None = None, *, force: bool = False
    ) -> list[Path]:
        """Write every table but the rollup (or the named ones) to DIRECTORY/<table>.csv with a header row, through the
        guarded CSV writer (user text cannot run as a spreadsheet formula). Refuses a folder that
        already holds files unless `force` (then only the CSVs written are replaced)."""
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise StoreError(f"{directory} is a file, not a folder; choose a folder to export into.")
        if not force and directory.exists() and any(directory.iterdir()):
            raise StoreError(
                f"The folder {directory} is not empty; nothing was written. Choose a new or empty folder, or use "
                "--force to replace the CSV files in it."
            )
        # The rollup is derived from facts and hashed by the engine's own function: not part of an export.
        names = list(tables) if tables else [t for t in self.table_names() if t not in ROLLUP_TABLES]
        for name in names:
            if name not in self.table_names():
                raise StoreError(f"There is no table called '{name}' in the store.")
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        with self.cursor() as cur:
            for name in names:
                target = directory / f"{name}.csv"
                # Identifiers cannot be parameters; `name` is checked against the catalogue above. Every
                # column, left to right, orders the rows (DuckDB's ORDER BY ALL) and text compares byte by
                # byte on either engine, so a store exports the same text from DuckDB or PostgreSQL.
                order = ", ".join(self.engine.byte_order(column, kind) for column, kind in self.columns(name, cur))
                columns, batches = self.engine.batches(cur, f"SELECT * FROM {name} ORDER BY {order}", EXPORT_BATCH_ROWS)
                first = True
                for batch in batches:
                    write_csv(batch, target, header=first, mode="w" if first else "a")
                    first = False
                if first:  # an empty table: the header row alone
                    write_csv(pd.DataFrame(columns=columns), target)
                written.append(target)
        return written

    # --- as known at a moment (DESIGN §4: history makes "as known at date D" possible) ------------

    def measure_totals_as_of(
        self,
        moment: dt.datetime,
        measures: Iterable[str],
        service: str = ALL,
        site: str = ALL,
        segment: str = ALL,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Monthly totals (month, measure, value) as they were known at `moment` (naive UTC).

        The same totals as `measure_totals`, read from the values current at that moment: facts
        written at or before it, plus history rows that were current then (valid_from <= moment <
        valid_to). A value written after the moment is not yet known; one replaced after it still is.
        """
        measures = list(dict.fromkeys(measures))
        known = f"({_known_at_sql(measures)}) AS known"
        return self._totals(
            known, _known_at_params(moment, measures, start, end), measures, service, site, segment, start, end
        )

    def changes_between(
        self, earlier: dt.datetime, later: dt.datetime, measures: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Every stored value whose known value differs between two moments (naive UTC).

        One row per (month, measure, service, site, segment) with `old_value` (known at `earlier`;
        empty when it was not yet known), `new_value` (known at `later`; empty when taken back),
        `change` ∈ {new, restated, removed}, and the upload responsible (`upload_id`, `file_name`,
        `uploaded_by`, `uploaded_at`, `by_undo`): when the earlier value was taken back by an undo, the
        undone upload (`by_undo` true); otherwise the upload that wrote the value now known if it was
        written after `earlier`, else the one that replaced the earlier value.
        """
        if earlier > later:
            raise ValueError("The earlier moment must not be after the later one; swap the two dates.")
        chosen = list(dict.fromkeys(measures)) if measures is not None else None
        select = """
            SELECT c.*, u.file_name, u.uploaded_by, u.uploaded_at
            FROM compared c LEFT JOIN uploads u USING (upload_id)
            ORDER BY month, measure, service, site, segment
        """
        return self._frame(_changes_sql(chosen, select), _changes_params(earlier, later, chosen), _CHANGE_COLUMNS)

    def change_summary_between(
        self, earlier: dt.datetime, later: dt.datetime, measures: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """`changes_between` counted per (month, measure, segment, change, upload): how many stored
        values each upload changed in each month — small however many values changed."""
        if earlier > later:
            raise ValueError("The earlier moment must not be after the later one; swap the two dates.")
        chosen = list(dict.fromkeys(measures)) if measures is not None else None
        # Counted per upload first, then named: the uploads table is joined to a few hundred groups, not
        # to every changed value.
        select = """
            , counted AS (
                SELECT c.month, c.measure, c.segment, c.change, c.upload_id, c.by_undo, count(*) AS n
                FROM compared c
                GROUP BY c.month, c.measure, c.segment, c.change, c.upload_id, c.by_undo
            )
            SELECT c.month, c.measure, c.segment, c.change, c.upload_id, c.by_undo, u.file_name,
                   c.n AS "values"
            FROM counted c LEFT JOIN uploads u USING (upload_id)
            ORDER BY month, measure, segment, change, upload_id
        """
        arrivals_only = not self._any_ended_between(earlier, later, chosen)
        return self._frame(_changes_sql(chosen, select, arrivals_only),
                           _changes_params(earlier, later, chosen, arrivals_only), _CHANGE_SUMMARY_COLUMNS)

    def _any_ended_between(self, earlier: dt.datetime, later: dt.datetime, measures: Sequence[str] | None) -> bool:
        """Whether a value known at `earlier` stopped being current by `later` (replaced or undone). When
        none did, every difference between the moments is a value that arrived after `earlier`
        (`_changes_sql(..., arrivals_only=True)`). Reads fact_history only (facts hold no ended values)."""
        sql = f"""
            SELECT count(*) FROM (
                SELECT 1 FROM fact_history
                WHERE valid_from <= ? AND ? < valid_to AND valid_to <= ? {_measure_clause(measures)}
                LIMIT 1
            ) AS ended
        """
        with self.cursor() as cur:
            found = cur.execute(sql, [earlier, earlier, later, *(measures or [])]).fetchone()[0]
        return int(found) > 0

    # --- commentary (migration 4) --------------------------------------------------------------

    @_serialised
    @_audited("commentary", lambda a: f"commentary on {a['metric']} for {a['month']:%b %Y}")
    def add_commentary(
        self, metric: str, month: dt.date, body: str, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Keep a new version of the narrative for a metric and month, written by `actor` (who needs
        the editor role); return its id.

        Earlier versions are never changed. Raises ValueError (with what to fix) for empty or
        over-long text.
        """
        body = (body or "").strip()
        if not metric:
            raise ValueError("Choose the metric the commentary is about.")
        if not body:
            raise ValueError("The commentary is empty: write a sentence or two about the month before saving.")
        if len(body) > MAX_COMMENTARY_CHARS:
            raise ValueError(
                f"The commentary is {len(body):,} characters long; shorten it to {MAX_COMMENTARY_CHARS:,} or fewer "
                "(the board pack gives each metric a short paragraph)."
            )
        now = now or utc_now()
        with self._transaction() as cur:
            commentary_id = cur.execute("SELECT nextval('commentary_id_seq')").fetchone()[0]
            cur.execute(
                "INSERT INTO commentary VALUES (?, ?, ?, ?, ?, ?)",
                [commentary_id, metric, month, body, actor.label, now],
            )
            self._log_write(cur, actor, "commentary", f"commentary {commentary_id} on {metric} for {month:%b %Y}",
                            now=now)
        return int(commentary_id)

    def latest_commentary(self, month: dt.date, metrics: Iterable[str] | None = None) -> pd.DataFrame:
        """The newest version of the commentary for each metric in a month, with `versions` (how many
        have been written)."""
        if "commentary" not in self.table_names():  # a read-only store from before migration 4
            return pd.DataFrame(columns=_COMMENTARY_COLUMNS)
        chosen = list(dict.fromkeys(metrics)) if metrics is not None else None
        where = f"AND metric IN ({_placeholders(chosen)})" if chosen is not None else ""
        sql = f"""
            SELECT commentary_id, metric, month, body, written_by, written_at, versions
            FROM (
                SELECT commentary_id, metric, month, body, written_by, written_at,
                       count(*) OVER (PARTITION BY metric) AS versions,
                       row_number() OVER (PARTITION BY metric ORDER BY written_at DESC, commentary_id DESC) AS newest
                FROM commentary
                WHERE month = ? {where}
            ) AS versions
            WHERE newest = 1
            ORDER BY metric
        """
        return self._frame(sql, [month, *(chosen or [])], columns=_COMMENTARY_COLUMNS)

    def commentary_versions(self, metric: str, month: dt.date) -> pd.DataFrame:
        """Every version written for a metric and month, newest first."""
        if "commentary" not in self.table_names():
            return pd.DataFrame(columns=_COMMENTARY_COLUMNS[:-1])
        return self._frame(
            """SELECT commentary_id, metric, month, body, written_by, written_at FROM commentary
               WHERE metric = ? AND month = ? ORDER BY written_at DESC, commentary_id DESC""",
            [metric, month],
            columns=_COMMENTARY_COLUMNS[:-1],
        )

    # --- Phase 3 assessment reviews and the plan's milestones (migration 3) ----------------------

    def requirements(self) -> pd.DataFrame:
        """The Phase 3 requirements (requirement_id, section, section_title, requirement, sort_order)."""
        if "requirements" not in self.table_names():  # a read-only store from before migration 3
            return pd.DataFrame(columns=_REQUIREMENT_COLUMNS)
        return self._frame(
            "SELECT * FROM requirements ORDER BY sort_order, requirement_id", [], columns=_REQUIREMENT_COLUMNS
        )

    @_serialised
    @_audited("requirements", lambda a: "Phase 3 requirements")
    def add_requirements(self, rows: pd.DataFrame, *, actor: Actor) -> int:
        """Add requirements not yet stored (matched by requirement_id) in one transaction; a stored
        requirement is never changed. Returns how many were added. `actor` needs the editor role."""
        _require_columns(rows, _REQUIREMENT_COLUMNS)
        incoming = rows[_REQUIREMENT_COLUMNS].drop_duplicates("requirement_id")
        with self._transaction(incoming_requirements=incoming) as cur:
            before = cur.execute("SELECT count(*) FROM requirements").fetchone()[0]
            cur.execute(
                """INSERT INTO requirements
                   SELECT requirement_id, section, section_title, requirement, sort_order
                   FROM incoming_requirements
                   WHERE requirement_id NOT IN (SELECT requirement_id FROM requirements)"""
            )
            added = cur.execute("SELECT count(*) FROM requirements").fetchone()[0] - before
            self._log_write(cur, actor, "requirements", f"{added} Phase 3 requirement(s) added")
        return int(added)

    def assessment_reviews(self) -> pd.DataFrame:
        """Every recorded review (review_id, review_date, recorded_by, recorded_at, note, based_on,
        organisation), oldest review date first."""
        if "assessment_reviews" not in self.table_names():
            return pd.DataFrame(columns=_REVIEW_COLUMNS)
        return self._frame(
            f"SELECT {', '.join(_REVIEW_COLUMNS)} FROM assessment_reviews ORDER BY review_date, review_id", [],
            columns=_REVIEW_COLUMNS,
        )

    def assessment_rows(self, review_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """The rows of the given reviews (all reviews when None): review_id, requirement_id,
        lead_role, rag, assessment."""
        if "assessment_rows" not in self.table_names():
            return pd.DataFrame(columns=_ASSESSMENT_COLUMNS)
        where, params = "", []
        if review_ids is not None:
            ids = [int(i) for i in review_ids]
            if not ids:
                return pd.DataFrame(columns=_ASSESSMENT_COLUMNS)
            where, params = f"WHERE a.review_id IN ({_placeholders(ids)})", ids
        sql = f"""
            SELECT a.review_id, a.requirement_id, a.lead_role, a.rag, a.assessment
            FROM assessment_rows a LEFT JOIN requirements r USING (requirement_id)
            {where}
            ORDER BY a.review_id, r.sort_order, a.requirement_id
        """
        return self._frame(sql, params, columns=_ASSESSMENT_COLUMNS)

    @_serialised
    @_audited("review", lambda a: f"assessment review dated {a['review_date']:%-d %b %Y}")
    def record_review(
        self,
        rows: pd.DataFrame,
        *,
        review_date: dt.date,
        actor: Actor,
        note: str = "",
        based_on: int | None = None,
        now: dt.datetime | None = None,
        organisation: str = "",
    ) -> int:
        """Keep a new review of `organisation`'s position: one row per requirement (requirement_id,
        lead_role, rag, assessment), written in one transaction under a new review id, which is
        returned, recorded by `actor` (who needs the editor role). Earlier reviews are never changed.
        Raises ValueError, saying what to fix, for rows the store cannot keep."""
        _require_columns(rows, ["requirement_id", "lead_role", "rag", "assessment"])
        if rows.empty:
            raise ValueError("The review has no rows: it needs one row per requirement.")
        incoming = rows[["requirement_id", "lead_role", "rag", "assessment"]].copy()
        incoming["assessment"] = incoming["assessment"].fillna("").astype(str)
        bad_rag = sorted(set(incoming["rag"]) - set(RAG_VALUES), key=str)
        if bad_rag:
            raise ValueError(
                f"RAG must be one of {', '.join(RAG_VALUES)}; the review has {', '.join(map(str, bad_rag))}."
            )
        if incoming["requirement_id"].duplicated().any():
            raise ValueError("Each requirement may appear only once in a review.")
        known = set(self.requirements()["requirement_id"])
        unknown = sorted(set(incoming["requirement_id"]) - known, key=str)
        if unknown:
            raise ValueError(f"Unknown requirement(s): {', '.join(map(str, unknown))}.")
        with self._transaction(incoming_review=incoming) as cur:
            review_id = cur.execute("SELECT nextval('review_id_seq')").fetchone()[0]
            now = now or utc_now()
            cur.execute(
                """INSERT INTO assessment_reviews
                   (review_id, review_date, recorded_by, recorded_at, note, based_on, organisation)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [review_id, review_date, actor.label, now, note or "", based_on, organisation],
            )
            cur.execute(
                """INSERT INTO assessment_rows
                   SELECT ?, requirement_id, lead_role, rag, assessment FROM incoming_review""",
                [review_id],
            )
            what = f"assessment review {review_id} dated {review_date:%-d %b %Y} ({len(incoming)} rows)"
            self._log_write(cur, actor, "review", what, now=now)
        return int(review_id)

    def milestones(self) -> pd.DataFrame:
        """The recovery plan's milestones (milestone_id, workstream, milestone, due_text, due_month,
        status, sort_order) in plan order."""
        if "milestones" not in self.table_names():
            return pd.DataFrame(columns=_MILESTONE_COLUMNS)
        return self._frame("SELECT * FROM milestones ORDER BY sort_order, milestone_id", [], columns=_MILESTONE_COLUMNS)

    @_serialised
    @_audited("milestones", lambda a: "plan milestones")
    def add_milestones(self, rows: pd.DataFrame, *, actor: Actor) -> int:
        """Add milestones (workstream, milestone, due_text, due_month, status, sort_order) in one
        transaction, each under a new id. Returns how many were added. `actor` needs the editor role."""
        columns = _MILESTONE_COLUMNS[1:]
        _require_columns(rows, columns)
        incoming = rows[columns].copy()
        incoming["due_month"] = pd.to_datetime(incoming["due_month"]).dt.date
        with self._transaction(incoming_milestones=incoming) as cur:
            cur.execute(
                f"""INSERT INTO milestones
                    SELECT nextval('milestone_id_seq'), {", ".join(columns)} FROM incoming_milestones"""
            )
            self._log_write(cur, actor, "milestones", f"{len(incoming)} milestone(s) added")
        return len(incoming)

    # --- coverage and restatements ---------------------------------------------------------------

    def latest_upload_by_measure(self) -> pd.DataFrame:
        """For each measure, the most recent upload that wrote one of its current values, with the
        first and last month of the values it wrote and how many are still current."""
        sql = """
            WITH per_upload AS (
                SELECT measure, upload_id, min(month) AS first_month, max(month) AS last_month,
                       count(*) AS current_values
                FROM facts GROUP BY measure, upload_id
            )
            SELECT measure, upload_id, kind, file_name, uploaded_by, uploaded_at, first_month, last_month,
                   current_values
            FROM (
                SELECT p.measure, p.upload_id, u.kind, u.file_name, u.uploaded_by, u.uploaded_at,
                       p.first_month, p.last_month, p.current_values,
                       row_number() OVER (PARTITION BY p.measure ORDER BY u.uploaded_at DESC, p.upload_id DESC)
                           AS newest
                FROM per_upload p JOIN uploads u ON u.upload_id = p.upload_id
            ) AS ranked
            WHERE newest = 1
            ORDER BY measure
        """
        return self._frame(
            sql,
            [],
            columns=["measure", "upload_id", "kind", "file_name", "uploaded_by", "uploaded_at",
                     "first_month", "last_month", "current_values"],
        )

    def restatements(self) -> pd.DataFrame:
        """Values changed by a later upload (history rows with reason 'replaced'), newest first:
        the old value and its upload, the value that replaced it and the upload that did."""
        sql = """
            SELECT h.month, h.measure, h.service, h.site, h.segment,
                   h.value AS old_value, h.upload_id AS old_upload_id,
                   coalesce(f.value, later.value) AS new_value,
                   h.replaced_by, u.file_name, u.uploaded_by, h.valid_to AS restated_at
            FROM fact_history h
            LEFT JOIN facts f
              ON f.month = h.month AND f.measure = h.measure AND f.service = h.service
             AND f.site = h.site AND f.segment = h.segment AND f.upload_id = h.replaced_by
            LEFT JOIN fact_history later
              ON later.month = h.month AND later.measure = h.measure AND later.service = h.service
             AND later.site = h.site AND later.segment = h.segment AND later.upload_id = h.replaced_by
            LEFT JOIN uploads u ON u.upload_id = h.replaced_by
            WHERE h.reason = 'replaced'
            ORDER BY h.valid_to DESC, h.month, h.measure, h.service, h.site, h.segment
        """
        return self._frame(
            sql,
            [],
            columns=["month", "measure", "service", "site", "segment", "old_value", "old_upload_id", "new_value",
                     "replaced_by", "file_name", "uploaded_by", "restated_at"],
        )

    # --- the grain rule and the diff ------------------------------------------------------------

    def grain_conflicts(self, rows: pd.DataFrame, *, validated: bool = False) -> pd.DataFrame:
        """(month, measure, segment, dimension) groups where `rows`, together with what is stored,
        would mix a breakdown with its total. Stored rows that `rows` replace count once. `validated`:
        the rows passed the upload checks (data.ingest), which refuse a file mixing a breakdown with its
        total, so none can arise where the store holds nothing for the rows' months and measures."""
        with self.cursor() as cur:
            cur.register("incoming", self.engine.scannable(rows[list(KEY_COLUMNS)]))
            frame = cur.execute(_grain_sql(cur, "incoming", validated)).df()
            cur.unregister("incoming")
        return frame

    def diff(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Compare incoming rows with the store: each row with `old_value`, `old_upload_id` and
        `change` ∈ {new, changed, unchanged}."""
        with self.cursor() as cur:
            cur.register("incoming", self.engine.scannable(rows[[*KEY_COLUMNS, "value"]]))
            frame = cur.execute(_DIFF_SQL.format(source="incoming")).df()
            cur.unregister("incoming")
        return frame

    def stored_values(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The value stored now for each key in `rows`, in the same order: `old_value` and
        `old_upload_id`, missing where nothing is stored (uploads use it for the preview and to find
        the previous month's value). Only the stored keys come back from the store (none for new months),
        placed by position here rather than sorted there."""
        keys = rows[list(KEY_COLUMNS)].reset_index(drop=True)
        keys = keys.assign(position=np.arange(len(keys), dtype=np.int64))
        with self.cursor() as cur:
            cur.register("incoming", self.engine.scannable(keys))
            found = cur.execute(
                """SELECT i.position, f.value AS old_value, f.upload_id AS old_upload_id
                   FROM incoming i
                   JOIN facts f
                     ON f.month = CAST(i.month AS DATE) AND f.measure = i.measure AND f.service = i.service
                    AND f.site = i.site AND f.segment = i.segment"""
            ).df()
            cur.unregister("incoming")
        position = found["position"].to_numpy(dtype=np.int64)
        old_value = np.full(len(keys), np.nan)
        old_value[position] = found["old_value"].to_numpy(dtype=np.float64)
        upload_ids, missing = np.zeros(len(keys), dtype=np.int32), np.ones(len(keys), dtype=bool)
        upload_ids[position] = found["old_upload_id"].to_numpy(dtype=np.int32)
        missing[position] = False
        return pd.DataFrame({"old_value": old_value, "old_upload_id": pd.arrays.IntegerArray(upload_ids, missing)})

    # --- writes --------------------------------------------------------------------------------

    @_serialised
    @_audited("upload", lambda a: f"file {a['file_name']}")
    def commit_rows(
        self,
        rows: pd.DataFrame,
        *,
        file_name: str,
        sha256: str,
        actor: Actor,
        note: str = "",
        kind: str = "upload",
        now: dt.datetime | None = None,
        source_format: str = "",
        validated: bool = False,
    ) -> CommitResult:
        """Write validated rows in one transaction: record the upload, move replaced values to
        history, update changed values and insert new ones. Nothing is written when nothing would
        change (an identical re-upload). Raises GrainError if the rows would break the grain rule.
        `actor` (who needs the analyst role) is recorded as who uploaded.

        Writes are serialised: two uploads at once are applied one after the other, the second on
        top of the first's values (any it replaces move to history, so nothing is lost).

        `validated`: the rows are an upload's that passed data.ingest's checks, which refuse a file
        repeating a key or mixing a breakdown with its total. The commit then skips its own count of
        repeated keys, and its grain check when the store holds nothing for the rows' months and
        measures (checked inside this transaction, so whatever was committed since the upload's check
        counts)."""
        if kind not in UPLOAD_KINDS:
            raise ValueError(f"upload kind must be one of {UPLOAD_KINDS}")
        missing = [c for c in (*KEY_COLUMNS, "value") if c not in rows.columns]
        if missing:
            raise ValueError(f"rows are missing column(s): {', '.join(missing)}")
        now = now or utc_now()
        staged = rows[[*KEY_COLUMNS, "value"]]  # a new frame (copy on write): `rows` is not changed
        # Months go in as timestamps and become DATEs in SQL: much faster than Python date objects.
        staged["month"] = pd.to_datetime(staged["month"])
        incoming = "(SELECT CAST(month AS DATE) AS month, measure, service, site, segment, value FROM incoming)"
        try:
            with self._transaction(incoming=staged) as cur:
                for statement in self.engine.replace_temp_table("staged_diff", _DIFF_SQL.format(source=incoming)):
                    cur.execute(statement)
                counts = dict(
                    cur.execute("SELECT change, count(*) FROM staged_diff GROUP BY change").fetchall()
                )
                added, changed, unchanged = (counts.get(k, 0) for k in ("new", "changed", "unchanged"))
                repeated = 0 if validated else self._repeated_keys(cur)
                if repeated:
                    raise ValueError(
                        f"{repeated:,} month/measure/service/site/segment combination(s) appear more than once in "
                        "the rows to write; send one value for each."
                    )
                if added == 0 and changed == 0:
                    duplicate = cur.execute(
                        "SELECT max(upload_id) FROM uploads WHERE sha256 = ? AND status = 'committed'", [sha256]
                    ).fetchone()[0]
                    raise _NothingToWrite(unchanged, duplicate)
                conflicts = cur.execute(_grain_sql(cur, "staged_diff", validated)).df()
                if not conflicts.empty:
                    raise GrainError(conflicts)
                upload_id = cur.execute("SELECT nextval('upload_id_seq')").fetchone()[0]
                cur.execute(
                    """INSERT INTO uploads (upload_id, kind, file_name, sha256, uploaded_by, uploaded_at, note,
                                            rows_added, rows_changed, rows_unchanged, status, source_format)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?)""",
                    [upload_id, kind, file_name, sha256, actor.label, now, note, added, changed, unchanged,
                     source_format],
                )
                self._log_write(cur, actor, "upload",
                                f"upload {upload_id}: file {file_name} ({added:,} new, {changed:,} changed, "
                                f"{unchanged:,} unchanged)", now=now)
                cur.execute(
                    """INSERT INTO fact_history
                       SELECT month, measure, service, site, segment, old_value, old_upload_id, old_valid_from,
                              ?, ?, 'replaced'
                       FROM staged_diff WHERE change = 'changed'""",
                    [now, upload_id],
                )
                cur.execute(
                    """UPDATE facts SET value = d.value, upload_id = ?, valid_from = ?
                       FROM staged_diff d
                       WHERE d.change = 'changed' AND facts.month = d.month AND facts.measure = d.measure
                         AND facts.service = d.service AND facts.site = d.site AND facts.segment = d.segment""",
                    [upload_id, now],
                )
                cur.execute(
                    """INSERT INTO facts
                       SELECT month, measure, service, site, segment, value, ?, ?
                       FROM staged_diff WHERE change = 'new'""",
                    [upload_id, now],
                )
                self._refresh_rollup(
                    cur, "SELECT DISTINCT month, measure, segment FROM staged_diff WHERE change <> 'unchanged'"
                )
                cur.execute("DROP TABLE staged_diff")
                return CommitResult(int(upload_id), added, changed, unchanged)
        except _NothingToWrite as nothing:  # rolled back: the staging table goes with it
            same = f" (the same file as upload {nothing.duplicate})" if nothing.duplicate is not None else ""
            self.record_event(actor, "upload", f"file {file_name}",
                              f"nothing changed: {nothing.unchanged:,} value(s) already stored{same}", now=now)
            return CommitResult(None, 0, 0, nothing.unchanged, duplicate_of=nothing.duplicate)

    def _repeated_keys(self, cur) -> int:
        """How many (month, measure, service, site, segment) keys appear more than once in `staged_diff`. Where
        the engine has a quick hash pre-check and it finds none, no key repeats and the exact count is skipped."""
        quick = self.engine.repeated_key_hashes_sql
        if quick is not None and cur.execute(quick.format(table="staged_diff")).fetchone()[0] == 0:
            return 0
        return int(cur.execute(_REPEATED_KEYS_SQL).fetchone()[0])

    @_serialised
    @_audited("undo", lambda a: f"upload {a['upload_id']}")
    def undo_upload(self, upload_id: int, *, actor: Actor, now: dt.datetime | None = None) -> UndoResult:
        """Take an upload back in one transaction, restoring exactly the values current before it.

        Its current values move to history (valid_to = now, replaced_by = the upload, reason
        'undone'); the values it replaced return to `facts` with their original upload_id and
        valid_from = now (their history rows stay, so "as known at D" still answers for any D); keys
        it added are removed. Refuses, changing nothing, when a later upload has since changed any of
        the same values (naming it), or when the upload does not exist or is already undone. `actor`
        (who needs the analyst role) is recorded as who undid it."""
        now = now or utc_now()
        with self._transaction() as cur:
            found = cur.execute(
                "SELECT status, undone_at, undone_by FROM uploads WHERE upload_id = ?", [upload_id]
            ).fetchone()
            if found is None:
                raise StoreError(
                    f"There is no upload {upload_id}; `python -m data history` lists the uploads and their numbers."
                )
            if found[0] != "committed":
                when = pd.Timestamp(found[1]).strftime("%-d %b %Y %H:%M") if found[1] is not None else "earlier"
                raise StoreError(
                    f"Upload {upload_id} was already undone ({when} UTC, by {found[2]}); nothing was changed."
                )
            blockers = cur.execute(
                # One value can have several history rows from this upload (replaced, put back by an undo,
                # replaced again): count the values, not the rows.
                f"""SELECT f.upload_id, count(DISTINCT ({", ".join(f"h.{c}" for c in KEY_COLUMNS)})) AS n,
                           min(u.file_name), min(u.uploaded_by), min(u.uploaded_at)
                    FROM fact_history h
                    JOIN facts f USING ({", ".join(KEY_COLUMNS)})
                    JOIN uploads u ON u.upload_id = f.upload_id
                    WHERE h.upload_id = ? AND h.reason = 'replaced' AND f.upload_id <> ?
                    GROUP BY f.upload_id ORDER BY f.upload_id""",
                [upload_id, upload_id],
            ).fetchall()
            if blockers:
                later = "; ".join(
                    f"upload {b[0]} ({b[2]}, loaded by {b[3]} on {pd.Timestamp(b[4]):%-d %b %Y}) changed "
                    + ("one of the same values" if b[1] == 1 else f"{b[1]:,} of the same values")
                    for b in blockers
                )
                raise UndoBlockedError(
                    [int(b[0]) for b in blockers],
                    f"Upload {upload_id} cannot be undone because a later upload changed the same figures: {later}. "
                    f"Undo {'that upload' if len(blockers) == 1 else 'those uploads'} first, then upload "
                    f"{upload_id}. Nothing was changed.",
                )
            # The rollup groups the undo touches, listed before it moves anything: the upload's values and
            # those it replaced (the same keys, unless a later upload blocked the undo above).
            groups = self._rollup_groups(
                cur,
                f"""SELECT DISTINCT month, measure, segment FROM facts WHERE upload_id = {int(upload_id)}
                    UNION
                    SELECT DISTINCT month, measure, segment FROM fact_history
                    WHERE replaced_by = {int(upload_id)} AND reason = 'replaced'""",
            )
            cur.execute(
                """INSERT INTO fact_history
                   SELECT month, measure, service, site, segment, value, upload_id, valid_from, ?, ?, 'undone'
                   FROM facts WHERE upload_id = ?""",
                [now, upload_id, upload_id],
            )
            removed = cur.execute("DELETE FROM facts WHERE upload_id = ?", [upload_id]).fetchone()[0]
            restored = cur.execute(
                """INSERT INTO facts
                   SELECT month, measure, service, site, segment, value, upload_id, ?
                   FROM fact_history WHERE replaced_by = ? AND reason = 'replaced'""",
                [now, upload_id],
            ).fetchone()[0]
            self._refresh_rollup(cur, groups=groups)
            cur.execute(
                "UPDATE uploads SET status = 'undone', undone_at = ?, undone_by = ? WHERE upload_id = ?",
                [now, actor.label, upload_id],
            )
            self._log_write(cur, actor, "undo",
                            f"upload {upload_id} undone ({int(removed) - int(restored):,} value(s) removed, "
                            f"{int(restored):,} restored)", now=now)
        return UndoResult(int(upload_id), int(removed) - int(restored), int(restored))

    # --- the system-total rollup (migration 11) --------------------------------------------------

    def _rollup_groups(self, cur, select: str) -> str:
        """Stage the (month, measure, segment) groups `select` lists (no parameters) as a temporary table
        inside the write's transaction; return its name."""
        for statement in self.engine.replace_temp_table("rollup_groups", select):
            cur.execute(statement)
        return "rollup_groups"

    def _refresh_rollup(self, cur, select: str | None = None, groups: str | None = None) -> None:
        """Recompute the rollup rows of the groups a write touched (listed by `select`, or already staged
        as `groups`) from `facts` and `fact_history`, inside the write's transaction: the same SQL as a
        full rebuild, limited to those groups, so the two cannot disagree."""
        groups = groups or self._rollup_groups(cur, select)
        cur.execute(
            f"""DELETE FROM fact_totals WHERE EXISTS (
                    SELECT 1 FROM {groups} g
                    WHERE g.month = fact_totals.month AND g.measure = fact_totals.measure
                      AND g.segment = fact_totals.segment)"""
        )
        cur.execute(rollup_fill_sql(self.engine.fingerprint_sql, groups))
        cur.execute(f"DROP TABLE {groups}")

    @_serialised
    def rebuild_rollup(self) -> int:
        """Rebuild the system-total rollup from `facts` and `fact_history` in one transaction; return its
        rows. For a store written around the commit path (the benchmarks' bulk inserts, `migrate-store`'s
        copy); commit and undo keep it themselves. It changes no figure, so it takes no actor; it raises the
        store version all the same, so no page keeps what it read before."""
        with self._transaction() as cur:
            cur.execute("DELETE FROM fact_totals")
            cur.execute(rollup_fill_sql(self.engine.fingerprint_sql))
            cur.execute("UPDATE store_version SET version = version + 1 WHERE id = 1")
            rows = cur.execute("SELECT count(*) FROM fact_totals").fetchone()[0]
        return int(rows)

    def _has_rollup(self) -> bool:
        """Whether this store has the rollup (a read-only store from before migration 11 has not; it is
        read from the facts then). Asked once per Store: a table, once there, stays."""
        if not getattr(self, "_rollup_seen", False):
            self._rollup_seen = ROLLUP_TABLE in self.table_names()
        return self._rollup_seen

    def _rollup_scope(self, service: str, site: str) -> tuple[str, list] | None:
        """The rollup rows (a WHERE clause over grain, service and site, and its parameters) that sum a
        service × site selection, or None where only the facts can (both named, or no rollup)."""
        if (service != ALL and site != ALL) or not self._has_rollup():
            return None
        grain = "system" if service == site == ALL else "site" if site != ALL else "service"
        return "grain = ? AND service = ? AND site = ?", [grain, service, site]

    def _rollup_breakdown_scope(self, dimension: str, service: str, site: str) -> tuple[str, list] | None:
        """As `_rollup_scope`, for totals broken down by `dimension`: by segment within any selection the
        rollup sums; by site over every service; by service over every site."""
        if dimension == "segment":
            return self._rollup_scope(service, site)
        if not self._has_rollup():
            return None
        if dimension == "site" and service == ALL:
            return "grain = 'site' AND service = 'All' AND (? = 'All' OR site = ?)", [site, site]
        if dimension == "service" and site == ALL:
            return "grain = 'service' AND site = 'All' AND (? = 'All' OR service = ?)", [service, service]
        return None

    # --- the audit log (migration 6): append only ---------------------------------------------

    def record_event(
        self, actor: Actor, action: str, what: str = "", outcome: str = "ok", now: dt.datetime | None = None
    ) -> int:
        """Append one event (sign-in, sign-out, a download, a refusal…) to the audit log; return its id.
        The log has no update or delete: a correction is a new event."""
        with self.cursor() as cur:
            return self._log(cur, actor, action, what, outcome, now)

    def _log_write(
        self, cur: duckdb.DuckDBPyConnection, actor: Actor, action: str, what: str, now: dt.datetime | None = None
    ) -> int:
        """Log a successful write on `cur` and raise the store version, both inside the write's transaction."""
        cur.execute("UPDATE store_version SET version = version + 1 WHERE id = 1")
        return self._log(cur, actor, action, what, now=now)

    def version(self) -> int:
        """A number that changes with every write to this store (commit, undo, commentary, review,
        milestones, requirements, scenario) and with nothing else: one tiny read, so a cache can ask it
        on every use. -1 for a read-only store from before migration 9 (nothing can write it)."""
        with self.cursor() as cur:
            try:
                return int(cur.execute("SELECT version FROM store_version WHERE id = 1").fetchone()[0])
            except duckdb.CatalogException:
                return -1

    def _log(
        self, cur: duckdb.DuckDBPyConnection, actor: Actor, action: str, what: str, outcome: str = "ok",
        now: dt.datetime | None = None,
    ) -> int:
        """Insert one audit event on `cur`, inside the caller's transaction when it has one."""
        event_id = cur.execute("SELECT nextval('audit_event_seq')").fetchone()[0]
        cur.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event_id, now or utc_now(), actor.name, actor.email, actor.roles_text, actor.via, action,
             what or "", (outcome or "")[:MAX_OUTCOME_CHARS]],
        )
        return int(event_id)

    def audit_log(
        self,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        who: str = "",
        actions: Sequence[str] | None = None,
        outcome: str = "",
    ) -> pd.DataFrame:
        """Audit events, newest first, optionally from `start` to `end` (days, UTC, inclusive), whose
        name or email contains `who`, with one of `actions`, and whose outcome starts with `outcome`
        ("ok", "refused", "failed", "nothing changed")."""
        if "audit_log" not in self.table_names():  # a read-only store from before migration 6
            return pd.DataFrame(columns=AUDIT_COLUMNS)
        clauses = ["CAST(occurred_at AS DATE) BETWEEN ? AND ?"]
        params: list = [start or dt.date(1900, 1, 1), end or dt.date(2999, 12, 31)]
        if who.strip():
            clauses.append("strpos(lower(name || ' ' || email), lower(?)) > 0")
            params.append(who.strip())
        if actions is not None:
            chosen = list(dict.fromkeys(actions))
            clauses.append(f"action IN ({_placeholders(chosen)})")
            params += chosen
        if outcome:
            clauses.append("starts_with(outcome, ?)")
            params.append(outcome)
        sql = f"SELECT * FROM audit_log WHERE {' AND '.join(clauses)} ORDER BY occurred_at DESC, event_id DESC"
        return self._frame(sql, params, columns=AUDIT_COLUMNS)

    def audit_actions(self) -> list[str]:
        """The actions the audit log holds, for filters."""
        if "audit_log" not in self.table_names():
            return []
        with self.cursor() as cur:
            return [r[0] for r in cur.execute("SELECT DISTINCT action FROM audit_log ORDER BY action").fetchall()]
    # --- demand and capacity scenarios (migration 8) --------------------------------------------

    def scenario_versions(self) -> pd.DataFrame:
        """Every saved version of every scenario (version_id, scenario, version, description, example,
        saved_by, saved_at, based_on), shipped examples first, then by name and version."""
        if "scenario_versions" not in self.table_names():  # a read-only store from before migration 8
            return pd.DataFrame(columns=_SCENARIO_COLUMNS)
        return self._frame(
            f"SELECT {', '.join(_SCENARIO_COLUMNS)} FROM scenario_versions ORDER BY example DESC, scenario, version",
            [], columns=_SCENARIO_COLUMNS,
        )

    def scenario_multipliers(self, version_id: int) -> pd.DataFrame:
        """A scenario version's rows (month, service_group, demand, capacity), by month and group; a
        missing multiplier (NaN) keeps the level of the month a projection starts from."""
        if "scenario_multipliers" not in self.table_names():
            return pd.DataFrame(columns=_MULTIPLIER_COLUMNS)
        frame = self._frame(
            f"""SELECT {', '.join(_MULTIPLIER_COLUMNS)} FROM scenario_multipliers WHERE version_id = ?
                ORDER BY month, service_group""",
            [int(version_id)], columns=_MULTIPLIER_COLUMNS,
        )
        frame["month"] = [m.date() if hasattr(m, "date") else m for m in frame["month"]]  # DATE → dt.date
        return frame

    @_serialised
    @_audited("scenario", lambda a: f"demand and capacity scenario {a['scenario']}")
    def save_scenario_version(
        self,
        scenario: str,
        rows: pd.DataFrame,
        *,
        actor: Actor,
        description: str = "",
        based_on: int | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Keep a new version of a scenario (the next version number under its name) with its rows
        (month, service_group, demand, capacity), saved by `actor` (who needs the editor role), in one
        transaction; return its version id. Earlier versions are never changed. Raises ValueError, saying
        what to fix, for what the store cannot keep (the rows' own checks are
        `metrics.scenarios.prepare_rows`)."""
        _require_columns(rows, _MULTIPLIER_COLUMNS)
        scenario = (scenario or "").strip()
        if not scenario:
            raise ValueError("Give the scenario a name before saving.")
        incoming = rows[_MULTIPLIER_COLUMNS].copy()
        incoming["month"] = pd.to_datetime(incoming["month"]).dt.date
        incoming["demand"] = pd.to_numeric(incoming["demand"]).astype(float)
        incoming["capacity"] = pd.to_numeric(incoming["capacity"]).astype(float)
        if incoming.duplicated(["month", "service_group"]).any():
            raise ValueError("Each month may appear only once per service group in a scenario.")
        with self._transaction(incoming_scenario=incoming) as cur:
            version_id = cur.execute("SELECT nextval('scenario_version_id_seq')").fetchone()[0]
            version = cur.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM scenario_versions WHERE scenario = ?", [scenario]
            ).fetchone()[0]
            cur.execute(
                """INSERT INTO scenario_versions
                   (version_id, scenario, version, description, example, saved_by, saved_at, based_on)
                   VALUES (?, ?, ?, ?, FALSE, ?, ?, ?)""",
                [version_id, scenario, version, (description or "").strip(), actor.label, now or utc_now(),
                 based_on],
            )
            cur.execute(
                """INSERT INTO scenario_multipliers
                   SELECT ?, month, service_group, demand, capacity FROM incoming_scenario""",
                [version_id],
            )
            self._log_write(cur, actor, "scenario", f"scenario {scenario}, version {version}", now=now)
        return int(version_id)

    # --- helpers -------------------------------------------------------------------------------

    def _frame(self, sql: str, params: list, columns: list[str] | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            frame = cur.execute(sql, params).df()
        if columns is not None and frame.empty:
            return pd.DataFrame(columns=columns)
        return frame


# Keys that appear more than once among the rows being written (the write path's uniqueness check).
_REPEATED_KEYS_SQL = """
    SELECT count(*) FROM (
        SELECT 1 FROM staged_diff GROUP BY month, measure, service, site, segment HAVING count(*) > 1
    ) AS repeated
"""

_DIFF_SQL = """
    SELECT i.month, i.measure, i.service, i.site, i.segment, i.value,
           f.value AS old_value, f.upload_id AS old_upload_id, f.valid_from AS old_valid_from,
           CASE WHEN f.upload_id IS NULL THEN 'new'
                WHEN f.value = i.value THEN 'unchanged'
                ELSE 'changed' END AS change
    FROM {source} i
    LEFT JOIN facts f
      ON f.month = i.month AND f.measure = i.measure AND f.service = i.service
     AND f.site = i.site AND f.segment = i.segment
"""

# The values current at a moment: facts written by then, plus history rows current then. Every write
# path keeps one key's rows end to end without overlap — a commit ends the old value (valid_to) at the
# moment the new one starts (valid_from); an undo ends the undone value at the moment the value it
# replaced comes back — so at most one row per key qualifies and no de-duplication (a window over
# millions of rows) is needed. tests/unit/test_review.py checks this through commits and an undo.
_KNOWN_AT_TEMPLATE = """
    SELECT month, measure, service, site, segment, value, upload_id, valid_from,
           CAST(NULL AS TIMESTAMP) AS valid_to, CAST(NULL AS INTEGER) AS replaced_by,
           CAST(NULL AS VARCHAR) AS reason
    FROM facts
    WHERE valid_from <= ? {measure_clause} AND month BETWEEN ? AND ?
    UNION ALL
    SELECT month, measure, service, site, segment, value, upload_id, valid_from, valid_to, replaced_by, reason
    FROM fact_history
    WHERE valid_from <= ? AND ? < valid_to {measure_clause} AND month BETWEEN ? AND ?
"""

def _measure_clause(measures: Sequence[str] | None) -> str:
    return "" if measures is None else f"AND measure IN ({_placeholders(measures)})"


def _known_at_sql(measures: Sequence[str] | None) -> str:
    return _KNOWN_AT_TEMPLATE.format(measure_clause=_measure_clause(measures))


def _known_at_params(
    moment: dt.datetime, measures: Sequence[str] | None, start: dt.date | None, end: dt.date | None
) -> list:
    chosen = list(measures) if measures is not None else []
    bounds = _month_bounds(start, end)
    return [moment, *chosen, *bounds, moment, moment, *chosen, *bounds]


def _changes_sql(measures: Sequence[str] | None, select: str, arrivals_only: bool = False) -> str:
    """The values that differ between two moments (see `Store.changes_between`), shaped by `select`.

    A key's value can differ only if a version of it started or ended between the moments; and then the
    version known at the later moment started after the earlier one (`after`), or the version known at
    the earlier moment ended by the later one (`before`): a version known at both is the same on both
    sides. So only those versions are joined, never every key of the store with itself: when the whole
    store arrived in the fortnight, `before` is empty and the join builds on nothing. Plain SQL.

    `arrivals_only` (when `Store._any_ended_between` found no value known at the earlier moment that ended
    by the later one, i.e. `before` is empty): the same rows without the join — each version in `after`
    is a new value written by its own upload — so a store that all arrived recently is only grouped."""
    if arrivals_only:
        return f"""
        WITH compared AS (
                SELECT a.month, a.measure, a.service, a.site, a.segment,
                       CAST(NULL AS DOUBLE PRECISION) AS old_value, a.value AS new_value, 'new' AS change,
                       a.upload_id, false AS by_undo
                FROM ({_known_at_sql(measures)}) a
                WHERE a.valid_from > ?
            )
        {select}
    """
    return f"""
        WITH before AS (SELECT k.* FROM ({_known_at_sql(measures)}) k WHERE k.valid_to <= ?),
             after AS (SELECT k.* FROM ({_known_at_sql(measures)}) k WHERE k.valid_from > ?),
             compared AS (
                SELECT coalesce(a.month, b.month) AS month, coalesce(a.measure, b.measure) AS measure,
                       coalesce(a.service, b.service) AS service, coalesce(a.site, b.site) AS site,
                       coalesce(a.segment, b.segment) AS segment,
                       b.value AS old_value, a.value AS new_value,
                       CASE WHEN b.value IS NULL THEN 'new' WHEN a.value IS NULL THEN 'removed'
                            ELSE 'restated' END AS change,
                       CASE WHEN b.reason = 'undone' AND b.valid_to <= ? THEN b.replaced_by
                            WHEN a.value IS NOT NULL AND a.valid_from > ? THEN a.upload_id
                            ELSE b.replaced_by END AS upload_id,
                       coalesce(b.reason = 'undone' AND b.valid_to <= ?, false) AS by_undo
                FROM before b
                FULL OUTER JOIN after a
                  ON a.month = b.month AND a.measure = b.measure AND a.service = b.service
                 AND a.site = b.site AND a.segment = b.segment
                WHERE b.value IS DISTINCT FROM a.value
            )
        {select}
    """


def _changes_params(
    earlier: dt.datetime, later: dt.datetime, measures: Sequence[str] | None, arrivals_only: bool = False
) -> list:
    if arrivals_only:
        return [*_known_at_params(later, measures, None, None), earlier]
    return [
        *_known_at_params(earlier, measures, None, None), later,
        *_known_at_params(later, measures, None, None), earlier,
        later, earlier, later,
    ]


TOTALS_COLUMNS = ["month", "measure", "value", "cells", "fingerprint"]
CELL_COLUMNS = ["month", "measure", "service", "site", "value"]
PROVENANCE_COLUMNS = [
    "month", "measure", "upload_id", "cells", "restated", "file_name", "uploaded_by", "uploaded_at", "sha256",
]
_CHANGE_COLUMNS = [
    "month", "measure", "service", "site", "segment", "old_value", "new_value", "change",
    "upload_id", "by_undo", "file_name", "uploaded_by", "uploaded_at",
]
_CHANGE_SUMMARY_COLUMNS = ["month", "measure", "segment", "change", "upload_id", "by_undo", "file_name", "values"]
_COMMENTARY_COLUMNS = ["commentary_id", "metric", "month", "body", "written_by", "written_at", "versions"]
_REQUIREMENT_COLUMNS = ["requirement_id", "section", "section_title", "requirement", "sort_order"]
_REVIEW_COLUMNS = ["review_id", "review_date", "recorded_by", "recorded_at", "note", "based_on", "organisation"]
_ASSESSMENT_COLUMNS = ["review_id", "requirement_id", "lead_role", "rag", "assessment"]
_SCENARIO_COLUMNS = [
    "version_id", "scenario", "version", "description", "example", "saved_by", "saved_at", "based_on",
]
_MULTIPLIER_COLUMNS = ["month", "service_group", "demand", "capacity"]
_MILESTONE_COLUMNS = ["milestone_id", "workstream", "milestone", "due_text", "due_month", "status", "sort_order"]


def _require_columns(rows: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise ValueError(f"rows are missing column(s): {', '.join(missing)}")

# The grain rule over incoming rows plus the stored rows of the same (month, measure): a group that
# holds both "All" and named values of a dimension would count the same activity twice. Only whether
# each kind is present matters, so rows are not de-duplicated (UNION ALL + bool_or is ~5× faster than
# a UNION over a million rows, and gives the same groups).
def _grain_sql(cur, source: str, validated: bool) -> str:
    """_GRAIN_SQL over the table `source`; for validated rows (which mix no breakdown with its total among
    themselves) the same query cut to no rows when the store holds nothing for their months and measures,
    so that a file of new months costs one pass over its (month, measure) pairs."""
    sql = _GRAIN_SQL.format(source=source)
    if validated and not cur.execute(_SHARES_PAIRS_SQL.format(source=source)).fetchone()[0]:
        return f"{sql} LIMIT 0"
    return sql


_SHARES_PAIRS_SQL = """
    SELECT EXISTS (
        SELECT 1 FROM facts f
        WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT month, measure FROM {source}) AS p
                      WHERE f.month = p.month AND f.measure = p.measure)
    )
"""

_GRAIN_SQL = """
    WITH pairs AS (SELECT DISTINCT month, measure FROM {source}),
    grouped AS (
        SELECT month, measure, segment,
               bool_or(service = 'All') AND bool_or(service <> 'All') AS mixes_service,
               bool_or(site = 'All') AND bool_or(site <> 'All') AS mixes_site
        FROM (
            SELECT month, measure, service, site, segment FROM {source}
            UNION ALL
            SELECT f.month, f.measure, f.service, f.site, f.segment
            FROM facts f WHERE EXISTS (SELECT 1 FROM pairs p WHERE f.month = p.month AND f.measure = p.measure)
        ) AS both_sides
        GROUP BY month, measure, segment
    )
    SELECT month, measure, segment, 'service' AS dimension FROM grouped WHERE mixes_service
    UNION ALL
    SELECT month, measure, segment, 'site' AS dimension FROM grouped WHERE mixes_site
    ORDER BY month, measure, dimension, segment
"""


def copy_store(source: str | Path, target: str | Path) -> Path:
    """Copy a closed store file (tests and benchmarks use this to start from a built store)."""
    target = Path(target)
    shutil.copyfile(source, target)
    return target


def temporary_store_path() -> Path:
    """A path for a throwaway store file in a fresh temporary directory."""
    return Path(tempfile.mkdtemp(prefix="recovery-")) / "store.duckdb"
