"""The values a mediation case holds: consents to electronic service, proposals, sessions and
the court's outcomes on its file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.mediation.case_states import ServiceChannel
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.filing import Procedure, SideRole
from domain.shared.value import Value


@dataclass(frozen=True)
class ServiceAddress(Value):
    """A side's consent to electronic service: where documents may be served."""

    channel: ServiceChannel
    address: str
    consented_by: str
    consented_at: datetime


@dataclass(frozen=True)
class Proposal(Value):
    number: int
    side: SideRole | None  # None: the mediator's own proposal
    plan: RepaymentPlan
    in_reply_to: int | None
    proposed_by: str
    proposed_at: datetime


@dataclass(frozen=True)
class CourtOutcome(Value):
    """What the court decided on this case: a confirmation ruling or refusal; a judgment; on
    an entrusted lawsuit, its civil mediation document, the trial resuming, a party backing
    out or the plaintiff's withdrawal."""

    kind: str  # judicial_confirmation | litigation
    docket_number: str
    # confirmed | rejected | refused | lapsed | withdrawn | judgment | court_mediation |
    # court_mediation_document | trial_resumed | backed_out
    outcome: str
    reason: str
    decided_at: datetime


@dataclass(frozen=True)
class Entrustment(Value):
    """The court's act that filed this case: its lawsuit, mediated in litigation (委托). The
    court names the case, so its follower files it once however often it runs."""

    case_id: UUID
    court: str
    litigation_id: UUID
    court_docket_number: str
    procedure: Procedure


@dataclass(frozen=True)
class Session(Value):
    number: int
    starts_at: datetime
    duration_minutes: int
