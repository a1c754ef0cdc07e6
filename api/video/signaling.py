"""The signaling WebSocket of video sessions and the hub of this process's connections.

WebSocket `/api/video_sessions/{id}/ws`: the first message is `join`
with the invitation token; then the server sends offers (it drives renegotiation, one offer at
a time), the client answers; the host sends its acts (admit, remove, mute, caucus, recording,
end), each recorded as an event before the media plane is told the new audience. Messages are
msgspec structs tagged by `type`: `JoinMsg`, `AnswerMsg`, `ChatMsg` below, and the host acts'
own commands (application/shared/video_sessions.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath
from litestar.security.jwt import Token

from api.auth import principal_from_token
from api.schemas.video import session_out
from api.video.media import MediaUnavailable, MediaWorkers
from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.commands import Command
from application.shared.errors import ConcurrencyConflict, NotFound
from application.shared.video_sessions import (
    RECORDING_NOTICE,
    Admit,
    CloseCaucus,
    End,
    InvitationRefused,
    Mute,
    OpenCaucus,
    Remove,
    StartRecording,
    StopRecording,
    VideoSessions,
)
from domain.shared.errors import DomainError
from domain.shared.video_session import (
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

# --- signaling messages ----------------------------------------------------------------------


class JoinMsg(msgspec.Struct, tag="join", tag_field="type", forbid_unknown_fields=True):
    """With the invitation's token, or without one as a signed-in party (session cookie)."""

    token: Annotated[str, msgspec.Meta(max_length=4_000)] | None = None


class AnswerMsg(msgspec.Struct, tag="answer", tag_field="type", forbid_unknown_fields=True):
    sdp: SDP


class ChatMsg(msgspec.Struct, tag="chat", tag_field="type", forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]


# A host's messages are the host acts' commands themselves (tagged by `type`).
HostMessage = (
    Admit | Remove | Mute | OpenCaucus | CloseCaucus | StartRecording | StopRecording | End
)
ClientMessage = JoinMsg | AnswerMsg | ChatMsg | HostMessage
HOST_MESSAGES = (Admit, Remove, Mute, OpenCaucus, CloseCaucus, StartRecording, StopRecording, End)
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
        "notice": RECORDING_NOTICE if found.recording else None,
        "participants": [
            msgspec.to_builtins(p)
            for p in session_out(found).participants
            if not p.revoked and (p.present or p.admitted)
        ],
        "audience": found.audience(),
    }


def _error(code: str, detail: str, field: str | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "detail": detail, "field": field}


async def _host_act(hub: Hub, connection: Connection, message: Command) -> None:
    """Record the host's act, then tell the media plane and the room. Recordings stop in the
    media plane first: its files and their hashes are what the act records."""
    session_id = connection.session_id
    video = await hub.sessions(session_id)
    found = await asyncio.to_thread(video.session, session_id)
    host = video.host_principal(found)
    if isinstance(message, StopRecording) or (isinstance(message, End) and found.recording):
        answer = await hub.media.request(str(session_id), "record_stop")
        files = tuple(RecordingFile(**f) for f in answer["files"])
        await asyncio.to_thread(video.act, session_id, host, StopRecording(files=files))
    if not isinstance(message, StopRecording):
        await asyncio.to_thread(video.act, session_id, host, message)
    if isinstance(message, Remove):
        removed = hub.connection(session_id, message.participant)
        if removed is not None:
            await removed.send(_error("removed", "the host removed you from this session"))
            await removed.socket.close(code=4403, reason="removed")
    elif isinstance(message, Mute):
        muted = hub.connection(session_id, message.participant)
        if muted is not None:
            await muted.send({"type": "muted", "track": message.track})
    elif isinstance(message, StartRecording):
        await hub.media.request(str(session_id), "record_start")
    elif isinstance(message, End):
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
    principal = await principal_from_token(token, socket)
    if principal is None:
        raise InvitationRefused("unauthenticated", "your session has ended: sign in again")
    return principal


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
            elif isinstance(message, HOST_MESSAGES):
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
        if (isinstance(message, End) and connection.host) or hub.connection(
            connection.session_id, connection.participant_id
        ) is not connection:
            return


def signaling_router() -> Router:
    return Router("/", route_handlers=[signaling])
