"""The deadline scheduler fires each lapsed deadline exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

from application.bootstrap import Platform
from application.followers.scheduler import Scheduler
from application.shared.clock import ManualClock
from tests.support.data import ADMIN, drive


def failures(platform: Platform, case_id: object) -> list[str]:
    return [
        getattr(e, "reason", "")
        for e in platform.center.history(case_id, ADMIN)  # type: ignore[arg-type]
        if type(e).__name__ == "MediationFailed"
    ]


def test_period_expiry_fires_once_and_reaches_the_court(
    platform: Platform, clock: ManualClock
) -> None:
    case = drive(platform.center, clock, "in_mediation")
    platform.catch_up()
    assert platform.scheduler.tick().periods_expired == 0  # still running
    clock.advance(timedelta(days=31))  # the period ended on 1 April (24:00 Shanghai)
    assert platform.scheduler.tick().periods_expired == 1
    platform.catch_up()
    assert platform.scheduler.tick().periods_expired == 0
    assert failures(platform, case.id) == ["period_expired"]
    after = platform.center.case(case.id, ADMIN)
    assert after.state == "transferred"  # pre-filing: docketed by the court


def test_acceptance_window_lapses_once(platform: Platform, clock: ManualClock) -> None:
    case = drive(platform.center, clock, "assigned")
    platform.catch_up()
    clock.advance(timedelta(days=3))  # window: Monday 2 March + 3 working days = 5 March
    assert platform.scheduler.tick().assignments_lapsed == 0
    clock.advance(timedelta(days=1, hours=14))
    assert platform.scheduler.tick().assignments_lapsed == 1
    assert platform.center.case(case.id, ADMIN).state == "referred"
    assert platform.scheduler.tick().assignments_lapsed == 0


def test_two_schedulers_and_a_stale_view_fire_each_deadline_once(
    platform: Platform, clock: ManualClock
) -> None:
    cases = [drive(platform.center, clock, "in_mediation") for _ in range(8)]
    platform.catch_up()
    clock.advance(timedelta(days=40))
    schedulers = [Scheduler(platform.center, platform.case_list) for _ in range(2)]
    fired: list[int] = []
    barrier = threading.Barrier(2)

    def run(scheduler: Scheduler) -> None:
        barrier.wait()
        fired.append(scheduler.tick().periods_expired)

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired) == 8
    # A scheduler restarted after a crash, reading a view that has not caught up, fires nothing.
    assert Scheduler(platform.center, platform.case_list).tick().periods_expired == 0
    for case in cases:
        assert failures(platform, case.id) == ["period_expired"]
