"""The court's commands: one Struct per act on a judicial confirmation or a litigation case
(its docstring is the act's description)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

import msgspec

from application.mediation_center.commands import ComplaintIn
from application.shared.commands import Command, Text
from domain.court.judicial_confirmation import RefusalGround, RejectionGround


class AcceptApplication(Command):
    """Court staff accept the joint application for confirmation (within 3 days of it); the
    ruling's 15 days start."""

    act: ClassVar[str] = "accept"


class RefuseApplication(Command):
    """Court staff refuse the application (不予受理) on a ground of 民诉法解释 art. 355, in
    their words."""

    act: ClassVar[str] = "refuse"
    ground: RefusalGround
    reason: Text


class ExtendRulingPeriod(Command):
    """A judge extends the ruling period once, by 10 days, naming the president who
    approved it."""

    approved_by: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ScheduleVerification(Command):
    """Court staff call both parties to verify the agreement together (核实, 民诉法解释
    art. 356)."""

    starts_at: datetime


class WithdrawApplication(Command):
    """An applicant side withdraws the application before the ruling (the court rules on it)."""

    reason: Text = ""


class RuleOnWithdrawal(Command):
    """A judge allows a withdrawal, or refuses it saying why (民诉法解释 art. 357 for a
    confirmation, CPL art. 148 for a lawsuit)."""

    allowed: bool
    reason: Text = ""


class RecordObjection(Command):
    """Court staff record an objection to the ruling as received: a party's (within 15 days
    of receiving it) or an interested person's (within 6 months of knowing of it)."""

    objector: Literal["party", "interested"]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    known_on: date
    grounds: Text


class DecideObjection(Command):
    """A judge upholds an objection (the ruling is set aside) or dismisses it, saying why."""

    number: int
    upheld: bool
    reason: Text


class RequestMoreTime(Command):
    """Court staff record an application for 顺延 (CPL art. 86) by someone who missed the
    window for a legitimate reason, within 10 days after the obstacle ended."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    obstacle_ended_on: date
    reason: Text


class DecideMoreTime(Command):
    """A judge grants 顺延 (the objection is then received for 15 more days) or refuses it."""

    number: int
    granted: bool


class RecordVerification(Command):
    """The judge records the verification with both parties (required before a ruling)."""

    notes: Text


class RuleConfirmed(Command):
    """A judge confirms the agreement: it becomes enforceable."""

    reason: Text = ""


class RuleRejected(Command):
    """A judge rejects the application (驳回) on a ground of 民诉法解释 art. 358, in their
    words: the sides go back to mediation or on to litigation."""

    ground: RejectionGround
    reason: Text


class LapseApplication(Command):
    """The window closed with one side's application only (recorded by the scheduler)."""

    act: ClassVar[str] = "lapse"


class RecordMissedDeadline(Command):
    """The court missed its own deadline to accept or to rule (recorded by the scheduler)."""


class ScheduleHearing(Command):
    """Court staff schedule a hearing of a docketed case."""

    starts_at: datetime


class Decide(Command):
    """A judge ends a heard case by judgment or by a court mediation document."""

    outcome: Literal["judgment", "court_mediation"]
    summary: Text


class LawsuitIn(ComplaintIn, kw_only=True):
    """A lawsuit filed before the court: the complaint in the filing shape, and the trial
    procedure the court chose (it sets an entrusted mediation's period)."""

    procedure: Literal["ordinary", "summary"]


Side = Literal["applicant", "respondent"]


class Entrust(Command):
    """A judge entrusts the lawsuit to the mediation center (委托调解): the center files it
    and mediates it in litigation while the trial waits. A transferred case names its trial
    procedure."""

    procedure: Literal["ordinary", "summary"] | None = None


class ServeDocument(Command):
    """A judge makes the civil mediation document (民事调解书) from the agreement the
    entrusted mediation reached, and the court serves it on both parties."""


class RecordReceipt(Command):
    """Court staff record a party's signed receipt of the civil mediation document (送达回证);
    with both parties' receipts it takes effect (CPL art. 100)."""

    side: Side
    received_on: date


class RecordBackingOut(Command):
    """Court staff record that a party went back on the agreement before the document bound
    it: the case goes on to judgment (CPL art. 102)."""

    side: Side
    reason: Text


class WithdrawLawsuit(Command):
    """Court staff record the plaintiff's application to withdraw the lawsuit (撤诉); a judge
    rules on it."""

    reason: Text = ""
