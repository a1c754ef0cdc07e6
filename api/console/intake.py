"""Filing at the center: one dispute from a form, or a batch from CSV or XLSX (taken whole or
refused whole, every bad cell named by row and column); a filing like an open or recent case
(same applicant, respondent and claim) is asked about before it is filed; the templates to
download, and the filings waiting for acceptance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from api.console.forms import (
    REFUSALS,
    AuthRequest,
    FormBody,
    back_with,
    nested_struct_from_form,
    refusal,
)
from api.console.rendering import flashed, render, translator
from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.spreadsheet import (
    filings_from,
    template_column,
    template_csv,
    template_xlsx,
)
from application.read_models.case_list import CaseFilters
from application.shared import access
from application.shared.errors import BatchInvalid, NotFound
from domain.shared.errors import InvalidValue
from domain.shared.periods import shanghai_date


@get("/console/intake", include_in_schema=False, sync_to_thread=True)
def intake_page(request: AuthRequest, platform: NamedDependency[Platform]) -> Template:
    """Batch filing from a spreadsheet; for center staff, the filings waiting to be accepted."""
    if not access.may_open(request.user, "intake", platform.center.config.deployment):
        raise NotFound("intake")
    today = shanghai_date(platform.center.clock())
    waiting = []
    if access.may_open(request.user, "waiting_filings", platform.center.config.deployment):
        waiting = platform.case_list.page(
            request.user,
            platform.center.config.deployment,
            CaseFilters(state="filed"),
            today,
            limit=200,
        ).rows
    return render(request, "intake.html", waiting=waiting, errors=[], values={}, watch="*")


@post("/console/intake/one", include_in_schema=False, sync_to_thread=True)
def file_one(
    request: AuthRequest,
    data: FormBody,
    platform: NamedDependency[Platform],
) -> Template | Redirect:
    """One dispute from the form; one that looks filed already comes back with the cases it
    resembles and a box to file it anyway."""
    center = platform.center
    if not access.may_open(request.user, "intake", center.config.deployment):
        raise NotFound("intake")
    t = translator(request)
    try:
        filing_in = nested_struct_from_form(cmd.FilingIn, data)
        if not data.get("file_anyway"):
            today = shanghai_date(center.clock())
            same = platform.case_list.possible_duplicates([cmd.filing_from(filing_in)], today)
            if same:
                page = render(
                    request,
                    "intake.html",
                    waiting=[],
                    errors=[],
                    values=data,
                    duplicates=_described(t, same[0]),
                    flash=t("possible_duplicates"),
                    flash_kind="error",
                )
                page.status_code = 409
                return page
        case = center.file(request.user, filing_in)
    except REFUSALS as error:
        return back_with(request, error)
    return flashed(f"/console/cases/{case.id}", t("done", act=t("file_case")))


def _described(t: Any, same: list[dict[str, Any]]) -> str:
    """What a filing looks like: filed cases by number, or an earlier row of its batch."""
    rows = [t("duplicate_in_batch", row=r["row"] + 2) for r in same if r["filing_number"] is None]
    numbers = "、".join(r["filing_number"] for r in same if r["filing_number"])
    return "; ".join([*([t("duplicate_of", numbers=numbers)] if numbers else []), *rows])


@dataclass
class Upload:
    """The batch form: the spreadsheet, and whether to file rows that look filed already."""

    data: UploadFile
    file_anyway: str = ""


@post("/console/intake", include_in_schema=False, sync_to_thread=True)
def intake_upload(
    request: AuthRequest,
    data: Annotated[Upload, Body(media_type=RequestEncodingType.MULTI_PART)],
    platform: NamedDependency[Platform],
) -> Template | Redirect:
    """Taken whole or refused whole; every bad cell is listed by row and field."""
    if not access.may_open(request.user, "intake", platform.center.config.deployment):
        raise NotFound("intake")
    t = translator(request)
    upload = data.data
    try:
        rows, errors = filings_from(upload.file.read(), upload.filename or "upload.csv")
    except InvalidValue as unreadable:
        rows, errors = [], [(0, unreadable.field, unreadable.message)]
    read: list[tuple[int, cmd.FilingIn]] = []
    named = {index for index, _, _ in errors}  # a cell already named: the row stops there
    for index, row in enumerate(rows):
        if index in named:
            continue
        try:
            read.append((index, msgspec.convert(row, cmd.FilingIn)))
        except msgspec.ValidationError as error:
            message, _, where = str(error).partition(" - at `$.")
            errors.append((index, where.rstrip("`") or "row", message))
    filings = [filing for _, filing in read]
    if filings:  # every rule of every readable row, in the same pass
        checked = platform.center.check_bulk(request.user, filings)
        errors = sorted(errors + [(read[i][0], field, why) for i, field, why in checked])
    if not errors and not filings:
        errors.append((0, "file", t("no_rows")))
    if not errors and not data.file_anyway:
        today = shanghai_date(platform.center.clock())
        same = platform.case_list.possible_duplicates([cmd.filing_from(f) for f in filings], today)
        if same:
            page = render(
                request,
                "intake.html",
                waiting=[],
                errors=[
                    {"row": read[i][0] + 2, "field": t("possible_duplicates"), "message": why}
                    for i, why in ((i, _described(t, rows)) for i, rows in sorted(same.items()))
                ][:1000],
                values={},
                flash=t("batch_duplicates", n=len(same)),
                flash_kind="error",
            )
            page.status_code = 409
            return page
    if not errors:
        try:
            platform.center.file_bulk(request.user, filings)
        except BatchInvalid as invalid:
            errors = invalid.errors
        except REFUSALS as error:
            errors = [(0, "file", refusal(request, error))]
    if errors:
        page = render(
            request,
            "intake.html",
            waiting=[],
            values={},
            errors=[
                {"row": r + 2, "field": template_column(f), "message": m}  # row 1: the headers
                for r, f, m in errors[:1000]
            ],
            flash=t("batch_refused", n=len(errors)),
            flash_kind="error",
        )
        page.status_code = 400
        return page
    return flashed("/console/intake", t("batch_filed", n=len(filings)))


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
