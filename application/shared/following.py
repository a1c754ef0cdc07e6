"""Following an application's notification log: projections and process applications.

SQLite cannot be followed from another process (the library has no subscription for it), so one
poller serves both backends: woken after local saves, polling for saves made elsewhere. What
makes processing exactly-once is the consumer's tracking, written atomically with its effects;
a consumer that loses a race to another process fails on the tracking row and re-reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Notification, Tracking


class Consumer(Protocol):
    def position(self, application_name: str) -> int:
        """The last notification ID of the application this consumer has processed."""

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        """Process events in order, recording the tracking atomically with the effects."""


@runtime_checkable
class RecordConsumer(Protocol):
    """A consumer that needs the stored records too (the audit log hashes them)."""

    def position(self, application_name: str) -> int: ...

    def process_records(
        self, application_name: str, items: Sequence[tuple[Notification, Any]]
    ) -> None: ...


class NotificationPoller:
    def __init__(
        self,
        app: Application[UUID],
        consumer: Consumer | RecordConsumer,
        *,
        name: str,
        topics: Sequence[str] = (),
        batch: int = 500,
        interval: float = 0.5,
        on_idle: Callable[[], object] = lambda: None,
    ) -> None:
        self.app = app
        self.consumer = consumer
        self.name = name
        self.topics = topics
        self.batch = batch
        self.interval = interval
        self.on_idle = on_idle
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def position(self) -> int:
        return self.consumer.position(self.app.name)

    def run_once(self) -> int:
        """Process the next batch; the number of events processed (0 when caught up)."""
        notifications = self.app.recorder.select_notifications(
            self.position + 1, self.batch, topics=self.topics
        )
        if not notifications:
            return 0
        events = [self.app.mapper.to_domain_event(n) for n in notifications]
        try:
            if isinstance(self.consumer, RecordConsumer):
                self.consumer.process_records(
                    self.app.name, list(zip(notifications, events, strict=True))
                )
            else:
                self.consumer.process(
                    [
                        (e, Tracking(self.app.name, n.id))
                        for n, e in zip(notifications, events, strict=True)
                    ]
                )
        except IntegrityError:
            return 0  # another process tracked these first, or a conflict: re-read and retry
        return len(notifications)

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        total = 0
        while not self._stopping.is_set() and (count := self.run_once()):
            total += count
            if progress:
                progress(count)
        return total

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.catch_up()
                self.on_idle()
            except Exception as error:  # noqa: BLE001 (the loop must survive a bad moment)
                self.error = error
            self._wake.wait(self.interval)
            self._wake.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wait_for(self, notification_id: int, timeout: float = 10.0) -> None:
        """Block until everything up to `notification_id` is processed (or skipped by topic)."""
        give_up = time.monotonic() + timeout
        while self.position < notification_id and self._pending(notification_id):
            if time.monotonic() > give_up:
                msg = f"{self.name} did not reach {notification_id}"
                raise TimeoutError(msg)
            self.wake()
            time.sleep(0.01)

    def _pending(self, notification_id: int) -> bool:
        return bool(
            self.app.recorder.select_notifications(
                self.position + 1, 1, stop=notification_id, topics=self.topics
            )
        )


def followed_by(reaction: Any) -> tuple[type[Any], ...]:
    """The event classes a singledispatch reaction (function or method) is registered for:
    what its consumer follows."""
    registry = getattr(reaction, "dispatcher", reaction).registry
    return tuple(event_class for event_class in registry if event_class is not object)
