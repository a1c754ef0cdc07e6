"""Procedure as the law has it (issue 16), through the applications on every backend: the
mediation period waits for the mediator's acceptance, an agreement binds at the last party's
signature and the confirmation window counts from it, and a deadline counted on a guessed
calendar is held until the year's schedule is loaded, then fired on the loaded date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from application.bootstrap import Platform, build_platform
from application.mediation_center import commands as cmd
from application.shared.access import SYSTEM
from application.shared.calendar import OfficialCalendar
from application.shared.clock import ManualClock
from domain.mediation.case_states import CaseState
from domain.mediation.mediation_case import MediationCase
from domain.shared.errors import ActRefused
from domain.shared.periods import calendar_days_deadline, shanghai_date
from tests.conftest import settings_for
from tests.domain.test_mediation_case import case_in
from tests.support.data import AGENT, MEDIATOR, PARTY, START, drive, plan

OFFICIAL = OfficialCalendar(lambda year: None)


def test_the_period_starts_when_the_mediator_first_accepts(
    platform: Platform, clock: ManualClock
) -> None:
    case = drive(platform.center, clock, "assigned")
    assert case.period is None  # referred and assigned: nothing runs yet
    clock.advance(timedelta(days=2))
    accepted = platform.center.act(case.id, MEDIATOR, cmd.AcceptAssignment(disclosure="无"))
    assert accepted.period is not None and accepted.period.start == date(2026, 3, 4)
    platform.catch_up()
    [row] = platform.case_list.view.rows(
        "SELECT period_due FROM {case_list} WHERE case_id = :id", {"id": str(case.id)}
    )
    assert row["period_due"] == accepted.period.due.isoformat()


def test_the_confirmation_window_counts_from_the_last_partys_signature(
    platform: Platform, clock: ManualClock
) -> None:
    case = drive(platform.center, clock, "in_mediation")
    for who, command in (
        (AGENT, cmd.Propose(plan=plan(first_due=date(2026, 6, 1)))),
        (PARTY, cmd.AcceptProposal(proposal=1)),
        (MEDIATOR, cmd.DraftAgreement()),
    ):
        case = platform.center.act(case.id, who, command)
    agreement, _ = platform.center.agreement(case.agreement_id, MEDIATOR)
    sign = cmd.SignAgreement(text_sha256=agreement.text_sha256)
    platform.center.agreement_act(agreement.id, AGENT, sign)
    agreement, case = platform.center.agreement_act(agreement.id, PARTY, sign)
    assert case.state == CaseState.SETTLED and agreement.effective_on == date(2026, 3, 2)
    clock.advance(timedelta(days=10))  # the mediator signs ten days later
    agreement, _ = platform.center.agreement_act(agreement.id, MEDIATOR, sign)
    assert agreement.effective_on == date(2026, 3, 2) and "mediator" in agreement.signatures
    # 36 days after the parties signed the window (30 days, to 1 April) is closed.
    clock.advance(timedelta(days=26))
    file = platform.center.file_of(case.id)
    with pytest.raises(ActRefused):
        platform.court.apply_for_confirmation(agreement, file, AGENT)


def test_a_guessed_deadline_is_held_then_fired_on_the_loaded_date(
    platform: Platform, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 9, 1, 2, tzinfo=UTC))  # 2027 has no official schedule yet
    case = drive(platform.center, clock, "in_mediation")
    assert case.period is not None and case.period.provisional
    guessed = case.period.due  # 6 October: 1-3 October and the make-up days 4-5 rest
    platform.catch_up()
    clock.set(datetime.combine(guessed + timedelta(days=1), datetime.min.time(), UTC))
    clock.advance(timedelta(hours=2))
    fired = platform.scheduler.tick()
    assert fired.periods_expired == 0  # held: nothing irreversible on a guess
    assert platform.calendar_warnings() == ([2027], 1)
    assert platform.center.file_of(case.id).state == CaseState.IN_MEDIATION

    # The notice: 1-8 October rest, Sunday 26 September works.
    moved = platform.load_calendar(2027, [date(2027, 10, d) for d in range(1, 9)], [])
    assert moved == 1
    loaded = platform.center.file_of(case.id).period
    assert loaded is not None and not loaded.provisional
    assert loaded.due == date(2027, 10, 11)  # 9 and 10 October are a weekend
    assert platform.calendar_warnings() == ([], 0)
    assert platform.scheduler.tick().periods_expired == 0  # 11 October has not ended
    clock.set(datetime(2027, 10, 11, 16, 0, tzinfo=UTC))  # 00:00 on the 12th in Shanghai
    platform.catch_up()
    assert platform.scheduler.tick().periods_expired == 1
    assert platform.scheduler.tick().periods_expired == 0  # exactly once
    assert platform.center.file_of(case.id).state == CaseState.FAILED


def test_a_schedule_loaded_by_another_process_is_seen_at_once(
    durable_platform: Platform, clock: ManualClock, tmp_path: Path, durable_backend: str
) -> None:
    platform = durable_platform
    assert not platform.calendar.knows(2027)
    schema = platform.settings.postgres_schema
    other = build_platform(settings_for(durable_backend, tmp_path, schema), clock)
    try:
        other.load_calendar(2027, [date(2027, 10, d) for d in range(1, 9)], [])
    finally:
        other.close()
    assert platform.calendar.knows(2027)


def _as_last_release(events: list[Any]) -> list[Any]:
    """The events as the last release stored them: the referral started the period, the
    acceptance carried none."""
    for domain_event in events:
        if isinstance(domain_event, MediationCase.Referred):
            started = shanghai_date(domain_event.occurred_at)
            object.__setattr__(
                domain_event, "period", calendar_days_deadline(started, 30, OFFICIAL)
            )
        if isinstance(domain_event, MediationCase.AssignmentAccepted):
            domain_event.__dict__.pop("period")
    return events


def test_cases_stored_by_the_last_release_load_and_get_their_corrected_period(
    platform: Platform,
) -> None:
    """Upcasting, not a wipe: a running case stored with the last release's events loads with
    the period its referral started, and a recount moves it to the acceptance (an event); a
    settled case keeps what was recorded."""
    running = case_in(CaseState.AWAITING_CONSENT)
    # The mediator accepted two days after the referral.
    events = _as_last_release(running.collect_events())
    accepted = next(e for e in events if isinstance(e, MediationCase.AssignmentAccepted))
    object.__setattr__(accepted, "occurred_at", accepted.occurred_at + timedelta(days=2))
    ended = case_in(CaseState.SETTLED)
    stored = [platform.center.mapper.to_stored_event(e) for e in events]
    stored += [
        platform.center.mapper.to_stored_event(e) for e in _as_last_release(ended.collect_events())
    ]
    platform.center.recorder.insert_events(stored)

    legacy = platform.center.file_of(running.id)
    assert legacy.period is not None and legacy.period.start == START.date()
    assert legacy.period_started_on == START.date() + timedelta(days=2)
    settled_before = platform.center.file_of(ended.id).period

    moved = platform.center.recompute_deadlines(MediationCase, [running.id, ended.id])
    assert moved == 1
    corrected = platform.center.file_of(running.id)
    assert corrected.period is not None
    assert corrected.period.start == START.date() + timedelta(days=2)
    assert corrected.period.due == legacy.period.due + timedelta(days=2)
    last = platform.center.history(running.id, SYSTEM)[-1]
    assert isinstance(last, MediationCase.DeadlinesRecomputed)
    assert platform.center.file_of(ended.id).period == settled_before
