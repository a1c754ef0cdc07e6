"""The court's console: the confirmation queue by the deadlines the court must meet, the
docket, and its acts on a confirmation from the case page."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.console.forms import AuthRequest, command_named, run_act, struct_from_form
from api.console.rendering import badge, language, render
from application.bootstrap import Platform
from application.court.acts import CONFIRMATION_ACTS
from application.read_models.timers import pending_timers
from application.shared import access
from application.shared.errors import NotFound
from domain.shared.periods import shanghai_date


@get("/console/court", include_in_schema=False, sync_to_thread=True)
def court_queue(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """The court's confirmation queue: applications to accept and cases to rule on, by the
    deadline the court itself must meet."""
    if not access.may_open(request.user, "court", platform.center.config.deployment):
        raise NotFound("court queue")
    today = shanghai_date(platform.center.clock())
    lang = language(request)
    rows = []
    for confirmation_id, timer, due in pending_timers(platform.case_list.view, "confirmation"):
        if timer == "application_window":
            continue  # not yet before the court: one side has applied
        found = platform.court.confirmation(confirmation_id, request.user)
        case = platform.center.file_of(found.mediation_case_id)
        rows.append(
            {
                "case_id": case.id,
                "filing_number": case.filing_number,
                "docket_number": found.docket_number,
                "state": str(found.state),
                "timer": timer,
                "deadline": badge(due, today, lang),
            }
        )
    docket = platform.court.docket(request.user)
    filings = {}
    for item in (*docket["litigation"], *docket["rulings"], *docket["enforcement"]):
        if item.mediation_case_id not in filings:
            filings[item.mediation_case_id] = platform.center.file_of(
                item.mediation_case_id
            ).filing_number
    return render(request, "court.html", rows=rows, docket=docket, filings=filings, watch="*")


@post(
    "/console/confirmations/{confirmation_id:uuid}/act",
    include_in_schema=False,
    sync_to_thread=True,
)
def confirmation_act(
    request: AuthRequest,
    confirmation_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(CONFIRMATION_ACTS, name), data)
        return platform.court.confirmation_act(
            confirmation_id, request.user, command
        ).mediation_case_id

    return run_act(request, run, name)
