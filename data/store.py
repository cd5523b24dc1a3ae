"""The DuckDB store: connection, numbered migrations, and every query and write (all SQL lives here).

Tables (DESIGN §4):
- `facts`: the current value for each (month, measure, service, site, segment), with the upload that
  wrote it and the moment it became the known value (`valid_from`).
- `fact_history`: every value that stopped being current — replaced by a later upload or taken back
  by an undo — with the moment it stopped (`valid_to`) and the upload responsible. Together with
  `facts` it answers "what was known at time D".
- `uploads`: one row per committed file (file name, sha256, who, when, note, counts, status).
- `schema_migrations`: which numbered migrations have run.

DuckDB allows one read-write process per file: the dashboard owns it, and a second process gets a
`StoreLockedError` with a sentence rather than a stack trace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

# The fact grain. "All" in a dimension means "not broken down by it".
KEY_COLUMNS = ("month", "measure", "service", "site", "segment")
DIMENSIONS = ("service", "site", "segment")
ALL = "All"
UPLOAD_KINDS = ("upload", "demo")


class StoreError(RuntimeError):
    """A store operation could not be done; the message says why and what to do."""


class StoreLockedError(StoreError):
    """Another process (normally the running dashboard) holds the store file."""


class GrainError(StoreError):
    """Rows would mix a breakdown with its total for the same (month, measure)."""

    def __init__(self, conflicts: pd.DataFrame):
        self.conflicts = conflicts
        super().__init__(describe_grain_conflicts(conflicts))


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
            valid_from TIMESTAMP NOT NULL,
            PRIMARY KEY (month, measure, service, site, segment)
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
]

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


class Store:
    """One DuckDB file. Methods open a fresh cursor per call, so one Store can serve a whole app."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"The store {self.path} is in use by another program (usually the running dashboard). "
                    "Stop the dashboard, or make this change from its Upload data page, then try again."
                ) from None
            raise StoreError(f"The store {self.path} could not be opened: {exc}") from None
        if not read_only:
            self.migrate()

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the shared connection (one per script run or write)."""
        return self._con.cursor()

    def migrate(self) -> list[int]:
        """Run every migration not yet recorded; return the versions applied now."""
        applied_now = []
        with self.cursor() as cur:
            cur.execute(MIGRATIONS_TABLE)
            done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, name, sql in MIGRATIONS:
                if version in done:
                    continue
                cur.begin()
                try:
                    cur.execute(sql)
                    cur.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utc_now()]
                    )
                    cur.commit()
                except Exception:
                    cur.rollback()
                    raise
                applied_now.append(version)
        return applied_now

    def applied_migrations(self) -> list[int]:
        with self.cursor() as cur:
            return [r[0] for r in cur.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]

    def table_names(self) -> list[str]:
        with self.cursor() as cur:
            rows = cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

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
        Segment "All" is the total; a named segment reads its alternative breakdown.
        """
        measures = list(dict.fromkeys(measures))
        sql = f"""
            SELECT month, measure, sum(value) AS value
            FROM facts
            WHERE measure IN ({_placeholders(measures)})
              AND segment = ?
              AND (? = 'All' OR service = ?)
              AND (? = 'All' OR site = ?)
              AND month BETWEEN ? AND ?
            GROUP BY month, measure
            ORDER BY month, measure
        """
        params = [*measures, segment, service, service, site, site, *_month_bounds(start, end)]
        return self._frame(sql, params, columns=["month", "measure", "value"])

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
        """Monthly totals broken down by one dimension: (month, measure, <dimension>, value).

        For dimension "segment", `segment_group` picks the breakdown (e.g. "imd" reads imd:1 … imd:5).
        """
        if dimension not in DIMENSIONS:
            raise ValueError(f"'{dimension}' is not a dimension; use one of {', '.join(DIMENSIONS)}.")
        measures = list(dict.fromkeys(measures))
        if dimension == "segment":
            segment_clause, segment_params = "segment LIKE ?", [f"{segment_group}:%" if segment_group else "%:%"]
        else:
            segment_clause, segment_params = "segment = ?", [segment]
        sql = f"""
            SELECT month, measure, {dimension}, sum(value) AS value
            FROM facts
            WHERE measure IN ({_placeholders(measures)})
              AND {segment_clause}
              AND (? = 'All' OR service = ?)
              AND (? = 'All' OR site = ?)
              AND month BETWEEN ? AND ?
              AND {dimension} <> 'All'
            GROUP BY ALL
            ORDER BY ALL
        """
        params = [*measures, *segment_params, service, service, site, site, *_month_bounds(start, end)]
        return self._frame(sql, params, columns=["month", "measure", dimension, "value"])

    def months_with_data(self, measures: Iterable[str] | None = None) -> list[dt.date]:
        """Every month holding at least one value (of the given measures, if any), oldest first."""
        if measures is None:
            sql, params = "SELECT DISTINCT month FROM facts ORDER BY month", []
        else:
            measures = list(measures)
            sql = f"SELECT DISTINCT month FROM facts WHERE measure IN ({_placeholders(measures)}) ORDER BY month"
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

    def export_csv(self, directory: str | Path, tables: Sequence[str] | None = None) -> list[Path]:
        """Write every table (or the named ones) to DIRECTORY/<table>.csv with a header row."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        names = list(tables) if tables else [t for t in self.table_names()]
        written = []
        with self.cursor() as cur:
            for name in names:
                if name not in self.table_names():
                    raise StoreError(f"There is no table called '{name}' in the store.")
                target = directory / f"{name}.csv"
                order = "ORDER BY ALL"
                # Identifiers cannot be parameters; `name` is checked against the catalogue above.
                cur.execute(f"COPY (SELECT * FROM {name} {order}) TO ? (HEADER, DELIMITER ',')", [str(target)])
                written.append(target)
        return written

    # --- the grain rule and the diff ------------------------------------------------------------

    def grain_conflicts(self, rows: pd.DataFrame) -> pd.DataFrame:
        """(month, measure, segment, dimension) groups where `rows`, together with what is stored,
        would mix a breakdown with its total. Stored rows that `rows` replace count once."""
        with self.cursor() as cur:
            cur.register("incoming", rows[list(KEY_COLUMNS)])
            frame = cur.execute(_GRAIN_SQL.format(source="incoming")).df()
            cur.unregister("incoming")
        return frame

    def diff(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Compare incoming rows with the store: each row with `old_value`, `old_upload_id` and
        `change` ∈ {new, changed, unchanged}."""
        with self.cursor() as cur:
            cur.register("incoming", rows[[*KEY_COLUMNS, "value"]])
            frame = cur.execute(_DIFF_SQL.format(source="incoming")).df()
            cur.unregister("incoming")
        return frame

    # --- writes --------------------------------------------------------------------------------

    def commit_rows(
        self,
        rows: pd.DataFrame,
        *,
        file_name: str,
        sha256: str,
        uploaded_by: str,
        note: str = "",
        kind: str = "upload",
        now: dt.datetime | None = None,
    ) -> CommitResult:
        """Write validated rows in one transaction: record the upload, move replaced values to
        history, update changed values and insert new ones. Nothing is written when nothing would
        change (an identical re-upload). Raises GrainError if the rows would break the grain rule."""
        if kind not in UPLOAD_KINDS:
            raise ValueError(f"upload kind must be one of {UPLOAD_KINDS}")
        missing = [c for c in (*KEY_COLUMNS, "value") if c not in rows.columns]
        if missing:
            raise ValueError(f"rows are missing column(s): {', '.join(missing)}")
        now = now or utc_now()
        staged = rows[[*KEY_COLUMNS, "value"]].copy()
        staged["month"] = pd.to_datetime(staged["month"]).dt.date
        cur = self.cursor()
        try:
            cur.register("incoming", staged)
            cur.begin()
            cur.execute(f"CREATE OR REPLACE TEMP TABLE staged_diff AS {_DIFF_SQL.format(source='incoming')}")
            counts = dict(
                cur.execute("SELECT change, count(*) FROM staged_diff GROUP BY change").fetchall()
            )
            added, changed, unchanged = (counts.get(k, 0) for k in ("new", "changed", "unchanged"))
            if added == 0 and changed == 0:
                duplicate = cur.execute(
                    "SELECT max(upload_id) FROM uploads WHERE sha256 = ? AND status = 'committed'", [sha256]
                ).fetchone()[0]
                cur.rollback()
                return CommitResult(None, 0, 0, unchanged, duplicate_of=duplicate)
            conflicts = cur.execute(_GRAIN_SQL.format(source='staged_diff')).df()
            if not conflicts.empty:
                cur.rollback()
                raise GrainError(conflicts)
            upload_id = cur.execute("SELECT nextval('upload_id_seq')").fetchone()[0]
            cur.execute(
                """INSERT INTO uploads (upload_id, kind, file_name, sha256, uploaded_by, uploaded_at, note,
                                        rows_added, rows_changed, rows_unchanged, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed')""",
                [upload_id, kind, file_name, sha256, uploaded_by, now, note, added, changed, unchanged],
            )
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
            cur.execute("DROP TABLE staged_diff")
            cur.commit()
        except Exception:
            with contextlib.suppress(duckdb.Error):  # already rolled back (e.g. after a GrainError)
                cur.rollback()
            raise
        finally:
            cur.close()
        return CommitResult(int(upload_id), added, changed, unchanged)

    # --- helpers -------------------------------------------------------------------------------

    def _frame(self, sql: str, params: list, columns: list[str] | None = None) -> pd.DataFrame:
        with self.cursor() as cur:
            frame = cur.execute(sql, params).df()
        if columns is not None and frame.empty:
            return pd.DataFrame(columns=columns)
        return frame


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

# The grain rule over incoming rows plus the stored rows of the same (month, measure): a group that
# holds both "All" and named values of a dimension would count the same activity twice.
_GRAIN_SQL = """
    WITH combined AS (
        SELECT month, measure, service, site, segment FROM {source}
        UNION
        SELECT f.month, f.measure, f.service, f.site, f.segment
        FROM facts f
        WHERE (f.month, f.measure) IN (SELECT DISTINCT month, measure FROM {source})
    ),
    grouped AS (
        SELECT month, measure, segment,
               count(DISTINCT service = 'All') > 1 AS mixes_service,
               count(DISTINCT site = 'All') > 1 AS mixes_site
        FROM combined GROUP BY month, measure, segment
    )
    SELECT month, measure, segment, 'service' AS dimension FROM grouped WHERE mixes_service
    UNION ALL
    SELECT month, measure, segment, 'site' AS dimension FROM grouped WHERE mixes_site
    ORDER BY month, measure, dimension
"""


def copy_store(source: str | Path, target: str | Path) -> Path:
    """Copy a closed store file (tests and benchmarks use this to start from a built store)."""
    target = Path(target)
    shutil.copyfile(source, target)
    return target


def temporary_store_path() -> Path:
    """A path for a throwaway store file in a fresh temporary directory."""
    return Path(tempfile.mkdtemp(prefix="recovery-")) / "store.duckdb"
