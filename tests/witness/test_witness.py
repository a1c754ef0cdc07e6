"""A witness as a real process speaking C2SP tlog-witness: it cosigns only checkpoints that
extend the last one it cosigned, answers every refusal with the spec's status, keeps its state
across restarts, and never rolls back under concurrent submissions."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.shared import tlog
from tests.support.witnesses import RunningWitness, running_witness

ORIGIN = "test.example/log"
LOG_KEY = Ed25519PrivateKey.generate()
LEAVES = [tlog.leaf_hash(f"entry {i}".encode()) for i in range(20)]


def checkpoint(leaves: list[bytes], key: Ed25519PrivateKey = LOG_KEY, origin: str = ORIGIN) -> str:
    body = tlog.Checkpoint(origin, len(leaves), tlog.root_hash(leaves)).body()
    return tlog.sign_note(body, origin, key)


def submission(
    old: int, leaves: list[bytes], proof: list[bytes] | None = None, **kw: object
) -> bytes:
    if proof is None:
        proof = tlog.consistency_proof(old, leaves) if 0 < old < len(leaves) else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint(leaves, **kw)).encode()  # type: ignore[arg-type]


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[RunningWitness]:
    log_vkey = tlog.verifier_key(ORIGIN, LOG_KEY.public_key())
    with running_witness(tmp_path / "witness", "test.example/witness", [log_vkey]) as running:
        yield running


def add(witness: RunningWitness, body: bytes) -> httpx.Response:
    return httpx.post(f"{witness.url}/add-checkpoint", content=body, timeout=10)


def test_cosigns_what_extends_its_state_and_refuses_the_rest(witness: RunningWitness) -> None:
    key = tlog.Verifier.parse(witness.vkey)
    first = add(witness, submission(0, LEAVES[:3]))
    assert first.status_code == 200, first.text
    assert first.text.startswith("\u2014 test.example/witness ")
    assert tlog.verify_cosignature(checkpoint(LEAVES[:3]) + first.text, key) > 1_700_000_000
    stale = add(witness, submission(0, LEAVES[:5]))
    assert (stale.status_code, stale.text) == (409, "3\n")
    assert stale.headers["content-type"].startswith("text/x.tlog.size")
    grown = add(witness, submission(3, LEAVES[:5]))
    assert grown.status_code == 200, grown.text
    rewritten = [*LEAVES[:2], tlog.leaf_hash(b"changed"), *LEAVES[3:8]]
    assert add(witness, submission(5, rewritten[:5], proof=[])).status_code == 422  # same size
    forged_proof = tlog.consistency_proof(5, rewritten)
    assert add(witness, submission(5, rewritten, proof=forged_proof)).status_code == 422
    assert add(witness, submission(0, LEAVES[:5], origin="other.example/log")).status_code == 404
    assert (
        add(witness, submission(5, LEAVES[:6], key=Ed25519PrivateKey.generate())).status_code == 403
    )
    assert add(witness, b"no old line\n\n").status_code == 400
    assert add(witness, submission(9, LEAVES[:6])).status_code == 400  # old beyond the size
    assert add(witness, submission(0, LEAVES[:6], proof=[LEAVES[0]])).status_code in (409, 422)
    held = httpx.get(f"{witness.url}/checkpoint", params={"origin": ORIGIN}, timeout=10)
    assert held.status_code == 200
    assert (
        tlog.verify_note(
            held.text, tlog.Verifier.parse(tlog.verifier_key(ORIGIN, LOG_KEY.public_key()))
        ).size
        == 5
    )
    assert tlog.verify_cosignature(held.text, key) > 0
    assert (
        httpx.get(f"{witness.url}/checkpoint", params={"origin": "x"}, timeout=10).status_code
        == 404
    )


def test_its_state_survives_a_restart(witness: RunningWitness) -> None:
    assert add(witness, submission(0, LEAVES[:4])).status_code == 200
    witness.stop()
    witness.start()
    assert (add(witness, submission(0, LEAVES[:9])).text) == "4\n"
    assert add(witness, submission(4, LEAVES[:9])).status_code == 200


def test_concurrent_submissions_never_roll_the_tree_back(witness: RunningWitness) -> None:
    assert add(witness, submission(0, LEAVES[:4])).status_code == 200
    statuses: dict[int, int] = {}

    def submit(size: int) -> None:
        statuses[size] = add(witness, submission(4, LEAVES[:size])).status_code

    threads = [threading.Thread(target=submit, args=(size,)) for size in (6, 9, 12, 15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409, 409, 409], statuses
    [won] = [size for size, status in statuses.items() if status == 200]
    held = httpx.get(f"{witness.url}/checkpoint", params={"origin": ORIGIN}, timeout=10).text
    assert tlog.Checkpoint.parse_body(tlog.split_note(held)[0]).size == won
