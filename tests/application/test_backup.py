"""Backups that restore: the stores (SQLite's online backup API), documents, recordings and keys
copied while the platform runs; a restored copy verifies against its own checkpoints; a copy
behind what the witnesses cosigned is refused, the gap named, nothing replaced."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from application.audit.log import LogKeyRefused
from application.audit.verify import verify
from application.backup import RestoreRefused, backup, restore
from application.bootstrap import build_platform
from application.shared.clock import ManualClock
from domain.shared.directory import LogKeys
from tests.conftest import make_platform, settings_for
from tests.support.data import drive
from tests.support.server import running_server
from tests.support.witnesses import WitnessPool
from witness.monitor import STATE_FILE, Pins, monitor


def test_a_backup_restores_and_an_old_one_is_refused(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool
) -> None:
    witnessed = witnesses.env(tmp_path / "live")
    settings = settings_for("sqlite", tmp_path / "live", **witnessed)
    platform = make_platform(settings, clock)
    try:
        drive(platform.center, clock, "settled")
        platform.catch_up()
        taken = backup(platform, tmp_path / "backup-1")
        assert taken.log_size == platform.audit.store.size() > 0
        assert (tmp_path / "backup-1" / "keys" / "log.pem").exists()
        drive(platform.center, clock, "failed")
        platform.catch_up()  # the witnesses cosign a larger tree than backup-1 holds
        backup(platform, tmp_path / "backup-2")
        live_size = platform.audit.store.size()
    finally:
        platform.close()

    fresh = {**witnessed, "TIAOJIE_KEYS_DIR": str(tmp_path / "restored" / "data" / "keys")}
    target = settings_for("sqlite", tmp_path / "restored", **fresh)
    with pytest.raises(RestoreRefused, match=f"holds {taken.log_size}: it is"):
        restore(tmp_path / "backup-1", target)
    assert not any(target.data_dir.glob("*.sqlite")), "a refused restore replaced nothing"

    restored = restore(tmp_path / "backup-2", target)
    assert restored.log_size == live_size and restored.witnessed == live_size
    again = build_platform(target, clock)
    try:
        again.audit.check_key()
        assert verify(again.audit.store, again.audit, again.audit_sources()) == live_size
    finally:
        again.close()
    with pytest.raises(RestoreRefused, match="holds stores already"):
        restore(tmp_path / "backup-2", target)


def test_a_copy_behind_the_witnesses_goes_on_under_a_new_origin(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool
) -> None:
    """The announced break: the restored log's next entry records the old origin's last
    witnessed checkpoint and the gap; the new origin signs, the witnesses cosign it, `audit
    verify` passes on the copy, and a monitor that pinned the old origin reports the break once
    and then follows the new origin."""
    witnessed = witnesses.env(tmp_path / "live")
    old_origin = witnessed["TIAOJIE_LOG_ORIGIN"]
    settings = settings_for("sqlite", tmp_path / "live", **witnessed)
    platform = make_platform(settings, clock)
    try:
        drive(platform.center, clock, "settled")
        platform.catch_up()
        taken = backup(platform, tmp_path / "backup")
        drive(platform.center, clock, "failed")
        platform.catch_up()
        live_size = platform.audit.store.size()
        pinned = tmp_path / "pinned.json"
        pinned.write_text(json.dumps(platform.audit.vkeys()))
        monitor_state = tmp_path / "monitor"
        monitor_state.mkdir()
        (monitor_state / STATE_FILE).write_text(platform.audit.latest())  # what it last kept
    finally:
        platform.close()

    new_origin = next(witnesses.origins)
    keys = tmp_path / "restored" / "data" / "keys"
    target = settings_for(
        "sqlite", tmp_path / "restored", **{**witnessed, "TIAOJIE_KEYS_DIR": str(keys)}
    )
    restored = restore(tmp_path / "backup", target, new_origin)
    assert (restored.log_size, restored.witnessed) == (taken.log_size, live_size)
    assert restored.restarted_as == new_origin

    with pytest.raises(LogKeyRefused, match=f"TIAOJIE_LOG_ORIGIN={new_origin}"):
        build_platform(target, clock).audit.check_key()
    going_on = replace(target, log_origin=new_origin)
    again = build_platform(going_on, clock)
    try:
        again.audit.check_key()
        [entry] = [
            leaf
            for leaf in again.audit.store.leaves_of([str(LogKeys.create_id())])
            if leaf.fields["aggregate_version"] == len(again.directory.log_vkeys())
        ]
        between = again.audit.store.leaves(taken.log_size, entry.index - taken.log_size)
        # nothing but the key's publication (this test's log never started a server) before it
        assert all(":LogKeys.Published" in leaf.entry for leaf in between)
        [(witnessed_note, kept)] = again.directory.log_breaks().values()
        assert kept == taken.log_size and witnessed_note.split("\n")[1] == str(live_size)
        latest = again.audit.latest()
        assert latest.startswith(f"{new_origin}\n")
        assert again.audit.cosignatures(latest) == len(witnesses.witnesses)
        assert verify(again.audit.store, again.audit, again.audit_sources()) > taken.log_size
    finally:
        again.close()

    env = {
        k: v for k, v in witnessed.items() if k not in ("TIAOJIE_LOG_ORIGIN", "TIAOJIE_KEYS_DIR")
    }
    with running_server(
        tmp_path / "restored",
        seeded=True,
        **env,
        TIAOJIE_KEYS_DIR=str(keys),
        TIAOJIE_LOG_ORIGIN=new_origin,
        TIAOJIE_MEDIA_WORKERS="0",
    ) as server:
        prefix, pins = f"{server.base}/api/audit", Pins.load(pinned)
        [announced] = monitor(prefix, monitor_state, pins)
        assert f"the log {old_origin} goes on as {new_origin}" in announced
        lost = live_size - taken.log_size
        assert (
            "an announced break" in announced and f"{lost} witnessed entries are lost" in announced
        )
        assert monitor(prefix, monitor_state, pins) == []  # reported once, then followed
