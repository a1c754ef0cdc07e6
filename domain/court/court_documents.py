"""The canonical texts of the court's rulings and decisions, as served on the sides."""

from __future__ import annotations

from domain.court.judicial_confirmation import ConfirmationState, JudicialConfirmation
from domain.court.litigation_case import LitigationCase

_CONFIRMATION_OUTCOMES = {
    ConfirmationState.CONFIRMED: ("确认调解协议有效", "the mediation agreement is confirmed"),
    ConfirmationState.REJECTED: ("驳回司法确认申请", "the application is rejected"),
    ConfirmationState.REFUSED: ("不予受理", "the application is not accepted"),
}


def ruling_text(confirmation: JudicialConfirmation, applicant: str, respondent: str) -> str:
    """The canonical text of a confirmation ruling (民事裁定书) as served on the sides."""
    zh, en = _CONFIRMATION_OUTCOMES[confirmation.state]
    reason = confirmation.reason or ""
    return (
        f"民事裁定书 {confirmation.docket_number}\n"
        f"申请人：{applicant}、{respondent}\n"
        f"裁定：{zh}。\n"
        f"理由：{reason}\n"
        f"调解协议 SHA-256：{confirmation.agreement_sha256}\n"
        f"\n"
        f"Civil ruling {confirmation.docket_number}\n"
        f"Applicants: {applicant}, {respondent}\n"
        f"Ruling: {en}.\n"
        f"Reason: {reason}\n"
        f"Mediation agreement SHA-256: {confirmation.agreement_sha256}\n"
    )


def decision_text(litigation: LitigationCase, summary: str) -> str:
    """The canonical text of a judgment or court mediation document as served."""
    zh, en = (
        ("民事判决书", "Civil judgment")
        if litigation.outcome == "judgment"
        else ("民事调解书", "Court mediation document")
    )
    return (
        f"{zh} {litigation.docket_number}\n"
        f"原告：{litigation.plaintiff}\n被告：{litigation.defendant}\n{summary}\n"
        f"\n{en} {litigation.docket_number}\n"
        f"Plaintiff: {litigation.plaintiff}\nDefendant: {litigation.defendant}\n{summary}\n"
    )


def mediation_document_text(litigation: LitigationCase) -> str:
    """The canonical text of a civil mediation document made from the entrusted mediation's
    agreement, as served: it binds once both parties sign for its receipt (CPL art. 100)."""
    return (
        f"民事调解书 {litigation.docket_number}\n"
        f"原告：{litigation.plaintiff}\n被告：{litigation.defendant}\n"
        f"经本院委托调解，双方当事人自愿达成调解协议（SHA-256：{litigation.agreement_sha256}），"
        f"本院予以确认。本调解书经双方当事人签收后，即具有法律效力。\n"
        f"\nCivil mediation document {litigation.docket_number}\n"
        f"Plaintiff: {litigation.plaintiff}\nDefendant: {litigation.defendant}\n"
        f"In the mediation the court entrusted, the parties reached an agreement of their own "
        f"free will (SHA-256: {litigation.agreement_sha256}), which the court confirms. This "
        f"document binds once both parties have signed for its receipt.\n"
    )
