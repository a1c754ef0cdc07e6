"""How deadlines are counted (Civil Procedure Law, on periods), on a working-day calendar.

The calendar is passed in: the domain knows the rules, the application knows the data.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidValue
from domain.shared.value import Value

SHANGHAI = ZoneInfo("Asia/Shanghai")


class WorkingCalendar(Protocol):
    """Which days are working days, and whether the official schedule of a year is known."""

    def is_working_day(self, day: date) -> bool: ...

    def knows(self, year: int) -> bool: ...


class PeriodKind(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


@dataclass(frozen=True)
class Deadline(Value):
    """The last day of a period (it ends at 24:00 Asia/Shanghai); provisional in unknown years."""

    kind: PeriodKind
    start: date
    length: int
    due: date
    provisional: bool

    def has_passed(self, now: datetime) -> bool:
        return shanghai_date(now) > self.due

    def ends_at(self) -> datetime:
        """The instant the period ends: midnight after the last day, Shanghai time."""
        return datetime.combine(self.due + timedelta(days=1), time(0), SHANGHAI)

    def days_left(self, now: datetime) -> int:
        return (self.due - shanghai_date(now)).days

    def recomputed(self, calendar: WorkingCalendar) -> Deadline:
        return period_deadline(self.kind, self.start, self.length, calendar)


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # the spec's window for dates people give


def check_date(value: date, field: str) -> date:
    """A date (or moment) people give, within the years 2000-2100: a year 9999 would leave no
    room for the deadlines counted from it, a year 1 is a slip of the keyboard."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidValue(
            field, "must lie in the years {first}-{last}", first=EARLIEST_YEAR, last=LATEST_YEAR
        )
    return value


def check_future(moment: datetime, at: datetime, field: str) -> datetime:
    """A moment people schedule (a session, a hearing, a verification): aware, within the
    years people give, and after `at`."""
    if moment.tzinfo is None:
        raise InvalidValue(field, "must carry a time zone")
    check_date(moment, field)
    if moment <= at:
        raise InvalidValue(field, "must be in the future")
    return moment


def shanghai_date(moment: datetime) -> date:
    """The calendar date in Asia/Shanghai of an aware instant."""
    if moment.tzinfo is None:
        msg = "time must be timezone-aware"
        raise ValueError(msg)
    return moment.astimezone(SHANGHAI).date()


def calendar_days_deadline(start: date, days: int, calendar: WorkingCalendar) -> Deadline:
    """Starting day excluded; a last day that is a rest day moves to the next working day."""
    due = start + timedelta(days=days)
    while not calendar.is_working_day(due):
        due += timedelta(days=1)
    return Deadline(PeriodKind.CALENDAR_DAYS, start, days, due, _provisional(start, due, calendar))


def working_days_deadline(start: date, days: int, calendar: WorkingCalendar) -> Deadline:
    """The `days`-th working day after the starting day."""
    due, counted = start, 0
    while counted < days:
        due += timedelta(days=1)
        if calendar.is_working_day(due):
            counted += 1
    return Deadline(PeriodKind.WORKING_DAYS, start, days, due, _provisional(start, due, calendar))


def months_deadline(start: date, months: int, calendar: WorkingCalendar) -> Deadline:
    """The day of the last month that bears the starting day's number (the month's last day
    when it has none); a last day that is a rest day moves to the next working day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    due = date(year, month, min(start.day, monthrange(year, month)[1]))
    while not calendar.is_working_day(due):
        due += timedelta(days=1)
    return Deadline(PeriodKind.MONTHS, start, months, due, _provisional(start, due, calendar))


def period_deadline(
    kind: PeriodKind, start: date, length: int, calendar: WorkingCalendar
) -> Deadline:
    if kind is PeriodKind.CALENDAR_DAYS:
        return calendar_days_deadline(start, length, calendar)
    if kind is PeriodKind.MONTHS:
        return months_deadline(start, length, calendar)
    return working_days_deadline(start, length, calendar)


def _provisional(start: date, due: date, calendar: WorkingCalendar) -> bool:
    return any(not calendar.knows(year) for year in range(start.year, due.year + 1))
