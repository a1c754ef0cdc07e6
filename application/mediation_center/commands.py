"""The mediation center's commands: filings and one Struct per act on a case or an agreement
(its docstring is the act's description), and their conversion into domain values with every
error naming its dotted field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from application.shared.commands import Command, Sha256, ShortText, Text
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.errors import InvalidValue
from domain.shared.filing import Channel, Claim, Filing, Side


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


class ComplaintIn(Command):
    """The sides, the claim and the facts: what a mediation filing and a lawsuit share."""

    dispute_type: Literal[
        "loan", "credit_card", "insurance", "guarantee", "financial_lease", "other"
    ]
    applicant: SideIn
    respondent: SideIn
    claim: ClaimIn
    facts: Annotated[str, msgspec.Meta(max_length=5_000)] = ""
    knew_default_on: date | None = None  # for the limitation: when the default was known
    last_interruption_on: date | None = None  # the last demand, payment or acknowledgement


class FilingIn(ComplaintIn, kw_only=True):
    """The stable filing shape of the domain spec. A court referral is filed only by the
    court's own entrustment of its lawsuit."""

    channel: Literal["online", "grid_station", "bulk_import"]


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
    """Center staff accept a filed case."""


class Reject(Command):
    """Center staff reject a filed case, with a reason (ends the case)."""

    reason: Text


class Refer(Command):
    """Center staff refer an accepted case: pre-filing (委派, 30 days), or in-litigation
    (委托, 15 days ordinary, 7 summary) when the court entrusted its lawsuit, whose procedure
    it keeps. Assigns the docket number; the period starts at the mediator's acceptance."""

    kind: Literal["pre_filing", "in_litigation"]
    procedure: Literal["ordinary", "summary"] | None = None


class AssignMediator(Command):
    """Center staff assign a mediator; the 3-working-day acceptance window starts."""

    mediator: Annotated[str, msgspec.Meta(max_length=64)]


class AcceptAssignment(Command):
    """The assigned mediator accepts, with a disclosure of any conflict."""

    disclosure: Text = ""


class DeclineAssignment(Command):
    """The assigned mediator declines; the case returns to referred."""

    reason: Text


class LapseAssignment(Command):
    """Center staff record that the acceptance window passed unanswered."""


class ConsentToMediation(Command):
    """A side consents to (online) mediation."""


class RefuseMediation(Command):
    """A side refuses mediation; the case fails (consent_refused)."""

    reason: Text = ""


class ConsentToElectronicService(Command):
    """A side consents to electronic service at an address."""

    channel: Literal["sms", "email"]
    address: Annotated[str, msgspec.Meta(max_length=254)]


class ScheduleSession(Command):
    """The mediator schedules a mediation session."""

    starts_at: datetime
    duration_minutes: int = 60


class Propose(Command):
    """A side (or the mediator) proposes a repayment plan."""

    plan: PlanIn
    side: SideName | None = None


class CounterPropose(Command):
    """The other side answers the latest proposal with a plan of its own."""

    in_reply_to: int
    plan: PlanIn
    side: SideName | None = None


class AcceptProposal(Command):
    """The other side accepts the latest proposal."""

    proposal: int
    side: SideName | None = None


class ConsentToExtension(Command):
    """A side consents to extend the mediation period by N days; granted when both sides
    consent to the same N."""

    days: int


class DraftAgreement(Command):
    """The mediator drafts the repayment agreement from the accepted proposal (an unsigned
    earlier draft is superseded); the sides and the mediator then sign it."""


class SignAgreement(Command):
    """A side (its party account or its institution's agent) or the case's mediator signs
    the agreement, sending the SHA-256 of the text they read. The last of the three
    signatures makes it effective and settles the case. Refused if the hash differs, if
    this signer has signed, or if the first instalment would fall due before the agreement
    takes effect."""

    act: ClassVar[str] = "sign"
    text_sha256: Sha256
    method: Literal["account", "sms_code", "wet_ink"] = "account"


class RecordPayment(Command):
    """The creditor side records a payment against one instalment (partial payments
    allowed, overpayment refused). The last payment fulfils the agreement and closes the
    case."""

    instalment: int
    amount_fen: int
    paid_on: date


class ReportPayment(Command):
    """The debtor side reports a payment, for the creditor to confirm."""

    instalment: int
    amount_fen: int
    paid_on: date


class ConfirmPayment(Command):
    """The creditor side confirms a reported payment, which is then recorded."""

    report: int


class RejectPaymentReport(Command):
    """The creditor side rejects a reported payment, with a reason."""

    report: int
    reason: Text


class DeclareDefault(Command):
    """The creditor side (or center staff) records the default once an instalment is past
    the grace period and the default threshold; with an acceleration clause the whole
    balance falls due. The scheduler records it by itself the day after the threshold."""


class MarkOverdue(Command):
    """Records the instalments that are unpaid past their grace days (each once). The
    scheduler does this by itself; the creditor side or center staff may record it earlier
    in the day."""


class DeclareFailure(Command):
    """The mediator declares the mediation failed, with a reason."""

    reason: Literal["no_agreement", "respondent_unreachable", "other"]
    note: Text = ""


class ExpirePeriod(Command):
    """Record that the mediation period ended without agreement (period_expired)."""


class Withdraw(Command):
    """The applicant withdraws the case."""

    reason: Text = ""


class RequestRecusal(Command):
    """A side asks for the mediator's recusal."""

    reason: Text


class GrantRecusal(Command):
    """Center staff grant the recusal; the case returns to referred."""


class DenyRecusal(Command):
    """Center staff deny the recusal request."""

    reason: Text


class LinkParty(Command):
    """Center staff link a party account to a side after checking an authorization (power
    of attorney)."""

    username: Annotated[str, msgspec.Meta(max_length=64)]
    side: SideName
    authorization: Text


class Close(Command):
    """Center staff close a settled case (agreement fulfilled or enforcement ended)."""

    reason: Literal["fulfilled", "enforcement_ended"]


class ReturnToMediation(Command):
    """The court refused confirmation: the sides return to mediation."""

    reason: Text


class RecordTransfer(Command):
    """A failed pre-filing case is docketed by the court (transfer)."""

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


def filing_from(data: ComplaintIn) -> Filing:
    """A domain Filing (a complaint reaches the center only by the court's referral);
    InvalidValue names the dotted field (``respondent.id_number``)."""
    applicant = side_from(data.applicant, "applicant")
    respondent = side_from(data.respondent, "respondent")
    try:
        claim = Claim.create(data.claim.principal_fen, data.claim.interest_fen, data.claim.fees_fen)
    except InvalidValue as error:
        raise error.within("claim") from None
    return Filing.create(
        data.dispute_type,
        data.channel if isinstance(data, FilingIn) else Channel.COURT_REFERRAL,
        applicant,
        respondent,
        claim,
        data.facts,
        data.knew_default_on,
        data.last_interruption_on,
    )


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
