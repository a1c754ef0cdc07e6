"""Batch filings from spreadsheets (CSV or XLSX): one filing per row, columns named by dotted
field paths, amounts in yuan (at most two decimals) converted exactly to fen."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import charset_normalizer
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from domain.shared.errors import InvalidValue
from domain.shared.money import parse_yuan

COLUMNS = [
    "dispute_type",
    "channel",
    "applicant.kind",
    "applicant.name",
    "applicant.org_code",
    "applicant.id_number",
    "applicant.phone",
    "respondent.kind",
    "respondent.name",
    "respondent.id_number",
    "respondent.org_code",
    "respondent.phone",
    "respondent.email",
    "claim.principal_yuan",
    "claim.interest_yuan",
    "claim.fees_yuan",
    "facts",
    "knew_default_on",
    "last_interruption_on",
]
YUAN = {"claim.principal_yuan", "claim.interest_yuan", "claim.fees_yuan"}
EXAMPLE = [
    "loan",
    "bulk_import",
    "institution",
    "重庆江北商业银行",
    "91500000MA5U0B001F",
    "",
    "02367000000",
    "person",
    "张三",
    "11010519491231002X",
    "",
    "13800138000",
    "",
    "10000.00",
    "123.45",
    "0",
    "借款到期未还。",
    "2025-06-30",
    "2025-11-15",
]


def template_csv() -> bytes:
    """The console's downloadable template (UTF-8 with a BOM, so spreadsheets open it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode()


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cells(data: bytes, filename: str) -> list[list[str]]:
    """The cells as text; InvalidValue("file") for a file that is not what its name says."""
    if filename.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.active
            if sheet is None:
                raise InvalidValue("file", "the workbook has no sheet")
            return [
                ["" if cell is None else str(cell) for cell in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
            raise InvalidValue("file", "is not an .xlsx workbook") from None
    text = _decode(data)
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidValue("file", f"is not a CSV file: {error}") from None


def template_column(field: str) -> str:
    """The template's column for a field an error names (amounts are columns in yuan)."""
    column = field.removesuffix("_fen") + "_yuan" if field.endswith("_fen") else field
    return column if column in COLUMNS else field


def _decode(data: bytes) -> str:
    """UTF-8, with or without a BOM; otherwise what a detector finds among the encodings
    Chinese spreadsheets save in (GB18030, which covers GBK and GB2312, as Excel on Chinese
    Windows writes; Big5; UTF-16)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    found = charset_normalizer.from_bytes(
        data, cp_isolation=["gb18030", "big5", "utf_16"], preemptive_behaviour=False
    ).best()
    if found is None:
        raise InvalidValue("file", "is not text in UTF-8 or GB18030: save the CSV as UTF-8")
    return str(found)


def filings_from(
    data: bytes, filename: str
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """The rows as filing dicts (the API's shape), and the cells that could not be read as
    (row, field, message); rows count from 0 for the first filing, as the bulk API's do."""
    rows = _cells(data, filename)
    if not rows:
        return [], [(0, "file", "the file is empty")]
    header = [h.strip() for h in rows[0]]
    filings: list[dict[str, Any]] = []
    errors: list[tuple[int, str, str]] = []
    for index, row in enumerate(r for r in rows[1:] if any(c.strip() for c in r)):
        filing: dict[str, Any] = {}
        for column, cell in zip(header, row, strict=False):
            value = cell.strip()
            if not column or not value:
                continue
            path = column
            content: Any = value
            if column in YUAN:
                path = column.replace("_yuan", "_fen")
                try:
                    content = parse_yuan(value, column)
                except InvalidValue as error:
                    errors.append((index, column, error.message))
                    continue
            target = filing
            *parents, leaf = path.split(".")
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = content
        filings.append(filing)
    return filings, errors
