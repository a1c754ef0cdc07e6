"""MediationCase: every act in every state, allowed where the state table says, refused elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from application.mediation_center.commands import filing_from, plan_from
from application.shared.calendar import OfficialCalendar
from domain.mediation.case_states import (
    CaseState,
    ClosingReason,
    FailureReason,
    ReferralKind,
    ServiceChannel,
)
from domain.mediation.case_values import Entrustment
from domain.mediation.mediation_case import MediationCase
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.filing import Channel, Procedure, SideRole
from tests.support.data import START, filing, plan

CALENDAR = OfficialCalendar(lambda year: None)
CENTER = Actor("admin", Role.CENTER_ADMIN, "C")
MEDIATOR = Actor("mediator1", Role.MEDIATOR, "C")
SIDE = Actor("party1", Role.PARTY, None)
T = START
PLAN = plan_from(plan(), 7, 30)

Step = Callable[[MediationCase, datetime], object]

STEPS: dict[str, Step] = {
    "accept": lambda c, t: c.accept(CENTER, t),
    "reject": lambda c, t: c.reject("材料不全", CENTER, t),
    "refer": lambda c, t: c.refer(
        ReferralKind.PRE_FILING, None, "(2026)X民诉前调1号", CALENDAR, CENTER, t
    ),
    "assign_mediator": lambda c, t: c.assign_mediator("mediator1", CALENDAR, CENTER, t),
    "accept_assignment": lambda c, t: c.accept_assignment("无", CALENDAR, MEDIATOR, t),
    "decline_assignment": lambda c, t: c.decline_assignment("回避", MEDIATOR, t),
    "consent_to_mediation": lambda c, t: c.consent_to_mediation(SideRole.RESPONDENT, SIDE, t),
    "refuse_mediation": lambda c, t: c.refuse_mediation(SideRole.RESPONDENT, "不同意", SIDE, t),
    "schedule_session": lambda c, t: c.schedule_session(t + timedelta(days=1), 60, MEDIATOR, t),
    "propose": lambda c, t: c.propose(SideRole.APPLICANT, PLAN, SIDE, t),
    "consent_to_extension": lambda c, t: c.consent_to_extension(
        SideRole.APPLICANT, 10, CALENDAR, SIDE, t
    ),
    "accept_proposal": lambda c, t: c.accept_proposal(
        len(c.proposals), SideRole.RESPONDENT, SIDE, t
    ),
    "draft_agreement": lambda c, t: c.draft_agreement(uuid4(), MEDIATOR, t),
    "agreement_took_effect": lambda c, t: c.agreement_took_effect(
        c.agreement_id or uuid4(), PLAN, MEDIATOR, t
    ),
    "declare_failure": lambda c, t: c.declare_failure(FailureReason.NO_AGREEMENT, "", MEDIATOR, t),
    "withdraw": lambda c, t: c.withdraw("和解", SIDE, t),
    "request_recusal": lambda c, t: c.request_recusal(SideRole.RESPONDENT, "亲属", SIDE, t),
    "close": lambda c, t: c.close(ClosingReason.FULFILLED, CENTER, t),
    "return_to_mediation": lambda c, t: c.return_to_mediation("不予确认", CENTER, t),
    "record_transfer": lambda c, t: c.record_transfer("(2026)渝0105民初1号", CENTER, t),
}

_MEDIATING = [
    "accept",
    "refer",
    "assign_mediator",
    "accept_assignment",
    "consent_to_mediation",
    "propose",
    "accept_proposal",
    "draft_agreement",
]
ROUTES: dict[CaseState, list[str]] = {
    CaseState.FILED: [],
    CaseState.ACCEPTED: ["accept"],
    CaseState.REJECTED: ["reject"],
    CaseState.REFERRED: ["accept", "refer"],
    CaseState.ASSIGNED: ["accept", "refer", "assign_mediator"],
    CaseState.AWAITING_CONSENT: ["accept", "refer", "assign_mediator", "accept_assignment"],
    CaseState.IN_MEDIATION: _MEDIATING,
    CaseState.SETTLED: [*_MEDIATING, "agreement_took_effect"],
    CaseState.FAILED: [*_MEDIATING, "declare_failure"],
    CaseState.TRANSFERRED: [*_MEDIATING, "declare_failure", "record_transfer"],
    CaseState.WITHDRAWN: ["withdraw"],
    CaseState.CLOSED: [*_MEDIATING, "agreement_took_effect", "close"],
}

S = CaseState
# The state table: where each act is allowed, and the state it leads to.
ALLOWED: dict[str, dict[CaseState, CaseState]] = {
    "accept": {S.FILED: S.ACCEPTED},
    "reject": {S.FILED: S.REJECTED},
    "refer": {S.ACCEPTED: S.REFERRED},
    "assign_mediator": {S.REFERRED: S.ASSIGNED},
    "accept_assignment": {S.ASSIGNED: S.AWAITING_CONSENT},
    "decline_assignment": {S.ASSIGNED: S.REFERRED},
    "consent_to_mediation": {S.AWAITING_CONSENT: S.IN_MEDIATION},
    "refuse_mediation": {S.AWAITING_CONSENT: S.FAILED},
    "schedule_session": {S.IN_MEDIATION: S.IN_MEDIATION},
    "propose": {S.IN_MEDIATION: S.IN_MEDIATION},
    "consent_to_extension": {S.IN_MEDIATION: S.IN_MEDIATION},
    "agreement_took_effect": {S.IN_MEDIATION: S.SETTLED},
    "draft_agreement": {S.IN_MEDIATION: S.IN_MEDIATION},
    "declare_failure": {S.IN_MEDIATION: S.FAILED},
    "withdraw": dict.fromkeys(
        (S.FILED, S.ACCEPTED, S.REFERRED, S.ASSIGNED, S.AWAITING_CONSENT, S.IN_MEDIATION),
        S.WITHDRAWN,
    ),
    "request_recusal": {s: s for s in (S.ASSIGNED, S.AWAITING_CONSENT, S.IN_MEDIATION)},
    "close": {S.SETTLED: S.CLOSED},
    "return_to_mediation": {S.SETTLED: S.IN_MEDIATION},
    "record_transfer": {S.FAILED: S.TRANSFERRED},
}


def mediating() -> MediationCase:
    """A case just in mediation: consented, no proposal yet."""
    case = case_in(CaseState.AWAITING_CONSENT)
    case.consent_to_mediation(SideRole.RESPONDENT, SIDE, T)
    return case


def entrusted(procedure: Procedure = Procedure.SUMMARY) -> MediationCase:
    """A case the court filed by entrusting its lawsuit (委托), just filed."""
    lawsuit = Entrustment(uuid4(), "COURT", uuid4(), "(2026)渝0105民初7号", procedure)
    return MediationCase(
        filing_number="(2026)X民调登2号",
        filing=replace(filing_from(filing()), channel=Channel.COURT_REFERRAL),
        actor=Actor("court-docketing", Role.SYSTEM, "COURT"),
        occurred_at=T,
        entrustment=lawsuit,
    )


def case_in(state: CaseState) -> MediationCase:
    case = MediationCase(
        filing_number="(2026)X民调登1号", filing=filing_from(filing()), actor=CENTER, occurred_at=T
    )
    for step in ROUTES[state]:
        STEPS[step](case, T)
    assert case.state == state
    return case


def in_litigation(procedure: Procedure = Procedure.SUMMARY) -> MediationCase:
    """An entrusted case accepted and referred in litigation."""
    case = entrusted(procedure)
    case.accept(CENTER, T)
    case.refer(ReferralKind.IN_LITIGATION, None, "d", CALENDAR, CENTER, T)
    return case


@pytest.mark.parametrize("act", sorted(ALLOWED))
@pytest.mark.parametrize("state", list(CaseState))
def test_every_act_in_every_state(act: str, state: CaseState) -> None:
    case = case_in(state)
    version = case.version
    if state in ALLOWED[act]:
        STEPS[act](case, T)
        assert case.state == ALLOWED[act][state]
        assert case.version == version + 1
    else:
        with pytest.raises(ActRefused) as refused:
            STEPS[act](case, T)
        assert refused.value.act == act
        assert refused.value.current_state == str(state)
        assert str(state) in str(refused.value)
        assert case.version == version  # nothing happened


def test_events_carry_actor_role_institution_and_time() -> None:
    case = mediating()
    for event in case.collect_events():
        assert event.occurred_at == T  # type: ignore[attr-defined]
        assert event.actor.role in set(Role)  # type: ignore[attr-defined]


def test_acceptance_by_mediator_moves_straight_to_mediation_once_all_consented() -> None:
    case = mediating()
    case.request_recusal(SideRole.RESPONDENT, "亲属关系", SIDE, T)
    case.grant_recusal(CENTER, T)
    assert case.state == CaseState.REFERRED and case.mediator_id is None
    case.assign_mediator("mediator2", CALENDAR, CENTER, T)
    case.accept_assignment("", CALENDAR, MEDIATOR, T)
    assert case.state == CaseState.IN_MEDIATION  # consents survive a change of mediator


def test_court_referral_needs_both_sides_consent() -> None:
    case = in_litigation()
    case.assign_mediator("mediator1", CALENDAR, CENTER, T)
    case.accept_assignment("", CALENDAR, MEDIATOR, T)
    case.consent_to_mediation(SideRole.RESPONDENT, SIDE, T)
    assert case.state == CaseState.AWAITING_CONSENT
    with pytest.raises(ActRefused, match="already consented"):
        case.consent_to_mediation(SideRole.RESPONDENT, SIDE, T)
    case.consent_to_mediation(SideRole.APPLICANT, SIDE, T)
    assert case.state == CaseState.IN_MEDIATION


def test_refusal_fails_with_consent_refused() -> None:
    case = case_in(CaseState.AWAITING_CONSENT)
    case.refuse_mediation(SideRole.RESPONDENT, "", SIDE, T)
    assert case.outcome_reason == FailureReason.CONSENT_REFUSED


def test_recusal_grant_and_denial_need_a_pending_request() -> None:
    case = mediating()
    with pytest.raises(ActRefused) as refused:
        case.grant_recusal(CENTER, T)
    assert refused.value.rule == "no_recusal_request"
    case.request_recusal(SideRole.RESPONDENT, "亲属", SIDE, T)
    with pytest.raises(ActRefused, match="already pending"):
        case.request_recusal(SideRole.APPLICANT, "又一次", SIDE, T)
    case.deny_recusal("无回避事由", CENTER, T)
    assert case.state == CaseState.IN_MEDIATION and case.recusal_requested_by is None


def test_proposals_counter_proposals_and_acceptance() -> None:
    case = mediating()
    first = case.propose(SideRole.APPLICANT, PLAN, SIDE, T)
    with pytest.raises(ActRefused, match="own proposal"):
        case.accept_proposal(first, SideRole.APPLICANT, SIDE, T)
    with pytest.raises(ActRefused, match="own proposal"):
        case.counter_propose(first, SideRole.APPLICANT, PLAN, SIDE, T)
    second = case.counter_propose(first, SideRole.RESPONDENT, PLAN, SIDE, T)
    with pytest.raises(ActRefused, match="superseded"):
        case.accept_proposal(first, SideRole.RESPONDENT, SIDE, T)
    with pytest.raises(InvalidValue) as missing:
        case.accept_proposal(9, SideRole.APPLICANT, SIDE, T)
    assert missing.value.field == "proposal"
    case.accept_proposal(second, SideRole.APPLICANT, SIDE, T)
    assert case.accepted_proposal == second
    assert [p.in_reply_to for p in case.proposals] == [None, first]


def test_plan_beyond_the_claim_is_refused() -> None:
    case = mediating()
    big = plan_from(plan(total=2_000_000), 7, 30)
    big = type(big)(**{**big.__dict__, "principal_fen": 10**9})
    with pytest.raises(ActRefused) as refused:
        case.propose(SideRole.APPLICANT, big, SIDE, T)
    assert refused.value.rule == "plan_exceeds_claim"


def test_session_must_be_in_the_future() -> None:
    case = mediating()
    with pytest.raises(InvalidValue) as error:
        case.schedule_session(T - timedelta(hours=1), 60, MEDIATOR, T)
    assert error.value.field == "starts_at"
    case.schedule_session(T + timedelta(days=2), 90, MEDIATOR, T)
    assert case.sessions[0].number == 1


def test_electronic_service_consent_checks_the_address_by_channel() -> None:
    case = case_in(CaseState.FILED)
    with pytest.raises(InvalidValue) as error:
        case.consent_to_electronic_service(
            SideRole.RESPONDENT, ServiceChannel.EMAIL, "nope", SIDE, T
        )
    assert error.value.field == "address"
    case.consent_to_electronic_service(
        SideRole.RESPONDENT, ServiceChannel.SMS, "13800138000", SIDE, T
    )
    assert case.service_addresses[SideRole.RESPONDENT].address == "13800138000"
    closed = case_in(CaseState.REJECTED)
    with pytest.raises(ActRefused):
        closed.consent_to_electronic_service(
            SideRole.RESPONDENT, ServiceChannel.SMS, "13800138000", SIDE, T
        )


def test_only_pre_filing_failures_transfer_to_the_court() -> None:
    case = in_litigation()
    case.assign_mediator("m", CALENDAR, CENTER, T)
    case.accept_assignment("", CALENDAR, MEDIATOR, T)
    assert case.period is not None and case.period.length == 7
    case.consent_to_mediation(SideRole.RESPONDENT, SIDE, T)
    case.consent_to_mediation(SideRole.APPLICANT, SIDE, T)
    case.declare_failure(FailureReason.NO_AGREEMENT, "", MEDIATOR, T)
    with pytest.raises(ActRefused) as refused:
        case.record_transfer("x", CENTER, T)
    assert refused.value.rule == "not_pre_filing"


@pytest.mark.parametrize(
    ("kind", "procedure", "days"),
    [
        (ReferralKind.PRE_FILING, None, 30),
        (ReferralKind.IN_LITIGATION, Procedure.ORDINARY, 15),
        (ReferralKind.IN_LITIGATION, Procedure.SUMMARY, 7),
    ],
)
def test_referral_periods(kind: ReferralKind, procedure: Procedure | None, days: int) -> None:
    """The period waits for the mediator: it starts at the first acceptance, with the length
    of the referral's kind (在线调解规则 art. 24(2); 特邀调解规定 art. 27(3))."""
    if kind is ReferralKind.IN_LITIGATION:
        assert procedure is not None
        case = entrusted(procedure)
        case.accept(CENTER, T)
    else:
        case = case_in(CaseState.ACCEPTED)
    case.refer(kind, procedure, "d", CALENDAR, CENTER, T)
    assert case.period is None and case.period_days == days
    case.assign_mediator("mediator1", CALENDAR, CENTER, T)
    accepted_at = T + timedelta(days=2)
    case.accept_assignment("", CALENDAR, MEDIATOR, accepted_at)
    assert case.period is not None
    assert case.period.length == days
    assert case.period.start == date(2026, 3, 4)


def test_a_period_waits_for_a_mediator_and_a_reassignment_does_not_restart_it() -> None:
    """The issue's case: a 7-day summary case whose assignment lapsed was reassigned; it
    cannot fail `period_expired` before any mediator accepted it, and a recusal afterwards
    leaves the period where the first acceptance put it."""
    case = in_litigation(Procedure.SUMMARY)
    case.assign_mediator("mediator1", CALENDAR, CENTER, T)
    assert case.acceptance_window is not None
    lapsed = case.acceptance_window.ends_at()
    case.lapse_assignment(CENTER, lapsed)
    later = lapsed + timedelta(days=10)
    with pytest.raises(ActRefused) as refused:
        case.expire_period(CENTER, later)
    assert refused.value.rule == "state"
    case.assign_mediator("mediator2", CALENDAR, CENTER, later)
    case.accept_assignment("", CALENDAR, MEDIATOR, later)
    period = case.period
    assert period is not None and period.start == later.date() and period.length == 7
    case.request_recusal(SideRole.RESPONDENT, "亲属", SIDE, later)
    case.grant_recusal(CENTER, later)
    case.assign_mediator("mediator1", CALENDAR, CENTER, later + timedelta(days=1))
    case.accept_assignment("", CALENDAR, MEDIATOR, later + timedelta(days=1))
    assert case.period == period  # not restarted
    with pytest.raises(ActRefused) as running:
        case.expire_period(CENTER, period.ends_at() - timedelta(minutes=1))
    assert running.value.rule == "period_running"
    case.expire_period(CENTER, period.ends_at())
    assert case.state == CaseState.FAILED


def test_only_what_the_court_entrusted_is_mediated_in_litigation() -> None:
    """The center refers in litigation only a lawsuit the court entrusted, by the court's
    trial procedure, and never refers an entrusted lawsuit pre-filing."""
    with pytest.raises(ActRefused) as refused:
        case_in(CaseState.ACCEPTED).refer(
            ReferralKind.IN_LITIGATION, Procedure.SUMMARY, "d", CALENDAR, CENTER, T
        )
    assert refused.value.rule == "not_entrusted"
    case = entrusted(Procedure.ORDINARY)
    case.accept(CENTER, T)
    with pytest.raises(ActRefused) as refused:
        case.refer(ReferralKind.PRE_FILING, None, "d", CALENDAR, CENTER, T)
    assert refused.value.rule == "entrusted"
    with pytest.raises(InvalidValue) as error:
        case.refer(ReferralKind.IN_LITIGATION, Procedure.SUMMARY, "d", CALENDAR, CENTER, T)
    assert error.value.field == "procedure"
    assert case.state == CaseState.ACCEPTED and case.version == 2
    case.refer(ReferralKind.IN_LITIGATION, None, "d", CALENDAR, CENTER, T)
    assert case.procedure == Procedure.ORDINARY and case.period_days == 15
    assert case.before_court


def test_referral_procedure_rules() -> None:
    with pytest.raises(InvalidValue):
        case_in(CaseState.ACCEPTED).refer(
            ReferralKind.PRE_FILING, Procedure.SUMMARY, "d", CALENDAR, CENTER, T
        )
