"""Periods on China's official calendar (Civil Procedure Law, on periods)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from application.shared.calendar import OfficialCalendar, Schedule
from domain.mediation.case_states import CaseState, ReferralKind
from domain.mediation.mediation_case import MediationCase
from domain.notary.notarial_matter import DeliveryMethod, MatterType, NotarialMatter
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused
from domain.shared.filing import SideRole
from domain.shared.periods import calendar_days_deadline, shanghai_date, working_days_deadline
from tests.domain.test_mediation_case import case_in, mediating

OFFICIAL = OfficialCalendar(lambda year: None)
SIDE = Actor("p", Role.PARTY, None)
SYSTEM = Actor("system", Role.SYSTEM, None)


def test_calendar_day_period_ending_in_a_holiday_ends_on_the_next_working_day() -> None:
    # 2026-09-01 + 30 days = 1 October, National Day; the holiday runs to 7 October.
    deadline = calendar_days_deadline(date(2026, 9, 1), 30, OFFICIAL)
    assert deadline.due == date(2026, 10, 8)
    assert not deadline.provisional


def test_calendar_day_period_ending_on_a_working_day_is_not_moved() -> None:
    assert calendar_days_deadline(date(2026, 3, 2), 30, OFFICIAL).due == date(2026, 4, 1)


def test_starting_day_does_not_count() -> None:
    assert calendar_days_deadline(date(2026, 3, 2), 1, OFFICIAL).due == date(2026, 3, 3)


def test_last_day_on_an_adjusted_working_saturday_stays() -> None:
    # 10 October 2026 is a Saturday declared a working day (调休).
    assert calendar_days_deadline(date(2026, 9, 30), 10, OFFICIAL).due == date(2026, 10, 10)


def test_three_working_days_across_a_holiday_and_an_adjusted_saturday() -> None:
    # Assigned Wednesday 30 September: 1-7 October holiday; Thu 8, Fri 9, Sat 10 (调休).
    window = working_days_deadline(date(2026, 9, 30), 3, OFFICIAL)
    assert window.due == date(2026, 10, 10)


def test_three_working_days_over_a_plain_weekend() -> None:
    assert working_days_deadline(date(2026, 3, 5), 3, OFFICIAL).due == date(2026, 3, 10)


def test_deadline_in_an_unknown_year_is_provisional() -> None:
    deadline = calendar_days_deadline(date(2027, 9, 1), 30, OFFICIAL)
    assert deadline.provisional
    # Without 2027's schedule, 1-3 October 2027 (statutory holidays) still move it on, and so
    # do the days off in place of the two that fall on the weekend (补假: 4 and 5 October).
    assert deadline.due == date(2027, 10, 6)
    assert calendar_days_deadline(date(2026, 12, 20), 30, OFFICIAL).provisional


def test_a_loaded_schedule_takes_precedence_and_firms_up_deadlines() -> None:
    holidays = frozenset(date(2027, 10, d) for d in range(1, 8))
    loaded = OfficialCalendar(
        lambda year: (
            Schedule(2027, holidays, frozenset({date(2027, 10, 9)})) if year == 2027 else None
        )
    )
    deadline = calendar_days_deadline(date(2027, 9, 1), 30, loaded)
    assert not deadline.provisional
    assert deadline.due == date(2027, 10, 8)
    assert loaded.is_working_day(date(2027, 10, 9))  # a Saturday declared working


def test_period_ends_at_midnight_shanghai() -> None:
    deadline = calendar_days_deadline(date(2026, 3, 2), 30, OFFICIAL)
    assert deadline.ends_at() == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)
    assert not deadline.has_passed(datetime(2026, 4, 1, 15, 59, tzinfo=UTC))
    assert deadline.has_passed(datetime(2026, 4, 1, 16, 0, tzinfo=UTC))
    assert shanghai_date(datetime(2026, 4, 1, 16, 0, tzinfo=UTC)) == date(2026, 4, 2)


def test_extension_needs_both_sides_to_agree_on_the_same_days() -> None:
    case = mediating()
    assert case.period is not None
    due = case.period.due
    at = datetime(2026, 3, 10, tzinfo=UTC)
    assert not case.consent_to_extension(SideRole.APPLICANT, 10, OFFICIAL, SIDE, at)
    assert not case.consent_to_extension(SideRole.RESPONDENT, 15, OFFICIAL, SIDE, at)
    assert case.period.due == due
    assert case.consent_to_extension(SideRole.APPLICANT, 15, OFFICIAL, SIDE, at)
    assert case.period.due == calendar_days_deadline(due, 15, OFFICIAL).due
    assert case.extensions == 1
    granted = case.collect_events()[-1]
    assert type(granted).__name__ == "ExtensionGranted"
    assert set(granted.consented_sides) == {"applicant", "respondent"}  # type: ignore[attr-defined]


def test_an_extension_runs_from_the_moved_end_across_a_holiday() -> None:
    """CPL art. 85: a period ending on a rest day ends on the next working day, and that moved
    day is its end; an extension runs from the day after it. A 30-day period from 1 September
    2026 ends on 1 October, National Day, so on 8 October; 10 more days end on Sunday 18
    October, so on Monday 19 October (from the unmoved 1 October it would be 12 October)."""
    case = case_in(CaseState.ACCEPTED)
    at = datetime(2026, 9, 1, 2, tzinfo=UTC)
    case.refer(ReferralKind.PRE_FILING, None, "d", OFFICIAL, SYSTEM, at)
    case.assign_mediator("m", OFFICIAL, SYSTEM, at)
    case.accept_assignment("", OFFICIAL, Actor("m", Role.MEDIATOR, "C"), at)
    case.consent_to_mediation(SideRole.RESPONDENT, SIDE, at)
    assert case.period is not None and case.period.due == date(2026, 10, 8)
    later = datetime(2026, 9, 20, 2, tzinfo=UTC)
    case.consent_to_extension(SideRole.APPLICANT, 10, OFFICIAL, SIDE, later)
    assert case.consent_to_extension(SideRole.RESPONDENT, 10, OFFICIAL, SIDE, later)
    assert case.period.due == date(2026, 10, 19)
    # A schedule load recounts it from the same base and lands on the same day.
    assert not case.recompute_deadlines(OFFICIAL, SYSTEM, later)


def test_period_expiry_fails_the_case_exactly_once() -> None:
    case = mediating()
    assert case.period is not None
    before = case.period.ends_at() - timedelta(seconds=1)
    with pytest.raises(ActRefused) as refused:
        case.expire_period(SYSTEM, before)
    assert refused.value.rule == "period_running"
    case.expire_period(SYSTEM, case.period.ends_at())
    assert case.state == CaseState.FAILED and case.outcome_reason == "period_expired"
    with pytest.raises(ActRefused):
        case.expire_period(SYSTEM, case.period.ends_at() + timedelta(days=1))
    assert sum(type(e).__name__ == "MediationFailed" for e in case.collect_events()) == 1


def test_extension_refused_after_the_period_ended() -> None:
    case = mediating()
    assert case.period is not None
    with pytest.raises(ActRefused) as refused:
        case.consent_to_extension(SideRole.APPLICANT, 5, OFFICIAL, SIDE, case.period.ends_at())
    assert refused.value.rule == "period_expired"


def test_acceptance_window_lapses_only_after_it_ends() -> None:
    case = case_in(CaseState.ASSIGNED)
    window = case.acceptance_window
    assert window is not None and window.due == date(2026, 3, 5)
    with pytest.raises(ActRefused) as refused:
        case.lapse_assignment(SYSTEM, window.ends_at() - timedelta(minutes=1))
    assert refused.value.rule == "acceptance_window_open"
    late = window.ends_at()
    with pytest.raises(ActRefused) as too_late:
        case.accept_assignment("", OFFICIAL, Actor("mediator1", Role.MEDIATOR, "C"), late)
    assert too_late.value.rule == "acceptance_window_passed"
    case.lapse_assignment(SYSTEM, late)
    assert case.state == CaseState.REFERRED and case.mediator_id is None


def test_recomputing_deadlines_after_a_schedule_load() -> None:
    case = MediationCase(
        filing_number="n",
        filing=case_in(CaseState.FILED).filing,
        actor=SYSTEM,
        occurred_at=datetime(2027, 9, 1, 2, tzinfo=UTC),
    )
    at = datetime(2027, 9, 1, 2, tzinfo=UTC)
    case.accept(SYSTEM, at)

    case.refer(ReferralKind.PRE_FILING, None, "d", OFFICIAL, SYSTEM, at)
    case.assign_mediator("m", OFFICIAL, SYSTEM, at)
    case.accept_assignment("", OFFICIAL, Actor("m", Role.MEDIATOR, "C"), at)
    assert case.period is not None and case.period.provisional
    assert not case.recompute_deadlines(OFFICIAL, SYSTEM, at)
    holidays = frozenset(date(2027, 10, d) for d in range(1, 9))
    loaded = OfficialCalendar(
        lambda y: Schedule(2027, holidays, frozenset()) if y == 2027 else None
    )
    assert case.recompute_deadlines(loaded, SYSTEM, at)
    assert not case.period.provisional
    assert case.period.due == date(2027, 10, 11)  # 9, 10 October 2027 are a weekend


def test_a_letter_deadline_on_a_guessed_calendar_holds_the_certificate() -> None:
    """Nothing irreversible on a guess: a verification letter served on 28 December 2026 has
    its 7 days end in 2027, a year without a loaded schedule, so the certificate waits; the
    loaded schedule firms the deadline up and it is issued after it."""
    notary = Actor("notary1", Role.NOTARY, "N")
    at = datetime(2026, 12, 28, 2, tzinfo=UTC)
    matter = NotarialMatter(
        MatterType.ENFORCEMENT_CERTIFICATE, "银行", "x", False, False, "", "", uuid4(), notary, at
    )
    matter.check_eligibility(True, "", notary, at)
    matter.send_letter("0" * 64, notary, at)
    matter.record_letter_delivery(DeliveryMethod.PERSONAL, at, "", OFFICIAL, notary, at)
    assert matter.letter_deadline is not None and matter.letter_deadline.provisional
    later = datetime(2027, 1, 20, 2, tzinfo=UTC)
    with pytest.raises(ActRefused) as held:
        matter.check_issuable(later)
    assert held.value.rule == "provisional_deadline"
    loaded = OfficialCalendar(
        lambda y: Schedule(2027, frozenset({date(2027, 1, 1)}), frozenset()) if y == 2027 else None
    )
    assert matter.recompute_deadlines(loaded, SYSTEM, later)
    assert not matter.letter_deadline.provisional
    matter.check_issuable(later)
