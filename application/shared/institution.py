"""What every tiaojie application shares, and what every institution's system of record adds.

`Records` is an eventsourcing application with the domain's transcodings, reads by ID (a
missing or other-kind aggregate is "not found"), reads by event class, and listeners told after
each save in this process (followers are woken, pages learn what changed). `Institution` adds
the clock, the official calendar, the deployment's configuration, bounded retries of a command
on a concurrency conflict, gap-free numbers and the one way an act runs.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, StoredEvent
from eventsourcing.postgres import PostgresDatastore

from application.shared.access import SYSTEM, Principal
from application.shared.commands import Command, Composite, Context, Handler
from application.shared.errors import ConcurrencyConflict, NotFound, OutcomeUnknown
from application.shared.topics import topics_of
from application.shared.transcodings import register_domain_transcodings
from domain.shared.filing import SideRole
from domain.shared.numbering import NumberSequence
from domain.shared.periods import WorkingCalendar

A = TypeVar("A")
T = TypeVar("T")
ConfigT = TypeVar("ConfigT")
SCAN_PAGE = 1_000
Attempt = Callable[[datetime], Sequence[Aggregate]]


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's projector without its per-event runtime protocol check, which cost a
    quarter of each command's time here."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Records(Application[UUID]):
    """An application storing the domain's aggregates and values, telling listeners in this
    process after each save (followers are woken, pages learn what changed)."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self._woken: list[Callable[[], None]] = []
        self._saved: list[Callable[[list[UUID]], None]] = []

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def load(self, aggregate_id: UUID, kind: type[A], version: int | None = None) -> A:
        """The aggregate of this kind with this ID (at `version`), or NotFound."""
        try:
            found = self.repository.get(aggregate_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(str(aggregate_id)) from None
        if not isinstance(found, kind):
            raise NotFound(str(aggregate_id))
        return found

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate, or None when there is none of this kind."""
        try:
            return self.load(aggregate_id, kind)
        except NotFound:
            return None

    def notifications_of(self, *event_classes: type[Any]) -> Iterator[Any]:
        """Every stored notification of these event classes, oldest first. A scan of the log:
        fine for small counts, a read model's job when they grow."""
        topics = list(topics_of(*event_classes))
        start = 1
        while page := self.recorder.select_notifications(start, SCAN_PAGE, topics=topics):
            yield from page
            start = page[-1].id + 1

    def ids_of(self, *event_classes: type[Any]) -> list[UUID]:
        """The IDs of the aggregates that recorded these events, oldest first, once each."""
        found = (UUID(str(n.originator_id)) for n in self.notifications_of(*event_classes))
        return list(dict.fromkeys(found))

    # --- saves whose outcome was not seen -------------------------------------------------

    def save_exactly_once(self, *aggregates: Aggregate) -> None:
        """Save, and when the store's answer was lost (a connection dropped after the commit,
        the library's retry meeting its own first insert, a failure after the commit such as a
        snapshot) find out from the store: the events' own ids and versions were chosen before
        saving, so the stored records either are exactly these events or are not. Raises
        IntegrityError only when another save took those versions; OutcomeUnknown when the
        store cannot be asked."""
        pending = [event for aggregate in aggregates for event in aggregate.pending_events]
        try:
            self.save(*aggregates)
        except Exception as failure:
            try:
                stored = self._stored([self.mapper.to_stored_event(e) for e in pending])
            except Exception as unknown:
                raise OutcomeUnknown(str(failure)) from unknown
            if stored:
                return  # committed: the failure came after it, or was the retry's
            raise

    def _stored(self, expected: Sequence[StoredEvent]) -> bool:
        """Whether every expected record is in the store as it is (none: False)."""
        found = [
            self.recorder.select_events(
                record.originator_id,
                gt=record.originator_version - 1,
                lte=record.originator_version,
            )
            for record in expected
        ]
        ours = [
            bool(rows)
            and rows[-1].originator_version == record.originator_version
            and rows[-1].topic == record.topic
            and bytes(rows[-1].state) == bytes(record.state)
            for rows, record in zip(found, expected, strict=True)
        ]
        return bool(ours) and all(ours)

    # --- listeners ------------------------------------------------------------------------

    def on_recorded(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every save in this process (a follower's wake-up)."""
        self._woken.append(listener)

    def on_saved(self, listener: Callable[[list[UUID]], None]) -> None:
        """Call `listener` with the IDs of the aggregates each save in this process changed."""
        self._saved.append(listener)

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        super()._notify(recordings)
        for wake in self._woken:
            wake()
        if self._saved:
            ids = list(dict.fromkeys(r.domain_event.originator_id for r in recordings))
            for listener in self._saved:
                listener(ids)


class Institution(Records, Generic[ConfigT]):
    """An institution's system of record: its own store, clock, calendar and configuration."""

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], ConfigT],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.calendar = calendar
        self._config = config
        self.retries = retries
        self._numbering = threading.Lock()

    @property
    def config(self) -> ConfigT:
        """The deployment's configuration, resolved on first use."""
        return self._config()

    # --- commands -------------------------------------------------------------------------

    def recompute_deadlines(self, kind: type[Any], ids: Iterable[UUID]) -> int:
        """After a schedule load: each running aggregate of `kind` counts its deadlines again
        on the loaded calendar, recording an event where one moved or firmed up; how many."""
        moved = 0
        for aggregate_id in ids:
            changed: list[bool] = []

            def attempt(
                now: datetime, aggregate_id: UUID = aggregate_id, changed: list[bool] = changed
            ) -> Sequence[Aggregate]:
                aggregate = self.load(aggregate_id, kind)
                changed[:] = [aggregate.recompute_deadlines(self.calendar, SYSTEM.actor, now)]
                return [aggregate]

            self.save_retrying(f"{kind.__name__} {aggregate_id}", attempt)
            moved += int(changed[0])
        return moved

    def save_retrying(self, what: str, attempt: Attempt) -> Sequence[Aggregate]:
        """Run `attempt` (load, decide, return what to save) and save it atomically; on a
        concurrent change reload and re-run, at most `retries` more times, after a random
        wait that doubles each time. A save that took numbers and lost goes on in the queue of
        the institution's number takers: four processes filing at once left one losing the
        open race nine times in a row."""
        with contextlib.ExitStack() as queued:
            for tries in range(self.retries + 1):
                aggregates = attempt(self.clock())
                try:
                    self.save_exactly_once(*aggregates)
                except IntegrityError:
                    if any(isinstance(a, NumberSequence) for a in aggregates) and not tries:
                        queued.enter_context(self.numbering())
                    else:
                        wait = min(0.2, 0.002 * 2**tries)
                        time.sleep(random.uniform(0, wait))  # noqa: S311 (jitter, not secrecy)
                    continue
                return aggregates
        raise ConcurrencyConflict(what, self.retries + 1)

    @contextlib.contextmanager
    def numbering(self) -> Iterator[None]:
        """One number taker of this institution at a time: in this process by a lock, across
        processes (PostgreSQL) by an advisory lock, which the database grants in turn."""
        with self._numbering:
            datastore = getattr(self.recorder, "datastore", None)
            if not isinstance(datastore, PostgresDatastore):
                yield
                return
            key = f"tiaojie:{datastore.schema}:{self.name}:numbers"
            with datastore.get_connection() as conn:
                conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
                try:
                    yield
                finally:
                    try:
                        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
                    except psycopg.Error:
                        conn.close()  # the server lets go of a closed session's locks

    def run_act(
        self,
        what: str,
        principal: Principal,
        command: Command,
        handler: Handler[Any, Any],
        target: Callable[[], tuple[T, SideRole | None]],
    ) -> T:
        """The one way an act runs: `target` loads what the act is on (and has the access
        module check who may see and do it), the handler runs in the act's context, and the
        target with whatever the handler added is saved in one transaction; a concurrent
        change re-runs it all. The target as saved."""
        done: list[T] = []

        def attempt(now: datetime) -> Sequence[Aggregate]:
            found, side = target()
            x = Context(self, principal, now, side)
            handler(x, found, command)
            done[:] = [found]
            own = found.aggregates if isinstance(found, Composite) else [found]
            return [*own, *x.saved]

        self.save_retrying(what, attempt)
        return done[0]

    def number_sequence(self, institution: str, kind: str, year: int) -> NumberSequence:
        """An institution's gap-free sequence of a kind and year, new if none was taken yet."""
        found = self.find(NumberSequence.create_id(institution, kind, year), NumberSequence)
        return found or NumberSequence(institution=institution, kind=kind, year=year)
