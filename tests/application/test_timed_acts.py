"""The scheduler's timed acts on agreements and confirmations, and the court's outcomes on the
mediation case (Court → MediationCenter)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from application.bootstrap import Platform
from application.court import commands as court_cmd
from application.followers.scheduler import Scheduler
from application.mediation_center import commands as cmd
from application.read_models.timers import lapsed_timers
from application.shared.clock import ManualClock
from domain.court.judicial_confirmation import JudicialConfirmation
from tests.support.data import (
    ADMIN,
    AGENT,
    JUDGE,
    MEDIATOR,
    PARTY,
    accepted_and_verified,
    drive,
    settle,
)


def noon(day: date) -> datetime:
    """12:00 in Shanghai on `day`."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def settled(platform: Platform, clock: ManualClock) -> tuple[Any, Any]:
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, ADMIN)
    platform.catch_up()
    return case, agreement


def events(platform: Platform, aggregate_id: Any, name: str) -> list[Any]:
    app = platform.court if name.startswith("JudicialConfirmation") else platform.center
    return [e for e in app.events.get(aggregate_id) if type(e).__qualname__ == name]


def test_instalments_fall_overdue_then_into_default_once_each(
    platform: Platform, clock: ManualClock
) -> None:
    _, agreement = settled(platform, clock)  # 506,172 fen due 1 May, 506,173 due 31 May 2026
    assert platform.scheduler.tick().timers_fired == 0
    # 1 May + 7 grace days = 8 May (a working day): overdue from 9 May.
    clock.set(noon(date(2026, 5, 8)))
    assert platform.scheduler.tick().timers_fired == 0
    clock.set(noon(date(2026, 5, 9)))
    assert platform.scheduler.tick().timers_fired == 1
    platform.catch_up()
    assert platform.scheduler.tick().timers_fired == 0
    [overdue] = events(platform, agreement.id, "RepaymentAgreement.InstalmentsOverdue")
    assert overdue.instalments == [1]
    platform.center.agreement_act(
        agreement.id,
        AGENT,
        cmd.RecordPayment(instalment=1, amount_fen=506_172, paid_on=date(2026, 5, 10)),
    )
    platform.catch_up()
    # 31 May + 7 = Sunday 7 June, a rest day: grace runs to Monday 8 June.
    clock.set(noon(date(2026, 6, 8)))
    assert platform.scheduler.tick().timers_fired == 0
    clock.set(noon(date(2026, 6, 9)))
    assert platform.scheduler.tick().timers_fired == 1
    platform.catch_up()
    # Default threshold 30 days after the grace: 8 July; in default from 9 July.
    clock.set(noon(date(2026, 7, 8)))
    assert platform.scheduler.tick().timers_fired == 0
    clock.set(noon(date(2026, 7, 9)))
    assert platform.scheduler.tick().timers_fired == 1
    platform.catch_up()
    assert platform.scheduler.tick().timers_fired == 0
    after, _ = platform.center.agreement(agreement.id, ADMIN)
    assert after.state == "defaulted"
    assert [
        e.instalments for e in events(platform, agreement.id, "RepaymentAgreement.Defaulted")
    ] == [[2]]
    assert lapsed_timers(platform.case_list.view, date(2027, 1, 1)) == []


def test_fulfilled_agreement_has_no_timers(platform: Platform, clock: ManualClock) -> None:
    _, agreement = settled(platform, clock)
    for number, amount in ((1, 506_172), (2, 506_173)):
        platform.center.agreement_act(
            agreement.id,
            AGENT,
            cmd.RecordPayment(instalment=number, amount_fen=amount, paid_on=date(2026, 4, 1)),
        )
    platform.catch_up()
    clock.set(noon(date(2026, 12, 1)))
    assert platform.scheduler.tick().timers_fired == 0
    assert lapsed_timers(platform.case_list.view, date(2026, 12, 1)) == []


def test_two_schedulers_fire_agreement_timers_once(platform: Platform, clock: ManualClock) -> None:
    agreements = [settled(platform, clock)[1] for _ in range(4)]
    clock.set(noon(date(2026, 7, 9)))  # both instalments overdue, the first in default
    schedulers = [
        Scheduler(
            platform.center,
            platform.case_list,
            timers=lambda today: lapsed_timers(platform.case_list.view, today),
        )
        for _ in range(2)
    ]
    fired: list[int] = []
    barrier = threading.Barrier(2)

    def run(scheduler: Scheduler) -> None:
        barrier.wait()
        fired.append(scheduler.tick().timers_fired)

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired) == 8  # one overdue and one default per agreement
    for agreement in agreements:
        assert len(events(platform, agreement.id, "RepaymentAgreement.InstalmentsOverdue")) == 1
        assert len(events(platform, agreement.id, "RepaymentAgreement.Defaulted")) == 1


def apply_jointly(platform: Platform, clock: ManualClock) -> tuple[Any, Any, JudicialConfirmation]:
    case, agreement = settled(platform, clock)
    platform.court.apply_for_confirmation(agreement, case, AGENT)
    joint = platform.court.apply_for_confirmation(agreement, case, PARTY)
    platform.catch_up()
    return case, agreement, joint


def test_a_one_sided_application_lapses_after_30_days(
    platform: Platform, clock: ManualClock
) -> None:
    case, agreement = settled(platform, clock)  # effective 2 March 2026
    opened = platform.court.apply_for_confirmation(agreement, case, AGENT)
    platform.catch_up()
    clock.set(noon(date(2026, 4, 1)))  # 2 March + 30 = 1 April, the last day
    assert platform.scheduler.tick().timers_fired == 0
    clock.set(noon(date(2026, 4, 2)))
    assert platform.scheduler.tick().timers_fired == 1
    platform.catch_up()
    assert platform.scheduler.tick().timers_fired == 0
    lapsed = platform.court.confirmation(opened.id, JUDGE)
    assert lapsed.state == "lapsed"
    [outcome] = platform.center.case(case.id, ADMIN).court_outcomes
    assert outcome.outcome == "lapsed" and outcome.kind == "judicial_confirmation"


def test_court_lateness_is_recorded_once_per_deadline(
    platform: Platform, clock: ManualClock
) -> None:
    _, _, joint = apply_jointly(platform, clock)  # applied Monday 2 March: accept by 5 March
    assert joint.acceptance_deadline is not None
    assert joint.acceptance_deadline.due == date(2026, 3, 5)
    clock.set(noon(date(2026, 3, 6)))
    assert platform.scheduler.tick().timers_fired == 1
    platform.catch_up()
    assert platform.scheduler.tick().timers_fired == 0
    late = platform.court.confirmation(joint.id, JUDGE)
    assert late.missed == ["acceptance:2026-03-05"] and late.overdue(clock())
    accepted = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.AcceptApplication()
    )  # late, but it may
    assert accepted.ruling_deadline is not None
    assert accepted.ruling_deadline.due == date(2026, 3, 23)  # 21 March is a Saturday
    platform.catch_up()
    clock.set(noon(date(2026, 3, 24)))
    assert platform.scheduler.tick().timers_fired == 1
    extend = court_cmd.ExtendRulingPeriod(approved_by="院长 王某")
    extended = platform.court.confirmation_act(joint.id, JUDGE, extend)
    assert extended.ruling_deadline is not None
    platform.catch_up()
    assert platform.scheduler.tick().timers_fired == 0  # the extension moved the deadline
    clock.set(noon(extended.ruling_deadline.due + timedelta(days=1)))
    assert platform.scheduler.tick().timers_fired == 1
    missed = [e.deadline for e in events(platform, joint.id, "JudicialConfirmation.DeadlineMissed")]
    assert missed == ["acceptance", "ruling", "ruling"]


def test_confirmed_ruling_shows_on_the_mediation_case(
    platform: Platform, clock: ManualClock
) -> None:
    case, _, joint = apply_jointly(platform, clock)
    accepted_and_verified(platform.court, joint.id)
    platform.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleConfirmed(reason="协议合法有效"))
    platform.catch_up()
    platform.catch_up()
    after = platform.center.case(case.id, ADMIN)
    [outcome] = after.court_outcomes
    assert (outcome.kind, outcome.outcome, outcome.docket_number) == (
        "judicial_confirmation",
        "confirmed",
        "(2026)渝0105民特1号",
    )
    assert after.state == "settled"


@pytest.mark.parametrize("act", ["refuse", "rule_rejected"])
def test_refused_or_rejected_confirmation_sends_the_sides_back_to_mediation(
    platform: Platform, clock: ManualClock, act: str
) -> None:
    case, agreement, joint = apply_jointly(platform, clock)
    if act == "rule_rejected":
        accepted_and_verified(platform.court, joint.id)
    platform.court.confirmation_act(
        joint.id,
        JUDGE,
        {"refuse": court_cmd.RefuseApplication, "rule_rejected": court_cmd.RuleRejected}[act](
            ground={"refuse": "other", "rule_rejected": "mandatory_law"}[act],
            reason="协议内容违反法律规定",
        ),
    )
    platform.catch_up()
    platform.catch_up()
    after = platform.center.case(case.id, ADMIN)
    assert after.state == "in_mediation" and after.agreement_id is None
    assert [o.outcome for o in after.court_outcomes] == [
        "refused" if act == "refuse" else "rejected"
    ]
    set_aside, _ = platform.center.agreement(agreement.id, ADMIN)
    assert set_aside.state == "set_aside"
    # From mediation the case may settle again, or fail and go on to litigation.
    platform.center.act(case.id, MEDIATOR, cmd.DeclareFailure(reason="no_agreement"))
    platform.catch_up()
    platform.catch_up()
    assert platform.center.case(case.id, ADMIN).state == "transferred"
