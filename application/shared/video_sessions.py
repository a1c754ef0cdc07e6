"""Video sessions of a hosting institution: scheduling, signed invitations and every host act.

The hosting application (the mediation center, the notary office; the court's hearings later)
stores the VideoSession aggregates. Host acts are commands like every institution's (a Struct
each, tagged by `type` so the signaling WebSocket decodes them too) run through HOST_ACTS.
An invitation is a signed link (a JWT bound to one session and one participant, expiring with
the invitation); the aggregate decides whether it may still be used (revoked, removed, ended).
The media plane never sees a token: the API verifies it here and hands the media plane only
the room's audience.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import jwt
import msgspec
from eventsourcing.domain import Aggregate

from application.shared.access import Forbidden, Principal
from application.shared.commands import Command, Handler, Text
from application.shared.errors import NotFound
from application.shared.institution import Institution
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.video_session import (
    IdentityCheck,
    Participant,
    ParticipantRole,
    RecordingFile,
    VideoSession,
)

AUDIENCE = "tiaojie:video-invitation"
RECORDING_NOTICE = "本次会话正在录音录像，作为证据保存。This session is being recorded as evidence."
Id = Annotated[str, msgspec.Meta(max_length=64)]
InvitedRole = Literal["applicant", "respondent", "observer"]


class Invite(Command):
    """The host invites a participant (by link; a party account may also join signed in)."""

    participant_id: Id
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: InvitedRole
    valid_until: datetime
    account: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class RevokeInvitation(Command):
    """The host revokes an invitation."""

    act: ClassVar[str] = "revoke"
    participant: Id


class Admit(Command, tag="admit", tag_field="type"):
    """The host admits a participant from the lobby, with the identity check made."""

    participant: Id
    identity_check: Literal["id_document", "account", "known_person"]


class Remove(Command, tag="remove", tag_field="type"):
    """The host removes a participant from the session."""

    participant: Id
    reason: Text = ""


class Mute(Command, tag="mute", tag_field="type"):
    """The host mutes a participant's audio or video."""

    participant: Id
    track: Literal["audio", "video"] = "audio"


class OpenCaucus(Command, tag="open_caucus", tag_field="type"):
    """The host opens a private caucus with these participants."""

    participants: Annotated[list[Id], msgspec.Meta(max_length=20)]


class CloseCaucus(Command, tag="close_caucus", tag_field="type"):
    """The host closes the caucus: everyone is back in the joint session."""


class StartRecording(Command, tag="start_recording", tag_field="type"):
    """The host starts recording; everyone is shown the notice."""


class StopRecording(Command, tag="stop_recording", tag_field="type"):
    """The host stops recording; the media plane's files are recorded with their hashes."""

    files: tuple[RecordingFile, ...] = ()  # from the media plane, never from a client


class End(Command, tag="end", tag_field="type"):
    """The host ends the session."""


HOST_ACTS: dict[type[Command], Handler[Institution[Any], VideoSession]] = {
    Invite: lambda x, s, c: s.invite(
        c.participant_id,
        c.name,
        ParticipantRole(c.role),
        c.valid_until,
        x.actor,
        x.now,
        c.account,
    ),
    RevokeInvitation: lambda x, s, c: s.revoke(c.participant, x.actor, x.now),
    Admit: lambda x, s, c: s.admit(c.participant, IdentityCheck(c.identity_check), x.actor, x.now),
    Remove: lambda x, s, c: s.remove(c.participant, c.reason or "removed", x.actor, x.now),
    Mute: lambda x, s, c: s.mute(c.participant, c.track, x.actor, x.now),
    OpenCaucus: lambda x, s, c: s.open_caucus(c.participants, x.actor, x.now),
    CloseCaucus: lambda x, s, c: s.close_caucus(x.actor, x.now),
    StartRecording: lambda x, s, c: s.start_recording(RECORDING_NOTICE, x.actor, x.now),
    StopRecording: lambda x, s, c: s.stop_recording(list(c.files), x.actor, x.now),
    End: lambda x, s, c: s.end(x.actor, x.now),
}


class InvitationRefused(Exception):
    """An invitation that cannot be used: `rule` says why (forged, expired, revoked, ...)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


class VideoSessions:
    """The video sessions one institution holds (in its own store)."""

    def __init__(
        self,
        app: Institution[Any],
        secret: str,
        may_host: Callable[[Principal, UUID], bool],
        host_role: Role,
        institution: Callable[[], str],
    ) -> None:
        self.app = app
        self.clock = app.clock
        self._secret = secret
        self._may_host = may_host
        self.host_role = host_role
        self._institution = institution

    def may_host(self, principal: Principal, subject_id: UUID) -> bool:
        return self._may_host(principal, subject_id)

    def host_principal(self, found: VideoSession) -> Principal:
        """Host acts over the WebSocket run as the staff member who opened the room."""
        host = found.participants[found.host_id]
        return Principal(host.name, self.host_role, self._institution())

    # --- reads ----------------------------------------------------------------------------

    def session(self, session_id: UUID) -> VideoSession:
        return self.app.load(session_id, VideoSession)

    def hosted(self, session_id: UUID, principal: Principal) -> VideoSession:
        """The session, for its host; to anyone else it does not exist."""
        found = self.session(session_id)
        if not self._may_host(principal, found.subject_id):
            raise NotFound(str(session_id))
        return found

    # --- host acts ------------------------------------------------------------------------

    def schedule(
        self, subject_id: UUID, principal: Principal, title: str, starts_at: datetime
    ) -> VideoSession:
        if not self._may_host(principal, subject_id):
            raise Forbidden("schedule_video_session", "only the matter's own staff host sessions")
        if not title.strip():
            raise InvalidValue("title", "must not be empty")

        def attempt(now: datetime) -> Sequence[Aggregate]:
            host = Participant(
                participant_id=f"host-{uuid.uuid4().hex[:12]}",
                name=principal.user_id,
                role=ParticipantRole.HOST,
                invited_until=datetime.max.replace(tzinfo=now.tzinfo),
            )
            return [VideoSession(subject_id, title.strip(), starts_at, host, principal.actor, now)]

        found = self.app.save_retrying("video session", attempt)[0]
        assert isinstance(found, VideoSession)
        return found

    def act(self, session_id: UUID, principal: Principal, command: Command) -> VideoSession:
        """A host's act on a session (HOST_ACTS), for the session's host only."""
        self.hosted(session_id, principal)
        return self.app.run_act(
            f"video session {session_id}",
            principal,
            command,
            HOST_ACTS[type(command)],
            lambda: (self.session(session_id), None),
        )

    def invite(
        self,
        session_id: UUID,
        principal: Principal,
        name: str,
        role: InvitedRole,
        valid_until: datetime,
        account: str | None = None,
    ) -> tuple[VideoSession, str, str]:
        """The session, the new participant's ID and their signed invitation token; with a
        party `account`, that account may also join signed in."""
        participant_id = uuid.uuid4().hex
        found = self.act(
            session_id,
            principal,
            Invite(
                participant_id=participant_id,
                name=name,
                role=role,
                valid_until=valid_until,
                account=account,
            ),
        )
        token = jwt.encode(
            {
                "sid": str(session_id),
                "pid": participant_id,
                "exp": int(valid_until.timestamp()),
                "aud": AUDIENCE,
            },
            self._secret,
            algorithm="HS256",
        )
        return found, participant_id, token

    def host_token(self, session_id: UUID, principal: Principal) -> str:
        """A short-lived token for the host's own connection (the host signs in instead)."""
        found = self.hosted(session_id, principal)
        return jwt.encode(
            {
                "sid": str(session_id),
                "pid": found.host_id,
                "exp": int(self.clock().timestamp()) + 12 * 3600,
                "aud": AUDIENCE,
            },
            self._secret,
            algorithm="HS256",
        )

    # --- invitations in use -----------------------------------------------------------------

    def verify(self, token: str, session_id: UUID) -> Participant:
        """The participant an invitation admits to this session now, or why not. Expiry is
        judged by the application's clock, like every other deadline."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"require": ["exp", "sid", "pid"], "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            raise InvitationRefused("forged", "this invitation is not genuine") from None
        if not isinstance(claims["exp"], int) or claims["exp"] <= self.clock().timestamp():
            raise InvitationRefused("expired", "this invitation has expired")
        if claims["sid"] != str(session_id):
            raise InvitationRefused("other_session", "this invitation is for another session")
        try:
            found = self.session(session_id)
        except NotFound:
            raise InvitationRefused("not_invited", "no such session") from None
        try:
            return found.check_invitation(str(claims["pid"]), self.clock())
        except ActRefused as refused:
            raise InvitationRefused(refused.rule, refused.detail) from None

    def verify_account(self, session_id: UUID, principal: Principal) -> Participant:
        """The participant a signed-in party account was invited as, or why not."""
        try:
            found = self.session(session_id)
        except NotFound:
            raise InvitationRefused("not_invited", "no such session") from None
        participant = found.participant_of(principal.user_id)
        if participant is None:
            raise InvitationRefused("not_invited", "you are not invited to this session")
        try:
            return found.check_invitation(participant.participant_id, self.clock())
        except ActRefused as refused:
            raise InvitationRefused(refused.rule, refused.detail) from None

    def join(
        self, session_id: UUID, participant: Participant, via: str
    ) -> tuple[VideoSession, int]:
        actor = self._participant_actor(participant)
        number: list[int] = []

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found = self.session(session_id)
            number[:] = [found.join(participant.participant_id, via, actor, now)]
            return [found]

        saved = self.app.save_retrying(f"video session {session_id}", attempt)[0]
        assert isinstance(saved, VideoSession)
        return saved, number[0]

    def leave(self, session_id: UUID, participant_id: str, connection: int) -> VideoSession:
        """Recorded unless a newer connection of the same participant replaced this one."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found = self.session(session_id)
            actor = self._participant_actor(found.participant(participant_id))
            found.leave(participant_id, connection, actor, now)
            return [found]

        saved = self.app.save_retrying(f"video session {session_id}", attempt)[0]
        assert isinstance(saved, VideoSession)
        return saved

    def _participant_actor(self, participant: Participant) -> Actor:
        if participant.role is ParticipantRole.HOST:
            return Actor(participant.name, self.host_role, self._institution())
        return Actor(participant.participant_id, Role.PARTY, None)
