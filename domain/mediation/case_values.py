"""The values a mediation case holds: consents to electronic service, proposals, sessions and
the court's outcomes on its file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.mediation.case_states import ServiceChannel
from domain.mediation.filing import SideRole
from domain.mediation.repayment_plan import RepaymentPlan
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
    """What the court decided on this case: a confirmation ruling, refusal or judgment."""

    kind: str  # judicial_confirmation | litigation
    docket_number: str
    outcome: str  # confirmed | rejected | refused | lapsed | judgment | court_mediation
    reason: str
    decided_at: datetime


@dataclass(frozen=True)
class Session(Value):
    number: int
    starts_at: datetime
    duration_minutes: int
