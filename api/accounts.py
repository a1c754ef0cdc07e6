"""Keeping accounts: deactivation (every session ends at once) and reactivation, as acts."""

from __future__ import annotations

import msgspec
from litestar import Router, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.auth import SessionRequest
from application.bootstrap import Platform


class DeactivateIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class AccountOut(msgspec.Struct):
    username: str
    active: bool


@post(
    "/{username:str}/deactivate",
    sync_to_thread=True,
    status_code=200,
    summary="Deactivate an account",
    description="The center's staff, for accounts of their center, of parties and of outside "
    "institutions. Sign-in is refused and every session ends in every server process within "
    "a second.",
)
def deactivate(
    request: SessionRequest,
    username: FromPath[str],
    data: JSONBody[DeactivateIn],
    platform: NamedDependency[Platform],
) -> AccountOut:
    deployment = platform.center.config.deployment
    platform.directory.set_active(
        request.user, deployment, username, active=False, reason=data.reason
    )
    return AccountOut(username, active=False)


@post(
    "/{username:str}/reactivate",
    sync_to_thread=True,
    status_code=200,
    summary="Reactivate an account",
    description="The same staff; the account signs in again (old sessions stay ended).",
)
def reactivate(
    request: SessionRequest, username: FromPath[str], platform: NamedDependency[Platform]
) -> AccountOut:
    deployment = platform.center.config.deployment
    platform.directory.set_active(request.user, deployment, username, active=True)
    return AccountOut(username, active=True)


def accounts_router() -> Router:
    return Router("/api/accounts", route_handlers=[deactivate, reactivate], tags=["accounts"])
