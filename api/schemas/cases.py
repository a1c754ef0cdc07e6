"""What the API answers: msgspec Structs built from aggregates and read-model rows.

ID numbers and phone numbers are masked in every view.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.court.litigation_case import LitigationCase
from domain.mediation.limitation import Limitation
from domain.mediation.mediation_case import MediationCase
from domain.shared.identity import mask_id_number, mask_phone
from domain.shared.periods import Deadline, WorkingCalendar, shanghai_date


class SideOut(msgspec.Struct):
    kind: str
    name: str
    id_number: str | None
    org_code: str | None
    phone: str
    email: str | None
    address: str | None


class ClaimOut(msgspec.Struct):
    principal_fen: int
    interest_fen: int
    fees_fen: int
    total_fen: int


class DeadlineOut(msgspec.Struct):
    kind: str
    start: date
    days: int
    due: date
    ends_at: datetime
    provisional: bool
    days_left: int
    overdue: bool


class ServiceAddressOut(msgspec.Struct):
    channel: str
    address: str
    consented_at: datetime


class ProposalOut(msgspec.Struct):
    number: int
    side: str | None
    in_reply_to: int | None
    proposed_by: str
    proposed_at: datetime
    plan: dict[str, Any]


class SessionOut(msgspec.Struct):
    number: int
    starts_at: datetime
    duration_minutes: int


class CourtOutcomeOut(msgspec.Struct):
    kind: str
    docket_number: str
    outcome: str
    reason: str
    decided_at: datetime


class LimitationOut(msgspec.Struct):
    """The limitation (诉讼时效) as the filing's dates and the mediation show it: `expired`
    means the claim looks time-barred (a warning: the court decides)."""

    status: str  # running | interrupted | expired
    runs_from: date | None
    ends_on: date | None


class CaseOut(msgspec.Struct):
    id: UUID
    version: int
    filing_number: str
    docket_number: str | None
    state: str
    dispute_type: str
    channel: str
    applicant: SideOut
    respondent: SideOut
    claim: ClaimOut
    facts: str
    filed_by: str
    filed_at: datetime
    updated_at: datetime
    referral_kind: str | None
    procedure: str | None
    mediator_id: str | None
    disclosure: str | None
    mediation_period: DeadlineOut | None
    acceptance_window: DeadlineOut | None
    consents: dict[str, bool]
    electronic_service: dict[str, ServiceAddressOut]
    sessions: list[SessionOut]
    proposals: list[ProposalOut]
    accepted_proposal: int | None
    extensions: int
    recusal_requested_by: str | None
    agreed_plan: dict[str, Any] | None
    agreement_id: UUID | None
    litigation_id: UUID | None
    outcome_reason: str | None
    court_docket_number: str | None
    court_outcomes: list[CourtOutcomeOut]
    limitation: LimitationOut
    knew_default_on: date | None = None
    last_interruption_on: date | None = None
    # The court's lawsuit (民初) that entrusted this case, mediated in litigation (委托).
    entrusted_by: str | None = None


class CaseSummary(msgspec.Struct):
    id: UUID
    filing_number: str
    docket_number: str | None
    state: str
    dispute_type: str
    applicant_name: str
    applicant_code: str | None
    respondent_name: str
    claim_total_fen: int
    mediator_id: str | None
    deadline_due: date | None
    deadline_provisional: bool | None
    filed_at: datetime
    updated_at: datetime


class CasePageOut(msgspec.Struct):
    items: list[CaseSummary]
    next_cursor: str | None
    total: int = 0  # every case the filters match


class FiledOut(msgspec.Struct):
    id: UUID
    filing_number: str


class BulkFiledOut(msgspec.Struct):
    count: int
    cases: list[FiledOut]


class ActorOut(msgspec.Struct):
    actor_id: str
    role: str
    institution: str | None


class EventOut(msgspec.Struct):
    version: int
    type: str
    occurred_at: datetime | None
    actor: ActorOut | None
    data: dict[str, Any]


def _mask_address(channel: str, address: str) -> str:
    if channel == "sms":
        return mask_phone(address)
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


def side_out(side: Any) -> SideOut:
    return SideOut(
        kind=str(side.kind),
        name=side.name,
        id_number=mask_id_number(side.id_number) if side.id_number else None,
        org_code=side.org_code,
        phone=mask_phone(side.phone),
        email=side.email,
        address=side.address,
    )


def deadline_out(deadline: Deadline | None, now: datetime) -> DeadlineOut | None:
    if deadline is None:
        return None
    return DeadlineOut(
        kind=str(deadline.kind),
        start=deadline.start,
        days=deadline.length,
        due=deadline.due,
        ends_at=deadline.ends_at(),
        provisional=deadline.provisional,
        days_left=deadline.days_left(now),
        overdue=deadline.has_passed(now),
    )


def case_out(case: MediationCase, now: datetime, calendar: WorkingCalendar) -> CaseOut:
    filing = case.filing
    claim = filing.claim
    return CaseOut(
        id=case.id,
        version=case.version,
        filing_number=case.filing_number,
        docket_number=case.docket_number,
        state=str(case.state),
        dispute_type=str(filing.dispute_type),
        channel=str(filing.channel),
        applicant=side_out(filing.applicant),
        respondent=side_out(filing.respondent),
        claim=ClaimOut(claim.principal_fen, claim.interest_fen, claim.fees_fen, claim.total_fen),
        facts=filing.facts,
        filed_by=case.filed_by,
        filed_at=case.filed_at,
        updated_at=case.updated_at,
        referral_kind=str(case.referral_kind) if case.referral_kind else None,
        procedure=str(case.procedure) if case.procedure else None,
        mediator_id=case.mediator_id,
        disclosure=case.disclosure,
        mediation_period=deadline_out(case.period, now),
        acceptance_window=deadline_out(case.acceptance_window, now),
        consents={str(k): v for k, v in case.consents.items()},
        electronic_service={
            str(side): ServiceAddressOut(
                str(a.channel), _mask_address(str(a.channel), a.address), a.consented_at
            )
            for side, a in case.service_addresses.items()
        },
        sessions=[SessionOut(s.number, s.starts_at, s.duration_minutes) for s in case.sessions],
        proposals=[
            ProposalOut(
                number=p.number,
                side=str(p.side) if p.side else None,
                in_reply_to=p.in_reply_to,
                proposed_by=p.proposed_by,
                proposed_at=p.proposed_at,
                plan=msgspec.to_builtins(p.plan),
            )
            for p in case.proposals
        ],
        accepted_proposal=case.accepted_proposal,
        extensions=case.extensions,
        recusal_requested_by=str(case.recusal_requested_by) if case.recusal_requested_by else None,
        agreed_plan=msgspec.to_builtins(case.agreed_plan) if case.agreed_plan else None,
        agreement_id=case.agreement_id,
        litigation_id=(
            case.entrustment.litigation_id
            if case.entrustment is not None
            else LitigationCase.create_id(case.id, "")
            if case.court_docket_number is not None
            else None
        ),
        outcome_reason=str(case.outcome_reason) if case.outcome_reason else None,
        court_docket_number=case.court_docket_number,
        court_outcomes=[
            CourtOutcomeOut(o.kind, o.docket_number, o.outcome, o.reason, o.decided_at)
            for o in case.court_outcomes
        ],
        limitation=_limitation_out(case.limitation(shanghai_date(now), calendar)),
        knew_default_on=filing.knew_default_on,
        last_interruption_on=filing.last_interruption_on,
        entrusted_by=case.entrustment.court_docket_number if case.entrustment else None,
    )


def _limitation_out(found: Limitation) -> LimitationOut:
    return LimitationOut(str(found.status), found.runs_from, found.ends_on)


def summary_out(row: dict[str, Any]) -> CaseSummary:
    provisional = row["deadline_provisional"]
    return CaseSummary(
        id=UUID(row["case_id"]),
        filing_number=row["filing_number"],
        docket_number=row["docket_number"],
        state=row["state"],
        dispute_type=row["dispute_type"],
        applicant_name=row["applicant_name"],
        applicant_code=row["applicant_code"],
        respondent_name=row["respondent_name"],
        claim_total_fen=row["claim_total_fen"],
        mediator_id=row["mediator_id"],
        deadline_due=date.fromisoformat(row["deadline_due"]) if row["deadline_due"] else None,
        deadline_provisional=None if provisional is None else bool(provisional),
        filed_at=datetime.fromisoformat(row["filed_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


_HIDDEN = {"originator_id", "originator_version", "timestamp", "occurred_at", "actor"}
_MASKED_KEYS = {"id_number": mask_id_number, "phone": mask_phone}


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (_MASKED_KEYS[k](v) if k in _MASKED_KEYS and isinstance(v, str) else _mask(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def event_out(event: Any) -> EventOut:
    actor = getattr(event, "actor", None)
    data = {k: v for k, v in event.__dict__.items() if k not in _HIDDEN}
    return EventOut(
        version=event.originator_version,
        type=type(event).__name__,
        occurred_at=getattr(event, "occurred_at", None),
        actor=ActorOut(actor.actor_id, str(actor.role), actor.institution) if actor else None,
        data=_mask(msgspec.to_builtins(data)),
    )
