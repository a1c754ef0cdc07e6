"""How domain values are stored in events and snapshots (eventsourcing's JSON transcoder)."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from enum import Enum
from typing import Any, ClassVar

from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.shared.topics import register_former_topics
from domain.court.judicial_confirmation import MoreTime, Objection
from domain.mediation.case_values import (
    CourtOutcome,
    Entrustment,
    Proposal,
    ServiceAddress,
    Session,
)
from domain.mediation.repayment_plan import Instalment, RepaymentPlan
from domain.notary.notarial_matter import (
    Answer,
    DebtorAnswer,
    IdentityVerification,
    Issuance,
    LetterDelivery,
)
from domain.procuratorate.red_flag import Evidence, FlaggedRecord
from domain.procuratorate.supervision_case import FileRead, Subject
from domain.shared.actors import Actor
from domain.shared.filing import Claim, Filing, Side
from domain.shared.periods import Deadline
from domain.shared.video_session import Participant, RecordingFile


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassTranscoding(Transcoding):
    """A frozen dataclass as a dict of its fields; enums and tuples are restored on decode."""

    value_type: ClassVar[type[Any]]

    def __init__(self) -> None:
        self.type = self.value_type
        self.name = self.value_type.__name__
        hints = typing.get_type_hints(self.value_type)
        self._enums = {
            f.name: hints[f.name]
            for f in dataclasses.fields(self.value_type)
            if isinstance(hints[f.name], type) and issubclass(hints[f.name], Enum)
        }
        self._optional_enums = {
            f.name: arg
            for f in dataclasses.fields(self.value_type)
            for arg in typing.get_args(hints[f.name])
            if isinstance(arg, type) and issubclass(arg, Enum)
        }
        self._names = tuple(f.name for f in dataclasses.fields(self.value_type))
        self._tuples = {
            f.name
            for f in dataclasses.fields(self.value_type)
            if typing.get_origin(hints[f.name]) is tuple
        }

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._names}

    def decode(self, data: dict[str, Any]) -> Any:
        values = dict(data)
        for name, enum in (self._optional_enums | self._enums).items():
            if values.get(name) is not None:
                values[name] = enum(values[name])
        for name in self._tuples:
            values[name] = tuple(values[name])
        return self.value_type(**values)


VALUE_TYPES: tuple[type[Any], ...] = (
    Actor,
    Side,
    Claim,
    Filing,
    Deadline,
    Instalment,
    RepaymentPlan,
    ServiceAddress,
    Proposal,
    Session,
    CourtOutcome,
    Entrustment,
    Participant,
    RecordingFile,
    IdentityVerification,
    Answer,
    Issuance,
    Subject,
    FileRead,
    Evidence,
    FlaggedRecord,
    LetterDelivery,
    DebtorAnswer,
    Objection,
    MoreTime,
)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    register_former_topics()
    transcoder.register(DateAsISO())
    for value_type in VALUE_TYPES:
        transcoding = type(
            f"{value_type.__name__}Transcoding", (DataclassTranscoding,), {"value_type": value_type}
        )
        transcoder.register(transcoding())
