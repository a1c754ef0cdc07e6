"""Who follows whom: the one table from which every follower and its wake-up is derived.

Each row names a follower (its name is its tracking identity and `tiaojie worker --only`'s
argument), the institution whose log it reads and the consumer that processes it. The events a
consumer follows come from its own classes (`follows`, from the event classes its reactions are
registered for), so a renamed event fails at import instead of silently stopping a follower.
Every save in a process wakes that process's followers of the saving institution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from application.shared.following import NotificationPoller
from application.shared.topics import topics_of

if TYPE_CHECKING:
    from application.bootstrap import Platform
    from application.shared.institution import Records


@dataclass(frozen=True)
class Follower:
    name: str
    source: Callable[[Platform], Records]
    consumer: Callable[[Platform], Any]
    checkpoints: bool = False  # the audit log: checkpoint when idle and after appending

    def build(self, platform: Platform) -> NotificationPoller:
        source, consumer = self.source(platform), self.consumer(platform)
        poller = NotificationPoller(
            source,
            consumer,
            name=self.name,
            topics=topics_of(*getattr(consumer, "follows", ())),
            on_idle=platform.audit.checkpoint_if_due if self.checkpoints else lambda: None,
        )
        source.on_recorded(poller.wake)
        return poller


FOLLOWERS: tuple[Follower, ...] = (
    Follower("case-list", lambda p: p.center, lambda p: p.case_list),
    Follower("court", lambda p: p.center, lambda p: p.court),
    Follower("court-outcomes", lambda p: p.court, lambda p: p.court_outcomes),
    Follower("outbox", lambda p: p.center, lambda p: p.outbox),
    Follower("outbox-court", lambda p: p.court, lambda p: p.outbox),
    Follower("outbox-notary", lambda p: p.notary, lambda p: p.outbox),
    Follower("invitations", lambda p: p.center, lambda p: p.invitations),
    Follower("red-flags", lambda p: p.center, lambda p: p.red_flags),
    Follower("red-flags-court", lambda p: p.court, lambda p: p.red_flags),
    Follower("timers-center", lambda p: p.center, lambda p: p.agreement_timers),
    Follower("timers-court", lambda p: p.court, lambda p: p.confirmation_timers),
    Follower(
        "audit-MediationCenter",
        lambda p: p.center,
        lambda p: p.audit_follower(p.center),
        checkpoints=True,
    ),
    Follower(
        "audit-Court", lambda p: p.court, lambda p: p.audit_follower(p.court), checkpoints=True
    ),
    Follower(
        "audit-NotaryOffice",
        lambda p: p.notary,
        lambda p: p.audit_follower(p.notary),
        checkpoints=True,
    ),
    Follower(
        "audit-Procuratorate",
        lambda p: p.procuratorate,
        lambda p: p.audit_follower(p.procuratorate),
        checkpoints=True,
    ),
    Follower(
        "audit-Directory",
        lambda p: p.directory,
        lambda p: p.audit_follower(p.directory),
        checkpoints=True,
    ),
)
