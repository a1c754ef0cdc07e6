"""Limitation (诉讼时效): how long a creditor may still sue, counted from the dates a filing gives.

Three years from when the creditor knew or should have known of the default (民法典 art. 188),
or from the last interruption before filing (a demand, a partial payment, an acknowledgement).
A request for mediation to a mediation organisation interrupts it from the request date
(诉讼时效规定 art. 12); it runs again from the day the mediation ends without agreement or is
withdrawn (民法典 art. 195). Agreeing to a repayment plan counts as agreeing to perform: the
plan's debt runs from its last instalment's due date (instalment debts run from the last
instalment). Years end on the corresponding day (民法典 art. 202), moved off rest days.
Nothing here decides anything: intake warns, the case shows the status and the end date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.shared.periods import WorkingCalendar, months_deadline
from domain.shared.value import Value

GENERAL_YEARS = 3
ENFORCEMENT_YEARS = 2  # CPL art. 250


class LimitationStatus(StrEnum):
    UNKNOWN = "unknown"  # the filing gave no date to count from
    RUNNING = "running"
    INTERRUPTED = "interrupted"  # by the request for mediation, while it is pending
    EXPIRED = "expired"  # the claim looks time-barred (the court decides; nothing is refused)


@dataclass(frozen=True)
class Limitation(Value):
    status: LimitationStatus
    runs_from: date | None  # the day it started (again)
    ends_on: date | None  # its last day, when it runs


def running(start: date, years: int, today: date, calendar: WorkingCalendar) -> Limitation:
    end = months_deadline(start, 12 * years, calendar).due
    status = LimitationStatus.EXPIRED if today > end else LimitationStatus.RUNNING
    return Limitation(status, start, end)
