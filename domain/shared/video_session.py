"""VideoSession: a remote session (mediation, hearing or notarization) and who may see whom.

Held by the hosting institution's application; the class is the same for all of them. The
host admits each invited participant from the lobby after confirming their identity; a caucus
is a private room of the host with some participants. `audience()` is the rule the media plane
applies: whom each present participant receives audio and video from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.value import Value

MAX_NAME = 100


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"  # the host has joined
    ENDED = "ended"


class ParticipantRole(StrEnum):
    HOST = "host"  # the mediator, judge or notary running the session
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    OBSERVER = "observer"  # e.g. an interpreter or a clerk


class IdentityCheck(StrEnum):
    ID_DOCUMENT = "id_document"  # shown on camera and compared
    ACCOUNT = "account"  # signed in with a verified portal or staff account
    KNOWN_PERSON = "known_person"  # known to the host (e.g. a bank's registered agent)


@dataclass(frozen=True)
class Participant(Value):
    participant_id: str
    name: str
    role: ParticipantRole
    invited_until: datetime
    revoked: bool = False
    admitted: bool = False
    present: bool = False
    removed: bool = False
    connection: int = 0  # increases on each (re)connection; the latest one counts
    account: str | None = None  # a party account that may join signed in, without the link


@dataclass(frozen=True)
class RecordingFile(Value):
    participant_id: str
    track: str  # audio | video
    file: str
    sha256: str
    duration_seconds: float
    size_bytes: int


class VideoSession(Aggregate):
    @staticmethod
    def create_id(subject_id: UUID, starts_at: datetime, **_: Any) -> UUID:
        """One session per subject and start: a case page finds its sessions by their times."""
        return uuid5(NAMESPACE_URL, f"tiaojie:video-session:{subject_id}:{starts_at.isoformat()}")

    @event("Scheduled")
    def __init__(
        self,
        subject_id: UUID,
        title: str,
        starts_at: datetime,
        host_participant: Participant,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.subject_id = subject_id
        self.title = title
        self.starts_at = starts_at
        self.state = SessionState.SCHEDULED
        self.participants: dict[str, Participant] = {
            host_participant.participant_id: host_participant
        }
        self.caucus: list[str] = []
        self.recording = False
        self.recordings: list[RecordingFile] = []

    # --- helpers --------------------------------------------------------------------------

    def _live(self, act: str) -> None:
        if self.state == SessionState.ENDED:
            raise self._refuse(act, "ended", "the session has ended")

    def participant(self, participant_id: str) -> Participant:
        found = self.participants.get(participant_id)
        if found is None:
            raise InvalidValue(
                "participant", "no participant {id} in this session", id=participant_id
            )
        return found

    @property
    def host_id(self) -> str:
        return next(
            p.participant_id for p in self.participants.values() if p.role is ParticipantRole.HOST
        )

    def _set(self, participant: Participant, **changes: Any) -> None:
        changed = replace(participant, **changes)
        self.participants = {**self.participants, participant.participant_id: changed}

    # --- invitations ----------------------------------------------------------------------

    def invite(
        self,
        participant_id: str,
        name: str,
        role: ParticipantRole,
        until: datetime,
        actor: Actor,
        at: datetime,
        account: str | None = None,
    ) -> None:
        self._live("invite")
        if role is ParticipantRole.HOST:
            raise InvalidValue("role", "a session has one host")
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidValue("name", "must be 1 to {limit} characters", limit=MAX_NAME)
        if until <= at:
            raise InvalidValue("valid_until", "must be in the future")
        if account is not None and self.participant_of(account) is not None:
            raise InvalidValue(
                "account", "{account} is already invited to this session", account=account
            )
        self._invited(
            participant=Participant(participant_id, name, role, until, account=account),
            actor=actor,
            occurred_at=at,
        )

    @event("Invited")
    def _invited(self, participant: Participant, actor: Actor, occurred_at: datetime) -> None:
        self.participants = {**self.participants, participant.participant_id: participant}

    def revoke(self, participant_id: str, actor: Actor, at: datetime) -> None:
        participant = self.participant(participant_id)
        if participant.role is ParticipantRole.HOST or participant.revoked:
            raise self._refuse("revoke", "not_revocable", "that invitation cannot be revoked")
        self._revoked(participant_id=participant_id, actor=actor, occurred_at=at)

    @event("InvitationRevoked")
    def _revoked(self, participant_id: str, actor: Actor, occurred_at: datetime) -> None:
        self._set(self.participants[participant_id], revoked=True, present=False)

    def participant_of(self, account: str) -> Participant | None:
        return next((p for p in self.participants.values() if p.account == account), None)

    def check_invitation(self, participant_id: str, at: datetime) -> Participant:
        """Why an invitation may not be used now, as a refusal; else its participant."""
        participant = self.participants.get(participant_id)
        if participant is None:
            raise self._refuse("join", "not_invited", "this invitation is not for this session")
        if self.state == SessionState.ENDED:
            raise self._refuse("join", "ended", "the session has ended")
        if participant.revoked:
            raise self._refuse("join", "revoked", "this invitation has been revoked")
        if participant.removed:
            raise self._refuse("join", "removed", "the host removed you from this session")
        if participant.invited_until <= at:
            raise self._refuse("join", "expired", "this invitation has expired")
        return participant

    # --- attendance -----------------------------------------------------------------------

    def join(self, participant_id: str, via: str, actor: Actor, at: datetime) -> int:
        """A (re)connection; the number of this connection. A second simultaneous
        connection replaces the first."""
        participant = self.check_invitation(participant_id, at)
        connection = participant.connection + 1
        self._joined(
            participant_id=participant_id,
            connection=connection,
            via=via,
            replaced=participant.present,
            resumed=participant.connection > 0,
            actor=actor,
            occurred_at=at,
        )
        return connection

    @event("Joined")
    def _joined(
        self,
        participant_id: str,
        connection: int,
        via: str,
        replaced: bool,
        resumed: bool,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        participant = self.participants[participant_id]
        admitted = participant.admitted or participant.role is ParticipantRole.HOST
        self._set(participant, present=True, connection=connection, admitted=admitted)
        if participant.role is ParticipantRole.HOST and self.state == SessionState.SCHEDULED:
            self.state = SessionState.OPEN

    def leave(self, participant_id: str, connection: int, actor: Actor, at: datetime) -> bool:
        """The connection closed; ignored when a newer connection replaced it."""
        participant = self.participant(participant_id)
        if not participant.present or participant.connection != connection:
            return False
        self._left(participant_id=participant_id, actor=actor, occurred_at=at)
        return True

    @event("Left")
    def _left(self, participant_id: str, actor: Actor, occurred_at: datetime) -> None:
        self._set(self.participants[participant_id], present=False)

    # --- host acts ------------------------------------------------------------------------

    def admit(self, participant_id: str, check: IdentityCheck, actor: Actor, at: datetime) -> None:
        self._live("admit")
        participant = self.participant(participant_id)
        if participant.admitted:
            raise self._refuse(
                "admit", "already_admitted", "{name} is admitted", name=participant.name
            )
        self._admitted(
            participant_id=participant_id, identity_check=check, actor=actor, occurred_at=at
        )

    @event("Admitted")
    def _admitted(
        self,
        participant_id: str,
        identity_check: IdentityCheck,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self._set(self.participants[participant_id], admitted=True)

    def remove(self, participant_id: str, reason: str, actor: Actor, at: datetime) -> None:
        self._live("remove")
        participant = self.participant(participant_id)
        if participant.role is ParticipantRole.HOST or participant.removed:
            raise self._refuse("remove", "not_removable", "that participant cannot be removed")
        self._removed(participant_id=participant_id, reason=reason, actor=actor, occurred_at=at)

    @event("Removed")
    def _removed(
        self, participant_id: str, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self._set(self.participants[participant_id], removed=True, present=False, admitted=False)
        self.caucus = [p for p in self.caucus if p != participant_id]

    def mute(self, participant_id: str, track: str, actor: Actor, at: datetime) -> None:
        self._live("mute")
        self.participant(participant_id)
        if track not in ("audio", "video"):
            raise InvalidValue("track", "must be audio or video")
        self._muted(participant_id=participant_id, track=track, actor=actor, occurred_at=at)

    @event("Muted")
    def _muted(self, participant_id: str, track: str, actor: Actor, occurred_at: datetime) -> None:
        pass  # the media plane silences the track; the participant may unmute

    def open_caucus(self, with_ids: list[str], actor: Actor, at: datetime) -> None:
        """A private room of the host with the given participants; the others wait apart."""
        self._live("open_caucus")
        if self.caucus:
            raise self._refuse("open_caucus", "caucus_open", "a caucus is already open")
        members = [self.host_id]
        for participant_id in with_ids:
            participant = self.participant(participant_id)
            if not participant.admitted or participant.role is ParticipantRole.HOST:
                raise InvalidValue(
                    "with", "{name} is not an admitted participant", name=participant.name
                )
            members.append(participant_id)
        if len(members) < 2:
            raise InvalidValue("with", "name at least one participant")
        self._caucus_opened(members=members, actor=actor, occurred_at=at)

    @event("CaucusOpened")
    def _caucus_opened(self, members: list[str], actor: Actor, occurred_at: datetime) -> None:
        self.caucus = list(members)

    def close_caucus(self, actor: Actor, at: datetime) -> None:
        if not self.caucus:
            raise self._refuse("close_caucus", "no_caucus", "no caucus is open")
        self._caucus_closed(actor=actor, occurred_at=at)

    @event("CaucusClosed")
    def _caucus_closed(self, actor: Actor, occurred_at: datetime) -> None:
        self.caucus = []

    def start_recording(self, notice: str, actor: Actor, at: datetime) -> None:
        self._live("start_recording")
        if self.recording:
            raise self._refuse("start_recording", "recording", "already recording")
        self._recording_started(notice=notice, actor=actor, occurred_at=at)

    @event("RecordingStarted")
    def _recording_started(self, notice: str, actor: Actor, occurred_at: datetime) -> None:
        self.recording = True

    def stop_recording(self, files: list[RecordingFile], actor: Actor, at: datetime) -> None:
        if not self.recording:
            raise self._refuse("stop_recording", "not_recording", "not recording")
        self._recording_stopped(files=files, actor=actor, occurred_at=at)

    @event("RecordingStopped")
    def _recording_stopped(
        self, files: list[RecordingFile], actor: Actor, occurred_at: datetime
    ) -> None:
        self.recording = False
        self.recordings = [*self.recordings, *files]

    def end(self, actor: Actor, at: datetime) -> None:
        self._live("end")
        if self.recording:
            raise self._refuse("end", "recording", "stop the recording first")
        self._ended(actor=actor, occurred_at=at)

    @event("Ended")
    def _ended(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = SessionState.ENDED
        self.caucus = []
        for participant in list(self.participants.values()):
            self._set(participant, present=False)

    # --- the media rule ---------------------------------------------------------------------

    def audience(self) -> dict[str, list[str]]:
        """For each present participant, whom they receive media from: admitted participants
        in the same room (the caucus, or the joint session without the caucus members). The
        lobby receives nothing and sends nothing."""
        live = [
            p.participant_id
            for p in self.participants.values()
            if p.present and p.admitted and self.state == SessionState.OPEN
        ]
        rooms: list[list[str]] = (
            [
                [p for p in live if p in self.caucus],
                [p for p in live if p not in self.caucus],
            ]
            if self.caucus
            else [live]
        )
        found: dict[str, list[str]] = {
            p.participant_id: [] for p in self.participants.values() if p.present
        }
        for room in rooms:
            for member in room:
                found[member] = [other for other in room if other != member]
        return found
