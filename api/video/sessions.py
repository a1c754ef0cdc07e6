"""Video sessions over HTTP: the host schedules a session, invites participants (each gets a
signed link) and revokes invitations; the room page."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.security.jwt import Token

from api.schemas.video import HostTokenOut, InvitationOut, SessionOut, session_out
from application.bootstrap import Platform
from application.shared import access
from application.shared.access import Principal
from application.shared.video_sessions import InvitedRole, RevokeInvitation
from domain.shared.errors import InvalidValue

AuthRequest = Request[Principal, Token, Any]
PAGE = Path(__file__).parents[1] / "static"


class ScheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    starts_at: datetime


class InviteIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: InvitedRole
    valid_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 90)] | None = None
    account: Annotated[str, msgspec.Meta(max_length=64)] | None = None


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
        if found_account is None or not access.is_party_account(found_account):
            raise InvalidValue("account", f"no party account named {account}")
    found, participant_id, token = platform.video_sessions(session_id).invite(
        session_id, request.user, data.name, data.role, until, account
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
    sessions = platform.video_sessions(session_id)
    return session_out(
        sessions.act(session_id, request.user, RevokeInvitation(participant=participant_id))
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


def video_sessions_router() -> Router:
    return Router(
        "/", route_handlers=[schedule, read_session, invite, revoke, host_link, room_page]
    )
