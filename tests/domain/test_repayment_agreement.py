"""RepaymentAgreement: every rule, allowed and refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from application.mediation_center.commands import PlanIn, filing_from, plan_from
from application.shared.calendar import OfficialCalendar
from domain.mediation.agreement_text import canonical_text, sha256_hex
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement, SignatureMethod
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused, InvalidValue
from tests.support.data import filing, plan_data

CALENDAR = OfficialCalendar(lambda year: None)
T = datetime(2026, 3, 2, 2, tzinfo=UTC)
CREDITOR = Actor("bank_agent", Role.APPLICANT_AGENT, "B")
DEBTOR = Actor("party1", Role.PARTY, None)
MEDIATOR = Actor("mediator1", Role.MEDIATOR, "C")
FILING = filing_from(filing())


def draft(first_due: date = date(2026, 5, 1), **overrides: object) -> RepaymentAgreement:
    data = plan_data(first_due=first_due) | overrides
    repayment = plan_from(msgspec.convert(data, PlanIn), 7, 30)
    return RepaymentAgreement.draft(
        uuid4(),
        1,
        repayment,
        "(2026)渝0105民调登1号",
        None,
        FILING.applicant,
        FILING.respondent,
        MEDIATOR,
        T,
    )


def effective(**kwargs: object) -> RepaymentAgreement:
    agreement = draft(**kwargs)  # type: ignore[arg-type]
    for signer, actor in (("applicant", CREDITOR), ("respondent", DEBTOR), ("mediator", MEDIATOR)):
        agreement.sign(signer, SignatureMethod.ACCOUNT, agreement.text_sha256, actor, T)
    return agreement


def test_canonical_text_is_deterministic_bilingual_and_hashed() -> None:
    agreement = draft()
    again = canonical_text(
        "(2026)渝0105民调登1号", None, FILING.applicant, FILING.respondent, agreement.plan
    )
    assert agreement.text == again and agreement.text_sha256 == sha256_hex(again)
    assert "调解协议书" in agreement.text and "Mediation Agreement" in agreement.text
    assert "10,123.45" in agreement.text  # 1,012,345 fen in yuan
    assert FILING.respondent.identifier in agreement.text


def test_last_signature_makes_it_effective() -> None:
    agreement = draft()
    assert not agreement.sign(
        "applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T
    )
    assert not agreement.sign(
        "mediator", SignatureMethod.WET_INK, agreement.text_sha256.upper(), MEDIATOR, T
    )
    assert agreement.state == AgreementState.DRAFT
    assert agreement.sign("respondent", SignatureMethod.SMS_CODE, agreement.text_sha256, DEBTOR, T)
    assert agreement.state == AgreementState.EFFECTIVE
    assert agreement.effective_on == date(2026, 3, 2)
    assert agreement.signatures["mediator"].method == SignatureMethod.WET_INK


def test_signature_refusals() -> None:
    agreement = draft()
    with pytest.raises(ActRefused) as wrong:
        agreement.sign("applicant", SignatureMethod.ACCOUNT, "0" * 64, CREDITOR, T)
    assert wrong.value.rule == "text_hash_mismatch"
    agreement.sign("applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    with pytest.raises(ActRefused) as twice:
        agreement.sign("applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    assert twice.value.rule == "already_signed"
    with pytest.raises(InvalidValue):
        agreement.sign("judge", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    done = effective()
    with pytest.raises(ActRefused) as late:
        done.sign("applicant", SignatureMethod.ACCOUNT, done.text_sha256, CREDITOR, T)
    assert late.value.current_state == "effective"


def test_first_instalment_before_the_effective_date_is_refused() -> None:
    agreement = draft(first_due=date(2026, 3, 20))
    agreement.sign("mediator", SignatureMethod.ACCOUNT, agreement.text_sha256, MEDIATOR, T)
    agreement.sign("applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    late = T + timedelta(days=30)
    with pytest.raises(ActRefused) as refused:
        agreement.sign("respondent", SignatureMethod.ACCOUNT, agreement.text_sha256, DEBTOR, late)
    assert refused.value.rule == "first_due_before_effective"
    assert agreement.state == AgreementState.DRAFT
    # On the due date itself it may still take effect.
    agreement.sign(
        "respondent",
        SignatureMethod.ACCOUNT,
        agreement.text_sha256,
        DEBTOR,
        datetime(2026, 3, 20, 2, tzinfo=UTC),
    )
    assert agreement.state == AgreementState.EFFECTIVE


def test_the_last_partys_signature_binds_and_the_mediators_does_not_move_it() -> None:
    """The issue's case: the mediator signing ten days after the parties moved the date."""
    agreement = draft()
    agreement.sign("applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    assert agreement.sign("respondent", SignatureMethod.ACCOUNT, agreement.text_sha256, DEBTOR, T)
    assert agreement.state == AgreementState.EFFECTIVE
    assert agreement.effective_on == date(2026, 3, 2)
    later = T + timedelta(days=10)
    assert not agreement.sign(
        "mediator", SignatureMethod.ACCOUNT, agreement.text_sha256, MEDIATOR, later
    )
    assert agreement.effective_on == date(2026, 3, 2)
    assert agreement.signatures["mediator"].signed_at == later
    with pytest.raises(ActRefused) as twice:
        agreement.sign("mediator", SignatureMethod.ACCOUNT, agreement.text_sha256, MEDIATOR, later)
    assert twice.value.rule == "already_signed"


def test_payments_partial_overpayment_and_fulfilment() -> None:
    agreement = effective()
    first, second = (i.amount_fen for i in agreement.plan.instalments)
    with pytest.raises(ActRefused) as early:
        draft().record_payment(1, 100, date(2026, 4, 1), CREDITOR, T)
    assert early.value.current_state == "draft"
    assert not agreement.record_payment(1, 100, date(2026, 4, 1), CREDITOR, T)
    with pytest.raises(ActRefused) as over:
        agreement.record_payment(1, first, date(2026, 4, 1), CREDITOR, T)
    assert over.value.rule == "overpayment"
    with pytest.raises(InvalidValue) as missing:
        agreement.record_payment(3, 1, date(2026, 4, 1), CREDITOR, T)
    assert missing.value.field == "instalment"
    with pytest.raises(InvalidValue) as before:
        agreement.record_payment(1, 1, date(2026, 3, 1), CREDITOR, T)
    assert before.value.field == "paid_on"
    with pytest.raises(InvalidValue) as zero:
        agreement.record_payment(1, 0, date(2026, 4, 1), CREDITOR, T)
    assert zero.value.field == "amount_fen"
    assert not agreement.record_payment(1, first - 100, date(2026, 4, 2), CREDITOR, T)
    assert agreement.record_payment(2, second, date(2026, 5, 30), CREDITOR, T)
    assert agreement.state == AgreementState.FULFILLED


def test_reported_payments_are_confirmed_or_rejected_by_the_creditor() -> None:
    agreement = effective()
    report = agreement.report_payment(1, 1000, date(2026, 4, 1), DEBTOR, T)
    assert agreement.paid_fen == 0
    with pytest.raises(InvalidValue):
        agreement.reject_payment_report(report, " ", CREDITOR, T)
    agreement.confirm_payment(report, CREDITOR, T)
    assert agreement.paid_fen == 1000 and agreement.payments[0].reported
    with pytest.raises(InvalidValue) as twice:
        agreement.confirm_payment(report, CREDITOR, T)
    assert twice.value.field == "report"
    other = agreement.report_payment(1, 500, date(2026, 4, 1), DEBTOR, T)
    agreement.reject_payment_report(other, "未到账", CREDITOR, T)
    assert agreement.paid_fen == 1000 and agreement.pending_reports == []


def test_overdue_after_grace_default_after_threshold() -> None:
    agreement = effective(first_due=date(2026, 9, 25))
    # Grace of 7 days from 25 September ends 2 October (National Day): moved to 8 October.
    status = agreement.statuses(date(2026, 10, 8), CALENDAR)[0]
    assert status.grace_ends == date(2026, 10, 8) and not status.overdue
    assert agreement.statuses(date(2026, 10, 9), CALENDAR)[0].overdue
    assert status.default_after == date(2026, 11, 7)
    assert not agreement.statuses(date(2026, 11, 7), CALENDAR)[0].in_default
    assert agreement.statuses(date(2026, 11, 8), CALENDAR)[0].in_default


def test_default_is_declared_once_and_accelerates() -> None:
    agreement = effective(first_due=date(2026, 4, 1), acceleration=True)
    with pytest.raises(ActRefused) as early:
        agreement.declare_default(CALENDAR, CREDITOR, datetime(2026, 4, 20, tzinfo=UTC))
    assert early.value.rule == "no_default"
    agreement.declare_default(CALENDAR, CREDITOR, datetime(2026, 6, 1, tzinfo=UTC))
    assert agreement.state == AgreementState.DEFAULTED and agreement.accelerated
    with pytest.raises(ActRefused):
        agreement.declare_default(CALENDAR, CREDITOR, datetime(2026, 6, 2, tzinfo=UTC))
    # Paying everything after a default still fulfils the agreement.
    for number, item in enumerate(agreement.plan.instalments, 1):
        agreement.record_payment(number, item.amount_fen, date(2026, 6, 3), CREDITOR, T)
    assert agreement.state == AgreementState.FULFILLED


def test_superseded_draft_can_no_longer_be_signed() -> None:
    agreement = draft()
    agreement.supersede(MEDIATOR, T)
    with pytest.raises(ActRefused) as refused:
        agreement.sign("applicant", SignatureMethod.ACCOUNT, agreement.text_sha256, CREDITOR, T)
    assert refused.value.current_state == "superseded"
