"""Red flags for false litigation and false mediation (虚假诉讼, 虚假调解), raised by the
procuratorate's detector from every institution's events.

A flag is one pattern instance (its id derives from the indicator and the pattern's key, so it
is raised once) and grows as more events match; each piece of evidence names the event that
matched (its application, aggregate, version and topic), so a prosecutor can find its audit
entry and prove it with an inclusion proof. Adding evidence already held changes
nothing: the detector may see an event again after a crash. A prosecutor opens a supervision
case from a flag, or dismisses it with a reason.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.procuratorate.supervision_case import SubjectKind
from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.text import check_text
from domain.shared.value import Value


class Indicator(StrEnum):
    SAME_PAIR = "same_pair"  # the same creditor–debtor pair across many cases in a window
    SHARED_CONTACT = "shared_contact"  # one phone or e-mail address given by both sides
    FAST_LOOP = "fast_loop"  # filing → agreement → confirmation application within a day


class FlagState(StrEnum):
    RAISED = "raised"
    DISMISSED = "dismissed"
    SUPERVISED = "supervised"  # a supervision case was opened from it


@dataclass(frozen=True)
class Evidence(Value):
    """One event that matched: whose it is, which aggregate and version (its audit entry is
    found by them), its type and when."""

    application: str
    aggregate_id: UUID
    version: int
    topic: str
    at: datetime


@dataclass(frozen=True)
class FlaggedRecord(Value):
    kind: SubjectKind
    record_id: UUID


class RedFlag(Aggregate):
    if TYPE_CHECKING:  # made by the library from the @event methods; typed for readers
        Raised: ClassVar[type[DomainEvent]]
        EvidenceAdded: ClassVar[type[DomainEvent]]
        Dismissed: ClassVar[type[DomainEvent]]
        Supervised: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id(indicator: Indicator, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:red-flag:{indicator}:{key}")

    @event("Raised")
    def __init__(
        self,
        indicator: Indicator,
        key: str,
        score: float,
        evidence: list[Evidence],
        records: list[FlaggedRecord],
        occurred_at: datetime,
    ) -> None:
        self.indicator = Indicator(indicator)  # stored as its value: an enum again on replay
        self.key = key
        self.score = score
        self.evidence = {_held(e): e for e in evidence}  # by aggregate and version, in order
        self.records = {str(r.record_id): r for r in records}
        self.state = FlagState.RAISED
        self.reason = ""
        self.supervision_id: UUID | None = None
        self.raised_at = occurred_at

    def add(
        self, evidence: list[Evidence], records: list[FlaggedRecord], score: float, at: datetime
    ) -> None:
        """More matching events; nothing when all of them are held already."""
        new = [e for e in evidence if _held(e) not in self.evidence]
        if not new:
            return
        added = [r for r in records if str(r.record_id) not in self.records]
        self._evidence_added(evidence=new, records=added, score=score, occurred_at=at)

    @event("EvidenceAdded")
    def _evidence_added(
        self,
        evidence: list[Evidence],
        records: list[FlaggedRecord],
        score: float,
        occurred_at: datetime,
    ) -> None:
        self.evidence = {**self.evidence, **{_held(e): e for e in evidence}}
        self.records = {**self.records, **{str(r.record_id): r for r in records}}
        self.score = score

    def dismiss(self, reason: str, actor: Actor, at: datetime) -> None:
        if self.state is not FlagState.RAISED:
            raise self._refuse("dismiss", "state", f"the flag is {self.state}")
        self._dismissed(reason=check_text(reason, "reason", 2_000), actor=actor, occurred_at=at)

    @event("Dismissed")
    def _dismissed(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = FlagState.DISMISSED
        self.reason = reason

    def supervise(self, supervision_id: UUID, actor: Actor, at: datetime) -> None:
        if self.state is not FlagState.RAISED:
            raise self._refuse("open_supervision", "state", f"the flag is {self.state}")
        self._supervised(supervision_id=supervision_id, actor=actor, occurred_at=at)

    @event("Supervised")
    def _supervised(self, supervision_id: UUID, actor: Actor, occurred_at: datetime) -> None:
        self.state = FlagState.SUPERVISED
        self.supervision_id = supervision_id


class PairCases(Aggregate):
    """The cases of one creditor–debtor pair (by ID number or credit code), as the detector
    saw them filed: what the same-pair indicator counts within its window."""

    @staticmethod
    def create_id(creditor: str, debtor: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:pair:{creditor}:{debtor}")

    @event("Started")
    def __init__(self, creditor: str, debtor: str) -> None:
        self.creditor = creditor
        self.debtor = debtor
        self.cases: dict[str, Evidence] = {}  # each case's filing, by case id
        self.times: list[datetime] = []  # the filings' times, sorted

    def note(self, evidence: Evidence) -> bool:
        """Count a case (by its filing) once; whether it was new."""
        if str(evidence.aggregate_id) in self.cases:
            return False
        self._noted(evidence=evidence)
        return True

    @event("Noted")
    def _noted(self, evidence: Evidence) -> None:
        self.cases = {**self.cases, str(evidence.aggregate_id): evidence}
        times = [*self.times]
        bisect.insort(times, evidence.at)
        self.times = times

    def within(self, end: datetime, window: timedelta) -> int:
        """How many of the cases were filed in the window that ends at `end`."""
        return bisect.bisect_right(self.times, end) - bisect.bisect_left(self.times, end - window)

    def filed_within(self, end: datetime, window: timedelta) -> list[Evidence]:
        return [e for e in self.cases.values() if end - window <= e.at <= end]


def _held(evidence: Evidence) -> str:
    return f"{evidence.aggregate_id}:{evidence.version}"
