"""JudicialConfirmation (司法确认) of a repayment agreement, applied for jointly.

A confirmation is accepted or refused within 3 days of the application and ruled on within 15
days of acceptance (+10 with the president's approval). A deadline the court misses itself is
recorded and shown as overdue; nothing is decided for it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused
from domain.shared.periods import Deadline, WorkingCalendar, calendar_days_deadline, shanghai_date
from domain.shared.text import check_text

CONFIRMATION_APPLICATION_DAYS = 30  # from the agreement taking effect
CONFIRMATION_ACCEPTANCE_DAYS = 3
CONFIRMATION_RULING_DAYS = 15
CONFIRMATION_RULING_EXTENSION_DAYS = 10
CONFIRMATION_KIND_LABEL = "民特"


class ConfirmationState(StrEnum):
    APPLYING = "applying"  # one side has applied; the application is joint
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    LAPSED = "lapsed"  # the other side did not apply within the window


class JudicialConfirmation(Aggregate):
    """Judicial confirmation (司法确认) of a repayment agreement, applied for jointly."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        ApplicationOpened: ClassVar[type[DomainEvent]]
        Applied: ClassVar[type[DomainEvent]]
        Accepted: ClassVar[type[DomainEvent]]
        RulingPeriodExtended: ClassVar[type[DomainEvent]]
        Ruled: ClassVar[type[DomainEvent]]
        ApplicationLapsed: ClassVar[type[DomainEvent]]
        DeadlineMissed: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id(agreement_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:confirmation:{agreement_id}")

    @event("ApplicationOpened")
    def __init__(
        self,
        agreement_id: UUID,
        mediation_case_id: UUID,
        agreement_sha256: str,
        window: Deadline,
        side: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.agreement_id = agreement_id
        self.mediation_case_id = mediation_case_id
        self.agreement_sha256 = agreement_sha256
        self.application_window = window
        self.applied_by: dict[str, str] = {side: actor.actor_id}
        self.state = ConfirmationState.APPLYING
        self.docket_number: str | None = None
        self.acceptance_deadline: Deadline | None = None
        self.ruling_deadline: Deadline | None = None
        self.extended = False
        self.reason: str | None = None
        self.missed: list[str] = []  # "acceptance:2026-03-05": deadlines the court missed

    @classmethod
    def open(
        cls,
        agreement_id: UUID,
        mediation_case_id: UUID,
        agreement_sha256: str,
        effective: datetime,
        calendar: WorkingCalendar,
        side: str,
        actor: Actor,
        at: datetime,
    ) -> JudicialConfirmation:
        """The first side's application, within 30 days of the agreement taking effect."""
        window = calendar_days_deadline(
            shanghai_date(effective), CONFIRMATION_APPLICATION_DAYS, calendar
        )
        if window.has_passed(at):
            raise ActRefused(
                "apply_for_confirmation",
                "effective",
                "application_window_passed",
                f"confirmation had to be applied for by {window.due.isoformat()}",
            )
        return cls(
            agreement_id=agreement_id,
            mediation_case_id=mediation_case_id,
            agreement_sha256=agreement_sha256,
            window=window,
            side=side,
            actor=actor,
            occurred_at=at,
        )

    def _require(self, act: str, *states: ConfirmationState) -> None:
        if self.state not in states:
            raise ActRefused(act, str(self.state), "state")

    def join(
        self, side: str, docket_number: str, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> None:
        """The other side's application makes it joint; the court's 3 days start."""
        self._require("apply_for_confirmation", ConfirmationState.APPLYING)
        if side in self.applied_by:
            raise ActRefused(
                "apply_for_confirmation",
                str(self.state),
                "already_applied",
                f"the {side} side has already applied",
            )
        if self.application_window.has_passed(at):
            raise ActRefused(
                "apply_for_confirmation",
                str(self.state),
                "application_window_passed",
                f"confirmation had to be applied for by {self.application_window.due}",
            )
        deadline = calendar_days_deadline(shanghai_date(at), CONFIRMATION_ACCEPTANCE_DAYS, calendar)
        self._applied(
            side=side,
            docket_number=docket_number,
            acceptance_deadline=deadline,
            actor=actor,
            occurred_at=at,
        )

    @event("Applied")
    def _applied(
        self,
        side: str,
        docket_number: str,
        acceptance_deadline: Deadline,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.applied_by[side] = actor.actor_id
        self.state = ConfirmationState.APPLIED
        self.docket_number = docket_number
        self.acceptance_deadline = acceptance_deadline

    def accept(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> None:
        self._require("accept", ConfirmationState.APPLIED)
        deadline = calendar_days_deadline(shanghai_date(at), CONFIRMATION_RULING_DAYS, calendar)
        self._accepted(ruling_deadline=deadline, actor=actor, occurred_at=at)

    @event("Accepted")
    def _accepted(self, ruling_deadline: Deadline, actor: Actor, occurred_at: datetime) -> None:
        self.state = ConfirmationState.ACCEPTED
        self.ruling_deadline = ruling_deadline

    def refuse(self, reason: str, actor: Actor, at: datetime) -> None:
        self._require("refuse", ConfirmationState.APPLIED)
        self._settled(
            state=ConfirmationState.REFUSED, reason=_reason(reason), actor=actor, occurred_at=at
        )

    def extend_ruling_period(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> None:
        """The president's approval adds 10 days to the ruling period, once."""
        self._require("extend_ruling_period", ConfirmationState.ACCEPTED)
        if self.extended:
            raise ActRefused(
                "extend_ruling_period",
                str(self.state),
                "already_extended",
                "the ruling period has already been extended",
            )
        assert self.ruling_deadline is not None
        deadline = calendar_days_deadline(
            self.ruling_deadline.due, CONFIRMATION_RULING_EXTENSION_DAYS, calendar
        )
        self._ruling_extended(ruling_deadline=deadline, actor=actor, occurred_at=at)

    @event("RulingPeriodExtended")
    def _ruling_extended(
        self, ruling_deadline: Deadline, actor: Actor, occurred_at: datetime
    ) -> None:
        self.ruling_deadline = ruling_deadline
        self.extended = True

    def rule(self, confirmed: bool, reason: str, actor: Actor, at: datetime) -> None:
        """Confirmed: the agreement is enforceable. Rejected: back to mediation or to court."""
        self._require("rule", ConfirmationState.ACCEPTED)
        self._settled(
            state=ConfirmationState.CONFIRMED if confirmed else ConfirmationState.REJECTED,
            reason=check_text(reason, "reason", 2_000, required=False, multiline=True)
            if confirmed
            else _reason(reason),
            actor=actor,
            occurred_at=at,
        )

    @event("Ruled")
    def _settled(
        self, state: ConfirmationState, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = state
        self.reason = reason

    def lapse(self, actor: Actor, at: datetime) -> None:
        """The window closed with one side's application only: nothing is docketed."""
        self._require("lapse", ConfirmationState.APPLYING)
        if not self.application_window.has_passed(at):
            raise ActRefused(
                "lapse",
                str(self.state),
                "window_open",
                f"the window runs until {self.application_window.due.isoformat()}",
            )
        self._lapsed(actor=actor, occurred_at=at)

    @event("ApplicationLapsed")
    def _lapsed(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = ConfirmationState.LAPSED

    def _running_deadline(self) -> tuple[str, Deadline] | None:
        if self.state == ConfirmationState.APPLIED and self.acceptance_deadline:
            return "acceptance", self.acceptance_deadline
        if self.state == ConfirmationState.ACCEPTED and self.ruling_deadline:
            return "ruling", self.ruling_deadline
        return None

    def record_missed_deadline(self, actor: Actor, at: datetime) -> None:
        """The court is late: recorded once per deadline (an extension makes a new one)."""
        running = self._running_deadline()
        if running is None or not running[1].has_passed(at):
            raise ActRefused("record_missed_deadline", str(self.state), "not_missed")
        name, deadline = running
        if f"{name}:{deadline.due.isoformat()}" in self.missed:
            raise ActRefused("record_missed_deadline", str(self.state), "already_recorded")
        self._deadline_missed(deadline=name, due=deadline.due, actor=actor, occurred_at=at)

    @event("DeadlineMissed")
    def _deadline_missed(
        self, deadline: str, due: date, actor: Actor, occurred_at: datetime
    ) -> None:
        self.missed = [*self.missed, f"{deadline}:{due.isoformat()}"]

    def timers(self) -> dict[str, date]:
        """The days after which the scheduler acts: the window lapses, or the court's lateness
        is recorded."""
        if self.state == ConfirmationState.APPLYING:
            return {"application_window": self.application_window.due}
        running = self._running_deadline()
        if running is None or f"{running[0]}:{running[1].due.isoformat()}" in self.missed:
            return {}
        return {running[0]: running[1].due}

    def overdue(self, now: datetime) -> bool:
        """The court itself is late: to accept or refuse, or to rule."""
        if self.state == ConfirmationState.APPLIED and self.acceptance_deadline:
            return self.acceptance_deadline.has_passed(now)
        if self.state == ConfirmationState.ACCEPTED and self.ruling_deadline:
            return self.ruling_deadline.has_passed(now)
        return False


def _reason(reason: str) -> str:
    return check_text(reason, "reason", 2_000, multiline=True)
