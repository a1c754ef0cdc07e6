"""Console pages over a 100,000-case store, beside a bare endpoint in the same run.

    .venv/bin/python bench/console.py [--cases 100000] [--seconds 10] [--users 16]

Builds a SQLite store of N filed cases (a few thousand of them accepted, referred and
assigned so that to-do lists and deadlines hold something), brings the case list up to date,
then starts the server in a process of its own (the case list its only follower) and loads it
from this process with `--users` concurrent signed-in center staff: the list with a search, a
case page, a to-do list and the dashboard, each beside the bare JSON endpoint. Target: p99 at
most 150 ms on SQLite. Figures are appended to bench/console.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demo import CENTER
from application.mediation_center import commands as cmd
from application.mediation_center.bulk import act_on_each, distribute
from bench.run import build, http_server, record
from tests.support.data import ADMIN, AGENT, PASSWORD, filing, id_number

TARGET_P99_MS = 150
BATCH = 10_000
SURNAMES = "赵钱孙李周吴郑王"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def build_store(data_dir: Path, cases: int, moved: int) -> dict[str, Any]:
    """N filings (every 1000th to one 欧阳 family), `moved` of them accepted, referred and
    distributed; the case list caught up."""
    platform, _ = build("sqlite", data_dir, None)
    platform.directory.add_user("admin", PASSWORD, "center_admin", CENTER)
    rng = random.Random(100_000)
    ids = []
    with Progress() as progress:
        task = progress.add_task("filing", total=cases)
        for start in range(0, cases, BATCH):
            rows = [
                filing(
                    respondent_id=id_number(serial=rng.randint(100, 999)),
                    name=("欧阳" if n % 1000 == 0 else "")
                    + rng.choice("赵钱孙李周吴郑王")
                    + str(n),
                )
                for n in range(start, min(cases, start + BATCH))
            ]
            ids += [case.id for case in platform.center.file_bulk(AGENT, rows)]
            progress.advance(task, len(rows))
        chosen = ids[:moved]
        task = progress.add_task("accept, refer, distribute", total=3 * moved)
        for command in (cmd.Accept(), cmd.Refer(kind="pre_filing")):
            act_on_each(platform.center, ADMIN, chosen, command)
            progress.advance(task, moved)
        mediators = ["mediator1", "mediator2"]
        distribute(platform.center, ADMIN, chosen, mediators, {})
        progress.advance(task, moved)
        task = progress.add_task("case list", total=platform.center.recorder.max_notification_id())
        platform.follower("case-list").catch_up(lambda n: progress.advance(task, n))
    platform.close()
    return {"case_ids": [str(i) for i in rng.sample(chosen, min(500, moved))]}


async def load(
    base: str, path: Callable[[], str], seconds: float, users: int, client: httpx.AsyncClient
) -> dict[str, float]:
    """`users` concurrent clients requesting `path()` for `seconds`; latency percentiles."""
    times: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds

    async def user() -> None:
        nonlocal failures
        while time.perf_counter() < stop:
            started = time.perf_counter()
            answer = await client.get(f"{base}{path()}")
            times.append(time.perf_counter() - started)
            failures += answer.status_code != 200

    await asyncio.gather(*(user() for _ in range(users)))
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
        "failures": failures,
    }


async def measure(base: str, case_ids: list[str], seconds: float, users: int) -> dict[str, Any]:
    rng = random.Random(16)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        signed_in = await client.post(
            f"{base}/api/auth/login", json={"username": "admin", "password": PASSWORD}
        )
        signed_in.raise_for_status()
        pages: dict[str, Callable[[], str]] = {
            "bare": lambda: "/bare",
            "list_search": lambda: f"/console?q=欧阳{rng.choice(SURNAMES)}",
            "case_page": lambda: f"/console/cases/{rng.choice(case_ids)}",
            "todo": lambda: "/console?todo=todo_assign",
            "dashboard": lambda: "/console/dashboard",
        }
        figures: dict[str, Any] = {}
        for name, path in pages.items():
            await load(base, path, 1, users, client)  # warm
            figures[name] = await load(base, path, seconds, users, client)
        bare = figures["bare"]["p99_ms"]
        for found in figures.values():
            found["p99_vs_bare"] = round(found["p99_ms"] / bare, 1) if bare else None
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--moved", type=int, default=3_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=16)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="tiaojie-console-"))
    try:
        started = time.perf_counter()
        built = build_store(data_dir, args.cases, args.moved)
        build_seconds = time.perf_counter() - started
        env = {"TIAOJIE_DATA_DIR": str(data_dir), "TIAOJIE_LOGIN_RATE": "1000"}
        with http_server(8710, env, "case-list") as (base, _):
            figures = asyncio.run(measure(base, built["case_ids"], args.seconds, args.users))
        result = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores",
            "backend": "sqlite",
            "cases": args.cases,
            "users": args.users,
            "store_build_seconds": round(build_seconds, 1),
            "target_p99_ms": TARGET_P99_MS,
            "pages": figures,
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        record("console.json", result)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
