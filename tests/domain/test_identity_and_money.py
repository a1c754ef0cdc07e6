"""ID numbers, unified social credit codes, amounts and repayment plans."""

from __future__ import annotations

from datetime import date

import pytest

from domain.mediation.repayment_plan import RepaymentPlan
from domain.shared.errors import InvalidValue
from domain.shared.filing import Claim, Side
from domain.shared.identity import (
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_uscc,
)
from tests.support import data as support


def test_valid_id_number_and_lower_case_x() -> None:
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    valid = support.id_number(date(1990, 1, 1), 123)
    assert normalize_id_number(f" {valid} ") == valid


@pytest.mark.parametrize(
    "bad",
    ["11010519491231002", "110105194912310021", "11010519491331002X", "A1010519491231002X", ""],
)
def test_invalid_id_numbers(bad: str) -> None:
    with pytest.raises(InvalidValue) as error:
        normalize_id_number(bad, "respondent.id_number")
    assert error.value.field == "respondent.id_number"


def test_uscc_check_character() -> None:
    assert normalize_uscc("91350100m000100y43") == "91350100M000100Y43"
    with pytest.raises(InvalidValue, match="check character"):
        normalize_uscc("91350100M000100Y44")
    with pytest.raises(InvalidValue):
        normalize_uscc("91350100I000100Y43")  # I is not in the alphabet


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110**************X"
    assert mask_phone("13800138000") == "138****8000"


def test_side_rules_name_the_field() -> None:
    with pytest.raises(InvalidValue) as error:
        Side.create("person", "张三", "13800138000", org_code="91350100M000100Y43")
    assert error.value.field == "id_number"
    with pytest.raises(InvalidValue) as error:
        Side.create("company", "某公司", "13800138000")
    assert error.value.field == "org_code"
    with pytest.raises(InvalidValue) as error:
        Side.create("person", "张三", "12", id_number="11010519491231002X")
    assert error.value.field == "phone"
    with pytest.raises(InvalidValue) as error:
        Side.create("person", "  ", "13800138000", id_number="11010519491231002X")
    assert error.value.field == "name"
    assert Side.create("person", "𠮷野家", "13800138000", id_number="11010519491231002x").name


@pytest.mark.parametrize(
    ("principal", "interest", "fees", "field"),
    [
        (0, 0, 0, "principal_fen"),
        (-1, 0, 0, "principal_fen"),
        (1, -1, 0, "interest_fen"),
        (1, 0, 10**13, "fees_fen"),
        (10**13, 0, 0, "principal_fen"),
        (True, 0, 0, "principal_fen"),
    ],
)
def test_amount_rules(principal: int, interest: int, fees: int, field: str) -> None:
    with pytest.raises(InvalidValue) as error:
        Claim.create(principal, interest, fees)
    assert error.value.field == field


def test_largest_amount_below_the_cap() -> None:
    assert Claim.create(10**13 - 1, 0, 0).total_fen == 10**13 - 1


def _plan(instalments: list[tuple[int, date]], waived: int = 0) -> RepaymentPlan:
    return RepaymentPlan.create(
        "applicant",
        1000,
        100,
        0,
        waived,
        instalments,
        7,
        30,
        acceleration=True,
        accepts_enforcement=False,
    )


def test_valid_plan() -> None:
    plan = _plan([(600, date(2026, 4, 1)), (500, date(2026, 5, 1))])
    assert plan.total_fen == 1100 and plan.debtor == "respondent"


@pytest.mark.parametrize(
    ("instalments", "waived", "field"),
    [
        ([(600, date(2026, 4, 1)), (400, date(2026, 5, 1))], 0, "instalments"),
        ([(600, date(2026, 5, 1)), (500, date(2026, 5, 1))], 0, "instalments[1].due_date"),
        ([(1100, date(2026, 5, 1)), (0, date(2026, 6, 1))], 0, "instalments[1].amount_fen"),
        ([], 0, "instalments"),
        ([(100, date(2026, 5, 1))], 900, "instalments"),
        ([(1, date(2026, 5, 1))], 1100, "waived_fen"),
    ],
)
def test_invalid_plans(instalments: list[tuple[int, date]], waived: int, field: str) -> None:
    with pytest.raises(InvalidValue) as error:
        _plan(instalments, waived)
    assert error.value.field == field
