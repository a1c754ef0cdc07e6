"""The notary office's commands: taking an application, and one Struct per act on a notarial
matter (its docstring is the act's description)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

import msgspec

from application.shared.commands import Command, Sha256, ShortText, Text


class TakeApplication(Command):
    """A notary of the office records an application of a type from the allow-list. For an
    agreement with enforcement effect, `related_id` is the repayment agreement (its canonical
    text is the document); for an enforcement certificate, the notarized agreement's matter."""

    act: ClassVar[str] = "apply"
    matter_type: Literal[
        "power_of_attorney",
        "declaration",
        "enforceable_agreement",
        "enforcement_certificate",
        "evidence_preservation",
    ]
    applicant_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    applicant_id_number: Annotated[str, msgspec.Meta(max_length=32)]
    lives_abroad: bool = False
    remote: bool = False
    document_text: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    related_id: UUID | None = None


class CheckEligibility(Command):
    """The notary checks eligibility: the refusal reasons, or the fee."""


class LinkSession(Command):
    """The notary links the matter's remote video session."""

    session_id: UUID


class RecordIdentityCheck(Command):
    """The notary records an identity check (method and result; at most 3 attempts)."""

    method: Literal["document_check", "face_match", "in_person"]
    passed: bool


class RecordAnswer(Command):
    """The notary records a question put to the applicant and the answer."""

    question: Annotated[str, msgspec.Meta(min_length=1, max_length=1_000)]
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=5_000)]


class SignDocument(Command):
    """The applicant signs before the notary: electronically, bound to the verified identity and
    the document's SHA-256, or in wet ink with the paper original's location; for an agreement
    with enforcement effect, with the debtor's acceptance of enforcement."""

    act: ClassVar[str] = "sign"
    method: Literal["electronic", "wet_ink"]
    document_sha256: Sha256
    paper_original: ShortText | None = None
    accepts_enforcement: bool = False


class ServeLetter(Command):
    """Enforcement certificate: the notary sends the verification letter to the debtor (the
    outbox serves it where the debtor consented to electronic service); the debtor's 7 days
    start from its recorded delivery."""


class RecordLetterDelivery(Command):
    """The letter was delivered by post (with its tracking number) or by hand."""

    method: Literal["postal", "personal"]
    delivered_at: datetime
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""


class RecordDebtorAnswer(Command):
    """The debtor's reply or objection to the letter, as received."""

    kind: Literal["reply", "objection"]
    text: Text
    received_at: datetime


class RefuseCertificate(Command):
    """The notary refuses the certificate, with the reason."""

    reason: Text


class IssueCertificate(Command):
    """Renders the certificate (PDF, CJK font embedded, QR code with the verification link),
    signs it PAdES under the office's certificate and records its number, SHA-256 and the
    signer certificate's fingerprint."""

    act: ClassVar[str] = "issue"


class Revoke(Command):
    """The notary revokes an issued certificate, with the reason."""

    reason: Text
