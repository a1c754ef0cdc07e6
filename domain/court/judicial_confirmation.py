"""JudicialConfirmation (司法确认) of a repayment agreement, applied for jointly.

A confirmation is accepted or refused within 3 days of the application and ruled on within 15
days of acceptance (+10 with the president's approval). A deadline the court misses itself is
recorded and shown as overdue; nothing is decided for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.periods import (
    Deadline,
    WorkingCalendar,
    calendar_days_deadline,
    check_future,
    months_deadline,
    shanghai_date,
)
from domain.shared.text import check_text
from domain.shared.value import Value

T = TypeVar("T")

CONFIRMATION_APPLICATION_DAYS = 30  # from the agreement taking effect
CONFIRMATION_ACCEPTANCE_DAYS = 3
CONFIRMATION_RULING_DAYS = 15
CONFIRMATION_RULING_EXTENSION_DAYS = 10
CONFIRMATION_KIND_LABEL = "民特"
PARTY_OBJECTION_DAYS = 15  # from receipt of the ruling (民诉法解释 art. 372)
INTERESTED_OBJECTION_MONTHS = 6  # from when an interested person knew or should have known
MORE_TIME_DAYS = 10  # to apply for 顺延 after the obstacle ends (CPL art. 86)


class Objector(StrEnum):
    PARTY = "party"
    INTERESTED = "interested"  # 利害关系人


@dataclass(frozen=True)
class Objection(Value):
    """An objection to the ruling, as the court received it, and its decision."""

    number: int
    objector: Objector
    name: str
    known_on: date  # receipt of the ruling (a party), or when it was known (an interested one)
    grounds: str
    window_due: date
    decision: str | None = None  # upheld | dismissed
    decision_reason: str | None = None


@dataclass(frozen=True)
class MoreTime(Value):
    """An application for 顺延 by someone who missed the window for a legitimate reason."""

    number: int
    name: str
    obstacle_ended_on: date
    reason: str
    granted_until: date | None = None  # the objection is received until this day, if granted
    refused: bool = False


class ConfirmationState(StrEnum):
    APPLYING = "applying"  # one side has applied; the application is joint
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REVOKED = "revoked"  # an objection was upheld: the ruling is set aside
    LAPSED = "lapsed"  # the other side did not apply within the window
    WITHDRAWN = "withdrawn"  # the applicants withdrew before the ruling, and the court allowed it


class RefusalGround(StrEnum):
    """Why an application is not accepted (不予受理; 民诉法解释 art. 355)."""

    NOT_FOR_COURTS = "not_for_courts"  # not for the people's courts to accept
    NO_JURISDICTION = "no_jurisdiction"  # not this court's jurisdiction
    STATUS_RELATIONS = "status_relations"  # marriage, adoption, guardianship and the like
    SPECIAL_PROCEDURE = "special_procedure"  # special, public-summons or bankruptcy procedure
    OWNERSHIP = "ownership"  # property or intellectual-property ownership in question
    OTHER = "other"


class RejectionGround(StrEnum):
    """Why an accepted application is rejected (驳回; 民诉法解释 art. 358)."""

    MANDATORY_LAW = "mandatory_law"  # violates mandatory provisions of law
    HARMS_INTERESTS = "harms_interests"  # harms state, public or others' lawful interests
    PUBLIC_ORDER = "public_order"  # violates public order and good morals
    NOT_VOLUNTARY = "not_voluntary"
    UNCLEAR = "unclear"  # the content cannot be made out
    OTHER = "other"


_RUNNING = frozenset(
    {ConfirmationState.APPLYING, ConfirmationState.APPLIED, ConfirmationState.ACCEPTED}
)


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
        DeadlinesRecomputed: ClassVar[type[DomainEvent]]
        VerificationScheduled: ClassVar[type[DomainEvent]]
        Verified: ClassVar[type[DomainEvent]]
        WithdrawalRequested: ClassVar[type[DomainEvent]]
        ObjectionRaised: ClassVar[type[DomainEvent]]
        ObjectionDecided: ClassVar[type[DomainEvent]]
        MoreTimeRequested: ClassVar[type[DomainEvent]]
        MoreTimeDecided: ClassVar[type[DomainEvent]]
        WithdrawalRefused: ClassVar[type[DomainEvent]]
        Withdrawn: ClassVar[type[DomainEvent]]

    # Class defaults, as older snapshots have none: a RefusalGround or RejectionGround; the
    # verification with both parties; who approved the extension.
    ground: str | None = None
    verification_at: datetime | None = None
    verified_at: datetime | None = None
    verification_notes: str | None = None
    extension_approved_by: str | None = None
    withdrawal_requested_by: str | None = None  # the side that asked to withdraw
    objections: tuple[Objection, ...] = ()
    ruled_on: date | None = None  # the ruling's day (Shanghai): nobody knew of it before
    more_time: tuple[MoreTime, ...] = ()

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
        effective_on: date,
        calendar: WorkingCalendar,
        side: str,
        actor: Actor,
        at: datetime,
    ) -> JudicialConfirmation:
        """The first side's application, within 30 days of the agreement taking effect (the
        day of the last party's signature; CPL art. 205)."""
        window = calendar_days_deadline(effective_on, CONFIRMATION_APPLICATION_DAYS, calendar)
        if window.has_passed(at):
            raise ActRefused(
                "apply_for_confirmation",
                "effective",
                "application_window_passed",
                "confirmation had to be applied for by {due}",
                due=window.due,
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

    def join(self, side: str, calendar: WorkingCalendar, actor: Actor, at: datetime) -> None:
        """The other side's application makes it joint; the court's 3 days to accept start.
        The 民特 number waits for the acceptance, so a refused application holds none."""
        self._require("apply_for_confirmation", ConfirmationState.APPLYING)
        if side in self.applied_by:
            raise ActRefused(
                "apply_for_confirmation",
                str(self.state),
                "already_applied",
                "the {side} side has already applied",
                side=side,
            )
        if self.application_window.has_passed(at):
            raise ActRefused(
                "apply_for_confirmation",
                str(self.state),
                "application_window_passed",
                "confirmation had to be applied for by {due}",
                due=self.application_window.due,
            )
        deadline = calendar_days_deadline(shanghai_date(at), CONFIRMATION_ACCEPTANCE_DAYS, calendar)
        self._applied(
            side=side,
            docket_number=None,
            acceptance_deadline=deadline,
            actor=actor,
            occurred_at=at,
        )

    @event("Applied")
    def _applied(
        self,
        side: str,
        docket_number: str | None,  # older applications were numbered here
        acceptance_deadline: Deadline,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.applied_by[side] = actor.actor_id
        self.state = ConfirmationState.APPLIED
        self.docket_number = docket_number
        self.acceptance_deadline = acceptance_deadline

    def accept(
        self, docket_number: str, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> None:
        """The court accepts and dockets the case (its 民特 number); 15 days to rule start."""
        self._require("accept", ConfirmationState.APPLIED)
        deadline = calendar_days_deadline(shanghai_date(at), CONFIRMATION_RULING_DAYS, calendar)
        self._accepted(
            ruling_deadline=deadline, actor=actor, occurred_at=at, docket_number=docket_number
        )

    @event("Accepted")
    def _accepted(
        self,
        ruling_deadline: Deadline,
        actor: Actor,
        occurred_at: datetime,
        docket_number: str | None = None,  # older acceptances were numbered at the application
    ) -> None:
        if docket_number is not None:
            self.docket_number = docket_number
        self.state = ConfirmationState.ACCEPTED
        self.ruling_deadline = ruling_deadline

    def refuse(self, ground: RefusalGround, reason: str, actor: Actor, at: datetime) -> None:
        """Not accepted, on a ground of art. 355, with the court's words."""
        self._require("refuse", ConfirmationState.APPLIED)
        self._settled(
            state=ConfirmationState.REFUSED,
            reason=_reason(reason),
            actor=actor,
            occurred_at=at,
            ground=RefusalGround(ground),
        )

    def extend_ruling_period(
        self, approved_by: str, calendar: WorkingCalendar, actor: Actor, at: datetime
    ) -> None:
        """The president's approval adds 10 days to the ruling period, once (法释〔2011〕5号
        art. 5); who approved is recorded."""
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
        self._ruling_extended(
            ruling_deadline=deadline,
            actor=actor,
            occurred_at=at,
            approved_by=check_text(approved_by, "approved_by", 200),
        )

    @event("RulingPeriodExtended")
    def _ruling_extended(
        self,
        ruling_deadline: Deadline,
        actor: Actor,
        occurred_at: datetime,
        approved_by: str | None = None,  # older extensions did not say
    ) -> None:
        self.ruling_deadline = ruling_deadline
        self.extended = True
        self.extension_approved_by = approved_by

    # --- joint verification (核实, 民诉法解释 art. 356) ---------------------------------------

    def schedule_verification(self, starts_at: datetime, actor: Actor, at: datetime) -> None:
        """The court calls both parties to verify the agreement together."""
        self._require("schedule_verification", ConfirmationState.ACCEPTED)
        check_future(starts_at, at, "starts_at")
        self._verification_scheduled(starts_at=starts_at, actor=actor, occurred_at=at)

    @event("VerificationScheduled")
    def _verification_scheduled(
        self, starts_at: datetime, actor: Actor, occurred_at: datetime
    ) -> None:
        self.verification_at = starts_at

    def record_verification(self, notes: str, actor: Actor, at: datetime) -> None:
        """The judge records the verification with both parties: who came, what they said."""
        self._require("record_verification", ConfirmationState.ACCEPTED)
        self._verified(notes=_reason(notes), actor=actor, occurred_at=at)

    @event("Verified")
    def _verified(self, notes: str, actor: Actor, occurred_at: datetime) -> None:
        self.verified_at = occurred_at
        self.verification_notes = notes

    def rule(
        self,
        ground: RejectionGround | None,
        reason: str,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Confirmed (no ground): the agreement is enforceable. Rejected on a ground of art.
        358: back to mediation or on to litigation. Only after the verification with both
        parties (art. 356)."""
        self._require("rule", ConfirmationState.ACCEPTED)
        if self.verified_at is None:
            raise ActRefused(
                "rule",
                str(self.state),
                "not_verified",
                "the court verifies the agreement with both parties before it rules",
            )
        self._settled(
            state=ConfirmationState.CONFIRMED if ground is None else ConfirmationState.REJECTED,
            reason=check_text(reason, "reason", 2_000, required=False, multiline=True)
            if ground is None
            else _reason(reason),
            actor=actor,
            occurred_at=at,
            ground=None if ground is None else RejectionGround(ground),
        )

    @event("Ruled")
    def _settled(
        self,
        state: ConfirmationState,
        reason: str,
        actor: Actor,
        occurred_at: datetime,
        ground: str | None = None,  # older refusals and rejections gave only the words
    ) -> None:
        self.state = state
        self.reason = reason
        self.ground = ground
        self.ruled_on = shanghai_date(occurred_at)

    # --- withdrawal before the ruling (民诉法解释 art. 357) --------------------------------------

    def request_withdrawal(self, side: str, reason: str, actor: Actor, at: datetime) -> None:
        """An applicant withdraws before the ruling; the court rules on it."""
        self._require("withdraw_application", *_RUNNING)
        if self.withdrawal_requested_by is not None:
            raise ActRefused(
                "withdraw_application",
                str(self.state),
                "withdrawal_pending",
                "a withdrawal is already before the court",
            )
        self._withdrawal_requested(
            side=side,
            reason=check_text(reason, "reason", 2_000, required=False, multiline=True),
            actor=actor,
            occurred_at=at,
        )

    @event("WithdrawalRequested")
    def _withdrawal_requested(
        self, side: str, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.withdrawal_requested_by = side

    def rule_on_withdrawal(self, allowed: bool, reason: str, actor: Actor, at: datetime) -> None:
        """Allowed unless the court records why not (a withdrawal that would harm the state,
        the public or others, for instance)."""
        self._require("rule_on_withdrawal", *_RUNNING)
        if self.withdrawal_requested_by is None:
            raise ActRefused(
                "rule_on_withdrawal", str(self.state), "no_withdrawal", "nobody asked to withdraw"
            )
        if allowed:
            self._withdrawn(
                reason=check_text(reason, "reason", 2_000, required=False, multiline=True),
                actor=actor,
                occurred_at=at,
            )
        else:
            self._withdrawal_refused(reason=_reason(reason), actor=actor, occurred_at=at)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = ConfirmationState.WITHDRAWN
        self.reason = reason or None

    @event("WithdrawalRefused")
    def _withdrawal_refused(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.withdrawal_requested_by = None

    # --- objections to the ruling (民诉法解释 art. 372) and 顺延 (CPL art. 86) ------------------

    def record_objection(
        self,
        objector: Objector,
        name: str,
        known_on: date,
        grounds: str,
        calendar: WorkingCalendar,
        actor: Actor,
        at: datetime,
    ) -> None:
        """A party within 15 days of receiving the ruling, an interested person within 6
        months of knowing of it; later only within the 顺延 the court granted that person."""
        self._require("record_objection", ConfirmationState.CONFIRMED, ConfirmationState.REJECTED)
        who = Objector(objector)
        today = shanghai_date(at)
        if known_on > today:
            raise InvalidValue("known_on", "must not be after today")
        if self.ruled_on is not None and known_on < self.ruled_on:
            raise InvalidValue("known_on", "must not be before the ruling")
        window = (
            calendar_days_deadline(known_on, PARTY_OBJECTION_DAYS, calendar)
            if who is Objector.PARTY
            else months_deadline(known_on, INTERESTED_OBJECTION_MONTHS, calendar)
        )
        clean = check_text(name, "name", 200)
        granted = [m.granted_until for m in self.more_time if m.name == clean and m.granted_until]
        if today > window.due and not any(today <= until for until in granted):
            raise ActRefused(
                "record_objection",
                str(self.state),
                "objection_window_passed",
                "the window ended on {due}; one who missed it for a legitimate reason applies "
                "for more time (顺延) first",
                due=window.due,
            )
        objection = Objection(
            len(self.objections) + 1, who, clean, known_on, _reason(grounds), window.due
        )
        self._objection_raised(objection=objection, actor=actor, occurred_at=at)

    @event("ObjectionRaised")
    def _objection_raised(self, objection: Objection, actor: Actor, occurred_at: datetime) -> None:
        self.objections = (*self.objections, objection)

    def decide_objection(
        self, number: int, upheld: bool, reason: str, actor: Actor, at: datetime
    ) -> None:
        """Upheld: the ruling is set aside (revoked). Dismissed: it stands."""
        self._require("decide_objection", ConfirmationState.CONFIRMED, ConfirmationState.REJECTED)
        found = self._numbered(self.objections, number)
        if found.decision is not None:
            raise ActRefused("decide_objection", str(self.state), "already_decided")
        self._objection_decided(
            number=number,
            decision="upheld" if upheld else "dismissed",
            reason=_reason(reason),
            actor=actor,
            occurred_at=at,
        )

    @event("ObjectionDecided")
    def _objection_decided(
        self, number: int, decision: str, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.objections = tuple(
            replace(o, decision=decision, decision_reason=reason) if o.number == number else o
            for o in self.objections
        )
        if decision == "upheld":
            self.state = ConfirmationState.REVOKED

    def request_more_time(
        self,
        name: str,
        obstacle_ended_on: date,
        reason: str,
        calendar: WorkingCalendar,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Someone who missed the window applies within 10 days after the obstacle ended."""
        self._require("request_more_time", ConfirmationState.CONFIRMED, ConfirmationState.REJECTED)
        today = shanghai_date(at)
        if obstacle_ended_on > today:
            raise InvalidValue("obstacle_ended_on", "must not be after today")
        if today > calendar_days_deadline(obstacle_ended_on, MORE_TIME_DAYS, calendar).due:
            raise ActRefused(
                "request_more_time",
                str(self.state),
                "too_late",
                "顺延 is applied for within {days} days after the obstacle ends",
                days=MORE_TIME_DAYS,
            )
        asked = MoreTime(
            len(self.more_time) + 1,
            check_text(name, "name", 200),
            obstacle_ended_on,
            _reason(reason),
        )
        self._more_time_requested(request=asked, actor=actor, occurred_at=at)

    @event("MoreTimeRequested")
    def _more_time_requested(self, request: MoreTime, actor: Actor, occurred_at: datetime) -> None:
        self.more_time = (*self.more_time, request)

    def decide_more_time(
        self,
        number: int,
        granted: bool,
        calendar: WorkingCalendar,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Granted: that person's objection is received for 15 more days."""
        self._require("decide_more_time", ConfirmationState.CONFIRMED, ConfirmationState.REJECTED)
        found = self._numbered(self.more_time, number)
        if found.granted_until is not None or found.refused:
            raise ActRefused("decide_more_time", str(self.state), "already_decided")
        until = (
            calendar_days_deadline(shanghai_date(at), PARTY_OBJECTION_DAYS, calendar).due
            if granted
            else None
        )
        self._more_time_decided(number=number, granted_until=until, actor=actor, occurred_at=at)

    @event("MoreTimeDecided")
    def _more_time_decided(
        self, number: int, granted_until: date | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self.more_time = tuple(
            replace(m, granted_until=granted_until, refused=granted_until is None)
            if m.number == number
            else m
            for m in self.more_time
        )

    @staticmethod
    def _numbered(items: tuple[T, ...], number: int) -> T:
        if not 1 <= number <= len(items):
            raise InvalidValue("number", "there is no number {number}", number=number)
        return items[number - 1]

    def lapse(self, actor: Actor, at: datetime) -> None:
        """The window closed with one side's application only: nothing is docketed."""
        self._require("lapse", ConfirmationState.APPLYING)
        if not self.application_window.has_passed(at):
            raise ActRefused(
                "lapse",
                str(self.state),
                "window_open",
                "the window runs until {due}",
                due=self.application_window.due,
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

    def recompute_deadlines(self, calendar: WorkingCalendar, actor: Actor, at: datetime) -> bool:
        """Apply a newly loaded official schedule to the running deadlines: the application
        window, the acceptance and the ruling period, the extension counted again from the
        ruling period's recounted end (CPL art. 85). True when one moved or firmed up."""
        if self.state not in _RUNNING:
            return False
        window = self.application_window.recomputed(calendar)
        acceptance = self.acceptance_deadline and self.acceptance_deadline.recomputed(calendar)
        ruling = self.ruling_deadline and self.ruling_deadline.recomputed(calendar)
        if ruling is not None and self.extended:
            base = calendar_days_deadline(ruling.start, CONFIRMATION_RULING_DAYS, calendar)
            ruling = calendar_days_deadline(base.due, CONFIRMATION_RULING_EXTENSION_DAYS, calendar)
        if (window, acceptance, ruling) == (
            self.application_window,
            self.acceptance_deadline,
            self.ruling_deadline,
        ):
            return False
        self._deadlines_recomputed(
            application_window=window,
            acceptance_deadline=acceptance,
            ruling_deadline=ruling,
            actor=actor,
            occurred_at=at,
        )
        return True

    @event("DeadlinesRecomputed")
    def _deadlines_recomputed(
        self,
        application_window: Deadline,
        acceptance_deadline: Deadline | None,
        ruling_deadline: Deadline | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.application_window = application_window
        self.acceptance_deadline = acceptance_deadline
        self.ruling_deadline = ruling_deadline

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
