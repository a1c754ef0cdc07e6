"""The host's console page of a video session: the room, and invitations with their links."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.console.forms import REFUSALS, AuthRequest, FormBody, refusal, struct_from_form
from api.console.rendering import flashed, render
from api.video.sessions import InviteIn
from application.bootstrap import Platform


@get("/console/video/{session_id:uuid}", include_in_schema=False, sync_to_thread=True)
def video_page(
    request: AuthRequest, session_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    sessions = platform.video_sessions(session_id)
    found = sessions.hosted(session_id, request.user)
    token = sessions.host_token(session_id, request.user)
    held_by_notary = sessions is platform.notary_video
    return render(
        request,
        "video.html",
        back=f"/console/{'notary' if held_by_notary else 'cases'}/{found.subject_id}",
        session=found,
        room=f"/video/{session_id}#t={token}",
    )


@post("/console/video/{session_id:uuid}/invite", include_in_schema=False, sync_to_thread=True)
def video_invite(
    request: AuthRequest,
    session_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    sessions = platform.video_sessions(session_id)
    until = platform.center.clock() + timedelta(hours=platform.settings.invitation_hours)
    try:
        invited = struct_from_form(InviteIn, data)
        _, _, token = sessions.invite(session_id, request.user, invited.name, invited.role, until)
    except REFUSALS as error:
        return flashed(f"/console/video/{session_id}", refusal(request, error), "error")
    link = f"{platform.settings.public_url.rstrip('/')}/video/{session_id}#t={token}"
    return flashed(f"/console/video/{session_id}", "", link=link)
