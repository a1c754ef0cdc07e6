"""The procuratorate's console: the red-flag queue by score, a flag's evidence across
institutions, supervision cases with their deadlines and acts; and for the court, the center
and the notary office, the recommendations addressed to them, with the reply."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.console.forms import (
    REFUSALS,
    AuthRequest,
    FormBody,
    back_with,
    command_named,
    run_act,
    struct_from_form,
)
from api.console.rendering import badge, language, render
from application.bootstrap import Platform
from application.procuratorate import commands as cmd
from application.procuratorate.acts import SUPERVISION_ACTS
from application.shared import access
from application.shared.errors import NotFound
from domain.procuratorate.red_flag import Indicator
from domain.procuratorate.supervision_case import SupervisionCase
from domain.shared.periods import shanghai_date

Form = FormBody


def _deployment(platform: Platform) -> Any:
    return platform.center.config.deployment


@get("/console/procuratorate", include_in_schema=False, sync_to_thread=True)
def queue(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """The red-flag queue (highest score first, filtered by indicator and state) and the
    procuratorate's supervision cases."""
    if not access.may_open(request.user, "procuratorate", _deployment(platform)):
        raise NotFound("procuratorate")
    indicator = request.query_params.get("indicator") or None
    state = request.query_params.get("state", "raised") or None
    flags = platform.procuratorate.flags(request.user, indicator, state)
    return render(
        request,
        "procuratorate.html",
        flags=flags,
        cases=_rows(request, platform, platform.procuratorate.cases(request.user)),
        indicator=indicator or "",
        indicators=list(Indicator),
        state=state or "",
    )


def _rows(request: AuthRequest, platform: Platform, cases: list[SupervisionCase]) -> list[Any]:
    today = shanghai_date(platform.center.clock())
    lang = language(request)
    return [
        {
            "case": c,
            "review": badge(c.review_deadline.due, today, lang) if c.review_deadline else None,
            "reply": badge(c.reply_deadline.due, today, lang) if c.reply_deadline else None,
        }
        for c in cases
    ]


@get("/console/procuratorate/flags/{flag_id:uuid}", include_in_schema=False, sync_to_thread=True)
def flag_page(
    request: AuthRequest, flag_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    """A flag's evidence, oldest first, each event with its audit entry."""
    found = platform.procuratorate.flag(flag_id, request.user)
    ids = list(dict.fromkeys(str(e.aggregate_id) for e in found.evidence.values()))
    entries = {
        (leaf.fields["aggregate_id"], leaf.fields["aggregate_version"]): leaf.index
        for leaf in platform.audit.store.leaves_of(ids)
    }
    evidence = sorted(found.evidence.values(), key=lambda e: e.at)
    return render(
        request,
        "flag.html",
        flag=found,
        evidence=[(e, entries.get((str(e.aggregate_id), e.version))) for e in evidence],
    )


@post(
    "/console/procuratorate/flags/{flag_id:uuid}/act", include_in_schema=False, sync_to_thread=True
)
def flag_act(
    request: AuthRequest, flag_id: FromPath[UUID], data: Form, platform: NamedDependency[Platform]
) -> Redirect:
    """Dismiss a flag with a reason, or open a supervision case on its records."""
    name = data.get("act", "")

    def run() -> Any:
        if name == "dismiss":  # the flag's own two buttons: dismiss, or open a case
            platform.procuratorate.dismiss_flag(flag_id, request.user, data.get("reason", ""))
            return ("flag", flag_id)
        found = platform.procuratorate.flag(flag_id, request.user)
        opened = platform.procuratorate.open(
            request.user,
            cmd.OpenSupervision(
                source="red_flag",
                target="false_litigation",
                subjects=[
                    cmd.SubjectIn(kind=str(r.kind), record_id=r.record_id)  # type: ignore[arg-type]
                    for r in found.records.values()
                ],
                summary=data.get("summary", "").strip() or found.key,
                red_flag_id=found.id,
            ),
        )
        return ("supervision", opened.id)

    return run_act(request, run, name)


@get("/console/supervision", include_in_schema=False, sync_to_thread=True)
def addressed(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """Supervision cases: all of the procuratorate's for prosecutors; for the court, the
    center and the notary office, the recommendations addressed to them."""
    if not access.may_open(request.user, "supervision", _deployment(platform)):
        raise NotFound("supervision")
    cases = platform.procuratorate.cases(request.user)
    return render(request, "supervision_list.html", cases=_rows(request, platform, cases))


@get("/console/supervision/{case_id:uuid}", include_in_schema=False, sync_to_thread=True)
def supervision_page(
    request: AuthRequest, case_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    found = platform.procuratorate.case(case_id, request.user)
    code = platform.procuratorate.config.code
    [row] = _rows(request, platform, [found])
    return render(
        request,
        "supervision.html",
        row=row,
        sc=found,
        prosecutor=access.is_prosecutor(request.user, code),
        assigned=found.prosecutor == request.user.user_id,
        replies=access.may(access.check_supervision_act, request.user, code, "reply", found),
        names=_addressees(platform),
    )


def _addressees(platform: Platform) -> dict[str | None, str]:
    """The words for the deployment's institutions a recommendation goes to."""
    deployment = _deployment(platform)
    return {
        deployment.court: "addr_court",
        deployment.center: "addr_mediation_center",
        deployment.notary_office: "addr_notary_office",
    }


@post("/console/supervision/{case_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def supervision_act(
    request: AuthRequest, case_id: FromPath[UUID], data: Form, platform: NamedDependency[Platform]
) -> Redirect:
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(SUPERVISION_ACTS, name), data)
        platform.procuratorate.act(case_id, request.user, command)
        return ("supervision", case_id)

    return run_act(request, run, name)


@post("/console/supervision/{case_id:uuid}/read", include_in_schema=False, sync_to_thread=True)
def read_file(
    request: AuthRequest, case_id: FromPath[UUID], data: Form, platform: NamedDependency[Platform]
) -> Template | Redirect:
    """Reading is an act: the read is recorded, then the parts are shown on this page (and
    only here: looking again is another read)."""
    parts = [p.strip() for p in data.get("parts", "").replace("，", ",").split(",") if p.strip()]
    wanted = {"record_id": data.get("record_id", ""), "parts": parts}
    try:
        command = msgspec.convert(wanted, cmd.ReadFile, strict=False)
        done = platform.procuratorate.read_file(case_id, request.user, command)
    except REFUSALS as error:
        return back_with(request, error)
    shown = {
        part: json.dumps(value, ensure_ascii=False, indent=2)
        for part, value in done.content.items()
    }
    return render(request, "supervision_read.html", sc=done.case, read=done.record, content=shown)


ROUTES = [queue, flag_page, flag_act, addressed, supervision_page, supervision_act, read_file]
