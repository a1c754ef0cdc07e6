"""Acts on many cases at once, as center staff select them in the list: each case is its
own act in its own transaction, and each one's result is reported, so one refusal does not
undo or hide the others. A distribution assigns referred cases to the center's mediators,
each to the one with the fewest open cases (then the fewest due within a week)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from application.mediation_center import commands as cmd
from application.mediation_center.app import MediationCenter
from application.shared.access import Principal
from application.shared.commands import Command
from domain.shared.errors import InvalidValue

MAX_SELECTED = 500


class BulkActIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One act on each selected case: accept, refer (with `kind`, and `procedure` for a
    lawsuit the court entrusted), assign a `mediator`, or distribute them among the center's
    mediators by their open cases."""

    act: Literal["accept", "refer", "assign_mediator", "distribute"]
    case_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_SELECTED)]
    kind: Literal["pre_filing", "in_litigation"] | None = None
    procedure: Literal["ordinary", "summary"] | None = None
    mediator: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None

    def command(self) -> Command | None:
        """The act on one case (None: a distribution, which picks each case's mediator)."""
        return _COMMANDS[self.act](self)

    def given(self, field: str) -> str:
        value = getattr(self, field)
        if value is None:
            raise InvalidValue(field, "is required to {act}", act=self.act.replace("_", " "))
        return str(value)


_COMMANDS: dict[str, Callable[[BulkActIn], Command | None]] = {
    "accept": lambda _: cmd.Accept(),
    "refer": lambda asked: msgspec.convert(
        {"kind": asked.given("kind"), "procedure": asked.procedure}, cmd.Refer
    ),
    "assign_mediator": lambda asked: cmd.AssignMediator(mediator=asked.given("mediator")),
    "distribute": lambda _: None,
}


@dataclass(frozen=True)
class Outcome:
    """One selected case: as saved, or why not (any failure: the others go on)."""

    case_id: UUID
    state: str | None
    error: Exception | None = None
    mediator: str | None = None  # the case's mediator after the act


def act_on_each(
    center: MediationCenter, principal: Principal, case_ids: Sequence[UUID], command: Command
) -> list[Outcome]:
    """The same act on each case, one at a time."""
    return [_one(center, principal, case_id, command) for case_id in case_ids]


def distribute(
    center: MediationCenter,
    principal: Principal,
    case_ids: Sequence[UUID],
    mediators: Iterable[str],
    load: dict[str, tuple[int, int]],
) -> list[Outcome]:
    """Assign each case to the mediator with the fewest open cases, then the fewest due
    within a week (`load`, from the case list), counting each assignment as it is made."""
    counts = {m: load.get(m, (0, 0)) for m in mediators}
    outcomes = []
    for case_id in case_ids:
        if not counts:
            outcomes.append(Outcome(case_id, None, LookupError("the center has no mediators")))
            continue
        chosen = min(counts, key=lambda m: (*counts[m], m))
        outcome = _one(center, principal, case_id, cmd.AssignMediator(mediator=chosen))
        if outcome.error is None:
            open_cases, due = counts[chosen]
            counts[chosen] = (open_cases + 1, due)
        outcomes.append(outcome)
    return outcomes


def _one(center: MediationCenter, principal: Principal, case_id: UUID, command: Command) -> Outcome:
    try:
        case = center.act(case_id, principal, command)
        return Outcome(case_id, str(case.state), mediator=case.mediator_id)
    except Exception as error:  # noqa: BLE001 (reported with the case; the others go on)
        return Outcome(case_id, None, error)
