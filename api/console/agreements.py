"""Console forms on repayment agreements: signing, payments, the application to the court."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from api.console.forms import AuthRequest, FormBody, command_named, run_act, struct_from_form
from application.bootstrap import Platform
from application.mediation_center import commands as cmd

PAYMENT_ACTS = (cmd.RecordPayment, cmd.ReportPayment)


@post("/console/agreements/{agreement_id:uuid}/pay", include_in_schema=False, sync_to_thread=True)
def pay(
    request: AuthRequest,
    agreement_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    """The creditor records a payment; the debtor reports one for the creditor to confirm."""
    name = data.get("act", "")

    def run() -> Any:
        command = struct_from_form(command_named(PAYMENT_ACTS, name), data)
        return platform.center.agreement_act(agreement_id, request.user, command)[1].id

    return run_act(request, run, name)


@post("/console/agreements/{agreement_id:uuid}/sign", include_in_schema=False, sync_to_thread=True)
def sign_agreement(
    request: AuthRequest,
    agreement_id: FromPath[UUID],
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Redirect:
    def run() -> Any:
        command = struct_from_form(cmd.SignAgreement, data)
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
