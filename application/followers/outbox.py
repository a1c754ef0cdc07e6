"""The outbox: electronic service of agreements, rulings, decisions and letters, and reminders
before due dates.

Served only where the addressee's consent and address are on the case. Each service is queued
once (its ID is derived from the document and the addressee), then sent through its channel and
its delivery recorded as an event, in the serving institution's store; a send that fails is
recorded as failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import singledispatchmethod
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

from application.court.app import Court
from application.followers.channels import Channels, DeliveryFailed
from application.mediation_center.app import MediationCenter
from application.notary_office.app import NotaryOffice
from application.shared.following import followed_by
from application.shared.institution import Institution
from domain.court.court_documents import decision_text, mediation_document_text, ruling_text
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.agreement_text import sha256_hex
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import RepaymentAgreement
from domain.notary.notarial_matter import LETTER_DAYS, NotarialMatter
from domain.shared.document_service import DocumentService, reminder_id
from domain.shared.filing import SideRole
from domain.shared.money import format_yuan


class Outbox:
    """Follows the mediation center and the court: an agreement taking effect is served on the
    sides by the center, a ruling or judgment by the court (each in its own store)."""

    def __init__(
        self,
        center: MediationCenter,
        court: Court,
        notary: NotaryOffice,
        channels: Channels,
        tracking: TrackingRecorder,
        reminder_days: int,
    ) -> None:
        self.center = center
        self.court = court
        self.notary = notary
        self.channels = channels
        self.tracking = tracking
        self.reminder_days = reminder_days

    def position(self, application_name: str) -> int:
        return self.tracking.max_tracking_id(f"outbox:{application_name}") or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            self.react(domain_event)
            self.tracking.insert_tracking(
                Tracking(f"outbox:{tracking.application_name}", tracking.notification_id)
            )

    @singledispatchmethod
    def react(self, domain_event: Any) -> None:
        """Events that serve nothing."""

    @react.register(RepaymentAgreement.TookEffect)
    def _took_effect(self, domain_event: Any) -> None:
        self.serve_agreement(domain_event.originator_id)

    @react.register(JudicialConfirmation.Ruled)
    def _ruled(self, domain_event: Any) -> None:
        self.serve_ruling(domain_event.originator_id, domain_event.originator_version)

    @react.register(LitigationCase.Decided)
    def _decided(self, domain_event: Any) -> None:
        self.serve_decision(domain_event.originator_id, domain_event.summary)

    @react.register(LitigationCase.DocumentServed)
    def _document_served(self, domain_event: Any) -> None:
        self.serve_mediation_document(domain_event.originator_id)

    @react.register(NotarialMatter.VerificationLetterServed)  # letters counted from the act
    @react.register(NotarialMatter.VerificationLetterSent)
    def _letter(self, domain_event: Any) -> None:
        self.serve_letter(domain_event.originator_id)

    follows = followed_by(react)

    def serve_agreement(self, agreement_id: UUID) -> list[DocumentService]:
        agreement = self.center.load(agreement_id, RepaymentAgreement)
        case = self.center.file_of(agreement.case_id)
        served = []
        for side in SideRole:
            address = case.service_addresses.get(side)
            if address is None:
                continue  # no consent to electronic service: not served electronically
            service = self._serve(
                document_id=agreement.id,
                addressee=str(side),
                case_id=case.id,
                kind="repayment_agreement",
                channel=str(address.channel),
                address=address.address,
                subject=f"调解协议书 {case.filing_number} / Mediation agreement",
                body=agreement.text + f"\nSHA-256: {agreement.text_sha256}\n",
                document_sha256=agreement.text_sha256,
            )
            if service is not None:
                served.append(service)
        return served

    def serve_ruling(self, confirmation_id: UUID, version: int) -> list[DocumentService]:
        confirmation = self.court.load(confirmation_id, JudicialConfirmation, version)
        case = self.center.file_of(confirmation.mediation_case_id)
        text = ruling_text(confirmation, case.filing.applicant.name, case.filing.respondent.name)
        return self._serve_court_document(
            uuid5(confirmation_id, f"ruling:{version}"),
            case,
            "confirmation_ruling",
            f"民事裁定书 {confirmation.docket_number} / Civil ruling",
            text,
        )

    def serve_decision(self, litigation_id: UUID, summary: str) -> list[DocumentService]:
        """Served electronically where a mediation file holds the sides' consent to it."""
        litigation = self.court.load(litigation_id, LitigationCase)
        if litigation.mediation_case_id is None:
            return []
        return self._serve_court_document(
            uuid5(litigation_id, "decision"),
            self.center.file_of(litigation.mediation_case_id),
            str(litigation.outcome),
            f"{litigation.docket_number} 裁判文书 / Court decision",
            decision_text(litigation, summary),
        )

    def serve_mediation_document(self, litigation_id: UUID) -> list[DocumentService]:
        """The civil mediation document, to the addresses the sides consented to in the
        entrusted mediation (their signed receipts are what make it effective)."""
        litigation = self.court.load(litigation_id, LitigationCase)
        if litigation.mediation_case_id is None:
            return []
        return self._serve_court_document(
            uuid5(litigation_id, f"mediation_document:{litigation.mediation_case_id}"),
            self.center.file_of(litigation.mediation_case_id),
            "court_mediation_document",
            f"民事调解书 {litigation.docket_number} / Civil mediation document",
            mediation_document_text(litigation),
        )

    def serve_letter(self, matter_id: UUID) -> list[DocumentService]:
        """The notary's verification letter, on the debtor of the notarized agreement."""
        matter = self.notary.load(matter_id, NotarialMatter)
        assert matter.related_id is not None
        assert matter.letter_sha256 is not None
        instrument = self.notary.load(matter.related_id, NotarialMatter)
        assert instrument.related_id is not None
        agreement = self.center.load(instrument.related_id, RepaymentAgreement)
        case = self.center.file_of(agreement.case_id)
        debtor = agreement.plan.debtor
        address = case.service_addresses.get(debtor)
        if address is None:
            return []  # no consent to electronic service: served by post, outside the platform
        url = f"{self.notary.public_url}/verify"
        if matter.letter_deadline is not None:  # a letter recorded before delivery counted
            due = matter.letter_deadline.due.isoformat()
            answer = (f"请于{due}前答复。", f"Please answer the notary office by {due}.")
        else:
            answer = (
                f"请自收到之日起{LETTER_DAYS}日内答复。",
                f"Please answer the notary office within {LETTER_DAYS} days of receipt.",
            )
        document_id = uuid5(matter_id, f"letter:{matter.letter_sha256}")
        service = self._serve(
            document_id=document_id,
            addressee=str(debtor),
            case_id=case.id,
            kind="verification_letter",
            channel=str(address.channel),
            address=address.address,
            subject=f"核实函 Verification letter {case.filing_number}",
            body=(
                f"公证处就您的债务出具执行证书前向您核实，{answer[0]}"
                f"{answer[1]} SHA-256: {matter.letter_sha256} {url}"
            ),
            document_sha256=matter.letter_sha256,
            store=self.notary,
        )
        # The debtor's days run from the delivery: recorded on the matter, also when this
        # letter was delivered before a crash stopped it being recorded.
        delivered = service or self.notary.find(
            DocumentService.create_id(document_id, str(debtor)), DocumentService
        )
        if delivered is not None and delivered.delivered_at is not None:
            self.notary.record_electronic_delivery(
                matter_id, delivered.delivered_at, str(delivered.id)
            )
        return [service] if service else []

    def _serve_court_document(
        self, document_id: UUID, case: MediationCase, kind: str, subject: str, text: str
    ) -> list[DocumentService]:
        served = []
        for side in SideRole:
            address = case.service_addresses.get(side)
            if address is None:
                continue
            service = self._serve(
                document_id=document_id,
                addressee=str(side),
                case_id=case.id,
                kind=kind,
                channel=str(address.channel),
                address=address.address,
                subject=subject,
                body=text + f"\nSHA-256: {sha256_hex(text)}\n",
                document_sha256=sha256_hex(text),
                store=self.court,
            )
            if service is not None:
                served.append(service)
        return served

    def remind(self, today: date) -> int:
        """Remind each debtor `reminder_days` before each unpaid instalment, once."""
        count = 0
        for agreement in self.center.effective_agreements():
            case = self.center.file_of(agreement.case_id)
            debtor = agreement.plan.debtor
            address = case.service_addresses.get(debtor)
            if address is None:
                continue
            for number, item in enumerate(agreement.plan.instalments, 1):
                outstanding = item.amount_fen - agreement.paid_on_instalment(number)
                starts = item.due_date - timedelta(days=self.reminder_days)
                if outstanding <= 0 or not starts <= today <= item.due_date:
                    continue
                body = (
                    f"您在案件{case.filing_number}中的第{number}期还款"
                    f"{format_yuan(outstanding)}元将于{item.due_date.isoformat()}到期。\n"
                    f"Instalment {number} of case {case.filing_number}: CNY "
                    f"{format_yuan(outstanding)} due on {item.due_date.isoformat()}."
                )
                if self._serve(
                    document_id=reminder_id(agreement.id, number),
                    addressee=str(debtor),
                    case_id=case.id,
                    kind="reminder",
                    channel=str(address.channel),
                    address=address.address,
                    subject=f"还款提醒 Repayment reminder {case.filing_number}",
                    body=body,
                    document_sha256=sha256_hex(body),
                ):
                    count += 1
        return count

    def _serve(
        self,
        *,
        document_id: UUID,
        addressee: str,
        case_id: UUID,
        kind: str,
        channel: str,
        address: str,
        subject: str,
        body: str,
        document_sha256: str,
        store: Institution[Any] | None = None,
    ) -> DocumentService | None:
        """Queue (once), send and record; in the serving institution's store."""
        app = store or self.center
        service = DocumentService(
            document_id=document_id,
            addressee=addressee,
            case_id=case_id,
            kind=kind,
            channel=channel,
            address=address,
            document_sha256=document_sha256,
            occurred_at=self.center.clock(),
        )
        try:
            app.save(service)
        except IntegrityError:  # queued before, by this process or another
            service = app.load(service.id, DocumentService)
            if service.state != "queued":
                return None  # served once
            # Its sender stopped before recording the send (a crash, a kill): send again
            # under the same message id, which the channel keeps once.
        sent_at = self.center.clock()
        try:
            delivered_at = self.channels.send(
                channel, address, subject, body, message_id=f"service:{service.id}"
            )
        except DeliveryFailed as error:
            service.failed(str(error), self.center.clock())
        else:
            service.delivered(sent_at, delivered_at)
        try:
            app.save(service)
        except IntegrityError:
            return None  # another worker sent the same message and recorded it first
        return service
