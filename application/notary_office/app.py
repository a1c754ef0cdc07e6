"""NotaryOffice: the notary office's system of record, with a store of its own.

Its notaries take applications, check eligibility, verify identities, record the session and
the signing, and issue certificates (acts.py): a PDF rendered from the canonical text, signed
PAdES under the office's certificate, its SHA-256 and the signer certificate's fingerprint
recorded in the `Issued` event (and so in the audit trail), numbered per office and year.
Anyone may verify a certificate by its number and the PDF (or the PDF's hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.documents.pki import SignatureCheck
from application.documents.signed_documents import SignedDocuments
from application.notary_office import commands as cmd
from application.notary_office.acts import MATTER_ACTS
from application.notary_office.certificates import EnforcementStatement
from application.shared import access
from application.shared.access import SYSTEM, Principal
from application.shared.commands import Command
from application.shared.errors import NotFound
from application.shared.institution import Institution
from domain.mediation.agreement_text import sha256_hex
from domain.mediation.limitation import ENFORCEMENT_YEARS
from domain.mediation.limitation import running as limitation_running
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement
from domain.notary.certificate_number import CertificateNumber
from domain.notary.notarial_matter import DeliveryMethod, MatterState, MatterType, NotarialMatter
from domain.shared.errors import InvalidValue
from domain.shared.identity import normalize_id_number
from domain.shared.periods import WorkingCalendar


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


class NotaryOffice(Institution[OfficeConfig]):
    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], OfficeConfig],
        documents: SignedDocuments,
        public_url: str,
        agreement: Callable[[UUID], RepaymentAgreement],
        case_of: Callable[[UUID], MediationCase],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env, clock, calendar, config, retries=retries)
        self.documents = documents
        self.pki = documents.pki
        self.public_url = public_url.rstrip("/")
        self._agreement = agreement
        self._case_of = case_of

    def matter(self, matter_id: UUID, principal: Principal) -> NotarialMatter:
        """For the office's notaries and the applicant; to anyone else it does not exist."""
        found = self.load(matter_id, NotarialMatter)
        if not access.sees_matter(principal, self.config.code, found):
            raise NotFound(str(matter_id))
        return found

    # --- intake ---------------------------------------------------------------------------

    def apply(self, principal: Principal, data: cmd.TakeApplication) -> NotarialMatter:
        """The notary takes an application. A notarized agreement's document is the agreement's
        own canonical text; an enforcement certificate's is written at issuance."""
        access.check_notary_act(principal, self.config.code, data.act_name())
        matter_type = MatterType(data.matter_type)
        id_number = normalize_id_number(data.applicant_id_number, "applicant_id_number")
        document_text = data.document_text.strip()
        if matter_type == MatterType.ENFORCEABLE_AGREEMENT:
            agreement = self._related_agreement(data.related_id, id_number)
            document_text = agreement.text  # hashed as signed
        elif matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            instrument = self.find(data.related_id, NotarialMatter) if data.related_id else None
            if instrument is None or instrument.matter_type != MatterType.ENFORCEABLE_AGREEMENT:
                raise InvalidValue("related_id", "name this office's notarized agreement matter")
            self._related_agreement(instrument.related_id, id_number)
            document_text = document_text or "申请出具执行证书。Enforcement certificate."
        elif data.related_id is not None:
            raise InvalidValue(
                "related_id", "a {kind} matter relates to no record", kind=matter_type
            )
        if not document_text.strip():
            raise InvalidValue("document_text", "must not be empty")
        if not data.applicant_name.strip():
            raise InvalidValue("applicant_name", "must not be empty")

        def attempt(now: datetime) -> Sequence[Aggregate]:
            return [
                NotarialMatter(
                    matter_type=matter_type,
                    applicant_name=data.applicant_name.strip(),
                    applicant_id_number=id_number,
                    lives_abroad=data.lives_abroad,
                    remote=data.remote,
                    document_text=document_text,
                    document_sha256=sha256_hex(document_text),
                    related_id=data.related_id,
                    actor=principal.actor,
                    occurred_at=now,
                )
            ]

        found = self.save_retrying("notarial matter", attempt)[0]
        assert isinstance(found, NotarialMatter)
        return found

    def _related_agreement(self, agreement_id: UUID | None, applicant: str) -> RepaymentAgreement:
        """The agreement a matter is on, whose case has the applicant as a side: a notary
        sees an agreement only when one of its sides applies."""
        try:
            agreement = self._agreement(agreement_id) if agreement_id else None
        except NotFound:
            agreement = None
        if agreement is None:
            raise InvalidValue("related_id", "name an existing repayment agreement")
        access.check_matter_applicant(applicant, self._case_of(agreement.case_id))
        return agreement

    def related_record_allows(self, matter: NotarialMatter) -> tuple[bool, str]:
        """What eligibility needs to know about the related record."""
        if matter.matter_type == MatterType.ENFORCEABLE_AGREEMENT:
            assert matter.related_id is not None
            agreement = self._agreement(matter.related_id)
            if agreement.state != AgreementState.EFFECTIVE:
                return False, f"the agreement is {agreement.state}, not in effect"
            return True, ""
        if matter.matter_type == MatterType.ENFORCEMENT_CERTIFICATE:
            assert matter.related_id is not None
            instrument = self.find(matter.related_id, NotarialMatter)
            if instrument is None:
                return False, "no such notarized instrument"
            if not instrument.enforceable:
                return False, "the instrument is not a notarized agreement with enforcement effect"
            assert instrument.related_id is not None
            agreement = self._agreement(instrument.related_id)
            if agreement.state != AgreementState.DEFAULTED:
                return False, "the agreement is not in default"
            return True, ""
        return True, ""

    def enforcement_statement(self, matter: NotarialMatter) -> EnforcementStatement | None:
        """For an enforcement certificate: the debtor, what is owed by instalment after
        payments, and until when enforcement may be applied for."""
        if matter.matter_type != MatterType.ENFORCEMENT_CERTIFICATE or matter.related_id is None:
            return None
        instrument = self.load(matter.related_id, NotarialMatter)
        assert instrument.related_id is not None
        agreement = self._agreement(instrument.related_id)
        plan = agreement.plan
        debtor = self._case_of(agreement.case_id).filing.side(plan.debtor)
        last_due = plan.instalments[-1].due_date
        return EnforcementStatement(
            debtor=debtor.name,
            principal_fen=plan.principal_fen,
            interest_fen=plan.interest_fen,
            fees_fen=plan.fees_fen,
            waived_fen=plan.waived_fen,
            instalments=[
                (s.number, s.due_date, s.amount_fen, s.paid_fen)
                for s in agreement.statuses(last_due, self.calendar)
            ],
            outstanding_fen=plan.total_fen - agreement.paid_fen,
            apply_by=limitation_running(
                last_due, ENFORCEMENT_YEARS, last_due, self.calendar
            ).ends_on,
        )

    def record_electronic_delivery(
        self, matter_id: UUID, delivered_at: datetime, reference: str
    ) -> None:
        """The outbox delivered the verification letter: the debtor's days run from then
        (once; a letter recorded delivered already is left as it is)."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            matter = self.load(matter_id, NotarialMatter)
            if matter.state != MatterState.LETTER_SENT:
                return []
            matter.record_letter_delivery(
                DeliveryMethod.ELECTRONIC, delivered_at, reference, self.calendar, SYSTEM.actor, now
            )
            return [matter]

        self.save_retrying(f"notarial matter {matter_id}", attempt)

    # --- acts -----------------------------------------------------------------------------

    def act(self, matter_id: UUID, principal: Principal, command: Command) -> NotarialMatter:
        """Run an act on a notarial matter (MATTER_ACTS); the matter as saved. Load, then
        authorize: a matter the user may not see does not exist (404); the applicant sees it
        but may not act (403)."""
        handler = MATTER_ACTS[type(command)]

        def target() -> tuple[NotarialMatter, None]:
            found = self.matter(matter_id, principal)
            access.check_notary_act(principal, self.config.code, command.act_name())
            return found, None

        return self.run_act(f"notarial matter {matter_id}", principal, command, handler, target)

    # --- documents ------------------------------------------------------------------------

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
        index = self.find(CertificateNumber.create_id(number.strip()), CertificateNumber)
        if index is None:
            return Verification(
                number,
                found=False,
                genuine=False,
                current=False,
                revoked=False,
                detail="no such certificate",
            )
        matter = self.load(index.matter_id, NotarialMatter)
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
        matter = self.load(checked.matter_id, NotarialMatter)
        if matter.matter_type != MatterType.ENFORCEMENT_CERTIFICATE:
            raise InvalidValue("certificate_number", "is not an enforcement certificate")
        if matter.state != MatterState.ISSUED:
            raise InvalidValue(
                "certificate_number", "the certificate is {state}", state=matter.state
            )
        return matter

    def matters(self, principal: Principal) -> list[NotarialMatter]:
        """The office's matters for its notaries, a person's own for a party, newest first.
        Reads the log; a read model replaces it when the numbers grow."""
        ids = reversed(self.ids_of(NotarialMatter.Applied))
        return [
            matter
            for matter in (self.load(i, NotarialMatter) for i in ids)
            if access.sees_matter(principal, self.config.code, matter)
        ]

    def matters_on(self, agreement_ids: Sequence[UUID]) -> list[NotarialMatter]:
        """The matters on these agreements: notarized instruments, and the enforcement
        certificates on those. Reads the log; a read model replaces it as numbers grow."""
        matters = [self.load(i, NotarialMatter) for i in self.ids_of(NotarialMatter.Applied)]
        instruments = [m for m in matters if m.related_id in set(agreement_ids)]
        on_instruments = {m.id for m in instruments}
        return instruments + [m for m in matters if m.related_id in on_instruments]
