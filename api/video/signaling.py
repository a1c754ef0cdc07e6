"""Video sessions over HTTP and their signaling WebSocket.

HTTP: the case's mediator schedules a session, invites participants (each gets a signed link)
and revokes invitations. WebSocket `/api/video-sessions/{id}/ws`: the first message is `join`
with the invitation token; then the server sends offers (it drives renegotiation, one offer at
a time), the client answers; the host sends its acts (admit, remove, mute, caucus, recording,
end), each recorded as an event before the media plane is told the new audience. Messages are
msgspec structs tagged by `type` (see the `*Msg` classes below).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Router, WebSocket, get, post, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.security.jwt import Token

from api.auth import principal_from_token
from api.video.media import MediaUnavailable, MediaWorkers
from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.errors import ConcurrencyConflict, NotFound
from application.shared.video_sessions import InvitationRefused, VideoSessions
from domain.shared.actors import Role
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.video_session import (
    IdentityCheck,
    Participant,
    ParticipantRole,
    RecordingFile,
    VideoSession,
)

AuthRequest = Request[Principal, Token, Any]
Text = Annotated[str, msgspec.Meta(max_length=2_000)]
Id = Annotated[str, msgspec.Meta(max_length=64)]
SDP = Annotated[str, msgspec.Meta(max_length=200_000)]
PAGE = Path(__file__).parents[1] / "static"

# --- HTTP ------------------------------------------------------------------------------------


class ScheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    starts_at: datetime


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: Literal["applicant", "respondent", "observer"]
    valid_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 90)] | None = None
    account: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class ParticipantOut(msgspec.Struct):
    id: str
    name: str
    role: str
    admitted: bool
    present: bool
    removed: bool
    revoked: bool
    in_caucus: bool


class RecordingOut(msgspec.Struct):
    participant_id: str
    track: str
    file: str
    sha256: str
    duration_seconds: float
    size_bytes: int


class SessionOut(msgspec.Struct):
    id: UUID
    case_id: UUID
    title: str
    starts_at: datetime
    state: str
    host_id: str
    participants: list[ParticipantOut]
    caucus: list[str]
    recording: bool
    recordings: list[RecordingOut]


class InvitationOut(msgspec.Struct):
    session: SessionOut
    participant_id: str
    token: str
    link: str


class HostTokenOut(msgspec.Struct):
    token: str
    link: str


def session_out(found: VideoSession) -> SessionOut:
    return SessionOut(
        id=found.id,
        case_id=found.subject_id,
        title=found.title,
        starts_at=found.starts_at,
        state=str(found.state),
        host_id=found.host_id,
        participants=[
            ParticipantOut(
                p.participant_id,
                p.name,
                str(p.role),
                p.admitted,
                p.present,
                p.removed,
                p.revoked,
                p.participant_id in found.caucus,
            )
            for p in found.participants.values()
        ],
        caucus=found.caucus,
        recording=found.recording,
        recordings=[
            RecordingOut(
                r.participant_id, r.track, r.file, r.sha256, r.duration_seconds, r.size_bytes
            )
            for r in found.recordings
        ],
    )


def _link(platform: Platform, session_id: UUID, token: str) -> str:
    # The token travels in the fragment: browsers do not send it to servers or proxies' logs.
    return f"{platform.settings.public_url.rstrip('/')}/video/{session_id}#t={token}"


@post(
    "/api/cases/{case_id:uuid}/video_sessions",
    sync_to_thread=True,
    status_code=201,
    summary="Schedule a video session",
    description="The case's mediator schedules a remote session and becomes its host.",
    tags=["video"],
)
def schedule(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: JSONBody[ScheduleIn],
    platform: NamedDependency[Platform],
) -> SessionOut:
    platform.center.case(case_id, request.user)
    return session_out(platform.video.schedule(case_id, request.user, data.title, data.starts_at))


@get(
    "/api/video_sessions/{session_id:uuid}",
    sync_to_thread=True,
    summary="Read a video session",
    description="For its host: participants, attendance, caucus and recordings with hashes.",
    tags=["video"],
)
def read_session(
    request: AuthRequest, session_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> SessionOut:
    return session_out(platform.video_sessions(session_id).hosted(session_id, request.user))


@post(
    "/api/video_sessions/{session_id:uuid}/invitations",
    sync_to_thread=True,
    status_code=201,
    summary="Invite a participant",
    description="A signed link bound to this participant and this session, usable until it "
    "expires, is revoked or the session ends. Using it again resumes the same participant.",
    tags=["video"],
)
def invite(
    request: AuthRequest,
    session_id: FromPath[UUID],
    data: JSONBody[InviteIn],
    platform: NamedDependency[Platform],
) -> InvitationOut:
    hours = data.valid_hours or platform.settings.invitation_hours
    until = platform.center.clock() + timedelta(hours=hours)
    account = data.account.strip().lower() if data.account else None
    if account is not None:
        found_account = platform.directory.principal(account)
        if found_account is None or found_account.role is not Role.PARTY:
            raise InvalidValue("account", f"no party account named {account}")
    found, participant_id, token = platform.video_sessions(session_id).invite(
        session_id, request.user, data.name, ParticipantRole(data.role), until, account
    )
    return InvitationOut(
        session_out(found), participant_id, token, _link(platform, found.id, token)
    )


@post(
    "/api/video_sessions/{session_id:uuid}/invitations/{participant_id:str}/revoke",
    sync_to_thread=True,
    status_code=200,
    summary="Revoke an invitation",
    tags=["video"],
)
def revoke(
    request: AuthRequest,
    session_id: FromPath[UUID],
    participant_id: FromPath[str],
    platform: NamedDependency[Platform],
) -> SessionOut:
    return session_out(
        platform.video_sessions(session_id).revoke(session_id, request.user, participant_id)
    )


@post(
    "/api/video_sessions/{session_id:uuid}/host_link",
    sync_to_thread=True,
    status_code=200,
    summary="The host's own link",
    description="A link for the signed-in host to open the room (valid 12 hours).",
    tags=["video"],
)
def host_link(
    request: AuthRequest, session_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> HostTokenOut:
    token = platform.video_sessions(session_id).host_token(session_id, request.user)
    return HostTokenOut(token, _link(platform, session_id, token))


@get("/video/{session_id:uuid}", exclude_from_auth=True, include_in_schema=False)
async def room_page(session_id: FromPath[UUID]) -> File:  # noqa: ARG001 (the page reads it from the URL)
    return File(PAGE / "video.html", content_disposition_type="inline", media_type="text/html")


# --- signaling messages ----------------------------------------------------------------------


class JoinMsg(msgspec.Struct, tag="join", tag_field="type", forbid_unknown_fields=True):
    """With the invitation's token, or without one as a signed-in party (session cookie)."""

    token: Annotated[str, msgspec.Meta(max_length=4_000)] | None = None


class AnswerMsg(msgspec.Struct, tag="answer", tag_field="type", forbid_unknown_fields=True):
    sdp: SDP


class AdmitMsg(msgspec.Struct, tag="admit", tag_field="type", forbid_unknown_fields=True):
    participant: Id
    identity_check: Literal["id_document", "account", "known_person"]


class RemoveMsg(msgspec.Struct, tag="remove", tag_field="type", forbid_unknown_fields=True):
    participant: Id
    reason: Text = ""


class MuteMsg(msgspec.Struct, tag="mute", tag_field="type", forbid_unknown_fields=True):
    participant: Id
    track: Literal["audio", "video"] = "audio"


class OpenCaucusMsg(
    msgspec.Struct, tag="open_caucus", tag_field="type", forbid_unknown_fields=True
):
    participants: Annotated[list[Id], msgspec.Meta(max_length=20)]


class CloseCaucusMsg(
    msgspec.Struct, tag="close_caucus", tag_field="type", forbid_unknown_fields=True
):
    pass


class StartRecordingMsg(
    msgspec.Struct, tag="start_recording", tag_field="type", forbid_unknown_fields=True
):
    pass


class StopRecordingMsg(
    msgspec.Struct, tag="stop_recording", tag_field="type", forbid_unknown_fields=True
):
    pass


class EndMsg(msgspec.Struct, tag="end", tag_field="type", forbid_unknown_fields=True):
    pass


class ChatMsg(msgspec.Struct, tag="chat", tag_field="type", forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]


ClientMessage = (
    JoinMsg
    | AnswerMsg
    | AdmitMsg
    | RemoveMsg
    | MuteMsg
    | OpenCaucusMsg
    | CloseCaucusMsg
    | StartRecordingMsg
    | StopRecordingMsg
    | EndMsg
    | ChatMsg
)
HOST_ACTS = (
    AdmitMsg,
    RemoveMsg,
    MuteMsg,
    OpenCaucusMsg,
    CloseCaucusMsg,
    StartRecordingMsg,
    StopRecordingMsg,
    EndMsg,
)
_decoder = msgspec.json.Decoder(ClientMessage)


# --- the hub: who is connected where -----------------------------------------------------------


@dataclass
class Connection:
    socket: WebSocket[Any, Any, Any]
    session_id: UUID
    participant_id: str
    number: int
    host: bool

    async def send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self.socket.send_json(message)


class Hub:
    """The connections of this API process, by session and participant."""

    def __init__(self, platform: Platform, media: MediaWorkers) -> None:
        self.platform = platform
        self.media = media
        self.rooms: dict[UUID, dict[str, Connection]] = {}
        media.on_event = self.on_media_event

    async def sessions(self, session_id: UUID) -> VideoSessions:
        return await asyncio.to_thread(self.platform.video_sessions, session_id)

    def connection(self, session_id: UUID, participant_id: str) -> Connection | None:
        return self.rooms.get(session_id, {}).get(participant_id)

    async def on_media_event(self, message: dict[str, Any]) -> None:
        connection = self.connection(UUID(message["room"]), message["participant"])
        if connection is None or connection.number != message["connection"]:
            return
        if message["event"] == "offer":
            await connection.send(
                {"type": "offer", "sdp": message["sdp"], "streams": message["streams"]}
            )
        elif message["event"] == "connection":
            await connection.send({"type": "media", "state": message["state"]})

    async def refresh(self, session_id: UUID) -> VideoSession:
        """After every change: the media plane gets the audience, everyone the room's state."""
        sessions = await self.sessions(session_id)
        found = await asyncio.to_thread(sessions.session, session_id)
        audience = found.audience()
        with contextlib.suppress(MediaUnavailable):
            await self.media.request(str(session_id), "audience", audience=audience)
        state = _room_state(found)
        for connection in list(self.rooms.get(session_id, {}).values()):
            await connection.send({**state, "you": connection.participant_id})
        return found

    def register(self, connection: Connection) -> Connection | None:
        room = self.rooms.setdefault(connection.session_id, {})
        old = room.get(connection.participant_id)
        room[connection.participant_id] = connection
        return old

    def unregister(self, connection: Connection) -> bool:
        room = self.rooms.get(connection.session_id, {})
        if room.get(connection.participant_id) is connection:
            del room[connection.participant_id]
            return True
        return False


def _room_state(found: VideoSession) -> dict[str, Any]:
    return {
        "type": "room",
        "state": str(found.state),
        "title": found.title,
        "host": found.host_id,
        "caucus": found.caucus,
        "recording": found.recording,
        "notice": "本次会话正在录音录像，作为证据保存。This session is being recorded as evidence."
        if found.recording
        else None,
        "participants": [
            msgspec.to_builtins(p)
            for p in session_out(found).participants
            if not p.revoked and (p.present or p.admitted)
        ],
        "audience": found.audience(),
    }


def _error(code: str, detail: str, field: str | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "detail": detail, "field": field}


async def _host_act(hub: Hub, connection: Connection, message: Any) -> None:
    session_id = connection.session_id
    video = await hub.sessions(session_id)
    found = await asyncio.to_thread(video.session, session_id)
    host = video.host_principal(found)
    if isinstance(message, AdmitMsg):
        await asyncio.to_thread(
            video.admit,
            session_id,
            host,
            message.participant,
            IdentityCheck(message.identity_check),
        )
    elif isinstance(message, RemoveMsg):
        await asyncio.to_thread(
            video.remove, session_id, host, message.participant, message.reason or "removed"
        )
        removed = hub.connection(session_id, message.participant)
        if removed is not None:
            await removed.send(_error("removed", "the host removed you from this session"))
            await removed.socket.close(code=4403, reason="removed")
    elif isinstance(message, MuteMsg):
        await asyncio.to_thread(video.mute, session_id, host, message.participant, message.track)
        muted = hub.connection(session_id, message.participant)
        if muted is not None:
            await muted.send({"type": "muted", "track": message.track})
    elif isinstance(message, OpenCaucusMsg):
        await asyncio.to_thread(video.open_caucus, session_id, host, message.participants)
    elif isinstance(message, CloseCaucusMsg):
        await asyncio.to_thread(video.close_caucus, session_id, host)
    elif isinstance(message, StartRecordingMsg):
        await asyncio.to_thread(video.start_recording, session_id, host)
        await hub.media.request(str(session_id), "record_start")
    elif isinstance(message, StopRecordingMsg):
        answer = await hub.media.request(str(session_id), "record_stop")
        files = [RecordingFile(**f) for f in answer["files"]]
        await asyncio.to_thread(video.stop_recording, session_id, host, files)
    elif isinstance(message, EndMsg):
        if found.recording:
            answer = await hub.media.request(str(session_id), "record_stop")
            files = [RecordingFile(**f) for f in answer["files"]]
            await asyncio.to_thread(video.stop_recording, session_id, host, files)
        await asyncio.to_thread(video.end, session_id, host)
        await hub.refresh(session_id)
        await hub.media.request(str(session_id), "close")
        for other in list(hub.rooms.get(session_id, {}).values()):
            await other.send({"type": "ended"})
            await other.socket.close(code=1000, reason="ended")
        return
    await hub.refresh(session_id)


async def _chat(hub: Hub, connection: Connection, message: ChatMsg) -> None:
    sessions = await hub.sessions(connection.session_id)
    found = await asyncio.to_thread(sessions.session, connection.session_id)
    me = found.participants[connection.participant_id]
    hearers = set(found.audience().get(connection.participant_id, [])) | {me.participant_id}
    if me.participant_id == found.host_id:
        hearers |= set(hub.rooms.get(connection.session_id, {}))
    for other in list(hub.rooms.get(connection.session_id, {}).values()):
        if other.participant_id in hearers:
            await other.send(
                {"type": "chat", "from": me.participant_id, "name": me.name, "text": message.text}
            )


async def _signed_in(socket: WebSocket[Any, Any, Any]) -> Principal:
    """The party signed in to the console (its session cookie), for a join without a link."""
    auth = socket.app.state.auth
    encoded = socket.cookies.get(auth.key, "")
    if encoded.startswith("Bearer "):
        encoded = encoded[len("Bearer ") :]
    try:
        token = auth.token_cls.decode(encoded, auth.token_secret, auth.algorithm)
    except Exception:  # noqa: BLE001 (any bad cookie is the same refusal)
        raise InvitationRefused(
            "unauthenticated", "sign in, or open your invitation link"
        ) from None
    return await principal_from_token(token, socket)


async def _admit(
    hub: Hub, socket: WebSocket[Any, Any, Any], session_id: UUID
) -> tuple[VideoSessions, Participant, str] | None:
    """The first message must be `join`: who this connection is, or a refusal (closed)."""
    try:
        first = _decoder.decode(await socket.receive_text())
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        await socket.send_json(_error("invalid", str(error)))
        await socket.close(code=4400, reason="invalid message")
        return None
    if not isinstance(first, JoinMsg):
        await socket.send_json(_error("invalid", "the first message must be join", "type"))
        await socket.close(code=4400, reason="join first")
        return None
    try:
        try:
            sessions = await hub.sessions(session_id)
        except NotFound:
            raise InvitationRefused("not_invited", "no such session") from None
        if first.token is not None:
            participant = await asyncio.to_thread(sessions.verify, first.token, session_id)
            return sessions, participant, "invitation"
        principal = await _signed_in(socket)
        participant = await asyncio.to_thread(sessions.verify_account, session_id, principal)
    except InvitationRefused as refused:
        await socket.send_json(_error(refused.rule, refused.detail, "token"))
        await socket.close(code=4403, reason=refused.rule)
        return None
    return sessions, participant, "account"


@websocket("/api/video_sessions/{session_id:uuid}/ws", exclude_from_auth=True)
async def signaling(socket: WebSocket[Any, Any, Any], session_id: FromPath[UUID]) -> None:
    hub: Hub = socket.app.state.hub
    await socket.accept()
    admitted = await _admit(hub, socket, session_id)
    if admitted is None:
        return
    sessions, participant, via = admitted
    found, number = await asyncio.to_thread(sessions.join, session_id, participant, via)
    connection = Connection(
        socket,
        session_id,
        participant.participant_id,
        number,
        participant.role is ParticipantRole.HOST,
    )
    old = hub.register(connection)
    if old is not None:
        await old.send(_error("replaced", "this invitation was opened elsewhere"))
        with contextlib.suppress(Exception):
            await old.socket.close(code=4409, reason="replaced")
    me = found.participants[participant.participant_id]
    await connection.send(
        {
            "type": "welcome",
            "participant": me.participant_id,
            "name": me.name,
            "role": str(me.role),
            "connection": number,
        }
    )
    try:
        offer = await hub.media.request(
            str(session_id), "connect", participant=me.participant_id, connection=number
        )
        await connection.send({"type": "offer", "sdp": offer["sdp"], "streams": offer["streams"]})
        await hub.refresh(session_id)
        await _serve(hub, connection)
    except MediaUnavailable as error:
        await connection.send(_error("media_unavailable", str(error)))
    except WebSocketDisconnect:
        pass
    finally:
        if hub.unregister(connection):
            with contextlib.suppress(MediaUnavailable):
                await hub.media.request(
                    str(session_id), "disconnect", participant=me.participant_id, connection=number
                )
            with contextlib.suppress(DomainError, NotFound, ConcurrencyConflict):
                await asyncio.to_thread(sessions.leave, session_id, me.participant_id, number)
            with contextlib.suppress(Exception):
                await hub.refresh(session_id)


async def _serve(hub: Hub, connection: Connection) -> None:
    while True:
        raw = await connection.socket.receive_text()
        try:
            message = _decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            await connection.send(_error("invalid", str(error)))
            continue
        try:
            if isinstance(message, AnswerMsg):
                await hub.media.request(
                    str(connection.session_id),
                    "answer",
                    participant=connection.participant_id,
                    connection=connection.number,
                    sdp=message.sdp,
                )
            elif isinstance(message, HOST_ACTS):
                if not connection.host:
                    await connection.send(_error("forbidden", "only the host does that"))
                    continue
                await _host_act(hub, connection, message)
            elif isinstance(message, ChatMsg):
                await _chat(hub, connection, message)
            else:
                await connection.send(_error("invalid", "already joined", "type"))
        except DomainError as refused:
            await connection.send(
                _error(
                    getattr(refused, "rule", "invalid"),
                    str(refused),
                    getattr(refused, "field", None),
                )
            )
        except (MediaUnavailable, ConcurrencyConflict) as error:
            await connection.send(_error("unavailable", str(error)))
        if (isinstance(message, EndMsg) and connection.host) or hub.connection(
            connection.session_id, connection.participant_id
        ) is not connection:
            return


def video_router() -> Router:
    return Router(
        "/",
        route_handlers=[
            schedule,
            read_session,
            invite,
            revoke,
            host_link,
            room_page,
            signaling,
        ],
    )
