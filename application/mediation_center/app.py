"""MediationCenter: the mediation center's system of record (an eventsourcing Application).

Every act loads its target, checks who may see it and act (the access module), runs the act's
handler (acts.py) and saves what changed in one transaction; a concurrency conflict reloads
and re-runs the act, a bounded number of times. Numbers are taken from NumberSequence
aggregates saved atomically with the case that uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from application.mediation_center import commands as cmd
from application.mediation_center.acts import AGREEMENT_ACTS, CASE_ACTS, AgreementTarget
from application.shared import access
from application.shared.access import SYSTEM, Deployment, Principal
from application.shared.commands import Command
from application.shared.errors import BatchInvalid, NotFound
from application.shared.institution import Institution, replay
from domain.mediation.case_states import (
    FILING_KIND_LABEL,
    WITHDRAWABLE_STATES,
    CaseState,
    ClosingReason,
)
from domain.mediation.case_values import CourtOutcome, Entrustment
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement
from domain.shared.actors import Actor
from domain.shared.errors import InvalidValue
from domain.shared.filing import Channel, Filing, SideRole
from domain.shared.numbering import NumberSequence, format_number
from domain.shared.periods import WorkingCalendar, shanghai_date

MAX_BATCH = 10_000
MAX_REPORTED_ERRORS = 1_000


@dataclass(frozen=True)
class CenterConfig:
    """What the center's numbering and access rules need to know about the deployment."""

    deployment: Deployment
    docket_prefix: str

    @property
    def code(self) -> str:
        return self.deployment.center


class MediationCenter(Institution[CenterConfig]):
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        MediationCase: 50,
        NumberSequence: 20,
        RepaymentAgreement: 50,
    }
    snapshotting_projectors: ClassVar[dict[type[Any], Any]] = {
        MediationCase: replay,
        NumberSequence: replay,
        RepaymentAgreement: replay,
    }

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], CenterConfig],
        *,
        retries: int = 8,
        grace_days: int = 7,
        default_threshold_days: int = 30,
        account: Callable[[str], Principal | None] = lambda _: None,
    ) -> None:
        super().__init__(env, clock, calendar, config, retries=retries)
        self.grace_days = grace_days
        self.default_threshold_days = default_threshold_days
        self.account = account  # the principal of a user name: parties to link, mediators

    # --- filing ---------------------------------------------------------------------------

    def file(self, principal: Principal, data: cmd.FilingIn) -> MediationCase:
        filing = cmd.filing_from(data)
        filing.check_dates_before(shanghai_date(self.clock()))
        access.check_filer(principal, filing, self.config.deployment)
        return self.file_many(principal, [filing])[0]

    def file_bulk(self, principal: Principal, rows: Sequence[cmd.FilingIn]) -> list[MediationCase]:
        """All rows or none: every bad row is reported with its index, then nothing is stored."""
        if not 1 <= len(rows) <= MAX_BATCH:
            raise InvalidValue("filings", "a batch holds 1 to {limit} filings", limit=MAX_BATCH)
        filings, errors = self._checked(principal, rows)
        if errors:
            raise BatchInvalid(errors)
        return self.file_many(principal, filings)

    def check_bulk(
        self, principal: Principal, rows: Sequence[cmd.FilingIn]
    ) -> list[tuple[int, str, str]]:
        """What `file_bulk` would refuse in these rows, storing nothing: an upload reports
        every error in one pass, also of rows next to ones that could not be read at all."""
        return self._checked(principal, rows)[1]

    def _checked(
        self, principal: Principal, rows: Sequence[cmd.FilingIn]
    ) -> tuple[list[Filing], list[tuple[int, str, str]]]:
        filings: list[Filing] = []
        errors: list[tuple[int, str, str]] = []
        today = shanghai_date(self.clock())
        for index, row in enumerate(rows):
            try:
                filing = cmd.filing_from(row)
                filing.check_dates_before(today)
                access.check_filer(principal, filing, self.config.deployment)
                filings.append(filing)
            except InvalidValue as error:
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append((index, error.field, error.message))
        return filings, errors

    def file_many(self, principal: Principal, filings: Sequence[Filing]) -> list[MediationCase]:
        config = self.config

        def attempt(now: datetime) -> list[Aggregate]:
            year = shanghai_date(now).year
            sequence = self.number_sequence(config.deployment.center, FILING_KIND_LABEL, year)
            numbers = sequence.take(len(filings), now)
            cases: list[Aggregate] = [
                MediationCase(
                    filing_number=format_number(config.docket_prefix, FILING_KIND_LABEL, year, n),
                    filing=filing,
                    actor=principal.actor,
                    occurred_at=now,
                )
                for n, filing in zip(numbers, filings, strict=True)
            ]
            return [*cases, sequence]

        saved = self.save_retrying("the filing number sequence", attempt)
        return [a for a in saved if isinstance(a, MediationCase)]

    def file_entrusted(
        self, filing: Filing, entrustment: Entrustment, actor: Actor
    ) -> MediationCase:
        """The court entrusted its lawsuit: filed here as a court referral, once (the court
        named the case, so a second attempt finds the first)."""

        def attempt(now: datetime) -> list[Aggregate]:
            if self.find(entrustment.case_id, MediationCase) is not None:
                return []
            year = shanghai_date(now).year
            sequence = self.number_sequence(self.config.code, FILING_KIND_LABEL, year)
            number = format_number(
                self.config.docket_prefix, FILING_KIND_LABEL, year, sequence.take(1, now)[0]
            )
            referral = replace(filing, channel=Channel.COURT_REFERRAL)
            return [MediationCase(number, referral, actor, now, entrustment), sequence]

        self.save_retrying(f"case {entrustment.case_id}", attempt)
        return self.load(entrustment.case_id, MediationCase)

    # --- acts -----------------------------------------------------------------------------

    def act(self, case_id: UUID, principal: Principal, command: Command) -> MediationCase:
        """Run an act on a case (CASE_ACTS); the case as saved."""
        requested = getattr(command, "side", None)

        def target() -> tuple[MediationCase, SideRole | None]:
            case = self._visible_case(case_id, principal)
            wanted = SideRole(requested) if requested else None
            return case, access.acting_side(principal, case, command.act_name(), wanted)

        handler = CASE_ACTS[type(command)]
        return self.run_act(f"case {case_id}", principal, command, handler, target)

    def agreement_act(
        self, agreement_id: UUID, principal: Principal, command: Command
    ) -> tuple[RepaymentAgreement, MediationCase]:
        """Run an act on an agreement (AGREEMENT_ACTS); the agreement and its case as saved."""

        def target() -> tuple[AgreementTarget, None]:
            agreement = self.load(agreement_id, RepaymentAgreement)
            case = self._visible_case(agreement.case_id, principal)
            creditor = agreement.plan.creditor
            role = access.agreement_role(principal, case, command.act_name(), creditor)
            return AgreementTarget(agreement, case, role), None

        handler = AGREEMENT_ACTS[type(command)]
        done = self.run_act(f"agreement {agreement_id}", principal, command, handler, target)
        return done.agreement, done.case

    def _visible_case(self, case_id: UUID, principal: Principal) -> MediationCase:
        case = self.load(case_id, MediationCase)
        if not access.can_see(principal, case, self.config.deployment):
            raise NotFound(str(case_id))
        return case

    # --- reads ----------------------------------------------------------------------------

    def file_of(self, case_id: UUID, version: int | None = None) -> MediationCase:
        """The mediation file as the system reads it (other institutions' processes)."""
        return self.load(case_id, MediationCase, version)

    def agreement_of(self, agreement_id: UUID) -> RepaymentAgreement:
        """An agreement as the system reads it (the court's process)."""
        return self.load(agreement_id, RepaymentAgreement)

    def case(
        self, case_id: UUID, principal: Principal, as_of: datetime | None = None
    ) -> MediationCase:
        """The case now, or as it stood at `as_of` (by the events' occurred_at)."""
        case = self._visible_case(case_id, principal)
        if as_of is None:
            return case
        version = None
        for domain_event in self.events.get(case_id):
            if getattr(domain_event, "occurred_at", None) and domain_event.occurred_at > as_of:  # type: ignore[attr-defined]
                break
            version = domain_event.originator_version
        if version is None:
            raise NotFound(f"{case_id} did not exist at {as_of.isoformat()}")
        return self.load(case_id, MediationCase, version)

    def history(self, case_id: UUID, principal: Principal) -> list[DomainEventProtocol[UUID]]:
        self._visible_case(case_id, principal)
        return list(self.events.get(case_id))

    def agreement(
        self, agreement_id: UUID, principal: Principal
    ) -> tuple[RepaymentAgreement, MediationCase]:
        """An agreement with its case, for whoever may see the case."""
        agreement = self.load(agreement_id, RepaymentAgreement)
        return agreement, self._visible_case(agreement.case_id, principal)

    def agreement_counts(self) -> tuple[int, int]:
        """(agreements that took effect, defaults): the center's repayment default rate. Counts
        the log; a read model of agreements replaces it when numbers grow."""
        took_effect = sum(1 for _ in self.notifications_of(RepaymentAgreement.TookEffect))
        return took_effect, sum(1 for _ in self.notifications_of(RepaymentAgreement.Defaulted))

    def effective_agreements(self) -> list[RepaymentAgreement]:
        """Agreements in effect now (for reminders). A scan of the log: a read model of
        agreements replaces it when their number makes the scan slow."""
        found = [
            self.load(i, RepaymentAgreement) for i in self.ids_of(RepaymentAgreement.TookEffect)
        ]
        return [a for a in found if a.state == AgreementState.EFFECTIVE]

    # --- the system's acts ----------------------------------------------------------------

    def record_court_docket(self, case_id: UUID, docket_number: str) -> MediationCase:
        """The court docketed a case on this file (an accepted application for confirmation)."""
        return self._on_case(
            case_id, lambda case, now: case.record_court_docket(docket_number, SYSTEM.actor, now)
        )

    def record_court_application(self, case_id: UUID, confirmation_id: UUID) -> MediationCase:
        """Both sides applied to the court for confirmation on this file."""
        return self._on_case(
            case_id,
            lambda case, now: case.record_court_application(confirmation_id, SYSTEM.actor, now),
        )

    def _on_case(
        self, case_id: UUID, act: Callable[[MediationCase, datetime], object]
    ) -> MediationCase:
        """A system act on one case, saved with retries."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case = self.load(case_id, MediationCase)
            act(case, now)
            return [case]

        found = self.save_retrying(f"case {case_id}", attempt)[0]
        assert isinstance(found, MediationCase)
        return found

    def record_court_outcome(self, case_id: UUID, outcome: CourtOutcome) -> MediationCase:
        """The court's decision on the case's file, with what it means for the mediation, in
        one save: a refused or rejected confirmation sets the agreement aside and sends the
        sides back to mediation (from where a failure goes on to litigation); a party backing
        out of an in-litigation agreement sets it aside and closes the file (the lawsuit goes
        to judgment); a lawsuit withdrawn ends a mediation still under way."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case = self.load(case_id, MediationCase)
            case.record_court_outcome(outcome, SYSTEM.actor, now)
            changed: list[Aggregate] = [case]
            reason = f"法院{outcome.docket_number}: {outcome.reason}"
            settled = case.state == CaseState.SETTLED and case.agreement_id is not None
            if outcome.outcome in ("refused", "rejected", "backed_out") and settled:
                assert case.agreement_id is not None
                agreement = self.load(case.agreement_id, RepaymentAgreement)
                agreement.set_aside(reason, SYSTEM.actor, now)
                changed.append(agreement)
                if outcome.outcome == "backed_out":
                    case.close(ClosingReason.BACKED_OUT, SYSTEM.actor, now)
                else:
                    case.return_to_mediation(reason, SYSTEM.actor, now)
            if outcome.outcome == "withdrawn" and case.state in WITHDRAWABLE_STATES:
                case.withdraw(reason, SYSTEM.actor, now)
            return changed

        found = self.save_retrying(f"case {case_id}", attempt)[0]
        assert isinstance(found, MediationCase)
        return found
