"""Sign-in: argon2-checked passwords, a JWT as bearer token and as an HttpOnly cookie."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self, cast

import msgspec
from litestar import Request, Response, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody
from litestar.security.jwt import JWTCookieAuth, Token

from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.settings import Settings
from domain.shared.actors import Role

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


async def principal_from_token(token: Token, _: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Async on purpose: litestar runs a sync handler in a thread, for every request."""
    extras = token.extras
    return Principal(
        user_id=token.sub,
        role=Role(extras["role"]),
        institution=extras.get("institution"),
        id_number=extras.get("id_number"),
        display_name=extras.get("name", token.sub),
    )


def build_auth(settings: Settings) -> JWTCookieAuth[Principal, Token]:
    return JWTCookieAuth[Principal, Token](
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
)
def login(
    request: Request[Any, Any, Any],
    data: JSONBody[LoginIn],
    platform: NamedDependency[Platform],
) -> Response[LoginOut]:
    principal = platform.directory.authenticate(data.username, data.password)
    if principal is None:
        raise NotAuthorizedException("wrong username or password")
    auth: JWTCookieAuth[Principal, Token] = request.app.state.auth
    token = auth.create_token(
        identifier=principal.user_id,
        token_extras={
            "role": str(principal.role),
            "institution": principal.institution,
            "id_number": principal.id_number,
            "name": principal.display_name,
        },
    )
    lifetime = int(auth.default_token_expiration.total_seconds())
    body = LoginOut(
        token=token,
        token_type="Bearer",  # noqa: S106 (a scheme name, not a secret)
        expires_in=lifetime,
        username=principal.user_id,
        role=str(principal.role),
        institution=principal.institution,
        display_name=principal.display_name,
    )
    cookie = Cookie(
        key=auth.key,
        value=token,
        httponly=True,
        samesite="strict",
        secure=auth.secure,
        max_age=lifetime,
        path="/",
    )
    return Response(body, cookies=[cookie])
