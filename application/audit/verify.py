"""`tiaojie audit verify`: recompute the audit trail from the institutions' stores.

Every leaf is recomputed from the stored event it names; the tree is rebuilt and every stored
node compared; every stored checkpoint's signature, root and consistency are checked; every
stored snapshot is compared with the state rebuilt from the events up to its version; and the
tree is compared with the checkpoint each witness holds in its own store, which no one with
access to this server's databases can rewrite. The first problem is named by institution,
aggregate and version, or by the witness and the size it cosigned.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

from application.audit.log import AuditLog
from application.audit.store import AuditStore, Leaf, leaf_entry
from application.shared.pseudonyms import Pseudonyms
from domain.shared import tlog

_log = logging.getLogger("tiaojie.audit")


@dataclass(frozen=True)
class Source:
    """An application whose events are in the trail, under the institution they count for,
    and the key its actors' pseudonyms are made with."""

    institution: str
    app: Application[UUID]
    pseudonyms: Pseudonyms


class Tampered(Exception):
    """The trail and the stores disagree; the message names the first bad entry."""


def _records(app: Application[UUID]) -> Iterator[Any]:
    start = 1
    while page := app.recorder.select_notifications(start, 1000):
        yield from page
        start = page[-1].id + 1


PAGE_LEVEL = 16  # leaves are read and their subtrees checked 2**16 at a time: flat memory


def verify(
    store: AuditStore,
    log: AuditLog,
    sources: Sequence[Source],
    *,
    witnesses: bool = True,
    kept: Sequence[str] = (),
    pinned: Mapping[str, str] | None = None,
) -> int:
    """Raise Tampered naming the first problem; the number of leaves checked. With
    `witnesses`, the tree is also checked against what each configured witness cosigned, and
    against every checkpoint in `kept` (notes kept outside the server). With `pinned` keys
    (the JSON of /api/audit/keys an auditor kept), the log's published keys must include the
    pinned log key and each configured witness must have its pinned key.

    One pass over the leaves in log order, each matched with the next stored event of its
    application and hashed into the tree page by page; memory does not grow with the log.
    Once every stored node equals the recomputed one, the checkpoints are checked against the
    stored nodes."""
    if pinned is not None:
        check_pinned(log, pinned)
    records = {source.app.name: (source, _records(source.app)) for source in sources}
    tree = _TreeCheck(store)
    for leaf in _all_leaves(store):
        if leaf.index != tree.size:
            raise Tampered(f"leaf {tree.size} is missing")
        fields = leaf.fields
        if fields.get("application") not in records:
            raise Tampered(f"leaf {leaf.index}: no application {fields.get('application')!r}")
        source, stored = records[fields["application"]]
        _check_leaf(source, next(stored, None), leaf)
        tree.add(leaf.hash)
    held = tree.finish()
    for source in sources:
        _check_snapshots(source)
    with store.reading() as mth:
        _check_checkpoints(store, log, mth, held)
        check_kept(log, mth, held, kept)
        if witnesses:
            for problem in check_against_witnesses(log, mth, held):
                _log.warning("witness not asked: %s", problem)
    return held


def check_pinned(log: AuditLog, pinned: Mapping[str, str]) -> None:
    """The keys this server uses are the ones an auditor pinned (Tampered otherwise)."""
    published = [tlog.verifier_key(v.name, v.key) for v, _ in log.signers()]
    if pinned.get("log") not in published:
        raise Tampered("the log's keys are not the pinned log key: another key signs this log")
    for witness in log.witnesses:
        if witness.name in pinned and pinned[witness.name] != witness.config.vkey:
            raise Tampered(f"witness {witness.name} is configured with another key than pinned")


def _all_leaves(store: AuditStore) -> Iterator[Leaf]:
    start = 0
    while page := store.leaves(start, 10_000):
        yield from page
        start = page[-1].index + 1


class _TreeCheck:
    """Recomputes the tree from streamed leaf hashes and compares every complete subtree with
    the stored node, one aligned page of 2**PAGE_LEVEL leaves at a time; the pages' roots are
    kept (a few per million leaves) for the levels above."""

    def __init__(self, store: AuditStore) -> None:
        self.store = store
        self.size = 0
        self._page: list[bytes] = []
        self._tops: list[bytes] = []

    def add(self, leaf_hash: bytes) -> None:
        self._page.append(leaf_hash)
        self.size += 1
        if len(self._page) == 1 << PAGE_LEVEL:
            self._tops.append(self._check_rows(0, self.size - len(self._page), self._page)[0])
            self._page = []

    def finish(self) -> int:
        if self._page:
            self._check_rows(0, self.size - len(self._page), self._page)
        if self._tops:
            self._check_rows(PAGE_LEVEL, 0, self._tops)
        return self.size

    def _check_rows(self, level: int, first: int, row: list[bytes]) -> list[bytes]:
        """Compare `row` (the level's nodes from index first >> level on) and every level
        above it that the row completes; the topmost row."""
        index = first >> level
        while True:
            stored = self.store.level(level, index, index + len(row))
            for offset, value in enumerate(row):
                if offset >= len(stored) or stored[offset] != value:
                    raise Tampered(f"tree node level {level} index {index + offset} differs")
            if len(row) < 2:
                return row
            row = [tlog.node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
            level += 1
            index >>= 1


def _name(source: Source, fields: dict[str, Any]) -> str:
    return (
        f"{source.institution} {source.app.name} aggregate {fields['aggregate_id']} "
        f"version {fields['aggregate_version']}"
    )


def _check_leaf(source: Source, record: Any, leaf: Leaf) -> None:
    fields = leaf.fields
    if record is None:
        raise Tampered(f"leaf {leaf.index}: stored event missing: {_name(source, fields)}")
    try:
        expected = leaf_entry(
            source.institution,
            source.app.name,
            record,
            None if "actor_id" in fields else source.pseudonyms,
        )
    except Exception as error:  # noqa: BLE001 (a mangled record may not even decode)
        raise Tampered(
            f"leaf {leaf.index}: stored event unreadable ({error}): {_name(source, fields)}"
        ) from None
    if expected != leaf.entry:
        found = json.loads(expected)
        if (found["aggregate_id"], found["aggregate_version"]) != (
            fields["aggregate_id"],
            fields["aggregate_version"],
        ):
            raise Tampered(
                f"leaf {leaf.index}: stored event missing or moved: "
                f"{_name(source, fields)} (found {_name(source, found)})"
            )
        raise Tampered(f"leaf {leaf.index}: stored event changed: {_name(source, fields)}")


def _snapshotted(app: Application[UUID]) -> list[UUID]:
    """The aggregates that have snapshots, in one query (the library reads snapshots only
    aggregate by aggregate, which would be a query per aggregate of the log)."""
    assert app.snapshots is not None
    recorder = app.snapshots.recorder
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL("SELECT DISTINCT originator_id FROM {}.{}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement)
            return [UUID(str(row["originator_id"])) for row in cursor.fetchall()]
    if isinstance(recorder, SQLiteAggregateRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            table = recorder.events_table_name  # the library's own name, not input
            cursor.execute(f"SELECT DISTINCT originator_id FROM {table}")  # noqa: S608
            return [UUID(row["originator_id"]) for row in cursor.fetchall()]
    found = (UUID(str(r.originator_id)) for r in _records(app))  # in memory: every aggregate
    return list(dict.fromkeys(found))


def _check_snapshots(source: Source) -> None:
    """Every snapshot equals the state its events give at its version: one replay per
    aggregate, compared at each snapshot's version on the way."""
    app = source.app
    if app.snapshots is None:
        return
    encode = app.mapper.transcoder.encode
    for aggregate_id in _snapshotted(app):
        snapshots = {s.originator_version: s for s in app.snapshots.get(aggregate_id)}
        if not snapshots:
            continue
        aggregate = None
        for domain_event in app.events.get(aggregate_id, lte=max(snapshots)):
            aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
            snapshot = snapshots.pop(domain_event.originator_version, None)
            if snapshot is not None and encode(Snapshot.take(aggregate).state) != encode(
                snapshot.state  # type: ignore[attr-defined]
            ):
                snapshots[domain_event.originator_version] = snapshot
                break
        if snapshots:  # left: differs, or has no event at its version
            raise Tampered(
                f"snapshot of {source.institution} {app.name} aggregate "
                f"{aggregate_id} version {min(snapshots)} differs from its events"
            )


def _check_checkpoints(store: AuditStore, log: AuditLog, mth: tlog.SubtreeRoot, held: int) -> None:
    """Every stored checkpoint: signed by the log's key of its time (keys only ever move on),
    of a prefix of the leaves, consistent with the one before."""
    previous: tlog.Checkpoint | None = None
    signer = 0
    for size, note in store.checkpoints():
        try:
            signer, checkpoint = log.verify_signed(note, signer)
        except ValueError as error:
            raise Tampered(f"checkpoint of size {size}: {error}") from None
        if size > held:
            raise Tampered(
                f"checkpoint of size {size}: the log holds {held} entries; entry {held} "
                "onwards is missing"
            )
        root = mth(0, size) if size else tlog.root_hash([])
        if checkpoint.size != size or checkpoint.root != root:
            raise Tampered(f"checkpoint of size {size}: root does not match the leaves")
        if (
            previous is not None
            and previous.size > 0
            and not tlog.verify_consistency(
                previous.size,
                size,
                previous.root,
                checkpoint.root,
                tlog.consistency_path(previous.size, size, mth),
            )
        ):
            raise Tampered(f"checkpoint of size {size} is not consistent with {previous.size}")
        previous = checkpoint


def _check_held(
    whose: str, note: str, log: AuditLog, mth: tlog.SubtreeRoot, held: int
) -> tlog.Checkpoint:
    """A checkpoint someone outside this server kept must still describe a prefix of it."""
    try:
        _, checkpoint = log.verify_signed(note)
    except ValueError as error:
        raise Tampered(f"{whose} is not signed by the log: {error}") from None
    if checkpoint.size > held:
        raise Tampered(
            f"{whose} has {checkpoint.size} entries; the log holds {held}: entry {held} "
            "onwards is missing"
        )
    if (mth(0, checkpoint.size) if checkpoint.size else tlog.root_hash([])) != checkpoint.root:
        raise Tampered(
            f"{whose} of size {checkpoint.size} has another root: an entry before "
            f"{checkpoint.size} was changed or removed"
        )
    return checkpoint


def check_kept(log: AuditLog, mth: tlog.SubtreeRoot, held: int, notes: Sequence[str]) -> None:
    """Checkpoints kept outside the server (a monitor's, a court's): Tampered if the tree no
    longer extends them."""
    for number, note in enumerate(notes, 1):
        _check_held(f"the kept checkpoint {number}", note, log, mth, held)


def check_against_witnesses(log: AuditLog, mth: tlog.SubtreeRoot, held: int) -> list[str]:
    """Compare the tree with what each witness cosigned (its GET /checkpoint): a truncation or
    a rewrite behind a checkpoint a witness holds is Tampered. The witnesses that could not be
    asked, with why (a warning, not a verdict)."""
    unreachable = []
    for witness in log.witnesses:
        try:
            note = witness.held(log.origin)
        except OSError as error:
            unreachable.append(f"{witness.name}: {error}")
            continue
        if note is None:
            continue
        whose = f"the checkpoint witness {witness.name} cosigned"
        try:
            tlog.verify_cosignature(note, witness.verifier)
        except ValueError as error:
            raise Tampered(f"{whose}: {error}") from None
        _check_held(whose, note, log, mth, held)
    return unreachable
