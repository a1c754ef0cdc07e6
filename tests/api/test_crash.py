"""kill -9 of the server under concurrent filings and acts, on SQLite and PostgreSQL: every
acknowledged filing and act is in the store after a restart, once; filing numbers stay unique
and gap-free."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from application.demo import DEMO_PASSWORD
from tests.conftest import PG_URL
from tests.support.data import filing_data
from tests.support.server import second_process

CLIENTS = 8


def _sign_in(server: httpx.Client, who: str) -> dict[str, str]:
    answer = server.post("/api/auth/login", json={"username": who, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    server.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_loses_no_acknowledged_filing_or_act(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env: dict[str, str] = {}
    if backend == "postgres":
        env = {
            "TIAOJIE_DATABASE_URL": PG_URL,
            "TIAOJIE_POSTGRES_SCHEMA": request.getfixturevalue("pg_schema"),
        }
    data = tmp_path / "data"
    acknowledged: list[dict[str, Any]] = []
    accepted: list[str] = []
    lock = threading.Lock()
    loaded = subprocess.run(  # the demo's institutions and accounts
        [sys.executable, "-m", "api.cli", "demo"],
        env={**os.environ, "TIAOJIE_DATA_DIR": str(data), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    with second_process(data, **env) as server:
        agent, admin = _sign_in(server, "bank_agent"), _sign_in(server, "admin")
        stop = threading.Event()

        def load() -> None:
            client = httpx.Client(base_url=str(server.base_url), timeout=10)
            while not stop.is_set():
                try:
                    filed = client.post("/api/cases", json=filing_data(), headers=agent)
                    if filed.status_code != 201:
                        continue
                    with lock:
                        acknowledged.append(filed.json())
                    act = client.post(
                        f"/api/cases/{filed.json()['id']}/accept", json={}, headers=admin
                    )
                    if act.status_code == 200:
                        with lock:
                            accepted.append(filed.json()["id"])
                except httpx.HTTPError:
                    return  # the server is gone
            client.close()

        threads = [threading.Thread(target=load) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        give_up = time.monotonic() + 60
        while len(accepted) < 20:
            assert time.monotonic() < give_up, "the load never got going"
            time.sleep(0.05)
        server.process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        server.process.wait(timeout=10)  # type: ignore[attr-defined]
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    with second_process(data, **env) as again:
        admin = _sign_in(again, "admin")
        for filed in acknowledged:
            case = again.get(f"/api/cases/{filed['id']}", headers=admin)
            assert case.status_code == 200, f"acknowledged {filed} is lost"
            assert case.json()["filing_number"] == filed["filing_number"]
            if filed["id"] in accepted:
                assert case.json()["state"] != "filed", f"the acknowledged accept of {filed}"
                events = again.get(f"/api/cases/{filed['id']}/events", headers=admin).json()
                assert [e["type"] for e in events].count("Accepted") == 1
    numbers = [int(re.findall(r"(\d+)号", f["filing_number"])[0]) for f in acknowledged]
    assert len(set(numbers)) == len(numbers), "a filing number was given twice"
    print(f"{backend}: {len(acknowledged)} filings and {len(accepted)} acts acknowledged")
