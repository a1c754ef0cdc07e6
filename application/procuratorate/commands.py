"""The procuratorate's commands: opening a supervision case, and one Struct per act on it
(its docstring is the act's description)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

import msgspec

from application.shared.commands import Command, ShortText, Text

Username = Annotated[str, msgspec.Meta(min_length=3, max_length=64)]
Part = Annotated[str, msgspec.Meta(pattern="^[a-z_]{1,40}$")]


class SubjectIn(msgspec.Struct, forbid_unknown_fields=True):
    """A record of the center, the court or the notary office, by kind and id."""

    kind: Literal[
        "mediation_case",
        "repayment_agreement",
        "judicial_confirmation",
        "litigation_case",
        "enforcement_case",
        "notarial_matter",
    ]
    record_id: UUID


class OpenSupervision(Command):
    """A prosecutor opens a supervision case: on a party's application (against an effective
    judgment, ruling or civil mediation document once the court refused a retrial, or against
    an enforcement act) or on the procuratorate's own initiative (a red flag, a tip)."""

    act: ClassVar[str] = "open"
    source: Literal["application", "red_flag", "tip"]
    target: Literal[
        "judgment", "ruling", "mediation_document", "enforcement_act", "false_litigation"
    ]
    subjects: Annotated[list[SubjectIn], msgspec.Meta(min_length=1, max_length=50)]
    summary: Text
    applicant_name: ShortText = ""
    retrial_refused: bool = False  # the court refused a retrial, or did not decide in time
    red_flag_id: UUID | None = None


class Accept(Command):
    """Accept the case and assign a prosecutor of the procuratorate; the review period starts."""

    prosecutor: Username


class Refuse(Command):
    """Refuse the case, with the ground."""

    ground: Text


class RequestFile(Command):
    """Request a subject's file from the institution that keeps it."""

    record_id: UUID


class ReadFile(Command):
    """The assigned prosecutor reads parts of a subject's file; the read is recorded."""

    record_id: UUID
    parts: Annotated[list[Part], msgspec.Meta(min_length=1, max_length=30)]


class Recommend(Command):
    """A procuratorial recommendation (检察建议) to the court, the center or the notary
    office, with a reply deadline."""

    addressee: Literal["court", "mediation_center", "notary_office"]
    text: Text


class RecommendRetrial(Command):
    """A retrial recommendation (再审检察建议) to the court."""

    text: Text


class RequestProtest(Command):
    """A request to the superior procuratorate to protest (提请抗诉); against a civil mediation
    document only where it harms state or public interest."""

    text: Text
    harms_public_interest: bool = False


class Decline(Command):
    """Do not support the application (不支持监督申请), with the ground."""

    ground: Text


class Terminate(Command):
    """Terminate the review, with the ground."""

    ground: Text


class Reply(Command):
    """The addressee's reply to a recommendation, by its own staff."""

    text: Text


class FollowUp(Command):
    """Follow up (跟进监督) a late or inadequate reply."""

    note: Text
