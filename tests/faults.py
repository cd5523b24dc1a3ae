"""Faults tests inject: a disk that fills up during a write."""

from __future__ import annotations

import duckdb


class FailingStatement:
    """A cursor (either engine's) on which any statement containing `marker` fails with `error`, as a write
    the disk or the server broke off part-way: what came before it in the transaction must be rolled back."""

    def __init__(self, cursor, marker: str, error: BaseException):
        self._cursor, self._marker, self._error = cursor, marker, error

    def _fails(self, sql: str) -> bool:
        return self._marker in sql

    def execute(self, sql: str, *args, **kwargs):
        if self._fails(sql):
            raise self._error
        return self._cursor.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()


class FullDisk(FailingStatement):
    """A cursor whose writes fail as DuckDB's do when the disk is full."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        super().__init__(cursor, "", duckdb.IOException(
            'IO Error: Could not write file "store.duckdb.wal": No space left on device'))

    def _fails(self, sql: str) -> bool:
        return sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
