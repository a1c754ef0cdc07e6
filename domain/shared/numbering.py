"""Filing and docket numbers: one sequence per institution, kind and year, with no gaps.

A sequence is an aggregate with a name-derived ID, saved atomically with the case that takes a
number; a concurrent taker conflicts on the sequence's version and retries, so numbers are
neither duplicated nor skipped.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import Aggregate


class NumberSequence(Aggregate):
    @staticmethod
    def create_id(institution: str, kind: str, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:sequence:{institution}:{kind}:{year}")

    @event("Started")
    def __init__(self, institution: str, kind: str, year: int) -> None:
        self.institution = institution
        self.kind = kind
        self.year = year
        self.last = 0

    def take(self, count: int, occurred_at: datetime) -> range:
        """Reserve the next `count` numbers; they become real only when saved with their users."""
        first = self.last + 1
        self._issued(first=first, count=count, occurred_at=occurred_at)
        return range(first, first + count)

    @event("Issued")
    def _issued(self, first: int, count: int, occurred_at: datetime) -> None:
        self.last = first + count - 1


def format_number(prefix: str, kind_label: str, year: int, number: int) -> str:
    """E.g. ``(2026)渝0105民诉前调1234号``."""
    return f"({year}){prefix}{kind_label}{number}号"
