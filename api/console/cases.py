"""Console pages of mediation cases: the list, a case's page with the acts its state and the
access table allow, and every act from its form."""

from __future__ import annotations

import typing
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.console import i18n
from api.console.forms import AuthRequest, command_named, run_act, struct_from_form
from api.console.rendering import actor_label, badge, language, render, translator
from api.schemas.cases import case_out, event_out
from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.acts import CASE_ACTS
from application.read_models.case_list import CaseFilters
from application.shared import access
from application.shared.access import Principal
from application.shared.errors import NotFound
from domain.court.judicial_confirmation import (
    JudicialConfirmation,
    RefusalGround,
    RejectionGround,
)
from domain.shared.actors import Role
from domain.shared.errors import DomainError
from domain.shared.periods import SHANGHAI, shanghai_date
from domain.shared.video_session import VideoSession

# Acts the console offers no form for: the scheduler or the court's follower records them.
RECORDED_BY_THE_SYSTEM = frozenset(
    {"lapse_assignment", "expire_period", "record_transfer", "return_to_mediation"}
)
# Acts with pages of their own: the plan builder and the video session form.
OWN_FORMS = frozenset({"propose", "counter_propose", "schedule_session"})


@get("/console", include_in_schema=False, sync_to_thread=True)
def cases_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    today = shanghai_date(platform.center.clock())
    lang = language(request)
    page = platform.case_list.page(
        request.user, platform.center.config.deployment, CaseFilters(), today, limit=200
    )
    rows = [
        {
            **row,
            "deadline": badge(
                row.get("deadline_due"),
                today,
                lang,
                provisional=bool(row.get("deadline_provisional")),
            ),
        }
        for row in page.rows
    ]
    return render(request, "cases.html", rows=rows, watch="*")


INPUT_TYPES: dict[Any, str] = {
    int: "number",
    date: "date",
    datetime: "datetime-local",
    bool: "checkbox",
}


def form_fields(command: type[msgspec.Struct]) -> list[dict[str, Any]] | None:
    """Inputs for a command of text, number, date, time, yes/no and choice fields; None when
    it needs more (a repayment plan), which has pages of its own."""
    hints = typing.get_type_hints(command, include_extras=True)
    fields = []
    for field in msgspec.structs.fields(command):
        hint = hints[field.name]
        while typing.get_origin(hint) is Annotated:
            hint = typing.get_args(hint)[0]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        options = None
        if typing.get_origin(hint) is typing.Literal:
            options = list(typing.get_args(hint))
        elif len(args) == 1 and typing.get_origin(args[0]) is typing.Literal:
            options = list(typing.get_args(args[0]))
        elif hint not in (str, *INPUT_TYPES) and not (args and all(a is str for a in args)):
            return None
        fields.append(
            {
                "name": field.name,
                "options": options,
                "required": field.required and hint is not bool,
                "type": "select" if options else INPUT_TYPES.get(hint, "text"),
            }
        )
    return fields


ASSIGN = cmd.AssignMediator.act_name()


def _mediator_picker(platform: Platform, request: AuthRequest, today: date) -> dict[str, Any]:
    """The center's mediators to choose from, each with their open cases and those due within
    a week, instead of a user name to type."""
    t = translator(request)
    load = platform.case_list.mediator_load(today)
    center = platform.center.config.code
    options = [
        (
            account.username,
            t(
                "mediator_load",
                name=account.display_name or account.username,
                open=load.get(account.username, (0, 0))[0],
                due=load.get(account.username, (0, 0))[1],
            ),
        )
        for account in platform.directory.staff(center, Role.MEDIATOR)
    ]
    return {"name": "mediator", "options": options, "required": True, "type": "select"}


@get("/console/cases/{case_id:uuid}", include_in_schema=False, sync_to_thread=True)
def case_page(
    request: AuthRequest, case_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    now = platform.center.clock()
    today = shanghai_date(now)
    lang = language(request)
    case = platform.center.case(case_id, request.user)
    shown = case_out(case, now, platform.center.calendar)
    deadlines = [
        (label, badge(deadline.due, today, lang, provisional=deadline.provisional))
        for label, deadline in (
            ("mediation_period", case.period),
            ("acceptance_window", case.acceptance_window),
        )
        if deadline is not None
    ]
    allowed = set(case.acts_now())
    acts = []
    for command in CASE_ACTS:
        name, fields = command.act_name(), form_fields(command)
        if (
            name in i18n.ACTS
            and name in allowed
            and fields is not None
            and _may(request, case, name)
        ):
            if name == ASSIGN:
                fields = [_mediator_picker(platform, request, today)]
            acts.append({"name": name, "fields": fields})
    events = [
        {
            "when": e.occurred_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            if e.occurred_at
            else "",
            "type": e.type,
            "actor": actor_label(e.actor),
        }
        for e in (event_out(event) for event in platform.center.history(case_id, request.user))
    ]
    agreement = confirmation = None
    if case.agreement_id is not None:
        found, _ = platform.center.agreement(case.agreement_id, request.user)
        agreement = {
            "id": found.id,
            "state": str(found.state),
            "text": found.text,
            "text_sha256": found.text_sha256,
            "signed": sorted(found.signatures),
            "role": _signer(request.user, case, found),
            "schedule": found.statuses(today, platform.center.calendar)
            if found.state != "draft"
            else [],
            "pays": [
                act
                for act in ("record_payment", "report_payment")
                if found.state == "effective"
                and access.may(access.agreement_role, request.user, case, act, found.plan.creditor)
            ],
        }
        try:
            confirmation = platform.court.confirmation(
                JudicialConfirmation.create_id(found.id), request.user, case
            )
        except NotFound:
            confirmation = None
    hosting = platform.video.may_host(request.user, case.id)
    sessions = []
    for session in case.sessions:
        session_id = VideoSession.create_id(case.id, session.starts_at)
        try:
            video = platform.video.session(session_id)
        except NotFound:
            continue
        invited = video.participant_of(request.user.user_id) is not None
        if hosting or invited:
            sessions.append(
                {
                    "id": session_id,
                    "join": f"/video/{session_id}" if invited and not hosting else None,
                    "starts_at": session.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                }
            )
    watched = [case.id, *([case.agreement_id] if case.agreement_id else [])]
    if case.agreement_id:
        watched.append(JudicialConfirmation.create_id(case.agreement_id))
    return render(
        request,
        "case.html",
        watch=" ".join(str(i) for i in watched),
        hosting=hosting,
        sessions=sessions,
        case=shown,
        deadlines=deadlines,
        acts=acts,
        events=events,
        proposals=[
            {
                "number": p.number,
                "side": str(p.side) if p.side else "mediator",
                "total": p.plan.total_fen,
                "instalments": [(i.due_date.isoformat(), i.amount_fen) for i in p.plan.instalments],
            }
            for p in case.proposals
        ],
        builder="propose" in allowed and _may(request, case, "propose"),
        claim_total=case.filing.claim.total_fen,
        agreement=agreement,
        confirmation=confirmation,
        refusal_grounds=list(RefusalGround),
        rejection_grounds=list(RejectionGround),
        judge=access.sees_court_docket(request.user, platform.court.config.code),
        sides=bool(access.sides_of(request.user, case)),
    )


@post("/console/cases/{case_id:uuid}/video", include_in_schema=False, sync_to_thread=True)
def schedule_video(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    """The case's mediator schedules a session on the case and its video room together."""

    def run() -> Any:
        command = struct_from_form(cmd.ScheduleSession, data)
        platform.center.act(case_id, request.user, command)
        title = data.get("title", "")
        session = platform.video.schedule(case_id, request.user, title, command.starts_at)
        return ("video", session.id)

    return run_act(request, run, "schedule_session")


@post("/console/cases/{case_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def case_act(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    """Every act on a case from its form (the plan builder's plan comes as JSON)."""
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(CASE_ACTS, name), data)
        return platform.center.act(case_id, request.user, command).id

    return run_act(request, run, name)


def _may(request: AuthRequest, case: Any, act: str) -> bool:
    """The access table lets this user do `act` on this case (the state table allowed it)."""
    try:
        access.acting_side(request.user, case, act, None)
    except access.Forbidden:
        return False
    except DomainError:
        return True  # needs a field the form asks for
    return True


def _signer(principal: Principal, case: Any, agreement: Any) -> str | None:
    """Whom this user signs as, if they have not signed yet."""
    try:
        role = access.agreement_role(principal, case, "sign", agreement.plan.creditor)
    except access.Forbidden:
        return None
    return None if role in agreement.signatures else role
