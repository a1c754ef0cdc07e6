"""The party portal's account claim: a one-time code to the phone, the ID number's last 6."""

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Router, post
from litestar.di import NamedDependency
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, JSONBody

from api.auth import CLAIM_LIMITS
from application.bootstrap import Platform


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=12)]
    id_suffix: Annotated[str, msgspec.Meta(min_length=6, max_length=6)]
    username: Annotated[str, msgspec.Meta(max_length=64)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


class CodeSent(msgspec.Struct):
    sent: bool


class ClaimedOut(msgspec.Struct):
    username: str
    role: str


@post(
    "/api/portal/invitations/{invitation_id:uuid}/code",
    sync_to_thread=True,
    status_code=202,
    exclude_from_auth=True,
    summary="Send a one-time code",
    description="Sends a one-time code to the phone of the invitation (at most one a minute). "
    "The answer is the same whether or not the invitation exists.",
    tags=["portal"],
)
def send_code(invitation_id: FromPath[UUID], platform: NamedDependency[Platform]) -> CodeSent:
    platform.invitations.send_code(invitation_id)
    return CodeSent(sent=True)


@post(
    "/api/portal/invitations/{invitation_id:uuid}/claim",
    sync_to_thread=True,
    status_code=201,
    exclude_from_auth=True,
    summary="Claim a portal account",
    description="With the one-time code and the last 6 characters of the ID number, creates "
    "the party account tied to that ID number; it then sees every case in which it is a side. "
    "A wrong code or suffix claims nothing (400, one message for both); after 5 wrong tries "
    "the invitation is locked for 15 minutes (409, rule throttled).",
    tags=["portal"],
)
def claim(
    invitation_id: FromPath[UUID], data: JSONBody[ClaimIn], platform: NamedDependency[Platform]
) -> ClaimedOut:
    session = platform.directory.claim(
        invitation_id, data.code, data.id_suffix, data.username, data.password
    )
    return ClaimedOut(session.principal.user_id, str(session.principal.role))


def portal_router(attempts_per_minute: int) -> Router:
    """Claims are rate-limited per client address, like sign-in."""
    limit = RateLimitConfig(rate_limit=("minute", attempts_per_minute), store=CLAIM_LIMITS)
    return Router("/", route_handlers=[send_code, claim], middleware=[limit.middleware])
