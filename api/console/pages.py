"""The web console: server-rendered pages (Jinja2, autoescaped) over the same applications.

Signed in with the API's HttpOnly SameSite cookie; forms carry litestar's CSRF token. A page
needing a sign-in redirects to /login. Chinese by default, English by switch or browser.
"""

from __future__ import annotations

import json
import typing
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.channels import ChannelsPlugin
from litestar.datastructures import Cookie, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.security.jwt import JWTCookieAuth, Token

from api.console import i18n
from api.schemas.cases import case_out, event_out
from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.app import ACTS
from application.mediation_center.spreadsheet import filings_from, template_csv, template_xlsx
from application.read_models.case_list import CaseFilters, center_figures
from application.read_models.timers import pending_timers
from application.shared.access import Forbidden, Principal, acting_side, agreement_role, sides_of
from application.shared.errors import AlreadyExists, BatchInvalid, ConcurrencyConflict, NotFound
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.shared.actors import Role
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.periods import SHANGHAI, shanghai_date
from domain.shared.video_session import ParticipantRole, VideoSession

TEMPLATES = Path(__file__).parent / "templates"
CHANGES = "changes"  # the channel carrying the IDs of aggregates saved by this process
AuthRequest = Request[Principal, Token, Any]


def _language(request: Request[Any, Any, Any]) -> str:
    return i18n.choose(request.cookies.get("lang"), request.headers.get("accept-language"))


def _translator(request: Request[Any, Any, Any]) -> Any:
    return i18n.translator(_language(request))


def render(request: Request[Any, Any, Any], name: str, **context: Any) -> Template:
    lang = _language(request)
    user = request.scope.get("user")
    return Template(
        template_name=name,
        context={
            "lang": lang,
            "t": i18n.translator(lang),
            "yuan": lambda fen: f"{fen // 100:,}.{fen % 100:02d}",
            "user": user,
            "path": request.url.path,
            "flash": request.query_params.get("flash"),
            "flash_kind": request.query_params.get("kind", "ok"),
            **context,
        },
    )


def _badge(due: date | str | None, today: date, lang: str, *, provisional: bool = False) -> Any:
    if due is None:
        return None
    day = date.fromisoformat(due) if isinstance(due, str) else due
    t = i18n.translator(lang)
    left = (day - today).days
    if left < 0:
        return {"due": day.isoformat(), "kind": "overdue", "text": t("overdue")}
    text = t("days_left", n=left) + (f" ({t('provisional')})" if provisional else "")
    return {"due": day.isoformat(), "kind": "provisional" if provisional else "", "text": text}


# --- sign-in ------------------------------------------------------------------------------------


@get("/login", exclude_from_auth=True, include_in_schema=False)
async def login_page(
    request: Request[Any, Any, Any], next_page: FromQuery[str] = "/console"
) -> Template:
    return render(request, "login.html", next=_safe_next(next_page), username="")


@dataclass
class LoginForm:
    username: str
    password: str
    next: str = "/console"


def _safe_next(target: str) -> str:
    """Only back into the console: never an open redirect."""
    return target if target.startswith("/console") and "//" not in target else "/console"


@post("/login", exclude_from_auth=True, include_in_schema=False, sync_to_thread=True)
def login_submit(
    request: Request[Any, Any, Any],
    data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    principal = platform.directory.authenticate(data.username, data.password)
    if principal is None:
        page = render(
            request,
            "login.html",
            next=_safe_next(data.next),
            username=data.username,
            flash=_translator(request)("wrong_login"),
            flash_kind="error",
        )
        page.status_code = 401
        return page
    return _signed_in_response(request, principal, _safe_next(data.next))


def _signed_in_response(
    request: Request[Any, Any, Any], principal: Principal, target: str
) -> Redirect:
    auth: JWTCookieAuth[Principal, Token] = request.app.state.auth
    token = auth.create_token(
        identifier=principal.user_id,
        token_extras={
            "role": str(principal.role),
            "institution": principal.institution,
            "id_number": principal.id_number,
            "name": principal.display_name,
        },
    )
    cookie = Cookie(
        key=auth.key,
        value=token,
        httponly=True,
        samesite="strict",
        secure=auth.secure,
        max_age=int(auth.default_token_expiration.total_seconds()),
        path="/",
    )
    return Redirect(target, status_code=303, cookies=[cookie])


@get("/portal/claim/{invitation_id:uuid}", exclude_from_auth=True, include_in_schema=False)
async def claim_page(request: Request[Any, Any, Any], invitation_id: FromPath[UUID]) -> Template:
    """The party portal's first page, from the SMS link: claim the account."""
    return render(request, "claim.html", invitation_id=invitation_id, user=None)


@post(
    "/portal/claim/{invitation_id:uuid}/code",
    exclude_from_auth=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def claim_code(
    request: Request[Any, Any, Any],
    invitation_id: FromPath[UUID],
    platform: NamedDependency[Platform],
) -> Redirect:
    """The same answer whether or not the invitation exists (at most one code a minute)."""
    platform.invitations.send_code(invitation_id)
    t = _translator(request)
    return Redirect(f"/portal/claim/{invitation_id}?flash={quote(t('code_sent'))}", status_code=303)


@dataclass
class ClaimForm:
    code: str
    id_suffix: str
    username: str
    password: str


@post(
    "/portal/claim/{invitation_id:uuid}",
    exclude_from_auth=True,
    include_in_schema=False,
    sync_to_thread=True,
)
def claim_submit(
    request: Request[Any, Any, Any],
    invitation_id: FromPath[UUID],
    data: Annotated[ClaimForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    """A wrong code or ID suffix claims nothing; repeated failures lock the invitation."""
    try:
        principal = platform.directory.claim(
            invitation_id, data.code, data.id_suffix, data.username, data.password
        )
    except (DomainError, AlreadyExists) as error:
        page = render(
            request,
            "claim.html",
            invitation_id=invitation_id,
            user=None,
            flash=str(getattr(error, "detail", None) or getattr(error, "message", None) or error),
            flash_kind="error",
        )
        page.status_code = 400
        return page
    return _signed_in_response(request, principal, "/console")


@post("/logout", include_in_schema=False)
async def logout(request: AuthRequest) -> Redirect:
    auth: JWTCookieAuth[Principal, Token] = request.app.state.auth
    response = Redirect("/login", status_code=303)
    response.delete_cookie(auth.key, path="/")
    return response


@get("/lang/{code:str}", exclude_from_auth=True, include_in_schema=False)
async def switch_language(code: FromPath[str], next_page: FromQuery[str] = "/console") -> Redirect:
    target = next_page if next_page.startswith("/") and "//" not in next_page else "/console"
    response = Redirect(target, status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


# --- cases ----------------------------------------------------------------------------------------


@get("/console", include_in_schema=False, sync_to_thread=True)
def cases_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    today = shanghai_date(platform.center.clock())
    lang = _language(request)
    page = platform.case_list.page(
        request.user, platform.center_config().deployment, CaseFilters(), today, limit=200
    )
    rows = [
        {
            **row,
            "deadline": _badge(
                row.get("deadline_due"),
                today,
                lang,
                provisional=bool(row.get("deadline_provisional")),
            ),
        }
        for row in page.rows
    ]
    return render(request, "cases.html", rows=rows, watch="*")


def _form_fields(command: type[msgspec.Struct]) -> list[dict[str, Any]] | None:
    """Inputs for a command with only text and choice fields; None when it needs more (a
    repayment plan), which has pages of its own."""
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
        elif hint is not int and hint is not str and not (args and all(a is str for a in args)):
            return None
        fields.append(
            {
                "name": field.name,
                "options": options,
                "required": field.required,
                "number": hint is int,
            }
        )
    return fields


@get("/console/cases/{case_id:uuid}", include_in_schema=False, sync_to_thread=True)
def case_page(
    request: AuthRequest, case_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    now = platform.center.clock()
    today = shanghai_date(now)
    lang = _language(request)
    case = platform.center.case(case_id, request.user)
    shown = case_out(case, now)
    deadlines = [
        (label, _badge(deadline.due, today, lang, provisional=deadline.provisional))
        for label, deadline in (
            ("mediation_period", case.period),
            ("acceptance_window", case.acceptance_window),
        )
        if deadline is not None
    ]
    allowed = set(case.acts_now()) | {"consent_to_electronic_service"}
    acts = []
    for command, (name, _) in ACTS.items():
        fields = _form_fields(command)
        if (
            name in i18n.ACTS
            and name in allowed
            and fields is not None
            and _may(request, case, name)
        ):
            acts.append({"name": name, "fields": fields})
    events = [
        {
            "when": e.occurred_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            if e.occurred_at
            else "",
            "type": e.type,
            "actor": _actor(e.actor),
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
            "role": _signer(request, case, found),
            "schedule": found.statuses(today, platform.center.calendar)
            if found.state != "draft"
            else [],
            "pays": [
                act
                for act in ("record_payment", "report_payment")
                if found.state == "effective" and _pays(request, case, act, found)
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
        judge=request.user.role in (Role.JUDGE, Role.COURT_CLERK),
        sides=bool(sides_of(request.user, case)),
    )


@dataclass
class VideoForm:
    title: str
    starts_at: str  # a datetime-local value, Shanghai time
    duration_minutes: int = 60


@post("/console/cases/{case_id:uuid}/video", include_in_schema=False, sync_to_thread=True)
def schedule_video(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: Annotated[VideoForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    """The case's mediator schedules a session on the case and its video room together."""

    def run() -> Any:
        try:
            starts_at = datetime.fromisoformat(data.starts_at).replace(tzinfo=SHANGHAI)
        except ValueError:
            raise InvalidValue("starts_at", "must be a date and time") from None
        command = cmd.ScheduleSession(starts_at=starts_at, duration_minutes=data.duration_minutes)
        platform.center.act(case_id, request.user, command)
        session = platform.video.schedule(case_id, request.user, data.title, starts_at)
        return ("video", session.id)

    return run_act(request, run, "schedule_session")


@get("/console/video/{session_id:uuid}", include_in_schema=False, sync_to_thread=True)
def video_page(
    request: AuthRequest, session_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    sessions = platform.video_sessions(session_id)
    found = sessions.hosted(session_id, request.user)
    token = sessions.host_token(session_id, request.user)
    held_by_notary = sessions is platform.notary_video
    return render(
        request,
        "video.html",
        back=f"/console/{'notary' if held_by_notary else 'cases'}/{found.subject_id}",
        session=found,
        room=f"/video/{session_id}#t={token}",
        invitation=request.query_params.get("link"),
    )


@dataclass
class InviteForm:
    name: str
    role: str


@post("/console/video/{session_id:uuid}/invite", include_in_schema=False, sync_to_thread=True)
def video_invite(
    request: AuthRequest,
    session_id: FromPath[UUID],
    data: Annotated[InviteForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    sessions = platform.video_sessions(session_id)
    until = platform.center.clock() + timedelta(hours=platform.settings.invitation_hours)
    try:
        role = ParticipantRole(data.role)
        _, _, token = sessions.invite(session_id, request.user, data.name, role, until)
    except (ValueError, DomainError) as error:
        detail = quote(str(getattr(error, "detail", None) or error))
        return Redirect(f"/console/video/{session_id}?kind=error&flash={detail}", status_code=303)
    link = f"{platform.settings.public_url.rstrip('/')}/video/{session_id}#t={token}"
    return Redirect(f"/console/video/{session_id}?link={quote(link)}", status_code=303)


@get("/console/court", include_in_schema=False, sync_to_thread=True)
def court_queue(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """The court's confirmation queue: applications to accept and cases to rule on, by the
    deadline the court itself must meet."""
    if request.user.role not in (Role.JUDGE, Role.COURT_CLERK):
        raise NotFound("court queue")
    today = shanghai_date(platform.center.clock())
    lang = _language(request)
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
                "deadline": _badge(due, today, lang),
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


INTAKE_ROLES = (Role.CENTER_ADMIN, Role.APPLICANT_AGENT, Role.GRID_WORKER)


@get("/console/intake", include_in_schema=False, sync_to_thread=True)
def intake_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """Batch filing from a spreadsheet; for center staff, the filings waiting to be accepted."""
    if request.user.role not in INTAKE_ROLES:
        raise NotFound("intake")
    today = shanghai_date(platform.center.clock())
    waiting = []
    if request.user.role is Role.CENTER_ADMIN:
        waiting = platform.case_list.page(
            request.user,
            platform.center_config().deployment,
            CaseFilters(state="filed"),
            today,
            limit=200,
        ).rows
    return render(request, "intake.html", waiting=waiting, errors=[], watch="*")


@post("/console/intake", include_in_schema=False, sync_to_thread=True)
def intake_upload(
    request: AuthRequest,
    data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
    platform: NamedDependency[Platform],
) -> Template | Redirect:
    """Taken whole or refused whole; every bad cell is listed by row and field."""
    if request.user.role not in INTAKE_ROLES:
        raise NotFound("intake")
    t = _translator(request)
    rows, errors = filings_from(data.file.read(), data.filename or "upload.csv")
    filings: list[cmd.FilingIn] = []
    for index, row in enumerate(rows):
        try:
            filings.append(msgspec.convert(row, cmd.FilingIn))
        except msgspec.ValidationError as error:
            message, _, where = str(error).partition(" - at `$.")
            errors.append((index, where.rstrip("`") or "row", message))
    if not errors and not filings:
        errors.append((0, "file", t("no_rows")))
    if not errors:
        try:
            platform.center.file_bulk(request.user, filings)
        except BatchInvalid as invalid:
            errors = invalid.errors
        except (DomainError, Forbidden) as error:
            errors = [(0, "file", str(getattr(error, "detail", None) or error))]
    if errors:
        page = render(
            request,
            "intake.html",
            waiting=[],
            errors=[{"row": r + 1, "field": f, "message": m} for r, f, m in errors[:1000]],
            flash=t("batch_refused", n=len(errors)),
            flash_kind="error",
        )
        page.status_code = 400
        return page
    return Redirect(
        f"/console/intake?flash={quote(t('batch_filed', n=len(filings)))}", status_code=303
    )


@get("/console/intake/template/{kind:str}", include_in_schema=False)
async def intake_template(kind: FromPath[str]) -> Response[bytes]:
    if kind == "xlsx":
        return Response(
            template_xlsx(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": 'attachment; filename="filings.xlsx"'},
        )
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="filings.csv"'},
    )


def _bars(rows: list[dict[str, Any]], key: str, scale: float, unit: str) -> dict[str, Any]:
    """A server-side SVG bar chart's geometry (the template draws it)."""
    width, height, gap = 640, 200, 4
    step = width / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        value = float(row[key] or 0)
        bar = height * value / scale if scale else 0
        bars.append(
            {
                "x": round(index * step + gap / 2, 1),
                "y": round(height - bar, 1),
                "w": round(step - gap, 1),
                "h": round(bar, 1),
                "label": str(row["label"]),
                "value": f"{value:.0f}{unit}",
            }
        )
    return {"width": width, "height": height, "bars": bars}


@get("/console/dashboard", include_in_schema=False, sync_to_thread=True)
def dashboard(
    request: AuthRequest,
    platform: NamedDependency[Platform],
    group: FromQuery[str] = "month",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
) -> Template:
    """The center's figures: cases filed, amounts at stake, success rate, time to resolution,
    share transferred to court, default rate; by month, mediator or applicant institution."""
    if request.user.role is not Role.CENTER_ADMIN:
        raise NotFound("dashboard")
    if group not in ("month", "mediator", "applicant"):
        group = "month"
    today = shanghai_date(platform.center.clock())
    start = since or today.replace(year=today.year - 1).isoformat()
    end = until or (today + timedelta(days=1)).isoformat()
    rows = center_figures(platform.case_list.view, group, start, end)
    for row in rows:
        concluded = row["concluded"] or 0
        row["success"] = 100 * (row["agreed"] or 0) / concluded if concluded else 0
        row["transferred_share"] = 100 * (row["transferred"] or 0) / concluded if concluded else 0
    took_effect, defaults = platform.center.agreement_counts()
    filed = sum(r["filed"] for r in rows)
    concluded = sum(r["concluded"] or 0 for r in rows)
    totals = {
        "filed": filed,
        "at_stake_fen": sum(r["at_stake_fen"] or 0 for r in rows),
        "success": 100 * sum(r["agreed"] or 0 for r in rows) / concluded if concluded else 0,
        "transferred": 100 * sum(r["transferred"] or 0 for r in rows) / concluded
        if concluded
        else 0,
        "default_rate": 100 * defaults / took_effect if took_effect else 0,
    }
    return render(
        request,
        "dashboard.html",
        rows=rows,
        totals=totals,
        group=group,
        since=start,
        until=end,
        filed_chart=_bars(rows, "filed", max([r["filed"] for r in rows] or [1]), ""),
        success_chart=_bars(rows, "success", 100, "%"),
        watch="*",
    )


def _pays(request: AuthRequest, case: Any, act: str, agreement: Any) -> bool:
    try:
        agreement_role(request.user, case, act, agreement.plan.creditor)
    except Forbidden:
        return False
    return True


@dataclass
class PaymentForm:
    act: str
    instalment: int
    amount_yuan: str
    paid_on: str


@post("/console/agreements/{agreement_id:uuid}/pay", include_in_schema=False, sync_to_thread=True)
def pay(
    request: AuthRequest,
    agreement_id: FromPath[UUID],
    data: Annotated[PaymentForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    """The creditor records a payment; the debtor reports one for the creditor to confirm."""

    def run() -> Any:
        try:
            amount = Decimal(data.amount_yuan.strip())
        except InvalidOperation:
            raise InvalidValue("amount_yuan", "must be an amount in yuan") from None
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidValue("amount_yuan", "at most two decimals")
        kind = cmd.RecordPayment if data.act == "record_payment" else cmd.ReportPayment
        command = msgspec.convert(
            {
                "instalment": data.instalment,
                "amount_fen": int(amount * 100),
                "paid_on": data.paid_on,
            },
            kind,
        )
        return platform.center.agreement_act(agreement_id, request.user, command)[1].id

    return run_act(request, run, data.act)


def _signer(request: AuthRequest, case: Any, agreement: Any) -> str | None:
    """Whom this user signs as, if they have not signed yet."""
    try:
        role = agreement_role(request.user, case, "sign", agreement.plan.creditor)
    except Forbidden:
        return None
    return None if role in agreement.signatures else role


@post("/console/agreements/{agreement_id:uuid}/sign", include_in_schema=False, sync_to_thread=True)
def sign_agreement(
    request: AuthRequest,
    agreement_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    def run() -> Any:
        command = msgspec.convert({"text_sha256": data.get("text_sha256", "")}, cmd.SignAgreement)
        return platform.center.agreement_act(agreement_id, request.user, command)[1].id

    return run_act(request, run, "sign")


@post(
    "/console/agreements/{agreement_id:uuid}/apply_for_confirmation",
    include_in_schema=False,
    sync_to_thread=True,
)
def apply_for_confirmation(
    request: AuthRequest, agreement_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Redirect:
    def run() -> Any:
        agreement, case = platform.center.agreement(agreement_id, request.user)
        platform.court.apply_for_confirmation(agreement, case, request.user)
        return case.id

    return run_act(request, run, "apply_for_confirmation")


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
    act = data.get("act", "")

    def run() -> Any:
        found = platform.court.confirmation_act(
            confirmation_id, request.user, act, data.get("reason", "")
        )
        return found.mediation_case_id

    return run_act(request, run, act)


def run_act(request: AuthRequest, run: Any, act: str) -> Redirect:
    """Run an act from a form and go back to its case with what happened."""
    t = _translator(request)
    try:
        case_id = run()
    except (msgspec.ValidationError, DomainError, Forbidden, ConcurrencyConflict) as error:
        detail = quote(t("refused", detail=str(getattr(error, "detail", None) or error)))
        referer = request.headers.get("referer", "/console").split("?")[0]
        target = referer if "/console" in referer else "/console"
        return Redirect(f"{target}?kind=error&flash={detail}", status_code=303)
    done = quote(t("done", act=t(act)))
    if isinstance(case_id, tuple):  # (page, id): on to a session's or a matter's page
        page, target = case_id
        path = {"video": "/console/video", "notary": "/console/notary"}[page]
        return Redirect(f"{path}/{target}?flash={done}", status_code=303)
    return Redirect(f"/console/cases/{case_id}?flash={done}", status_code=303)


def _may(request: AuthRequest, case: Any, act: str) -> bool:
    """The access table says this user may do `act` on this case (the state table allowed it)."""
    try:
        acting_side(request.user, case, act, None)
    except Forbidden:
        return False
    except DomainError:
        return True  # needs a field the form asks for
    return True


def _actor(actor: Any) -> str:
    if actor is None:
        return ""
    where = f", {actor.institution}" if actor.institution else ""
    return f"{actor.actor_id} ({actor.role}{where})"


_COMMANDS = {name: command for command, (name, _) in ACTS.items()}


@post("/console/cases/{case_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def case_act(
    request: AuthRequest,
    case_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    t = _translator(request)
    name = data.get("act", "")
    fields: dict[str, Any] = {
        k: v for k, v in data.items() if k not in ("act", "_csrf_token") and v != ""
    }
    if "plan" in fields:  # the plan builder's instalments, as JSON
        try:
            fields["plan"] = json.loads(fields["plan"])
        except ValueError:
            fields["plan"] = None
    target = f"/console/cases/{case_id}"
    try:
        command = msgspec.convert(fields, _COMMANDS[name], strict=False)
        platform.center.act(case_id, request.user, command)
    except KeyError:
        return Redirect(
            f"{target}?kind=error&flash={quote(t('refused', detail=name))}", status_code=303
        )
    except (msgspec.ValidationError, DomainError, Forbidden, ConcurrencyConflict) as error:
        detail = quote(t("refused", detail=str(getattr(error, "detail", None) or error)))
        return Redirect(f"{target}?kind=error&flash={detail}", status_code=303)
    return Redirect(f"{target}?flash={quote(t('done', act=t(name)))}", status_code=303)


@get("/console/changes", include_in_schema=False)
async def changes(channels: NamedDependency[ChannelsPlugin]) -> ServerSentEvent:
    """Server-sent events: the IDs of what was just saved, so open pages refresh themselves
    (through litestar Channels; a Redis backend carries them across server processes)."""

    async def stream() -> AsyncIterator[str]:
        async with channels.start_subscription([CHANGES]) as subscriber:
            async for message in subscriber.iter_events():
                yield message.decode() if isinstance(message, bytes) else str(message)

    return ServerSentEvent(stream())


def _to_login(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return Redirect(f"/login?next_page={quote(request.url.path)}", status_code=303)


def _not_found(_request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return Redirect("/console?kind=error&flash=404", status_code=303)


def console_errors() -> dict[Any, Any]:
    """Pages send a visitor without a sign-in to /login, and a missing page to the list."""
    return {
        NotAuthorizedException: _to_login,
        PermissionDeniedException: _to_login,
        NotFound: _not_found,
    }


def console_router(attempts_per_minute: int) -> Router:
    """Sign-in and account claims are rate-limited per client address, as in the API."""
    limit = RateLimitConfig(rate_limit=("minute", attempts_per_minute))
    guarded = Router(
        "/",
        route_handlers=[login_submit, claim_code, claim_submit],
        middleware=[limit.middleware],
        exception_handlers=console_errors(),
        include_in_schema=False,
    )
    return Router(
        "/",
        route_handlers=[
            guarded,
            login_page,
            claim_page,
            logout,
            switch_language,
            cases_page,
            case_page,
            case_act,
            sign_agreement,
            apply_for_confirmation,
            confirmation_act,
            schedule_video,
            pay,
            court_queue,
            intake_page,
            intake_upload,
            intake_template,
            dashboard,
            changes,
            video_page,
            video_invite,
        ],
        exception_handlers=console_errors(),
        include_in_schema=False,
    )
