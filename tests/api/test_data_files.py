"""A data file that fails ends the server with a clear message and EX_IOERR (74), for its
supervisor to restart it; a start on a file that cannot be written is refused, naming it,
instead of dying later of SIGBUS. Files are made immutable with chattr (root, ext4)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from application.demo import DEMO_PASSWORD
from tests.conftest import missing
from tests.support.data import filing_data


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    if shutil.which("chattr") is None or os.geteuid() != 0:
        missing("chattr as root", "files cannot be made immutable here")
    data = tmp_path / "data"
    loaded = subprocess.run(
        [sys.executable, "-m", "api.cli", "demo"],
        env={**os.environ, "TIAOJIE_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    try:
        subprocess.run(["chattr", "+i", str(data / "views.sqlite")], check=True)
    except subprocess.CalledProcessError:
        missing("chattr +i", "this file system has no immutable attribute")
    subprocess.run(["chattr", "-i", str(data / "views.sqlite")], check=True)
    return data


def _serve(data: Path, log: Path) -> tuple[subprocess.Popen[str], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env={**os.environ, "TIAOJIE_DATA_DIR": str(data), "TIAOJIE_MEDIA_WORKERS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
    )
    return process, port


def test_a_failing_data_file_stops_the_server_with_ex_ioerr(data: Path, tmp_path: Path) -> None:
    process, port = _serve(data, tmp_path / "serve.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            give_up = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/health").status_code == 200:
                        break
                assert process.poll() is None and time.monotonic() < give_up
                time.sleep(0.1)
            signed = client.post(
                "/api/auth/login", json={"username": "bank_agent", "password": DEMO_PASSWORD}
            )
            headers = {"Authorization": f"Bearer {signed.json()['token']}"}
            client.cookies.clear()
            with immutable(*data.glob("mediation_center.sqlite-wal")):
                filed = client.post(
                    "/api/cases",
                    content=json.dumps(filing_data()),
                    headers=headers | {"Content-Type": "application/json"},
                )
                assert filed.status_code == 503, filed.text
                assert "may or may not" in filed.json()["detail"]
                assert process.wait(timeout=30) == os.EX_IOERR
    finally:
        if process.poll() is None:
            process.kill()
    assert "a data file failed (SQLITE_" in (tmp_path / "serve.log").read_text()


def test_a_start_on_a_file_that_cannot_be_written_is_refused_by_name(
    data: Path, tmp_path: Path
) -> None:
    shm = data / "mediation_center.sqlite-shm"
    shm.touch()
    with immutable(shm):
        process, _ = _serve(data, tmp_path / "serve.log")
        assert process.wait(timeout=60) == os.EX_IOERR  # not -7 (SIGBUS) at the first write
    said = (tmp_path / "serve.log").read_text()
    assert f"data file {shm} cannot be written" in said
