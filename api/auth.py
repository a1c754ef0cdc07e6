"""Sign-in: argon2-checked passwords, a JWT as bearer token and as an HttpOnly cookie.

Sessions end: a token carries the account's pseudonymous id and the session epoch it was
issued in; signing out, a new password or a deactivation moves the epoch on in the directory,
and every process reads the account back at least once a second.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self, cast
from uuid import UUID

import anyio
import msgspec
from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AuthenticationResult
from litestar.params import JSONBody
from litestar.security.jwt import JWTCookieAuth, JWTCookieAuthenticationMiddleware, Token
from litestar.stores.base import Store

from api.guards import UNSAFE
from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.directory import Session
from application.shared.settings import Settings

SessionRequest = Request[Principal, Token, Any]
PUBLIC_PATHS = ["/api/auth/login", "/health", "/schema"]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str


class LoginOut(msgspec.Struct):
    token: str
    token_type: str
    expires_in: int
    username: str
    role: str
    institution: str | None
    display_name: str


class VerifiedToken(Token):
    """A token verified once is remembered until it expires: clients send the same token with
    every request, and verifying it took a quarter of a small request's time."""

    _verified: ClassVar[OrderedDict[tuple[str, str], Token]] = OrderedDict()
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _limit: ClassVar[int] = 10_000

    @classmethod
    def decode(
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        strict_audience: bool = False,
    ) -> Self:
        key = (encoded_token, secret)
        with cls._lock:
            known = cls._verified.get(key)
        if known is not None and known.exp > datetime.now(UTC):
            return cast(Self, known)
        token = super().decode(
            encoded_token,
            secret,
            algorithm,
            audience=audience,
            issuer=issuer,
            require_claims=require_claims,
            verify_exp=verify_exp,
            verify_nbf=verify_nbf,
            strict_audience=strict_audience,
        )
        with cls._lock:
            cls._verified[key] = token
            while len(cls._verified) > cls._limit:
                cls._verified.popitem(last=False)
        return token


SESSION_CACHE_SECONDS = 1  # a revoked session is refused by every process within this


async def principal_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    """The session's principal, read from the directory (so a deactivation, a new password or
    a sign-out elsewhere ends it) and kept for a second in the process's store. Async on
    purpose: litestar runs a sync handler in a thread, for every request."""
    epoch = token.extras.get("epoch")
    if not isinstance(epoch, int):
        return None  # a token of another form (made before sessions could end)
    try:
        account_id = UUID(token.sub)
    except ValueError:
        return None
    store: Store = connection.app.state.sessions
    key = f"{account_id}:{epoch}"
    cached = await store.get(key)
    if cached is not None:
        return msgspec.json.decode(cached, type=Principal)
    platform: Platform = connection.app.state.platform
    principal = await anyio.to_thread.run_sync(platform.directory.resume, account_id, epoch)
    if principal is not None:
        await store.set(key, msgspec.json.encode(principal), expires_in=SESSION_CACHE_SECONDS)
    return principal


def session_cookie(request: Request[Any, Any, Any], session: Session) -> tuple[str, Cookie]:
    """The one way a session begins (API sign-in, console sign-in, portal claim): a token
    naming the account's pseudonymous id and its session epoch, also as an HttpOnly
    SameSite=Strict cookie."""
    auth: JWTCookieAuth[Principal, Token] = request.app.state.auth
    token = auth.create_token(
        identifier=str(session.account_id), token_extras={"epoch": session.epoch}
    )
    cookie = Cookie(
        key=auth.key,
        value=token,
        httponly=True,
        samesite="strict",
        secure=auth.secure,
        max_age=int(auth.default_token_expiration.total_seconds()),
        path="/",
    )
    return token, cookie


# Per client address, sign-in and account claims count in separate buckets (stores).
SIGN_IN_LIMITS = "sign-in-limits"
CLAIM_LIMITS = "claim-limits"


class SessionMiddleware(JWTCookieAuthenticationMiddleware):
    """Under /api a change is authorised by the bearer token only: the cookie that a browser
    sends along from another page of the same site authorises nothing there (the console's
    forms carry CSRF tokens; its links and sockets under /api only read)."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if (
            connection.scope["path"].startswith("/api/")
            and connection.scope.get("method") in UNSAFE
            and not connection.headers.get(self.auth_header)
        ):
            msg = "changes through the API take a bearer token (Authorization: Bearer ...)"
            raise NotAuthorizedException(msg)
        return await super().authenticate_request(connection)


def build_auth(settings: Settings) -> JWTCookieAuth[Principal, Token]:
    return JWTCookieAuth[Principal, Token](
        authentication_middleware_class=SessionMiddleware,
        retrieve_user_handler=principal_from_token,
        token_secret=settings.jwt_secret(),
        default_token_expiration=timedelta(hours=settings.token_hours),
        exclude=PUBLIC_PATHS,
        samesite="strict",
        secure=settings.cookie_secure,
        token_cls=VerifiedToken,
    )


@post(
    "/api/auth/login",
    sync_to_thread=True,
    summary="Sign in",
    description="Checks the password and returns a bearer token; also sets it as an HttpOnly "
    "SameSite=Strict cookie for the console.",
    tags=["auth"],
    status_code=200,
    opt={"problems": (401,)},
)
def login(
    request: Request[Any, Any, Any],
    data: JSONBody[LoginIn],
    platform: NamedDependency[Platform],
) -> Response[LoginOut]:
    session = platform.directory.authenticate(data.username, data.password)
    if session is None:
        raise NotAuthorizedException("wrong username or password")
    token, cookie = session_cookie(request, session)
    principal = session.principal
    body = LoginOut(
        token=token,
        token_type="Bearer",  # noqa: S106 (a scheme name, not a secret)
        expires_in=cookie.max_age or 0,
        username=principal.user_id,
        role=str(principal.role),
        institution=principal.institution,
        display_name=principal.display_name,
    )
    return Response(body, cookies=[cookie])


@post(
    "/api/auth/logout",
    sync_to_thread=True,
    summary="Sign out everywhere",
    description="Ends every session of the account (every token issued so far stops working "
    "in every server process within a second) and clears the cookie.",
    tags=["auth"],
    status_code=204,
)
def logout(request: SessionRequest, platform: NamedDependency[Platform]) -> Response[None]:
    end_sessions(request, platform)
    response: Response[None] = Response(None, status_code=204)
    response.delete_cookie(request.app.state.auth.key, path="/")
    return response


def end_sessions(request: SessionRequest, platform: Platform) -> None:
    platform.directory.end_sessions(UUID(request.auth.sub))


class PasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: str
    new_password: str


@post(
    "/api/auth/password",
    sync_to_thread=True,
    summary="Change one's password",
    description="With the current password; at least 12 characters that are not easy to "
    "guess. Every session of the account ends, this one too: sign in again.",
    tags=["auth"],
    status_code=204,
)
def change_password(
    request: SessionRequest,
    data: JSONBody[PasswordIn],
    platform: NamedDependency[Platform],
) -> Response[None]:
    platform.directory.change_password(
        UUID(request.auth.sub), data.current_password, data.new_password
    )
    response: Response[None] = Response(None, status_code=204)
    response.delete_cookie(request.app.state.auth.key, path="/")
    return response
