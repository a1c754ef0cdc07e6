"""MediationCenter: the mediation center's system of record (an eventsourcing Application).

Every command loads the case, checks who may see it and act, runs the domain method and saves;
a concurrency conflict reloads and re-runs the command, a bounded number of times. Numbers are
taken from NumberSequence aggregates saved atomically with the case that uses them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder, Recording

from application.mediation_center import commands as cmd
from application.shared.access import (
    SYSTEM,
    Deployment,
    NotVisible,
    Principal,
    acting_side,
    agreement_role,
    check_visible,
)
from application.shared.commanding import number_sequence, replay, save_retrying
from application.shared.errors import BatchInvalid, NotFound
from application.shared.following import SaveListeners
from application.shared.transcodings import register_domain_transcodings
from domain.mediation.filing import Filing, SideKind, SideRole
from domain.mediation.mediation_case import (
    DOCKET_KIND_LABELS,
    FILING_KIND_LABEL,
    CaseState,
    ClosingReason,
    CourtOutcome,
    FailureReason,
    MediationCase,
    Procedure,
    ReferralKind,
    ServiceChannel,
)
from domain.mediation.repayment_agreement import AgreementState, RepaymentAgreement, SignatureMethod
from domain.shared.actors import Role
from domain.shared.errors import InvalidValue
from domain.shared.numbering import NumberSequence, format_number
from domain.shared.periods import WorkingCalendar, shanghai_date

MAX_BATCH = 10_000
MAX_REPORTED_ERRORS = 1_000
FILING_ROLES = frozenset({Role.APPLICANT_AGENT, Role.GRID_WORKER, Role.CENTER_ADMIN, Role.PARTY})


@dataclass(frozen=True)
class CenterConfig:
    """What the center's numbering and access rules need to know about the deployment."""

    deployment: Deployment
    docket_prefix: str


Handler = Callable[
    ["MediationCenter", MediationCase, Principal, SideRole | None, Any, datetime],
    Sequence[Aggregate],
]


def _need_side(side: SideRole | None) -> SideRole:
    if side is None:
        raise InvalidValue("side", "say for which side (applicant or respondent) this is done")
    return side


class MediationCenter(SaveListeners, Application[UUID]):
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
        party_account: Callable[[str], Principal | None] = lambda _: None,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.calendar = calendar
        self._config = config
        self.retries = retries
        self.grace_days = grace_days
        self.default_threshold_days = default_threshold_days
        self.party_account = party_account
        self._numbering = threading.Lock()
        self._init_listeners()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        self._tell(recordings)

    @property
    def config(self) -> CenterConfig:
        return self._config()

    # --- filing ---------------------------------------------------------------------------

    def file(self, principal: Principal, data: cmd.FilingIn) -> MediationCase:
        filing = cmd.filing_from(data)
        self._check_filer(principal, filing)
        return self.file_many(principal, [filing])[0]

    def file_bulk(self, principal: Principal, rows: Sequence[cmd.FilingIn]) -> list[MediationCase]:
        """All rows or none: every bad row is reported with its index, then nothing is stored."""
        if not 1 <= len(rows) <= MAX_BATCH:
            raise InvalidValue("filings", f"a batch holds 1 to {MAX_BATCH} filings")
        filings: list[Filing] = []
        errors: list[tuple[int, str, str]] = []
        for index, row in enumerate(rows):
            try:
                filing = cmd.filing_from(row)
                self._check_filer(principal, filing)
                filings.append(filing)
            except InvalidValue as error:
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append((index, error.field, error.message))
        if errors:
            raise BatchInvalid(errors)
        return self.file_many(principal, filings)

    def _check_filer(self, principal: Principal, filing: Filing) -> None:
        if principal.role not in FILING_ROLES | {Role.SYSTEM}:
            raise InvalidValue("applicant", f"a {principal.role} does not file cases")
        applicant = filing.applicant
        if principal.role is Role.APPLICANT_AGENT and applicant.org_code != principal.institution:
            raise InvalidValue(
                "applicant.org_code",
                f"an agent files for its own institution ({principal.institution})",
            )
        if principal.role is Role.PARTY and not (
            applicant.kind == SideKind.PERSON and applicant.id_number == principal.id_number
        ):
            raise InvalidValue("applicant.id_number", "a party files for themself")

    def file_many(self, principal: Principal, filings: Sequence[Filing]) -> list[MediationCase]:
        config = self.config

        def attempt(now: datetime) -> list[Aggregate]:
            year = shanghai_date(now).year
            sequence = self.sequence(config.deployment.center, FILING_KIND_LABEL, year)
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

        with self._numbering:
            saved = self._retrying("the filing number sequence", attempt)
        return [a for a in saved if isinstance(a, MediationCase)]

    def sequence(self, institution: str, kind: str, year: int) -> NumberSequence:
        return number_sequence(self, institution, kind, year)

    # --- acts on a case -------------------------------------------------------------------

    def act(self, case_id: UUID, principal: Principal, command: cmd.Command) -> MediationCase:
        name, handler = ACTS[type(command)]

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case = self._visible_case(case_id, principal)
            raw_side = getattr(command, "side", None)
            side = acting_side(principal, case, name, SideRole(raw_side) if raw_side else None)
            return [case, *handler(self, case, principal, side, command, now)]

        if type(command) is cmd.Refer:
            with self._numbering:
                saved = self._retrying(f"case {case_id}", attempt)
        else:
            saved = self._retrying(f"case {case_id}", attempt)
        case = saved[0]
        assert isinstance(case, MediationCase)
        return case

    def _retrying(
        self, what: str, attempt: Callable[[datetime], Sequence[Aggregate]]
    ) -> Sequence[Aggregate]:
        return save_retrying(self, self.clock, self.retries, what, attempt)

    def _load(self, case_id: UUID, version: int | None = None) -> MediationCase:
        try:
            case: MediationCase = self.repository.get(
                case_id, version=version, projector_func=replay
            )
        except AggregateNotFoundError:
            raise NotFound(str(case_id)) from None
        if not isinstance(case, MediationCase):
            raise NotFound(str(case_id))
        return case

    def file_of(self, case_id: UUID, version: int | None = None) -> MediationCase:
        """The mediation file as the system reads it (other institutions' processes)."""
        return self._load(case_id, version)

    def _visible_case(self, case_id: UUID, principal: Principal) -> MediationCase:
        case = self._load(case_id)
        try:
            check_visible(principal, case, self.config.deployment)
        except NotVisible:
            raise NotFound(str(case_id)) from None
        return case

    # --- reads ----------------------------------------------------------------------------

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
        return self._load(case_id, version)

    def history(self, case_id: UUID, principal: Principal) -> list[DomainEventProtocol[UUID]]:
        self._visible_case(case_id, principal)
        return list(self.events.get(case_id))

    # --- repayment agreements -------------------------------------------------------------

    def agreement_aggregate(self, agreement_id: UUID) -> RepaymentAgreement:
        try:
            found = self.repository.get(agreement_id, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(str(agreement_id)) from None
        if not isinstance(found, RepaymentAgreement):
            raise NotFound(str(agreement_id))
        return found

    def agreement_counts(self) -> tuple[int, int]:
        """(agreements that took effect, defaults): the center's repayment default rate. Counts
        the log by topic; a read model of agreements replaces it when numbers grow."""
        counts = []
        for name in ("TookEffect", "Defaulted"):
            topic = f"domain.mediation.repayment_agreement:RepaymentAgreement.{name}"
            total, start = 0, 1
            while page := self.recorder.select_notifications(start, 10_000, topics=[topic]):
                total += len(page)
                start = page[-1].id + 1
            counts.append(total)
        return counts[0], counts[1]

    def effective_agreements(self) -> list[RepaymentAgreement]:
        """Agreements in effect now (for reminders). A scan of the log: a read model of
        agreements replaces it when their number makes the scan slow."""
        topic = "domain.mediation.repayment_agreement:RepaymentAgreement.TookEffect"
        found: list[RepaymentAgreement] = []
        start = 1
        while page := self.recorder.select_notifications(start, 1000, topics=[topic]):
            found += [self.agreement_aggregate(UUID(str(n.originator_id))) for n in page]
            start = page[-1].id + 1
        return [a for a in found if a.state == AgreementState.EFFECTIVE]

    def agreement(
        self, agreement_id: UUID, principal: Principal
    ) -> tuple[RepaymentAgreement, MediationCase]:
        """An agreement with its case, for whoever may see the case."""
        agreement = self.agreement_aggregate(agreement_id)
        return agreement, self._visible_case(agreement.case_id, principal)

    def agreement_act(
        self, agreement_id: UUID, principal: Principal, command: cmd.Command
    ) -> tuple[RepaymentAgreement, MediationCase]:
        name, handler = AGREEMENT_ACTS[type(command)]

        def attempt(now: datetime) -> Sequence[Aggregate]:
            agreement = self.agreement_aggregate(agreement_id)
            case = self._visible_case(agreement.case_id, principal)
            role = agreement_role(principal, case, name, agreement.plan.creditor)
            return [agreement, case, *handler(self, agreement, case, principal, role, command, now)]

        saved = self._retrying(f"agreement {agreement_id}", attempt)
        agreement, case = saved[0], saved[1]
        assert isinstance(agreement, RepaymentAgreement)
        assert isinstance(case, MediationCase)
        return agreement, case

    def recompute_deadlines(self, case_ids: Iterable[UUID]) -> int:
        """After a calendar load: move or firm up the deadlines of the given running cases."""
        changed = 0
        for case_id in case_ids:
            moved: list[bool] = []

            def attempt(
                now: datetime, case_id: UUID = case_id, moved: list[bool] = moved
            ) -> Sequence[Aggregate]:
                case = self._load(case_id)
                moved[:] = [case.recompute_deadlines(self.calendar, SYSTEM.actor, now)]
                return [case]

            self._retrying(f"case {case_id}", attempt)
            changed += int(moved[0])
        return changed

    def record_court_outcome(self, case_id: UUID, outcome: CourtOutcome) -> MediationCase:
        """The court's decision on the case's file; a refused or rejected confirmation sets
        the agreement aside and sends the sides back to mediation (from where a failure goes
        on to litigation), in one save."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            case = self._load(case_id)
            case.record_court_outcome(outcome, SYSTEM.actor, now)
            changed: list[Aggregate] = [case]
            if (
                outcome.outcome in ("refused", "rejected")
                and case.state == CaseState.SETTLED
                and case.agreement_id is not None
            ):
                agreement = self.agreement_aggregate(case.agreement_id)
                reason = f"法院{outcome.docket_number}: {outcome.reason}"
                agreement.set_aside(reason, SYSTEM.actor, now)
                case.return_to_mediation(reason, SYSTEM.actor, now)
                changed.append(agreement)
            return changed

        found = self._retrying(f"case {case_id}", attempt)[0]
        assert isinstance(found, MediationCase)
        return found


# --- one handler per act: (app, case, principal, side, command, now) -> other aggregates -----


def _accept(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Accept,
    now: datetime,
) -> list[Aggregate]:
    case.accept(p.actor, now)
    return []


def _reject(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Reject,
    now: datetime,
) -> list[Aggregate]:
    case.reject(c.reason, p.actor, now)
    return []


def _refer(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Refer,
    now: datetime,
) -> list[Aggregate]:
    """The docket number is taken in memory; if the domain refuses, nothing is saved."""
    kind = ReferralKind(c.kind)
    config = app.config
    year = shanghai_date(now).year
    label = DOCKET_KIND_LABELS[kind]
    sequence = app.sequence(config.deployment.center, label, year)
    number = sequence.take(1, now)[0]
    case.refer(
        kind,
        Procedure(c.procedure) if c.procedure else None,
        format_number(config.docket_prefix, label, year, number),
        app.calendar,
        p.actor,
        now,
    )
    return [sequence]


def _assign(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.AssignMediator,
    now: datetime,
) -> list[Aggregate]:
    case.assign_mediator(c.mediator, app.calendar, p.actor, now)
    return []


def _accept_assignment(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.AcceptAssignment,
    now: datetime,
) -> list[Aggregate]:
    case.accept_assignment(c.disclosure, p.actor, now)
    return []


def _decline_assignment(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.DeclineAssignment,
    now: datetime,
) -> list[Aggregate]:
    case.decline_assignment(c.reason, p.actor, now)
    return []


def _lapse_assignment(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.LapseAssignment,
    now: datetime,
) -> list[Aggregate]:
    case.lapse_assignment(p.actor, now)
    return []


def _consent(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ConsentToMediation,
    now: datetime,
) -> list[Aggregate]:
    case.consent_to_mediation(_need_side(side), p.actor, now)
    return []


def _refuse(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.RefuseMediation,
    now: datetime,
) -> list[Aggregate]:
    case.refuse_mediation(_need_side(side), c.reason, p.actor, now)
    return []


def _e_service(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ConsentToElectronicService,
    now: datetime,
) -> list[Aggregate]:
    case.consent_to_electronic_service(
        _need_side(side), ServiceChannel(c.channel), c.address, p.actor, now
    )
    return []


def _schedule(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ScheduleSession,
    now: datetime,
) -> list[Aggregate]:
    case.schedule_session(c.starts_at, c.duration_minutes, p.actor, now)
    return []


def _plan(app: MediationCenter, plan: cmd.PlanIn) -> Any:
    return cmd.plan_from(plan, app.grace_days, app.default_threshold_days)


def _propose(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Propose,
    now: datetime,
) -> list[Aggregate]:
    case.propose(side, _plan(app, c.plan), p.actor, now)
    return []


def _counter(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.CounterPropose,
    now: datetime,
) -> list[Aggregate]:
    case.counter_propose(c.in_reply_to, _need_side(side), _plan(app, c.plan), p.actor, now)
    return []


def _accept_proposal(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.AcceptProposal,
    now: datetime,
) -> list[Aggregate]:
    case.accept_proposal(c.proposal, _need_side(side), p.actor, now)
    return []


def _extension(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ConsentToExtension,
    now: datetime,
) -> list[Aggregate]:
    case.consent_to_extension(_need_side(side), c.days, app.calendar, p.actor, now)
    return []


def _draft(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.DraftAgreement,
    now: datetime,
) -> list[Aggregate]:
    """A new draft from the accepted proposal; an unsigned earlier draft is superseded."""
    basis = case.agreement_basis()
    filing = case.filing
    agreement = RepaymentAgreement.draft(
        case.id,
        basis.number,
        basis.plan,
        case.filing_number,
        case.docket_number,
        filing.applicant,
        filing.respondent,
        p.actor,
        now,
    )
    others: list[Aggregate] = [agreement]
    if case.agreement_id is not None:
        previous = app.agreement_aggregate(case.agreement_id)
        if previous.state == AgreementState.DRAFT:
            previous.supersede(p.actor, now)
            others.append(previous)
    case.draft_agreement(agreement.id, p.actor, now)
    return others


def _failure(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.DeclareFailure,
    now: datetime,
) -> list[Aggregate]:
    case.declare_failure(FailureReason(c.reason), c.note, p.actor, now)
    return []


def _expire(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ExpirePeriod,
    now: datetime,
) -> list[Aggregate]:
    case.expire_period(p.actor, now)
    return []


def _withdraw(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Withdraw,
    now: datetime,
) -> list[Aggregate]:
    case.withdraw(c.reason, p.actor, now)
    return []


def _request_recusal(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.RequestRecusal,
    now: datetime,
) -> list[Aggregate]:
    case.request_recusal(_need_side(side), c.reason, p.actor, now)
    return []


def _grant_recusal(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.GrantRecusal,
    now: datetime,
) -> list[Aggregate]:
    case.grant_recusal(p.actor, now)
    return []


def _deny_recusal(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.DenyRecusal,
    now: datetime,
) -> list[Aggregate]:
    case.deny_recusal(c.reason, p.actor, now)
    return []


def _link(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.LinkParty,
    now: datetime,
) -> list[Aggregate]:
    username = c.username.strip().lower()
    account = app.party_account(username)
    if account is None or account.role is not Role.PARTY:
        raise InvalidValue("username", f"no party account named {username}")
    case.link_party(SideRole(c.side), username, c.authorization, p.actor, now)
    return []


def _close(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.Close,
    now: datetime,
) -> list[Aggregate]:
    case.close(ClosingReason(c.reason), p.actor, now)
    return []


def _return(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.ReturnToMediation,
    now: datetime,
) -> list[Aggregate]:
    case.return_to_mediation(c.reason, p.actor, now)
    return []


def _transfer(
    app: MediationCenter,
    case: MediationCase,
    p: Principal,
    side: SideRole | None,
    c: cmd.RecordTransfer,
    now: datetime,
) -> list[Aggregate]:
    case.record_transfer(c.court_docket_number, p.actor, now)
    return []


ACTS: dict[type[cmd.Command], tuple[str, Handler]] = {
    cmd.Accept: ("accept", _accept),
    cmd.Reject: ("reject", _reject),
    cmd.Refer: ("refer", _refer),
    cmd.AssignMediator: ("assign_mediator", _assign),
    cmd.AcceptAssignment: ("accept_assignment", _accept_assignment),
    cmd.DeclineAssignment: ("decline_assignment", _decline_assignment),
    cmd.LapseAssignment: ("lapse_assignment", _lapse_assignment),
    cmd.ConsentToMediation: ("consent_to_mediation", _consent),
    cmd.RefuseMediation: ("refuse_mediation", _refuse),
    cmd.ConsentToElectronicService: ("consent_to_electronic_service", _e_service),
    cmd.ScheduleSession: ("schedule_session", _schedule),
    cmd.Propose: ("propose", _propose),
    cmd.CounterPropose: ("counter_propose", _counter),
    cmd.AcceptProposal: ("accept_proposal", _accept_proposal),
    cmd.ConsentToExtension: ("consent_to_extension", _extension),
    cmd.DraftAgreement: ("draft_agreement", _draft),
    cmd.DeclareFailure: ("declare_failure", _failure),
    cmd.ExpirePeriod: ("expire_period", _expire),
    cmd.Withdraw: ("withdraw", _withdraw),
    cmd.RequestRecusal: ("request_recusal", _request_recusal),
    cmd.GrantRecusal: ("grant_recusal", _grant_recusal),
    cmd.DenyRecusal: ("deny_recusal", _deny_recusal),
    cmd.LinkParty: ("link_party", _link),
    cmd.Close: ("close", _close),
    cmd.ReturnToMediation: ("return_to_mediation", _return),
    cmd.RecordTransfer: ("record_transfer", _transfer),
}


# --- agreement acts: (app, agreement, case, principal, role, command, now) -> more aggregates ---


def _sign(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.SignAgreement,
    now: datetime,
) -> list[Aggregate]:
    if agreement.sign(role, SignatureMethod(c.method), c.text_sha256, p.actor, now):
        case.agreement_took_effect(agreement.id, agreement.plan, p.actor, now)
    return []


def _close_if_fulfilled(
    case: MediationCase, fulfilled: bool, p: Principal, now: datetime
) -> list[Aggregate]:
    if fulfilled:
        case.close(ClosingReason.FULFILLED, p.actor, now)
    return []


def _record_payment(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.RecordPayment,
    now: datetime,
) -> list[Aggregate]:
    fulfilled = agreement.record_payment(c.instalment, c.amount_fen, c.paid_on, p.actor, now)
    return _close_if_fulfilled(case, fulfilled, p, now)


def _report_payment(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.ReportPayment,
    now: datetime,
) -> list[Aggregate]:
    agreement.report_payment(c.instalment, c.amount_fen, c.paid_on, p.actor, now)
    return []


def _confirm_payment(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.ConfirmPayment,
    now: datetime,
) -> list[Aggregate]:
    fulfilled = agreement.confirm_payment(c.report, p.actor, now)
    return _close_if_fulfilled(case, fulfilled, p, now)


def _reject_report(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.RejectPaymentReport,
    now: datetime,
) -> list[Aggregate]:
    agreement.reject_payment_report(c.report, c.reason, p.actor, now)
    return []


def _declare_default(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.DeclareDefault,
    now: datetime,
) -> list[Aggregate]:
    agreement.declare_default(app.calendar, p.actor, now)
    return []


def _mark_overdue(
    app: MediationCenter,
    agreement: RepaymentAgreement,
    case: MediationCase,
    p: Principal,
    role: str,
    c: cmd.MarkOverdue,
    now: datetime,
) -> list[Aggregate]:
    agreement.mark_overdue(app.calendar, p.actor, now)
    return []


AgreementHandler = Callable[
    [MediationCenter, RepaymentAgreement, MediationCase, Principal, str, Any, datetime],
    Sequence[Aggregate],
]
AGREEMENT_ACTS: dict[type[cmd.Command], tuple[str, AgreementHandler]] = {
    cmd.SignAgreement: ("sign", _sign),
    cmd.RecordPayment: ("record_payment", _record_payment),
    cmd.ReportPayment: ("report_payment", _report_payment),
    cmd.ConfirmPayment: ("confirm_payment", _confirm_payment),
    cmd.RejectPaymentReport: ("reject_payment_report", _reject_report),
    cmd.DeclareDefault: ("declare_default", _declare_default),
    cmd.MarkOverdue: ("mark_overdue", _mark_overdue),
}
