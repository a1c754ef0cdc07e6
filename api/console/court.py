"""The court's console: the confirmation queue by the deadlines the court must meet, the
docket with a form to file a lawsuit, a page per lawsuit with the acts its state allows, and
the acts on a confirmation from the case page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.console.cases import form_fields
from api.console.forms import (
    AuthRequest,
    FormBody,
    command_named,
    nested_struct_from_form,
    run_act,
    struct_from_form,
)
from api.console.rendering import badge, language, render
from application.bootstrap import Platform
from application.court.acts import CONFIRMATION_ACTS, LITIGATION_ACTS
from application.court.commands import LawsuitIn
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
        if item.mediation_case_id is not None and item.mediation_case_id not in filings:
            filings[item.mediation_case_id] = platform.center.file_of(
                item.mediation_case_id
            ).filing_number
    return render(
        request,
        "court.html",
        rows=rows,
        docket=docket,
        filings=filings,
        lawsuit=access.may(
            access.check_court_act, request.user, platform.court.config.code, "file_lawsuit"
        ),
        watch="*",
    )


@post("/console/court/lawsuits", include_in_schema=False, sync_to_thread=True)
def file_lawsuit(
    request: AuthRequest,
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    """A lawsuit filed at the court's counter: the complaint's fields, the procedure."""

    def run() -> Any:
        lawsuit = nested_struct_from_form(LawsuitIn, data)
        return "litigation", platform.court.file_lawsuit(request.user, lawsuit).id

    return run_act(request, run, "file_lawsuit")


@get("/console/litigations/{litigation_id:uuid}", include_in_schema=False, sync_to_thread=True)
def litigation_page(
    request: AuthRequest, litigation_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    """A lawsuit for the court's judges and clerks: parties, claim, where it stands, the
    mediation it was entrusted to, and the acts its state allows them."""
    found = platform.court.litigation(litigation_id, request.user)
    allowed = set(found.acts_now())
    acts = []
    for command in LITIGATION_ACTS:
        name = command.act_name()
        if name in allowed and access.may(
            access.check_court_act, request.user, platform.court.config.code, name
        ):
            acts.append({"name": name, "fields": form_fields(command)})
    case = None
    if found.mediation_case_id is not None:
        try:
            file = platform.center.file_of(found.mediation_case_id)
            case = {"id": file.id, "filing_number": file.filing_number, "state": str(file.state)}
        except NotFound:
            case = {"id": None}  # entrusted a moment ago: the center is filing it
    return render(
        request, "litigation.html", litigation=found, case=case, acts=acts, watch=str(found.id)
    )


@post(
    "/console/litigations/{litigation_id:uuid}/act",
    include_in_schema=False,
    sync_to_thread=True,
)
def litigation_act(
    request: AuthRequest,
    litigation_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(LITIGATION_ACTS, name), data)
        return "litigation", platform.court.litigation_act(litigation_id, request.user, command).id

    return run_act(request, run, name)


@post(
    "/console/confirmations/{confirmation_id:uuid}/act",
    include_in_schema=False,
    sync_to_thread=True,
)
def confirmation_act(
    request: AuthRequest,
    confirmation_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(CONFIRMATION_ACTS, name), data)
        return platform.court.confirmation_act(
            confirmation_id, request.user, command
        ).mediation_case_id

    return run_act(request, run, name)
