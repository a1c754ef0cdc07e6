"""HTTP resources for mediation cases: filing, lists, reads, history and one POST per act."""

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.security.jwt import Token

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
from application.mediation_center.app import ACTS
from application.read_models.case_list import CaseFilters
from application.shared.access import Principal
from domain.shared.errors import InvalidValue
from domain.shared.periods import shanghai_date

AuthRequest = Request[Principal, Token, Any]

# What each act does, for the OpenAPI description of its endpoint.
ACT_DESCRIPTIONS: dict[str, str] = {
    "accept": "Center staff accept a filed case.",
    "reject": "Center staff reject a filed case, with a reason (ends the case).",
    "refer": "Center staff refer an accepted case: pre-filing (委派, 30 days) or in-litigation "
    "(委托, 15 days ordinary, 7 summary). Assigns the docket number and starts the period.",
    "assign_mediator": "Center staff assign a mediator; the 3-working-day acceptance window "
    "starts.",
    "accept_assignment": "The assigned mediator accepts, with a disclosure of any conflict.",
    "decline_assignment": "The assigned mediator declines; the case returns to referred.",
    "lapse_assignment": "Center staff record that the acceptance window passed unanswered.",
    "consent_to_mediation": "A side consents to (online) mediation.",
    "refuse_mediation": "A side refuses mediation; the case fails (consent_refused).",
    "consent_to_electronic_service": "A side consents to electronic service at an address.",
    "schedule_session": "The mediator schedules a mediation session.",
    "propose": "A side (or the mediator) proposes a repayment plan.",
    "counter_propose": "The other side answers the latest proposal with a plan of its own.",
    "accept_proposal": "The other side accepts the latest proposal.",
    "consent_to_extension": "A side consents to extend the mediation period by N days; granted "
    "when both sides consent to the same N.",
    "draft_agreement": "The mediator drafts the repayment agreement from the accepted proposal "
    "(an unsigned earlier draft is superseded); the sides and the mediator then sign it.",
    "declare_failure": "The mediator declares the mediation failed, with a reason.",
    "expire_period": "Record that the mediation period ended without agreement (period_expired).",
    "withdraw": "The applicant withdraws the case.",
    "request_recusal": "A side asks for the mediator's recusal.",
    "grant_recusal": "Center staff grant the recusal; the case returns to referred.",
    "deny_recusal": "Center staff deny the recusal request.",
    "link_party": "Center staff link a party account to a side after checking an "
    "authorization (power of attorney).",
    "close": "Center staff close a settled case (agreement fulfilled or enforcement ended).",
    "return_to_mediation": "The court refused confirmation: the sides return to mediation.",
    "record_transfer": "A failed pre-filing case is docketed by the court (transfer).",
}


def _encode_cursor(seq: int | None) -> str | None:
    return None if seq is None else base64.urlsafe_b64encode(str(seq).encode()).decode()


def _decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
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
    description="The cases this user may see, newest first, from the case-list read model. "
    "Filters combine; `next_cursor` pages on.",
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
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    cursor: FromQuery[str | None] = None,
) -> CasePageOut:
    page = platform.case_list.page(
        request.user,
        platform.center_config().deployment,
        CaseFilters(case_state, mediator, applicant, dispute_type, deadline_within_days, overdue),
        shanghai_date(platform.center.clock()),
        limit=limit,
        cursor=_decode_cursor(cursor),
    )
    return CasePageOut([summary_out(r) for r in page.rows], _encode_cursor(page.next_cursor))


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
    case = platform.center.case(case_id, request.user, as_of)
    return case_out(case, as_of or platform.center.clock())


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


def act_handler(name: str, command_type: type[cmd.Command]) -> HTTPRouteHandler:
    """One POST endpoint for one lifecycle act."""

    def handler(
        request: AuthRequest,
        case_id: FromPath[UUID],
        data: JSONBody[command_type],  # type: ignore[valid-type]
        platform: NamedDependency[Platform],
    ) -> CaseOut:
        case = platform.center.act(case_id, request.user, data)
        return case_out(case, platform.center.clock())

    return act_route("case", name, ACT_DESCRIPTIONS[name], handler)


def cases_router() -> Router:
    acts = [act_handler(name, command_type) for command_type, (name, _) in ACTS.items()]
    return Router(
        "/api/cases",
        route_handlers=[file_case, file_bulk, list_cases, read_case, case_events, *acts],
        tags=["cases"],
    )
