"""Signing in and out of the console, claiming a portal account from the SMS link, and the
language switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.security.jwt import JWTCookieAuth, Token

from api.auth import end_sessions, session_cookie
from api.console import i18n
from api.console.forms import AuthRequest
from api.console.rendering import console_path, flashed, render, translator
from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.directory import Session
from application.shared.errors import AlreadyExists, Throttled
from domain.shared.errors import DomainError


@get("/login", exclude_from_auth=True, include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any], next_page: FromQuery[str] = "/console"
) -> Template:
    return render(request, "login.html", next=console_path(next_page), username="")


@dataclass
class LoginForm:
    username: str
    password: str
    next: str = "/console"


@post("/login", exclude_from_auth=True, include_in_schema=False, sync_to_thread=True)
def login_submit(
    request: Request[Any, Any, Any],
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    t = translator(request)
    try:
        session = platform.directory.authenticate(data.username, data.password)
        refusal, status = t("wrong_login"), 401
    except Throttled as throttled:
        session, refusal, status = (
            None,
            t("sign_in_throttled", minutes=throttled.retry_after // 60 + 1),
            429,
        )
    if session is None:
        page = render(
            request,
            "login.html",
            next=console_path(data.next),
            username=data.username,
            flash=refusal,
            flash_kind="error",
        )
        page.status_code = status
        return page
    return _signed_in_response(request, session, console_path(data.next))


def _signed_in_response(request: Request[Any, Any, Any], session: Session, target: str) -> Redirect:
    _, cookie = session_cookie(request, session)
    return Redirect(target, status_code=303, cookies=[cookie])


@get("/portal/claim/{invitation_id:uuid}", exclude_from_auth=True, include_in_schema=False)
async def claim_page(request: Request[Any, Any, Any], invitation_id: FromPath[UUID]) -> Template:
    """The party portal's first page, from the SMS link: claim the account."""
    return render(request, "claim.html", invitation_id=invitation_id, user=None)


@post(
    "/portal/claim/{invitation_id:uuid}/code",
    exclude_from_auth=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def claim_code(
    request: Request[Any, Any, Any],
    invitation_id: FromPath[UUID],
    platform: NamedDependency[Platform],
) -> Redirect:
    """The same answer whether or not the invitation exists (at most one code a minute)."""
    platform.invitations.send_code(invitation_id)
    t = translator(request)
    return flashed(f"/portal/claim/{invitation_id}", t("code_sent"))


@dataclass
class ClaimForm:
    code: str
    id_suffix: str
    username: str
    password: str


@post(
    "/portal/claim/{invitation_id:uuid}",
    exclude_from_auth=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def claim_submit(
    request: Request[Any, Any, Any],
    invitation_id: FromPath[UUID],
    data: Annotated[ClaimForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    """A wrong code or ID suffix claims nothing; repeated failures lock the invitation."""
    try:
        session = platform.directory.claim(
            invitation_id, data.code, data.id_suffix, data.username, data.password
        )
    except (DomainError, AlreadyExists) as error:
        page = render(
            request,
            "claim.html",
            invitation_id=invitation_id,
            user=None,
            flash=str(getattr(error, "detail", None) or getattr(error, "message", None) or error),
            flash_kind="error",
        )
        page.status_code = 400
        return page
    return _signed_in_response(request, session, "/console")


@post("/logout", include_in_schema=False, sync_to_thread=True)
def logout(request: AuthRequest, platform: NamedDependency[Platform]) -> Redirect:
    """Signing out ends every session of the account, in every server process."""
    end_sessions(request, platform)
    auth: JWTCookieAuth[Principal, Token] = request.app.state.auth
    response = Redirect("/login", status_code=303)
    response.delete_cookie(auth.key, path="/")
    return response


@get("/lang/{code:str}", exclude_from_auth=True, include_in_schema=False)
async def switch_language(
    code: FromPath[str], next_page: Annotated[str, QueryParameter(name="next")] = "/console"
) -> Redirect:
    """Back to the page the switch was clicked on (on this origin only)."""
    target = console_path(next_page, prefix="/")
    response = Redirect(target, status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


# --- cases ----------------------------------------------------------------------------------------
