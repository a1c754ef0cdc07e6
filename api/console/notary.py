"""Console pages of the notary office: the notaries' queue and matter page (acts, remote
session, issuance), and the applicant's own matters in the party portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.console.pages import AuthRequest, console_errors, render, run_act
from application.bootstrap import Platform
from application.shared.errors import NotFound
from domain.notary.notarial_matter import MatterType
from domain.shared.actors import Role
from domain.shared.errors import InvalidValue
from domain.shared.identity import normalize_id_number
from domain.shared.periods import SHANGHAI

MATTER_TYPES = [str(t) for t in MatterType]


@get("/console/notary", include_in_schema=False, sync_to_thread=True)
def matters_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    if request.user.role not in (Role.NOTARY, Role.PARTY):
        raise NotFound("notary")
    return render(
        request,
        "notary.html",
        matters=platform.notary.matters(request.user),
        types=MATTER_TYPES,
        notary=request.user.role is Role.NOTARY,
        watch="*",
    )


@dataclass
class MatterForm:
    matter_type: str
    applicant_name: str
    applicant_id_number: str
    document_text: str = ""
    related_id: str = ""
    lives_abroad: str = ""
    remote: str = ""


@post("/console/notary", include_in_schema=False, sync_to_thread=True)
def new_matter(
    request: AuthRequest,
    data: Annotated[MatterForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    def run() -> Any:
        try:
            kind = MatterType(data.matter_type)
        except ValueError:
            raise InvalidValue("matter_type", "not a matter the office takes") from None
        try:
            related = UUID(data.related_id) if data.related_id.strip() else None
        except ValueError:
            raise InvalidValue("related_id", "must be an ID") from None
        found = platform.notary.apply(
            request.user,
            kind,
            data.applicant_name,
            normalize_id_number(data.applicant_id_number, "applicant_id_number"),
            lives_abroad=bool(data.lives_abroad),
            remote=bool(data.remote),
            document_text=data.document_text,
            related_id=related,
        )
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
        notary=request.user.role is Role.NOTARY,
        verification=platform.notary.verification_url(issuance.certificate_number)
        if issuance
        else None,
        watch=str(found.id),
    )


@post("/console/notary/{matter_id:uuid}/act", include_in_schema=False, sync_to_thread=True)
def matter_act(
    request: AuthRequest,
    matter_id: FromPath[UUID],
    data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    platform: NamedDependency[Platform],
) -> Redirect:
    """Every notary act by name; issuance renders, signs and records the certificate."""
    act = data.get("act", "")

    def run() -> Any:
        if act == "issue":
            platform.notary.issue(matter_id, request.user)
        elif act == "video":
            starts_at = datetime.fromisoformat(data.get("starts_at", "")).replace(tzinfo=SHANGHAI)
            session = platform.notary_video.schedule(
                matter_id, request.user, data.get("title", ""), starts_at
            )
            platform.notary.act(matter_id, request.user, "link_session", session_id=session.id)
            return ("video", session.id)
        else:
            params: dict[str, Any] = {
                k: v for k, v in data.items() if k not in ("act", "_csrf_token") and v != ""
            }
            if "passed" in params:
                params["passed"] = params["passed"] == "yes"
            params["accepts_enforcement"] = bool(params.get("accepts_enforcement"))
            platform.notary.act(matter_id, request.user, act, **params)
        return ("notary", matter_id)

    return run_act(request, run, act)


@get(
    "/console/notary/{matter_id:uuid}/certificate.pdf", include_in_schema=False, sync_to_thread=True
)
def matter_certificate(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    pdf = platform.notary.certificate_pdf(matter_id, request.user)
    return Response(pdf, media_type="application/pdf")


def notary_console_router() -> Router:
    return Router(
        "/",
        route_handlers=[matters_page, new_matter, matter_page, matter_act, matter_certificate],
        exception_handlers=console_errors(),
        include_in_schema=False,
    )
