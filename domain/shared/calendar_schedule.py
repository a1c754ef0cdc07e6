"""An official working-day schedule for one year, loaded by an operator when it is published."""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue


class CalendarYear(Aggregate):
    """Holidays and adjusted working days (调休) of one year; a later load replaces them."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:calendar:{year}")

    @event("Loaded")
    def __init__(
        self, year: int, holidays: list[date], working_days: list[date], occurred_at: datetime
    ) -> None:
        self.year = year
        self.holidays = holidays
        self.working_days = working_days

    def replace(
        self, holidays: list[date], working_days: list[date], occurred_at: datetime
    ) -> None:
        self._replaced(holidays=holidays, working_days=working_days, occurred_at=occurred_at)

    @event("Replaced")
    def _replaced(
        self, holidays: list[date], working_days: list[date], occurred_at: datetime
    ) -> None:
        self.holidays = holidays
        self.working_days = working_days


def check_schedule(year: int, holidays: list[date], working_days: list[date]) -> None:
    """Every date belongs to the year; a holiday is not also a working day; adjusted working
    days fall on weekends (a weekday is a working day anyway)."""
    if not 2000 <= year <= 2200:
        raise InvalidValue("year", "must be between 2000 and 2200")
    for field, days in (("holidays", holidays), ("working_days", working_days)):
        for index, day in enumerate(days):
            if day.year != year:
                raise InvalidValue(
                    f"{field}[{index}]", "{day} is not in {year}", day=day, year=year
                )
    for index, day in enumerate(working_days):
        if day in holidays:
            raise InvalidValue(f"working_days[{index}]", "a day cannot be holiday and working day")
        if day.weekday() < 5:
            raise InvalidValue(f"working_days[{index}]", "an adjusted working day is a weekend day")
