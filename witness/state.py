"""What a witness remembers of each log: the latest checkpoint it cosigned (in its own SQLite
file, never in the log's database). Checking the old size and saving the new one is one
transaction, so two concurrent submissions can never roll the tree back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from domain.shared import tlog

EMPTY_ROOT = tlog.root_hash([])


@dataclass(frozen=True)
class Latest:
    size: int
    root: bytes
    note: str  # the checkpoint as the witness cosigned it (log signature + its cosignature)


NOTHING = Latest(0, EMPTY_ROOT, "")  # a log the witness never cosigned


class WitnessState:
    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS cosigned ("
                "origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, "
                "note TEXT NOT NULL)"
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    def latest(self, origin: str) -> Latest | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT size, root, note FROM cosigned WHERE origin = ?", (origin,)
            ).fetchone()
        return Latest(row[0], bytes(row[1]), row[2]) if row else None

    @contextmanager
    def advancing(self, origin: str) -> Iterator[tuple[Latest, list[Latest]]]:
        """The latest cosigned checkpoint of `origin` (size 0 if none), locked until the block
        ends; append the new one to the list to have it saved in the same transaction."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT size, root, note FROM cosigned WHERE origin = ?", (origin,)
                ).fetchone()
                current = (
                    Latest(row[0], bytes(row[1]), row[2]) if row else Latest(0, EMPTY_ROOT, "")
                )
                new: list[Latest] = []
                yield current, new
                for latest in new:
                    db.execute(
                        "INSERT INTO cosigned (origin, size, root, note) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
                        "root = excluded.root, note = excluded.note",
                        (origin, latest.size, latest.root, latest.note),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
