"""A PostgreSQL instance of a test's own: its own data directory and port, run as the
`postgres` user, so the test can stop and start it (the shared one at 5432 stays up)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import missing


def _binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@dataclass
class PrivatePostgres:
    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
            " -c max_connections=100",  # PostgreSQL's default, whatever initdb chose here
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """In a directory of its own under the system's temporary directory (pytest's is private
    to root, and the server runs as `postgres`)."""
    binaries = _binaries()
    if binaries is None or shutil.which("runuser") is None:
        missing("PostgreSQL server binaries", "no /usr/lib/postgresql/*/bin/initdb or runuser")
    assert binaries is not None
    directory = Path(tempfile.mkdtemp(prefix="tiaojie-pg-"))
    data = directory / "pgdata"
    data.mkdir()
    shutil.chown(directory, "postgres")
    shutil.chown(data, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    instance = PrivatePostgres(binaries, data, port)
    instance._as_postgres(
        str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
    )
    instance.start()
    try:
        yield instance
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            instance.stop()
        shutil.rmtree(directory, ignore_errors=True)
