"""Court: the court's system of record, with a store of its own.

It is an eventsourcing process application following the mediation center: a failed pre-filing
mediation is docketed for litigation by itself (诉调对接), its new events recorded atomically with
the tracking position, so exactly once across restarts and competing workers. The court's
judges and clerks act on its cases; judicial confirmation is applied for jointly by the sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Tracking
from eventsourcing.system import ProcessApplication

from application.shared.access import SYSTEM, Deployment, Forbidden, Principal, sides_of
from application.shared.commanding import number_sequence, replay, save_retrying
from application.shared.errors import ConcurrencyConflict, NotFound
from application.shared.following import SaveListeners
from application.shared.transcodings import register_domain_transcodings
from domain.court.enforcement_case import ENFORCEMENT_KIND_LABEL, EnforcementCase
from domain.court.judicial_confirmation import (
    CONFIRMATION_KIND_LABEL,
    ConfirmationState,
    JudicialConfirmation,
)
from domain.court.litigation_case import LITIGATION_KIND_LABEL, LitigationCase
from domain.mediation.mediation_case import CourtOutcome, MediationCase, ReferralKind
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement
from domain.notary.notarial_matter import NotarialMatter
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused
from domain.shared.numbering import NumberSequence, format_number
from domain.shared.periods import WorkingCalendar, shanghai_date

COURT_ROLES = frozenset({Role.JUDGE, Role.COURT_CLERK})
FAILED_TOPIC = "domain.mediation.mediation_case:MediationCase.MediationFailed"


@dataclass(frozen=True)
class CourtConfig:
    code: str
    docket_prefix: str
    deployment: Deployment


class Court(SaveListeners, ProcessApplication[UUID]):
    topics = (FAILED_TOPIC,)

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], CourtConfig],
        mediation_file: Callable[[UUID, int | None], MediationCase],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.calendar = calendar
        self._config = config
        self._mediation_file = mediation_file
        self.retries = retries
        self._init_listeners()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    @property
    def config(self) -> CourtConfig:
        return self._config()

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        self._tell(recordings)

    def _actor(self) -> Actor:
        return Actor("court-docketing", Role.SYSTEM, self.config.code)

    # --- following the mediation center ---------------------------------------------------

    def position(self, application_name: str) -> int:
        return self.recorder.max_tracking_id(application_name) or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            self.process_event(domain_event, tracking)

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """A failed pre-filing mediation is docketed for litigation, carrying the file."""
        if type(domain_event).__qualname__ != "MediationCase.MediationFailed":
            return
        case = self._mediation_file(domain_event.originator_id, domain_event.originator_version)
        if case.referral_kind != ReferralKind.PRE_FILING:
            return
        now = self.clock()
        config = self.config
        year = shanghai_date(now).year
        sequence = self.sequence(LITIGATION_KIND_LABEL, year)
        number = sequence.take(1, now)[0]
        filing = case.filing
        litigation = LitigationCase(
            mediation_case_id=case.id,
            mediation_filing_number=case.filing_number,
            mediation_docket_number=case.docket_number,
            docket_number=format_number(config.docket_prefix, LITIGATION_KIND_LABEL, year, number),
            plaintiff=filing.applicant.name,
            defendant=filing.respondent.name,
            claim_total_fen=filing.claim.total_fen,
            actor=self._actor(),
            occurred_at=now,
        )
        processing_event.collect_events(sequence, litigation)

    def sequence(self, kind: str, year: int) -> NumberSequence:
        return number_sequence(self, self.config.code, kind, year)

    # --- reads ----------------------------------------------------------------------------

    def aggregate(self, aggregate_id: UUID, kind: type[Any], version: int | None = None) -> Any:
        """A court aggregate as the system reads it (followers, the scheduler)."""
        return self._get(aggregate_id, kind, version)

    def _get(self, aggregate_id: UUID, kind: type[Any], version: int | None = None) -> Any:
        try:
            found = self.repository.get(aggregate_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(str(aggregate_id)) from None
        if not isinstance(found, kind):
            raise NotFound(str(aggregate_id))
        return found

    def docket(self, principal: Principal) -> dict[str, list[Any]]:
        """The court's docket for its staff: litigation, confirmations ruled, enforcement,
        newest first. Reads the log by topic; a read model replaces it as numbers grow."""
        self._court_staff(principal, "read")
        kinds = {
            "litigation": ("domain.court.litigation_case:LitigationCase.Docketed", LitigationCase),
            "rulings": (
                "domain.court.judicial_confirmation:JudicialConfirmation.Ruled",
                JudicialConfirmation,
            ),
            "enforcement": (
                "domain.court.enforcement_case:EnforcementCase.Opened",
                EnforcementCase,
            ),
        }
        found: dict[str, list[Any]] = {}
        for name, (topic, kind) in kinds.items():
            ids: dict[UUID, None] = {}
            start = 1
            while page := self.recorder.select_notifications(start, 1000, topics=[topic]):
                ids.update((UUID(str(n.originator_id)), None) for n in page)
                start = page[-1].id + 1
            found[name] = [self._get(i, kind) for i in reversed(ids)]
        return found

    def litigation_for(self, mediation_case_id: UUID) -> LitigationCase | None:
        try:
            found: LitigationCase = self._get(
                LitigationCase.create_id(mediation_case_id), LitigationCase
            )
        except NotFound:
            return None
        return found

    def litigation(self, litigation_id: UUID, principal: Principal) -> LitigationCase:
        """Court staff read the docket; to anyone else a litigation case does not exist."""
        try:
            self._court_staff(principal, "read")
        except Forbidden:
            raise NotFound(str(litigation_id)) from None
        found: LitigationCase = self._get(litigation_id, LitigationCase)
        return found

    def confirmation_case_id(self, confirmation_id: UUID) -> UUID:
        found: JudicialConfirmation = self._get(confirmation_id, JudicialConfirmation)
        return found.mediation_case_id

    def confirmation(
        self, confirmation_id: UUID, principal: Principal, case: MediationCase | None = None
    ) -> JudicialConfirmation:
        found: JudicialConfirmation = self._get(confirmation_id, JudicialConfirmation)
        if principal.role is Role.SYSTEM or (
            principal.role in COURT_ROLES and principal.institution == self.config.code
        ):
            return found
        if case is not None and sides_of(principal, case):
            return found
        raise NotFound(str(confirmation_id))

    # --- acts -----------------------------------------------------------------------------

    def _court_staff(self, principal: Principal, act: str) -> None:
        if principal.role not in COURT_ROLES or principal.institution != self.config.code:
            if principal.role is Role.SYSTEM:
                return
            raise Forbidden(act, "only the court's judges and clerks act on court cases")

    def _retrying(self, what: str, attempt: Callable[[datetime], Sequence[Aggregate]]) -> Any:
        return save_retrying(self, self.clock, self.retries, what, attempt)[0]

    def schedule_hearing(
        self, litigation_id: UUID, principal: Principal, starts_at: datetime
    ) -> LitigationCase:
        self.litigation(litigation_id, principal)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case: LitigationCase = self._get(litigation_id, LitigationCase)
            case.schedule_hearing(starts_at, principal.actor, now)
            return [case]

        found: LitigationCase = self._retrying(f"litigation {litigation_id}", attempt)
        return found

    def decide(
        self, litigation_id: UUID, principal: Principal, outcome: str, summary: str
    ) -> LitigationCase:
        self.litigation(litigation_id, principal)
        if principal.role is not Role.JUDGE:
            raise Forbidden("decide", "only a judge decides a case")

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case: LitigationCase = self._get(litigation_id, LitigationCase)
            case.decide(outcome, summary, principal.actor, now)
            return [case]

        found: LitigationCase = self._retrying(f"litigation {litigation_id}", attempt)
        return found

    def apply_for_confirmation(
        self, agreement: RepaymentAgreement, case: MediationCase, principal: Principal
    ) -> JudicialConfirmation:
        """One side applies; the second side's application makes it joint and dockets it."""
        own = sides_of(principal, case)
        if not own:
            raise Forbidden("apply_for_confirmation", "only the sides apply for confirmation")
        if agreement.state != AgreementState.EFFECTIVE or agreement.effective_on is None:
            raise ActRefused(
                "apply_for_confirmation",
                str(agreement.state),
                "state",
                "only an effective agreement can be confirmed",
            )
        side = str(own[0])
        confirmation_id = JudicialConfirmation.create_id(agreement.id)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            try:
                existing: JudicialConfirmation = self._get(confirmation_id, JudicialConfirmation)
            except NotFound:
                effective = max(s.signed_at for s in agreement.signatures.values())
                return [
                    JudicialConfirmation.open(
                        agreement.id,
                        case.id,
                        agreement.text_sha256,
                        effective,
                        self.calendar,
                        side,
                        principal.actor,
                        now,
                    )
                ]
            year = shanghai_date(now).year
            sequence = self.sequence(CONFIRMATION_KIND_LABEL, year)
            number = sequence.take(1, now)[0]
            existing.join(
                side,
                format_number(self.config.docket_prefix, CONFIRMATION_KIND_LABEL, year, number),
                self.calendar,
                principal.actor,
                now,
            )
            return [existing, sequence]

        found: JudicialConfirmation = self._retrying(f"confirmation {confirmation_id}", attempt)
        return found

    def apply_for_enforcement(
        self, agreement: RepaymentAgreement, case: MediationCase, principal: Principal
    ) -> EnforcementCase:
        """The creditor applies: the agreement must be confirmed by this court and in default."""
        if agreement.plan.creditor not in sides_of(principal, case):
            raise Forbidden("apply_for_enforcement", "only the creditor applies for enforcement")
        try:
            confirmation = self.confirmation(JudicialConfirmation.create_id(agreement.id), SYSTEM)
        except NotFound:
            raise ActRefused(
                "apply_for_enforcement",
                str(agreement.state),
                "not_confirmed",
                "only a judicially confirmed agreement is enforceable",
            ) from None
        if confirmation.state != ConfirmationState.CONFIRMED:
            raise ActRefused(
                "apply_for_enforcement",
                str(confirmation.state),
                "not_confirmed",
                "only a judicially confirmed agreement is enforceable",
            )
        if agreement.state != AgreementState.DEFAULTED:
            raise ActRefused(
                "apply_for_enforcement",
                str(agreement.state),
                "not_in_default",
                "enforcement needs a recorded default",
            )
        return self._open_enforcement(
            "confirmed_agreement", agreement.id, agreement, case, principal
        )

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
        if agreement.plan.creditor not in sides_of(principal, case):
            raise Forbidden("apply_for_enforcement", "only the creditor applies for enforcement")
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
            f"an enforcement case is already open for this {basis.replace('_', ' ')}",
        )
        filing = case.filing
        sides = {"applicant": filing.applicant.name, "respondent": filing.respondent.name}

        def attempt(now: datetime) -> Sequence[Aggregate]:
            if self.enforcement_for(basis_id) is not None:
                raise already
            year = shanghai_date(now).year
            sequence = self.sequence(ENFORCEMENT_KIND_LABEL, year)
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
            )
            return [opened, sequence]

        try:
            found: EnforcementCase = self._retrying(f"enforcement of {basis_id}", attempt)
        except ConcurrencyConflict:
            if self.enforcement_for(basis_id) is None:
                raise
            raise already from None
        return found

    def enforcement_for(self, basis_id: UUID) -> EnforcementCase | None:
        try:
            found: EnforcementCase = self._get(EnforcementCase.create_id(basis_id), EnforcementCase)
        except NotFound:
            return None
        return found

    def fire_timer(self, confirmation_id: UUID, timer: str) -> JudicialConfirmation:
        """The scheduler: the application window lapses, or the court's lateness is recorded."""
        actor = Actor("court-scheduler", Role.SYSTEM, self.config.code)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found: JudicialConfirmation = self._get(confirmation_id, JudicialConfirmation)
            if timer == "application_window":
                found.lapse(actor, now)
            else:
                found.record_missed_deadline(actor, now)
            return [found]

        result: JudicialConfirmation = self._retrying(f"confirmation {confirmation_id}", attempt)
        return result

    def confirmation_act(
        self, confirmation_id: UUID, principal: Principal, act: str, reason: str = ""
    ) -> JudicialConfirmation:
        self._court_staff(principal, act)
        if act in ("rule_confirmed", "rule_rejected", "extend_ruling_period") and (
            principal.role is not Role.JUDGE
        ):
            raise Forbidden(act, "only a judge rules")

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found: JudicialConfirmation = self._get(confirmation_id, JudicialConfirmation)
            if act == "accept":
                found.accept(self.calendar, principal.actor, now)
            elif act == "refuse":
                found.refuse(reason, principal.actor, now)
            elif act == "extend_ruling_period":
                found.extend_ruling_period(self.calendar, principal.actor, now)
            elif act == "rule_confirmed":
                found.rule(True, reason, principal.actor, now)  # noqa: FBT003
            elif act == "rule_rejected":
                found.rule(False, reason, principal.actor, now)  # noqa: FBT003
            else:
                raise NotFound(act)
            return [found]

        result: JudicialConfirmation = self._retrying(f"confirmation {confirmation_id}", attempt)
        return result


COURT_OUTCOME_TOPICS = (
    "domain.court.litigation_case:LitigationCase.Docketed",
    "domain.court.litigation_case:LitigationCase.Decided",
    "domain.court.judicial_confirmation:JudicialConfirmation.Ruled",
    "domain.court.judicial_confirmation:JudicialConfirmation.ApplicationLapsed",
)


class CourtOutcomes:
    """Court → mediation center: a docketed litigation shows on the mediation case as its
    transfer, and each ruling, lapse or judgment as the court's outcome. Recording is
    idempotent (the case refuses a second one), so tracking after the act makes the effect
    exactly-once."""

    def __init__(
        self,
        court: Court,
        record_transfer: Callable[[UUID, str], None],
        record_outcome: Callable[[UUID, CourtOutcome], None],
        tracking: Any,
    ) -> None:
        self._court = court
        self._record_transfer = record_transfer
        self._record_outcome = record_outcome
        self._tracking = tracking

    def position(self, application_name: str) -> int:
        position: int | None = self._tracking.max_tracking_id(application_name)
        return position or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            name = type(domain_event).__qualname__
            if name == "LitigationCase.Docketed":
                self._record_transfer(domain_event.mediation_case_id, domain_event.docket_number)
            elif name == "LitigationCase.Decided":
                litigation: LitigationCase = self._court.aggregate(
                    domain_event.originator_id, LitigationCase, domain_event.originator_version
                )
                self._record_outcome(
                    litigation.mediation_case_id,
                    CourtOutcome(
                        kind="litigation",
                        docket_number=litigation.docket_number,
                        outcome=domain_event.outcome,
                        reason=domain_event.summary,
                        decided_at=domain_event.occurred_at,
                    ),
                )
            elif name.startswith("JudicialConfirmation."):
                found: JudicialConfirmation = self._court.aggregate(
                    domain_event.originator_id,
                    JudicialConfirmation,
                    domain_event.originator_version,
                )
                self._record_outcome(
                    found.mediation_case_id,
                    CourtOutcome(
                        kind="judicial_confirmation",
                        docket_number=found.docket_number or "",
                        outcome=str(found.state),
                        reason=found.reason or "",
                        decided_at=domain_event.occurred_at,
                    ),
                )
            self._tracking.insert_tracking(tracking)
