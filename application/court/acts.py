"""The court's acts: one handler per command class, on a judicial confirmation or a
litigation case. Who may do each is the access module's; in which states, the aggregates'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.court import commands as cmd
from application.shared.commands import Command, Context, Handler
from domain.court.judicial_confirmation import JudicialConfirmation, Objector
from domain.court.litigation_case import LitigationCase
from domain.shared.filing import Procedure, SideRole

if TYPE_CHECKING:
    from application.court.app import Court


def _accept(x: Context[Court], found: JudicialConfirmation, c: cmd.AcceptApplication) -> None:
    """Accepted and docketed in one act: the number and its sequence save together."""
    number, sequence = x.app.confirmation_number(x.now)
    found.accept(number, x.app.calendar, x.actor, x.now)
    x.save(sequence)


CONFIRMATION_ACTS: dict[type[Command], Handler[Court, JudicialConfirmation]] = {
    cmd.AcceptApplication: _accept,
    cmd.RefuseApplication: lambda x, found, c: found.refuse(c.ground, c.reason, x.actor, x.now),
    cmd.ExtendRulingPeriod: lambda x, found, c: found.extend_ruling_period(
        c.approved_by, x.app.calendar, x.actor, x.now
    ),
    cmd.ScheduleVerification: lambda x, found, c: found.schedule_verification(
        c.starts_at, x.actor, x.now
    ),
    cmd.RecordVerification: lambda x, found, c: found.record_verification(c.notes, x.actor, x.now),
    cmd.RecordObjection: lambda x, found, c: found.record_objection(
        Objector(c.objector), c.name, c.known_on, c.grounds, x.app.calendar, x.actor, x.now
    ),
    cmd.DecideObjection: lambda x, found, c: found.decide_objection(
        c.number, c.upheld, c.reason, x.actor, x.now
    ),
    cmd.RequestMoreTime: lambda x, found, c: found.request_more_time(
        c.name, c.obstacle_ended_on, c.reason, x.app.calendar, x.actor, x.now
    ),
    cmd.DecideMoreTime: lambda x, found, c: found.decide_more_time(
        c.number, c.granted, x.app.calendar, x.actor, x.now
    ),
    cmd.WithdrawApplication: lambda x, found, c: found.request_withdrawal(
        str(x.own_side), c.reason, x.actor, x.now
    ),
    cmd.RuleOnWithdrawal: lambda x, found, c: found.rule_on_withdrawal(
        c.allowed, c.reason, x.actor, x.now
    ),
    cmd.RuleConfirmed: lambda x, found, c: found.rule(None, c.reason, x.actor, x.now),
    cmd.RuleRejected: lambda x, found, c: found.rule(c.ground, c.reason, x.actor, x.now),
    cmd.LapseApplication: lambda x, found, c: found.lapse(x.actor, x.now),
    cmd.RecordMissedDeadline: lambda x, found, c: found.record_missed_deadline(x.actor, x.now),
}

LITIGATION_ACTS: dict[type[Command], Handler[Court, LitigationCase]] = {
    cmd.Entrust: lambda x, found, c: found.entrust(
        x.app.config.deployment.center,
        Procedure(c.procedure) if c.procedure else None,
        x.actor,
        x.now,
    ),
    cmd.ServeDocument: lambda x, found, c: found.serve_document(x.actor, x.now),
    cmd.RecordReceipt: lambda x, found, c: found.record_receipt(
        SideRole(c.side), c.received_on, x.actor, x.now
    ),
    cmd.RecordBackingOut: lambda x, found, c: found.record_backing_out(
        SideRole(c.side), c.reason, x.actor, x.now
    ),
    cmd.WithdrawLawsuit: lambda x, found, c: found.withdraw_lawsuit(c.reason, x.actor, x.now),
    cmd.RuleOnWithdrawal: lambda x, found, c: found.rule_on_withdrawal(
        c.allowed, c.reason, x.actor, x.now
    ),
    cmd.ScheduleHearing: lambda x, found, c: found.schedule_hearing(c.starts_at, x.actor, x.now),
    cmd.Decide: lambda x, found, c: found.decide(c.outcome, c.summary, x.actor, x.now),
}
