"""Court: the court's system of record, with a store of its own.

It is an eventsourcing process application following the mediation center: a failed pre-filing
mediation is docketed for litigation by itself (诉调对接), its new events recorded atomically with
the tracking position, so exactly once across restarts and competing workers. The court's
judges and clerks act on its cases (acts.py); judicial confirmation is applied for jointly by
the sides, enforcement by the creditor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from eventsourcing.system import ProcessApplication

from application.court.acts import CONFIRMATION_ACTS, LITIGATION_ACTS
from application.court.commands import LawsuitIn
from application.mediation_center.commands import filing_from
from application.shared import access
from application.shared.access import Deployment, Principal
from application.shared.commands import Command, Handler
from application.shared.errors import ConcurrencyConflict, NotFound
from application.shared.following import followed_by
from application.shared.institution import Institution
from domain.court.enforcement_case import ENFORCEMENT_KIND_LABEL, EnforcementCase
from domain.court.judicial_confirmation import (
    CONFIRMATION_KIND_LABEL,
    ConfirmationState,
    JudicialConfirmation,
)
from domain.court.litigation_case import LITIGATION_KIND_LABEL, LitigationCase, LitigationState
from domain.mediation.case_states import ReferralKind
from domain.mediation.limitation import ENFORCEMENT_YEARS
from domain.mediation.limitation import running as limitation_running
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement
from domain.notary.notarial_matter import NotarialMatter
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused
from domain.shared.filing import Procedure, SideRole
from domain.shared.numbering import NumberSequence, format_number
from domain.shared.periods import WorkingCalendar, shanghai_date

A = TypeVar("A")


@dataclass(frozen=True)
class CourtConfig:
    code: str
    docket_prefix: str
    deployment: Deployment


class Court(Institution[CourtConfig], ProcessApplication[UUID]):
    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], CourtConfig],
        mediation_file: Callable[[UUID, int | None], MediationCase],
        agreement_file: Callable[[UUID], RepaymentAgreement],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env, clock, calendar, config, retries=retries)
        self._mediation_file = mediation_file
        self._agreement_file = agreement_file

    # --- following the mediation center ---------------------------------------------------

    def position(self, application_name: str) -> int:
        return self.recorder.max_tracking_id(application_name) or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            self.process_event(domain_event, tracking)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Events the court does not react to."""

    @policy.register(MediationCase.MediationFailed)
    def _docket_failed_mediation(
        self, domain_event: Any, processing_event: ProcessingEvent[UUID]
    ) -> None:
        """A failed pre-filing mediation is docketed for litigation, carrying the file; a
        failed entrusted one resumes its lawsuit's trial."""
        case = self._mediation_file(domain_event.originator_id, domain_event.originator_version)
        if case.entrustment is not None:
            self._mediation_ended(
                case.entrustment.litigation_id, case.id, "failed", processing_event
            )
            return
        if case.referral_kind != ReferralKind.PRE_FILING:
            return
        now = self.clock()
        number, sequence = self._litigation_number(now)
        filing = case.filing
        litigation = LitigationCase(
            mediation_case_id=case.id,
            mediation_filing_number=case.filing_number,
            mediation_docket_number=case.docket_number,
            docket_number=number,
            plaintiff=filing.applicant.name,
            defendant=filing.respondent.name,
            claim_total_fen=filing.claim.total_fen,
            actor=self._docketing,
            occurred_at=now,
            filing=filing,
        )
        processing_event.collect_events(sequence, litigation)

    @policy.register(MediationCase.Withdrawn)
    def _entrusted_withdrawn(
        self, domain_event: Any, processing_event: ProcessingEvent[UUID]
    ) -> None:
        """An entrusted mediation withdrawn ends without agreement: the trial resumes."""
        case = self._mediation_file(domain_event.originator_id, domain_event.originator_version)
        if case.entrustment is not None:
            self._mediation_ended(
                case.entrustment.litigation_id, case.id, "withdrawn", processing_event
            )

    @policy.register(MediationCase.AgreementTookEffect)
    def _entrusted_settled(
        self, domain_event: Any, processing_event: ProcessingEvent[UUID]
    ) -> None:
        """An entrusted mediation settled: the agreement goes back to the lawsuit, for a
        civil mediation document or the plaintiff's withdrawal."""
        case = self._mediation_file(domain_event.originator_id, domain_event.originator_version)
        if case.entrustment is None:
            return
        agreement = self._agreement_file(domain_event.agreement_id)
        litigation = self._entrusting(case.entrustment.litigation_id, case.id)
        if litigation is not None:
            litigation.record_mediation_settled(
                case.id, agreement.id, agreement.text_sha256, self._docketing, self.clock()
            )
            processing_event.collect_events(litigation)

    def _mediation_ended(
        self,
        litigation_id: UUID,
        case_id: UUID,
        how: str,
        processing_event: ProcessingEvent[UUID],
    ) -> None:
        litigation = self._entrusting(litigation_id, case_id)
        if litigation is not None:
            litigation.record_mediation_ended(case_id, how, self._docketing, self.clock())
            processing_event.collect_events(litigation)

    def _entrusting(self, litigation_id: UUID, case_id: UUID) -> LitigationCase | None:
        """The lawsuit still waiting for this mediation (a withdrawn lawsuit waits no more)."""
        litigation = self.load(litigation_id, LitigationCase)
        if litigation.state != LitigationState.ENTRUSTED or litigation.mediation_case_id != case_id:
            return None
        return litigation

    @property
    def _docketing(self) -> Actor:
        return Actor("court-docketing", Role.SYSTEM, self.config.code)

    def _litigation_number(self, now: datetime) -> tuple[str, NumberSequence]:
        """The next 民初 number of this court and year, with the sequence to save with it."""
        return self._number(LITIGATION_KIND_LABEL, now)

    follows = followed_by(policy)

    # --- reads ----------------------------------------------------------------------------

    def docket(self, principal: Principal) -> dict[str, list[Any]]:
        """The court's docket for its staff: litigation, confirmations ruled, enforcement,
        newest first. Reads the log; a read model replaces it as numbers grow."""
        access.check_court_act(principal, self.config.code, "read")
        kinds: dict[str, tuple[Any, type[Any]]] = {
            "litigation": (LitigationCase.Docketed, LitigationCase),
            "rulings": (JudicialConfirmation.Ruled, JudicialConfirmation),
            "enforcement": (EnforcementCase.Opened, EnforcementCase),
        }
        return {
            name: [self.load(i, kind) for i in reversed(self.ids_of(event_class))]
            for name, (event_class, kind) in kinds.items()
        }

    def litigation_for(self, case: MediationCase) -> LitigationCase | None:
        """The lawsuit on a mediation file: the one that entrusted it, or its transfer."""
        if case.entrustment is not None:
            return self.find(case.entrustment.litigation_id, LitigationCase)
        return self.find(LitigationCase.create_id(case.id, ""), LitigationCase)

    def litigation(self, litigation_id: UUID, principal: Principal) -> LitigationCase:
        """Court staff read the docket; to anyone else a litigation case does not exist."""
        if not access.sees_court_docket(principal, self.config.code):
            raise NotFound(str(litigation_id))
        return self.load(litigation_id, LitigationCase)

    def confirmation(
        self, confirmation_id: UUID, principal: Principal, case: MediationCase | None = None
    ) -> JudicialConfirmation:
        """For the court's staff and the sides of the agreement (`case`, if they see it)."""
        found = self.load(confirmation_id, JudicialConfirmation)
        if not access.sees_confirmation(principal, self.config.code, case):
            raise NotFound(str(confirmation_id))
        return found

    # --- acts -----------------------------------------------------------------------------

    def confirmation_act(
        self, confirmation_id: UUID, principal: Principal, command: Command
    ) -> JudicialConfirmation:
        """Run an act on a judicial confirmation (CONFIRMATION_ACTS)."""
        return self._act(
            confirmation_id, JudicialConfirmation, CONFIRMATION_ACTS, principal, command
        )

    def confirmation_number(self, now: datetime) -> tuple[str, NumberSequence]:
        """The next 民特 number of this court and year, with the sequence to save with it."""
        return self._number(CONFIRMATION_KIND_LABEL, now)

    def _number(self, kind: str, now: datetime) -> tuple[str, NumberSequence]:
        year = shanghai_date(now).year
        sequence = self.number_sequence(self.config.code, kind, year)
        number = sequence.take(1, now)[0]
        return format_number(self.config.docket_prefix, kind, year, number), sequence

    def file_lawsuit(self, principal: Principal, data: LawsuitIn) -> LitigationCase:
        """Court staff docket a lawsuit filed before the court (立案), numbered 民初."""
        access.check_court_act(principal, self.config.code, "file_lawsuit")
        filing = filing_from(data)
        filing.check_dates_before(shanghai_date(self.clock()))
        procedure = Procedure(data.procedure)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            number, sequence = self._litigation_number(now)
            return [
                LitigationCase.file_lawsuit(filing, procedure, number, principal.actor, now),
                sequence,
            ]

        found = self.save_retrying("the litigation number sequence", attempt)[0]
        assert isinstance(found, LitigationCase)
        return found

    def litigation_act(
        self, litigation_id: UUID, principal: Principal, command: Command
    ) -> LitigationCase:
        """Run an act on a litigation case (LITIGATION_ACTS)."""
        return self._act(litigation_id, LitigationCase, LITIGATION_ACTS, principal, command)

    def _act(
        self,
        target_id: UUID,
        kind: type[A],
        table: dict[type[Command], Handler[Court, Any]],
        principal: Principal,
        command: Command,
    ) -> A:
        """Load, then authorize: what the user may not see does not exist (404); what they see
        but may not act on is forbidden (403)."""
        handler = table[type(command)]

        def target() -> tuple[A, SideRole | None]:
            found = self.load(target_id, kind)
            case = (
                self._mediation_file(found.mediation_case_id, None)
                if isinstance(found, JudicialConfirmation)
                else None
            )
            if not access.sees_confirmation(principal, self.config.code, case):
                raise NotFound(str(target_id))
            act = command.act_name()
            if case is not None and act in access.APPLICANT_CONFIRMATION_ACTS:
                return found, access.applying_side(principal, case)  # a side's own act
            access.check_court_act(principal, self.config.code, act)
            return found, None

        return self.run_act(f"{kind.__name__} {target_id}", principal, command, handler, target)

    # --- applications to the court ----------------------------------------------------------

    def apply_for_confirmation(
        self, agreement: RepaymentAgreement, case: MediationCase, principal: Principal
    ) -> JudicialConfirmation:
        """One side applies; the second side's application makes it joint and dockets it."""
        side = str(access.applying_side(principal, case))
        if case.entrustment is not None or case.referral_kind == ReferralKind.IN_LITIGATION:
            raise ActRefused(
                "apply_for_confirmation",
                str(case.state),
                "in_litigation",
                "an in-litigation settlement goes back to its lawsuit (a civil mediation document "
                "or a withdrawal), never to judicial confirmation",
            )
        effective_on = agreement.effective_on
        if agreement.state != AgreementState.EFFECTIVE or effective_on is None:
            raise ActRefused(
                "apply_for_confirmation",
                str(agreement.state),
                "state",
                "only an effective agreement can be confirmed",
            )
        confirmation_id = JudicialConfirmation.create_id(agreement.id)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            try:
                existing: JudicialConfirmation = self.load(confirmation_id, JudicialConfirmation)
            except NotFound:
                return [
                    JudicialConfirmation.open(
                        agreement.id,
                        case.id,
                        agreement.text_sha256,
                        effective_on,
                        self.calendar,
                        side,
                        principal.actor,
                        now,
                    )
                ]
            existing.join(side, self.calendar, principal.actor, now)
            return [existing]

        found = self.save_retrying(f"confirmation {confirmation_id}", attempt)[0]
        assert isinstance(found, JudicialConfirmation)
        return found

    def apply_for_enforcement(
        self, agreement: RepaymentAgreement, case: MediationCase, principal: Principal
    ) -> EnforcementCase:
        """The creditor applies: the agreement in default must be enforceable, confirmed by
        this court or (in litigation) made into its effective civil mediation document."""
        access.check_creditor_applies(principal, case, agreement.plan.creditor)
        basis, basis_id = self._enforceable(agreement, case)
        if agreement.state != AgreementState.DEFAULTED:
            raise ActRefused(
                "apply_for_enforcement",
                str(agreement.state),
                "not_in_default",
                "enforcement needs a recorded default",
            )
        return self._open_enforcement(basis, basis_id, agreement, case, principal)

    def _enforceable(self, agreement: RepaymentAgreement, case: MediationCase) -> tuple[str, UUID]:
        """The instrument an agreement is enforced on: its civil mediation document, or the
        ruling that confirmed it."""
        if case.entrustment is not None:
            litigation = self.litigation_for(case)
            if (
                litigation is None
                or litigation.state != LitigationState.MEDIATED
                or litigation.agreement_id != agreement.id
            ):
                raise ActRefused(
                    "apply_for_enforcement",
                    str(litigation.state if litigation else agreement.state),
                    "no_mediation_document",
                    "an in-litigation agreement is enforced on the court's effective civil "
                    "mediation document",
                )
            return "court_mediation_document", litigation.id
        try:
            confirmation = self.load(
                JudicialConfirmation.create_id(agreement.id), JudicialConfirmation
            )
        except NotFound:
            confirmation = None
        if confirmation is None or confirmation.state != ConfirmationState.CONFIRMED:
            raise ActRefused(
                "apply_for_enforcement",
                str(confirmation.state if confirmation else agreement.state),
                "not_confirmed",
                "only a judicially confirmed agreement is enforceable",
            )
        return "confirmed_agreement", agreement.id

    def apply_for_notarized_enforcement(
        self,
        certificate: NotarialMatter,
        instrument: NotarialMatter,
        agreement: RepaymentAgreement,
        case: MediationCase,
        principal: Principal,
    ) -> EnforcementCase:
        """The creditor applies with a notary's enforcement certificate on a notarized
        agreement (赋强公证): the court's enforcement case accepts the instrument as its basis."""
        access.check_creditor_applies(principal, case, agreement.plan.creditor)
        if certificate.issuance is None or certificate.related_id != instrument.id:
            raise ActRefused(
                "apply_for_enforcement",
                str(certificate.state),
                "certificate_mismatch",
                "the certificate is not for this notarized instrument",
            )
        return self._open_enforcement(
            "notarized_instrument", instrument.id, agreement, case, principal
        )

    def _open_enforcement(
        self,
        basis: str,
        basis_id: UUID,
        agreement: RepaymentAgreement,
        case: MediationCase,
        principal: Principal,
    ) -> EnforcementCase:
        """One enforcement case per enforceable instrument, for the unpaid balance."""
        already = ActRefused(
            "apply_for_enforcement",
            "opened",
            "already_opened",
            "an enforcement case is already open for this {basis}",
            basis=basis.replace("_", " "),
        )
        filing = case.filing
        sides = {"applicant": filing.applicant.name, "respondent": filing.respondent.name}

        def attempt(now: datetime) -> Sequence[Aggregate]:
            if self.enforcement_for(basis_id) is not None:
                raise already
            year = shanghai_date(now).year
            sequence = self.number_sequence(self.config.code, ENFORCEMENT_KIND_LABEL, year)
            number = sequence.take(1, now)[0]
            opened = EnforcementCase(
                basis=basis,
                basis_id=basis_id,
                mediation_case_id=case.id,
                docket_number=format_number(
                    self.config.docket_prefix, ENFORCEMENT_KIND_LABEL, year, number
                ),
                creditor=sides[str(agreement.plan.creditor)],
                debtor=sides[str(agreement.plan.debtor)],
                amount_fen=agreement.plan.total_fen - agreement.paid_fen,
                actor=principal.actor,
                occurred_at=now,
                limitation_ends_on=limitation_running(
                    agreement.plan.instalments[-1].due_date,
                    ENFORCEMENT_YEARS,
                    shanghai_date(now),
                    self.calendar,
                ).ends_on,
            )
            return [opened, sequence]

        try:
            found = self.save_retrying(f"enforcement of {basis_id}", attempt)[0]
            assert isinstance(found, EnforcementCase)
        except ConcurrencyConflict:
            if self.enforcement_for(basis_id) is None:
                raise
            raise already from None
        return found

    def enforcement_for(self, basis_id: UUID) -> EnforcementCase | None:
        return self.find(EnforcementCase.create_id(basis_id), EnforcementCase)
