"""The deadline scheduler: fires each timed state when its period has ended.

It finds lapsed deadlines in the case list and issues the act as the system. A deadline counted
on a guessed calendar (a year whose official schedule is not loaded) is held, not fired. Each act is
refused by the case once done (a failed case cannot expire again; a lapsed assignment is no
longer assigned), so any number of schedulers may run, and one that crashed midway simply
fires again what is still due: every deadline fires exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.court import commands as court_cmd
from application.court.app import Court
from application.mediation_center import commands as cmd
from application.mediation_center.app import MediationCenter
from application.read_models.case_list import CaseListProjection
from application.shared.access import SYSTEM, Principal
from application.shared.commands import Command
from application.shared.errors import ConcurrencyConflict, InstitutionMissing, NotFound
from domain.shared.actors import Role
from domain.shared.errors import ActRefused
from domain.shared.periods import shanghai_date

log = logging.getLogger("tiaojie.scheduler")


@dataclass(frozen=True)
class Fired:
    periods_expired: int
    assignments_lapsed: int
    reminders_sent: int
    timers_fired: int = 0
    replies_overdue: int = 0  # recommendations whose reply is late, recorded now
    timers_held: int = 0  # due on a guessed calendar: held until the year's schedule is loaded


# Which act each timer of the timers read model fires, by (kind, timer).
TIMER_ACTS: dict[tuple[str, str], type[Command]] = {
    ("agreement", "overdue"): cmd.MarkOverdue,
    ("agreement", "default"): cmd.DeclareDefault,
    ("confirmation", "application_window"): court_cmd.LapseApplication,
    ("confirmation", "acceptance"): court_cmd.RecordMissedDeadline,
    ("confirmation", "ruling"): court_cmd.RecordMissedDeadline,
}


class Scheduler:
    def __init__(
        self,
        center: MediationCenter,
        case_list: CaseListProjection,
        remind: Callable[[date], int] = lambda _: 0,
        interval: float = 60.0,
        *,
        timers: Callable[[date], list[tuple[str, UUID, str, date]]] = lambda _: [],
        court: Court | None = None,
        supervision: Callable[[], int] = lambda: 0,
    ) -> None:
        self.center = center
        self.case_list = case_list
        self.remind = remind
        self.timers = timers
        self.court = court
        self.supervision = supervision
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> Fired:
        """Fire what is due now; how many acts this scheduler recorded."""
        today = shanghai_date(self.center.clock())
        periods, windows = self.case_list.lapsed(today)
        expired = sum(self._fire(case_id, cmd.ExpirePeriod()) for case_id in periods)
        lapsed = sum(self._fire(case_id, cmd.LapseAssignment()) for case_id in windows)
        reminded = self.remind(today)
        due = self.timers(today)
        # Nothing irreversible on a guess: a timer of a year without its official schedule
        # waits for the schedule (the case list holds mediation periods the same way).
        known = [t for t in due if self.center.calendar.knows(t[3].year)]
        timed = sum(
            self._timer(kind, aggregate_id, timer) for kind, aggregate_id, timer, _ in known
        )
        return Fired(
            expired, lapsed, reminded, timed, self._overdue_replies(), len(due) - len(known)
        )

    def _fire(self, case_id: UUID, command: Command) -> bool:
        return self._attempt(case_id, lambda: self.center.act(case_id, SYSTEM, command))

    def _timer(self, kind: str, aggregate_id: UUID, timer: str) -> bool:
        """An agreement's instalments fall overdue or into default; a confirmation's window
        lapses or the court's lateness is recorded."""
        command = TIMER_ACTS[(kind, timer)]()
        if kind == "agreement":
            return self._attempt(
                aggregate_id, lambda: self.center.agreement_act(aggregate_id, SYSTEM, command)
            )
        court = self.court
        if court is None:
            return False
        scheduler = Principal("court-scheduler", Role.SYSTEM, court.config.code)
        return self._attempt(
            aggregate_id, lambda: court.confirmation_act(aggregate_id, scheduler, command)
        )

    def _overdue_replies(self) -> int:
        try:
            return self.supervision()
        except InstitutionMissing:
            return 0  # a deployment without a procuratorate

    @staticmethod
    def _attempt(aggregate_id: UUID, act: Callable[[], object]) -> bool:
        try:
            act()
        except (ActRefused, ConcurrencyConflict, NotFound) as refused:
            # Fired already (by another scheduler, or before a crash), or no longer due.
            log.debug("not fired on %s: %s", aggregate_id, refused)
            return False
        return True

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
