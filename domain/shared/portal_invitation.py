"""Portal invitations: a natural-person side claims a portal account by proving control of the
phone (a one-time code) and knowing the last 6 characters of the ID number.

The code is stored only as a keyed digest (HMAC under a server secret kept outside the stores,
so the stored digest of a six-digit code cannot be tried against all million codes); wrong
attempts are counted and, after too many, further attempts are refused for a while; a phone
gets at most a configured number of codes in any 24 hours.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.shared.aggregate import Aggregate
from domain.shared.errors import ActRefused

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
CODE_LIFETIME = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
DAY = timedelta(hours=24)


class PortalInvitation(Aggregate):
    codes_sent: tuple[datetime, ...] = ()  # in the last 24 hours (also for older snapshots)
    sent = False  # the invitation's own message (invitations made before this was kept: False)

    def mark_sent(self, at: datetime) -> None:
        """The invitation message was accepted by the channel (sent again until it is)."""
        if not self.sent:
            self._sent(occurred_at=at)

    @event("InvitationSent")
    def _sent(self, occurred_at: datetime) -> None:
        self.sent = True

    @event("Issued")
    def __init__(
        self,
        id: UUID,  # noqa: A002 (the library's name) a keyed pseudonym: the id is in the claim link
        id_number: str,
        phone: str,
        name: str,
        occurred_at: datetime,
    ) -> None:
        self.id_number = id_number
        self.phone = phone
        self.name = name
        self.code_salt: str | None = None
        self.code_sha256: str | None = None
        self.code_expires: datetime | None = None
        self.code_sent_at: datetime | None = None
        self.failures = 0
        self.locked_until: datetime | None = None
        self.claimed_by: str | None = None

    def _refuse_if_closed(self, act: str, at: datetime) -> None:
        if self.claimed_by is not None:
            raise ActRefused(act, "claimed", "already_claimed", "this invitation has been used")
        if self.locked_until is not None and at < self.locked_until:
            raise ActRefused(
                act,
                "locked",
                "throttled",
                "too many wrong attempts; try again after {until}",
                until=self.locked_until,
            )

    def issue_code(self, code_digest: str, at: datetime, per_day: int) -> None:
        """A new one-time code (only its keyed digest kept); at most one a minute and
        `per_day` in any 24 hours."""
        self._refuse_if_closed("send_code", at)
        if self.code_sent_at is not None and at - self.code_sent_at < RESEND_AFTER:
            raise ActRefused(
                "send_code", "code_sent", "throttled", "a code was sent less than a minute ago"
            )
        if len([sent for sent in self.codes_sent if at - sent < DAY]) >= per_day:
            raise ActRefused(
                "send_code",
                "code_sent",
                "throttled",
                "at most {per_day} codes a day to a phone",
                per_day=per_day,
            )
        self._code_sent(code_digest=code_digest, expires=at + CODE_LIFETIME, occurred_at=at)

    @event("CodeIssued")
    def _code_issued(
        self, salt: str, code_sha256: str, expires: datetime, occurred_at: datetime
    ) -> None:
        """A code stored as a salted SHA-256 (before codes were keyed): it no longer checks."""
        self.code_salt = salt
        self.code_sha256 = code_sha256
        self.code_expires = expires
        self.code_sent_at = occurred_at

    @event("CodeSent")
    def _code_sent(self, code_digest: str, expires: datetime, occurred_at: datetime) -> None:
        self.code_salt = None
        self.code_sha256 = code_digest
        self.code_expires = expires
        self.code_sent_at = occurred_at
        recent = tuple(sent for sent in self.codes_sent if occurred_at - sent < DAY)
        self.codes_sent = (*recent, occurred_at)

    def check(self, code_digest: str, id_suffix: str, at: datetime) -> bool:
        """True when the code (its keyed digest) and the ID suffix are right; a wrong try is
        recorded."""
        self._refuse_if_closed("claim", at)
        right = (
            self.code_salt is None
            and self.code_sha256 is not None
            and self.code_expires is not None
            and at <= self.code_expires
            and hmac.compare_digest(code_digest, self.code_sha256)
            and hmac.compare_digest(id_suffix.strip().upper(), self.id_number[-6:])
        )
        if not right:
            failures = self.failures + 1
            self._attempt_failed(
                failures=failures,
                locked_until=at + LOCKOUT if failures >= MAX_FAILURES else None,
                occurred_at=at,
            )
        return right

    @event("AttemptFailed")
    def _attempt_failed(
        self, failures: int, locked_until: datetime | None, occurred_at: datetime
    ) -> None:
        self.failures = 0 if locked_until is not None else failures
        self.locked_until = locked_until

    def claimed(self, username: str, at: datetime) -> None:
        self._claimed(username=username, occurred_at=at)

    @event("Claimed")
    def _claimed(self, username: str, occurred_at: datetime) -> None:
        self.claimed_by = username
        self.code_sha256 = None
