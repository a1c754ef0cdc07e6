"""The audit trail against whoever runs the server: four witnesses as real processes, each with
its own key and state, cosign only checkpoints that extend what they cosigned before; a rewrite
by someone with the databases (and even the log's key) is refused by them and named by
`verify`; the server holds no witness key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from application.audit.log import LogKeyRefused
from application.audit.verify import Tampered, verify
from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from domain.shared import tlog
from tests.conftest import make_platform, settings_for
from tests.support.data import drive
from tests.support.tamper import Store
from tests.support.witnesses import WitnessPool


@pytest.fixture
def witnessed(
    durable_backend: str,
    tmp_path: Path,
    clock: ManualClock,
    witnesses: WitnessPool,
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Platform, Store]]:
    schema = request.getfixturevalue("pg_schema") if durable_backend == "postgres" else None
    settings = settings_for(durable_backend, tmp_path, schema, **witnesses.env(tmp_path))
    platform = make_platform(settings, clock)
    for state in ("settled", "failed", "referred"):
        drive(platform.center, clock, state)
    platform.catch_up()
    yield platform, Store(durable_backend, tmp_path, schema)
    platform.close()


def check(platform: Platform) -> int:
    return verify(platform.audit.store, platform.audit, platform.audit_sources())


def test_checkpoints_reach_the_quorum_of_independent_witnesses(
    witnessed: tuple[Platform, Store], tmp_path: Path
) -> None:
    platform, _ = witnessed
    log = platform.audit
    note = log.latest()
    keys = log.vkeys()
    assert len(keys) == 5 and log.cosignatures(note) == 4
    for name, vkey in keys.items():
        if name != "log":  # published in the cosignature/v1 form standard note clients match
            assert (
                vkey.split("+")[1]
                == tlog.key_hash(
                    name, tlog.COSIGNATURE_V1, tlog.raw_public_key(tlog.Verifier.parse(vkey).key)
                ).hex()
            )
            assert tlog.verify_cosignature(note, tlog.Verifier.parse(vkey)) > 0
    assert check(platform) > 0  # and against every witness's own state
    # The server's directories hold the log's key and no other.
    keys_found = sorted(p.name for p in tmp_path.rglob("*.pem"))
    assert keys_found == ["log.pem"], keys_found


def test_a_rewrite_with_database_access_is_refused_and_named(
    witnessed: tuple[Platform, Store],
) -> None:
    """Change an event's actor, rebuild the leaves and nodes from the changed store and drop the
    checkpoints: the server's own files agree again, the witnesses do not."""
    platform, store = witnessed
    held = platform.audit.store.size()
    kept = platform.audit.latest()  # what a monitor or a court kept before the rewrite
    [(state, number)] = store.run(
        "mediation_center",
        f"SELECT state, {store.order} FROM {store.events} ORDER BY {store.order} LIMIT 1",
    )
    changed = bytes(state).replace(b'"bank_agent"', b'"admin"', 1)
    assert changed != bytes(state)
    store.run(
        "mediation_center",
        f"UPDATE {store.events} SET state = ? WHERE {store.order} = ?",
        (changed, number),
    )
    for table in ("leaves", "nodes", "checkpoints"):
        store.run("audit", f"DELETE FROM {store.table('audit_' + table, 'audit_' + table)}")
    tracking = store.table("tracking", "audit_tracking")
    store.run("audit", f"DELETE FROM {tracking} WHERE application_name LIKE ?", ("audit:%",))
    rebuilt = build_platform(platform.settings, platform.center.clock)
    try:
        rebuilt.catch_up()
        assert rebuilt.audit.store.size() == held
        # Without the witnesses, nothing on this server shows it.
        assert (
            verify(rebuilt.audit.store, rebuilt.audit, rebuilt.audit_sources(), witnesses=False)
            == held
        )
        # The witnesses refuse to cosign the rewritten tree, even under the log's own key.
        assert rebuilt.audit.cosignatures(rebuilt.audit.checkpoint()) == 0
        assert len(rebuilt.audit.lagging()) == 4
        with pytest.raises(Tampered, match=r"witness .* of size \d+ has another root"):
            check(rebuilt)
        with pytest.raises(Tampered, match=r"kept checkpoint 1 of size \d+ has another root"):
            verify(
                rebuilt.audit.store,
                rebuilt.audit,
                rebuilt.audit_sources(),
                witnesses=False,
                kept=[kept],
            )
    finally:
        rebuilt.close()


def test_truncation_behind_what_the_witnesses_hold_is_named(
    witnessed: tuple[Platform, Store],
) -> None:
    platform, store = witnessed
    size = platform.audit.store.size()
    leaves = store.table("audit_leaves", "audit_leaves")
    store.run("audit", f"DELETE FROM {leaves} WHERE idx >= ?", (size - 3,))
    with pytest.raises(Tampered, match=f"entry {size - 3} onwards is missing"):
        verify(platform.audit.store, platform.audit, platform.audit_sources(), witnesses=False)
    for table in ("checkpoints",):
        store.run("audit", f"DELETE FROM {store.table('audit_' + table, 'audit_' + table)}")
    with pytest.raises(Tampered, match="missing"):
        check(platform)


def test_one_witness_down_the_quorum_holds_and_it_catches_up(
    witnessed: tuple[Platform, Store], witnesses: WitnessPool, clock: ManualClock
) -> None:
    platform, _ = witnessed
    down = witnesses.witnesses[1]
    down.stop()
    try:
        drive(platform.center, clock, "accepted")
        platform.catch_up()
        note = platform.audit.latest()
        assert platform.audit.cosignatures(note) == 3 >= platform.audit.quorum
        assert list(platform.audit.lagging()) == [down.name]
    finally:
        down.start()
    drive(platform.center, clock, "accepted")
    platform.catch_up()
    assert platform.audit.cosignatures(platform.audit.latest()) == 4
    assert platform.audit.lagging() == {}


def test_the_log_key_is_never_replaced_silently(witnessed: tuple[Platform, Store]) -> None:
    platform, _ = witnessed
    key = Path(platform.settings.keys_dir or "") / "log.pem"
    published = key.read_bytes()
    other = Ed25519PrivateKey.generate()
    key.write_bytes(other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    with pytest.raises(LogKeyRefused, match="not the key that signed"):
        platform.audit.check_key()
    key.write_bytes(published)
    platform.audit.check_key()
    key.unlink()
    with pytest.raises(LogKeyRefused):
        platform.audit.check_key()
    assert check(platform) > 0  # verify reads the published public keys and writes no key
    assert not (Path(platform.settings.keys_dir or "") / "log.pem").exists()


def test_verify_against_keys_an_auditor_pinned(witnessed: tuple[Platform, Store]) -> None:
    platform, _ = witnessed
    log = platform.audit
    pinned = log.vkeys()
    assert verify(log.store, log, platform.audit_sources(), pinned=pinned) > 0
    other = tlog.verifier_key(log.origin, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(Tampered, match="not the pinned log key"):
        verify(log.store, log, platform.audit_sources(), pinned={**pinned, "log": other})
    name = next(n for n in pinned if n != "log")
    stranger = tlog.cosigner_key(name, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(Tampered, match=f"witness {name}"):
        verify(log.store, log, platform.audit_sources(), pinned={**pinned, name: stranger})
