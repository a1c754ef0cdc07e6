"""HTTP resources for repayment agreements: the signed text, signatures, payments, default."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.security.jwt import Token

from api.routing import act_route
from application.bootstrap import Platform
from application.mediation_center.acts import AGREEMENT_ACTS
from application.shared.access import Principal
from application.shared.commands import Command
from domain.mediation.repayment_agreement import RepaymentAgreement
from domain.shared.periods import check_date, shanghai_date

AuthRequest = Request[Principal, Token, Any]


class SignatureOut(msgspec.Struct):
    signer: str
    signed_by: str
    method: str
    text_sha256: str
    signed_at: datetime


class PaymentOut(msgspec.Struct):
    number: int
    instalment: int
    amount_fen: int
    paid_on: date
    recorded_by: str
    reported: bool


class ReportOut(msgspec.Struct):
    number: int
    instalment: int
    amount_fen: int
    paid_on: date
    reported_by: str
    pending: bool


class InstalmentOut(msgspec.Struct):
    number: int
    due_date: date
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    grace_ends: date
    default_after: date
    overdue: bool
    in_default: bool


class AgreementOut(msgspec.Struct):
    id: UUID
    case_id: UUID
    version: int
    state: str
    proposal: int | None
    text: str
    text_sha256: str
    plan: dict[str, Any]
    signatures: list[SignatureOut]
    awaiting_signatures: list[str]
    effective_on: date | None
    payments: list[PaymentOut]
    payment_reports: list[ReportOut]
    paid_fen: int
    balance_fen: int
    status_on: date
    instalments: list[InstalmentOut]
    defaulted_on: date | None
    accelerated: bool
    overdue_instalments: list[int]


def agreement_out(agreement: RepaymentAgreement, platform: Platform, on: date) -> AgreementOut:
    statuses = agreement.statuses(on, platform.center.calendar)
    return AgreementOut(
        id=agreement.id,
        case_id=agreement.case_id,
        version=agreement.version,
        state=str(agreement.state),
        proposal=agreement.proposal,
        text=agreement.text,
        text_sha256=agreement.text_sha256,
        plan=msgspec.to_builtins(agreement.plan),
        signatures=[
            SignatureOut(s.signer, s.signed_by, str(s.method), s.text_sha256, s.signed_at)
            for s in agreement.signatures.values()
        ],
        awaiting_signatures=[
            s for s in ("applicant", "respondent", "mediator") if s not in agreement.signatures
        ],
        effective_on=agreement.effective_on,
        payments=[
            PaymentOut(p.number, p.instalment, p.amount_fen, p.paid_on, p.recorded_by, p.reported)
            for p in agreement.payments
        ],
        payment_reports=[
            ReportOut(
                r.number,
                r.instalment,
                r.amount_fen,
                r.paid_on,
                r.reported_by,
                r.number in agreement.pending_reports,
            )
            for r in agreement.reports
        ],
        paid_fen=agreement.paid_fen,
        balance_fen=agreement.plan.total_fen - agreement.paid_fen,
        status_on=on,
        instalments=[
            InstalmentOut(
                s.number,
                s.due_date,
                s.amount_fen,
                s.paid_fen,
                s.outstanding_fen,
                s.grace_ends,
                s.default_after,
                s.overdue,
                s.in_default,
            )
            for s in statuses
        ],
        defaulted_on=agreement.defaulted_on,
        accelerated=agreement.accelerated,
        overdue_instalments=agreement.overdue_instalments,
    )


@get(
    "/{agreement_id:uuid}",
    sync_to_thread=True,
    summary="Read a repayment agreement",
    description="The canonical text and its SHA-256 (what signers sign), signatures, payments, "
    "and each instalment's status on `on` (default: today in Shanghai).",
)
def read_agreement(
    request: AuthRequest,
    agreement_id: FromPath[UUID],
    platform: NamedDependency[Platform],
    on: FromQuery[date | None] = None,
) -> AgreementOut:
    agreement, _ = platform.center.agreement(agreement_id, request.user)
    on = check_date(on, "on") if on is not None else shanghai_date(platform.center.clock())
    return agreement_out(agreement, platform, on)


def act_handler(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one act on an agreement."""

    def handler(
        request: AuthRequest,
        agreement_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> AgreementOut:
        agreement, _ = platform.center.agreement_act(agreement_id, request.user, data)
        return agreement_out(agreement, platform, shanghai_date(platform.center.clock()))

    return act_route("agreement", command_type, handler)


@get(
    "/{agreement_id:uuid}/document.pdf",
    sync_to_thread=True,
    summary="The agreement as a signed PDF",
    description="The canonical text (zh-CN, then English) rendered with a CJK font embedded and "
    "sealed PAdES under the mediation center's certificate; the same file every time.",
)
def agreement_pdf(
    request: AuthRequest, agreement_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    agreement, _ = platform.center.agreement(agreement_id, request.user)
    code = platform.center.config.deployment.center
    center = platform.directory.institution(code)
    pdf = platform.documents.issue(
        f"agreement-{agreement.id}-{agreement.text_sha256[:16]}",
        (code, center.name if center else code),
        "调解协议书",
        "Mediation agreement",
        agreement.text + f"\n\nSHA-256: {agreement.text_sha256}",
        f"{platform.settings.public_url.rstrip('/')}/api/agreements/{agreement.id}",
    )
    return Response(pdf, media_type="application/pdf")


def agreements_router() -> Router:
    acts = [act_handler(command_type) for command_type in AGREEMENT_ACTS]
    return Router(
        "/api/agreements",
        route_handlers=[read_agreement, agreement_pdf, *acts],
        tags=["agreements"],
    )
