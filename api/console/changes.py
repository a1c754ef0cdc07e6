"""Live page updates, filtered per subscriber: a page hears only of what its user may see.

Saves publish `{"source": application, "ids": [...]}` on one channel (litestar Channels; Redis
carries it across server processes). A page that shows particular records subscribes with the
IDs it shows and the server's signature over them and its user (made when the page was
rendered, so nobody can watch IDs the server did not show them); a list page ("*") hears of a
saved case, court record or notarial matter only if its user may see it, decided by the one
access module as for any read.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from uuid import UUID

import anyio
from litestar import get
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import ServerSentEvent

from api.console.forms import AuthRequest
from api.console.rendering import ANY, CHANGES, watch_signature
from application.bootstrap import Platform
from application.shared import access
from application.shared.access import Principal
from application.shared.errors import NotFound


def visible_change(
    platform: Platform, principal: Principal, source: str, aggregate_id: str
) -> bool:
    """Whether a list page of this user hears that this aggregate was saved."""
    try:
        ident = UUID(aggregate_id)
        if source == platform.center.name:
            platform.center.case(ident, principal)
        elif source == platform.notary.name:
            platform.notary.matter(ident, principal)
        elif source == platform.court.name:
            court = platform.center.config.deployment.court
            return court is not None and access.sees_court_docket(principal, court)
        else:
            return False
    except (NotFound, ValueError):
        return False
    return True


@get("/console/changes", include_in_schema=False)
async def changes(
    request: AuthRequest,
    channels: NamedDependency[ChannelsPlugin],
    platform: NamedDependency[Platform],
    watch: FromQuery[str] = ANY,
    sig: FromQuery[str] = "",
) -> ServerSentEvent:
    """Server-sent events: the IDs of what was just saved that this page shows (or, for a
    list, that its user may see), so open pages refresh themselves."""
    principal = request.user
    watched: set[str] | None = None
    if watch != ANY:
        expected = watch_signature(platform.settings.jwt_secret(), principal.user_id, watch)
        watched = set(watch.split()) if hmac.compare_digest(expected, sig) else set()
    seen: set[str] = set()  # per connection, what it may see (a case it may not see yet can
    # become visible, by an assignment say, so only what it may see is remembered)

    async def shown(source: str, ids: list[str]) -> list[str]:
        """What this page hears of a save: the watched IDs it names; for a list page, the first
        one its user may see (a list reloads on any; a batch of thousands is not checked past
        the first hundred)."""
        if watched is not None:
            return [i for i in ids if i in watched]
        for aggregate_id in ids[:100]:
            if aggregate_id in seen or await anyio.to_thread.run_sync(
                visible_change, platform, principal, source, aggregate_id
            ):
                if len(seen) > 10_000:
                    seen.clear()
                seen.add(aggregate_id)
                return [aggregate_id]
        return []

    async def stream() -> AsyncIterator[str]:
        async with channels.start_subscription([CHANGES]) as subscriber:
            async for message in subscriber.iter_events():
                change = json.loads(message)
                ids = await shown(change.get("source", ""), change.get("ids", []))
                if ids:
                    yield json.dumps({"ids": ids})

    return ServerSentEvent(stream())
