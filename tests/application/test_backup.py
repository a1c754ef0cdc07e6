"""Backups that restore: the stores (SQLite's online backup API), documents, recordings and keys
copied while the platform runs; a restored copy verifies against its own checkpoints; a copy
behind what the witnesses cosigned is refused, the gap named, nothing replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.audit.verify import verify
from application.backup import RestoreRefused, backup, restore
from application.bootstrap import build_platform
from application.shared.clock import ManualClock
from tests.conftest import make_platform, settings_for
from tests.support.data import drive
from tests.support.witnesses import WitnessPool


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
