"""HTTP resources of the procuratorate: supervision cases, their acts, file reads, and the
reads of a record for the institution that keeps it."""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token

from api.routing import act_route
from application.bootstrap import Platform
from application.procuratorate import commands as cmd
from application.procuratorate.acts import SUPERVISION_ACTS
from application.shared import access
from application.shared.access import Principal
from application.shared.commands import Command
from domain.procuratorate.supervision_case import FileRead, SupervisionCase

AuthRequest = Request[Principal, Token, Any]


class SubjectOut(msgspec.Struct):
    kind: str
    record_id: UUID
    institution: str
    label: str


class FileReadOut(msgspec.Struct):
    reader: str
    record_id: UUID
    parts: list[str]
    at: datetime


class SupervisionOut(msgspec.Struct):
    id: UUID
    version: int
    number: str
    state: str
    source: str
    target: str
    subjects: list[SubjectOut]
    summary: str
    applicant_name: str
    prosecutor: str | None
    review_deadline: str | None
    requested: list[UUID]
    reads: list[FileReadOut]
    decision: str | None
    addressee: str | None
    decision_text: str
    reply_deadline: str | None
    reply: str
    overdue: bool
    follow_ups: list[str]
    ground: str


def read_out(read: FileRead) -> FileReadOut:
    return FileReadOut(read.reader, read.record_id, list(read.parts), read.at)


def supervision_out(found: SupervisionCase, principal: Principal, code: str) -> SupervisionOut:
    """The whole case for the procuratorate's prosecutors; for an addressee's staff, the
    recommendation, its reply and the records it is about (not the review)."""
    whole = access.is_prosecutor(principal, code)
    return SupervisionOut(
        id=found.id,
        version=found.version,
        number=found.number,
        state=str(found.state),
        source=str(found.source),
        target=str(found.target),
        subjects=[
            SubjectOut(str(s.kind), s.record_id, s.institution, s.label) for s in found.subjects
        ],
        summary=found.summary if whole else "",
        applicant_name=found.applicant_name if whole else "",
        prosecutor=found.prosecutor if whole else None,
        review_deadline=found.review_deadline.due.isoformat() if found.review_deadline else None,
        requested=list(found.requested) if whole else [],
        reads=[read_out(r) for r in found.reads] if whole else [],
        decision=str(found.decision) if found.decision else None,
        addressee=found.addressee,
        decision_text=found.decision_text,
        reply_deadline=found.reply_deadline.due.isoformat() if found.reply_deadline else None,
        reply=found.reply,
        overdue=found.overdue,
        follow_ups=list(found.follow_ups),
        ground=found.ground if whole else "",
    )


def _out(platform: Platform, found: SupervisionCase, principal: Principal) -> SupervisionOut:
    return supervision_out(found, principal, platform.procuratorate.config.code)


@post(
    "/api/supervision_cases",
    sync_to_thread=True,
    status_code=201,
    summary="Open a supervision case",
    description=inspect.cleandoc(cmd.OpenSupervision.__doc__ or ""),
    tags=["procuratorate"],
)
def open_case(
    request: AuthRequest, data: JSONBody[cmd.OpenSupervision], platform: NamedDependency[Platform]
) -> SupervisionOut:
    return _out(platform, platform.procuratorate.open(request.user, data), request.user)


@get(
    "/api/supervision_cases",
    sync_to_thread=True,
    summary="Supervision cases",
    description="All of the procuratorate's for its prosecutors; those addressed to an "
    "institution for its staff. Newest first.",
    tags=["procuratorate"],
)
def list_cases(request: AuthRequest, platform: NamedDependency[Platform]) -> list[SupervisionOut]:
    return [_out(platform, c, request.user) for c in platform.procuratorate.cases(request.user)]


@get(
    "/api/supervision_cases/{supervision_id:uuid}",
    sync_to_thread=True,
    summary="Read a supervision case",
    description="For the procuratorate's prosecutors, and the addressee's staff once a "
    "recommendation is addressed to them.",
    tags=["procuratorate"],
)
def read_case(
    request: AuthRequest, supervision_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> SupervisionOut:
    return _out(platform, platform.procuratorate.case(supervision_id, request.user), request.user)


class FileContentOut(msgspec.Struct):
    case: SupervisionOut
    read: FileReadOut
    content: dict[str, Any]


@post(
    "/api/supervision_cases/{supervision_id:uuid}/read_file",
    sync_to_thread=True,
    status_code=200,
    summary="Read a subject's file",
    description=inspect.cleandoc(cmd.ReadFile.__doc__ or "")
    + " Only the assigned prosecutor; the parts are the record's fields.",
    tags=["procuratorate"],
)
def read_file(
    request: AuthRequest,
    supervision_id: FromPath[UUID],
    data: JSONBody[cmd.ReadFile],
    platform: NamedDependency[Platform],
) -> FileContentOut:
    done = platform.procuratorate.read_file(supervision_id, request.user, data)
    return FileContentOut(
        _out(platform, done.case, request.user), read_out(done.record), done.content
    )


def supervision_act(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one act on a supervision case."""

    def handler(
        request: AuthRequest,
        supervision_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> SupervisionOut:
        found = platform.procuratorate.act(supervision_id, request.user, data)
        return _out(platform, found, request.user)

    return act_route("supervision", command_type, handler)


class RecordReadOut(msgspec.Struct):
    supervision_number: str
    reader: str
    parts: list[str]
    at: datetime


@get(
    "/api/supervision_reads/{record_id:uuid}",
    sync_to_thread=True,
    summary="The procuratorate's reads of a record",
    description="Every read of this record under supervision (which case, who, which parts, "
    "when), for the staff of the institution that keeps the record.",
    tags=["procuratorate"],
)
def record_reads(
    request: AuthRequest, record_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> list[RecordReadOut]:
    return [
        RecordReadOut(number, r.reader, list(r.parts), r.at)
        for number, r in platform.procuratorate.reads_of(record_id, request.user)
    ]


def procuratorate_router() -> Router:
    return Router(
        "/",
        route_handlers=[
            open_case,
            list_cases,
            read_case,
            read_file,
            Router(
                "/api/supervision_cases",
                route_handlers=[supervision_act(c) for c in SUPERVISION_ACTS],
                tags=["procuratorate"],
            ),
            record_reads,
        ],
    )
