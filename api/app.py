"""The litestar application: the composition root wiring HTTP to the applications."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Litestar, Response, Router, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.concurrency import set_asyncio_executor
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis

from api.accounts import accounts_router
from api.agreements import agreements_router
from api.audit import audit_router
from api.auth import SIGN_IN_LIMITS, build_auth, change_password, login, logout
from api.cases import cases_router
from api.console.rendering import CHANGES, TEMPLATES
from api.console.router import console_router
from api.court import court_router
from api.guards import check_request
from api.idempotency import IdempotencyKeys
from api.notary import notary_router
from api.openapi import document_problems
from api.portal import portal_router
from api.problems import DATABASE_DOWN, handle
from api.procuratorate import procuratorate_router
from api.red_flags import red_flags_router
from api.video.media import MediaWorkers
from api.video.sessions import video_sessions_router
from api.video.signaling import Hub, signaling_router
from application.bootstrap import Platform, build_platform
from application.shared.persistence import database_problem
from application.shared.settings import Settings

STATIC = Path(__file__).parent / "static"


class HealthOut(msgspec.Struct):
    status: str
    database: str
    backend: str
    projection_position: int
    witnesses_lagging: dict[str, str]  # witness name -> why it did not cosign the latest
    institutions_missing: dict[str, str]  # kind -> how to add it (none: all four configured)
    # This year (from November also the next) without its official schedule, and the
    # deadlines held for it: `tiaojie calendar load FILE` (deadlines there are provisional).
    calendar_unknown_years: list[int] = msgspec.field(default_factory=list)
    deadlines_held: int = 0


HEALTH_SECONDS = 1.5  # /health answers within 2 s, whatever the database does


@get(
    "/health",
    summary="Liveness and database check",
    description="Within 2 seconds: 200 when the database answers, 503 saying what is down.",
    tags=["ops"],
    opt={"problems": (503,)},
)
async def health(platform: NamedDependency[Platform]) -> Response[HealthOut]:
    settings = platform.settings
    try:
        with anyio.fail_after(HEALTH_SECONDS):
            problem = await anyio.to_thread.run_sync(
                database_problem, settings, HEALTH_SECONDS, abandon_on_cancel=True
            )
    except TimeoutError:
        problem = f"no answer within {HEALTH_SECONDS} s"
    position = -1
    if problem is None:
        try:
            with anyio.fail_after(HEALTH_SECONDS):
                position = await anyio.to_thread.run_sync(
                    lambda: platform.follower("case-list").position, abandon_on_cancel=True
                )
        except (TimeoutError, *DATABASE_DOWN) as error:
            problem = f"the stores do not answer: {type(error).__name__}"
    missing: dict[str, str] = {}
    unknown: list[int] = []
    held = 0
    if problem is None:
        missing = await anyio.to_thread.run_sync(platform.missing_institutions)
        unknown, held = await anyio.to_thread.run_sync(platform.calendar_warnings)
    body = HealthOut(
        status="ok" if problem is None else "unavailable",
        database="reachable" if problem is None else f"unreachable: {problem}",
        backend="postgresql" if settings.uses_postgres else "sqlite",
        projection_position=position,
        witnesses_lagging=platform.audit.lagging(),
        institutions_missing=missing,
        calendar_unknown_years=unknown,
        deadlines_held=held,
    )
    return Response(body, status_code=200 if problem is None else 503)


@get("/", include_in_schema=False, exclude_from_auth=True)
async def root() -> Redirect:
    """The start page is the console (which sends a visitor to sign in)."""
    return Redirect("/console")


def _channels_backend(settings: Settings) -> ChannelsBackend:
    """Redis carries page updates between several server processes; one process needs none."""
    if settings.redis_url:
        return RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    return MemoryChannelsBackend()


def _platform(state: State) -> Platform:
    platform: Platform = state.platform
    return platform


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders(ASGIMiddleware):
    """On every answer, static files and errors included: no script but the server's own
    files, no framing, no sniffing, no Referer across origins; HSTS when the public URL is
    https."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        headers = [
            ("content-security-policy", CSP),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "same-origin"),
            ("x-frame-options", "DENY"),
        ]
        if settings.public_url.startswith("https://"):
            headers.append(("strict-transport-security", "max-age=31536000"))
        self.headers = [(name.encode(), value.encode()) for name, value in headers]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await next_app(scope, receive, sending)


def create_app(platform: Platform | None = None, settings: Settings | None = None) -> Litestar:
    settings = settings or (platform.settings if platform else Settings.from_env())
    owned = platform is None
    platform = platform or build_platform(settings)
    set_asyncio_executor(ThreadPoolExecutor(max_workers=settings.threads))
    auth = build_auth(settings)

    media = MediaWorkers(settings)
    channels = ChannelsPlugin(
        backend=_channels_backend(settings), channels=[CHANGES], arbitrary_channels_allowed=False
    )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()

        def changed(source: str, ids: list[UUID]) -> None:
            """Saves happen in worker threads; the channel is the event loop's."""
            message = json.dumps({"source": source, "ids": [str(i) for i in ids]})
            loop.call_soon_threadsafe(channels.publish, message, [CHANGES])

        for app in (platform.center, platform.court, platform.notary):
            app.on_saved(functools.partial(changed, app.name))
        platform.start()
        await media.start()
        try:
            yield
        finally:
            await media.stop()
            if owned:
                platform.close()
            else:
                platform.stop_background()

    # Password guessing is slowed per client address (litestar's rate limiting).
    login_limit = RateLimitConfig(rate_limit=("minute", settings.login_rate), store=SIGN_IN_LIMITS)
    app = Litestar(
        route_handlers=[
            Router("/", route_handlers=[login], middleware=[login_limit.middleware]),
            logout,
            change_password,
            accounts_router(),
            health,
            root,
            cases_router(),
            agreements_router(),
            court_router(),
            portal_router(settings.login_rate),
            audit_router(),
            video_sessions_router(),
            signaling_router(),
            notary_router(),
            procuratorate_router(),
            red_flags_router(),
            console_router(settings.login_rate),
            create_static_files_router(
                path="/static", directories=[STATIC], opt={"exclude_from_auth": True}
            ),
        ],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=settings.jwt_secret(),
            cookie_samesite="strict",
            cookie_secure=settings.cookie_secure,
            exclude=["/api", "/health", "/schema", "/video", "/static", "/verify"],
        ),
        dependencies={"platform": Provide(_platform, sync_to_thread=False)},
        state=State(
            {
                "platform": platform,
                "auth": auth,
                "hub": Hub(platform, media),
                "sessions": MemoryStore(),
                "exit_code": None,  # `tiaojie serve` sets 0: a broken data file stops it
            }
        ),
        on_app_init=[auth.on_app_init],
        before_request=check_request,
        middleware=[SecurityHeaders(settings), IdempotencyKeys(platform)],
        plugins=[channels],
        exception_handlers={Exception: handle},
        lifespan=[lifespan],
        request_max_body_size=1024 * 1024,
        openapi_config=OpenAPIConfig(
            title="tiaojie",
            version="0.1.0",
            description="Online resolution of financial disputes: mediation cases from filing "
            "to agreement. Errors are RFC 9457 problem details.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        debug=False,
    )
    document_problems(app)
    return app


def app_from_env() -> Any:
    """The ASGI app for `uvicorn --factory api.app:app_from_env`."""
    return create_app()
