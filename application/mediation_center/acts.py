"""The mediation center's acts: one handler per command class, on a case or an agreement.

A handler gets the act's context (the center, the principal, the side acted for, now), the
loaded target and the command; what else it changes it adds with `x.save(...)`, and all of it is
saved in one transaction. Who may do each act is the access module's; in which states, the
domain's state tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from application.mediation_center import commands as cmd
from application.shared import access
from application.shared.commands import Command, Composite, Context, Handler
from domain.mediation.case_states import (
    DOCKET_KIND_LABELS,
    ClosingReason,
    FailureReason,
    ReferralKind,
    ServiceChannel,
)
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement, SignatureMethod
from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.errors import InvalidValue
from domain.shared.filing import Procedure, SideRole
from domain.shared.numbering import format_number
from domain.shared.periods import shanghai_date

if TYPE_CHECKING:
    from application.mediation_center.app import MediationCenter

CaseContext = Context["MediationCenter"]


def _refer(x: CaseContext, case: MediationCase, c: cmd.Refer) -> None:
    """The docket number is taken in memory; if the domain refuses, nothing is saved."""
    kind = ReferralKind(c.kind)
    config = x.app.config
    year = shanghai_date(x.now).year
    label = DOCKET_KIND_LABELS[kind]
    sequence = x.app.number_sequence(config.deployment.center, label, year)
    number = format_number(config.docket_prefix, label, year, sequence.take(1, x.now)[0])
    procedure = Procedure(c.procedure) if c.procedure else None
    case.refer(kind, procedure, number, x.app.calendar, x.actor, x.now)
    x.save(sequence)


def _plan(x: CaseContext, plan: cmd.PlanIn) -> RepaymentPlan:
    return cmd.plan_from(plan, x.app.grace_days, x.app.default_threshold_days)


def _draft(x: CaseContext, case: MediationCase, c: cmd.DraftAgreement) -> None:
    """A new draft from the accepted proposal; an unsigned earlier draft is superseded."""
    basis = case.agreement_basis()
    filing = case.filing
    agreement = RepaymentAgreement.draft(
        case.id,
        basis.number,
        basis.plan,
        case.filing_number,
        case.docket_number,
        filing.applicant,
        filing.respondent,
        x.actor,
        x.now,
    )
    x.save(agreement)
    if case.agreement_id is not None:
        previous = x.app.load(case.agreement_id, RepaymentAgreement)
        if previous.state == AgreementState.DRAFT:
            previous.supersede(x.actor, x.now)
            x.save(previous)
    case.draft_agreement(agreement.id, x.actor, x.now)


def _link(x: CaseContext, case: MediationCase, c: cmd.LinkParty) -> None:
    username = c.username.strip().lower()
    account = x.app.account(username)
    if account is None or not access.is_party_account(account):
        raise InvalidValue("username", "no party account named {name}", name=username)
    case.link_party(SideRole(c.side), username, c.authorization, x.actor, x.now)


def _assign(x: CaseContext, case: MediationCase, c: cmd.AssignMediator) -> None:
    """Only a mediator of this center can be assigned (a name that is no one's is refused)."""
    username = c.mediator.strip().lower()
    account = x.app.account(username)
    if account is None or not access.is_center_mediator(account, x.app.config.deployment):
        raise InvalidValue("mediator", "no mediator of this center named {name}", name=username)
    case.assign_mediator(username, x.app.calendar, x.actor, x.now)


CASE_ACTS: dict[type[Command], Handler[MediationCenter, MediationCase]] = {
    cmd.Accept: lambda x, case, c: case.accept(x.actor, x.now),
    cmd.Reject: lambda x, case, c: case.reject(c.reason, x.actor, x.now),
    cmd.Refer: _refer,
    cmd.AssignMediator: _assign,
    cmd.AcceptAssignment: lambda x, case, c: case.accept_assignment(
        c.disclosure, x.app.calendar, x.actor, x.now
    ),
    cmd.DeclineAssignment: lambda x, case, c: case.decline_assignment(c.reason, x.actor, x.now),
    cmd.LapseAssignment: lambda x, case, c: case.lapse_assignment(x.actor, x.now),
    cmd.ConsentToMediation: lambda x, case, c: case.consent_to_mediation(
        x.own_side, x.actor, x.now
    ),
    cmd.RefuseMediation: lambda x, case, c: case.refuse_mediation(
        x.own_side, c.reason, x.actor, x.now
    ),
    cmd.ConsentToElectronicService: lambda x, case, c: case.consent_to_electronic_service(
        x.own_side, ServiceChannel(c.channel), c.address, x.actor, x.now
    ),
    cmd.ScheduleSession: lambda x, case, c: case.schedule_session(
        c.starts_at, c.duration_minutes, x.actor, x.now
    ),
    cmd.Propose: lambda x, case, c: case.propose(x.side, _plan(x, c.plan), x.actor, x.now),
    cmd.CounterPropose: lambda x, case, c: case.counter_propose(
        c.in_reply_to, x.own_side, _plan(x, c.plan), x.actor, x.now
    ),
    cmd.AcceptProposal: lambda x, case, c: case.accept_proposal(
        c.proposal, x.own_side, x.actor, x.now
    ),
    cmd.ConsentToExtension: lambda x, case, c: case.consent_to_extension(
        x.own_side, c.days, x.app.calendar, x.actor, x.now
    ),
    cmd.DraftAgreement: _draft,
    cmd.DeclareFailure: lambda x, case, c: case.declare_failure(
        FailureReason(c.reason), c.note, x.actor, x.now
    ),
    cmd.ExpirePeriod: lambda x, case, c: case.expire_period(x.actor, x.now),
    cmd.Withdraw: lambda x, case, c: case.withdraw(c.reason, x.actor, x.now),
    cmd.RequestRecusal: lambda x, case, c: case.request_recusal(
        x.own_side, c.reason, x.actor, x.now
    ),
    cmd.GrantRecusal: lambda x, case, c: case.grant_recusal(x.actor, x.now),
    cmd.DenyRecusal: lambda x, case, c: case.deny_recusal(c.reason, x.actor, x.now),
    cmd.LinkParty: _link,
    cmd.Close: lambda x, case, c: case.close(ClosingReason(c.reason), x.actor, x.now),
    cmd.ReturnToMediation: lambda x, case, c: case.return_to_mediation(c.reason, x.actor, x.now),
    cmd.RecordTransfer: lambda x, case, c: case.record_transfer(
        c.court_docket_number, x.actor, x.now
    ),
}


class AgreementTarget(Composite):
    """An agreement act's target: the agreement with its case, and whom the actor acts as
    (a side or the mediator for signing; the creditor or debtor side for payments)."""

    def __init__(self, agreement: RepaymentAgreement, case: MediationCase, role: str) -> None:
        self.agreement = agreement
        self.case = case
        self.role = role

    @property
    def aggregates(self) -> list[Aggregate]:
        return [self.agreement, self.case]


def _sign(x: CaseContext, t: AgreementTarget, c: cmd.SignAgreement) -> None:
    agreement = t.agreement
    if agreement.sign(t.role, SignatureMethod(c.method), c.text_sha256, x.actor, x.now):
        t.case.agreement_took_effect(agreement.id, agreement.plan, x.actor, x.now)


def _close_if(x: CaseContext, t: AgreementTarget, fulfilled: bool) -> None:
    if fulfilled:
        t.case.close(ClosingReason.FULFILLED, x.actor, x.now)


AGREEMENT_ACTS: dict[type[Command], Handler[MediationCenter, AgreementTarget]] = {
    cmd.SignAgreement: _sign,
    cmd.RecordPayment: lambda x, t, c: _close_if(
        x, t, t.agreement.record_payment(c.instalment, c.amount_fen, c.paid_on, x.actor, x.now)
    ),
    cmd.ReportPayment: lambda x, t, c: t.agreement.report_payment(
        c.instalment, c.amount_fen, c.paid_on, x.actor, x.now
    ),
    cmd.ConfirmPayment: lambda x, t, c: _close_if(
        x, t, t.agreement.confirm_payment(c.report, x.actor, x.now)
    ),
    cmd.RejectPaymentReport: lambda x, t, c: t.agreement.reject_payment_report(
        c.report, c.reason, x.actor, x.now
    ),
    cmd.DeclareDefault: lambda x, t, c: t.agreement.declare_default(x.app.calendar, x.actor, x.now),
    cmd.MarkOverdue: lambda x, t, c: t.agreement.mark_overdue(x.app.calendar, x.actor, x.now),
}
