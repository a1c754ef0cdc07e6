"""Video sessions of a hosting institution: scheduling, signed invitations and every host act.

The hosting application (the mediation center now; the court and the notary office later)
stores the VideoSession aggregates. An invitation is a signed link (a JWT bound to one session
and one participant, expiring with the invitation); the aggregate decides whether it may still
be used (revoked, removed, ended). The media plane never sees a token: the API verifies it here
and hands the media plane only the room's audience.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import jwt
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from application.shared.access import Forbidden, Principal
from application.shared.commanding import replay, save_retrying
from application.shared.errors import NotFound
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


class InvitationRefused(Exception):
    """An invitation that cannot be used: `rule` says why (forged, expired, revoked, ...)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


class VideoSessions:
    def __init__(
        self,
        app: Application[UUID],
        clock: Callable[[], datetime],
        secret: str,
        may_host: Callable[[Principal, UUID], bool],
        host_role: Role,
        institution: Callable[[], str],
        retries: int = 8,
    ) -> None:
        self.app = app
        self.clock = clock
        self._secret = secret
        self._may_host = may_host
        self.host_role = host_role
        self._institution = institution
        self.retries = retries

    def may_host(self, principal: Principal, subject_id: UUID) -> bool:
        return self._may_host(principal, subject_id)

    def host_principal(self, found: VideoSession) -> Principal:
        """Host acts over the WebSocket run as the staff member who opened the room."""
        host = found.participants[found.host_id]
        return Principal(host.name, self.host_role, self._institution())

    # --- reads ----------------------------------------------------------------------------

    def session(self, session_id: UUID) -> VideoSession:
        try:
            found = self.app.repository.get(session_id, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(str(session_id)) from None
        if not isinstance(found, VideoSession):
            raise NotFound(str(session_id))
        return found

    def hosted(self, session_id: UUID, principal: Principal) -> VideoSession:
        """The session, for its host; to anyone else it does not exist."""
        found = self.session(session_id)
        if not self._may_host(principal, found.subject_id):
            raise NotFound(str(session_id))
        return found

    # --- host acts ------------------------------------------------------------------------

    def _save(self, what: str, attempt: Callable[[datetime], Sequence[Aggregate]]) -> Any:
        return save_retrying(self.app, self.clock, self.retries, what, attempt)[0]

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

        found: VideoSession = self._save("video session", attempt)
        return found

    def _host_act(
        self, session_id: UUID, principal: Principal, act: Callable[[VideoSession, datetime], Any]
    ) -> VideoSession:
        self.hosted(session_id, principal)

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found = self.session(session_id)
            act(found, now)
            return [found]

        saved: VideoSession = self._save(f"video session {session_id}", attempt)
        return saved

    def invite(
        self,
        session_id: UUID,
        principal: Principal,
        name: str,
        role: ParticipantRole,
        valid_until: datetime,
        account: str | None = None,
    ) -> tuple[VideoSession, str, str]:
        """The session, the new participant's ID and their signed invitation token; with a
        party `account`, that account may also join signed in."""
        participant_id = uuid.uuid4().hex
        found = self._host_act(
            session_id,
            principal,
            lambda s, now: s.invite(
                participant_id, name, role, valid_until, principal.actor, now, account
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

    def revoke(self, session_id: UUID, principal: Principal, participant_id: str) -> VideoSession:
        return self._host_act(
            session_id, principal, lambda s, now: s.revoke(participant_id, principal.actor, now)
        )

    def admit(
        self, session_id: UUID, principal: Principal, participant_id: str, check: IdentityCheck
    ) -> VideoSession:
        return self._host_act(
            session_id,
            principal,
            lambda s, now: s.admit(participant_id, check, principal.actor, now),
        )

    def remove(
        self, session_id: UUID, principal: Principal, participant_id: str, reason: str
    ) -> VideoSession:
        return self._host_act(
            session_id,
            principal,
            lambda s, now: s.remove(participant_id, reason, principal.actor, now),
        )

    def mute(
        self, session_id: UUID, principal: Principal, participant_id: str, track: str
    ) -> VideoSession:
        return self._host_act(
            session_id,
            principal,
            lambda s, now: s.mute(participant_id, track, principal.actor, now),
        )

    def open_caucus(
        self, session_id: UUID, principal: Principal, with_ids: list[str]
    ) -> VideoSession:
        return self._host_act(
            session_id, principal, lambda s, now: s.open_caucus(with_ids, principal.actor, now)
        )

    def close_caucus(self, session_id: UUID, principal: Principal) -> VideoSession:
        return self._host_act(
            session_id, principal, lambda s, now: s.close_caucus(principal.actor, now)
        )

    def start_recording(self, session_id: UUID, principal: Principal) -> VideoSession:
        notice = "本次会话正在录音录像，作为证据保存。This session is being recorded as evidence."
        return self._host_act(
            session_id, principal, lambda s, now: s.start_recording(notice, principal.actor, now)
        )

    def stop_recording(
        self, session_id: UUID, principal: Principal, files: list[RecordingFile]
    ) -> VideoSession:
        return self._host_act(
            session_id, principal, lambda s, now: s.stop_recording(files, principal.actor, now)
        )

    def end(self, session_id: UUID, principal: Principal) -> VideoSession:
        return self._host_act(session_id, principal, lambda s, now: s.end(principal.actor, now))

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

        saved: VideoSession = self._save(f"video session {session_id}", attempt)
        return saved, number[0]

    def leave(self, session_id: UUID, participant_id: str, connection: int) -> VideoSession:
        """Recorded unless a newer connection of the same participant replaced this one."""

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found = self.session(session_id)
            actor = self._participant_actor(found.participant(participant_id))
            found.leave(participant_id, connection, actor, now)
            return [found]

        saved: VideoSession = self._save(f"video session {session_id}", attempt)
        return saved

    def _participant_actor(self, participant: Participant) -> Actor:
        if participant.role is ParticipantRole.HOST:
            return Actor(participant.name, self.host_role, self._institution())
        return Actor(participant.participant_id, Role.PARTY, None)
