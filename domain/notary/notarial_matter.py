"""NotarialMatter: one application to the notary office, from intake to a signed certificate.

Matters come from an allow-list. Intake checks eligibility (a remote notarization is for a
person who cannot come to the office, e.g. one living abroad) and fixes the fee; the notary
records each identity verification (method, result, attempt, operator), the questions and
answers of the session, and the signing (electronic, bound to the verified identity and the
document's hash, or wet ink shown on video with the paper original tracked). Issuance records
the certificate number, the signed PDF's SHA-256 and the signer certificate's fingerprint.

An enforcement certificate (执行证书) is its own matter, on a notarized agreement with
enforcement effect (赋强公证) that fell into default: the notary serves the debtor a
verification letter with a deadline and only after it issues or refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.periods import Deadline, WorkingCalendar, calendar_days_deadline, shanghai_date
from domain.shared.text import check_text
from domain.shared.value import Value

MAX_IDENTITY_ATTEMPTS = 3
LETTER_DAYS = 7  # the debtor's time to answer the verification letter
MAX_TEXT = 20_000


class MatterType(StrEnum):
    POWER_OF_ATTORNEY = "power_of_attorney"
    DECLARATION = "declaration"
    ENFORCEABLE_AGREEMENT = "enforceable_agreement"  # 赋强公证 of a repayment agreement
    ENFORCEMENT_CERTIFICATE = "enforcement_certificate"  # 执行证书
    EVIDENCE_PRESERVATION = "evidence_preservation"


# Fees in fen (an office's schedule; the national guide leaves the figures to the provinces).
FEES_FEN = {
    MatterType.POWER_OF_ATTORNEY: 20_000,
    MatterType.DECLARATION: 20_000,
    MatterType.ENFORCEABLE_AGREEMENT: 50_000,
    MatterType.ENFORCEMENT_CERTIFICATE: 30_000,
    MatterType.EVIDENCE_PRESERVATION: 30_000,
}

TITLES = {
    MatterType.POWER_OF_ATTORNEY: ("委托书公证书", "Notarial certificate of a power of attorney"),
    MatterType.DECLARATION: ("声明书公证书", "Notarial certificate of a declaration"),
    MatterType.ENFORCEABLE_AGREEMENT: (
        "具有强制执行效力的债权文书公证书",
        "Notarial certificate of a debt instrument with enforcement effect",
    ),
    MatterType.ENFORCEMENT_CERTIFICATE: ("执行证书", "Enforcement certificate"),
    MatterType.EVIDENCE_PRESERVATION: ("保全证据公证书", "Notarial certificate of evidence"),
}


class MatterState(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"  # eligible, fee fixed
    REFUSED = "refused"
    SIGNED = "signed"
    LETTER_SENT = "letter_sent"  # enforcement certificate: the letter on its way to the debtor
    LETTER_SERVED = "letter_served"  # delivered: the debtor's time to answer runs
    ISSUED = "issued"
    REVOKED = "revoked"


class IdentityMethod(StrEnum):
    DOCUMENT_CHECK = "document_check"  # ID card or passport shown and checked
    FACE_MATCH = "face_match"  # live face against the document photo
    IN_PERSON = "in_person"


class SigningMethod(StrEnum):
    ELECTRONIC = "electronic"
    WET_INK = "wet_ink"


class DeliveryMethod(StrEnum):
    """How a verification letter reached the debtor."""

    ELECTRONIC = "electronic"  # the outbox's service, on the debtor's consent
    POSTAL = "postal"  # registered post, with its tracking number
    PERSONAL = "personal"  # handed over by the office


class AnswerKind(StrEnum):
    REPLY = "reply"  # the debtor's account of performance
    OBJECTION = "objection"  # the debtor disputes the claim


@dataclass(frozen=True)
class LetterDelivery(Value):
    method: DeliveryMethod
    delivered_at: datetime
    reference: str  # the tracking number, or the outbox's service id
    recorded_by: str


@dataclass(frozen=True)
class DebtorAnswer(Value):
    kind: AnswerKind
    text: str
    received_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class IdentityVerification(Value):
    method: IdentityMethod
    passed: bool
    attempt: int
    operator: str
    at: datetime


@dataclass(frozen=True)
class Answer(Value):
    question: str
    answer: str


@dataclass(frozen=True)
class Issuance(Value):
    certificate_number: str
    pdf_sha256: str
    signer_fingerprint: str
    issued_at: datetime


def letter_deadline(calendar: WorkingCalendar, at: datetime) -> Deadline:
    """The debtor's time to answer a verification letter delivered at `at`."""
    return calendar_days_deadline(shanghai_date(at), LETTER_DAYS, calendar)


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    return check_text(value, field, limit, multiline=True)


class NotarialMatter(Aggregate):
    # Class defaults: matters recorded before letters waited for their delivery have none.
    letter_sent_at: datetime | None = None
    letter_delivery: LetterDelivery | None = None
    debtor_answers: tuple[DebtorAnswer, ...] = ()

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Applied: ClassVar[type[DomainEvent]]
        EligibilityChecked: ClassVar[type[DomainEvent]]
        SessionLinked: ClassVar[type[DomainEvent]]
        IdentityChecked: ClassVar[type[DomainEvent]]
        QuestionAnswered: ClassVar[type[DomainEvent]]
        Signed: ClassVar[type[DomainEvent]]
        VerificationLetterServed: ClassVar[type[DomainEvent]]
        VerificationLetterSent: ClassVar[type[DomainEvent]]
        LetterDelivered: ClassVar[type[DomainEvent]]
        DebtorAnswered: ClassVar[type[DomainEvent]]
        DeadlinesRecomputed: ClassVar[type[DomainEvent]]
        CertificateRefused: ClassVar[type[DomainEvent]]
        Issued: ClassVar[type[DomainEvent]]
        Revoked: ClassVar[type[DomainEvent]]

    @event("Applied")
    def __init__(
        self,
        matter_type: MatterType,
        applicant_name: str,
        applicant_id_number: str,
        lives_abroad: bool,
        remote: bool,
        document_text: str,
        document_sha256: str,
        related_id: UUID | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.matter_type = matter_type
        self.applicant_name = applicant_name
        self.applicant_id_number = applicant_id_number
        self.lives_abroad = lives_abroad
        self.remote = remote
        self.document_text = document_text
        self.document_sha256 = document_sha256
        self.related_id = related_id
        self.state = MatterState.APPLIED
        self.fee_fen = 0
        self.refusal_reasons: list[str] = []
        self.identity_checks: list[IdentityVerification] = []
        self.answers: list[Answer] = []
        self.video_session_id: UUID | None = None
        self.signing_method: SigningMethod | None = None
        self.paper_original: str | None = None
        self.enforcement_accepted_by: str | None = None
        self.letter_deadline: Deadline | None = None
        self.letter_sha256: str | None = None
        self.issuance: Issuance | None = None
        self.revocation_reason: str | None = None

    def _require(self, act: str, *states: MatterState) -> None:
        if self.state not in states:
            raise self._refuse(
                act, "state", "'{name}' is not allowed while '{state}'", name=act, state=self.state
            )

    # --- intake ---------------------------------------------------------------------------

    def check_eligibility(
        self, related_ok: bool, related_detail: str, actor: Actor, at: datetime
    ) -> None:
        """Intake: the reasons it cannot be taken, or the fee. `related_ok` is what the
        application found about the related record (an effective agreement, a defaulted
        notarized one, a recording)."""
        self._require("check_eligibility", MatterState.APPLIED)
        reasons = []
        if self.remote and not self.lives_abroad:
            reasons.append("remote notarization is for applicants who live abroad")
        if not related_ok:
            reasons.append(related_detail)
        self._eligibility_checked(
            eligible=not reasons,
            reasons=reasons,
            fee_fen=FEES_FEN[self.matter_type] if not reasons else 0,
            actor=actor,
            occurred_at=at,
        )

    @event("EligibilityChecked")
    def _eligibility_checked(
        self, eligible: bool, reasons: list[str], fee_fen: int, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = MatterState.ACCEPTED if eligible else MatterState.REFUSED
        self.refusal_reasons = reasons
        self.fee_fen = fee_fen

    # --- the session ------------------------------------------------------------------------

    def link_session(self, session_id: UUID, actor: Actor, at: datetime) -> None:
        self._require("link_session", MatterState.ACCEPTED)
        self._session_linked(session_id=session_id, actor=actor, occurred_at=at)

    @event("SessionLinked")
    def _session_linked(self, session_id: UUID, actor: Actor, occurred_at: datetime) -> None:
        self.video_session_id = session_id

    @property
    def identity_verified(self) -> bool:
        return any(check.passed for check in self.identity_checks)

    def record_identity_check(
        self, method: IdentityMethod, passed: bool, actor: Actor, at: datetime
    ) -> None:
        self._require("record_identity_check", MatterState.ACCEPTED)
        if self.identity_verified:
            raise self._refuse("record_identity_check", "verified", "the identity is verified")
        attempt = len(self.identity_checks) + 1
        if attempt > MAX_IDENTITY_ATTEMPTS:
            raise self._refuse(
                "record_identity_check",
                "attempts_exhausted",
                "{attempts} failed attempts: the applicant must come in person",
                attempts=MAX_IDENTITY_ATTEMPTS,
            )
        check = IdentityVerification(method, passed, attempt, actor.actor_id, at)
        self._identity_checked(check=check, actor=actor, occurred_at=at)

    @event("IdentityChecked")
    def _identity_checked(
        self, check: IdentityVerification, actor: Actor, occurred_at: datetime
    ) -> None:
        self.identity_checks = [*self.identity_checks, check]

    def record_answer(self, question: str, answer: str, actor: Actor, at: datetime) -> None:
        self._require("record_answer", MatterState.ACCEPTED)
        self._answered(
            answer=Answer(_text(question, "question", 1_000), _text(answer, "answer", 5_000)),
            actor=actor,
            occurred_at=at,
        )

    @event("QuestionAnswered")
    def _answered(self, answer: Answer, actor: Actor, occurred_at: datetime) -> None:
        self.answers = [*self.answers, answer]

    def sign(
        self,
        method: SigningMethod,
        document_sha256: str,
        paper_original: str | None,
        accepts_enforcement: bool,
        actor: Actor,
        at: datetime,
    ) -> None:
        """The applicant signs what was read to them: bound to the verified identity and the
        document's hash; wet ink is shown on video and its paper original tracked."""
        self._require("sign", MatterState.ACCEPTED)
        if self.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            raise self._refuse("sign", "not_signed", "an enforcement certificate is not signed")
        if not self.identity_verified:
            raise self._refuse("sign", "identity_unverified", "verify the identity first")
        if document_sha256 != self.document_sha256:
            raise InvalidValue("document_sha256", "is not the hash of this matter's document")
        if method is SigningMethod.WET_INK and not (paper_original or "").strip():
            raise InvalidValue("paper_original", "say where the paper original is kept")
        if self.matter_type == MatterType.ENFORCEABLE_AGREEMENT and not accepts_enforcement:
            raise InvalidValue(
                "accepts_enforcement",
                "the debtor must accept enforcement for the instrument to have that effect",
            )
        self._signed(
            method=method,
            document_sha256=document_sha256,
            signer_id_number=self.applicant_id_number,
            paper_original=(paper_original or "").strip() or None,
            accepts_enforcement=accepts_enforcement,
            actor=actor,
            occurred_at=at,
        )

    @event("Signed")
    def _signed(
        self,
        method: SigningMethod,
        document_sha256: str,
        signer_id_number: str,
        paper_original: str | None,
        accepts_enforcement: bool,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.state = MatterState.SIGNED
        self.signing_method = method
        self.paper_original = paper_original
        if accepts_enforcement:
            self.enforcement_accepted_by = signer_id_number

    # --- enforcement certificate -----------------------------------------------------------

    def check_letter_servable(self) -> None:
        """Before the letter is written: an accepted enforcement-certificate matter."""
        self._require("serve_letter", MatterState.ACCEPTED)
        if self.matter_type != MatterType.ENFORCEMENT_CERTIFICATE:
            raise self._refuse("serve_letter", "not_enforcement", "only for enforcement matters")

    def send_letter(self, letter_sha256: str, actor: Actor, at: datetime) -> None:
        """The verification letter (its signed PDF's hash) goes to the debtor; its deadline
        waits for the recorded delivery (公证程序规则 art. 55)."""
        self.check_letter_servable()
        self._letter_sent(letter_sha256=letter_sha256, actor=actor, occurred_at=at)

    @event("VerificationLetterSent")
    def _letter_sent(self, letter_sha256: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = MatterState.LETTER_SENT
        self.letter_sha256 = letter_sha256
        self.letter_sent_at = occurred_at

    @event("VerificationLetterServed")
    def _letter_served(
        self, deadline: Deadline, letter_sha256: str, actor: Actor, occurred_at: datetime
    ) -> None:
        """Letters recorded before delivery was: the deadline ran from the notary's act."""
        self.state = MatterState.LETTER_SERVED
        self.letter_deadline = deadline
        self.letter_sha256 = letter_sha256

    def record_letter_delivery(
        self,
        method: DeliveryMethod,
        delivered_at: datetime,
        reference: str,
        calendar: WorkingCalendar,
        actor: Actor,
        at: datetime,
    ) -> None:
        """The letter reached the debtor: the debtor's days to answer run from that day."""
        self._require("record_letter_delivery", MatterState.LETTER_SENT)
        how = DeliveryMethod(method)
        if delivered_at.tzinfo is None:
            raise InvalidValue("delivered_at", "must carry a time zone")
        if delivered_at > at:
            raise InvalidValue("delivered_at", "must not be in the future")
        if self.letter_sent_at is not None and delivered_at < self.letter_sent_at:
            raise InvalidValue("delivered_at", "must not be before the letter was sent")
        reference = reference.strip()
        if how is DeliveryMethod.POSTAL and not reference:
            raise InvalidValue("reference", "postal service records its tracking number")
        self._letter_delivered(
            delivery=LetterDelivery(
                how,
                delivered_at,
                check_text(reference, "reference", 200, required=False),
                actor.actor_id,
            ),
            deadline=letter_deadline(calendar, delivered_at),
            actor=actor,
            occurred_at=at,
        )

    @event("LetterDelivered")
    def _letter_delivered(
        self, delivery: LetterDelivery, deadline: Deadline, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = MatterState.LETTER_SERVED
        self.letter_delivery = delivery
        self.letter_deadline = deadline

    def record_debtor_answer(
        self, kind: AnswerKind, text: str, received_at: datetime, actor: Actor, at: datetime
    ) -> None:
        """The debtor's reply or objection, recorded for the notary's decision."""
        self._require("record_debtor_answer", MatterState.LETTER_SENT, MatterState.LETTER_SERVED)
        if received_at.tzinfo is None:
            raise InvalidValue("received_at", "must carry a time zone")
        if received_at > at:
            raise InvalidValue("received_at", "must not be in the future")
        answer = DebtorAnswer(AnswerKind(kind), _text(text, "text"), received_at, actor.actor_id)
        self._debtor_answered(answer=answer, actor=actor, occurred_at=at)

    @event("DebtorAnswered")
    def _debtor_answered(self, answer: DebtorAnswer, actor: Actor, occurred_at: datetime) -> None:
        self.debtor_answers = (*self.debtor_answers, answer)

    def recompute_deadlines(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> bool:
        """Apply a newly loaded official schedule to a served letter's deadline; True when it
        moved or firmed up."""
        if self.state != MatterState.LETTER_SERVED or self.letter_deadline is None:
            return False
        deadline = self.letter_deadline.recomputed(calendar)
        if deadline == self.letter_deadline:
            return False
        self._deadlines_recomputed(letter_deadline=deadline, actor=actor, occurred_at=at)
        return True

    @event("DeadlinesRecomputed")
    def _deadlines_recomputed(
        self, letter_deadline: Deadline, actor: Actor, occurred_at: datetime
    ) -> None:
        self.letter_deadline = letter_deadline

    def refuse_certificate(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("refuse_certificate", MatterState.LETTER_SENT, MatterState.LETTER_SERVED)
        self._certificate_refused(
            reason=_text(reason, "reason", 2_000), actor=actor, occurred_at=at
        )

    @event("CertificateRefused")
    def _certificate_refused(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = MatterState.REFUSED
        self.refusal_reasons = [reason]

    # --- issuance ---------------------------------------------------------------------------

    def check_issuable(self, at: datetime) -> None:
        """Refuses before anything is rendered or signed."""
        if self.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            self._require("issue", MatterState.LETTER_SERVED)
            assert self.letter_deadline is not None
            if not self.letter_deadline.has_passed(at):
                raise self._refuse(
                    "issue",
                    "letter_deadline",
                    "the debtor may answer until {due}",
                    due=self.letter_deadline.due,
                )
            if self.letter_deadline.provisional:  # nothing irreversible on a guess
                raise self._refuse(
                    "issue",
                    "provisional_deadline",
                    "the letter's deadline falls in a year whose official holiday schedule is "
                    "not loaded: load it (tiaojie calendar load) to know when it ends",
                )
        else:
            self._require("issue", MatterState.SIGNED)

    def issue(self, issuance: Issuance, actor: Actor, at: datetime) -> None:
        self.check_issuable(at)
        self._issued(issuance=issuance, actor=actor, occurred_at=at)

    @event("Issued")
    def _issued(self, issuance: Issuance, actor: Actor, occurred_at: datetime) -> None:
        self.state = MatterState.ISSUED
        self.issuance = issuance

    def revoke(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("revoke", MatterState.ISSUED)
        self._revoked(reason=_text(reason, "reason", 2_000), actor=actor, occurred_at=at)

    @event("Revoked")
    def _revoked(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = MatterState.REVOKED
        self.revocation_reason = reason

    @property
    def enforceable(self) -> bool:
        """A notarized agreement with the debtor's acceptance of enforcement, in force."""
        return (
            self.matter_type == MatterType.ENFORCEABLE_AGREEMENT
            and self.state == MatterState.ISSUED
            and self.enforcement_accepted_by is not None
        )
