"""Red flags over a caseload with planted patterns: catch-up from an empty store, and the lag
behind live filings.

    .venv/bin/python bench/red_flags.py [--cases 240000] [--backend sqlite] [--live-seconds 60]

The caseload is written in parts of 2,000 bank debtors each with the planted mix of
`tests/support/planted.py` (a card issuer's book, settlements on standard terms, a ring of
cloned cases, a pair in three cases, a shared phone, a one-day loop, a respondent never
reached, a very large claim settled unheard), with every follower off (none runs until
started), and the load is timed. Then the red-flag followers run over it from an empty tracking
(the catch-up; target: no longer than the load). Then every other follower catches up, and all
of them run live, as in a server, while single filings arrive at `--rate` a second; each
filing's lag is the time from its save until the detector has processed it (target: under 2 s).
Figures are appended to bench/red_flags.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demo import PROCURATORATE
from application.shared.access import Principal
from application.shared.topics import topics_of
from bench.run import build, drop_schema, pg_schema, record
from domain.mediation.mediation_case import MediationCase
from domain.shared.actors import Role
from tests.support import planted
from tests.support.data import AGENT, START

PROSECUTOR = Principal("prosecutor1", Role.PROSECUTOR, PROCURATORATE)
HERE = Path(__file__).resolve().parent
PART = 2_000  # bank debtors a part of the caseload


def load(platform: Any, clock: Any, cases: int) -> tuple[int, dict[str, int]]:
    """Write parts until `cases` filings; the filings and the planted cases by pattern."""
    filings, people, part = 0, 0, 0
    patterns: dict[str, int] = {}
    with Progress() as progress:
        task = progress.add_task("caseload", total=cases)
        while filings < cases:
            # A part's debtors are its own: each part starts a day after the last, so months
            # of settlements in every part do not carry the dates past the years people give.
            clock.set(START + timedelta(days=part))
            written = planted.write(platform, clock, PART, seed=part, people=people)
            filings, people, part = filings + written.filings, written.people, part + 1
            for name, found in written.planted.items():
                patterns[name] = patterns.get(name, 0) + len(found)
            progress.update(task, completed=filings)
    return filings, patterns


def live(
    platform: Any, clock: Any, pollers: list[Any], seconds: float, rate: float
) -> dict[str, float]:
    """File one case at a time at `rate` a second with the followers running; each filing's
    lag until the detector's position passes it."""
    writer = planted.Writer(platform, clock, seed=10**6, people=300_000)
    center, red_flags = platform.center, platform.red_flags
    pending: list[tuple[int, float]] = []
    lags: list[float] = []
    lock = threading.Lock()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() or pending:
            position = red_flags.position(center.name)
            now = time.perf_counter()
            with lock:
                while pending and pending[0][0] <= position:
                    lags.append(now - pending.pop(0)[1])
            time.sleep(0.005)

    filed_topics = topics_of(MediationCase.Filed)
    for poller in pollers:
        poller.start()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    applicant = {"kind": "institution", "name": "江北商业银行", "org_code": AGENT.institution}
    applicant["phone"] = "02363000000"
    started = time.perf_counter()
    sent = 0
    while time.perf_counter() - started < seconds:
        debtor = writer.person()
        facts = writer.facts(planted.BANK_FACTS, debtor["name"], 2_000_000)
        center.file(AGENT, writer.filing(applicant, debtor, 2_000_000, facts))
        saved = time.perf_counter()
        last = center.recorder.max_notification_id() or 0
        [filed] = center.recorder.select_notifications(last - 1, 2, topics=filed_topics)
        with lock:
            pending.append((filed.id, saved))
        sent += 1
        time.sleep(max(0.0, started + sent / rate - time.perf_counter()))
    done.set()
    watcher.join(timeout=60)
    for poller in pollers:
        poller.stop()
    lags.sort()
    return {
        "live_filings": sent,
        "live_rate_per_s": round(sent / seconds, 1),
        "lag_p50_s": round(statistics.median(lags), 3),
        "lag_p99_s": round(lags[int(len(lags) * 0.99) - 1], 3),
        "lag_max_s": round(lags[-1], 3),
    }


def run(backend: str, cases: int, seconds: float, rate: float) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"tiaojie-red-flags-{backend}-"))
    schema = pg_schema() if backend == "postgres" else None
    platform, clock = build(backend, data_dir, schema)  # followers run only once started
    try:
        started = time.perf_counter()
        filings, patterns = load(platform, clock, cases)
        loaded = time.perf_counter() - started
        events = platform.center.recorder.max_notification_id() or 0

        pollers = [f for f in platform.followers if f.name in ("red-flags", "red-flags-court")]
        started = time.perf_counter()
        for poller in pollers:
            poller.catch_up()
        caught_up = time.perf_counter() - started
        started = time.perf_counter()
        platform.catch_up()  # the audit trail, the case list, the outbox: as a server has them
        others = time.perf_counter() - started
        flags: dict[str, int] = {}
        for flag in platform.procuratorate.flags(PROSECUTOR):
            flags[str(flag.indicator)] = flags.get(str(flag.indicator), 0) + 1
        return {
            "backend": backend,
            "filings": filings,
            "center_events": events,
            "planted_cases": patterns,
            "flags": flags,
            "load_seconds": round(loaded, 1),
            "catch_up_seconds": round(caught_up, 1),
            "catch_up_events_per_s": round(events / caught_up, 1),
            "catch_up_over_load": round(caught_up / loaded, 2),
            "other_followers_catch_up_seconds": round(others, 1),
            **live(platform, clock, platform.followers, seconds, rate),
            "targets": "catch-up no longer than the load; lag under 2 s",
        }
    finally:
        platform.close()
        if schema:
            drop_schema(schema)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=240_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--live-seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20)
    args = parser.parse_args()
    figures = run(args.backend, args.cases, args.live_seconds, args.rate)
    figures["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    record("red_flags.json", figures)


if __name__ == "__main__":
    main()
