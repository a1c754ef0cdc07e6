"""`tiaojie audit verify` at scale: N events (bulk filings) in the center's store, all in the
audit log, then the whole verification timed.

    .venv/bin/python bench/audit_verify.py [--events 1000000]

Target (issue 4): 1,000,000 events in <= 60 s. Figures are appended to bench/audit.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.audit.verify import verify
from bench.run import build
from tests.support.data import AGENT, filing

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tiaojie-audit-verify-"))
    platform, _ = build("sqlite", folder, None)
    try:
        started = time.perf_counter()
        rows = [filing() for _ in range(10_000)]
        while (platform.center.recorder.max_notification_id() or 0) < args.events:
            platform.center.file_bulk(AGENT, rows)
        filed = time.perf_counter() - started
        follower = platform.follower("audit-MediationCenter")
        follower.batch = 5_000
        started = time.perf_counter()
        follower.catch_up()
        appended = time.perf_counter() - started
        started = time.perf_counter()
        count = verify(platform.audit.store, platform.audit, platform.audit_sources())
        verified = time.perf_counter() - started
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": count,
            "filing_seconds": round(filed, 1),
            "audit_follower_leaves_per_s": round(count / appended),
            "verify_seconds": round(verified, 1),
            "verify_events_per_s": round(count / verified),
        }
        print(json.dumps(figures))
        path = HERE / "audit.json"
        previous = json.loads(path.read_text()) if path.exists() else []
        path.write_text(json.dumps([*previous, figures], indent=2) + "\n")
    finally:
        platform.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
