"""EnforcementCase (执行): opened on the creditor's application on an enforceable instrument."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.periods import shanghai_date

ENFORCEMENT_KIND_LABEL = "执"


class EnforcementCase(Aggregate):
    """Enforcement (执行) on the creditor's application: a confirmed agreement in default."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Opened: ClassVar[type[DomainEvent]]

    # Class defaults: cases opened before the limitation was recorded have none.
    limitation_ends_on: date | None = None
    time_barred = False

    @staticmethod
    def create_id(basis_id: UUID) -> UUID:
        """One enforcement per enforceable instrument."""
        return uuid5(NAMESPACE_URL, f"tiaojie:enforcement:{basis_id}")

    @event("Opened")
    def __init__(
        self,
        basis: str,
        basis_id: UUID,
        mediation_case_id: UUID,
        docket_number: str,
        creditor: str,
        debtor: str,
        amount_fen: int,
        actor: Actor,
        occurred_at: datetime,
        limitation_ends_on: date | None = None,  # older cases recorded none
    ) -> None:
        self.basis = basis
        # The two-year enforcement limitation (CPL art. 250; for instalments from the last
        # instalment's due date), which this application interrupts: recorded, not decided.
        self.limitation_ends_on = limitation_ends_on
        self.time_barred = (
            limitation_ends_on is not None and shanghai_date(occurred_at) > limitation_ends_on
        )
        self.basis_id = basis_id
        self.mediation_case_id = mediation_case_id
        self.docket_number = docket_number
        self.creditor = creditor
        self.debtor = debtor
        self.amount_fen = amount_fen
        self.state = "opened"
