"""Every period from every start date of 2025 and 2026 against the State Council's notices.

The expectation is this file's own small computation on `tests/data/cn-official-calendar-
2025-2026.json` (the notices' rest days and adjusted working days, transcribed), never the code
under test. The code is checked three ways: with the `chinese-calendar` package, with the notices
loaded as an operator's schedule, and, for the provisional guess of a year nobody has published,
that weekends and statutory holidays with their make-up days off name the notices' rest days.
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from application.shared.calendar import OfficialCalendar, Schedule, guessed_working_day
from domain.shared.periods import PeriodKind, WorkingCalendar, period_deadline

NOTICES = json.loads(
    (Path(__file__).parents[1] / "data" / "cn-official-calendar-2025-2026.json").read_text()
)["years"]
REST = {date.fromisoformat(d) for y in NOTICES.values() for d in y["holidays"]}
WORKING = {date.fromisoformat(d) for y in NOTICES.values() for d in y["working_days"]}
LAST = date(2026, 12, 31)
# Every period the spec counts: mediation (30, 15, 7), confirmation window (30), acceptance
# (3), ruling (15), its extension (10), grace (7), letters (7); a mediator's 3 working days;
# supervision and replies (3 months), objections of interested persons (6 months).
PERIODS = [
    *((PeriodKind.CALENDAR_DAYS, n) for n in (3, 7, 10, 15, 30)),
    (PeriodKind.WORKING_DAYS, 3),
    *((PeriodKind.MONTHS, n) for n in (3, 6)),
]


def working(day: date) -> bool:
    return day in WORKING or (day.weekday() < 5 and day not in REST)


def expected(kind: PeriodKind, start: date, length: int) -> date:
    if kind is PeriodKind.WORKING_DAYS:
        day, left = start, length
        while left:
            day += timedelta(days=1)
            left -= working(day)
        return day
    if kind is PeriodKind.MONTHS:
        year, month = divmod(start.year * 12 + start.month - 1 + length, 12)
        day = date(year, month + 1, min(start.day, monthrange(year, month + 1)[1]))
    else:
        day = start + timedelta(days=length)
    while not working(day):
        day += timedelta(days=1)
    return day


def notices_loaded(year: int) -> Schedule | None:
    if str(year) not in NOTICES:
        return None
    days = NOTICES[str(year)]
    return Schedule(
        year,
        frozenset(map(date.fromisoformat, days["holidays"])),
        frozenset(map(date.fromisoformat, days["working_days"])),
    )


CALENDARS: dict[str, Callable[[], WorkingCalendar]] = {
    "package": lambda: OfficialCalendar(lambda year: None),
    "loaded": lambda: OfficialCalendar(notices_loaded),
}


@pytest.mark.parametrize("source", sorted(CALENDARS))
def test_every_period_from_every_day_matches_the_notices(source: str) -> None:
    calendar = CALENDARS[source]()
    checked, wrong = 0, []
    start = date(2025, 1, 1)
    while start <= LAST:
        for kind, length in PERIODS:
            want = expected(kind, start, length)
            if want > LAST:
                continue  # the notices say nothing of 2027
            got = period_deadline(kind, start, length, calendar)
            checked += 1
            if got.due != want or got.provisional:
                wrong.append((start, kind, length, got.due, want))
        start += timedelta(days=1)
    assert checked > 5_000
    assert not wrong, f"{len(wrong)} of {checked} differ, first {wrong[:5]}"


def test_the_guess_for_an_unpublished_year_names_the_notices_rest_days() -> None:
    """Statutory holidays with their make-up days off (补假) are every weekday the notices
    rest; only the adjusted working weekends (调休) cannot be guessed."""

    day, wrong = date(2025, 1, 1), []
    while day <= LAST:
        if day.weekday() < 5 and guessed_working_day(day) != working(day):
            wrong.append(day)
        day += timedelta(days=1)
    assert not wrong
