"""CertificateNumber: which matter a notarial certificate number was issued for.

Numbers run per office and year, e.g. ``(2026)渝江北证字1号``; the aggregate's ID is derived from
the number, so a number can be saved only once (and looked up by anyone verifying it).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import Aggregate

CERTIFICATE_KIND_LABEL = "证字"


class CertificateNumber(Aggregate):
    """Which matter a certificate number was issued for: unique per office (named ID)."""

    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:notarial-certificate:{number}")

    @event("Assigned")
    def __init__(self, number: str, matter_id: UUID) -> None:
        self.number = number
        self.matter_id = matter_id
