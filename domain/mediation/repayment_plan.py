"""Repayment plans: what proposals, counter-proposals and agreements say about money and dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.shared.errors import InvalidValue
from domain.shared.filing import SideRole
from domain.shared.money import check_fen
from domain.shared.periods import check_date
from domain.shared.value import Value

MAX_INSTALMENTS = 360


@dataclass(frozen=True)
class Instalment(Value):
    amount_fen: int
    due_date: date


@dataclass(frozen=True)
class RepaymentPlan(Value):
    """A debtor's promise: the total (principal + interest + fees - waived) in dated instalments."""

    creditor: SideRole
    debtor: SideRole
    principal_fen: int
    interest_fen: int
    fees_fen: int
    waived_fen: int
    instalments: tuple[Instalment, ...]
    grace_days: int
    default_threshold_days: int
    acceleration: bool
    accepts_enforcement: bool

    @classmethod
    def create(
        cls,
        creditor: str,
        principal_fen: int,
        interest_fen: int,
        fees_fen: int,
        waived_fen: int,
        instalments: Sequence[tuple[int, date]],
        grace_days: int,
        default_threshold_days: int,
        *,
        acceleration: bool,
        accepts_enforcement: bool,
    ) -> RepaymentPlan:
        """A valid plan, or InvalidValue naming the field (``instalments[2].due_date``)."""
        try:
            creditor_role = SideRole(creditor)
        except ValueError:
            raise InvalidValue("creditor", "must be applicant or respondent") from None
        check_fen(principal_fen, "principal_fen", positive=True)
        check_fen(interest_fen, "interest_fen")
        check_fen(fees_fen, "fees_fen")
        check_fen(waived_fen, "waived_fen")
        owed = principal_fen + interest_fen + fees_fen - waived_fen
        if owed <= 0:
            raise InvalidValue("waived_fen", "must leave something to repay")
        if not instalments:
            raise InvalidValue("instalments", "at least one instalment is required")
        if len(instalments) > MAX_INSTALMENTS:
            raise InvalidValue("instalments", "at most {limit} instalments", limit=MAX_INSTALMENTS)
        previous: date | None = None
        for index, (amount, due) in enumerate(instalments):
            check_fen(amount, f"instalments[{index}].amount_fen", positive=True)
            check_date(due, f"instalments[{index}].due_date")
            if previous is not None and due <= previous:
                raise InvalidValue(
                    f"instalments[{index}].due_date", "due dates must strictly increase"
                )
            previous = due
        if sum(amount for amount, _ in instalments) != owed:
            raise InvalidValue(
                "instalments", "instalments must add up to the amount owed, {owed} fen", owed=owed
            )
        for name, days in (
            ("grace_days", grace_days),
            ("default_threshold_days", default_threshold_days),
        ):
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                raise InvalidValue(name, "must be a whole number of days from 0 to 365")
        return cls(
            creditor=creditor_role,
            debtor=creditor_role.other,
            principal_fen=principal_fen,
            interest_fen=interest_fen,
            fees_fen=fees_fen,
            waived_fen=waived_fen,
            instalments=tuple(Instalment(a, d) for a, d in instalments),
            grace_days=grace_days,
            default_threshold_days=default_threshold_days,
            acceleration=acceleration,
            accepts_enforcement=accepts_enforcement,
        )

    @property
    def total_fen(self) -> int:
        return sum(i.amount_fen for i in self.instalments)

    @property
    def first_due(self) -> date:
        return self.instalments[0].due_date
