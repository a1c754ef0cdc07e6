"""Red flags exactly once with separate workers on PostgreSQL: a worker killed mid-way through
a seeded caseload, then two workers racing over the rest, store what one uninterrupted
in-process run stores: every filing counted once, every planted pattern flagged once, and the
same number of the procuratorate's events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from application.bootstrap import Platform
from application.shared.clock import ManualClock
from application.shared.topics import topics_of
from domain.procuratorate.red_flag import ClaimSizes
from tests.application.test_red_flag_caseload import PROSECUTOR, score
from tests.conftest import make_platform, settings_for
from tests.support import planted
from tests.support.data import START

DEBTORS = 1_200


def _worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """A worker of the red-flag followers, once it says it is following."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "worker",
            "--only",
            "red-flags",
            "--only",
            "red-flags-court",
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().startswith("following:"), "the worker did not start"
    return worker


def _until(condition: Callable[[], bool], what: str, workers: list[subprocess.Popen[str]]) -> None:
    give_up = time.monotonic() + 300
    while not condition():
        assert time.monotonic() < give_up, f"never: {what}"
        assert all(w.poll() is None for w in workers), "a worker exited"
        time.sleep(0.05)


def _last(platform: Platform, source: str) -> int:
    """The id of the last notification the detector follows in `source`."""
    app = platform.center if source == "center" else platform.court
    topics = topics_of(*platform.red_flags.follows)
    found = app.recorder.select_notifications(1, 1_000_000, topics=topics)
    return found[-1].id if found else 0


def _events(platform: Platform) -> int:
    return len(platform.procuratorate.recorder.select_notifications(1, 1_000_000))


def test_a_killed_worker_and_two_racing_workers_flag_each_pattern_once(
    tmp_path: Path, pg_schema: str
) -> None:
    # The reference: one uninterrupted run in-process, on SQLite.
    reference_clock = ManualClock(START)
    reference = make_platform(settings_for("sqlite", tmp_path / "reference"), reference_clock)
    try:
        expected_load = planted.write(reference, reference_clock, DEBTORS)
        reference.catch_up()
        expected_events = _events(reference)
    finally:
        reference.close()

    clock = ManualClock(START)
    settings = settings_for("postgres", tmp_path, pg_schema, TIAOJIE_PROJECTIONS="external")
    env = {
        "TIAOJIE_DATA_DIR": str(settings.data_dir),
        "TIAOJIE_DATABASE_URL": str(settings.database_url),
        "TIAOJIE_POSTGRES_SCHEMA": pg_schema,
    }
    platform = make_platform(settings, clock)
    try:
        load = planted.write(platform, clock, DEBTORS)
        assert load.filings == expected_load.filings
        center, court = _last(platform, "center"), _last(platform, "court")
        position = platform.red_flags.position

        first = _worker(env)
        _until(lambda: position(platform.center.name) >= center // 3, "a third done", [first])
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert position(platform.center.name) < center, "the worker finished before the kill"

        racing = [_worker(env), _worker(env)]
        try:
            _until(
                lambda: (
                    position(platform.center.name) >= center
                    and position(platform.court.name) >= court
                ),
                "the workers caught up",
                racing,
            )
        finally:
            for worker in racing:
                worker.terminate()
            assert [w.wait(timeout=30) for w in racing] == [0, 0]

        sizes = platform.procuratorate.load(ClaimSizes.create_id(platform.center.name), ClaimSizes)
        assert sizes.total == load.filings, "a filing was counted twice or not at all"
        flags = platform.procuratorate.flags(PROSECUTOR)
        precision, recall, detail = score(load, flags)
        assert (precision, recall, len(flags)) == (1.0, 1.0, len(load.planted)), detail
        assert _events(platform) == expected_events
    finally:
        platform.close()
