"""RepaymentAgreement: the signed outcome of a mediation, and the debtor's record of paying it.

Drafted from an accepted proposal with a canonical text (zh-CN, then its English rendering) whose
SHA-256 is what each signer signs. It takes effect on the last required signature; then
payments are recorded against instalments until it is fulfilled, or an instalment falls overdue
(after the grace period) and into default (after the default threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEvent, event

from domain.mediation.agreement_text import canonical_text, sha256_hex
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.filing import Side
from domain.shared.money import check_fen
from domain.shared.periods import (
    WorkingCalendar,
    calendar_days_deadline,
    check_date,
    shanghai_date,
)
from domain.shared.value import Value

SIGNERS = ("applicant", "respondent", "mediator")
PARTIES = ("applicant", "respondent")  # whose signatures bind


class AgreementState(StrEnum):
    DRAFT = "draft"
    EFFECTIVE = "effective"
    DEFAULTED = "defaulted"
    FULFILLED = "fulfilled"
    SUPERSEDED = "superseded"
    SET_ASIDE = "set_aside"  # the court refused or rejected confirmation; back to mediation


class SignatureMethod(StrEnum):
    ACCOUNT = "account"  # signed in, confirming the hash shown
    SMS_CODE = "sms_code"  # a one-time code sent to the signer's phone
    WET_INK = "wet_ink"  # paper signed on video, original kept by the center


@dataclass(frozen=True)
class Signature(Value):
    signer: str  # applicant | respondent | mediator
    signed_by: str
    method: SignatureMethod
    text_sha256: str
    signed_at: datetime


@dataclass(frozen=True)
class Payment(Value):
    number: int
    instalment: int  # 1-based
    amount_fen: int
    paid_on: date
    recorded_by: str
    reported: bool  # reported by the debtor and confirmed by the creditor


@dataclass(frozen=True)
class PaymentReport(Value):
    number: int
    instalment: int
    amount_fen: int
    paid_on: date
    reported_by: str


@dataclass(frozen=True)
class InstalmentStatus(Value):
    number: int
    due_date: date
    amount_fen: int
    paid_fen: int
    grace_ends: date
    default_after: date
    overdue: bool
    in_default: bool

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


class RepaymentAgreement(Aggregate):
    """State holds only immutable values, directly or in dicts and lists (see copy_state)."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Drafted: ClassVar[type[DomainEvent]]
        Signed: ClassVar[type[DomainEvent]]
        TookEffect: ClassVar[type[DomainEvent]]
        Superseded: ClassVar[type[DomainEvent]]
        SetAside: ClassVar[type[DomainEvent]]
        PaymentRecorded: ClassVar[type[DomainEvent]]
        Fulfilled: ClassVar[type[DomainEvent]]
        PaymentReported: ClassVar[type[DomainEvent]]
        PaymentReportSettled: ClassVar[type[DomainEvent]]
        InstalmentsOverdue: ClassVar[type[DomainEvent]]
        Defaulted: ClassVar[type[DomainEvent]]

    @event("Drafted")
    def __init__(
        self,
        case_id: UUID,
        proposal: int | None,
        plan: RepaymentPlan,
        text: str,
        text_sha256: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.case_id = case_id
        self.proposal = proposal
        self.plan = plan
        self.text = text
        self.text_sha256 = text_sha256
        self.state = AgreementState.DRAFT
        self.signatures: dict[str, Signature] = {}
        self.effective_on: date | None = None
        self.payments: list[Payment] = []
        self.reports: list[PaymentReport] = []
        self.pending_reports: list[int] = []
        self.defaulted_on: date | None = None
        self.accelerated = False
        self.overdue_instalments: list[int] = []
        self.drafted_at = occurred_at

    @classmethod
    def draft(
        cls,
        case_id: UUID,
        proposal: int | None,
        plan: RepaymentPlan,
        filing_number: str,
        docket_number: str | None,
        applicant: Side,
        respondent: Side,
        actor: Actor,
        at: datetime,
    ) -> RepaymentAgreement:
        text = canonical_text(filing_number, docket_number, applicant, respondent, plan)
        return cls(
            case_id=case_id,
            proposal=proposal,
            plan=plan,
            text=text,
            text_sha256=sha256_hex(text),
            actor=actor,
            occurred_at=at,
        )

    def _require(self, act: str, *states: AgreementState) -> None:
        if self.state not in states:
            raise ActRefused(act, str(self.state), "state")

    # --- signing --------------------------------------------------------------------------

    def sign(
        self, signer: str, method: SignatureMethod, text_sha256: str, actor: Actor, at: datetime
    ) -> bool:
        """Record one signature; True when it was the last party's and the agreement took
        effect. It binds when the last party completes its signature (在线调解规则 art. 19(2);
        特邀调解规定 art. 24): the mediator signs before or after, recorded, without moving the
        date it took effect."""
        if signer not in SIGNERS:
            raise InvalidValue("signer", "must be applicant, respondent or mediator")
        if signer in PARTIES:
            self._require("sign", AgreementState.DRAFT)
        else:
            self._require("sign", AgreementState.DRAFT, AgreementState.EFFECTIVE)
        if signer in self.signatures:
            raise self._refuse(
                "sign", "already_signed", "the {signer} has already signed", signer=signer
            )
        if text_sha256.lower() != self.text_sha256:
            raise self._refuse(
                "sign",
                "text_hash_mismatch",
                "the hash signed is not the hash of this agreement's text",
            )
        last = signer in PARTIES and all(p in self.signatures for p in PARTIES if p != signer)
        effective = shanghai_date(at)
        if last and self.plan.first_due < effective:
            raise self._refuse(
                "sign",
                "first_due_before_effective",
                "the first instalment falls due on {first_due}, before the agreement could "
                "take effect ({effective}): redraft it",
                first_due=self.plan.first_due,
                effective=effective,
            )
        self._signed(
            signer=signer, method=method, text_sha256=self.text_sha256, actor=actor, occurred_at=at
        )
        if last:
            self._took_effect(effective_on=effective, actor=actor, occurred_at=at)
        return last

    @event("Signed")
    def _signed(
        self,
        signer: str,
        method: SignatureMethod,
        text_sha256: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.signatures[signer] = Signature(
            signer, actor.actor_id, method, text_sha256, occurred_at
        )

    @event("TookEffect")
    def _took_effect(self, effective_on: date, actor: Actor, occurred_at: datetime) -> None:
        self.state = AgreementState.EFFECTIVE
        self.effective_on = effective_on

    def supersede(self, actor: Actor, at: datetime) -> None:
        self._require("supersede", AgreementState.DRAFT)
        self._superseded(actor=actor, occurred_at=at)

    @event("Superseded")
    def _superseded(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = AgreementState.SUPERSEDED

    def set_aside(self, reason: str, actor: Actor, at: datetime) -> None:
        """The court would not confirm it: the sides go back to mediation."""
        self._require("set_aside", AgreementState.EFFECTIVE)
        self._set_aside(reason=reason, actor=actor, occurred_at=at)

    @event("SetAside")
    def _set_aside(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = AgreementState.SET_ASIDE

    # --- payments -------------------------------------------------------------------------

    def paid_on_instalment(self, number: int) -> int:
        return sum(p.amount_fen for p in self.payments if p.instalment == number)

    def _check_payment(self, act: str, instalment: int, amount_fen: int, paid_on: date) -> None:
        self._require(act, AgreementState.EFFECTIVE, AgreementState.DEFAULTED)
        if not 1 <= instalment <= len(self.plan.instalments):
            raise InvalidValue("instalment", "there is no instalment {number}", number=instalment)
        check_fen(amount_fen, "amount_fen", positive=True)
        check_date(paid_on, "paid_on")
        assert self.effective_on is not None
        if paid_on < self.effective_on:
            raise InvalidValue("paid_on", "a payment cannot predate the agreement")
        outstanding = self.plan.instalments[instalment - 1].amount_fen - self.paid_on_instalment(
            instalment
        )
        if amount_fen > outstanding:
            raise self._refuse(
                act,
                "overpayment",
                "instalment {number} has {outstanding} fen outstanding; {amount} fen would "
                "overpay it",
                number=instalment,
                outstanding=outstanding,
                amount=amount_fen,
            )

    def record_payment(
        self, instalment: int, amount_fen: int, paid_on: date, actor: Actor, at: datetime
    ) -> bool:
        """The creditor records a payment; True when it fulfilled the agreement."""
        self._check_payment("record_payment", instalment, amount_fen, paid_on)
        return self._pay(instalment, amount_fen, paid_on, actor, at, reported=False)

    def _pay(
        self,
        instalment: int,
        amount_fen: int,
        paid_on: date,
        actor: Actor,
        at: datetime,
        *,
        reported: bool,
    ) -> bool:
        self._payment_recorded(
            number=len(self.payments) + 1,
            instalment=instalment,
            amount_fen=amount_fen,
            paid_on=paid_on,
            reported=reported,
            actor=actor,
            occurred_at=at,
        )
        if sum(p.amount_fen for p in self.payments) == self.plan.total_fen:
            self._fulfilled(actor=actor, occurred_at=at)
            return True
        return False

    @event("PaymentRecorded")
    def _payment_recorded(
        self,
        number: int,
        instalment: int,
        amount_fen: int,
        paid_on: date,
        reported: bool,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.payments.append(
            Payment(number, instalment, amount_fen, paid_on, actor.actor_id, reported)
        )

    @event("Fulfilled")
    def _fulfilled(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = AgreementState.FULFILLED

    def report_payment(
        self, instalment: int, amount_fen: int, paid_on: date, actor: Actor, at: datetime
    ) -> int:
        """The debtor reports a payment, for the creditor to confirm."""
        self._check_payment("report_payment", instalment, amount_fen, paid_on)
        number = len(self.reports) + 1
        self._payment_reported(
            number=number,
            instalment=instalment,
            amount_fen=amount_fen,
            paid_on=paid_on,
            actor=actor,
            occurred_at=at,
        )
        return number

    @event("PaymentReported")
    def _payment_reported(
        self,
        number: int,
        instalment: int,
        amount_fen: int,
        paid_on: date,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.reports.append(PaymentReport(number, instalment, amount_fen, paid_on, actor.actor_id))
        self.pending_reports.append(number)

    def confirm_payment(self, report: int, actor: Actor, at: datetime) -> bool:
        """The creditor confirms a reported payment; True when it fulfilled the agreement."""
        if report not in self.pending_reports:
            raise InvalidValue(
                "report", "there is no pending payment report {number}", number=report
            )
        found = self.reports[report - 1]
        self._check_payment("confirm_payment", found.instalment, found.amount_fen, found.paid_on)
        self._report_settled(report=report, confirmed=True, actor=actor, occurred_at=at)
        return self._pay(
            found.instalment, found.amount_fen, found.paid_on, actor, at, reported=True
        )

    def reject_payment_report(self, report: int, reason: str, actor: Actor, at: datetime) -> None:
        self._require("reject_payment_report", AgreementState.EFFECTIVE, AgreementState.DEFAULTED)
        if report not in self.pending_reports:
            raise InvalidValue(
                "report", "there is no pending payment report {number}", number=report
            )
        if not reason.strip():
            raise InvalidValue("reason", "must not be empty")
        self._report_settled(report=report, confirmed=False, actor=actor, occurred_at=at)

    @event("PaymentReportSettled")
    def _report_settled(
        self, report: int, confirmed: bool, actor: Actor, occurred_at: datetime
    ) -> None:
        self.pending_reports.remove(report)

    # --- overdue and default --------------------------------------------------------------

    def statuses(self, today: date, calendar: WorkingCalendar) -> list[InstalmentStatus]:
        """Each instalment as of `today`: overdue after grace, in default after the threshold."""
        plan = self.plan
        found: list[InstalmentStatus] = []
        for number, item in enumerate(plan.instalments, 1):
            paid = self.paid_on_instalment(number)
            grace_ends = calendar_days_deadline(item.due_date, plan.grace_days, calendar).due
            default_after = grace_ends + timedelta(days=plan.default_threshold_days)
            unpaid = paid < item.amount_fen
            found.append(
                InstalmentStatus(
                    number=number,
                    due_date=item.due_date,
                    amount_fen=item.amount_fen,
                    paid_fen=paid,
                    grace_ends=grace_ends,
                    default_after=default_after,
                    overdue=unpaid and today > grace_ends,
                    in_default=unpaid and today > default_after,
                )
            )
        return found

    def mark_overdue(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> None:
        """Record the instalments that fell overdue since the last time (each once)."""
        self._require("mark_overdue", AgreementState.EFFECTIVE)
        late = [
            s.number
            for s in self.statuses(shanghai_date(at), calendar)
            if s.overdue and s.number not in self.overdue_instalments
        ]
        if not late:
            raise self._refuse("mark_overdue", "none_overdue", "no instalment fell overdue")
        self._overdue(instalments=late, actor=actor, occurred_at=at)

    @event("InstalmentsOverdue")
    def _overdue(self, instalments: list[int], actor: Actor, occurred_at: datetime) -> None:
        self.overdue_instalments = [*self.overdue_instalments, *instalments]

    def timers(self, calendar: WorkingCalendar) -> dict[str, date]:
        """The days after which the scheduler acts: an instalment falls overdue, or the
        agreement into default."""
        if self.state != AgreementState.EFFECTIVE:
            return {}
        unpaid = [s for s in self.statuses(date.min, calendar) if s.outstanding_fen > 0]
        found: dict[str, date] = {}
        if fresh := [s.grace_ends for s in unpaid if s.number not in self.overdue_instalments]:
            found["overdue"] = min(fresh)
        if unpaid:
            found["default"] = min(s.default_after for s in unpaid)
        return found

    def declare_default(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> None:
        """Record a default once an instalment is past the threshold (exactly once)."""
        self._require("declare_default", AgreementState.EFFECTIVE)
        today = shanghai_date(at)
        late = [s.number for s in self.statuses(today, calendar) if s.in_default]
        if not late:
            raise self._refuse(
                "declare_default", "no_default", "no instalment is past the default threshold"
            )
        balance = self.plan.total_fen - sum(p.amount_fen for p in self.payments)
        self._defaulted(
            instalments=late,
            accelerated=self.plan.acceleration,
            balance_fen=balance,
            actor=actor,
            occurred_at=at,
        )

    @event("Defaulted")
    def _defaulted(
        self,
        instalments: list[int],
        accelerated: bool,
        balance_fen: int,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.state = AgreementState.DEFAULTED
        self.defaulted_on = shanghai_date(occurred_at)
        self.accelerated = accelerated

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.payments)
