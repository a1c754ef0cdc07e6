"""LitigationCase: a lawsuit the court dockets when a pre-filing mediation failed (诉调对接)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.periods import check_future
from domain.shared.text import check_text

LITIGATION_KIND_LABEL = "民初"


class LitigationState(StrEnum):
    DOCKETED = "docketed"
    HEARING_SCHEDULED = "hearing_scheduled"
    JUDGED = "judged"
    MEDIATED = "mediated"  # ended by a court mediation document (民事调解书)


class LitigationCase(Aggregate):
    """A lawsuit docketed by the court when a pre-filing mediation failed (诉调对接)."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Docketed: ClassVar[type[DomainEvent]]
        HearingScheduled: ClassVar[type[DomainEvent]]
        Decided: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id(mediation_case_id: UUID) -> UUID:
        """One litigation per failed mediation: a second docketing of it cannot be saved."""
        return uuid5(NAMESPACE_URL, f"tiaojie:litigation:{mediation_case_id}")

    @event("Docketed")
    def __init__(
        self,
        mediation_case_id: UUID,
        mediation_filing_number: str,
        mediation_docket_number: str | None,
        docket_number: str,
        plaintiff: str,
        defendant: str,
        claim_total_fen: int,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.mediation_case_id = mediation_case_id
        self.mediation_filing_number = mediation_filing_number
        self.mediation_docket_number = mediation_docket_number
        self.docket_number = docket_number
        self.plaintiff = plaintiff
        self.defendant = defendant
        self.claim_total_fen = claim_total_fen
        self.state = LitigationState.DOCKETED
        self.hearings: list[datetime] = []
        self.outcome: str | None = None

    def schedule_hearing(self, starts_at: datetime, actor: Actor, at: datetime) -> None:
        if self.state not in (LitigationState.DOCKETED, LitigationState.HEARING_SCHEDULED):
            raise ActRefused("schedule_hearing", str(self.state), "state")
        check_future(starts_at, at, "starts_at")
        self._hearing_scheduled(starts_at=starts_at, actor=actor, occurred_at=at)

    @event("HearingScheduled")
    def _hearing_scheduled(self, starts_at: datetime, actor: Actor, occurred_at: datetime) -> None:
        self.state = LitigationState.HEARING_SCHEDULED
        self.hearings.append(starts_at)

    def decide(self, outcome: str, summary: str, actor: Actor, at: datetime) -> None:
        """A judgment, or a court mediation document; either is enforceable."""
        if self.state != LitigationState.HEARING_SCHEDULED:
            raise ActRefused("decide", str(self.state), "state")
        if outcome not in ("judgment", "court_mediation"):
            raise InvalidValue("outcome", "must be judgment or court_mediation")
        text = check_text(summary, "summary", 2_000, multiline=True)
        self._decided(outcome=outcome, summary=text, actor=actor, occurred_at=at)

    @event("Decided")
    def _decided(self, outcome: str, summary: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = LitigationState.JUDGED if outcome == "judgment" else LitigationState.MEDIATED
        self.outcome = outcome
