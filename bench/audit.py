"""Audit-log benchmark: append rate, inclusion-proof latency, verification rate.

    .venv/bin/python bench/audit.py [--leaves 200000]

Appends synthetic leaves (canonical entries of the real shape) in batches of 1,000 to a fresh
SQLite audit store, then times inclusion proofs at that size and the standalone verifier.
Targets (issue 4): append >= 50,000 leaves/s; a proof at 10,000,000 leaves in <= 1 ms; verify
1,000,000 events in <= 60 s. Figures are appended to bench/audit.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.utils import Environment

from application.audit.store import SQLiteAuditStore
from bench.run import record
from domain.shared import tlog

HERE = Path(__file__).resolve().parent


def entry(i: int) -> str:
    fields = {
        "institution": "12500105MB1J00001L",
        "application": "MediationCenter",
        "notification_id": i + 1,
        "aggregate_id": f"00000000-0000-4000-8000-{i:012d}",
        "aggregate_version": 1,
        "topic": "domain.mediation.mediation_case:MediationCase.Accepted",
        "actor_id": "admin",
        "role": "center_admin",
        "occurred_at": "2026-03-02T02:00:00+00:00",
        "event_sha256": f"{i:064x}",
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaves", type=int, default=200_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tiaojie-audit-bench-"))
    try:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(folder / "audit.sqlite"),
        }
        factory = InfrastructureFactory.construct(Environment("audit", env))
        store = cast(SQLiteAuditStore, factory.tracking_recorder(SQLiteAuditStore))
        started = time.perf_counter()
        for start in range(0, args.leaves, 1000):
            store.append(
                [entry(i) for i in range(start, min(start + 1000, args.leaves))],
                Tracking("audit:bench", min(start + 1000, args.leaves)),
            )
        append_seconds = time.perf_counter() - started
        size = store.size()
        root = store.root(size)
        timings = []
        rng = random.Random(1)
        for _ in range(200):
            index = rng.randrange(size)
            began = time.perf_counter()
            with store.reading() as mth:
                proof = tlog.inclusion_path(index, size, mth)
            timings.append(time.perf_counter() - began)
            leaf = store.leaf(index)
            assert leaf is not None
            assert tlog.verify_inclusion(leaf.hash, index, size, proof, root)
        began = time.perf_counter()
        hashes = [leaf.hash for leaf in store.leaves(0, size)]
        assert tlog.root_hash(hashes) == root
        verify_seconds = time.perf_counter() - began
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "leaves": size,
            "append_leaves_per_s": round(size / append_seconds),
            "proof_ms_median": round(statistics.median(timings) * 1000, 3),
            "proof_ms_p99": round(sorted(timings)[int(len(timings) * 0.99) - 1] * 1000, 3),
            "rebuild_and_check_root_leaves_per_s": round(size / verify_seconds),
        }
        print(json.dumps(figures))
        record("audit.json", figures)
        factory.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
