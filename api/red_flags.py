"""HTTP resources of the procuratorate's red flags: the queue (by score), a flag's evidence
with its audit entries, and dismissal. Opening a supervision case from a flag is
`POST /api/supervision_cases` with `source: red_flag` and the flag's id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.security.jwt import Token

from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.commands import Text
from domain.procuratorate.red_flag import Indicator, RedFlag

AuthRequest = Request[Principal, Token, Any]


class EvidenceOut(msgspec.Struct):
    application: str
    aggregate_id: UUID
    version: int
    topic: str
    at: datetime
    entry: int | None  # its index in the audit log (None until the log holds it)


class FlaggedOut(msgspec.Struct):
    kind: str
    record_id: UUID


class RedFlagOut(msgspec.Struct):
    id: UUID
    version: int
    indicator: str
    key: str
    score: float
    state: str
    raised_at: datetime
    records: list[FlaggedOut]
    evidence: list[EvidenceOut]
    reason: str
    supervision_id: UUID | None


def flag_out(found: RedFlag, platform: Platform, *, entries: bool = False) -> RedFlagOut:
    """A flag; with `entries`, each piece of evidence with its audit entry's index."""
    indexes: dict[tuple[str, int], int] = {}
    if entries:
        ids = list(dict.fromkeys(str(e.aggregate_id) for e in found.evidence.values()))
        for leaf in platform.audit.store.leaves_of(ids):
            fields = leaf.fields
            indexes[(fields["aggregate_id"], fields["aggregate_version"])] = leaf.index
    return RedFlagOut(
        id=found.id,
        version=found.version,
        indicator=str(found.indicator),
        key=found.key,
        score=found.score,
        state=str(found.state),
        raised_at=found.raised_at,
        records=[FlaggedOut(str(r.kind), r.record_id) for r in found.records.values()],
        evidence=[
            EvidenceOut(
                e.application,
                e.aggregate_id,
                e.version,
                e.topic,
                e.at,
                indexes.get((str(e.aggregate_id), e.version)),
            )
            for e in found.evidence.values()
        ],
        reason=found.reason,
        supervision_id=found.supervision_id,
    )


@get(
    "/api/red_flags",
    sync_to_thread=True,
    summary="The red-flag queue",
    description="For the procuratorate's prosecutors: flags by score, highest first; filter by "
    "indicator and state.",
    tags=["procuratorate"],
)
def list_flags(
    request: AuthRequest,
    platform: NamedDependency[Platform],
    indicator: FromQuery[Indicator | None] = None,
    flag_state: Annotated[
        Literal["raised", "dismissed", "supervised"] | None, QueryParameter(name="state")
    ] = None,
) -> list[RedFlagOut]:
    found = platform.procuratorate.flags(request.user, indicator, flag_state)
    return [flag_out(f, platform) for f in found]


@get(
    "/api/red_flags/{flag_id:uuid}",
    sync_to_thread=True,
    summary="A red flag and its evidence",
    description="Each matched event with its audit entry, to prove with an inclusion proof.",
    tags=["procuratorate"],
)
def read_flag(
    request: AuthRequest, flag_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> RedFlagOut:
    return flag_out(platform.procuratorate.flag(flag_id, request.user), platform, entries=True)


class DismissIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[Text, msgspec.Meta(min_length=1)]


@post(
    "/api/red_flags/{flag_id:uuid}/dismiss",
    sync_to_thread=True,
    status_code=200,
    summary="Dismiss a red flag",
    description="With the reason (an event). Refused once the flag was dismissed or supervised.",
    tags=["procuratorate"],
)
def dismiss(
    request: AuthRequest,
    flag_id: FromPath[UUID],
    data: JSONBody[DismissIn],
    platform: NamedDependency[Platform],
) -> RedFlagOut:
    found = platform.procuratorate.dismiss_flag(flag_id, request.user, data.reason)
    return flag_out(found, platform)


def red_flags_router() -> Router:
    return Router("/", route_handlers=[list_flags, read_flag, dismiss])
