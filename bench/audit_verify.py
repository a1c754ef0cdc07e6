"""`tiaojie audit verify` at scale, on the realistic mix: cases driven through
bench/caseload.py's lifecycle (filings, referrals, mediation, agreements, payments, the court's
confirmations) until N events are stored, every one in the audit log; then verify is run in a
fresh process at a quarter of N and at N, beside its ceiling in the same process (reading
every stored event and hashing it, the least verify must do), with the process's peak memory.

    .venv/bin/python bench/audit_verify.py [--events 1000000]

Target (issue 12): at least 20,000 events/s over 1,000,000, with memory flat (the same peak
at N/4 and at N). Figures are appended to bench/audit.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.audit.verify import verify
from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from application.shared.settings import Settings
from bench.caseload import drive_one
from bench.run import build, record

HERE = Path(__file__).resolve().parent
TARGET_PER_S = 20_000


def stored_events(platform: Platform) -> int:
    apps = (platform.center, platform.court, platform.notary, platform.directory)
    return sum(app.recorder.max_notification_id() or 0 for app in apps)


def measure(folder: Path) -> dict[str, Any]:
    """In a fresh process: the ceiling (every stored event read and hashed), then verify."""
    platform = build_platform(
        Settings.from_env({"TIAOJIE_DATA_DIR": str(folder)}), ManualClock(datetime.now(UTC))
    )
    try:
        started = time.perf_counter()
        read = 0
        for source in platform.audit_sources():
            position = 1
            while page := source.app.recorder.select_notifications(position, 1000):
                for record in page:
                    hashlib.sha256(record.state).digest()
                read += len(page)
                position = page[-1].id + 1
        ceiling = time.perf_counter() - started
        started = time.perf_counter()
        count = verify(platform.audit.store, platform.audit, platform.audit_sources())
        verified = time.perf_counter() - started
    finally:
        platform.close()
    return {
        "events": count,
        "verify_seconds": round(verified, 1),
        "verify_events_per_s": round(count / verified),
        "ceiling_read_and_hash_events_per_s": round(read / ceiling),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def in_fresh_process(folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    folder = Path(tempfile.mkdtemp(prefix="tiaojie-audit-verify-"))
    rng = random.Random(240_000)
    runs = []
    platform, _ = build("sqlite", folder, None)
    try:
        started = time.perf_counter()
        for goal in (args.events // 4, args.events):
            with Progress() as progress:
                task = progress.add_task("events", total=goal, completed=stored_events(platform))
                while (count := stored_events(platform)) < goal:
                    for _ in range(100):
                        drive_one(platform, rng, rng.random())
                    platform.catch_up()  # the audit followers keep up, as in production
                    progress.update(task, completed=count)
            runs.append(in_fresh_process(folder))  # the same files, read by another process
            print(json.dumps(runs[-1]), flush=True)
        quarter, whole = runs
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "mix": "bench/caseload.py lifecycle",
            **whole,
            "peak_rss_mb_at_a_quarter": quarter["peak_rss_mb"],
            "verify_events_per_s_at_a_quarter": quarter["verify_events_per_s"],
            "target_events_per_s": TARGET_PER_S,
            "setup_seconds": round(time.perf_counter() - started),
        }
        print(json.dumps(figures))
        record("audit.json", figures)
    finally:
        platform.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
