"""What every institution's application does to run a command: replay and retried saves."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.shared.errors import ConcurrencyConflict
from domain.shared.numbering import NumberSequence


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's projector without its per-event runtime protocol check, which cost a
    quarter of each command's time here."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def save_retrying(
    app: Application[UUID],
    clock: Callable[[], datetime],
    retries: int,
    what: str,
    attempt: Callable[[datetime], Sequence[Aggregate]],
) -> Sequence[Aggregate]:
    """Run `attempt` (load, decide, return what to save) and save it atomically; on a
    concurrent change reload and re-run, at most `retries` more times."""
    for tries in range(retries + 1):
        aggregates = attempt(clock())
        try:
            app.save(*aggregates)
        except IntegrityError:
            time.sleep(random.uniform(0, 0.002 * (tries + 1)))  # noqa: S311 (jitter)
            continue
        return aggregates
    raise ConcurrencyConflict(what, retries + 1)


def number_sequence(
    app: Application[UUID], institution: str, kind: str, year: int
) -> NumberSequence:
    """An institution's gap-free sequence of a kind and year, new if none was taken yet."""
    try:
        found: NumberSequence = app.repository.get(
            NumberSequence.create_id(institution, kind, year), projector_func=replay
        )
    except AggregateNotFoundError:
        return NumberSequence(institution=institution, kind=kind, year=year)
    return found
