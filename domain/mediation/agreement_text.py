"""The repayment agreement's canonical text (zh-CN, then English) and its SHA-256: what the
parties read and sign, byte for byte."""

from __future__ import annotations

import hashlib

from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.filing import Side, SideRole
from domain.shared.money import format_yuan as yuan


def canonical_text(
    filing_number: str,
    docket_number: str | None,
    applicant: Side,
    respondent: Side,
    plan: RepaymentPlan,
) -> str:
    """The agreement as signed: deterministic, so the same terms always hash the same."""
    sides = {SideRole.APPLICANT: applicant, SideRole.RESPONDENT: respondent}
    creditor, debtor = sides[plan.creditor], sides[plan.debtor]
    owed = plan.total_fen

    def who(side: Side) -> str:
        return f"{side.name}（{side.identifier}）"

    zh = [
        "调解协议书（还款协议）",
        f"案件编号：{filing_number}" + (f"；案号：{docket_number}" if docket_number else ""),
        f"申请人：{who(applicant)}",
        f"被申请人：{who(respondent)}",
        (
            f"一、债务人{debtor.name}确认尚欠债权人{creditor.name}：本金{yuan(plan.principal_fen)}元，"
            f"利息{yuan(plan.interest_fen)}元，费用{yuan(plan.fees_fen)}元，"
            f"经调解减免{yuan(plan.waived_fen)}元，合计应还{yuan(owed)}元。"
        ),
        "二、分期还款：",
        *(
            f"  第{i}期：{item.due_date.isoformat()}前支付{yuan(item.amount_fen)}元"
            for i, item in enumerate(plan.instalments, 1)
        ),
        f"三、每期宽限期{plan.grace_days}日；逾期超过{plan.default_threshold_days}日视为违约。",
        "四、"
        + ("违约时剩余全部款项立即到期。" if plan.acceleration else "违约时仅到期款项可予追偿。"),
        "五、"
        + (
            "债务人同意债权人就本协议申请强制执行。"
            if plan.accepts_enforcement
            else "本协议经司法确认后具有强制执行效力。"
        ),
        "本协议自各方及调解员签署之日起生效。",
    ]
    en = [
        "Mediation Agreement (Repayment Agreement)",
        f"Filing number: {filing_number}"
        + (f"; docket number: {docket_number}" if docket_number else ""),
        f"Applicant: {applicant.name} ({applicant.identifier})",
        f"Respondent: {respondent.name} ({respondent.identifier})",
        (
            f"1. The debtor {debtor.name} acknowledges owing the creditor {creditor.name}: "
            f"principal CNY {yuan(plan.principal_fen)}, interest CNY {yuan(plan.interest_fen)}, "
            f"fees CNY {yuan(plan.fees_fen)}, less CNY {yuan(plan.waived_fen)} waived in "
            f"mediation: CNY {yuan(owed)} in all."
        ),
        "2. Instalments:",
        *(
            f"  {i}. CNY {yuan(item.amount_fen)} by {item.due_date.isoformat()}"
            for i, item in enumerate(plan.instalments, 1)
        ),
        (
            f"3. Each instalment has {plan.grace_days} days' grace; more than "
            f"{plan.default_threshold_days} days overdue is a default."
        ),
        "4. "
        + (
            "On default the whole balance falls due at once."
            if plan.acceleration
            else "On default only instalments already due may be claimed."
        ),
        "5. "
        + (
            "The debtor consents to enforcement of this agreement."
            if plan.accepts_enforcement
            else "Once judicially confirmed this agreement is enforceable."
        ),
        "This agreement takes effect when the sides and the mediator have signed it.",
    ]
    return "\n".join(zh) + "\n\n" + "\n".join(en) + "\n"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
