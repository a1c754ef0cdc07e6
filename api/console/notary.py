"""Console pages of the notary office: the notaries' queue and matter page (acts, remote
session, issuance), and the applicant's own matters in the party portal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.console.forms import AuthRequest, FormBody, command_named, run_act, struct_from_form
from api.console.rendering import render
from api.video.sessions import ScheduleIn
from application.bootstrap import Platform
from application.notary_office import commands as cmd
from application.notary_office.acts import MATTER_ACTS
from application.shared import access
from application.shared.errors import NotFound
from domain.notary.notarial_matter import MatterType

MATTER_TYPES = [str(t) for t in MatterType]


@get("/console/notary", include_in_schema=False, sync_to_thread=True)
def matters_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    if not access.may_open(request.user, "notary", platform.center.config.deployment):
        raise NotFound("notary")
    return render(
        request,
        "notary.html",
        matters=platform.notary.matters(request.user),
        types=MATTER_TYPES,
        notary=access.may_open(request.user, "notary_office", platform.center.config.deployment),
        watch="*",
    )


@post("/console/notary", include_in_schema=False, sync_to_thread=True)
def new_matter(
    request: AuthRequest,
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    def run() -> Any:
        found = platform.notary.apply(request.user, struct_from_form(cmd.TakeApplication, data))
        return ("notary", found.id)

    return run_act(request, run, "apply")


@get("/console/notary/{matter_id:uuid}", include_in_schema=False, sync_to_thread=True)
def matter_page(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Template:
    found = platform.notary.matter(matter_id, request.user)
    issuance = found.issuance
    return render(
        request,
        "matter.html",
        matter=found,
        notary=access.may_open(request.user, "notary_office", platform.center.config.deployment),
        verification=platform.notary.verification_url(issuance.certificate_number)
        if issuance
        else None,
        watch=str(found.id),
    )


@post("/console/notary/{matter_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def matter_act(
    request: AuthRequest,
    matter_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    """Every notary act from its form; `video` schedules the matter's remote session."""
    name = data.get("act", "")

    def run() -> Any:
        if name == "video":  # the console's own step: a session, linked to the matter
            wanted = struct_from_form(ScheduleIn, data)
            session = platform.notary_video.schedule(
                matter_id, request.user, wanted.title, wanted.starts_at
            )
            platform.notary.act(matter_id, request.user, cmd.LinkSession(session_id=session.id))
            return ("video", session.id)
        command = struct_from_form(command_named(MATTER_ACTS, name), data)
        platform.notary.act(matter_id, request.user, command)
        return ("notary", matter_id)

    return run_act(request, run, name)


@get(
    "/console/notary/{matter_id:uuid}/certificate.pdf", include_in_schema=False, sync_to_thread=True
)
def matter_certificate(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    pdf = platform.notary.certificate_pdf(matter_id, request.user)
    return Response(pdf, media_type="application/pdf")


ROUTES = [matters_page, new_matter, matter_page, matter_act, matter_certificate]
