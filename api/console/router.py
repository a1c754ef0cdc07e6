"""The console's routes: every page and form, the live-update stream, and how a page answers a
visitor without a sign-in (to /login) or a missing page (to the list)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.response import Redirect

from api.auth import CLAIM_LIMITS, SIGN_IN_LIMITS
from api.console import notary, procuratorate
from api.console.agreements import apply_for_confirmation, pay, sign_agreement
from api.console.cases import case_act, case_page, cases_bulk, cases_page, schedule_video
from api.console.changes import changes
from api.console.court import (
    confirmation_act,
    court_queue,
    file_lawsuit,
    litigation_act,
    litigation_page,
)
from api.console.dashboard import dashboard
from api.console.intake import file_one, intake_page, intake_template, intake_upload
from api.console.rendering import flashed
from api.console.signin import (
    claim_code,
    claim_page,
    claim_submit,
    login_page,
    login_submit,
    logout,
    switch_language,
)
from api.console.video import video_invite, video_page
from application.shared.errors import InstitutionMissing, NotFound


def _to_login(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return Redirect(f"/login?next_page={quote(request.url.path)}", status_code=303)


def _not_found(_request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return flashed("/console", "404", "error")


def _missing(_request: Request[Any, Any, Any], missing: Exception) -> Response[Any]:
    """A page that needs an institution the deployment lacks says which, and how to add it."""
    return flashed("/console", str(missing), "error")


def console_errors() -> dict[Any, Any]:
    """Pages send a visitor without a sign-in to /login, and a missing page to the list."""
    return {
        NotAuthorizedException: _to_login,
        PermissionDeniedException: _to_login,
        NotFound: _not_found,
        InstitutionMissing: _missing,
    }


def console_router(attempts_per_minute: int) -> Router:
    """Sign-in and account claims are rate-limited per client address, as in the API (each
    in its own bucket, shared with the API's)."""
    guarded = [
        Router(
            "/",
            route_handlers=handlers,
            middleware=[RateLimitConfig(("minute", attempts_per_minute), store=store).middleware],
            exception_handlers=console_errors(),
            include_in_schema=False,
        )
        for handlers, store in (
            ([login_submit], SIGN_IN_LIMITS),
            ([claim_code, claim_submit], CLAIM_LIMITS),
        )
    ]
    return Router(
        "/",
        route_handlers=[
            *guarded,
            login_page,
            claim_page,
            logout,
            switch_language,
            cases_page,
            cases_bulk,
            case_page,
            case_act,
            sign_agreement,
            apply_for_confirmation,
            confirmation_act,
            schedule_video,
            pay,
            court_queue,
            file_lawsuit,
            litigation_page,
            litigation_act,
            intake_page,
            intake_upload,
            file_one,
            intake_template,
            dashboard,
            changes,
            video_page,
            video_invite,
            *notary.ROUTES,
            *procuratorate.ROUTES,
        ],
        exception_handlers=console_errors(),
        include_in_schema=False,
    )
