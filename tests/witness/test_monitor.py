"""The log as an outsider sees it: public hash tiles and checkpoints over real HTTP, a monitor
that recomputes everything from them with pinned keys, and the split views and shrinks it
reports; entry bundles only for the deployment's auditors."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from domain.shared import tlog
from tests.support.data import ADMIN, AGENT, drive, filing
from tests.support.server import PASSWORD, Server, running_server
from tests.support.witnesses import WitnessPool, running_witnesses
from witness.monitor import Pins, monitor


@pytest.fixture
def server(tmp_path: Path, witnesses: WitnessPool) -> Iterator[Server]:
    with running_server(tmp_path, TIAOJIE_MEDIA_WORKERS="0", **witnesses.env(tmp_path)) as up:
        up.platform.directory.add_user("auditor1", PASSWORD, "auditor", ADMIN.institution, None)
        yield up


def signed(witnesses: WitnessPool, origin: str, size: int, root: bytes) -> str:
    body = tlog.Checkpoint(origin, size, root).body()
    return tlog.sign_note(body, origin, witnesses.log_key)


def test_a_monitor_follows_the_log_from_its_tiles_and_reports_forks_and_shrinks(
    server: Server, tmp_path: Path, witnesses: WitnessPool
) -> None:
    for state in ("settled", "failed"):
        drive(server.platform.center, server.clock, state)
    server.platform.catch_up()
    keys = tmp_path / "pinned-keys.json"
    keys.write_text(server.http.get("/api/audit/keys").text)
    pins = Pins.load(keys)
    assert len(pins.witnesses) == 4 and pins.quorum == 3
    prefix = f"{server.base}/api/audit"
    state = tmp_path / "monitor"
    assert monitor(prefix, state, pins) == []
    first = tlog.verify_note((state / "checkpoint").read_text(), pins.log)
    while server.platform.audit.store.size() <= 300:  # past a full tile of 256 entries
        drive(server.platform.center, server.clock, "settled")
        server.platform.catch_up()
    assert monitor(prefix, state, pins) == []  # it grew, consistently with what was kept
    now = tlog.verify_note((state / "checkpoint").read_text(), pins.log)
    assert now.size > 256 > first.size

    # Two monitors shown different trees of one size (a split view), each kept its own.
    origin = pins.log.name
    peer = tmp_path / "peer-checkpoint"
    peer.write_text(signed(witnesses, origin, first.size, bytes(32)))
    assert any("a fork" in p for p in monitor(prefix, state, pins, [peer]))
    # A checkpoint kept of a larger tree than the log now shows: it shrank.
    peer.write_text(signed(witnesses, origin, now.size + 5, bytes(32)))
    assert any("shrank" in p for p in monitor(prefix, state, pins, [peer]))
    # Keys the monitor did not pin are refused: another log key, too few witnesses.
    others = tmp_path / "other-keys.json"
    other_log = tlog.verifier_key(pins.log.name, Ed25519PrivateKey.generate().public_key())
    others.write_text(json.dumps({**json.loads(keys.read_text()), "log": other_log}))
    assert any("does not check out" in p for p in monitor(prefix, state, Pins.load(others)))
    assert any(
        "of the pinned witnesses" in p
        for p in monitor(prefix, state, Pins(pins.log, pins.witnesses, 5))
    )


def test_entry_bundles_are_for_the_deployments_auditors(server: Server) -> None:
    """Every bundle, full and partial, past the first tile too, hashes to its hash tile; a
    tile the tree lacks is 404 and found once the tree holds it (tiles are cached, 404s not)."""
    later = tlog.tile_path(0, server.platform.audit.store.size() // 256 + 1, 256)
    assert server.http.get(f"/api/audit/{later}").status_code == 404
    server.platform.center.file_bulk(AGENT, [filing() for _ in range(600)])
    server.platform.catch_up()
    size = server.platform.audit.store.size()
    assert size > 2 * 256
    assert server.http.get(f"/api/audit/{later}").status_code == 200
    path = tlog.tile_path(None, 0, 256)
    assert server.http.get(f"/api/audit/{path}").status_code == 404  # not on the public prefix
    assert server.http.get(f"/api/audit/monitor/{path}").status_code == 401
    auditor = server.login("auditor1")
    for index in range((size + 255) // 256):
        width = tlog.tile_width(0, index, size)
        path = tlog.tile_path(None, index, width)
        bundle = server.http.get(f"/api/audit/monitor/{path}", headers=auditor)
        assert bundle.status_code == 200, path
        hashes = server.http.get(f"/api/audit/{tlog.tile_path(0, index, width)}").content
        entries, data = [], bundle.content
        while data:
            (length,) = struct.unpack(">H", data[:2])
            entries.append(data[2 : 2 + length])
            data = data[2 + length :]
        assert len(entries) == width
        assert [tlog.leaf_hash(e) for e in entries] == [
            hashes[i : i + 32] for i in range(0, len(hashes), 32)
        ]
        assert json.loads(entries[0])["application"]
    mediator = server.login("mediator1")
    assert server.http.get(f"/api/audit/monitor/{path}", headers=mediator).status_code == 404


def test_a_monitor_follows_a_rotation_of_the_log_key(tmp_path: Path) -> None:
    """Keys pinned before a rotation keep working: the monitor follows the published chain,
    each handover signed by the key before, to the key that signs now."""
    key = Ed25519PrivateKey.generate()
    origin = "test.tiaojie/audit/rotated"
    names = ["test.tiaojie/witness/center", "test.tiaojie/witness/court"]
    with running_witnesses(
        tmp_path / "witnesses", names, [tlog.verifier_key(origin, key.public_key())]
    ) as witnesses:
        keys = tmp_path / "keys"
        keys.mkdir()
        (keys / "log.pem").write_bytes(
            key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        )
        env = {
            "TIAOJIE_MEDIA_WORKERS": "0",
            "TIAOJIE_KEYS_DIR": str(keys),
            "TIAOJIE_LOG_ORIGIN": origin,
            "TIAOJIE_WITNESSES": "; ".join(f"{w.url} {w.vkey}" for w in witnesses),
        }
        with running_server(tmp_path / "server", **env) as server:
            drive(server.platform.center, server.clock, "settled")
            server.platform.catch_up()
            pinned = tmp_path / "pinned-keys.json"
            pinned.write_text(server.http.get("/api/audit/keys").text)
            pins = Pins.load(pinned)
            prefix, state = f"{server.base}/api/audit", tmp_path / "monitor"
            assert monitor(prefix, state, pins) == []
            new_vkey = server.platform.rotate_log_key()
            for witness in witnesses:  # their operators trust the new key
                witness.logs = [*witness.logs, new_vkey]
                witness.stop()
                witness.start()
            drive(server.platform.center, server.clock, "failed")
            server.platform.catch_up()
            latest = server.http.get("/api/audit/checkpoint").text
            assert tlog.verify_note(latest, tlog.Verifier.parse(new_vkey))
            assert monitor(prefix, state, pins) == []  # followed the handover
            chain = server.http.get("/api/audit/log-keys").json()
            assert [entry["vkey"] for entry in chain][-1] == new_vkey
