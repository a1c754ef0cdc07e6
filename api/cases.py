"""HTTP resources for mediation cases: filing, lists, reads, history and one POST per act."""

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.security.jwt import Token

from api import problems
from api.routing import MiB, act_route
from api.schemas.cases import (
    BulkFiledOut,
    CaseOut,
    CasePageOut,
    EventOut,
    FiledOut,
    case_out,
    event_out,
    summary_out,
)
from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.acts import CASE_ACTS
from application.mediation_center.bulk import BulkActIn, act_on_each, distribute
from application.read_models.case_list import CaseFilters, Sort
from application.shared import access
from application.shared.access import Principal
from application.shared.commands import Command
from domain.shared.actors import Role
from domain.shared.errors import InvalidValue
from domain.shared.periods import check_date, shanghai_date

AuthRequest = Request[Principal, Token, Any]


def _encode_cursor(sort: Sort, position: int | None) -> str | None:
    """Opaque to clients: the sort order and where the next page starts in it."""
    if position is None:
        return None
    return base64.urlsafe_b64encode(f"{sort}:{position}".encode()).decode()


def _decode_cursor(sort: Sort, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        issued, _, position = base64.urlsafe_b64decode(cursor.encode()).decode().rpartition(":")
        if (issued or Sort.NEWEST) != sort:
            raise InvalidValue("cursor", "was issued for another sort order")
        return int(position)
    except (ValueError, UnicodeDecodeError):
        raise InvalidValue("cursor", "not a cursor this API issued") from None


@post(
    "/",
    sync_to_thread=True,
    summary="File a case",
    description="Files one dispute in the stable filing shape. An agent files for its own "
    "institution; a party for themself. The case gets its filing number at once.",
    request_max_body_size=MiB,
)
def file_case(
    request: AuthRequest, data: JSONBody[cmd.FilingIn], platform: NamedDependency[Platform]
) -> FiledOut:
    case = platform.center.file(request.user, data)
    return FiledOut(case.id, case.filing_number)


@post(
    "/bulk",
    sync_to_thread=True,
    summary="File up to 10,000 cases at once",
    description="All or nothing: one atomic save. Every bad row is reported with its 0-based "
    "row index and the field; then nothing is stored. Bodies over 16 MiB answer 413.",
    request_max_body_size=16 * MiB,
)
def file_bulk(
    request: AuthRequest, data: JSONBody[cmd.BulkFilingIn], platform: NamedDependency[Platform]
) -> BulkFiledOut:
    cases = platform.center.file_bulk(request.user, data.filings)
    return BulkFiledOut(len(cases), [FiledOut(c.id, c.filing_number) for c in cases])


@get(
    "/",
    sync_to_thread=True,
    summary="List cases",
    description="The cases this user may see, from the case-list read model: newest first, or "
    "by nearest deadline (`sort=deadline`). Filters combine; `q` finds a filing or docket "
    "number (or part of one), a name, an ID number, a credit code or a phone; `total` counts "
    "every match and `next_cursor` pages on.",
)
def list_cases(
    request: AuthRequest,
    platform: NamedDependency[Platform],
    case_state: Annotated[
        str | None, QueryParameter(name="state", description="case state")
    ] = None,
    mediator: FromQuery[str | None] = None,
    applicant: Annotated[
        str | None, QueryParameter(description="applicant institution code")
    ] = None,
    dispute_type: FromQuery[str | None] = None,
    deadline_within_days: Annotated[int | None, QueryParameter(ge=0, le=3650)] = None,
    overdue: FromQuery[bool] = False,
    q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    sort: FromQuery[Sort] = Sort.NEWEST,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    cursor: FromQuery[str | None] = None,
) -> CasePageOut:
    filters = CaseFilters(
        case_state, mediator, applicant, dispute_type, deadline_within_days, overdue, q
    )
    page = platform.case_list.page(
        request.user,
        platform.center.config.deployment,
        filters,
        shanghai_date(platform.center.clock()),
        limit=limit,
        cursor=_decode_cursor(sort, cursor),
        sort=sort,
    )
    return CasePageOut(
        [summary_out(r) for r in page.rows], _encode_cursor(sort, page.next_cursor), page.total
    )


@get(
    "/{case_id:uuid}",
    sync_to_thread=True,
    summary="Read a case",
    description="The case now, or with `as_of` (an ISO 8601 instant with offset) as it stood "
    "then, by the events' occurred_at.",
)
def read_case(
    request: AuthRequest,
    case_id: FromPath[UUID],
    platform: NamedDependency[Platform],
    as_of: FromQuery[datetime | None] = None,
) -> CaseOut:
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidValue("as_of", "must carry a time zone offset")
    if as_of is not None:
        check_date(as_of, "as_of")
    case = platform.center.case(case_id, request.user, as_of)
    return case_out(case, as_of or platform.center.clock(), platform.center.calendar)


@get(
    "/{case_id:uuid}/events",
    sync_to_thread=True,
    summary="A case's full event history",
    description="Every event in order, each with its actor, role, institution and occurred_at.",
)
def case_events(
    request: AuthRequest, case_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> list[EventOut]:
    return [event_out(e) for e in platform.center.history(case_id, request.user)]


def act_handler(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one lifecycle act."""

    def handler(
        request: AuthRequest,
        case_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> CaseOut:
        case = platform.center.act(case_id, request.user, data)
        return case_out(case, platform.center.clock(), platform.center.calendar)

    return act_route("case", command_type, handler)


class OutcomeOut(msgspec.Struct):
    case_id: UUID
    ok: bool
    state: str | None  # the case's state after the act
    mediator: str | None  # and its mediator (whom a distribution chose)
    problem: dict[str, Any] | None  # why not, as the act alone would have answered


class OutcomesOut(msgspec.Struct):
    done: int
    refused: int
    results: list[OutcomeOut]


@post(
    "/acts",
    sync_to_thread=True,
    status_code=200,
    summary="Act on many cases at once",
    description="Center staff accept, refer, assign or distribute (assign each to the "
    "mediator with the fewest open cases) up to 500 selected cases: each case is its own act, "
    "and each result is listed with the problem details the act alone would have answered.",
    request_max_body_size=MiB,
)
def act_on_many(
    request: AuthRequest, data: JSONBody[BulkActIn], platform: NamedDependency[Platform]
) -> OutcomesOut:
    center = platform.center
    access.check_acts_on_many(request.user, center.config.deployment)
    command = data.command()
    if command is not None:
        outcomes = act_on_each(center, request.user, data.case_ids, command)
    else:
        today = shanghai_date(center.clock())
        staff = platform.directory.staff(center.config.code, Role.MEDIATOR)
        mediators = [account.username for account in staff]
        load = platform.case_list.mediator_load(today)
        outcomes = distribute(center, request.user, data.case_ids, mediators, load)
    results = [
        OutcomeOut(o.case_id, o.error is None, o.state, o.mediator, _problem_of(request, o.error))
        for o in outcomes
    ]
    done = sum(r.ok for r in results)
    return OutcomesOut(done, len(results) - done, results)


def _problem_of(request: AuthRequest, error: Exception | None) -> dict[str, Any] | None:
    """The problem details one case's failure maps to (the one error mapping)."""
    if error is None:
        return None
    answer = problems.handle(request, error)
    return dict(answer.content)


def cases_router() -> Router:
    acts = [act_handler(command_type) for command_type in CASE_ACTS]
    return Router(
        "/api/cases",
        route_handlers=[
            file_case,
            file_bulk,
            act_on_many,
            list_cases,
            read_case,
            case_events,
            *acts,
        ],
        tags=["cases"],
    )
