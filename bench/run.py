"""Benchmarks of the spine, each beside its ceiling measured in the same run.

    .venv/bin/python bench/run.py [--cases 10000] [--backends sqlite,postgres] [--http-seconds 10]

(a) bulk filing of N cases in one atomic save; (b) N cases driven through the lifecycle to
agreement through the application layer; (c) N raw single-row inserts into a plain table of the
same database (the ceiling); (d) HTTP under concurrent load from wrk in a separate process: a
bare litestar JSON endpoint, case reads and case filings, all served by one uvicorn process.
Figures go to bench/results.json and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform as host
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.bootstrap import Platform, build_platform
from application.demo import CENTER
from application.mediation_center import commands as cmd
from application.shared.clock import ManualClock
from application.shared.commands import Command
from application.shared.settings import Settings
from tests.support.data import (
    ADMIN,
    AGENT,
    INSTITUTIONS,
    MEDIATOR,
    MEDIATORS,
    PARTY,
    PASSWORD,
    filing,
    plan,
)

HERE = Path(__file__).resolve().parent
PG_URL = os.environ.get("TIAOJIE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TARGETS = {
    ("sqlite", "bulk"): 20_000,
    ("postgres", "bulk"): 10_000,
    ("sqlite", "lifecycle"): 2_000,
    ("postgres", "lifecycle"): 1_000,
}


def record(name: str, *figures: dict[str, Any]) -> None:
    """Append a run's figures to `bench/<name>`: every run is kept, to compare over time."""
    path = Path(__file__).resolve().parent / name
    previous = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps([*previous, *figures], indent=2, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def http_server(port: int, env: dict[str, str], *followers: str) -> Iterator[tuple[str, Any]]:
    """bench/http_server.py in a process of its own (with only `followers`, if named), once
    it answers: its base URL and the line it printed (a token, a case, a filing)."""
    server = subprocess.Popen(
        [sys.executable, str(HERE / "http_server.py"), str(port), *followers],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # the line comes just before uvicorn binds the port
            try:
                urllib.request.urlopen(f"{base}/bare", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base, ready
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def build(backend: str, data_dir: Path, schema: str | None) -> tuple[Platform, ManualClock]:
    env = {"TIAOJIE_DATA_DIR": str(data_dir)}
    if backend == "postgres":
        env |= {"TIAOJIE_DATABASE_URL": PG_URL, "TIAOJIE_POSTGRES_SCHEMA": schema or "public"}
    clock = ManualClock(datetime(2026, 3, 2, 2, tzinfo=UTC))
    platform = build_platform(Settings.from_env(env), clock)
    for code, kind, name, prefix in INSTITUTIONS:
        platform.directory.add_institution(code, kind, name, prefix)
    for username in MEDIATORS:
        platform.directory.add_user(username, PASSWORD, "mediator", CENTER)
    return platform, clock


def bench_application(
    backend: str, cases: int, data_dir: Path, schema: str | None
) -> dict[str, Any]:
    platform, clock = build(backend, data_dir, schema)
    try:
        rows = [filing() for _ in range(cases)]
        started = time.perf_counter()
        filed = platform.center.file_bulk(AGENT, rows)
        bulk_seconds = time.perf_counter() - started

        acts: list[tuple[Any, Command]] = [
            (ADMIN, cmd.Accept()),
            (ADMIN, cmd.Refer(kind="pre_filing")),
            (ADMIN, cmd.AssignMediator(mediator="mediator1")),
            (MEDIATOR, cmd.AcceptAssignment(disclosure="无")),
            (PARTY, cmd.ConsentToMediation()),
            (AGENT, cmd.Propose(plan=plan())),
            (PARTY, cmd.AcceptProposal(proposal=1)),
            (MEDIATOR, cmd.DraftAgreement()),
        ]
        before = platform.center.recorder.max_notification_id() or 0
        started = time.perf_counter()
        for filed_case in filed:
            case = filed_case
            for who, command in acts:
                case = platform.center.act(case.id, who, command)
            assert case.agreement_id is not None
            agreement, _ = platform.center.agreement(case.agreement_id, MEDIATOR)
            for who in (AGENT, PARTY, MEDIATOR):
                platform.center.agreement_act(
                    agreement.id, who, cmd.SignAgreement(text_sha256=agreement.text_sha256)
                )
        lifecycle_seconds = time.perf_counter() - started
        events = (platform.center.recorder.max_notification_id() or 0) - before
        commands = len(filed) * (len(acts) + 3)
        clock.advance(timedelta(seconds=1))
        return {
            "bulk_cases": cases,
            "bulk_seconds": round(bulk_seconds, 3),
            "bulk_cases_per_s": round(cases / bulk_seconds),
            "lifecycle_commands": commands,
            "lifecycle_seconds": round(lifecycle_seconds, 3),
            "lifecycle_commands_per_s": round(commands / lifecycle_seconds),
            "lifecycle_events_per_s": round(events / lifecycle_seconds),
        }
    finally:
        platform.close()


def raw_inserts(backend: str, count: int, data_dir: Path, schema: str | None) -> dict[str, Any]:
    """The ceiling: single-row INSERTs, each committed, into a plain table."""
    payload = b"x" * 300
    if backend == "sqlite":
        conn = sqlite3.connect(data_dir / "raw.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE raw (id TEXT PRIMARY KEY, version INTEGER, body BLOB)")
        started = time.perf_counter()
        for _ in range(count):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO raw VALUES (?, 1, ?)", (uuid.uuid4().hex, payload))
            conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    else:
        with psycopg.connect(PG_URL, autocommit=True) as pg:
            pg.execute(f"SET search_path TO {schema}")
            pg.execute("CREATE TABLE raw (id uuid PRIMARY KEY, version int, body bytea)")
            started = time.perf_counter()
            for _ in range(count):
                pg.execute("INSERT INTO raw VALUES (%s, 1, %s)", (uuid.uuid4(), payload))
            seconds = time.perf_counter() - started
    return {"raw_inserts": count, "raw_inserts_per_s": round(count / seconds)}


WRK_POST = """
wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def wrk(
    url: str, seconds: int, connections: int, script: str | None = None, header: str | None = None
) -> dict[str, Any]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        args += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
            args += ["-s", lua.name]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    return {
        "req_per_s": round(rate),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def bench_http(backend: str, data_dir: Path, seconds: int) -> dict[str, Any]:
    """A server of its own (a fresh store), so it has no backlog to follow."""
    schema = pg_schema() if backend == "postgres" else None
    env = {"TIAOJIE_DATA_DIR": str(data_dir / "http")}
    if backend == "postgres":
        env |= {"TIAOJIE_DATABASE_URL": PG_URL, "TIAOJIE_POSTGRES_SCHEMA": schema or "public"}
    port = 8700 + (1 if backend == "postgres" else 0)
    try:
        with http_server(port, env) as (base, ready):
            auth = f"Authorization: Bearer {ready['token']}"
            body = json.dumps(ready["filing"], ensure_ascii=False).replace("]]", "] ]")
            results: dict[str, Any] = {}
            for connections in (16, 64):
                results[str(connections)] = {
                    "bare": wrk(f"{base}/bare", seconds, connections),
                    "case_read": wrk(
                        f"{base}/api/cases/{ready['case_id']}", seconds, connections, header=auth
                    ),
                    "case_filing": wrk(
                        f"{base}/api/cases",
                        seconds,
                        connections,
                        script=WRK_POST.format(body=body, token=ready["token"]),
                    ),
                }
            return results
    finally:
        if schema:
            drop_schema(schema)


def pg_schema() -> str:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schema(schema: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--http-seconds", type=int, default=10)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{host.machine()}, {os.cpu_count()} cores, Python {host.python_version()}",
        "backends": {},
    }
    for backend in args.backends.split(","):
        data_dir = Path(tempfile.mkdtemp(prefix=f"tiaojie-bench-{backend}-"))
        schema = pg_schema() if backend == "postgres" else None
        try:
            print(f"== {backend}", flush=True)
            figures = bench_application(backend, args.cases, data_dir / "app", schema)
            figures |= raw_inserts(backend, args.cases, data_dir, schema)
            print(json.dumps(figures, indent=1), flush=True)
            if shutil.which("wrk") and args.http_seconds:
                figures["http"] = bench_http(backend, data_dir, args.http_seconds)
                print(json.dumps(figures["http"], indent=1), flush=True)
            results["backends"][backend] = figures
        finally:
            if schema:
                drop_schema(schema)
            shutil.rmtree(data_dir, ignore_errors=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "RESULTS.md").write_text(markdown(results))
    print((HERE / "RESULTS.md").read_text())


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark results ({results['when']}, {results['machine']})",
        "",
        "| backend | measure | figure | target / ceiling |",
        "|---|---|---|---|",
    ]
    for backend, f in results["backends"].items():
        lines += [
            (
                f"| {backend} | (a) bulk filing, {f['bulk_cases']} cases in one save | "
                f"{f['bulk_cases_per_s']:,} cases/s | ≥ {TARGETS[(backend, 'bulk')]:,}/s |"
            ),
            (
                f"| {backend} | (b) lifecycle to agreement, application layer | "
                f"{f['lifecycle_commands_per_s']:,} commands/s, {f['lifecycle_events_per_s']:,} "
                f"events/s | ≥ {TARGETS[(backend, 'lifecycle')]:,} commands/s |"
            ),
            (
                f"| {backend} | (c) raw single-row inserts, each committed | "
                f"{f['raw_inserts_per_s']:,} rows/s | the ceiling for (b) |"
            ),
        ]
        for connections, h in f.get("http", {}).items():
            share = round(100 * h["case_read"]["req_per_s"] / h["bare"]["req_per_s"])
            for name, label in (
                ("bare", "bare litestar JSON endpoint"),
                ("case_read", "GET /api/cases/{id}"),
                ("case_filing", "POST /api/cases"),
            ):
                m = h[name]
                target = {
                    "bare": "the ceiling for (d)",
                    "case_read": f"{share}% of bare (target ≥ 50%), p99 target ≤ 25 ms",
                    "case_filing": "—",
                }[name]
                lines.append(
                    f"| {backend} | (d) {label}, {connections} connections | "
                    f"{m['req_per_s']:,} req/s, p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms"
                    f"{', non-2xx ' + str(m['non_2xx']) if m['non_2xx'] else ''} | {target} |"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
