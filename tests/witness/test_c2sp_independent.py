"""A second implementation, written from the C2SP signed-note, tlog-checkpoint, tlog-witness and
tlog-cosignature specs alone: it imports nothing from the project, runs a witness as a process
by its command line, submits checkpoints it signed itself and checks the cosignatures."""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ORIGIN = "independent.example/log"
WITNESS = "independent.example/witness"


def raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 over already-hashed leaves."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def note(size: int, root: bytes, key: Ed25519PrivateKey) -> tuple[str, str]:
    body = f"{ORIGIN}\n{size}\n{base64.b64encode(root).decode()}\n"
    signature = key_id(ORIGIN, 0x01, raw(key.public_key())) + key.sign(body.encode())
    return body, f"{body}\n\u2014 {ORIGIN} {base64.b64encode(signature).decode()}\n"


def post(url: str, data: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def cosigned_at(line: str, body: str, vkey: str) -> int:
    """Verify one cosignature/v1 line against the witness's vkey (type 0x04); its time."""
    name, hex_id, encoded = vkey.split("+", 2)
    public = base64.b64decode(encoded)
    assert public[0] == 0x04 and hex_id == key_id(name, 0x04, public[1:]).hex()
    dash, signer, payload = line.strip().split(" ")
    blob = base64.b64decode(payload)
    assert (dash, signer, blob[:4]) == ("\u2014", name, bytes.fromhex(hex_id))
    (timestamp,) = struct.unpack(">Q", blob[4:12])
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(public[1:]).verify(blob[12:], message)
    return int(timestamp)


def test_a_witness_cosigns_by_the_specs(tmp_path: Path) -> None:
    log_key = Ed25519PrivateKey.generate()
    log_public = raw(log_key.public_key())
    log_vkey = (
        f"{ORIGIN}+{key_id(ORIGIN, 0x01, log_public).hex()}+"
        f"{base64.b64encode(bytes([0x01]) + log_public).decode()}"
    )
    data = tmp_path / "witness"
    command = [sys.executable, "-m", "witness"]
    vkey = subprocess.run(
        [*command, "init", "--data", str(data), "--name", WITNESS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    serve = [*command, "serve", "--data", str(data), "--name", WITNESS, "--log", log_vkey]
    process = subprocess.Popen([*serve, "--port", str(port)])
    try:
        give_up = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/vkey", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < give_up
                time.sleep(0.05)
        leaves = [hashlib.sha256(b"\x00" + f"e{i}".encode()).digest() for i in range(13)]
        body, first = note(5, mth(leaves[:5]), log_key)
        status, line = post(url, b"old 0\n\n" + first.encode())
        assert status == 200, line
        assert abs(cosigned_at(line, body, vkey) - time.time()) < 60
        body, second = note(13, mth(leaves), log_key)
        proof = "".join(base64.b64encode(h).decode() + "\n" for h in subproof(5, leaves, True))
        status, line = post(url, f"old 5\n{proof}\n{second}".encode())
        assert status == 200, line
        cosigned_at(line, body, vkey)
        status, size = post(url, f"old 5\n{proof}\n{second}".encode())
        assert (status, size) == (409, "13\n")
    finally:
        process.terminate()
        process.wait(timeout=10)
