"""Commands as they arrive (msgspec Structs that refuse unknown fields), and their conversion
into domain values with every error naming its dotted field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from domain.mediation.filing import Claim, Filing, Side
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.errors import InvalidValue

Text = Annotated[str, msgspec.Meta(max_length=2_000)]
ShortText = Annotated[str, msgspec.Meta(max_length=500)]


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every command body."""


class SideIn(Command):
    kind: Literal["person", "company", "institution"]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    phone: Annotated[str, msgspec.Meta(max_length=32)]
    id_number: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    org_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    address: ShortText | None = None


class ClaimIn(Command):
    principal_fen: int
    interest_fen: int = 0
    fees_fen: int = 0


class FilingIn(Command):
    """The stable filing shape of the domain spec."""

    dispute_type: Literal[
        "loan", "credit_card", "insurance", "guarantee", "financial_lease", "other"
    ]
    channel: Literal["online", "grid_station", "court_referral", "bulk_import"]
    applicant: SideIn
    respondent: SideIn
    claim: ClaimIn
    facts: Annotated[str, msgspec.Meta(max_length=5_000)] = ""


class BulkFilingIn(Command):
    filings: Annotated[list[FilingIn], msgspec.Meta(min_length=1, max_length=10_000)]


class InstalmentIn(Command):
    amount_fen: int
    due_date: date


class PlanIn(Command):
    """A repayment plan; grace and default threshold fall back to the configured defaults."""

    creditor: Literal["applicant", "respondent"]
    principal_fen: int
    instalments: list[InstalmentIn]
    interest_fen: int = 0
    fees_fen: int = 0
    waived_fen: int = 0
    grace_days: int | None = None
    default_threshold_days: int | None = None
    acceleration: bool = False
    accepts_enforcement: bool = False


SideName = Literal["applicant", "respondent"]


class Accept(Command):
    pass


class Reject(Command):
    reason: Text


class Refer(Command):
    kind: Literal["pre_filing", "in_litigation"]
    procedure: Literal["ordinary", "summary"] | None = None


class AssignMediator(Command):
    mediator: Annotated[str, msgspec.Meta(max_length=64)]


class AcceptAssignment(Command):
    disclosure: Text = ""


class DeclineAssignment(Command):
    reason: Text


class LapseAssignment(Command):
    pass


class ConsentToMediation(Command):
    pass


class RefuseMediation(Command):
    reason: Text = ""


class ConsentToElectronicService(Command):
    channel: Literal["sms", "email"]
    address: Annotated[str, msgspec.Meta(max_length=254)]


class ScheduleSession(Command):
    starts_at: datetime
    duration_minutes: int = 60


class Propose(Command):
    plan: PlanIn
    side: SideName | None = None


class CounterPropose(Command):
    in_reply_to: int
    plan: PlanIn
    side: SideName | None = None


class AcceptProposal(Command):
    proposal: int
    side: SideName | None = None


class ConsentToExtension(Command):
    days: int


class DraftAgreement(Command):
    """Draft the repayment agreement from the accepted proposal (superseding an unsigned one)."""


Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-fA-F]{64}$")]


class SignAgreement(Command):
    text_sha256: Sha256
    method: Literal["account", "sms_code", "wet_ink"] = "account"


class RecordPayment(Command):
    instalment: int
    amount_fen: int
    paid_on: date


class ReportPayment(Command):
    instalment: int
    amount_fen: int
    paid_on: date


class ConfirmPayment(Command):
    report: int


class RejectPaymentReport(Command):
    report: int
    reason: Text


class DeclareDefault(Command):
    pass


class MarkOverdue(Command):
    """Recorded by the scheduler when instalments pass their grace days."""


class DeclareFailure(Command):
    reason: Literal["no_agreement", "respondent_unreachable", "other"]
    note: Text = ""


class ExpirePeriod(Command):
    pass


class Withdraw(Command):
    reason: Text = ""


class RequestRecusal(Command):
    reason: Text


class GrantRecusal(Command):
    pass


class DenyRecusal(Command):
    reason: Text


class LinkParty(Command):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    side: SideName
    authorization: Text


class Close(Command):
    reason: Literal["fulfilled", "enforcement_ended"]


class ReturnToMediation(Command):
    reason: Text


class RecordTransfer(Command):
    court_docket_number: Annotated[str, msgspec.Meta(max_length=100)]


def side_from(data: SideIn, field: str) -> Side:
    try:
        return Side.create(
            kind=data.kind,
            name=data.name,
            phone=data.phone,
            id_number=data.id_number,
            org_code=data.org_code,
            email=data.email,
            address=data.address,
        )
    except InvalidValue as error:
        raise error.within(field) from None


def filing_from(data: FilingIn) -> Filing:
    """A domain Filing; InvalidValue names the dotted field (``respondent.id_number``)."""
    applicant = side_from(data.applicant, "applicant")
    respondent = side_from(data.respondent, "respondent")
    try:
        claim = Claim.create(data.claim.principal_fen, data.claim.interest_fen, data.claim.fees_fen)
    except InvalidValue as error:
        raise error.within("claim") from None
    return Filing.create(data.dispute_type, data.channel, applicant, respondent, claim, data.facts)


def plan_from(data: PlanIn, grace_days: int, threshold_days: int) -> RepaymentPlan:
    try:
        return RepaymentPlan.create(
            creditor=data.creditor,
            principal_fen=data.principal_fen,
            interest_fen=data.interest_fen,
            fees_fen=data.fees_fen,
            waived_fen=data.waived_fen,
            instalments=[(i.amount_fen, i.due_date) for i in data.instalments],
            grace_days=grace_days if data.grace_days is None else data.grace_days,
            default_threshold_days=(
                threshold_days
                if data.default_threshold_days is None
                else data.default_threshold_days
            ),
            acceleration=data.acceleration,
            accepts_enforcement=data.accepts_enforcement,
        )
    except InvalidValue as error:
        raise error.within("plan") from None
