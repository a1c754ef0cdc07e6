"""Raw SQL on the platform's stores, to tamper with them as an intruder with database access
would."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from tests.conftest import PG_URL


class Store:
    """Raw SQL on one of the platform's stores, to tamper with it as an intruder would."""

    def __init__(self, backend: str, tmp_path: Path, schema: str | None) -> None:
        self.backend, self.tmp_path, self.schema = backend, tmp_path, schema

    def run(self, db: str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.tmp_path / "data" / f"{db}.sqlite")
            try:
                rows = conn.execute(sql, params).fetchall()
                conn.commit()
                return rows
            finally:
                conn.close()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {self.schema}")
            cursor = conn.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    @property
    def events(self) -> str:
        return "stored_events" if self.backend == "sqlite" else "mediationcenter_events"

    @property
    def snapshots(self) -> str:
        return "stored_snapshots" if self.backend == "sqlite" else "mediationcenter_snapshots"

    @property
    def order(self) -> str:
        return "rowid" if self.backend == "sqlite" else "notification_id"

    def table(self, sqlite_name: str, postgres_name: str) -> str:
        return sqlite_name if self.backend == "sqlite" else postgres_name
