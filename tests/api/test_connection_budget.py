"""One connection budget per process: four servers and four workers on one PostgreSQL with
PostgreSQL's default of 100 connections, under concurrent filings, never meet "too many
clients", and no process holds more than TIAOJIE_DB_CONNECTIONS."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from application.demo import DEMO_PASSWORD
from tests.support.data import filing_data
from tests.support.postgres import private_postgres
from tests.support.server import second_process

PROCESSES = 4
BUDGET = 10
FILINGS_PER_CLIENT = 4


def test_four_servers_and_four_workers_fit_a_default_postgresql(tmp_path: Path) -> None:
    with private_postgres() as database, contextlib.ExitStack() as stack:
        data = tmp_path / "data"
        env = {
            "TIAOJIE_DATABASE_URL": database.url,
            "TIAOJIE_DB_CONNECTIONS": str(BUDGET),
            "TIAOJIE_PROJECTIONS": "external",
        }
        base = {**os.environ, "TIAOJIE_DATA_DIR": str(data), **env}
        loaded = subprocess.run(
            [sys.executable, "-m", "api.cli", "demo"],
            env=base,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        workers = [
            subprocess.Popen(  # libpq names each process's connections by PGAPPNAME
                [sys.executable, "-m", "api.cli", "worker"],
                env={**base, "PGAPPNAME": f"worker-{n}"},
                stdout=subprocess.PIPE,
                stderr=(tmp_path / f"worker-{n}.log").open("w"),
                text=True,
            )
            for n in range(PROCESSES)
        ]
        for worker in workers:
            stack.callback(_stop, worker)
        servers = [
            stack.enter_context(second_process(data, **env, PGAPPNAME=f"server-{n}"))
            for n in range(PROCESSES)
        ]
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().startswith("following:"), "a worker did not start"

        peak: Counter[str] = Counter()
        stop = threading.Event()

        def sample() -> None:
            with psycopg.connect(database.url, autocommit=True) as conn:
                while not stop.is_set():
                    rows = conn.execute(
                        "SELECT application_name, count(*) FROM pg_stat_activity"
                        " WHERE application_name LIKE 'server-%%'"
                        " OR application_name LIKE 'worker-%%' GROUP BY 1"
                    ).fetchall()
                    total = sum(n for _, n in rows)
                    peak["all"] = max(peak["all"], total)
                    for name, count in rows:
                        peak[name] = max(peak[name], count)
                    time.sleep(0.05)

        answers: Counter[int] = Counter()
        filed: list[str] = []
        lock = threading.Lock()

        def load(server: httpx.Client) -> None:
            with httpx.Client(base_url=str(server.base_url), timeout=30) as client:
                signed = client.post(
                    "/api/auth/login", json={"username": "bank_agent", "password": DEMO_PASSWORD}
                )
                headers = {"Authorization": f"Bearer {signed.json()['token']}"}
                client.cookies.clear()
                for _ in range(FILINGS_PER_CLIENT):
                    answer = client.post("/api/cases", json=filing_data(), headers=headers)
                    listed = client.get("/api/cases", headers=headers)
                    with lock:
                        if answer.status_code != 201:
                            print("filing answered", answer.status_code, answer.text)
                        answers[answer.status_code] += 1
                        answers[listed.status_code] += 1
                        if answer.status_code == 201:
                            filed.append(answer.json()["id"])

        sampler = threading.Thread(target=sample)
        sampler.start()
        clients = [threading.Thread(target=load, args=(s,)) for s in servers * 4]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=300)
        stop.set()
        sampler.join(timeout=10)

        log = (database.data / "log").read_text()
        print(f"answers {dict(answers)}; peak connections {dict(peak)}")
        assert "too many clients" not in log
        assert set(answers) == {200, 201}, answers
        assert len(set(filed)) == len(clients) * FILINGS_PER_CLIENT
        for name in [f"server-{n}" for n in range(PROCESSES)]:
            assert 0 < peak[name] <= BUDGET, (name, peak[name])
        for name in [f"worker-{n}" for n in range(PROCESSES)]:
            assert 0 < peak[name] <= BUDGET, (name, peak[name])


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        assert process.wait(timeout=30) == 0, "a worker did not stop cleanly on SIGTERM"
    finally:
        if process.poll() is None:
            process.kill()
