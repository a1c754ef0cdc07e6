"""Rotating the log's key, openly: the handover is an entry of the log signed by the old key, the
old key signs the checkpoint that holds it, the witnesses cosign the new key's checkpoints only
once their operators trust it, and a key that was handed over signs nothing after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from application.audit.log import LogKeyRefused
from application.audit.verify import Tampered, verify
from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from domain.shared import tlog
from domain.shared.directory import LogKeys
from domain.shared.errors import InvalidValue
from tests.conftest import make_platform, settings_for
from tests.support.data import drive
from tests.support.witnesses import RunningWitness, running_witnesses

ORIGIN = "test.tiaojie/audit/rotation"


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


@pytest.fixture
def rotating(
    durable_backend: str, tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[tuple[Platform, list[RunningWitness], Ed25519PrivateKey]]:
    """A platform whose log two witness processes of its own cosign, and the log's first key."""
    key = Ed25519PrivateKey.generate()
    names = ["test.tiaojie/witness/center", "test.tiaojie/witness/court"]
    logs = [tlog.verifier_key(ORIGIN, key.public_key())]
    with running_witnesses(tmp_path / "witnesses", names, logs) as witnesses:
        keys = tmp_path / "keys"
        keys.mkdir()
        (keys / "log.pem").write_bytes(_pem(key))
        schema = request.getfixturevalue("pg_schema") if durable_backend == "postgres" else None
        settings = settings_for(
            durable_backend,
            tmp_path,
            schema,
            TIAOJIE_KEYS_DIR=str(keys),
            TIAOJIE_LOG_ORIGIN=ORIGIN,
            TIAOJIE_WITNESSES="; ".join(f"{w.url} {w.vkey}" for w in witnesses),
        )
        platform = make_platform(settings, clock)
        platform.audit.check_key()
        drive(platform.center, clock, "settled")
        platform.catch_up()
        yield platform, witnesses, key
        platform.close()


def test_a_rotation_is_an_entry_and_the_witnesses_follow_when_told(
    rotating: tuple[Platform, list[RunningWitness], Ed25519PrivateKey], clock: ManualClock
) -> None:
    platform, witnesses, old_key = rotating
    log = platform.audit
    old_vkey = log.vkeys()["log"]
    assert log.cosignatures(log.latest()) == 2

    new_vkey = platform.rotate_log_key()

    assert new_vkey != old_vkey
    assert platform.directory.log_vkeys() == [old_vkey, new_vkey]
    handover = log.store.leaves_of([str(LogKeys.create_id())])
    assert [leaf.fields["aggregate_version"] for leaf in handover] == [1, 2]
    size, note = log.store.checkpoints()[-1]
    assert size > handover[-1].index  # the old key's last checkpoint holds the handover
    assert tlog.verify_note(note, tlog.Verifier.parse(old_vkey)).size == size
    assert log.cosignatures(note) == 2
    keys = Path(platform.settings.keys_dir or "")
    assert sorted(p.name for p in keys.glob("*.pem")) == ["log.pem"]
    assert log.vkeys()["log"] == new_vkey

    # The new key signs from now on; the witnesses refuse it until their operators add it.
    drive(platform.center, clock, "failed")
    platform.catch_up()
    size, note = log.store.checkpoints()[-1]
    assert tlog.verify_note(note, tlog.Verifier.parse(new_vkey)).size == size
    assert log.cosignatures(note) == 0
    assert all("403" in why for why in log.lagging().values()) and len(log.lagging()) == 2
    for witness in witnesses:
        witness.logs = [*witness.logs, new_vkey]
        witness.stop()
        witness.start()
    assert log.cosignatures(log.checkpoint()) == 2
    assert verify(log.store, log, platform.audit_sources()) == log.store.size()
    # An auditor who pinned the old key follows the handover it signed.
    pinned = {**log.vkeys(), "log": old_vkey}
    assert verify(log.store, log, platform.audit_sources(), pinned=pinned) > 0

    # A server started again runs with the new key, and refuses the old one.
    again = build_platform(platform.settings, clock)
    try:
        again.audit.check_key()
        (keys / "log.pem").write_bytes(_pem(old_key))
        with pytest.raises(LogKeyRefused, match="published last"):
            again.audit.check_key()
    finally:
        again.close()


def test_a_handed_over_key_signs_nothing_after(
    rotating: tuple[Platform, list[RunningWitness], Ed25519PrivateKey], clock: ManualClock
) -> None:
    """Someone who kept the old key signs a later checkpoint: verify names it."""
    platform, _, old_key = rotating
    log = platform.audit
    platform.rotate_log_key()
    for state in ("failed", "referred"):
        drive(platform.center, clock, state)
        platform.catch_up()
    size, _ = log.store.checkpoints()[-1]
    forged = tlog.sign_note(
        tlog.Checkpoint(ORIGIN, size, log.store.root(size)).body(), ORIGIN, old_key
    )
    log.store.save_checkpoint(size, forged)
    with pytest.raises(Tampered, match=f"checkpoint of size {size}: no valid signature"):
        verify(log.store, log, platform.audit_sources())


def test_a_rotation_needs_the_old_keys_signature() -> None:
    old, new, other = (Ed25519PrivateKey.generate() for _ in range(3))
    old_vkey, new_vkey = (tlog.verifier_key(ORIGIN, k.public_key()) for k in (old, new))
    at = datetime(2026, 1, 5, tzinfo=UTC)
    keys = LogKeys(vkey=old_vkey, occurred_at=at)
    with pytest.raises(InvalidValue, match="handover"):
        keys.rotate(new_vkey, tlog.sign_handover(other, new_vkey), at)
    with pytest.raises(InvalidValue, match="handover"):
        keys.rotate(new_vkey, "not base64!", at)
    elsewhere = tlog.verifier_key("elsewhere/log", new.public_key())
    with pytest.raises(InvalidValue, match="same log"):
        keys.rotate(elsewhere, tlog.sign_handover(old, elsewhere), at)
    with pytest.raises(InvalidValue, match="before"):
        keys.rotate(old_vkey, tlog.sign_handover(old, old_vkey), at)
    keys.rotate(new_vkey, tlog.sign_handover(old, new_vkey), at)
    assert keys.vkeys == [old_vkey, new_vkey]


def test_a_restart_under_a_new_origin_needs_a_witnessed_checkpoint_it_is_behind() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    vkey = tlog.verifier_key(ORIGIN, key.public_key())
    restarted = tlog.verifier_key("elsewhere/log", key.public_key())
    at = datetime(2026, 1, 5, tzinfo=UTC)
    keys = LogKeys(vkey=vkey, occurred_at=at)
    body = tlog.Checkpoint(ORIGIN, 40, bytes(32)).body()
    witnessed = tlog.sign_note(body, ORIGIN, key)
    handover = tlog.sign_handover(key, restarted)
    with pytest.raises(InvalidValue, match="origin of its own"):
        keys.restart(vkey, tlog.sign_handover(key, vkey), witnessed, 30, at)
    with pytest.raises(InvalidValue, match="handover"):
        keys.restart(restarted, tlog.sign_handover(other, restarted), witnessed, 30, at)
    with pytest.raises(InvalidValue, match="not a checkpoint"):
        keys.restart(restarted, handover, tlog.sign_note(body, ORIGIN, other), 30, at)
    with pytest.raises(InvalidValue, match="not behind"):
        keys.restart(restarted, handover, witnessed, 40, at)
    keys.restart(restarted, handover, witnessed, 30, at)
    assert keys.vkeys == [vkey, restarted] and keys.breaks == {restarted: (witnessed, 30)}
