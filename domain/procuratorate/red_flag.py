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
import math
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
    SHARED_CONTACT = "shared_contact"  # one phone, e-mail address or agent on both sides
    FAST_LOOP = "fast_loop"  # filing → agreement → confirmation application within a day
    CLONED_TERMS = "cloned_terms"  # the same facts and plan in cases of unrelated parties
    UNREACHED = "unreached"  # settled before the respondent was served or invited
    LARGE_UNCONTESTED = "large_uncontested"  # a very large claim settled without a session


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
            raise self._refuse("dismiss", "state", "the flag is {state}", state=self.state)
        self._dismissed(reason=check_text(reason, "reason", 2_000), actor=actor, occurred_at=at)

    @event("Dismissed")
    def _dismissed(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = FlagState.DISMISSED
        self.reason = reason

    def supervise(self, supervision_id: UUID, actor: Actor, at: datetime) -> None:
        if self.state is not FlagState.RAISED:
            raise self._refuse("open_supervision", "state", "the flag is {state}", state=self.state)
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


class ClonedTerms(Aggregate):
    """The creditors whose settled cases share one fingerprint of facts and plan (names, ID
    numbers and amounts removed): each creditor's first such case. A bank's book on its own
    terms stays one creditor however many debtors settle on them."""

    @staticmethod
    def create_id(fingerprint: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:cloned-terms:{fingerprint}")

    @event("Started")
    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.creditors: dict[str, Evidence] = {}

    def note(self, creditor: str, evidence: Evidence) -> bool:
        """Count a creditor once; whether it was new."""
        if creditor in self.creditors:
            return False
        self._noted(creditor=creditor, evidence=evidence)
        return True

    @event("Noted")
    def _noted(self, creditor: str, evidence: Evidence) -> None:
        self.creditors = {**self.creditors, creditor: evidence}


class ClaimSizes(Aggregate):
    """How large the center's claims are, as filed: counts per band of a twentieth of a decade
    of fen, so the 99th percentile is known to within 12 % without keeping every claim."""

    BANDS_PER_DECADE: ClassVar[int] = 20

    @staticmethod
    def create_id(application: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:claim-sizes:{application}")

    @classmethod
    def band(cls, fen: int) -> int:
        return int(math.log10(max(fen, 1)) * cls.BANDS_PER_DECADE)

    @event("Started")
    def __init__(self, application: str) -> None:
        self.application = application
        self.counts: dict[str, int] = {}  # by band (a string: stored events key by text)
        self.total = 0

    def count(self, fen: int) -> None:
        self._counted(band=str(self.band(fen)))

    @event("Counted")
    def _counted(self, band: str) -> None:
        self.counts = {**self.counts, band: self.counts.get(band, 0) + 1}
        self.total += 1

    def share_at_or_above(self, fen: int) -> float:
        """The share of claims in this claim's band or above it (1.0 with none counted)."""
        if not self.total:
            return 1.0
        band = self.band(fen)
        return sum(n for b, n in self.counts.items() if int(b) >= band) / self.total


class AgentSides(Aggregate):
    """The creditors an agent's account was linked to act for, and the creditors it was linked
    to act against (for their debtors): one creditor on both lists is one agent on both sides."""

    @staticmethod
    def create_id(user_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:agent-sides:{user_id}")

    @event("Started")
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.links: dict[str, Evidence] = {}  # by "for:creditor" or "against:creditor"

    def note(self, for_creditor: bool, creditor: str, evidence: Evidence) -> Evidence | None:
        """Record a link once; the link on the other side of the same creditor, if any."""
        mine, other = ("for", "against") if for_creditor else ("against", "for")
        if f"{mine}:{creditor}" not in self.links:
            self._noted(key=f"{mine}:{creditor}", evidence=evidence)
        return self.links.get(f"{other}:{creditor}")

    @event("Noted")
    def _noted(self, key: str, evidence: Evidence) -> None:
        self.links = {**self.links, key: evidence}
