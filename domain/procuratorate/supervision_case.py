"""SupervisionCase: the procuratorate's supervision of civil proceedings (民事诉讼监督规则).

Opened on a party's application (against an effective judgment, ruling or civil mediation
document once the court refused a retrial or did not decide in time, CPL art. 220; or against
an enforcement act) or on the procuratorate's own initiative (a red flag, a tip). Accepted or
refused with the ground; under review the assigned prosecutor reads the subjects' files, each
read an event; decided within the review period: a recommendation (检察建议) to the court, the
center or the notary office with a reply deadline, a retrial recommendation (再审检察建议) to
the court, a request to the superior procuratorate to protest (提请抗诉; against a civil
mediation document only where it harms state or public interest, CPL art. 219), no supervision
(不支持监督申请) or termination. The addressee's reply is its own act; a reply not in by its
deadline is recorded as overdue once, and followed up (跟进监督).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor, InstitutionKind
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.periods import Deadline, WorkingCalendar, months_deadline, shanghai_date
from domain.shared.text import check_text
from domain.shared.value import Value

REVIEW_MONTHS = 3  # the rules' review period, from acceptance
REPLY_MONTHS = 3  # the addressee's time to reply to a recommendation (configurable)
MAX_TEXT = 20_000


class Source(StrEnum):
    APPLICATION = "application"  # a party's application
    RED_FLAG = "red_flag"  # the procuratorate's own initiative, from a red flag
    TIP = "tip"  # own initiative, from a tip a prosecutor recorded


class Target(StrEnum):
    """What is supervised."""

    JUDGMENT = "judgment"
    RULING = "ruling"
    MEDIATION_DOCUMENT = "mediation_document"  # a civil mediation document (民事调解书)
    ENFORCEMENT_ACT = "enforcement_act"
    FALSE_LITIGATION = "false_litigation"  # 虚假诉讼 / 虚假调解, on the procuratorate's initiative


# Against these, a party applies only after the court refused a retrial or did not decide on
# one in time (CPL art. 220).
AFTER_RETRIAL_REFUSED = frozenset({Target.JUDGMENT, Target.RULING, Target.MEDIATION_DOCUMENT})


class SubjectKind(StrEnum):
    """A record of another institution that a supervision case is about."""

    MEDIATION_CASE = "mediation_case"
    REPAYMENT_AGREEMENT = "repayment_agreement"
    JUDICIAL_CONFIRMATION = "judicial_confirmation"
    LITIGATION_CASE = "litigation_case"
    ENFORCEMENT_CASE = "enforcement_case"
    NOTARIAL_MATTER = "notarial_matter"


SUBJECT_INSTITUTION = {
    SubjectKind.MEDIATION_CASE: InstitutionKind.MEDIATION_CENTER,
    SubjectKind.REPAYMENT_AGREEMENT: InstitutionKind.MEDIATION_CENTER,
    SubjectKind.JUDICIAL_CONFIRMATION: InstitutionKind.COURT,
    SubjectKind.LITIGATION_CASE: InstitutionKind.COURT,
    SubjectKind.ENFORCEMENT_CASE: InstitutionKind.COURT,
    SubjectKind.NOTARIAL_MATTER: InstitutionKind.NOTARY_OFFICE,
}


class SupervisionState(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"  # under review
    REFUSED = "refused"
    RECOMMENDED = "recommended"  # a recommendation awaits the addressee's reply
    REPLIED = "replied"
    PROTEST_REQUESTED = "protest_requested"  # with the superior procuratorate
    NOT_SUPPORTED = "not_supported"
    TERMINATED = "terminated"


class Decision(StrEnum):
    RECOMMENDATION = "recommendation"  # 检察建议
    RETRIAL_RECOMMENDATION = "retrial_recommendation"  # 再审检察建议
    PROTEST_REQUEST = "protest_request"  # 提请抗诉
    NOT_SUPPORTED = "not_supported"  # 不支持监督申请


ACT_STATES: dict[str, frozenset[SupervisionState]] = {
    "accept": frozenset({SupervisionState.RECEIVED}),
    "refuse": frozenset({SupervisionState.RECEIVED}),
    "request_file": frozenset({SupervisionState.ACCEPTED, SupervisionState.RECOMMENDED}),
    "read_file": frozenset({SupervisionState.ACCEPTED, SupervisionState.RECOMMENDED}),
    "recommend": frozenset({SupervisionState.ACCEPTED}),
    "recommend_retrial": frozenset({SupervisionState.ACCEPTED}),
    "request_protest": frozenset({SupervisionState.ACCEPTED}),
    "decline": frozenset({SupervisionState.ACCEPTED}),
    "terminate": frozenset({SupervisionState.RECEIVED, SupervisionState.ACCEPTED}),
    "reply": frozenset({SupervisionState.RECOMMENDED}),
    "mark_overdue": frozenset({SupervisionState.RECOMMENDED}),
    "follow_up": frozenset({SupervisionState.RECOMMENDED, SupervisionState.REPLIED}),
}


@dataclass(frozen=True)
class Subject(Value):
    kind: SubjectKind
    record_id: UUID
    institution: str  # the code of the institution whose record it is
    label: str  # what people call it: a filing or docket number


@dataclass(frozen=True)
class FileRead(Value):
    """One read of a subject's file: who, which file, which parts, when."""

    reader: str
    record_id: UUID
    parts: tuple[str, ...]
    at: datetime


def _text(value: str, field: str) -> str:
    return check_text(value, field, MAX_TEXT, multiline=True)


class SupervisionCase(Aggregate):
    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Opened: ClassVar[type[DomainEvent]]
        Accepted: ClassVar[type[DomainEvent]]
        Refused: ClassVar[type[DomainEvent]]
        FileRequested: ClassVar[type[DomainEvent]]
        FileRead: ClassVar[type[DomainEvent]]
        Recommended: ClassVar[type[DomainEvent]]
        ProtestRequested: ClassVar[type[DomainEvent]]
        Declined: ClassVar[type[DomainEvent]]
        Terminated: ClassVar[type[DomainEvent]]
        Replied: ClassVar[type[DomainEvent]]
        ReplyOverdue: ClassVar[type[DomainEvent]]
        FollowedUp: ClassVar[type[DomainEvent]]

    @event("Opened")
    def __init__(
        self,
        number: str,
        source: Source,
        target: Target,
        subjects: list[Subject],
        summary: str,
        applicant_name: str,
        retrial_refused: bool,
        red_flag_id: UUID | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.number = number
        self.source = Source(source)  # stored as its value: an enum again on replay
        self.target = Target(target)
        self.subjects = subjects
        self.summary = summary
        self.applicant_name = applicant_name
        self.retrial_refused = retrial_refused
        self.red_flag_id = red_flag_id
        self.procuratorate = actor.institution
        self.state = SupervisionState.RECEIVED
        self.prosecutor: str | None = None  # the assigned prosecutor's user id
        self.review_deadline: Deadline | None = None
        self.requested: list[UUID] = []
        self.reads: list[FileRead] = []
        self.decision: Decision | None = None
        self.addressee: str | None = None  # the institution a recommendation is addressed to
        self.decision_text = ""
        self.reply_deadline: Deadline | None = None
        self.reply = ""
        self.replied_by: str | None = None
        self.overdue = False
        self.follow_ups: list[str] = []
        self.ground = ""

    @classmethod
    def open(
        cls,
        number: str,
        source: Source,
        target: Target,
        subjects: list[Subject],
        summary: str,
        applicant_name: str,
        retrial_refused: bool,
        red_flag_id: UUID | None,
        actor: Actor,
        at: datetime,
    ) -> SupervisionCase:
        """Check what an opening must name, then open."""
        if not subjects:
            raise InvalidValue("subjects", "name at least one record under supervision")
        if len({s.record_id for s in subjects}) != len(subjects):
            raise InvalidValue("subjects", "a record is named twice")
        if source is Source.APPLICATION:
            if not applicant_name.strip():
                raise InvalidValue("applicant_name", "an application names its applicant")
            if target is Target.FALSE_LITIGATION:
                raise InvalidValue(
                    "target",
                    "a party applies against a judgment, ruling, "
                    "mediation document or enforcement act",
                )
        elif target is not Target.FALSE_LITIGATION and source is Source.RED_FLAG:
            raise InvalidValue("target", "a red flag opens a false-litigation supervision")
        if (source is Source.RED_FLAG) != (red_flag_id is not None):
            raise InvalidValue("red_flag_id", "named exactly when opened from a red flag")
        return cls(
            number=number,
            source=source,
            target=target,
            subjects=subjects,
            summary=_text(summary, "summary"),
            applicant_name=applicant_name.strip(),
            retrial_refused=retrial_refused,
            red_flag_id=red_flag_id,
            actor=actor,
            occurred_at=at,
        )

    def _require(self, act: str) -> None:
        if self.state not in ACT_STATES[act]:
            raise self._refuse(
                act, "state", "'{name}' is not allowed while '{state}'", name=act, state=self.state
            )

    def subject(self, record_id: UUID) -> Subject:
        for found in self.subjects:
            if found.record_id == record_id:
                return found
        raise InvalidValue("record_id", "not a subject of this supervision case")

    # --- acceptance -----------------------------------------------------------------------

    def accept(
        self, prosecutor: str, calendar: WorkingCalendar, months: int, actor: Actor, at: datetime
    ) -> None:
        """Accepted and assigned to a prosecutor; the review period runs from today. A party's
        application against a judgment, ruling or mediation document needs the court's refusal
        of a retrial (or its silence past the time) first."""
        self._require("accept")
        if (
            self.source is Source.APPLICATION
            and self.target in AFTER_RETRIAL_REFUSED
            and not self.retrial_refused
        ):
            raise self._refuse(
                "accept",
                "cpl_220",
                "a party applies for supervision of a judgment, ruling or mediation document "
                "only after the court refused a retrial or did not decide in time (CPL art. 220)",
            )
        deadline = months_deadline(shanghai_date(at), months, calendar)
        self._accepted(prosecutor=prosecutor, review_deadline=deadline, actor=actor, occurred_at=at)

    @event("Accepted")
    def _accepted(
        self, prosecutor: str, review_deadline: Deadline, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = SupervisionState.ACCEPTED
        self.prosecutor = prosecutor
        self.review_deadline = review_deadline

    def refuse(self, ground: str, actor: Actor, at: datetime) -> None:
        self._require("refuse")
        self._refused(ground=_text(ground, "ground"), actor=actor, occurred_at=at)

    @event("Refused")
    def _refused(self, ground: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = SupervisionState.REFUSED
        self.ground = ground

    # --- review ---------------------------------------------------------------------------

    def request_file(self, record_id: UUID, actor: Actor, at: datetime) -> None:
        self._require("request_file")
        self.subject(record_id)
        self._file_requested(record_id=record_id, actor=actor, occurred_at=at)

    @event("FileRequested")
    def _file_requested(self, record_id: UUID, actor: Actor, occurred_at: datetime) -> None:
        self.requested = [*self.requested, record_id]

    def read_file(self, record_id: UUID, parts: list[str], actor: Actor, at: datetime) -> None:
        """Reading is an act: only the assigned prosecutor reads, and the read is recorded."""
        self._require("read_file")
        self.subject(record_id)
        if actor.actor_id != self.prosecutor:
            raise self._refuse("read_file", "assigned", "only the assigned prosecutor reads")
        if not parts:
            raise InvalidValue("parts", "name the parts read")
        self._file_read(record_id=record_id, parts=parts, actor=actor, occurred_at=at)

    @event("FileRead")
    def _file_read(
        self, record_id: UUID, parts: list[str], actor: Actor, occurred_at: datetime
    ) -> None:
        self.reads = [*self.reads, FileRead(actor.actor_id, record_id, tuple(parts), occurred_at)]

    # --- decisions ------------------------------------------------------------------------

    def recommend(
        self,
        decision: Decision,
        addressee: str,
        addressee_kind: InstitutionKind,
        text: str,
        calendar: WorkingCalendar,
        months: int,
        harms_public_interest: bool,
        actor: Actor,
        at: datetime,
    ) -> None:
        """A recommendation to the court, the center or the notary office; a retrial
        recommendation to the court; or a request to the superior procuratorate to protest
        (no reply here: the superior decides)."""
        act = {
            Decision.RECOMMENDATION: "recommend",
            Decision.RETRIAL_RECOMMENDATION: "recommend_retrial",
            Decision.PROTEST_REQUEST: "request_protest",
        }[decision]
        self._require(act)
        if decision is not Decision.RECOMMENDATION:
            if self.target not in AFTER_RETRIAL_REFUSED:
                raise self._refuse(
                    act, "retrial_target", "only against a judgment, ruling or mediation document"
                )
            if addressee_kind is not InstitutionKind.COURT:
                raise InvalidValue("addressee", "a retrial recommendation goes to the court")
        if (
            decision is Decision.PROTEST_REQUEST
            and self.target is Target.MEDIATION_DOCUMENT
            and not harms_public_interest
        ):
            raise self._refuse(
                act,
                "cpl_219",
                "a protest against a civil mediation document needs harm to state or public "
                "interest (CPL art. 219)",
            )
        if decision is Decision.PROTEST_REQUEST:
            self._protest_requested(text=_text(text, "text"), actor=actor, occurred_at=at)
            return
        deadline = months_deadline(shanghai_date(at), months, calendar)
        self._recommended(
            decision=decision,
            addressee=addressee,
            text=_text(text, "text"),
            reply_deadline=deadline,
            actor=actor,
            occurred_at=at,
        )

    @event("Recommended")
    def _recommended(
        self,
        decision: Decision,
        addressee: str,
        text: str,
        reply_deadline: Deadline,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.state = SupervisionState.RECOMMENDED
        self.decision = Decision(decision)
        self.addressee = addressee
        self.decision_text = text
        self.reply_deadline = reply_deadline

    @event("ProtestRequested")
    def _protest_requested(self, text: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = SupervisionState.PROTEST_REQUESTED
        self.decision = Decision.PROTEST_REQUEST
        self.decision_text = text

    def decline(self, ground: str, actor: Actor, at: datetime) -> None:
        """不支持监督申请: only an application is declined."""
        self._require("decline")
        if self.source is not Source.APPLICATION:
            raise self._refuse("decline", "application", "only a party's application")
        self._declined(ground=_text(ground, "ground"), actor=actor, occurred_at=at)

    @event("Declined")
    def _declined(self, ground: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = SupervisionState.NOT_SUPPORTED
        self.decision = Decision.NOT_SUPPORTED
        self.ground = ground

    def terminate(self, ground: str, actor: Actor, at: datetime) -> None:
        self._require("terminate")
        self._terminated(ground=_text(ground, "ground"), actor=actor, occurred_at=at)

    @event("Terminated")
    def _terminated(self, ground: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = SupervisionState.TERMINATED
        self.ground = ground

    # --- the addressee's reply, and follow-up ---------------------------------------------

    def answer(self, text: str, actor: Actor, at: datetime) -> None:
        """The addressee's reply, by its own staff."""
        self._require("reply")
        if actor.institution != self.addressee:
            raise self._refuse("reply", "addressee", "only the addressee replies")
        self._replied(text=_text(text, "text"), late=self.is_late(at), actor=actor, occurred_at=at)

    @event("Replied")
    def _replied(self, text: str, late: bool, actor: Actor, occurred_at: datetime) -> None:
        self.state = SupervisionState.REPLIED
        self.reply = text
        self.replied_by = actor.institution
        self.overdue = self.overdue or late

    def is_late(self, now: datetime) -> bool:
        return self.reply_deadline is not None and self.reply_deadline.has_passed(now)

    def mark_overdue(self, actor: Actor, at: datetime) -> bool:
        """Record once that the reply is late; False when there is nothing to record."""
        if self.state not in ACT_STATES["mark_overdue"] or self.overdue or not self.is_late(at):
            return False
        self._reply_overdue(actor=actor, occurred_at=at)
        return True

    @event("ReplyOverdue")
    def _reply_overdue(self, actor: Actor, occurred_at: datetime) -> None:
        self.overdue = True

    def follow_up(self, note: str, actor: Actor, at: datetime) -> None:
        """跟进监督: a prosecutor's follow-up on a late or inadequate reply."""
        self._require("follow_up")
        if not self.overdue and self.state is SupervisionState.RECOMMENDED:
            raise self._refuse("follow_up", "overdue", "the reply is not late yet")
        self._followed_up(note=_text(note, "note"), actor=actor, occurred_at=at)

    @event("FollowedUp")
    def _followed_up(self, note: str, actor: Actor, occurred_at: datetime) -> None:
        self.follow_ups = [*self.follow_ups, note]
