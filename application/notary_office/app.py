"""NotaryOffice: the notary office's system of record, with a store of its own.

Its notaries take applications, check eligibility, verify identities, record the session and
the signing, and issue certificates: a PDF rendered from the canonical text, signed PAdES under
the office's certificate, its SHA-256 and the signer certificate's fingerprint recorded in the
`Issued` event (and so in the audit trail), numbered per office and year. Anyone may verify a
certificate by its number and the PDF (or the PDF's hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Recording

from application.documents.pki import SignatureCheck
from application.documents.signed_documents import SignedDocuments
from application.shared.access import Forbidden, Principal
from application.shared.commanding import number_sequence, replay, save_retrying
from application.shared.errors import NotFound
from application.shared.following import SaveListeners
from application.shared.transcodings import register_domain_transcodings
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement, sha256_hex
from domain.notary.certificate_number import CERTIFICATE_KIND_LABEL, CertificateNumber
from domain.notary.notarial_matter import (
    TITLES,
    IdentityMethod,
    Issuance,
    MatterState,
    MatterType,
    NotarialMatter,
    SigningMethod,
    letter_deadline,
)
from domain.shared.actors import Role
from domain.shared.errors import InvalidValue
from domain.shared.numbering import NumberSequence, format_number
from domain.shared.periods import Deadline, WorkingCalendar, shanghai_date


@dataclass(frozen=True)
class OfficeConfig:
    code: str
    name: str
    prefix: str


@dataclass(frozen=True)
class Verification:
    certificate_number: str
    found: bool
    genuine: bool
    current: bool
    revoked: bool
    detail: str
    matter_id: UUID | None = None
    matter_type: str | None = None
    issued_at: datetime | None = None
    pdf_sha256: str | None = None
    signature: SignatureCheck | None = None


class NotaryOffice(SaveListeners, Application[UUID]):
    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], OfficeConfig],
        documents: SignedDocuments,
        public_url: str,
        agreement: Callable[[UUID], RepaymentAgreement],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.calendar = calendar
        self._config = config
        self.documents = documents
        self.pki = documents.pki
        self.public_url = public_url.rstrip("/")
        self._agreement = agreement
        self.retries = retries
        self._init_listeners()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        super()._notify(recordings)
        self._tell(recordings)

    @property
    def config(self) -> OfficeConfig:
        return self._config()

    # --- access ---------------------------------------------------------------------------

    def _notary(self, principal: Principal, act: str) -> None:
        if principal.role is not Role.NOTARY or principal.institution != self.config.code:
            raise Forbidden(act, "only the office's notaries act on notarial matters")

    def _get(self, aggregate_id: UUID, kind: type[Any]) -> Any:
        try:
            found = self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(str(aggregate_id)) from None
        if not isinstance(found, kind):
            raise NotFound(str(aggregate_id))
        return found

    def matter(self, matter_id: UUID, principal: Principal) -> NotarialMatter:
        """For the office's notaries and the applicant; to anyone else it does not exist."""
        found: NotarialMatter = self._get(matter_id, NotarialMatter)
        notary = principal.role is Role.NOTARY and principal.institution == self.config.code
        applicant = principal.role is Role.PARTY and principal.id_number == (
            found.applicant_id_number
        )
        if not (notary or applicant or principal.role is Role.SYSTEM):
            raise NotFound(str(matter_id))
        return found

    def _save(self, what: str, attempt: Callable[[datetime], Sequence[Aggregate]]) -> Any:
        return save_retrying(self, self.clock, self.retries, what, attempt)[0]

    # --- intake ---------------------------------------------------------------------------

    def apply(
        self,
        principal: Principal,
        matter_type: MatterType,
        applicant_name: str,
        applicant_id_number: str,
        *,
        lives_abroad: bool,
        remote: bool,
        document_text: str,
        related_id: UUID | None,
    ) -> NotarialMatter:
        """The notary takes an application. A notarized agreement's document is the agreement's
        own canonical text; an enforcement certificate's is written at issuance."""
        self._notary(principal, "apply")
        if matter_type == MatterType.ENFORCEABLE_AGREEMENT:
            if related_id is None:
                raise InvalidValue("related_id", "name the repayment agreement")
            document_text = self._agreement(related_id).text
        elif matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            if related_id is None:
                raise InvalidValue("related_id", "name the notarized agreement's matter")
            document_text = document_text.strip() or "申请出具执行证书。Enforcement certificate."
        if matter_type != MatterType.ENFORCEABLE_AGREEMENT:
            document_text = document_text.strip()  # the agreement's text is hashed as signed
        if not document_text.strip():
            raise InvalidValue("document_text", "must not be empty")
        if not applicant_name.strip():
            raise InvalidValue("applicant_name", "must not be empty")

        def attempt(now: datetime) -> Sequence[Aggregate]:
            return [
                NotarialMatter(
                    matter_type=matter_type,
                    applicant_name=applicant_name.strip(),
                    applicant_id_number=applicant_id_number,
                    lives_abroad=lives_abroad,
                    remote=remote,
                    document_text=document_text,
                    document_sha256=sha256_hex(document_text),
                    related_id=related_id,
                    actor=principal.actor,
                    occurred_at=now,
                )
            ]

        found: NotarialMatter = self._save("notarial matter", attempt)
        return found

    def _related(self, matter: NotarialMatter) -> tuple[bool, str]:
        """What eligibility needs to know about the related record."""
        if matter.matter_type == MatterType.ENFORCEABLE_AGREEMENT:
            assert matter.related_id is not None
            agreement = self._agreement(matter.related_id)
            if agreement.state != AgreementState.EFFECTIVE:
                return False, f"the agreement is {agreement.state}, not in effect"
            return True, ""
        if matter.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            assert matter.related_id is not None
            try:
                instrument: NotarialMatter = self._get(matter.related_id, NotarialMatter)
            except NotFound:
                return False, "no such notarized instrument"
            if not instrument.enforceable:
                return False, "the instrument is not a notarized agreement with enforcement effect"
            assert instrument.related_id is not None
            agreement = self._agreement(instrument.related_id)
            if agreement.state != AgreementState.DEFAULTED:
                return False, "the agreement is not in default"
            return True, ""
        return True, ""

    def act(self, matter_id: UUID, principal: Principal, act: str, **params: Any) -> NotarialMatter:
        """Every notary act but issuance, by name (the HTTP layer's one route per act)."""
        self._notary(principal, act)
        actor = principal.actor

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found: NotarialMatter = self._get(matter_id, NotarialMatter)
            if act == "check_eligibility":
                ok, detail = self._related(found)
                found.check_eligibility(ok, detail, actor, now)
            elif act == "link_session":
                found.link_session(params["session_id"], actor, now)
            elif act == "record_identity_check":
                found.record_identity_check(
                    IdentityMethod(params["method"]), params["passed"], actor, now
                )
            elif act == "record_answer":
                found.record_answer(params["question"], params["answer"], actor, now)
            elif act == "sign":
                found.sign(
                    SigningMethod(params["method"]),
                    params["document_sha256"],
                    params.get("paper_original"),
                    params.get("accepts_enforcement", False),
                    actor,
                    now,
                )
            elif act == "serve_letter":
                deadline = letter_deadline(self.calendar, now)
                letter = self.documents.issue(
                    f"letter-{found.id}-{now.strftime('%Y%m%dT%H%M%S%f')}",
                    (self.config.code, self.config.name),
                    "核实函",
                    "Verification letter",
                    self._letter_text(found, deadline),
                    self.public_url,
                )
                found.serve_letter(deadline, hashlib.sha256(letter).hexdigest(), actor, now)
            elif act == "refuse_certificate":
                found.refuse_certificate(params["reason"], actor, now)
            elif act == "revoke":
                found.revoke(params["reason"], actor, now)
            else:
                raise NotFound(act)
            return [found]

        result: NotarialMatter = self._save(f"notarial matter {matter_id}", attempt)
        return result

    # --- issuance -------------------------------------------------------------------------

    def _letter_text(self, matter: NotarialMatter, deadline: Deadline) -> str:
        assert matter.related_id is not None
        instrument: NotarialMatter = self._get(matter.related_id, NotarialMatter)
        issuance = instrument.issuance
        number = issuance.certificate_number if issuance else str(instrument.id)
        due = deadline.due.isoformat()
        return (
            f"{matter.applicant_name}申请就经公证的债权文书{number}出具执行证书，称债务人未履行"
            f"该文书所载义务。请债务人于{due}前向本处书面说明履行情况或提出异议；"
            "逾期未答复的，本处将依法审查出具执行证书。\n\n"
            f"{matter.applicant_name} has applied for an enforcement certificate on the notarized "
            f"instrument {number}, stating that it has not been performed. Answer in writing by "
            f"{due}; after that date the office decides on the certificate."
        )

    def _certificate_text(self, matter: NotarialMatter, number: str, at: datetime) -> str:
        zh, en = TITLES[matter.matter_type]
        day = shanghai_date(at)
        lines = [
            f"{number}",
            f"申请人：{matter.applicant_name}",
            (
                f"兹证明{matter.applicant_name}于{day.year}年{day.month}月{day.day}日"
                f"{'通过远程视频' if matter.remote else ''}在本公证员面前签署了所附文书，"
                "其身份经核实无误，签署系其真实意思表示。"
            ),
        ]
        if matter.enforcement_accepted_by:
            lines.append("债务人承诺：不履行或不适当履行义务时，愿意接受依法强制执行。")
        if matter.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            lines = [
                f"{number}",
                f"申请执行人：{matter.applicant_name}",
                (
                    f"经核查，被执行人未履行经公证的具有强制执行效力的债权文书（{matter.related_id}）"
                    "所载义务，且在核实函期限内未提出成立的异议。申请执行人可持本证书向有管辖权的"
                    "人民法院申请执行。"
                ),
            ]
        lines += [
            "",
            f"{en} {number}. Applicant: {matter.applicant_name}. Issued {day.isoformat()}.",
            f"文书 SHA-256 / document SHA-256: {matter.document_sha256}",
            "",
            matter.document_text,
            "",
            f"{self.config.name}",
            f"{zh}",
        ]
        return "\n".join(lines)

    def issue(self, matter_id: UUID, principal: Principal) -> NotarialMatter:
        """Number, render, sign, store, record: one save with the number and its index."""
        self._notary(principal, "issue")
        config = self.config
        found: NotarialMatter = self._get(matter_id, NotarialMatter)
        found.check_issuable(self.clock())

        def attempt(now: datetime) -> Sequence[Aggregate]:
            matter: NotarialMatter = self._get(matter_id, NotarialMatter)
            matter.check_issuable(now)
            year = shanghai_date(now).year
            sequence = self._sequence(year)
            number = format_number(
                config.prefix, CERTIFICATE_KIND_LABEL, year, sequence.take(1, now)[0]
            )
            zh, en = TITLES[matter.matter_type]
            office = (config.code, config.name)
            pdf = self.documents.issue(
                f"certificate-{matter.id}-{year}-{number.split(CERTIFICATE_KIND_LABEL)[-1]}",
                office,
                zh,
                en,
                self._certificate_text(matter, number, now),
                self.verification_url(number),
            )
            digest = hashlib.sha256(pdf).hexdigest()
            self.documents.store_alias(digest, pdf)
            matter.issue(
                Issuance(number, digest, self.documents.fingerprint(office), now),
                principal.actor,
                now,
            )
            return [matter, sequence, CertificateNumber(number, matter.id)]

        issued: NotarialMatter = self._save(f"notarial matter {matter_id}", attempt)
        return issued

    def _sequence(self, year: int) -> NumberSequence:
        return number_sequence(self, self.config.code, CERTIFICATE_KIND_LABEL, year)

    def verification_url(self, number: str) -> str:
        return f"{self.public_url}/verify?number={quote(number)}"

    def certificate_pdf(self, matter_id: UUID, principal: Principal) -> bytes:
        found = self.matter(matter_id, principal)
        if found.issuance is None:
            raise NotFound(f"{matter_id} has no certificate")
        return self.documents.path(found.issuance.pdf_sha256).read_bytes()

    def letter_pdf(self, matter_id: UUID, principal: Principal) -> bytes:
        found = self.matter(matter_id, principal)
        if found.letter_sha256 is None:
            raise NotFound(f"{matter_id} has no verification letter")
        return self.documents.path(found.letter_sha256).read_bytes()

    # --- verification -----------------------------------------------------------------------

    def verify(self, number: str, pdf: bytes | None, sha256: str | None) -> Verification:
        """Genuine: the very file issued under this number, its signature intact and trusted.
        Current: not revoked."""
        try:
            index: CertificateNumber = self._get(
                CertificateNumber.create_id(number.strip()), CertificateNumber
            )
        except NotFound:
            return Verification(
                number,
                found=False,
                genuine=False,
                current=False,
                revoked=False,
                detail="no such certificate",
            )
        matter: NotarialMatter = self._get(index.matter_id, NotarialMatter)
        issuance = matter.issuance
        assert issuance is not None
        signature = self.pki.check(pdf) if pdf is not None else None
        digest = hashlib.sha256(pdf).hexdigest() if pdf is not None else (sha256 or "").lower()
        same = digest == issuance.pdf_sha256
        genuine = same and (signature is None or signature.genuine)
        revoked = matter.state == MatterState.REVOKED
        if genuine:
            detail = "genuine"
        elif signature is not None and not signature.genuine:
            detail = f"not genuine: {signature.detail}"
        else:
            detail = "not genuine: not the file issued under this number"
        if revoked:
            detail += f"; revoked: {matter.revocation_reason}"
        return Verification(
            certificate_number=issuance.certificate_number,
            found=True,
            genuine=genuine,
            current=genuine and not revoked,
            revoked=revoked,
            detail=detail,
            matter_id=matter.id,
            matter_type=str(matter.matter_type),
            issued_at=issuance.issued_at,
            pdf_sha256=issuance.pdf_sha256,
            signature=signature,
        )

    def enforcement_certificate(self, number: str) -> NotarialMatter:
        """An issued, current enforcement certificate (for the court), or why not."""
        checked = self.verify(number, None, None)
        if not checked.found or checked.matter_id is None:
            raise InvalidValue("certificate_number", "no such certificate")
        matter: NotarialMatter = self._get(checked.matter_id, NotarialMatter)
        if matter.matter_type != MatterType.ENFORCEMENT_CERTIFICATE:
            raise InvalidValue("certificate_number", "is not an enforcement certificate")
        if matter.state != MatterState.ISSUED:
            raise InvalidValue("certificate_number", f"the certificate is {matter.state}")
        return matter

    def matters(self, principal: Principal) -> list[NotarialMatter]:
        """The office's matters for its notaries, a person's own for a party, newest first.
        Reads the log by topic; a read model replaces it when the numbers grow."""
        notary = principal.role is Role.NOTARY and principal.institution == self.config.code
        if not notary and principal.role is not Role.PARTY:
            return []
        topic = "domain.notary.notarial_matter:NotarialMatter.Applied"
        found: list[NotarialMatter] = []
        start = 1
        while page := self.recorder.select_notifications(start, 1000, topics=[topic]):
            for notification in page:
                matter: NotarialMatter = self._get(
                    UUID(str(notification.originator_id)), NotarialMatter
                )
                if notary or matter.applicant_id_number == principal.id_number:
                    found.append(matter)
            start = page[-1].id + 1
        return found[::-1]

    def instrument(self, matter_id: UUID) -> NotarialMatter:
        found: NotarialMatter = self._get(matter_id, NotarialMatter)
        return found
