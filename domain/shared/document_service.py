"""Electronic service (电子送达) and reminders: what was sent to whom, and whether it arrived.

A document is served only to an addressee whose consent and address are recorded on the case.
Each service and each reminder has an ID derived from what it serves, so it is queued once
however many processes try.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.aggregate import Aggregate


class DocumentService(Aggregate):
    """Service of one document on one addressee: queued, then sent and delivered, or failed."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Queued: ClassVar[type[DomainEvent]]
        Delivered: ClassVar[type[DomainEvent]]
        Failed: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id(document_id: UUID, addressee: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:service:{document_id}:{addressee}")

    @event("Queued")
    def __init__(
        self,
        document_id: UUID,
        addressee: str,
        case_id: UUID,
        kind: str,
        channel: str,
        address: str,
        document_sha256: str,
        occurred_at: datetime,
    ) -> None:
        self.document_id = document_id
        self.addressee = addressee
        self.case_id = case_id
        self.kind = kind
        self.channel = channel
        self.address = address
        self.document_sha256 = document_sha256
        self.state = "queued"
        self.sent_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.error: str | None = None

    def delivered(self, sent_at: datetime, delivered_at: datetime) -> None:
        """The addressee's system accepted it: served, with proof of when."""
        self._delivered(sent_at=sent_at, delivered_at=delivered_at, occurred_at=delivered_at)

    @event("Delivered")
    def _delivered(self, sent_at: datetime, delivered_at: datetime, occurred_at: datetime) -> None:
        self.state = "delivered"
        self.sent_at = sent_at
        self.delivered_at = delivered_at

    def failed(self, error: str, at: datetime) -> None:
        self._failed(error=error[:500], occurred_at=at)

    @event("Failed")
    def _failed(self, error: str, occurred_at: datetime) -> None:
        self.state = "failed"
        self.error = error


def reminder_id(agreement_id: UUID, instalment: int) -> UUID:
    """The one reminder of one instalment."""
    return uuid5(NAMESPACE_URL, f"tiaojie:reminder:{agreement_id}:{instalment}")
