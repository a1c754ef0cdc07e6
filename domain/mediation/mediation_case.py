"""MediationCase: one dispute from filing to settlement, failure or withdrawal.

The state table of the domain spec (case_states.py) is the contract. Each public method checks
the act against the current state and the rules, then triggers one event; the decorated private
methods are the events' apply logic and run again on replay, so they only assign state.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import DomainEvent, event

from domain.mediation.case_states import (
    ACT_STATES,
    MEDIATION_PERIOD_DAYS,
    PERIOD_RUNNING_STATES,
    CaseState,
    ClosingReason,
    FailureReason,
    ReferralKind,
    ServiceChannel,
)
from domain.mediation.case_values import (
    CourtOutcome,
    Entrustment,
    Proposal,
    ServiceAddress,
    Session,
)
from domain.mediation.limitation import (
    GENERAL_YEARS,
    Limitation,
    LimitationStatus,
)
from domain.mediation.limitation import running as limitation_running
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.filing import Channel, Filing, Procedure, SideRole
from domain.shared.periods import (
    Deadline,
    WorkingCalendar,
    calendar_days_deadline,
    check_future,
    shanghai_date,
    working_days_deadline,
)
from domain.shared.text import check_text

ACCEPTANCE_WINDOW_WORKING_DAYS = 3
MAX_TEXT = 2_000
_UNACCEPTED = frozenset({CaseState.REFERRED, CaseState.ASSIGNED})
_PHONE = re.compile(r"^\+?\d{6,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _text(value: str, field: str, *, required: bool = True) -> str:
    return check_text(value, field, MAX_TEXT, required=required, multiline=True)


class MediationCase(Aggregate):
    """A dispute between an applicant and a respondent, mediated under a court-anchored period."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Filed: ClassVar[type[DomainEvent]]
        Accepted: ClassVar[type[DomainEvent]]
        Rejected: ClassVar[type[DomainEvent]]
        Referred: ClassVar[type[DomainEvent]]
        MediatorAssigned: ClassVar[type[DomainEvent]]
        AssignmentAccepted: ClassVar[type[DomainEvent]]
        AssignmentDeclined: ClassVar[type[DomainEvent]]
        AssignmentLapsed: ClassVar[type[DomainEvent]]
        MediationConsented: ClassVar[type[DomainEvent]]
        MediationRefused: ClassVar[type[DomainEvent]]
        ElectronicServiceConsented: ClassVar[type[DomainEvent]]
        SessionScheduled: ClassVar[type[DomainEvent]]
        Proposed: ClassVar[type[DomainEvent]]
        ProposalAccepted: ClassVar[type[DomainEvent]]
        ExtensionConsented: ClassVar[type[DomainEvent]]
        ExtensionGranted: ClassVar[type[DomainEvent]]
        AgreementDrafted: ClassVar[type[DomainEvent]]
        AgreementTookEffect: ClassVar[type[DomainEvent]]
        MediationFailed: ClassVar[type[DomainEvent]]
        Withdrawn: ClassVar[type[DomainEvent]]
        RecusalRequested: ClassVar[type[DomainEvent]]
        RecusalGranted: ClassVar[type[DomainEvent]]
        RecusalDenied: ClassVar[type[DomainEvent]]
        PartyLinked: ClassVar[type[DomainEvent]]
        Closed: ClassVar[type[DomainEvent]]
        ReturnedToMediation: ClassVar[type[DomainEvent]]
        Transferred: ClassVar[type[DomainEvent]]
        CourtOutcomeRecorded: ClassVar[type[DomainEvent]]
        CourtDocketRecorded: ClassVar[type[DomainEvent]]
        CourtApplicationRecorded: ClassVar[type[DomainEvent]]
        DeadlinesRecomputed: ClassVar[type[DomainEvent]]

    # The court's cases on this file (民特, ...); a class default, as files snapshotted before
    # dockets were recorded have none.
    court_dockets: tuple[str, ...] = ()
    court_applications: tuple[str, ...] = ()  # joint applications to the court, by id
    ended_on: date | None = None  # mediation ended without agreement (Shanghai date)
    # (side, account) of each consent to mediation; files from before it was kept have none.
    consents_given: tuple[tuple[str, str], ...] = ()
    # The day the assigned mediator first accepted: the mediation period runs from it. Files
    # snapshotted before this was kept have none (their period ran from the referral).
    period_started_on: date | None = None
    extension_days: tuple[int, ...] = ()  # the extensions granted, in order
    entrustment: Entrustment | None = None  # the court's lawsuit this case mediates

    @staticmethod
    def create_id(entrustment: Entrustment | None = None) -> UUID:
        return entrustment.case_id if entrustment is not None else uuid4()

    @event("Filed")
    def __init__(
        self,
        filing_number: str,
        filing: Filing,
        actor: Actor,
        occurred_at: datetime,
        entrustment: Entrustment | None = None,
    ) -> None:
        self.filing_number = filing_number
        self.filing = filing
        self.entrustment = entrustment
        self.filed_by = actor.actor_id
        self.filed_by_institution = actor.institution
        self.filed_at = occurred_at
        self.updated_at = occurred_at
        self.state = CaseState.FILED
        self.docket_number: str | None = None
        self.referral_kind: ReferralKind | None = None
        self.procedure: Procedure | None = None
        self.period: Deadline | None = None
        self.mediator_id: str | None = None
        self.acceptance_window: Deadline | None = None
        self.disclosure: str | None = None
        # An applicant consents by filing, except on a court referral where each side consents.
        self.consents: dict[str, bool] = (
            {} if filing.channel == Channel.COURT_REFERRAL else {SideRole.APPLICANT: True}
        )
        self.service_addresses: dict[str, ServiceAddress] = {}
        self.party_links: dict[str, str] = {}  # user id -> side
        self.sessions: list[Session] = []
        self.proposals: list[Proposal] = []
        self.accepted_proposal: int | None = None
        self.extension_consents: dict[str, int] = {}  # side -> extra days consented
        self.extensions: int = 0
        self.recusal_requested_by: str | None = None
        self.agreed_plan: RepaymentPlan | None = None
        self.agreement_id: UUID | None = None
        self.outcome_reason: str | None = None
        self.court_docket_number: str | None = None
        self.court_outcomes: list[CourtOutcome] = []

    # --- helpers -------------------------------------------------------------------------

    def _require(self, act: str) -> None:
        if self.state not in ACT_STATES[act]:
            raise ActRefused(act, str(self.state), "state")

    def acts_now(self) -> list[str]:
        """The acts the state table allows now (who may do them is the access table's)."""
        return [act for act, states in ACT_STATES.items() if self.state in states]

    def consented_by(self, side: SideRole) -> str | None:
        """The account that gave this side's consent, if it was kept."""
        return dict(self.consents_given).get(side)

    def pending_consents(self) -> list[SideRole]:
        return [role for role in SideRole if not self.consents.get(role)]

    # --- center: acceptance, referral, assignment ---------------------------------------

    def accept(self, actor: Actor, at: datetime) -> None:
        self._require("accept")
        self._accepted(actor=actor, occurred_at=at)

    @event("Accepted")
    def _accepted(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.ACCEPTED
        self.updated_at = occurred_at

    def reject(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("reject")
        self._rejected(reason=_text(reason, "reason"), actor=actor, occurred_at=at)

    @event("Rejected")
    def _rejected(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.REJECTED
        self.outcome_reason = reason
        self.ended_on = shanghai_date(occurred_at)
        self.updated_at = occurred_at

    def refer(
        self,
        kind: ReferralKind,
        procedure: Procedure | None,
        docket_number: str,
        calendar: WorkingCalendar,
        actor: Actor,
        at: datetime,
    ) -> None:
        self._require("refer")
        entrusted = self.entrustment
        if kind is ReferralKind.IN_LITIGATION and entrusted is None:
            raise self._refuse(
                "refer", "not_entrusted", "only a lawsuit the court entrusted is mediated in it"
            )
        if kind is ReferralKind.PRE_FILING and entrusted is not None:
            raise self._refuse(
                "refer", "entrusted", "the court entrusted its lawsuit: it is mediated in it"
            )
        if entrusted is not None:
            if procedure not in (None, entrusted.procedure):
                raise InvalidValue(
                    "procedure",
                    "the court tries this case by {procedure} procedure",
                    procedure=entrusted.procedure,
                )
            procedure = entrusted.procedure
        if kind is ReferralKind.IN_LITIGATION and procedure is None:
            raise InvalidValue("procedure", "in-litigation referral needs ordinary or summary")
        if kind is ReferralKind.PRE_FILING and procedure is not None:
            raise InvalidValue("procedure", "a pre-filing referral has no procedure")
        self._referred(
            kind=kind,
            procedure=procedure,
            docket_number=docket_number,
            period=None,
            actor=actor,
            occurred_at=at,
        )

    @event("Referred")
    def _referred(
        self,
        kind: ReferralKind,
        procedure: Procedure | None,
        docket_number: str,
        period: Deadline | None,  # None: the period starts at the mediator's acceptance (older
        actor: Actor,  # referrals started it here; a schedule load corrects them)
        occurred_at: datetime,
    ) -> None:
        self.state = CaseState.REFERRED
        self.referral_kind = kind
        self.procedure = procedure
        self.docket_number = docket_number
        self.period = period
        self.updated_at = occurred_at

    @property
    def period_days(self) -> int | None:
        """The mediation period's length for the referral's kind and procedure."""
        if self.referral_kind is None:
            return None
        return MEDIATION_PERIOD_DAYS[(self.referral_kind, self.procedure)]

    def assign_mediator(
        self, mediator_id: str, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> None:
        self._require("assign_mediator")
        window = working_days_deadline(shanghai_date(at), ACCEPTANCE_WINDOW_WORKING_DAYS, calendar)
        self._mediator_assigned(
            mediator_id=mediator_id, acceptance_window=window, actor=actor, occurred_at=at
        )

    @event("MediatorAssigned")
    def _mediator_assigned(
        self, mediator_id: str, acceptance_window: Deadline, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = CaseState.ASSIGNED
        self.mediator_id = mediator_id
        self.acceptance_window = acceptance_window
        self.disclosure = None
        self.updated_at = occurred_at

    # --- mediator: acceptance of the assignment -----------------------------------------

    def accept_assignment(
        self, disclosure: str, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> None:
        """The mediator takes the case; the first acceptance starts the mediation period
        (在线调解规则 art. 24(2); 特邀调解规定 art. 27(3)), a later one after a recusal does not
        restart it."""
        self._require("accept_assignment")
        assert self.acceptance_window is not None
        if self.acceptance_window.has_passed(at):
            raise self._refuse(
                "accept_assignment",
                "acceptance_window_passed",
                "the acceptance window ended on {due}",
                due=self.acceptance_window.due,
            )
        all_consented = not self.pending_consents()
        started = self.period_started_on is not None or self.period is not None
        days = self.period_days
        assert days is not None  # a case is referred before it is assigned
        self._assignment_accepted(
            disclosure=_text(disclosure, "disclosure", required=False),
            next_state=CaseState.IN_MEDIATION if all_consented else CaseState.AWAITING_CONSENT,
            period=None if started else calendar_days_deadline(shanghai_date(at), days, calendar),
            actor=actor,
            occurred_at=at,
        )

    @event("AssignmentAccepted")
    def _assignment_accepted(
        self,
        disclosure: str,
        next_state: CaseState,
        actor: Actor,
        occurred_at: datetime,
        period: Deadline | None = None,  # the first acceptance's (older events carry none)
    ) -> None:
        self.state = next_state
        self.disclosure = disclosure
        self.acceptance_window = None
        if self.period_started_on is None:
            self.period_started_on = shanghai_date(occurred_at)
        if period is not None:
            self.period = period
        self.updated_at = occurred_at

    def decline_assignment(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("decline_assignment")
        self._assignment_declined(reason=_text(reason, "reason"), actor=actor, occurred_at=at)

    @event("AssignmentDeclined")
    def _assignment_declined(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self._back_to_referred(occurred_at)

    def lapse_assignment(self, actor: Actor, at: datetime) -> None:
        self._require("lapse_assignment")
        assert self.acceptance_window is not None
        if not self.acceptance_window.has_passed(at):
            raise self._refuse(
                "lapse_assignment",
                "acceptance_window_open",
                "the acceptance window runs until {due}",
                due=self.acceptance_window.due,
            )
        self._assignment_lapsed(actor=actor, occurred_at=at)

    @event("AssignmentLapsed")
    def _assignment_lapsed(self, actor: Actor, occurred_at: datetime) -> None:
        self._back_to_referred(occurred_at)

    def _back_to_referred(self, occurred_at: datetime) -> None:
        self.state = CaseState.REFERRED
        self.mediator_id = None
        self.acceptance_window = None
        self.disclosure = None
        self.recusal_requested_by = None
        self.updated_at = occurred_at

    # --- sides: consent ------------------------------------------------------------------

    def consent_to_mediation(self, side: SideRole, actor: Actor, at: datetime) -> None:
        self._require("consent_to_mediation")
        if self.consents.get(side):
            raise self._refuse(
                "consent_to_mediation",
                "already_consented",
                "the {side} side already consented",
                side=side,
            )
        remaining = [role for role in self.pending_consents() if role != side]
        self._mediation_consented(
            side=side,
            next_state=CaseState.AWAITING_CONSENT if remaining else CaseState.IN_MEDIATION,
            actor=actor,
            occurred_at=at,
        )

    @event("MediationConsented")
    def _mediation_consented(
        self, side: SideRole, next_state: CaseState, actor: Actor, occurred_at: datetime
    ) -> None:
        self.consents[side] = True
        self.consents_given = (*self.consents_given, (side, actor.actor_id))
        self.state = next_state
        self.updated_at = occurred_at

    def refuse_mediation(self, side: SideRole, reason: str, actor: Actor, at: datetime) -> None:
        self._require("refuse_mediation")
        self._mediation_refused(
            side=side, reason=_text(reason, "reason", required=False), actor=actor, occurred_at=at
        )

    @event("MediationRefused")
    def _mediation_refused(
        self, side: SideRole, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = CaseState.FAILED
        self.outcome_reason = FailureReason.CONSENT_REFUSED
        self.ended_on = shanghai_date(occurred_at)
        self.updated_at = occurred_at

    def consent_to_electronic_service(
        self, side: SideRole, channel: ServiceChannel, address: str, actor: Actor, at: datetime
    ) -> None:
        self._require("consent_to_electronic_service")
        clean = address.strip()
        pattern = _PHONE if channel is ServiceChannel.SMS else _EMAIL
        if not pattern.match(clean):
            raise InvalidValue("address", "is not a valid {channel} address", channel=channel)
        self._electronic_service_consented(
            side=side, channel=channel, address=clean, actor=actor, occurred_at=at
        )

    @event("ElectronicServiceConsented")
    def _electronic_service_consented(
        self,
        side: SideRole,
        channel: ServiceChannel,
        address: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.service_addresses[side] = ServiceAddress(channel, address, actor.actor_id, occurred_at)
        self.updated_at = occurred_at

    # --- mediation ----------------------------------------------------------------------

    def schedule_session(
        self, starts_at: datetime, duration_minutes: int, actor: Actor, at: datetime
    ) -> None:
        self._require("schedule_session")
        check_future(starts_at, at, "starts_at")
        if not 5 <= duration_minutes <= 480:
            raise InvalidValue("duration_minutes", "must be between 5 and 480")
        self._session_scheduled(
            number=len(self.sessions) + 1,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            actor=actor,
            occurred_at=at,
        )

    @event("SessionScheduled")
    def _session_scheduled(
        self,
        number: int,
        starts_at: datetime,
        duration_minutes: int,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.sessions.append(Session(number, starts_at, duration_minutes))
        self.updated_at = occurred_at

    def _check_plan(self, act: str, plan: RepaymentPlan) -> None:
        claim = self.filing.claim
        if plan.principal_fen > claim.principal_fen:
            raise self._refuse(
                act, "plan_exceeds_claim", "the plan's principal exceeds the claimed principal"
            )

    def propose(
        self, side: SideRole | None, plan: RepaymentPlan, actor: Actor, at: datetime
    ) -> int:
        self._require("propose")
        self._check_plan("propose", plan)
        number = len(self.proposals) + 1
        self._proposed(
            number=number, side=side, plan=plan, in_reply_to=None, actor=actor, occurred_at=at
        )
        return number

    def counter_propose(
        self,
        in_reply_to: int,
        side: SideRole,
        plan: RepaymentPlan,
        actor: Actor,
        at: datetime,
    ) -> int:
        self._require("counter_propose")
        original = self.proposal(in_reply_to, "counter_propose")
        if original.side == side:
            raise self._refuse(
                "counter_propose", "own_proposal", "a side cannot counter its own proposal"
            )
        self._check_plan("counter_propose", plan)
        number = len(self.proposals) + 1
        self._proposed(
            number=number,
            side=side,
            plan=plan,
            in_reply_to=in_reply_to,
            actor=actor,
            occurred_at=at,
        )
        return number

    @event("Proposed")
    def _proposed(
        self,
        number: int,
        side: SideRole | None,
        plan: RepaymentPlan,
        in_reply_to: int | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.proposals.append(
            Proposal(number, side, plan, in_reply_to, actor.actor_id, occurred_at)
        )
        self.accepted_proposal = None
        self.updated_at = occurred_at

    def proposal(self, number: int, act: str) -> Proposal:
        if not 1 <= number <= len(self.proposals):
            raise InvalidValue("proposal", "there is no proposal {number}", number=number)
        if number != len(self.proposals):
            raise self._refuse(
                act, "superseded", "proposal {number} has been superseded", number=number
            )
        return self.proposals[number - 1]

    def accept_proposal(self, number: int, side: SideRole, actor: Actor, at: datetime) -> None:
        self._require("accept_proposal")
        proposal = self.proposal(number, "accept_proposal")
        if proposal.side == side:
            raise self._refuse(
                "accept_proposal", "own_proposal", "a side cannot accept its own proposal"
            )
        self._proposal_accepted(number=number, side=side, actor=actor, occurred_at=at)

    @event("ProposalAccepted")
    def _proposal_accepted(
        self, number: int, side: SideRole, actor: Actor, occurred_at: datetime
    ) -> None:
        self.accepted_proposal = number
        self.updated_at = occurred_at

    def consent_to_extension(
        self, side: SideRole, days: int, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> bool:
        """Record one side's consent; the period is extended once both sides agree on `days`.
        The extension runs from the day after the period's end as already moved off rest days
        (CPL art. 85: a period ends on the moved day), and is itself moved if it ends on one."""
        self._require("consent_to_extension")
        if isinstance(days, bool) or not 1 <= days <= 90:
            raise InvalidValue("days", "must be between 1 and 90")
        assert self.period is not None
        if self.period.has_passed(at):
            raise self._refuse(
                "consent_to_extension", "period_expired", "the mediation period has ended"
            )
        other = side.other
        if self.extension_consents.get(other) == days:
            new_period = calendar_days_deadline(self.period.due, days, calendar)
            self._extension_granted(
                days=days,
                consented_sides=[other, side],
                period=new_period,
                actor=actor,
                occurred_at=at,
            )
            return True
        self._extension_consented(side=side, days=days, actor=actor, occurred_at=at)
        return False

    @event("ExtensionConsented")
    def _extension_consented(
        self, side: SideRole, days: int, actor: Actor, occurred_at: datetime
    ) -> None:
        self.extension_consents[side] = days
        self.updated_at = occurred_at

    @event("ExtensionGranted")
    def _extension_granted(
        self,
        days: int,
        consented_sides: list[SideRole],
        period: Deadline,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.period = period
        self.extensions += 1
        self.extension_days = (*self.extension_days, days)
        self.extension_consents = {}
        self.updated_at = occurred_at

    def agreement_basis(self) -> Proposal:
        """The accepted proposal an agreement is drafted from, if the case is ready for one."""
        self._require("draft_agreement")
        if self.accepted_proposal is None:
            raise self._refuse(
                "draft_agreement", "no_accepted_proposal", "no proposal has been accepted yet"
            )
        return self.proposals[self.accepted_proposal - 1]

    def draft_agreement(self, agreement_id: UUID, actor: Actor, at: datetime) -> None:
        """Note a new agreement draft made from the accepted proposal."""
        proposal = self.agreement_basis()
        self._agreement_drafted(
            agreement_id=agreement_id, proposal=proposal.number, actor=actor, occurred_at=at
        )

    @event("AgreementDrafted")
    def _agreement_drafted(
        self, agreement_id: UUID, proposal: int, actor: Actor, occurred_at: datetime
    ) -> None:
        self.agreement_id = agreement_id
        self.updated_at = occurred_at

    def agreement_took_effect(
        self, agreement_id: UUID, plan: RepaymentPlan, actor: Actor, at: datetime
    ) -> None:
        """The last signature on the current draft: the case is settled."""
        self._require("agreement_took_effect")
        if agreement_id != self.agreement_id:
            raise self._refuse(
                "agreement_took_effect", "not_current_draft", "that draft has been superseded"
            )
        self._agreement_took_effect(
            agreement_id=agreement_id, plan=plan, actor=actor, occurred_at=at
        )

    @event("AgreementTookEffect")
    def _agreement_took_effect(
        self, agreement_id: UUID, plan: RepaymentPlan, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = CaseState.SETTLED
        self.agreed_plan = plan
        self.updated_at = occurred_at

    def declare_failure(self, reason: FailureReason, note: str, actor: Actor, at: datetime) -> None:
        self._require("declare_failure")
        if reason in (FailureReason.PERIOD_EXPIRED, FailureReason.CONSENT_REFUSED):
            raise InvalidValue("reason", "'{reason}' is recorded by its own act", reason=reason)
        self._failed(
            reason=reason, note=_text(note, "note", required=False), actor=actor, occurred_at=at
        )

    def expire_period(self, actor: Actor, at: datetime) -> None:
        self._require("expire_period")
        if self.period is None:
            raise self._refuse(
                "expire_period", "period_not_started", "no mediator has accepted the case yet"
            )
        if not self.period.has_passed(at):
            raise self._refuse(
                "expire_period",
                "period_running",
                "the mediation period runs until {due}",
                due=self.period.due,
            )
        self._failed(reason=FailureReason.PERIOD_EXPIRED, note="", actor=actor, occurred_at=at)

    @event("MediationFailed")
    def _failed(
        self, reason: FailureReason, note: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = CaseState.FAILED
        self.outcome_reason = reason
        self.acceptance_window = None
        self.ended_on = shanghai_date(occurred_at)
        self.updated_at = occurred_at

    # --- withdrawal, recusal, links ------------------------------------------------------

    def withdraw(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("withdraw")
        self._withdrawn(reason=_text(reason, "reason", required=False), actor=actor, occurred_at=at)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.WITHDRAWN
        self.outcome_reason = reason
        self.acceptance_window = None
        self.ended_on = shanghai_date(occurred_at)
        self.updated_at = occurred_at

    def request_recusal(self, side: SideRole, reason: str, actor: Actor, at: datetime) -> None:
        self._require("request_recusal")
        if self.recusal_requested_by is not None:
            raise self._refuse(
                "request_recusal", "recusal_pending", "a recusal request is already pending"
            )
        self._recusal_requested(
            side=side, reason=_text(reason, "reason"), actor=actor, occurred_at=at
        )

    @event("RecusalRequested")
    def _recusal_requested(
        self, side: SideRole, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.recusal_requested_by = side
        self.updated_at = occurred_at

    def grant_recusal(self, actor: Actor, at: datetime) -> None:
        self._require("grant_recusal")
        self._require_recusal_pending("grant_recusal")
        self._recusal_granted(mediator_id=self.mediator_id, actor=actor, occurred_at=at)

    @event("RecusalGranted")
    def _recusal_granted(
        self, mediator_id: str | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self._back_to_referred(occurred_at)

    def deny_recusal(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("deny_recusal")
        self._require_recusal_pending("deny_recusal")
        self._recusal_denied(reason=_text(reason, "reason"), actor=actor, occurred_at=at)

    @event("RecusalDenied")
    def _recusal_denied(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.recusal_requested_by = None
        self.updated_at = occurred_at

    def _require_recusal_pending(self, act: str) -> None:
        if self.recusal_requested_by is None:
            raise self._refuse(act, "no_recusal_request", "no recusal request is pending")

    def link_party(
        self, side: SideRole, user_id: str, authorization: str, actor: Actor, at: datetime
    ) -> None:
        self._require("link_party")
        if user_id in self.party_links:
            raise self._refuse("link_party", "already_linked", "the account is already linked")
        self._party_linked(
            side=side,
            user_id=user_id,
            authorization=_text(authorization, "authorization"),
            actor=actor,
            occurred_at=at,
        )

    @event("PartyLinked")
    def _party_linked(
        self, side: SideRole, user_id: str, authorization: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.party_links[user_id] = side
        self.updated_at = occurred_at

    # --- after mediation -----------------------------------------------------------------

    def close(self, reason: ClosingReason, actor: Actor, at: datetime) -> None:
        self._require("close")
        self._closed(reason=reason, actor=actor, occurred_at=at)

    @event("Closed")
    def _closed(self, reason: ClosingReason, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.CLOSED
        self.outcome_reason = reason
        self.updated_at = occurred_at

    def return_to_mediation(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("return_to_mediation")
        self._returned_to_mediation(reason=_text(reason, "reason"), actor=actor, occurred_at=at)

    @event("ReturnedToMediation")
    def _returned_to_mediation(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.IN_MEDIATION
        self.agreed_plan = None
        self.agreement_id = None
        self.ended_on = None
        self.accepted_proposal = None
        self.updated_at = occurred_at

    def record_transfer(self, court_docket_number: str, actor: Actor, at: datetime) -> None:
        self._require("record_transfer")
        if self.referral_kind != ReferralKind.PRE_FILING:
            raise self._refuse(
                "record_transfer",
                "not_pre_filing",
                "only a failed pre-filing mediation is transferred to the court",
            )
        self._transferred(
            court_docket_number=_text(court_docket_number, "court_docket_number"),
            actor=actor,
            occurred_at=at,
        )

    @event("Transferred")
    def _transferred(self, court_docket_number: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = CaseState.TRANSFERRED
        self.court_docket_number = court_docket_number
        self.updated_at = occurred_at

    def record_court_outcome(self, outcome: CourtOutcome, actor: Actor, at: datetime) -> None:
        """The court's decision shows on the mediation file, once."""
        if outcome in self.court_outcomes:
            raise self._refuse(
                "record_court_outcome", "already_recorded", "the outcome is already recorded"
            )
        self._court_outcome_recorded(outcome=outcome, actor=actor, occurred_at=at)

    @event("CourtOutcomeRecorded")
    def _court_outcome_recorded(
        self, outcome: CourtOutcome, actor: Actor, occurred_at: datetime
    ) -> None:
        self.court_outcomes = [*self.court_outcomes, outcome]
        self.updated_at = occurred_at

    def record_court_docket(self, docket_number: str, actor: Actor, at: datetime) -> None:
        """The court docketed a case on this file (an accepted application for
        confirmation), once: from then on the case is before the court."""
        if docket_number in self.court_dockets:
            raise self._refuse(
                "record_court_docket", "already_recorded", "the docket is already recorded"
            )
        self._court_docket_recorded(
            docket_number=_text(docket_number, "docket_number"), actor=actor, occurred_at=at
        )

    @event("CourtDocketRecorded")
    def _court_docket_recorded(
        self, docket_number: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.court_dockets = (*self.court_dockets, docket_number)
        self.updated_at = occurred_at

    def record_court_application(self, confirmation_id: UUID, actor: Actor, at: datetime) -> None:
        """Both sides applied to the court for confirmation: the court reads the file to
        decide whether to accept (its 民特 number comes with the acceptance), once."""
        if str(confirmation_id) in self.court_applications:
            raise self._refuse(
                "record_court_application", "already_recorded", "the application is recorded"
            )
        self._court_application_recorded(
            confirmation_id=confirmation_id, actor=actor, occurred_at=at
        )

    @event("CourtApplicationRecorded")
    def _court_application_recorded(
        self, confirmation_id: UUID, actor: Actor, occurred_at: datetime
    ) -> None:
        self.court_applications = (*self.court_applications, str(confirmation_id))
        self.updated_at = occurred_at

    def limitation(self, today: date, calendar: WorkingCalendar) -> Limitation:
        """The limitation as the filing's dates and the mediation show it: time-barred
        already at filing; interrupted while the mediation is pending; running again from the
        day it ended without agreement; under an agreement, from its last instalment."""
        filing = self.filing
        given = [d for d in (filing.knew_default_on, filing.last_interruption_on) if d]
        filed_on = shanghai_date(self.filed_at)
        if given:
            at_filing = limitation_running(max(given), GENERAL_YEARS, filed_on, calendar)
            if at_filing.status is LimitationStatus.EXPIRED:
                return at_filing
        if self.agreed_plan is not None:
            last_due = self.agreed_plan.instalments[-1].due_date
            return limitation_running(last_due, GENERAL_YEARS, today, calendar)
        if self.ended_on is not None:
            return limitation_running(self.ended_on, GENERAL_YEARS, today, calendar)
        return Limitation(LimitationStatus.INTERRUPTED, filed_on, None)

    @property
    def before_court(self) -> bool:
        """The court has this file: it entrusted the case, docketed it on transfer or on an
        application, or decided on it; a failed pre-filing mediation is on its way there by
        itself. (The center's own 诉前调 number does not count.)"""
        return bool(
            self.referral_kind == ReferralKind.IN_LITIGATION
            or self.entrustment is not None
            or (self.state == CaseState.FAILED and self.referral_kind == ReferralKind.PRE_FILING)
            or self.filing.channel == Channel.COURT_REFERRAL
            or self.court_docket_number
            or self.court_dockets
            or self.court_applications
            or self.court_outcomes
        )

    # --- deadlines ----------------------------------------------------------------------

    def recompute_deadlines(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> bool:
        """Apply a newly loaded official schedule; True when a deadline moved or firmed up.

        The mediation period is counted again from its own base: the first acceptance, then
        each extension from the end before it as moved off rest days (CPL art. 85: a period
        ends on the moved day, and the next runs from there). A period an older referral
        started before any mediator accepted is corrected the same way: not yet running, or
        running from the acceptance."""
        period = self._period_from_base(calendar)
        window = self.acceptance_window.recomputed(calendar) if self.acceptance_window else None
        if (period, window) == (self.period, self.acceptance_window):
            return False
        self._deadlines_recomputed(
            period=period, acceptance_window=window, actor=actor, occurred_at=at
        )
        return True

    def _period_from_base(self, calendar: WorkingCalendar) -> Deadline | None:
        days = self.period_days
        if days is None or self.state not in PERIOD_RUNNING_STATES:
            return self.period  # not referred, or ended: what was recorded stays
        if self.period_started_on is None:
            # Not accepted yet, or accepted before the acceptance day was kept (a snapshot
            # of an older file): nothing to count from but what was recorded.
            return None if self.state in _UNACCEPTED else self.period
        period = calendar_days_deadline(self.period_started_on, days, calendar)
        for extension in self.extension_days:
            period = calendar_days_deadline(period.due, extension, calendar)
        return period

    @event("DeadlinesRecomputed")
    def _deadlines_recomputed(
        self,
        period: Deadline | None,
        acceptance_window: Deadline | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.period = period
        self.acceptance_window = acceptance_window
