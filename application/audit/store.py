"""The audit trail's store: leaves, complete-subtree nodes, checkpoints and tracking.

A follower of each institution's notification log appends one leaf per event, with the tree's
new complete-subtree nodes and the tracking position, in one transaction: exactly once,
resumable, in log order per institution. Proofs read the stored nodes (never the whole tree).

Leaf (canonical, documented): UTF-8 JSON, keys sorted, no spaces, of
    {"actor", "aggregate_id", "aggregate_version", "application", "event_sha256",
     "institution", "notification_id", "occurred_at", "role", "topic"}
where event_sha256 = SHA-256 over the stored record exactly as stored:
    originator_id (hex) "\\n" originator_version "\\n" topic "\\n" state (bytes),
and actor is the keyed pseudonym of the acting account (application/shared/pseudonyms.py), so
an entry names no person. Leaves written before actors were pseudonymous carry "actor_id" (the
user name) instead; they keep that form, since they are in the signed tree.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Notification, StoredEvent, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

from application.shared.pseudonyms import Pseudonyms
from domain.shared import tlog

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS {leaves} (
        idx BIGINT PRIMARY KEY,
        application TEXT NOT NULL,
        notification_id BIGINT NOT NULL,
        aggregate_id TEXT NOT NULL,
        aggregate_version BIGINT NOT NULL,
        entry TEXT NOT NULL,
        UNIQUE (application, notification_id)
    )""",
    "CREATE INDEX IF NOT EXISTS audit_leaves_aggregate ON {leaves} (aggregate_id)",
    """CREATE TABLE IF NOT EXISTS {nodes} (
        level INTEGER NOT NULL,
        idx BIGINT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (level, idx)
    )""",
    """CREATE TABLE IF NOT EXISTS {checkpoints} (
        size BIGINT PRIMARY KEY,
        note TEXT NOT NULL
    )""",
]


def event_sha256(record: StoredEvent) -> str:
    originator = record.originator_id
    ident = originator.hex if isinstance(originator, UUID) else str(originator)
    head = f"{ident}\n{record.originator_version}\n{record.topic}\n".encode()
    return hashlib.sha256(head + record.state).hexdigest()


def _transcoded(state: dict[str, Any], name: str) -> Any:
    """A value as eventsourcing's JSON transcoder stored it: {"_type_": ..., "_data_": ...}."""
    value = state.get(name)
    return value.get("_data_") if isinstance(value, dict) else None


def leaf_entry(
    institution: str, application: str, record: Notification, pseudonyms: Pseudonyms | None
) -> str:
    """The leaf of one stored event, read from its stored JSON (actor and occurred_at as the
    transcoder wrote them), so neither the follower nor verify builds event objects. With
    `pseudonyms` None, the form written before actors were pseudonymous (verify reproduces the
    form it finds)."""
    state = msgspec.json.decode(record.state)
    actor = _transcoded(state, "actor") if isinstance(state, dict) else None
    occurred_at = _transcoded(state, "occurred_at") if isinstance(state, dict) else None
    fields = {
        "institution": institution,
        "application": application,
        "notification_id": record.id,
        "aggregate_id": str(record.originator_id),
        "aggregate_version": record.originator_version,
        "topic": record.topic,
        "role": actor["role"] if actor else "",
        "occurred_at": occurred_at or "",
        "event_sha256": event_sha256(record),
    }
    if pseudonyms is None:
        fields["actor_id"] = actor["actor_id"] if actor else ""
    else:
        fields["actor"] = str(pseudonyms.of("user", actor["actor_id"])) if actor else ""
    return msgspec.json.encode(fields, order="sorted").decode()


@dataclass(frozen=True)
class Leaf:
    index: int
    entry: str

    @functools.cached_property
    def fields(self) -> dict[str, Any]:
        loaded: dict[str, Any] = msgspec.json.decode(self.entry)
        return loaded

    @property
    def hash(self) -> bytes:
        return tlog.leaf_hash(self.entry.encode())


class AuditStore(TrackingRecorder):
    """What both backends offer: appending leaves with tracking, and reading nodes."""

    tables: dict[str, str]

    def _run(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def _transaction(self, *, commit: bool) -> Any:
        raise NotImplementedError

    def _run_many(self, cursor: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _insert(self, c: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def size(self) -> int:
        with self._transaction(commit=False) as c:
            self._run(c, "SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM {leaves}")
            return int(c.fetchone()["n"])

    def append(self, entries: Sequence[str], tracking: Tracking) -> int:
        """Append leaves and their complete subtrees; the new size."""
        with self._transaction(commit=True) as c:
            self._run(c, "SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM {leaves}")
            size = int(c.fetchone()["n"])
            new_nodes: dict[tuple[int, int], bytes] = {}

            def node(level: int, index: int) -> bytes:
                if (level, index) in new_nodes:
                    return new_nodes[(level, index)]
                self._run(c, "SELECT hash FROM {nodes} WHERE level = ? AND idx = ?", (level, index))
                return bytes.fromhex(c.fetchone()["hash"])

            leaf_rows = []
            for entry in entries:
                index = size
                fields = json.loads(entry)
                leaf_rows.append(
                    (
                        index,
                        fields["application"],
                        fields["notification_id"],
                        fields["aggregate_id"],
                        fields["aggregate_version"],
                        entry,
                    )
                )
                new_nodes[(0, index)] = tlog.leaf_hash(entry.encode())
                level, position = 0, index
                while position & 1:
                    parent = tlog.node_hash(node(level, position - 1), node(level, position))
                    level, position = level + 1, position >> 1
                    new_nodes[(level, position)] = parent
                size += 1
            self._run_many(
                c,
                "INSERT INTO {leaves} (idx, application, notification_id, aggregate_id, "
                "aggregate_version, entry) VALUES (?, ?, ?, ?, ?, ?)",
                leaf_rows,
            )
            self._run_many(
                c,
                "INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)",
                [(level, index, value.hex()) for (level, index), value in new_nodes.items()],
            )
            self._insert(c, tracking)
            return size

    def subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) from the stored complete subtrees."""
        with self.reading() as mth:
            return mth(start, end)

    @contextlib.contextmanager
    def reading(self) -> Iterator[tlog.SubtreeRoot]:
        """Subtree roots read in one transaction (a proof needs about log2(n) of them)."""
        with self._transaction(commit=False) as c:

            def mth(start: int, end: int) -> bytes:
                width = end - start
                if width & (width - 1) == 0 and start % width == 0:
                    level = width.bit_length() - 1
                    self._run(
                        c,
                        "SELECT hash FROM {nodes} WHERE level = ? AND idx = ?",
                        (level, start >> level),
                    )
                    row = c.fetchone()
                    if row is None:
                        msg = f"no node for leaves {start}..{end}"
                        raise LookupError(msg)
                    return bytes.fromhex(row["hash"])
                k = 1 << ((width - 1).bit_length() - 1)
                return tlog.node_hash(mth(start, start + k), mth(start + k, end))

            yield mth

    def level(self, level: int, start: int, stop: int) -> list[bytes]:
        """The stored complete-subtree hashes of one tree level, indices [start, stop)."""
        with self._transaction(commit=False) as c:
            self._run(
                c,
                "SELECT hash FROM {nodes} WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                (level, start, stop),
            )
            return [bytes.fromhex(row["hash"]) for row in c.fetchall()]

    def root(self, size: int) -> bytes:
        return tlog.root_hash([]) if size == 0 else self.subtree_root(0, size)

    def leaf(self, index: int) -> Leaf | None:
        with self._transaction(commit=False) as c:
            self._run(c, "SELECT idx, entry FROM {leaves} WHERE idx = ?", (index,))
            row = c.fetchone()
        return Leaf(int(row["idx"]), row["entry"]) if row else None

    def leaves(self, start: int, limit: int) -> list[Leaf]:
        with self._transaction(commit=False) as c:
            self._run(
                c,
                "SELECT idx, entry FROM {leaves} WHERE idx >= ? ORDER BY idx LIMIT ?",
                (start, limit),
            )
            return [Leaf(int(r["idx"]), r["entry"]) for r in c.fetchall()]

    def leaves_of(self, aggregate_ids: Sequence[str]) -> list[Leaf]:
        marks = ", ".join("?" for _ in aggregate_ids)
        with self._transaction(commit=False) as c:
            self._run(
                c,
                f"SELECT idx, entry FROM {{leaves}} WHERE aggregate_id IN ({marks}) "  # noqa: S608
                "ORDER BY idx",
                tuple(aggregate_ids),
            )
            return [Leaf(int(r["idx"]), r["entry"]) for r in c.fetchall()]

    def save_checkpoint(self, size: int, note: str) -> None:
        with self._transaction(commit=True) as c:
            self._run(c, "DELETE FROM {checkpoints} WHERE size = ?", (size,))
            self._run(c, "INSERT INTO {checkpoints} (size, note) VALUES (?, ?)", (size, note))

    def checkpoints(self) -> list[tuple[int, str]]:
        with self._transaction(commit=False) as c:
            self._run(c, "SELECT size, note FROM {checkpoints} ORDER BY size")
            return [(int(r["size"]), r["note"]) for r in c.fetchall()]

    def node_rows(self) -> dict[tuple[int, int], bytes]:
        with self._transaction(commit=False) as c:
            self._run(c, "SELECT level, idx, hash FROM {nodes}")
            return {
                (int(r["level"]), int(r["idx"])): bytes.fromhex(r["hash"]) for r in c.fetchall()
            }


class SQLiteAuditStore(SQLiteTrackingRecorder, AuditStore):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        self.tables = {
            "leaves": "audit_leaves",
            "nodes": "audit_nodes",
            "checkpoints": "audit_checkpoints",
        }
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *(s.format(**self.tables) for s in SCHEMA),
        ]

    def _transaction(self, *, commit: bool) -> Any:
        return self.datastore.transaction(commit=commit)

    def _run(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> None:
        cursor.execute(sql.format(**self.tables), tuple(params))

    def _run_many(self, cursor: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor.executemany(sql.format(**self.tables), rows)

    def _insert(self, c: Any, tracking: Tracking) -> None:
        self._insert_tracking(c, tracking)


class PostgresAuditStore(PostgresTrackingRecorder, AuditStore):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = self.datastore.schema
        self.tables = {
            name: f'"{schema}".audit_{name}' for name in ("leaves", "nodes", "checkpoints")
        }
        for statement in SCHEMA:
            self.sql_create_statements.append(SQL(statement.format(**self.tables)))  # type: ignore[arg-type]

    def _transaction(self, *, commit: bool) -> Any:
        return self.datastore.transaction(commit=commit)

    def _run(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> None:
        cursor.execute(sql.format(**self.tables).replace("?", "%s"), tuple(params))

    def _run_many(self, cursor: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor.executemany(sql.format(**self.tables).replace("?", "%s"), rows)

    def _insert(self, c: Any, tracking: Tracking) -> None:
        self._insert_tracking(c, tracking)
