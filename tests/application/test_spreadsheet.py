"""Batch filing spreadsheets: columns by dotted path, yuan to fen exactly, bad cells named."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from application.mediation_center.spreadsheet import (
    CHOICES,
    COLUMNS,
    EXAMPLE,
    HEADERS,
    filings_from,
    template_csv,
    template_xlsx,
)


def test_template_round_trips_in_both_formats() -> None:
    for data, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        filings, errors = filings_from(data, name)
        assert errors == []
        [filing] = filings
        assert filing["claim"] == {
            "principal_fen": 1_000_000,
            "interest_fen": 12_345,
            "fees_fen": 0,
        }
        assert filing["respondent"]["id_number"] == "11010519491231002X"
        assert filing["applicant"]["kind"] == "institution"


def test_bad_amounts_are_named_by_row_and_column() -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    bad = list(EXAMPLE)
    bad[COLUMNS.index("claim.principal_yuan")] = "10.005"
    bad[COLUMNS.index("claim.interest_yuan")] = "十元"
    writer.writerow(bad)
    writer.writerow([""] * len(COLUMNS))  # blank rows are skipped
    filings, errors = filings_from(out.getvalue().encode(), "batch.csv")
    assert len(filings) == 2
    assert errors == [
        (1, "claim.principal_yuan", "at most two decimals"),
        (1, "claim.interest_yuan", "must be an amount in yuan"),
    ]


def test_xlsx_numbers_are_read_as_written() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    row: list[object] = list(EXAMPLE)
    row[COLUMNS.index("claim.principal_yuan")] = 2500.5
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    [filing], errors = filings_from(out.getvalue(), "x.xlsx")
    assert errors == [] and filing["claim"]["principal_fen"] == 250_050


def test_a_csv_saved_by_excel_on_chinese_windows_is_read() -> None:
    """GBK (what Excel writes there), GB18030 and UTF-8 with or without a BOM read alike."""
    text = template_csv().decode("utf-8-sig")
    expected, _ = filings_from(template_csv(), "t.csv")
    for encoding in ("gbk", "gb18030", "utf-8", "utf-8-sig"):
        filings, errors = filings_from(text.encode(encoding), "t.csv")
        assert (filings, errors) == (expected, []), encoding
    assert "重庆江北商业银行" in str(expected)


def test_the_workbook_template_offers_choices_and_explains_every_column() -> None:
    """Chinese headers, dropdowns of the choices in Chinese, an instruction sheet; its rows
    read back as the API's codes."""
    book = load_workbook(io.BytesIO(template_xlsx(rows=100)))
    sheet = book["案件"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [HEADERS[c][0] for c in COLUMNS]
    lists = {
        str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"
    }
    assert lists["A2:A101"] == '"' + ",".join(z for z, _ in CHOICES["dispute_type"].values()) + '"'
    assert {"C2:C101", "H2:H101", "B2:B101"} <= set(lists)  # kinds and channel
    guide = list(book["填写说明"].iter_rows(values_only=True))[1:]
    assert [row[1] for row in guide] == COLUMNS and all(row[2] for row in guide)
    [filing], errors = filings_from(template_xlsx(), "t.xlsx")
    assert errors == [] and filing["dispute_type"] == "loan" and filing["channel"] == "bulk_import"
    assert filing["respondent"]["kind"] == "person"
