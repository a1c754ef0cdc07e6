"""China's official working-day calendar: loaded schedules, then `chinese-calendar`, then a
provisional guess from weekends and statutory holidays (`holidays`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import chinese_calendar
import holidays


@dataclass(frozen=True)
class Schedule:
    """An operator-loaded official schedule of one year."""

    year: int
    holidays: frozenset[date]
    working_days: frozenset[date]


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _statutory_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CN", years=year, observed=True))


def guessed_working_day(day: date) -> bool:
    """The provisional guess for a year nobody has published: weekends and statutory holidays
    with their make-up days off (补假) rest. It matched the 2025 and 2026 notices on every weekday;
    only the adjusted working weekends (调休) cannot be guessed."""
    return day.weekday() < 5 and day not in _statutory_holidays(day.year)


class OfficialCalendar:
    """Implements the domain's WorkingCalendar. Loaded schedules take precedence. A year that
    neither a loaded schedule nor the package knows is asked for again every time, so a
    schedule another process loads is seen at once (deadlines are never guessed after it);
    what is known is kept for `ttl` seconds (a corrected reload is seen then)."""

    def __init__(self, load_schedule: Callable[[int], Schedule | None], ttl: float = 60.0) -> None:
        self._load_schedule = load_schedule
        self._ttl = ttl
        self._cache: dict[int, tuple[float, Schedule | None]] = {}
        self._lock = threading.Lock()

    def schedule(self, year: int) -> Schedule | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(year)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        schedule = self._load_schedule(year)
        if schedule is not None or _package_knows(year):
            with self._lock:
                self._cache[year] = (now, schedule)
        return schedule

    def forget(self, year: int) -> None:
        with self._lock:
            self._cache.pop(year, None)

    def knows(self, year: int) -> bool:
        return self.schedule(year) is not None or _package_knows(year)

    def is_working_day(self, day: date) -> bool:
        schedule = self.schedule(day.year)
        if schedule is not None:
            if day in schedule.holidays:
                return False
            return day in schedule.working_days or day.weekday() < 5
        if _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        return guessed_working_day(day)
