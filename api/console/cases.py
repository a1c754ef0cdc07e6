"""Console pages of mediation cases: the list, a case's page with the acts its state and the
access table allow, and every act from its form."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.console import i18n
from api.console.forms import (
    REFUSALS,
    AuthRequest,
    FormBody,
    back_with,
    command_named,
    refusal,
    run_act,
    struct_from_form,
)
from api.console.rendering import badge, language, people, render, translator
from api.schemas.cases import case_out, event_out
from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.acts import CASE_ACTS
from application.mediation_center.bulk import BulkActIn, act_on_each, distribute
from application.read_models.case_list import CaseFilters, Sort
from application.shared import access
from application.shared.access import Principal
from application.shared.errors import NotFound
from domain.court.judicial_confirmation import (
    JudicialConfirmation,
    RefusalGround,
    RejectionGround,
)
from domain.mediation.case_states import CaseState
from domain.shared.actors import Actor, Role
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.filing import DisputeType
from domain.shared.periods import SHANGHAI, shanghai_date
from domain.shared.video_session import VideoSession

# Acts the console offers no form for: the scheduler or the court's follower records them.
RECORDED_BY_THE_SYSTEM = frozenset(
    {"lapse_assignment", "expire_period", "record_transfer", "return_to_mediation"}
)
# Acts with pages of their own: the plan builder and the video session form.
OWN_FORMS = frozenset({"propose", "counter_propose", "schedule_session"})


PAGE_SIZE = 50
DEADLINES: dict[str, dict[str, Any]] = {
    "week": {"deadline_within_days": 7},
    "overdue": {"overdue": True},
}
# Acts on many cases at once from the list (center staff): one request, each case's result.
BULK_ACTS = ("accept", "refer", "assign_mediator", "distribute")


def _filters_from(query: Mapping[str, str], user: Principal) -> tuple[CaseFilters, Sort, int]:
    """The list's filters, order and offset from its URL (a mediator's default order is the
    nearest deadline first)."""
    known: dict[str, Any] = {
        "state": query.get("state") or None,
        "dispute_type": query.get("dispute_type") or None,
        "mediator": query.get("mediator") or None,
        "q": (query.get("q") or "").strip()[:100] or None,
        "todo": query.get("todo") or None,
        **DEADLINES.get(query.get("deadline", ""), {}),
    }
    default = Sort.DEADLINE if access.works_as_mediator(user) else Sort.NEWEST
    try:
        sort = Sort(query.get("sort") or default)
        offset = max(0, int(query.get("offset") or 0))
    except ValueError:
        sort, offset = default, 0
    return CaseFilters(**known), sort, offset


@get("/console", include_in_schema=False, sync_to_thread=True)
def cases_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """The case list: search, filters, order and pages with the total; the user's to-do
    lists; for center staff, boxes to act on many cases at once."""
    today = shanghai_date(platform.center.clock())
    lang = language(request)
    query = dict(request.query_params)
    filters, sort, offset = _filters_from(query, request.user)
    deployment = platform.center.config.deployment
    try:
        page = platform.case_list.page(
            request.user, deployment, filters, today, limit=PAGE_SIZE, sort=sort, offset=offset
        )
    except InvalidValue:  # another role's to-do list: this user's whole list instead
        filters = CaseFilters()
        page = platform.case_list.page(request.user, deployment, filters, today, PAGE_SIZE)
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
    kept = {k: v for k, v in query.items() if k != "offset" and v}
    staff = access.may(access.check_acts_on_many, request.user, deployment)
    return render(
        request,
        "cases.html",
        rows=rows,
        total=page.total,
        first=offset + 1 if rows else 0,
        last=offset + len(rows),
        previous=urlencode({**kept, "offset": max(0, offset - PAGE_SIZE)}) if offset else None,
        following=urlencode({**kept, "offset": offset + PAGE_SIZE})
        if offset + len(rows) < page.total
        else None,
        query=query,
        sort=sort,
        states=[str(s) for s in CaseState],
        dispute_types=[str(d) for d in DisputeType],
        mediators=_mediators(platform) if staff else [],
        bulk=BULK_ACTS if staff else (),
        picker=_mediator_picker(platform, request, today) if staff else None,
        watch="*",
    )


def _mediators(platform: Platform) -> list[tuple[str, str]]:
    """The center's mediators by name, for choosing."""
    center = platform.center.config.code
    return [
        (a.username, a.display_name or a.username)
        for a in platform.directory.staff(center, Role.MEDIATOR)
    ]


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
    person = people(platform)
    events = [
        {
            "when": e.occurred_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            if e.occurred_at
            else "",
            "type": e.type,
            **person(e.actor),
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
        mediator_name=person(Actor(case.mediator_id, Role.MEDIATOR, None)).get("who")
        if case.mediator_id
        else None,
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
    data: FormBody,
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


@post("/console/cases/bulk", include_in_schema=False, sync_to_thread=True)
def cases_bulk(
    request: AuthRequest,
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Template | Redirect:
    """One act on each case ticked in the list; each case's result listed."""
    t = translator(request)
    center = platform.center
    try:
        access.check_acts_on_many(request.user, center.config.deployment)
        selected = [UUID(k.removeprefix("case_")) for k in data if k.startswith("case_")]
        if not selected:
            raise InvalidValue("case_ids", t("nothing_selected"))
        act = data.get("act", "")
        fields = {"refer": "kind", "assign_mediator": "mediator"}.get(act)
        asked = {"act": act, "case_ids": selected}
        if fields and data.get(fields):
            asked[fields] = data[fields]
        wanted = msgspec.convert(asked, BulkActIn)
        command = wanted.command()
    except (*REFUSALS, ValueError) as error:
        return back_with(request, error)
    if command is not None:
        outcomes = act_on_each(center, request.user, selected, command)
    else:
        today = shanghai_date(center.clock())
        mediators = [m for m, _ in _mediators(platform)]
        load = platform.case_list.mediator_load(today)
        outcomes = distribute(center, request.user, selected, mediators, load)
    names = dict(_mediators(platform))
    rows = []
    for outcome in outcomes:
        try:
            number = center.case(outcome.case_id, request.user).filing_number
        except REFUSALS:
            number = str(outcome.case_id)
        rows.append(
            {
                "case_id": outcome.case_id,
                "filing_number": number,
                "result": refusal(request, outcome.error)
                if outcome.error is not None
                else " · ".join(
                    [t(str(outcome.state)), *([names.get(m, m)] if (m := outcome.mediator) else [])]
                ),
                "ok": outcome.error is None,
            }
        )
    done = sum(1 for row in rows if row["ok"])
    return render(
        request,
        "bulk.html",
        act=wanted.act,
        rows=rows,
        summary=t("bulk_done", done=done, refused=len(rows) - done),
    )


@post("/console/cases/{case_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def case_act(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: FormBody,
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
