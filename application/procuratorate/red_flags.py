"""The red-flag detector: follows the mediation center and the court, and keeps the
procuratorate's red flags (`RedFlag`) up to date as events arrive, exactly once in effect.

Every indicator is computed from events, never by a query on demand: a filing is counted for
its creditor–debtor pair (`PairCases`) and checked for a contact both sides gave; an
application for judicial confirmation is timed against the case's filing. A flag and what it
counts are saved together, then the event is tracked; an event seen again after a crash finds
its evidence held and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import singledispatchmethod
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking, TrackingRecorder

from application.mediation_center.app import MediationCenter
from application.procuratorate.app import Procuratorate
from application.shared.following import followed_by
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.mediation.filing import Side
from domain.mediation.mediation_case import MediationCase
from domain.procuratorate.red_flag import Evidence, FlaggedRecord, Indicator, PairCases, RedFlag
from domain.procuratorate.supervision_case import SubjectKind

_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Thresholds:
    """The spec's defaults: the same pair in 3 or more cases within 365 days; filing to a
    confirmation application within 24 hours; any shared phone or e-mail address."""

    pair_cases: int = 3
    pair_days: int = 365
    loop_hours: int = 24


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
        for domain_event, tracking in items:
            self.react(domain_event, tracking.application_name)
            self.tracking.insert_tracking(
                Tracking(f"red-flags:{tracking.application_name}", tracking.notification_id)
            )

    @singledispatchmethod
    def react(self, domain_event: Any, application: str) -> None:
        """Events no indicator counts."""

    @react.register(MediationCase.Filed)
    def _filed(self, domain_event: Any, application: str) -> None:
        filing = domain_event.filing
        evidence = _evidence(domain_event, application)
        case = FlaggedRecord(SubjectKind.MEDIATION_CASE, domain_event.originator_id)
        self._count_pair(filing, evidence)
        for kind, mine, theirs in (
            ("phone", filing.applicant.phone, filing.respondent.phone),
            ("email", filing.applicant.email, filing.respondent.email),
        ):
            shared = _contact(kind, mine)
            if shared and shared == _contact(kind, theirs):
                self._flag(Indicator.SHARED_CONTACT, f"{kind}:{shared}", [evidence], [case], 1.0)

    @react.register(JudicialConfirmation.ApplicationOpened)
    def _applied(self, domain_event: Any, application: str) -> None:
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
        self._flag(Indicator.FAST_LOOP, str(case.id), evidence, records, score)

    follows = followed_by(react)

    def _count_pair(self, filing: Any, evidence: Evidence) -> None:
        creditor, debtor = _party(filing.applicant), _party(filing.respondent)
        window = timedelta(days=self.thresholds.pair_days)
        wanted = self.thresholds.pair_cases

        def attempt(now: datetime) -> Sequence[Aggregate]:
            pair_id = PairCases.create_id(creditor, debtor)
            pair = self.procuratorate.find(pair_id, PairCases) or PairCases(creditor, debtor)
            if not pair.note(evidence):
                return []  # counted before a crash: the flag was saved with it
            count = pair.within(evidence.at, window)
            if count < wanted:
                return [pair]
            key = f"{creditor}:{debtor}"
            # The flag is raised with every case in the window, then grows by one a filing.
            held = count > wanted and self._exists(Indicator.SAME_PAIR, key)
            matched = [evidence] if held else pair.filed_within(evidence.at, window)
            records = [FlaggedRecord(SubjectKind.MEDIATION_CASE, e.aggregate_id) for e in matched]
            score = round(count / wanted, 2)
            flag = self._flag_of(Indicator.SAME_PAIR, key, matched, records, score, now)
            return [pair, flag]

        self.procuratorate.save_retrying("a pair's cases", attempt)

    def _exists(self, indicator: Indicator, key: str) -> bool:
        return self.procuratorate.find(RedFlag.create_id(indicator, key), RedFlag) is not None

    def _flag(
        self,
        indicator: Indicator,
        key: str,
        evidence: list[Evidence],
        records: list[FlaggedRecord],
        score: float,
    ) -> None:
        self.procuratorate.save_retrying(
            "a red flag",
            lambda now: [self._flag_of(indicator, key, evidence, records, score, now)],
        )

    def _flag_of(
        self,
        indicator: Indicator,
        key: str,
        evidence: list[Evidence],
        records: list[FlaggedRecord],
        score: float,
        now: datetime,
    ) -> RedFlag:
        found = self.procuratorate.find(RedFlag.create_id(indicator, key), RedFlag)
        if found is None:
            return RedFlag(indicator, key, score, evidence, records, now)
        found.add(evidence, records, max(score, found.score), now)
        return found


def _contact(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return _NOT_DIGITS.sub("", value)[-11:] if kind == "phone" else value.strip().lower()
