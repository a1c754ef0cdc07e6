"""Idempotency keys: a client that did not hear the answer to a change repeats it with the same
`Idempotency-Key` and gets the first answer, never a second change.

A key is claimed before the request runs (one row, unique per caller and key, so two copies
racing cannot both run) and its answer is kept beside it for a while (24 hours by default). A
key reused with another request is refused. Kept in the read models' store (its SQLite file, or
a table in the PostgreSQL schema), so every server process of a deployment sees the same keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

TABLE = """CREATE TABLE IF NOT EXISTS {keys} (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status INTEGER,
    media_type TEXT,
    body BYTEA,
    created_at TEXT NOT NULL,
    PRIMARY KEY (owner, key)
)"""


@dataclass(frozen=True)
class Kept:
    """What a key holds: the request it was first used with, and its answer once known."""

    request_sha256: str
    status: int | None
    media_type: str | None
    body: bytes | None


class IdempotencyKeys(TrackingRecorder):
    """Both backends: claim a key, keep its answer, read it, forget old ones."""

    table: str
    keep = timedelta(hours=24)

    def _run(self, sql: str, params: Sequence[Any], *, commit: bool) -> Any:
        raise NotImplementedError

    def claim(self, owner: str, key: str, request_sha256: str, now: datetime) -> Kept | None:
        """None when this request may run under the key; else what the key already holds."""
        self._run(
            "DELETE FROM {keys} WHERE created_at < ?",
            ((now - self.keep).isoformat(),),
            commit=True,
        )
        inserted = self._run(
            "INSERT INTO {keys} (owner, key, request_sha256, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (owner, key) DO NOTHING",
            (owner, key, request_sha256, now.isoformat()),
            commit=True,
        )
        if inserted:
            return None
        row = self._run(
            "SELECT request_sha256, status, media_type, body FROM {keys} "
            "WHERE owner = ? AND key = ?",
            (owner, key),
            commit=False,
        )
        if row is None:  # forgotten in between: claim it again
            return self.claim(owner, key, request_sha256, now)
        return Kept(row[0], row[1], row[2], bytes(row[3]) if row[3] is not None else None)

    def answer(self, owner: str, key: str, status: int, media_type: str, body: bytes) -> None:
        self._run(
            "UPDATE {keys} SET status = ?, media_type = ?, body = ? WHERE owner = ? AND key = ?",
            (status, media_type, body, owner, key),
            commit=True,
        )

    def release(self, owner: str, key: str) -> None:
        """The request failed before it changed anything: the key may be used again."""
        self._run(
            "DELETE FROM {keys} WHERE owner = ? AND key = ? AND status IS NULL",
            (owner, key),
            commit=True,
        )


class SQLiteIdempotencyKeys(SQLiteTrackingRecorder, IdempotencyKeys):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        self.table = "idempotency_keys"
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), TABLE.format(keys=self.table)]

    def _run(self, sql: str, params: Sequence[Any], *, commit: bool) -> Any:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(sql.format(keys=self.table), tuple(params))
            return cursor.sqlite_cursor.rowcount > 0 if commit else cursor.fetchone()


class PostgresIdempotencyKeys(PostgresTrackingRecorder, IdempotencyKeys):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table = f'"{self.datastore.schema}".idempotency_keys'
        self.sql_create_statements.append(SQL(TABLE.format(keys=self.table)))  # type: ignore[arg-type]

    def _run(self, sql: str, params: Sequence[Any], *, commit: bool) -> Any:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(sql.format(keys=self.table).replace("?", "%s"), tuple(params))
            if commit:
                return cursor.rowcount > 0
            row = cursor.fetchone()
            return tuple(row.values()) if row is not None else None
