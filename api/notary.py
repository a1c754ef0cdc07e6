"""HTTP resources of the notary office: matters, certificates and public verification."""

from __future__ import annotations

import base64
import binascii
import inspect
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.security.jwt import Token

from api.audit import EntryOut, entry_out
from api.court import EnforcementOut, enforcement_out
from api.routing import act_route
from api.schemas.video import SessionOut, session_out
from api.video.sessions import ScheduleIn
from application.bootstrap import Platform
from application.notary_office import commands as cmd
from application.notary_office.acts import MATTER_ACTS
from application.shared.access import Principal
from application.shared.commands import Command
from domain.notary.notarial_matter import NotarialMatter
from domain.shared.errors import InvalidValue

AuthRequest = Request[Principal, Token, Any]
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-fA-F]{64}$")]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
PAGE = Path(__file__).parent / "static"


class IssuanceOut(msgspec.Struct):
    certificate_number: str
    pdf_sha256: str
    signer_fingerprint: str
    issued_at: datetime
    verification_url: str


class MatterOut(msgspec.Struct):
    id: UUID
    version: int
    matter_type: str
    state: str
    applicant_name: str
    remote: bool
    lives_abroad: bool
    document_sha256: str
    related_id: UUID | None
    fee_fen: int
    refusal_reasons: list[str]
    identity_checks: list[dict[str, Any]]
    answers: list[dict[str, str]]
    video_session_id: UUID | None
    signing_method: str | None
    paper_original: str | None
    enforcement_accepted: bool
    letter_deadline: str | None
    letter_sha256: str | None
    issuance: IssuanceOut | None
    revocation_reason: str | None
    # The letter's delivery (its deadline runs from it) and the debtor's replies or objections.
    letter_delivery: dict[str, Any] | None = None
    debtor_answers: list[dict[str, Any]] = msgspec.field(default_factory=list)


def matter_out(found: NotarialMatter, platform: Platform) -> MatterOut:
    issuance = found.issuance
    return MatterOut(
        id=found.id,
        version=found.version,
        matter_type=str(found.matter_type),
        state=str(found.state),
        applicant_name=found.applicant_name,
        remote=found.remote,
        lives_abroad=found.lives_abroad,
        document_sha256=found.document_sha256,
        related_id=found.related_id,
        fee_fen=found.fee_fen,
        refusal_reasons=found.refusal_reasons,
        identity_checks=[
            {
                "method": str(c.method),
                "passed": c.passed,
                "attempt": c.attempt,
                "operator": c.operator,
                "at": c.at.isoformat(),
            }
            for c in found.identity_checks
        ],
        answers=[{"question": a.question, "answer": a.answer} for a in found.answers],
        video_session_id=found.video_session_id,
        signing_method=str(found.signing_method) if found.signing_method else None,
        paper_original=found.paper_original,
        enforcement_accepted=found.enforcement_accepted_by is not None,
        letter_deadline=found.letter_deadline.due.isoformat() if found.letter_deadline else None,
        letter_sha256=found.letter_sha256,
        letter_delivery=msgspec.to_builtins(found.letter_delivery)
        if found.letter_delivery
        else None,
        debtor_answers=[msgspec.to_builtins(a) for a in found.debtor_answers],
        issuance=IssuanceOut(
            issuance.certificate_number,
            issuance.pdf_sha256,
            issuance.signer_fingerprint,
            issuance.issued_at,
            platform.notary.verification_url(issuance.certificate_number),
        )
        if issuance
        else None,
        revocation_reason=found.revocation_reason,
    )


@post(
    "/api/notarial_matters",
    sync_to_thread=True,
    status_code=201,
    summary="Take a notarial application",
    description=inspect.cleandoc(cmd.TakeApplication.__doc__ or ""),
    tags=["notary"],
)
def apply(
    request: AuthRequest, data: JSONBody[cmd.TakeApplication], platform: NamedDependency[Platform]
) -> MatterOut:
    return matter_out(platform.notary.apply(request.user, data), platform)


@get(
    "/api/notarial_matters/{matter_id:uuid}",
    sync_to_thread=True,
    summary="Read a notarial matter",
    description="For the office's notaries and the applicant.",
    tags=["notary"],
)
def read_matter(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> MatterOut:
    return matter_out(platform.notary.matter(matter_id, request.user), platform)


def matter_act(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one notary's act on a matter."""

    def handler(
        request: AuthRequest,
        matter_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> MatterOut:
        return matter_out(platform.notary.act(matter_id, request.user, data), platform)

    return act_route("matter", command_type, handler)


@get(
    "/api/notarial_matters/{matter_id:uuid}/certificate.pdf",
    sync_to_thread=True,
    summary="The signed certificate",
    tags=["notary"],
)
def certificate_pdf(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    pdf = platform.notary.certificate_pdf(matter_id, request.user)
    return Response(pdf, media_type="application/pdf")


@get(
    "/api/notarial_matters/{matter_id:uuid}/letter.pdf",
    sync_to_thread=True,
    summary="The verification letter served on the debtor",
    tags=["notary"],
)
def letter_pdf(
    request: AuthRequest, matter_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    return Response(
        platform.notary.letter_pdf(matter_id, request.user), media_type="application/pdf"
    )


class VerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    certificate_number: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    sha256: Sha256 | None = None
    pdf_base64: Annotated[str, msgspec.Meta(max_length=16 * 1024 * 1024)] | None = None


class VerifyOut(msgspec.Struct):
    certificate_number: str
    found: bool
    genuine: bool
    current: bool
    revoked: bool
    detail: str
    matter_type: str | None
    issued_at: datetime | None
    pdf_sha256: str | None
    signature_intact: bool | None
    signer_fingerprint: str | None
    audit_entry: EntryOut | None
    checkpoint: str | None


@post(
    "/api/certificates/verify",
    exclude_from_auth=True,
    sync_to_thread=True,
    status_code=200,
    summary="Verify a notarial certificate",
    description="Anyone: the certificate number and the PDF (base64) or its SHA-256. Genuine "
    "means the very file issued under that number with its signature intact and trusted; "
    "current means not revoked. The answer carries the `Issued` event's audit-trail entry "
    "with its inclusion proof against the latest signed checkpoint.",
    tags=["notary"],
    request_max_body_size=24 * 1024 * 1024,
)
def verify(data: JSONBody[VerifyIn], platform: NamedDependency[Platform]) -> VerifyOut:
    if (data.sha256 is None) == (data.pdf_base64 is None):
        raise InvalidValue("pdf_base64", "give either the PDF (base64) or its sha256")
    pdf = None
    if data.pdf_base64 is not None:
        try:
            pdf = base64.b64decode(data.pdf_base64, validate=True)
        except (binascii.Error, ValueError):  # ValueError: characters beyond ASCII
            raise InvalidValue("pdf_base64", "is not base64") from None
    checked = platform.notary.verify(data.certificate_number, pdf, data.sha256)
    entry, note = None, None
    if checked.matter_id is not None:
        note = platform.audit.latest()
        size = int(note.split("\n")[1])
        issued = [
            leaf
            for leaf in platform.audit.store.leaves_of([str(checked.matter_id)])
            if leaf.index < size and str(leaf.fields.get("topic", "")).endswith(".Issued")
        ]
        entry = entry_out(platform, issued[0].index, size) if issued else None
    signature = checked.signature
    return VerifyOut(
        certificate_number=checked.certificate_number,
        found=checked.found,
        genuine=checked.genuine,
        current=checked.current,
        revoked=checked.revoked,
        detail=checked.detail,
        matter_type=checked.matter_type,
        issued_at=checked.issued_at,
        pdf_sha256=checked.pdf_sha256,
        signature_intact=signature.intact if signature else None,
        signer_fingerprint=signature.signer_fingerprint if signature else None,
        audit_entry=entry,
        checkpoint=note,
    )


@get("/verify", exclude_from_auth=True, include_in_schema=False)
async def verify_page() -> File:
    return File(PAGE / "verify.html", content_disposition_type="inline", media_type="text/html")


class NotarizedEnforcementIn(msgspec.Struct, forbid_unknown_fields=True):
    certificate_number: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


@post(
    "/api/enforcements/notarized",
    sync_to_thread=True,
    status_code=201,
    summary="Apply for enforcement of a notarized instrument",
    description="The creditor side applies to the court with the notary's enforcement "
    "certificate; the court's enforcement case takes the notarized agreement as its basis.",
    tags=["court"],
)
def apply_notarized(
    request: AuthRequest,
    data: JSONBody[NotarizedEnforcementIn],
    platform: NamedDependency[Platform],
) -> EnforcementOut:
    certificate = platform.notary.enforcement_certificate(data.certificate_number)
    assert certificate.related_id is not None
    instrument = platform.notary.load(certificate.related_id, NotarialMatter)
    assert instrument.related_id is not None
    agreement, case = platform.center.agreement(instrument.related_id, request.user)
    return enforcement_out(
        platform.court.apply_for_notarized_enforcement(
            certificate, instrument, agreement, case, request.user
        )
    )


@post(
    "/api/notarial_matters/{matter_id:uuid}/video_sessions",
    sync_to_thread=True,
    status_code=201,
    summary="Schedule a remote notarization",
    description="A notary of the office schedules the matter's video session (held and recorded "
    "by the notary office) and links it to the matter; invite the applicant as for any session.",
    tags=["notary"],
)
def schedule_notarization(
    request: AuthRequest,
    matter_id: FromPath[UUID],
    data: JSONBody[ScheduleIn],
    platform: NamedDependency[Platform],
) -> SessionOut:
    platform.notary.matter(matter_id, request.user)
    session = platform.notary_video.schedule(matter_id, request.user, data.title, data.starts_at)
    platform.notary.act(matter_id, request.user, cmd.LinkSession(session_id=session.id))
    return session_out(session)


def notary_router() -> Router:
    return Router(
        "/",
        route_handlers=[
            apply,
            read_matter,
            Router(
                "/api/notarial_matters",
                route_handlers=[matter_act(c) for c in MATTER_ACTS],
                tags=["notary"],
            ),
            certificate_pdf,
            letter_pdf,
            verify,
            verify_page,
            apply_notarized,
            schedule_notarization,
        ],
    )
