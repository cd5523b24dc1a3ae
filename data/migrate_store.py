"""Move a store into an empty PostgreSQL database (`python -m data migrate-store --from PATH --to URL`).

Every table is copied row for row in one transaction on the target (COPY) — the system-total rollup is
rebuilt there instead, hashed by the target's engine — the id sequences are set past
the copied ids, and the copy is verified by exporting both stores (`Store.export_csv`, the same text
from either engine) and comparing every file byte for byte. A copy that does not compare equal is taken
out again, so the target is left as it was found. The source is only read (it is brought up to the
current migrations first, as the dashboard would on opening it).
"""

from __future__ import annotations

import filecmp
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.store import EXPORT_BATCH_ROWS, ROLLUP_TABLES, Store, StoreError, is_postgres_url, rollup_fill_sql
from metrics.access import Actor

# Each id sequence and the column whose ids it hands out.
SEQUENCES = {
    "upload_id_seq": ("uploads", "upload_id"),
    "commentary_id_seq": ("commentary", "commentary_id"),
    "review_id_seq": ("assessment_reviews", "review_id"),
    "milestone_id_seq": ("milestones", "milestone_id"),
    "audit_event_seq": ("audit_log", "event_id"),
    "scenario_version_id_seq": ("scenario_versions", "version_id"),
}
# What a new store holds before anything is written to it: the shipped example scenarios and the store
# version's one row (migration 9).
SHIPPED_TABLES = ("schema_migrations", "scenario_versions", "scenario_multipliers", "store_version")


@dataclass(frozen=True)
class MigrateResult:
    tables: dict[str, int]  # rows copied per table
    compared: int  # export files compared, all identical


def migrate_store(source: str | Path, target: str, *, actor: Actor) -> MigrateResult:
    """Copy the store at `source` into the empty PostgreSQL database `target`; verify by comparing exports."""
    if not is_postgres_url(str(target)):
        raise StoreError(f"--to must be a PostgreSQL URL (postgresql://user@host/database), not {target}.")
    if not actor.can("upload"):
        raise StoreError("Moving a store needs the analyst role.")
    with Store.open_existing(source) as old, Store(target) as new:
        _refuse_unless_empty(new)
        missing = sorted(set(old.applied_migrations()) ^ set(new.applied_migrations()))
        if missing:
            raise StoreError(
                f"The two stores are at different migrations ({', '.join(map(str, missing))}); update the dashboard "
                "so both run the same version, then try again. Nothing was changed."
            )
        tables = old.table_names()
        if set(tables) != set(new.table_names()):
            differ = ", ".join(sorted(set(tables) ^ set(new.table_names())))
            raise StoreError(f"The stores hold different tables ({differ}); nothing was changed.")
        copied = _copy(old, new, tables)
        compared, differing = _compare_exports(old, new)
        if differing:
            _empty(new, tables)
            raise StoreError(
                f"The copy did not export the same as the original ({', '.join(differing)} differ), so it was taken "
                f"out again and {new.path} left without a store: drop the database and create it again before "
                f"another try. The store at {old.path} is unchanged."
            )
        what = f"{sum(copied.values()):,} rows from {old.path} ({len(copied)} tables)"
        new.record_event(actor, "migrate-store", what)
    return MigrateResult(copied, compared)


def _refuse_unless_empty(store: Store) -> None:
    held = []
    with store.cursor() as cur:
        for table in store.table_names():
            if table in SHIPPED_TABLES:
                continue
            count = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if count:
                held.append(f"{count:,} {table}")
        own = cur.execute("SELECT count(*) FROM scenario_versions WHERE NOT example").fetchone()[0]
    if own:
        held.append(f"{own:,} saved scenario versions")
    if held:
        raise StoreError(
            f"The database {store.path} already holds a store ({', '.join(held)}); migrate-store only fills an empty "
            "one. Nothing was changed. Create a new database (createdb) and give its URL."
        )


def _copy(old: Store, new: Store, tables: list[str]) -> dict[str, int]:
    """Every row of every table in one transaction on the target: what its own migrations wrote (their
    record, the shipped example scenarios) is replaced by the source's rows, so nothing differs."""
    from data.engine_postgres import copy_frame

    copied: dict[str, int] = {}
    with old.cursor() as source, new.cursor() as cur:
        cur.begin()
        try:
            for table in tables:
                cur.execute(f"DELETE FROM {table}")
                if table in ROLLUP_TABLES:
                    continue  # derived, with this engine's hash: rebuilt below, not copied
                types = dict(new.columns(table, cur))
                _, batches = old.engine.batches(source, f"SELECT * FROM {table}", EXPORT_BATCH_ROWS)
                count = 0
                for batch in batches:
                    copy_frame(cur.raw, table, _typed(batch, types))
                    count += len(batch)
                copied[table] = count
            cur.execute(rollup_fill_sql(new.engine.fingerprint_sql))
            for sequence, (table, column) in SEQUENCES.items():
                if table in copied:
                    latest = f"coalesce((SELECT max({column}) FROM {table}), 0)"
                    cur.execute(f"SELECT setval('{sequence}', {latest} + 1, false)")
            cur.commit()
        except Exception:
            cur.rollback()
            raise
    return copied


def _typed(batch: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """A batch read through Arrow (an integer column with gaps arrives as floats) as the target's types."""
    batch = batch.copy()
    for column in batch.columns:
        if types.get(column) in ("integer", "bigint", "smallint") and not pd.api.types.is_integer_dtype(batch[column]):
            batch[column] = batch[column].astype("Int64")
    return batch


def _empty(store: Store, tables: list[str]) -> None:
    with store.cursor() as cur:
        cur.begin()
        for table in tables:
            cur.execute(f"DELETE FROM {table}")
        cur.commit()


def _compare_exports(old: Store, new: Store) -> tuple[int, list[str]]:
    with tempfile.TemporaryDirectory(prefix="migrate-store-") as folder:
        before = old.export_csv(Path(folder) / "before")
        after = {p.name: p for p in new.export_csv(Path(folder) / "after")}
        differing = [p.stem for p in before if p.name not in after or not filecmp.cmp(p, after[p.name], shallow=False)]
        differing += sorted(name.removesuffix(".csv") for name in set(after) - {p.name for p in before})
    return len(before), differing
