"""HTTP resources of the court: judicial confirmation and litigation."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody
from litestar.security.jwt import Token

from api.routing import act_route
from api.schemas.cases import DeadlineOut, deadline_out
from application.bootstrap import Platform
from application.court.acts import CONFIRMATION_ACTS, LITIGATION_ACTS
from application.court.commands import LawsuitIn
from application.shared import access
from application.shared.access import Principal
from application.shared.commands import Command
from application.shared.errors import NotFound
from domain.court.court_documents import ruling_text
from domain.court.enforcement_case import EnforcementCase
from domain.court.judicial_confirmation import ConfirmationState, JudicialConfirmation
from domain.court.litigation_case import LitigationCase

AuthRequest = Request[Principal, Token, Any]
Reason = Annotated[str, msgspec.Meta(max_length=2_000)]


class ConfirmationOut(msgspec.Struct):
    id: UUID
    agreement_id: UUID
    mediation_case_id: UUID
    agreement_sha256: str
    state: str
    applied_by: dict[str, str]
    docket_number: str | None
    application_window: DeadlineOut | None
    acceptance_deadline: DeadlineOut | None
    ruling_deadline: DeadlineOut | None
    ruling_extended: bool
    court_overdue: bool
    missed_deadlines: list[str]
    reason: str | None
    ground: str | None = None  # of a refusal (art. 355) or a rejection (art. 358)
    verification_at: datetime | None = None  # the verification with both parties, called
    verified_at: datetime | None = None  # and recorded (before any ruling)
    verification_notes: str | None = None
    extension_approved_by: str | None = None  # the president who approved the +10 days
    withdrawal_requested_by: str | None = None  # a side asked to withdraw; the court rules
    objections: list[dict[str, Any]] = msgspec.field(default_factory=list)  # to the ruling
    more_time: list[dict[str, Any]] = msgspec.field(default_factory=list)  # 顺延 applications


class LitigationOut(msgspec.Struct):
    id: UUID
    docket_number: str
    # The mediation file: the failed pre-filing mediation it came from, or the one it was
    # last entrusted to; none for a lawsuit never mediated.
    mediation_case_id: UUID | None
    mediation_filing_number: str | None
    mediation_docket_number: str | None
    plaintiff: str
    defendant: str
    claim_total_fen: int
    state: str
    hearings: list[datetime]
    outcome: str | None
    procedure: str | None = None
    entrustments: int = 0
    agreement_sha256: str | None = None  # the entrusted mediation's agreement
    receipts: dict[str, date] = msgspec.field(default_factory=dict)  # of the document
    document_effective_on: date | None = None
    withdrawal_requested: bool = False
    trial_resumed_because: str | None = None


class EnforcementOut(msgspec.Struct):
    id: UUID
    docket_number: str
    basis: str
    basis_id: UUID
    mediation_case_id: UUID
    creditor: str
    debtor: str
    amount_fen: int
    state: str
    # The two-year enforcement limitation this application interrupted, and whether the
    # application came after it (recorded for the court, which decides).
    limitation_ends_on: date | None = None
    time_barred: bool = False


def enforcement_out(found: EnforcementCase) -> EnforcementOut:
    return EnforcementOut(
        found.id,
        found.docket_number,
        found.basis,
        found.basis_id,
        found.mediation_case_id,
        found.creditor,
        found.debtor,
        found.amount_fen,
        found.state,
        found.limitation_ends_on,
        found.time_barred,
    )


def confirmation_out(found: JudicialConfirmation, now: datetime) -> ConfirmationOut:
    return ConfirmationOut(
        id=found.id,
        agreement_id=found.agreement_id,
        mediation_case_id=found.mediation_case_id,
        agreement_sha256=found.agreement_sha256,
        state=str(found.state),
        applied_by=found.applied_by,
        docket_number=found.docket_number,
        application_window=deadline_out(found.application_window, now),
        acceptance_deadline=deadline_out(found.acceptance_deadline, now),
        ruling_deadline=deadline_out(found.ruling_deadline, now),
        ruling_extended=found.extended,
        court_overdue=found.overdue(now),
        missed_deadlines=found.missed,
        reason=found.reason,
        ground=found.ground,
        verification_at=found.verification_at,
        verified_at=found.verified_at,
        verification_notes=found.verification_notes,
        extension_approved_by=found.extension_approved_by,
        withdrawal_requested_by=found.withdrawal_requested_by,
        objections=[msgspec.to_builtins(o) for o in found.objections],
        more_time=[msgspec.to_builtins(m) for m in found.more_time],
    )


def litigation_out(found: LitigationCase) -> LitigationOut:
    return LitigationOut(
        id=found.id,
        docket_number=found.docket_number,
        mediation_case_id=found.mediation_case_id,
        mediation_filing_number=found.mediation_filing_number,
        mediation_docket_number=found.mediation_docket_number,
        plaintiff=found.plaintiff,
        defendant=found.defendant,
        claim_total_fen=found.claim_total_fen,
        state=str(found.state),
        hearings=found.hearings,
        outcome=found.outcome,
        procedure=found.procedure,
        entrustments=found.entrustments,
        agreement_sha256=found.agreement_sha256,
        receipts=dict(found.receipts),
        document_effective_on=found.document_effective_on,
        withdrawal_requested=found.withdrawal_reason is not None,
        trial_resumed_because=found.trial_resumed_because,
    )


@post(
    "/api/litigations",
    sync_to_thread=True,
    status_code=201,
    summary="File a lawsuit",
    description="Court staff docket a lawsuit filed before the court (立案, numbered 民初): "
    "the complaint in the filing shape and the trial procedure. A judge may then entrust it "
    "to the mediation center (`entrust`).",
    tags=["court"],
)
def file_lawsuit(
    request: AuthRequest, data: JSONBody[LawsuitIn], platform: NamedDependency[Platform]
) -> LitigationOut:
    return litigation_out(platform.court.file_lawsuit(request.user, data))


@post(
    "/api/agreements/{agreement_id:uuid}/apply_for_confirmation",
    sync_to_thread=True,
    status_code=200,
    summary="Apply for judicial confirmation",
    description="A side applies to the court to confirm its effective agreement, within 30 days "
    "of it taking effect. The application is joint: the second side's application dockets it "
    "and starts the court's 3 days to accept or refuse.",
    tags=["court"],
)
def apply_for_confirmation(
    request: AuthRequest, agreement_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> ConfirmationOut:
    agreement, case = platform.center.agreement(agreement_id, request.user)
    found = platform.court.apply_for_confirmation(agreement, case, request.user)
    return confirmation_out(found, platform.court.clock())


@get(
    "/api/confirmations/{confirmation_id:uuid}",
    sync_to_thread=True,
    summary="Read a judicial confirmation",
    description="For the court's judges and clerks, and the sides of the agreement.",
    tags=["court"],
)
def read_confirmation(
    request: AuthRequest, confirmation_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> ConfirmationOut:
    case_id = platform.court.load(confirmation_id, JudicialConfirmation).mediation_case_id
    try:
        case = platform.center.case(case_id, request.user)
    except NotFound:
        case = None  # court staff need not see the mediation file to see the confirmation
    found = platform.court.confirmation(confirmation_id, request.user, case)
    return confirmation_out(found, platform.court.clock())


def confirmation_act(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one court act on a judicial confirmation."""

    def handler(
        request: AuthRequest,
        confirmation_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> ConfirmationOut:
        found = platform.court.confirmation_act(confirmation_id, request.user, data)
        return confirmation_out(found, platform.court.clock())

    return act_route("confirmation", command_type, handler)


@get(
    "/api/litigations/{litigation_id:uuid}",
    sync_to_thread=True,
    summary="Read a litigation case",
    description="A case the court docketed, e.g. from a failed pre-filing mediation.",
    tags=["court"],
)
def read_litigation(
    request: AuthRequest, litigation_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> LitigationOut:
    return litigation_out(platform.court.litigation(litigation_id, request.user))


def litigation_act(command_type: type[Command]) -> HTTPRouteHandler:
    """One POST endpoint for one court act on a litigation case."""

    def handler(
        request: AuthRequest,
        litigation_id: FromPath[UUID],
        data: Command,
        platform: NamedDependency[Platform],
    ) -> LitigationOut:
        return litigation_out(platform.court.litigation_act(litigation_id, request.user, data))

    return act_route("litigation", command_type, handler)


@post(
    "/api/agreements/{agreement_id:uuid}/apply_for_enforcement",
    sync_to_thread=True,
    status_code=201,
    summary="Apply for enforcement",
    description="The creditor side applies to the court to enforce a judicially confirmed "
    "agreement in default; the court opens an enforcement case for the unpaid balance.",
    tags=["court"],
)
def apply_for_enforcement(
    request: AuthRequest, agreement_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> EnforcementOut:
    agreement, case = platform.center.agreement(agreement_id, request.user)
    return enforcement_out(platform.court.apply_for_enforcement(agreement, case, request.user))


@get(
    "/api/confirmations/{confirmation_id:uuid}/ruling.pdf",
    sync_to_thread=True,
    summary="The ruling as a signed PDF",
    description="Once ruled (confirmed, rejected or refused): the ruling's canonical text sealed "
    "PAdES under the court's certificate.",
    tags=["court"],
)
def ruling_pdf(
    request: AuthRequest, confirmation_id: FromPath[UUID], platform: NamedDependency[Platform]
) -> Response[bytes]:
    case_id = platform.court.load(confirmation_id, JudicialConfirmation).mediation_case_id
    try:
        case = platform.center.case(case_id, request.user)
    except NotFound:
        case = None
    found = platform.court.confirmation(confirmation_id, request.user, case)
    if found.state not in (
        ConfirmationState.CONFIRMED,
        ConfirmationState.REJECTED,
        ConfirmationState.REFUSED,
    ):
        raise NotFound(f"{confirmation_id} has no ruling yet")
    filing = platform.center.file_of(found.mediation_case_id).filing
    code = platform.court.config.code
    court = platform.directory.institution(code)
    pdf = platform.documents.issue(
        f"ruling-{found.id}-{found.version}",
        (code, court.name if court else code),
        "民事裁定书",
        "Civil ruling",
        ruling_text(found, filing.applicant.name, filing.respondent.name),
        f"{platform.settings.public_url.rstrip('/')}/api/confirmations/{found.id}",
    )
    return Response(pdf, media_type="application/pdf")


def court_router() -> Router:
    """The court's resources; one route per act a person does (the scheduler's are not)."""
    staff = [c for c in CONFIRMATION_ACTS if c.act_name() not in access.SCHEDULER_ACTS]
    return Router(
        "/",
        route_handlers=[
            apply_for_confirmation,
            file_lawsuit,
            read_confirmation,
            read_litigation,
            apply_for_enforcement,
            ruling_pdf,
            Router(
                "/api/confirmations",
                route_handlers=[confirmation_act(c) for c in staff],
                tags=["court"],
            ),
            Router(
                "/api/litigations",
                route_handlers=[litigation_act(c) for c in LITIGATION_ACTS],
                tags=["court"],
            ),
        ],
    )
