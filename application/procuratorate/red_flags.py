"""The red-flag detector: follows the mediation center and the court, and keeps the
procuratorate's red flags (`RedFlag`) up to date as events arrive, exactly once in effect.

Every indicator is computed from events, never by a query on demand:
- a filing is counted for its creditor–debtor pair (`PairCases`) and the center's claim sizes
  (`ClaimSizes`), and checked for a phone or e-mail address both sides gave;
- an address given for service, or an agent's account linked to a side, is checked against the
  other side (`AgentSides` across cases);
- an agreement taking effect is read against the case as it stood then: its facts and plan
  fingerprinted against other creditors' (`ClonedTerms`), whether the respondent had been
  reached (an address for service, a session), and how large the claim was against the center's
  claims with no session and no counter-proposal from the respondent;
- an application for judicial confirmation is timed against the case's filing.
A batch of events is decided on the aggregates it touches (each loaded once) and saved in one
transaction, then tracked; events seen again after a crash or by a second worker find their
evidence held and change nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import singledispatchmethod
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking, TrackingRecorder

from application.mediation_center.app import MediationCenter
from application.procuratorate.app import Procuratorate
from application.shared.following import followed_by
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_plan import RepaymentPlan
from domain.procuratorate.red_flag import (
    AgentSides,
    ClaimSizes,
    ClonedTerms,
    Evidence,
    FlaggedRecord,
    Indicator,
    PairCases,
    RedFlag,
)
from domain.procuratorate.supervision_case import SubjectKind
from domain.shared.filing import Side, SideRole

A = TypeVar("A", bound=Aggregate)
_NOT_DIGITS = re.compile(r"\D")
# Numbers in any script, and what is not a word: amounts, dates and numbering vary per case.
_NUMBERS = re.compile(r"[\d零〇一二三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+")
_NOT_WORD = re.compile(r"[\W_]+")
MIN_FACTS = 30  # characters left after removing names and numbers: shorter facts say nothing
MIN_CLAIMS = 100  # claims counted before a percentile means anything


@dataclass(frozen=True)
class Thresholds:
    """The spec's defaults: the same pair in 3 or more cases within 365 days; filing to a
    confirmation application within 24 hours; any shared phone, e-mail address or agent; the
    same facts and plan from 2 unrelated creditors; claims above the 99th percentile."""

    pair_cases: int = 3
    pair_days: int = 365
    loop_hours: int = 24
    cloned_creditors: int = 2
    large_percentile: int = 99


def _party(side: Side) -> str:
    """A side by ID number or credit code (a name is not an identity)."""
    return side.id_number or side.org_code or f"name:{side.name}"


def _evidence(domain_event: Any, application: str) -> Evidence:
    return Evidence(
        application,
        domain_event.originator_id,
        domain_event.originator_version,
        type(domain_event).__qualname__,
        domain_event.occurred_at,
    )


class Batch:
    """The aggregates a batch of events touched, each loaded once and saved together."""

    def __init__(self, procuratorate: Procuratorate, now: datetime) -> None:
        self.procuratorate = procuratorate
        self.now = now
        self.touched: dict[UUID, Aggregate] = {}

    def get(self, aggregate_id: UUID, kind: type[A], make: Callable[[], A]) -> A:
        found = self.touched.get(aggregate_id)
        if found is None:
            found = self.procuratorate.find(aggregate_id, kind) or make()
            self.touched[aggregate_id] = found
        assert isinstance(found, kind)
        return found

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        found = self.touched.get(aggregate_id) or self.procuratorate.find(aggregate_id, kind)
        return found if isinstance(found, kind) else None


class RedFlags:
    def __init__(
        self,
        procuratorate: Procuratorate,
        center: MediationCenter,
        tracking: TrackingRecorder,
        thresholds: Thresholds,
    ) -> None:
        self.procuratorate = procuratorate
        self.center = center
        self.tracking = tracking
        self.thresholds = thresholds

    def position(self, application_name: str) -> int:
        return self.tracking.max_tracking_id(f"red-flags:{application_name}") or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        """A batch of events in one transaction of the procuratorate's store; a batch that
        meets another worker's save is run again on the new state, where the events already
        counted change nothing."""
        if not items:
            return

        def attempt(now: datetime) -> Sequence[Aggregate]:
            batch = Batch(self.procuratorate, now)
            for domain_event, tracking in items:
                self.react(domain_event, tracking.application_name, batch)
            return list(batch.touched.values())

        self.procuratorate.save_retrying("red flags", attempt)
        last = items[-1][1]
        self.tracking.insert_tracking(
            Tracking(f"red-flags:{last.application_name}", last.notification_id)
        )

    @singledispatchmethod
    def react(self, domain_event: Any, application: str, batch: Batch) -> None:
        """Events no indicator counts."""

    @react.register(MediationCase.Filed)
    def _filed(self, domain_event: Any, application: str, batch: Batch) -> None:
        filing = domain_event.filing
        evidence = _evidence(domain_event, application)
        case = FlaggedRecord(SubjectKind.MEDIATION_CASE, domain_event.originator_id)
        creditor, debtor = _party(filing.applicant), _party(filing.respondent)
        pair = batch.get(
            PairCases.create_id(creditor, debtor), PairCases, lambda: PairCases(creditor, debtor)
        )
        if not pair.note(evidence):
            return  # counted before a crash: the flags and the sizes were saved with it
        sizes = batch.get(
            ClaimSizes.create_id(application), ClaimSizes, lambda: ClaimSizes(application)
        )
        sizes.count(filing.claim.total_fen)
        self._count_pair(pair, evidence, batch)
        for kind, mine, theirs in (
            ("phone", filing.applicant.phone, filing.respondent.phone),
            ("email", filing.applicant.email, filing.respondent.email),
        ):
            shared = _contact(kind, mine)
            if shared and shared == _contact(kind, theirs):
                self._flag(batch, Indicator.SHARED_CONTACT, f"{kind}:{shared}", [evidence], [case])

    def _count_pair(self, pair: PairCases, evidence: Evidence, batch: Batch) -> None:
        window = timedelta(days=self.thresholds.pair_days)
        wanted = self.thresholds.pair_cases
        count = pair.within(evidence.at, window)
        if count < wanted:
            return
        key = f"{pair.creditor}:{pair.debtor}"
        # The flag is raised with every case in the window, then grows by one a filing.
        held = count > wanted and batch.find(RedFlag.create_id(Indicator.SAME_PAIR, key), RedFlag)
        matched = [evidence] if held else pair.filed_within(evidence.at, window)
        records = [FlaggedRecord(SubjectKind.MEDIATION_CASE, e.aggregate_id) for e in matched]
        self._flag(batch, Indicator.SAME_PAIR, key, matched, records, round(count / wanted, 2))

    @react.register(MediationCase.ElectronicServiceConsented)
    def _service_address(self, domain_event: Any, application: str, batch: Batch) -> None:
        case = self.center.file_of(domain_event.originator_id, domain_event.originator_version)
        side = SideRole(domain_event.side)
        other = case.filing.side(side.other)
        theirs = [("phone", other.phone), ("email", other.email)]
        given = case.service_addresses.get(side.other)
        if given is not None:
            theirs.append(("phone" if "@" not in given.address else "email", given.address))
        kind = "email" if "@" in domain_event.address else "phone"
        shared = _contact(kind, domain_event.address)
        if shared and any(k == kind and _contact(k, v) == shared for k, v in theirs):
            evidence = [_evidence(domain_event, application)]
            records = [FlaggedRecord(SubjectKind.MEDIATION_CASE, case.id)]
            self._flag(batch, Indicator.SHARED_CONTACT, f"{kind}:{shared}", evidence, records)

    @react.register(MediationCase.PartyLinked)
    def _agent_linked(self, domain_event: Any, application: str, batch: Batch) -> None:
        case = self.center.file_of(domain_event.originator_id, domain_event.originator_version)
        evidence = _evidence(domain_event, application)
        user_id: str = domain_event.user_id
        agent = batch.get(AgentSides.create_id(user_id), AgentSides, lambda: AgentSides(user_id))
        acts_for = SideRole(domain_event.side) is SideRole.APPLICANT
        other = agent.note(acts_for, _party(case.filing.applicant), evidence)
        if other is not None:
            records = [
                FlaggedRecord(SubjectKind.MEDIATION_CASE, e.aggregate_id) for e in (other, evidence)
            ]
            key = f"agent:{user_id}"
            self._flag(batch, Indicator.SHARED_CONTACT, key, [other, evidence], records)

    @react.register(MediationCase.AgreementTookEffect)
    def _settled(self, domain_event: Any, application: str, batch: Batch) -> None:
        case = self.center.file_of(domain_event.originator_id, domain_event.originator_version)
        evidence = _evidence(domain_event, application)
        records = [FlaggedRecord(SubjectKind.MEDIATION_CASE, case.id)]
        if not _reached(case):
            self._flag(batch, Indicator.UNREACHED, str(case.id), [evidence], records)
        self._check_size(case, evidence, records, batch)
        fingerprint = _fingerprint(case, domain_event.plan)
        if fingerprint is not None:
            self._note_terms(fingerprint, _party(case.filing.applicant), evidence, batch)

    def _check_size(
        self,
        case: MediationCase,
        evidence: Evidence,
        records: list[FlaggedRecord],
        batch: Batch,
    ) -> None:
        countered = any(
            p.side == SideRole.RESPONDENT and p.in_reply_to is not None for p in case.proposals
        )
        if case.sessions or countered:
            return
        sizes = batch.find(ClaimSizes.create_id(evidence.application), ClaimSizes)
        if sizes is None or sizes.total < MIN_CLAIMS:
            return
        share = sizes.share_at_or_above(case.filing.claim.total_fen)
        top = 1 - self.thresholds.large_percentile / 100
        if share <= top:
            score = round(top / max(share, 1 / sizes.total), 2)
            self._flag(batch, Indicator.LARGE_UNCONTESTED, str(case.id), [evidence], records, score)

    def _note_terms(
        self, fingerprint: str, creditor: str, evidence: Evidence, batch: Batch
    ) -> None:
        terms = batch.get(
            ClonedTerms.create_id(fingerprint), ClonedTerms, lambda: ClonedTerms(fingerprint)
        )
        if not terms.note(creditor, evidence):
            return
        wanted = self.thresholds.cloned_creditors
        count = len(terms.creditors)
        if count < wanted:
            return
        matched = [evidence] if count > wanted else list(terms.creditors.values())
        records = [FlaggedRecord(SubjectKind.MEDIATION_CASE, e.aggregate_id) for e in matched]
        score = round(count / wanted, 2)
        self._flag(batch, Indicator.CLONED_TERMS, fingerprint, matched, records, score)

    @react.register(JudicialConfirmation.ApplicationOpened)
    def _applied(self, domain_event: Any, application: str, batch: Batch) -> None:
        case = self.center.file_of(domain_event.mediation_case_id)
        took = domain_event.occurred_at - case.filed_at
        if took > timedelta(hours=self.thresholds.loop_hours):
            return
        filed = Evidence(
            self.center.name,
            case.id,
            1,
            MediationCase.Filed.__qualname__,
            case.filed_at,
        )
        records = [
            FlaggedRecord(SubjectKind.MEDIATION_CASE, case.id),
            FlaggedRecord(SubjectKind.JUDICIAL_CONFIRMATION, domain_event.originator_id),
        ]
        hours = max(took / timedelta(hours=1), 1.0)
        score = round(self.thresholds.loop_hours / hours, 2)
        evidence = [filed, _evidence(domain_event, application)]
        self._flag(batch, Indicator.FAST_LOOP, str(case.id), evidence, records, score)

    follows = followed_by(react)

    @staticmethod
    def _flag(
        batch: Batch,
        indicator: Indicator,
        key: str,
        evidence: list[Evidence],
        records: list[FlaggedRecord],
        score: float = 1.0,
    ) -> None:
        """Raise the pattern's flag, or add to it what it does not hold yet."""
        flag_id = RedFlag.create_id(indicator, key)
        found = batch.find(flag_id, RedFlag)
        if found is None:
            batch.touched[flag_id] = RedFlag(indicator, key, score, evidence, records, batch.now)
        else:
            found.add(evidence, records, max(score, found.score), batch.now)
            batch.touched[flag_id] = found


def _contact(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return _NOT_DIGITS.sub("", value)[-11:] if kind == "phone" else value.strip().lower()


def _reached(case: MediationCase) -> bool:
    """Whether the center reached the respondent before the agreement: an address for
    service, a session it was invited to, or its consent given by its own account (a party
    claims one only through the invitation sent to its phone; an institution's staff are
    its own). A consent given by an account staff linked to the side reached an agent only.
    (A file from before consents kept their account counts its consent as reached.)"""
    respondent = SideRole.RESPONDENT
    if respondent in case.service_addresses or case.sessions:
        return True
    if not case.consents.get(respondent):
        return False
    return case.consented_by(respondent) not in case.party_links


def _fingerprint(case: MediationCase, plan: RepaymentPlan) -> str | None:
    """The case's facts without names, ID numbers, contacts and numbers, with the shape of
    its plan without amounts or dates; None when too little of the facts is left."""
    text = case.filing.facts.lower()
    for side in (case.filing.applicant, case.filing.respondent):
        for value in (side.name, side.id_number, side.org_code, side.phone, side.email):
            if value:
                text = text.replace(value.lower(), " ")
    text = _NOT_WORD.sub("", _NUMBERS.sub(" ", text))
    if len(text) < MIN_FACTS:
        return None
    dues = [i.due_date for i in plan.instalments]
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(dues)]
    shape = (
        gaps,
        plan.grace_days,
        plan.default_threshold_days,
        plan.acceleration,
        plan.accepts_enforcement,
        plan.waived_fen > 0,
    )
    return hashlib.sha256(f"{text}|{shape}".encode()).hexdigest()[:32]
