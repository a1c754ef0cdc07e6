"""The audit trail on SQLite and PostgreSQL: complete, provable, and tamper-evident."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from application.audit import verify as verify_module
from application.audit.verify import Tampered, verify
from application.bootstrap import Platform, build_platform
from application.mediation_center import commands as cmd
from application.shared.clock import ManualClock
from domain.shared import tlog
from tests.conftest import make_platform, settings_for
from tests.support.data import ADMIN, CENTER, MEDIATOR, drive
from tests.support.tamper import Store


@pytest.fixture
def audited(
    durable_backend: str, tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[tuple[Platform, Store]]:
    schema = request.getfixturevalue("pg_schema") if durable_backend == "postgres" else None
    platform = make_platform(settings_for(durable_backend, tmp_path, schema), clock)
    long_case = drive(platform.center, clock, "in_mediation")
    for day in range(1, 52):  # a snapshot at version 50
        platform.center.act(
            long_case.id, MEDIATOR, cmd.ScheduleSession(starts_at=clock() + timedelta(days=day))
        )
    for state in ("settled", "failed", "assigned"):
        drive(platform.center, clock, state)
    platform.catch_up()
    yield platform, Store(durable_backend, tmp_path, schema)
    platform.close()


def check(platform: Platform) -> int:
    return verify(platform.audit.store, platform.audit, platform.audit_sources())


def test_every_event_is_a_leaf_and_verifies(audited: tuple[Platform, Store]) -> None:
    platform, _ = audited
    events = sum(
        source.app.recorder.max_notification_id() or 0 for source in platform.audit_sources()
    )
    assert len(platform.audit_sources()) == 5  # the four institutions and the directory
    assert check(platform) == events  # the directory's accounts and institutions too
    fields = platform.audit.store.leaf(0).fields  # type: ignore[union-attr]
    assert fields["application"] == "MediationCenter" and fields["actor"] == str(
        platform.directory.pseudonyms.of("user", "bank_agent")
    )
    assert {
        "institution",
        "aggregate_version",
        "topic",
        "role",
        "occurred_at",
        "event_sha256",
    } <= set(fields)


def test_inclusion_and_consistency_proofs_check_out_offline(
    audited: tuple[Platform, Store],
) -> None:
    platform, _ = audited
    log = platform.audit
    note = log.latest()
    keys = log.vkeys()
    checkpoint = tlog.verify_note(note, tlog.Verifier.parse(keys["log"]))
    for name, vkey in keys.items():
        if name != "log":
            tlog.verify_cosignature(note, tlog.Verifier.parse(vkey))
    size = checkpoint.size
    for index in (0, size // 2, size - 1):
        leaf = log.store.leaf(index)
        assert leaf is not None
        assert tlog.verify_inclusion(
            leaf.hash, index, size, log.inclusion(index, size), checkpoint.root
        )
    first = size // 3
    assert tlog.verify_consistency(
        first, size, log.store.root(first), checkpoint.root, log.consistency(first, size)
    )


def test_changed_event_byte_is_found(audited: tuple[Platform, Store]) -> None:
    platform, store = audited
    originator, version, state = store.run(
        "mediation_center",
        f"SELECT originator_id, originator_version, state FROM {store.events} "
        f"ORDER BY {store.order} LIMIT 1 OFFSET 4",
    )[0]
    changed = bytes(state).replace(b'"2026-03-0', b'"2026-04-0', 1)  # one byte: the month
    assert changed != bytes(state)
    store.run(
        "mediation_center",
        f"UPDATE {store.events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (changed, originator, version),
    )
    with pytest.raises(Tampered, match=f"changed: .* version {version}"):
        check(platform)


def test_deleted_event_is_found(audited: tuple[Platform, Store]) -> None:
    platform, store = audited
    originator, version = store.run(
        "mediation_center",
        f"SELECT originator_id, originator_version FROM {store.events} "
        f"ORDER BY {store.order} LIMIT 1 OFFSET 10",
    )[0]
    store.run(
        "mediation_center",
        f"DELETE FROM {store.events} WHERE originator_id = ? AND originator_version = ?",
        (originator, version),
    )
    with pytest.raises(Tampered, match=f"missing or moved: .* version {version}"):
        check(platform)


def test_swapped_events_are_found(audited: tuple[Platform, Store]) -> None:
    platform, store = audited
    rows = store.run(
        "mediation_center",
        f"SELECT originator_id, originator_version, state FROM {store.events} "
        f"ORDER BY {store.order} LIMIT 2 OFFSET 20",
    )
    (a_id, a_version, a_state), (b_id, b_version, b_state) = rows
    update = (
        f"UPDATE {store.events} SET state = ? WHERE originator_id = ? AND originator_version = ?"
    )
    store.run("mediation_center", update, (b_state, a_id, a_version))
    store.run("mediation_center", update, (a_state, b_id, b_version))
    with pytest.raises(Tampered, match="changed"):
        check(platform)


def test_altered_snapshot_is_found(audited: tuple[Platform, Store]) -> None:
    platform, store = audited
    originator, version, state = store.run(
        "mediation_center",
        f"SELECT originator_id, originator_version, state FROM {store.snapshots} LIMIT 1",
    )[0]
    store.run(
        "mediation_center",
        f"UPDATE {store.snapshots} SET state = ? WHERE originator_id = ?",
        (bytes(state).replace(b"mediator1", b"mediator9"), originator),
    )
    with pytest.raises(Tampered, match=f"snapshot .* version {version}"):
        check(platform)


def test_altered_checkpoint_is_found(audited: tuple[Platform, Store]) -> None:
    platform, store = audited
    size, note = store.run(
        "audit", "SELECT size, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1"
    )[0]
    forged = note.replace(f"\n{size}\n", f"\n{size - 1}\n", 1)
    store.run("audit", "UPDATE audit_checkpoints SET note = ? WHERE size = ?", (forged, size))
    with pytest.raises(Tampered, match=f"checkpoint of size {size}"):
        check(platform)


def test_a_follower_killed_between_events_resumes_exactly_once(
    tmp_path: Path, clock: ManualClock
) -> None:
    settings = settings_for("sqlite", tmp_path)
    platform = make_platform(settings, clock)
    for state in ("settled", "failed"):
        drive(platform.center, clock, state)
    follower = platform.follower("audit-MediationCenter")
    follower.batch = 3
    follower.run_once()
    follower.run_once()  # six leaves, then the process dies
    platform.close()
    again = build_platform(settings, clock)
    try:
        again.catch_up()
        assert check(again) == sum(
            source.app.recorder.max_notification_id() or 0 for source in again.audit_sources()
        )
        assert again.center.case(drive(again.center, clock, "filed").id, ADMIN)
    finally:
        again.close()


def test_a_role_changed_in_the_directory_is_found(audited: tuple[Platform, Store]) -> None:
    """Accounts and roles are in the trail too: an auditor made center staff in the database
    does not go unnoticed."""
    platform, store = audited
    platform.directory.add_user("auditor1", "correct horse battery", "auditor", CENTER, None)
    platform.catch_up()
    check(platform)
    events = store.table("stored_events", "directory_events")
    [(state, number)] = [
        (bytes(state), number)
        for state, number in store.run(
            "directory", f"SELECT state, {store.order} FROM {events} ORDER BY {store.order}"
        )
        if b'"auditor1"' in bytes(state)
    ]
    promoted = state.replace(b'"auditor"', b'"center_admin"')
    assert promoted != state
    store.run(
        "directory", f"UPDATE {events} SET state = ? WHERE {store.order} = ?", (promoted, number)
    )
    with pytest.raises(Tampered, match="stored event changed: directory Directory"):
        check(platform)


@pytest.mark.parametrize("level", [0, 2, 3, 5])
def test_verify_pages_through_the_tree_and_finds_a_node_changed_at_any_level(
    audited: tuple[Platform, Store], monkeypatch: pytest.MonkeyPatch, level: int
) -> None:
    """verify streams the leaves in pages (here of 4, so the test's few hundred leaves make
    many): nodes inside a page, at a page's root and above it are all compared."""
    platform, store = audited
    monkeypatch.setattr(verify_module, "PAGE_LEVEL", 2)
    held = check(platform)
    assert held > 1 << 6
    index = (held >> level) - 1  # the last complete subtree of the level
    store.run(
        "audit",
        "UPDATE audit_nodes SET hash = ? WHERE level = ? AND idx = ?",
        ("00" * 32, level, index),
    )
    with pytest.raises(Tampered, match=f"tree node level {level} index {index} differs"):
        check(platform)
