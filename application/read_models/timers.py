"""Timers: when each repayment agreement and each confirmation case next needs a timed act.

A read model beside the case list, following both the mediation center (agreements) and the
court (confirmations). On each event it recomputes the aggregate's timers from the aggregate
itself (`timers()` in the domain), so replays and out-of-order catch-up converge. The scheduler
reads the lapsed rows; the aggregates refuse an act already done, which keeps firing
exactly-once with several schedulers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from application.read_models.case_list_view import CaseListView, Statement
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.mediation.repayment_agreement import RepaymentAgreement

# The events after which an agreement's or a confirmation's timers may have changed.
AGREEMENT_EVENTS = (
    RepaymentAgreement.TookEffect,
    RepaymentAgreement.PaymentRecorded,
    RepaymentAgreement.PaymentReportSettled,
    RepaymentAgreement.InstalmentsOverdue,
    RepaymentAgreement.Defaulted,
    RepaymentAgreement.Fulfilled,
    RepaymentAgreement.SetAside,
)
CONFIRMATION_EVENTS = (
    JudicialConfirmation.ApplicationOpened,
    JudicialConfirmation.Applied,
    JudicialConfirmation.Accepted,
    JudicialConfirmation.RulingPeriodExtended,
    JudicialConfirmation.Ruled,
    JudicialConfirmation.ApplicationLapsed,
    JudicialConfirmation.DeadlineMissed,
    JudicialConfirmation.DeadlinesRecomputed,
)


_INSERT = "INSERT INTO {timers} (aggregate_id, kind, timer, due) VALUES (:id, :kind, :timer, :due)"


class Timers:
    """A consumer of one application's events (center or court), keeping its timer rows."""

    def __init__(
        self,
        view: CaseListView,
        kind: str,
        timers_of: Callable[[UUID], dict[str, date]],
        follows: tuple[type[Any], ...],
    ) -> None:
        self.view = view
        self.kind = kind
        self._timers_of = timers_of
        self.follows = follows

    def position(self, application_name: str) -> int:
        return self.view.max_tracking_id(f"timers:{application_name}") or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        statements: list[Statement] = []
        for aggregate_id in dict.fromkeys(event.originator_id for event, _ in items):
            key = {"id": str(aggregate_id)}
            statements.append(("DELETE FROM {timers} WHERE aggregate_id = :id", key))
            statements += [
                (
                    _INSERT,
                    {**key, "kind": self.kind, "timer": timer, "due": due.isoformat()},
                )
                for timer, due in self._timers_of(aggregate_id).items()
            ]
        last = items[-1][1]
        self.view.apply(
            statements, Tracking(f"timers:{last.application_name}", last.notification_id)
        )

    def refresh(self) -> int:
        """Count every running timer of this kind again (after a schedule load moved the
        calendar under them); how many changed."""
        rows = self.view.rows(
            "SELECT aggregate_id, timer, due FROM {timers} WHERE kind = :kind", {"kind": self.kind}
        )
        held: dict[str, dict[str, str]] = {}
        for row in rows:
            held.setdefault(row["aggregate_id"], {})[row["timer"]] = row["due"]
        statements: list[Statement] = []
        for aggregate_id, before in held.items():
            now = {t: d.isoformat() for t, d in self._timers_of(UUID(aggregate_id)).items()}
            if now == before:
                continue
            key = {"id": aggregate_id}
            statements.append(("DELETE FROM {timers} WHERE aggregate_id = :id", key))
            statements += [
                (_INSERT, {**key, "kind": self.kind, "timer": timer, "due": due})
                for timer, due in now.items()
            ]
        if statements:
            self.view.apply(statements, None)
        return sum(1 for s in statements if s[0].startswith("DELETE"))


def lapsed_timers(view: CaseListView, today: date) -> list[tuple[str, UUID, str, date]]:
    """(kind, aggregate ID, timer, due day) of every timer whose day ended before `today`."""
    rows = view.rows(
        "SELECT kind, aggregate_id, timer, due FROM {timers} WHERE due < :today ORDER BY due",
        {"today": today.isoformat()},
    )
    return [
        (row["kind"], UUID(row["aggregate_id"]), row["timer"], date.fromisoformat(row["due"]))
        for row in rows
    ]


def pending_timers(view: CaseListView, kind: str) -> list[tuple[UUID, str, date]]:
    """(aggregate ID, timer, due day) of every running timer of a kind, soonest first: the
    court's queue of confirmations waiting for its acceptance or ruling."""
    rows = view.rows(
        "SELECT aggregate_id, timer, due FROM {timers} WHERE kind = :kind ORDER BY due",
        {"kind": kind},
    )
    return [(UUID(r["aggregate_id"]), r["timer"], date.fromisoformat(r["due"])) for r in rows]
