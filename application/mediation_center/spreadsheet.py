"""Batch filings from spreadsheets (CSV or XLSX): one filing per row, columns headed in
Chinese as the template has them (or by the API's dotted field paths), choices in Chinese
words or the API's codes, amounts in yuan (at most two decimals) converted exactly to fen.
The XLSX template offers its choices as dropdowns and explains each column on a second
sheet."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import charset_normalizer
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

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
# The template's headers, and what each column holds (the XLSX's instruction sheet).
HEADERS: dict[str, tuple[str, str]] = {
    "dispute_type": ("纠纷类型", "必填，从下拉列表选择"),
    "channel": ("来源渠道", "必填，从下拉列表选择"),
    "applicant.kind": ("申请人类型", "必填，从下拉列表选择"),
    "applicant.name": ("申请人名称", "必填"),
    "applicant.org_code": ("申请人统一社会信用代码", "机构或公司必填，18位"),
    "applicant.id_number": ("申请人身份证号码", "自然人必填，18位"),
    "applicant.phone": ("申请人电话", "必填"),
    "respondent.kind": ("被申请人类型", "必填，从下拉列表选择"),
    "respondent.name": ("被申请人姓名", "必填"),
    "respondent.id_number": ("被申请人身份证号码", "自然人必填，18位"),
    "respondent.org_code": ("被申请人统一社会信用代码", "机构或公司必填，18位"),
    "respondent.phone": ("被申请人电话", "必填，用于短信通知"),
    "respondent.email": ("被申请人电子邮箱", "选填"),
    "claim.principal_yuan": ("本金（元）", "必填，大于0，最多两位小数"),
    "claim.interest_yuan": ("利息（元）", "选填，最多两位小数"),
    "claim.fees_yuan": ("费用（元）", "选填，最多两位小数"),
    "facts": ("事实与理由", "选填，5000字以内"),
    "knew_default_on": ("知道违约之日", "选填，诉讼时效起算，格式 2025-06-30"),
    "last_interruption_on": ("时效最后中断之日", "选填，最后一次催收、还款或确认，格式 2025-11-15"),
}
# The choices, by the words of the template (zh, en) for each code the API takes.
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "dispute_type": {
        "loan": ("金融借款合同纠纷", "Loan"),
        "credit_card": ("信用卡纠纷", "Credit card"),
        "insurance": ("保险合同纠纷", "Insurance"),
        "guarantee": ("保证合同纠纷", "Guarantee"),
        "financial_lease": ("融资租赁合同纠纷", "Financial lease"),
        "other": ("其他金融纠纷", "Other"),
    },
    "channel": {
        "online": ("线上申请", "Online"),
        "grid_station": ("网格驿站", "Grid station"),
        "bulk_import": ("批量导入", "Bulk import"),
    },
    "kind": {
        "person": ("自然人", "Person"),
        "company": ("公司", "Company"),
        "institution": ("金融机构", "Financial institution"),
    },
}
_CHOICE_OF = {"applicant.kind": "kind", "respondent.kind": "kind"} | {c: c for c in CHOICES}
_PATH_OF = {zh: path for path, (zh, _) in HEADERS.items()}
EXAMPLE = [
    "金融借款合同纠纷",
    "批量导入",
    "金融机构",
    "重庆江北商业银行",
    "91500000MA5U0B001F",
    "",
    "02367000000",
    "自然人",
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
    writer.writerow([HEADERS[c][0] for c in COLUMNS])
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode()


def template_xlsx(rows: int = 10_000) -> bytes:
    """The template as a workbook: the example row, dropdowns of the choices on `rows` rows,
    and a sheet explaining every column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "案件"
    sheet.append([HEADERS[c][0] for c in COLUMNS])
    sheet.append(EXAMPLE)
    for index, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, 2 * len(HEADERS[column][0]) + 2)
        choice = _CHOICE_OF.get(column)
        if choice is None:
            continue
        words = ",".join(zh for zh, _ in CHOICES[choice].values())
        dropdown = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True)
        dropdown.error = "请从下拉列表选择"
        sheet.add_data_validation(dropdown)
        dropdown.add(f"{letter}2:{letter}{rows + 1}")
    guide = book.create_sheet("填写说明")
    guide.append(["列", "字段", "说明"])
    for column in COLUMNS:
        header, note = HEADERS[column]
        choice = _CHOICE_OF.get(column)
        words = "、".join(zh for zh, _ in CHOICES[choice].values()) if choice else ""
        guide.append([header, column, f"{note}{'：' + words if words else ''}"])
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["B"].width = 24
    guide.column_dimensions["C"].width = 60
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
        raise InvalidValue("file", "is not a CSV file: {error}", error=error) from None


def template_column(field: str) -> str:
    """The template's header for a field an error names (amounts are columns in yuan)."""
    column = field.removesuffix("_fen") + "_yuan" if field.endswith("_fen") else field
    return HEADERS[column][0] if column in HEADERS else field


def _code(column: str, value: str) -> str:
    """A choice as the API's code, from the template's word or the code itself."""
    choice = _CHOICE_OF.get(column)
    if choice is None:
        return value
    for code, (zh, en) in CHOICES[choice].items():
        if value in (code, zh, en):
            return code
    return value  # not a choice: the filing's own check names it


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
    header = [_PATH_OF.get(h.strip(), h.strip()) for h in rows[0]]
    filings: list[dict[str, Any]] = []
    errors: list[tuple[int, str, str]] = []
    for index, row in enumerate(r for r in rows[1:] if any(c.strip() for c in r)):
        filing: dict[str, Any] = {}
        for column, cell in zip(header, row, strict=False):
            value = cell.strip()
            if not column or not value:
                continue
            path = column
            content: Any = _code(column, value)
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
