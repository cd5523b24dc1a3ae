"""The PostgreSQL engine: one store shared by several dashboard processes and the command line.

Only what differs from DuckDB lives here; every shared query is in data/store.py, written in the SQL
the two dialects agree on. This module:

- hands out cursors that present the small DuckDB cursor surface the Store uses (execute → fetchone /
  fetchall / df, begin, commit, rollback, register / unregister of a DataFrame) over a pooled psycopg 3
  connection, translating `?` parameters to psycopg's `%s`;
- stages a DataFrame with `COPY … FROM STDIN` (DuckDB scans it through Arrow instead);
- transcribes the migrations: DuckDB's DOUBLE is DOUBLE PRECISION, migration 11's rollup uses this
  engine's cell hash (BIGINT, not UBIGINT) and gets an index, migration 1 adds the unique
  "one value per key" constraint and the indexes the reads use, migration 8 generates its months with
  generate_series;
- serialises writers across processes: every write transaction first takes a session advisory lock
  (the cross-process form of Store._write_lock; DuckDB needs none, it admits one writing process),
  then runs at SERIALIZABLE, so a writer that somehow got past the lock is refused, never merged.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import urllib.parse
from collections.abc import Iterator

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool

from data import engine_duckdb

NAME = "postgresql"
URL_SCHEMES = ("postgresql://", "postgres://")

# The order-free hash of the service × site cells (DuckDB: bit_xor(hash(service, site))): the XOR of a
# 64-bit hash of each cell. chr(31) (the unit separator) keeps ("ab", "c") apart from ("a", "bc").
FINGERPRINT_SQL = "bit_xor(hashtextextended(service || chr(31) || site, 0))"

# Indexes on facts that migration 11 adds on this engine, chosen from EXPLAIN at 10M facts
# (bench/results/engines.md): what still reads facts once the rollup answers every selection with at most
# one of service and site named is a named site's service heatmap and its cells, filtered by measure,
# segment and site over a month range — which the unique key (measure, segment, month, service, site)
# serves only by walking every month and service of the measure.
FACT_INDEXES = {"facts_site": "(measure, segment, site, month)"}

# Errors of a write that failed part-way; the transaction was rolled back.
WRITE_ERRORS: tuple[type[BaseException], ...] = (psycopg.OperationalError, psycopg.InternalError)
DATABASE_ERRORS: tuple[type[BaseException], ...] = (psycopg.Error,)
# Two writers touched the same rows at once (only a writer outside the Store can get past the lock).
CONFLICT_ERRORS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.UniqueViolation)

# The advisory lock every Store write holds (any constant; "RECO" in ASCII).
WRITE_LOCK_KEY = 0x5245434F
POOL_SIZE_ENV = "RECOVERY_PG_POOL_SIZE"

_OIDS = {"bool": 16, "int8": 20, "int2": 21, "int4": 23, "text": 25, "float4": 700, "float8": 701,
         "varchar": 1043, "date": 1082, "timestamp": 1114, "timestamptz": 1184, "numeric": 1700}
_ARROW_TYPES = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 700: pa.float32(),
                701: pa.float64(), 1700: pa.float64(), 1082: pa.date32(), 1114: pa.timestamp("us")}


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages and the audit log."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class ConnectError(Exception):
    """The server could not be reached or refused the connection."""


class Engine:
    name = NAME
    fingerprint_sql = FINGERPRINT_SQL
    repeated_key_hashes_sql = None  # no quick pre-check here: a write runs the exact GROUP BY every time
    write_errors = WRITE_ERRORS

    def __init__(self, url: str, read_only: bool):
        options = "-c default_transaction_read_only=on" if read_only else ""
        try:  # one plain connection first, so a wrong URL is a sentence, not a pool timing out
            psycopg.connect(url, connect_timeout=10, options=options).close()
        except psycopg.Error as exc:
            raise ConnectError(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from None
        self.pool = ConnectionPool(
            url, min_size=1, max_size=int(os.environ.get(POOL_SIZE_ENV, "10")),
            kwargs={"autocommit": True, "options": options}, open=True, name="recovery-store",
        )

    @staticmethod
    def scannable(frame: pd.DataFrame) -> pd.DataFrame:
        """Frames are copied into a temporary table as they are (PgCursor.register)."""
        return frame

    def cursor(self) -> PgCursor:
        return PgCursor(self.pool)

    def close(self) -> None:
        self.pool.close()

    def migration_sql(self, version: int, sql: str) -> str:
        if version in _MIGRATIONS:
            return _MIGRATIONS[version]
        sql = re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", sql)
        if version == 11:  # the rollup: this engine's cell hash (a signed 64-bit integer), and its reads' index
            sql = sql.replace("UBIGINT", "BIGINT").replace(engine_duckdb.FINGERPRINT_SQL, FINGERPRINT_SQL)
            sql += ("\nCREATE INDEX IF NOT EXISTS fact_totals_read"
                    "\n    ON fact_totals (measure, segment, grain, site, service, month);")
            sql += "".join(f"\nCREATE INDEX IF NOT EXISTS {name} ON facts {columns};"
                           for name, columns in FACT_INDEXES.items())
        return sql

    def replace_temp_table(self, name: str, select: str) -> list[str]:
        # A temporary table has no statistics until analysed; the planner then joins it well.
        return [f"DROP TABLE IF EXISTS {name}", f"CREATE TEMP TABLE {name} AS {select}", f"ANALYZE {name}"]

    def byte_order(self, column: str, data_type: str) -> str:
        """An ORDER BY term for a column: text in the "C" collation (byte order, as DuckDB sorts), whatever the
        database's own collation."""
        text = data_type.lower() in ("text", "character varying", "varchar")
        return f'"{column}" COLLATE "C"' if text else f'"{column}"'

    def batches(self, cur: PgCursor, sql: str, rows: int) -> tuple[list[str], Iterator[pd.DataFrame]]:
        """The result of `sql` in DataFrames of at most `rows` rows, read through a server-side cursor in
        one REPEATABLE READ snapshot and converted through Arrow as DuckDB's batches are (so an export
        writes the same text from either engine)."""
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute(f"DECLARE export_batches NO SCROLL CURSOR FOR {sql}")
        cur.execute("FETCH FORWARD 0 FROM export_batches")
        names = [d.name for d in cur.description]

        def generate() -> Iterator[pd.DataFrame]:
            try:
                while True:
                    cur.execute(f"FETCH FORWARD {int(rows)} FROM export_batches")
                    found = cur.raw.fetchall()
                    if not found:
                        return
                    yield _arrow(cur.description, found).to_pandas()
            finally:
                cur.execute("COMMIT")

        return names, generate()

    def is_write_conflict(self, exc: BaseException) -> bool:
        return isinstance(exc, CONFLICT_ERRORS)


class PgCursor:
    """A pooled connection presenting the DuckDB cursor calls the Store makes."""

    def __init__(self, pool: ConnectionPool):
        self._pool = pool
        self._conn = pool.getconn()
        self.raw = self._conn.cursor()
        self._temp: set[str] = set()
        self._locked = 0

    # -- statements ------------------------------------------------------------------------------

    def execute(self, sql: str, params: list | tuple | None = None) -> PgCursor:
        if params is None:
            self.raw.execute(sql)
        else:
            self.raw.execute(_to_psycopg(sql), list(params))
        return self

    @property
    def description(self):
        return self.raw.description

    def fetchone(self):
        # DuckDB answers an INSERT, UPDATE or DELETE with one row holding the count; so does this.
        if self.raw.description is None:
            return (self.raw.rowcount,)
        return self.raw.fetchone()

    def fetchall(self):
        if self.raw.description is None:
            return [(self.raw.rowcount,)]
        return self.raw.fetchall()

    def df(self) -> pd.DataFrame:
        return _frame(self.raw.description, self.raw.fetchall())

    # -- transactions ----------------------------------------------------------------------------

    def lock_writers(self) -> None:
        """Take the store's write lock (re-entrant within this cursor); released by unlock_writers,
        or by the server if the process dies."""
        if self._locked == 0:
            self.raw.execute("SELECT pg_advisory_lock(%s)", [WRITE_LOCK_KEY])
        self._locked += 1

    def unlock_writers(self) -> None:
        if self._locked == 1:
            self.raw.execute("SELECT pg_advisory_unlock(%s)", [WRITE_LOCK_KEY])
        self._locked = max(0, self._locked - 1)

    def begin(self) -> None:
        self.lock_writers()
        try:
            self.raw.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        except Exception:
            self.unlock_writers()
            raise

    def commit(self) -> None:
        try:
            self.raw.execute("COMMIT")
        finally:
            self.unlock_writers()

    def rollback(self) -> None:
        if self._conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            raise psycopg.ProgrammingError("no transaction is active")
        try:
            self.raw.execute("ROLLBACK")
        finally:
            self.unlock_writers()

    # -- DataFrames ------------------------------------------------------------------------------

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Stage `frame` as a temporary table called `name` (DuckDB would scan the frame itself)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a table name: {name!r}")
        columns = [str(c) for c in frame.columns]
        for column in columns:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", column):
                raise ValueError(f"not a column name: {column!r}")
        types = [_pg_type(frame[c]) for c in frame.columns]
        self.raw.execute(f"DROP TABLE IF EXISTS {name}")
        definition = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
        self.raw.execute(f"CREATE TEMP TABLE {name} ({definition})")
        self._temp.add(name)
        copy_frame(self.raw, name, frame)
        self.raw.execute(f"ANALYZE {name}")

    def unregister(self, name: str) -> None:
        if name in self._temp:
            self.raw.execute(f"DROP TABLE IF EXISTS {name}")
            self._temp.discard(name)

    # -- the pooled connection -------------------------------------------------------------------

    def close(self) -> None:
        if self._conn is None:
            return
        try:
            if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.raw.execute("ROLLBACK")
            if self._locked:
                self.raw.execute("SELECT pg_advisory_unlock_all()")
            if self._temp:
                self.raw.execute("DISCARD TEMP")
        except psycopg.Error:
            pass  # a broken connection: the pool discards it
        finally:
            self._pool.putconn(self._conn)
            self._conn = None

    def __enter__(self) -> PgCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def copy_frame(raw: psycopg.Cursor, table: str, frame: pd.DataFrame, chunk_rows: int = 200_000) -> None:
    """Append `frame` to `table` (same column names) with COPY, in CSV chunks."""
    columns = ", ".join(str(c) for c in frame.columns)
    with raw.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
        for start in range(0, len(frame), chunk_rows):
            buffer = io.StringIO()
            frame.iloc[start:start + chunk_rows].to_csv(buffer, index=False, header=False, na_rep="\\N")
            copy.write(buffer.getvalue())


def _to_psycopg(sql: str) -> str:
    """DuckDB's `?` parameters as psycopg's `%s` (a literal % doubled). The Store's SQL has no `?`
    inside string literals."""
    return sql.replace("%", "%%").replace("?", "%s")


def _pg_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    present = series.dropna()
    first = present.iloc[0] if len(present) else None
    if isinstance(first, dt.datetime):
        return "timestamp"
    if isinstance(first, dt.date):
        return "date"
    if isinstance(first, bool):
        return "boolean"
    if isinstance(first, int):
        return "bigint"
    if isinstance(first, float):
        return "double precision"
    return "text"


def _frame(description, rows: list[tuple]) -> pd.DataFrame:
    """Rows as a DataFrame with the dtypes DuckDB's .df() gives (dates and timestamps as datetime64,
    integers as int32/int64 — nullable when a value is missing)."""
    names = [d.name for d in description]
    frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)
    for position, d in enumerate(description):
        column = frame.iloc[:, position]
        oid = d.type_code
        if oid in (_OIDS["date"], _OIDS["timestamp"]):
            converted = pd.to_datetime(column).astype("datetime64[us]")
        elif oid in (_OIDS["int2"], _OIDS["int4"], _OIDS["int8"]):
            width = "64" if oid == _OIDS["int8"] else "32"
            converted = column.astype(f"Int{width}" if column.isna().any() else f"int{width}")
        elif oid in (_OIDS["float4"], _OIDS["float8"], _OIDS["numeric"]):
            converted = column.astype("float64")
        elif oid == _OIDS["bool"] and not column.isna().any():
            converted = column.astype(bool)
        else:
            continue
        frame[frame.columns[position]] = converted
    return frame


def _arrow(description, rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in description]
    return pa.table({d.name: pa.array(list(values), type=_ARROW_TYPES.get(d.type_code, pa.string()))
                     for d, values in zip(description, columns, strict=True)})


# --- the migrations, transcribed where DuckDB's text does not run on PostgreSQL ------------------------

_MIGRATIONS: dict[int, str] = {
    1: """
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
            value      DOUBLE PRECISION NOT NULL,
            upload_id  INTEGER NOT NULL,
            valid_from TIMESTAMP NOT NULL,
            -- One value per key, enforced by the server: several processes write here.
            CONSTRAINT facts_one_value_per_key UNIQUE (measure, segment, month, service, site)
        );
        -- Undo and provenance find an upload's values.
        CREATE INDEX IF NOT EXISTS facts_upload ON facts (upload_id);
        CREATE TABLE IF NOT EXISTS fact_history (
            month       DATE NOT NULL,
            measure     VARCHAR NOT NULL,
            service     VARCHAR NOT NULL,
            site        VARCHAR NOT NULL,
            segment     VARCHAR NOT NULL,
            value       DOUBLE PRECISION NOT NULL,
            upload_id   INTEGER NOT NULL,
            valid_from  TIMESTAMP NOT NULL,
            valid_to    TIMESTAMP NOT NULL,
            replaced_by INTEGER NOT NULL,
            reason      VARCHAR NOT NULL
        );
        CREATE INDEX IF NOT EXISTS fact_history_key ON fact_history (measure, segment, month, service, site);
        CREATE INDEX IF NOT EXISTS fact_history_replaced_by ON fact_history (replaced_by);
        CREATE INDEX IF NOT EXISTS fact_history_upload ON fact_history (upload_id);
    """,
    8: """
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
            demand        DOUBLE PRECISION CHECK (demand IS NULL OR demand >= 0),
            capacity      DOUBLE PRECISION CHECK (capacity IS NULL OR capacity >= 0),
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
        -- DuckDB's range() stops before its end; generate_series includes it.
        INSERT INTO scenario_multipliers
            SELECT 2, CAST(m AS DATE), 'All',
                   CASE WHEN m >= DATE '2021-02-01' THEN 1.10 END,
                   CASE WHEN extract(month FROM m) IN (11, 12, 1) THEN 0.60 END
            FROM generate_series(DATE '2020-11-01', DATE '2023-03-01', INTERVAL '1 month') AS m;
        INSERT INTO scenario_multipliers
            SELECT 3, CAST(m AS DATE), 'All', NULL, 1.10
            FROM generate_series(DATE '2021-04-01', DATE '2023-03-01', INTERVAL '1 month') AS m;
    """,
}
