"""Checkpoint latency with four witness processes, and the public tiles under load.

    .venv/bin/python bench/checkpoints.py [--seconds 30]

(a) How long from an event's save until a checkpoint that the quorum (3 of the 4 witnesses,
each a process of its own with its own store) cosigned covers it, at about 100 and 1,000
appended events/s: the followers run in threads as under `tiaojie serve`, filings are saved
at a steady pace, and a watcher notes when each checkpoint first counts. Checkpoints are made
at most once a second, so about half a second is the floor of the median.
(b) Public hash tiles and the checkpoint under wrk, beside a bare litestar endpoint served by
the same process (the ceiling).

Figures are appended to bench/checkpoints.json.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.bootstrap import build_platform
from application.shared.clock import ManualClock
from application.shared.settings import Settings
from bench.run import http_server, record, wrk
from tests.support.data import AGENT, INSTITUTIONS, START, filing
from tests.support.witnesses import witness_pool

HERE = Path(__file__).resolve().parent
RATES = (100, 1000)


def latency_at(rate: int, seconds: int, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    platform = build_platform(Settings.from_env(env), ManualClock(START))
    for code, kind, name, prefix in INSTITUTIONS:
        platform.directory.add_institution(code, kind, name, prefix)
    platform.start()
    log, center = platform.audit, platform.center
    counted: dict[int, float] = {}  # checkpoint size -> when the quorum had cosigned it
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for size, note in log.store.checkpoints()[len(counted) :]:
                if log.cosignatures(note) >= log.quorum:
                    counted.setdefault(size, time.perf_counter())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    saved: list[tuple[float, int]] = []  # when, the center's last notification id
    first = center.recorder.max_notification_id() or 0
    started = time.perf_counter()
    try:
        while (elapsed := time.perf_counter() - started) < seconds:
            behind = rate * elapsed - ((center.recorder.max_notification_id() or 0) - first)
            if behind >= 1:
                center.file_bulk(AGENT, [filing() for _ in range(max(1, int(behind) // 2))])
                saved.append((time.perf_counter(), center.recorder.max_notification_id() or 0))
            else:
                time.sleep(0.005)
        appended = (center.recorder.max_notification_id() or 0) - first
        give_up = time.perf_counter() + 30
        while time.perf_counter() < give_up and (not counted or max(counted) < log.store.size()):
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join()
        platform.close()
    with sqlite3.connect(folder / "audit.sqlite") as db:
        index = dict(
            db.execute(
                "SELECT notification_id, idx FROM audit_leaves WHERE application = ?",
                (center.name,),
            ).fetchall()
        )
    sizes = sorted(counted)
    latencies = []
    for when, notification in saved:
        leaf = index[notification]
        covering = next(s for s in sizes if s > leaf)
        latencies.append(counted[covering] - when)
    latencies.sort()
    return {
        "target_events_per_s": rate,
        "appended_events_per_s": round(appended / seconds),
        "saves": len(saved),
        "counted_checkpoints": len(sizes),
        "latency_s_p50": round(statistics.median(latencies), 3),
        "latency_s_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 3),
    }


def tiles(folder: Path, seconds: int) -> dict[str, Any]:
    """A log of a few thousand leaves, then its server under wrk."""
    env = {"TIAOJIE_DATA_DIR": str(folder)}
    platform = build_platform(Settings.from_env(env), ManualClock(START))
    for code, kind, name, prefix in INSTITUTIONS:
        platform.directory.add_institution(code, kind, name, prefix)
    platform.center.file_bulk(AGENT, [filing() for _ in range(3000)])
    platform.catch_up()
    size = platform.audit.store.size()
    platform.close()
    with http_server(8790, {"TIAOJIE_DATA_DIR": str(folder)}) as (base, _):
        partial = (size // 256) % 256
        paths = {
            "bare": "/bare",
            "hash_tile_full": "/api/audit/tile/0/000",
            "hash_tile_partial_level_1": f"/api/audit/tile/1/000.p/{partial}",
            "checkpoint": "/api/audit/checkpoint",
        }
        results: dict[str, Any] = {"leaves": size}
        for name, path in paths.items():
            with urllib.request.urlopen(base + path, timeout=5) as answer:
                assert answer.status == 200, (path, answer.status)
            results[name] = wrk(base + path, seconds, 16)
        return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    figures: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp, witness_pool(Path(tmp) / "witnesses") as pool:
        figures["latency"] = []
        for rate in RATES:
            folder = Path(tmp) / f"rate-{rate}"
            env = {"TIAOJIE_DATA_DIR": str(folder), **pool.env(folder)}
            figures["latency"].append(latency_at(rate, args.seconds, folder, env))
            print(json.dumps(figures["latency"][-1]), flush=True)
        figures["tiles"] = tiles(Path(tmp) / "tiles", max(5, args.seconds // 3))
    print(json.dumps(figures))
    record("checkpoints.json", figures)


if __name__ == "__main__":
    main()
