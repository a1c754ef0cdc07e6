"""Witnesses as real processes on 127.0.0.1, each with its own data directory and key."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from domain.shared import tlog


@dataclass
class RunningWitness:
    name: str
    url: str
    vkey: str
    data: Path
    process: subprocess.Popen[bytes]
    logs: list[str]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self) -> None:
        """(Again) on the same port, with the same directory: its state survives."""
        port = int(self.url.rsplit(":", 1)[1])
        self.process = _serve(self.data, self.name, self.logs, port)
        _wait_until_up(self.url, self.process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(data: Path, name: str, logs: list[str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "witness", "serve", "--data", str(data), "--name", name]
    for vkey in logs:
        command += ["--log", vkey]
    command += ["--port", str(port)]
    return subprocess.Popen(command)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    give_up = time.monotonic() + 30
    while True:
        assert process.poll() is None, "the witness exited"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/vkey", timeout=1).status_code == 200:
                return
        assert time.monotonic() < give_up, "the witness did not start"
        time.sleep(0.05)


@contextlib.contextmanager
def running_witnesses(
    directory: Path, names: list[str], logs: list[str]
) -> Iterator[list[RunningWitness]]:
    """Witness processes, started together, each with a data directory of its own."""
    witnesses = []
    for index, name in enumerate(names):
        data = directory / f"witness-{index}"
        initialised = subprocess.run(
            [sys.executable, "-m", "witness", "init", "--data", str(data), "--name", name],
            capture_output=True,
            text=True,
            check=True,
        )
        port = _free_port()
        process = _serve(data, name, logs, port)
        url = f"http://127.0.0.1:{port}"
        witnesses.append(RunningWitness(name, url, initialised.stdout.strip(), data, process, logs))
    try:
        for witness in witnesses:
            _wait_until_up(witness.url, witness.process)
        yield witnesses
    finally:
        for witness in witnesses:
            if witness.process.poll() is None:
                witness.stop()


@contextlib.contextmanager
def running_witness(data: Path, name: str, logs: list[str]) -> Iterator[RunningWitness]:
    with running_witnesses(data, [name], logs) as [witness]:
        yield witness


TEST_ORIGINS = [f"test.tiaojie/audit/{n}" for n in range(64)]
INSTITUTIONS = ("center", "court", "procuratorate", "notary")


@dataclass
class WitnessPool:
    """Four witnesses (one per institution) trusting one test log key under many origins, so
    every test gets a log of its own that the same witness processes witness."""

    log_key: Ed25519PrivateKey
    witnesses: list[RunningWitness]
    origins: Iterator[str]

    def env(self, directory: Path) -> dict[str, str]:
        """Settings for a platform whose log these witnesses cosign: its key (only the log's),
        a fresh origin and the witnesses' URLs and keys."""
        keys = directory / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        pem = self.log_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        (keys / "log.pem").write_bytes(pem)
        return {
            "TIAOJIE_KEYS_DIR": str(keys),
            "TIAOJIE_LOG_ORIGIN": next(self.origins),
            "TIAOJIE_WITNESSES": "; ".join(f"{w.url} {w.vkey}" for w in self.witnesses),
        }


@contextlib.contextmanager
def witness_pool(directory: Path) -> Iterator[WitnessPool]:
    key = Ed25519PrivateKey.generate()
    logs = [tlog.verifier_key(origin, key.public_key()) for origin in TEST_ORIGINS]
    names = [f"test.tiaojie/witness/{who}" for who in INSTITUTIONS]
    with running_witnesses(directory, names, logs) as witnesses:
        yield WitnessPool(key, witnesses, iter(TEST_ORIGINS))
