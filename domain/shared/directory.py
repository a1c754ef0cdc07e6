"""Institutions and user accounts: who may act on the platform, and for whom."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared import tlog
from domain.shared.actors import ROLE_INSTITUTION_KINDS, Actor, InstitutionKind, Role
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue

SIGN_IN_FAILURES = 5
SIGN_IN_WINDOW = timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_PREFIX = re.compile(r"^\S{1,16}$")


class Institution(Aggregate):
    """An organisation known to the platform, identified by its unified social credit code."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for readers
        Registered: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"tiaojie:institution:{code}")

    @event("Registered")
    def __init__(
        self,
        code: str,
        kind: InstitutionKind,
        name: str,
        docket_prefix: str | None,
        occurred_at: datetime,
    ) -> None:
        self.code = code
        self.kind = kind
        self.name = name
        self.docket_prefix = docket_prefix


class UserAccount(Aggregate):
    """A login. Staff belong to one institution; a party account is tied to an ID number.

    A session is valid while its token carries the account's `session_epoch`: signing out,
    a new password and deactivation move the epoch on, ending every session at once.
    """

    session_epoch = 0  # also for accounts restored from snapshots taken before sessions ended
    failed_sign_ins: tuple[datetime, ...] = ()  # within the last SIGN_IN_WINDOW

    def sign_in_blocked_until(self, at: datetime) -> datetime | None:
        """After SIGN_IN_FAILURES wrong passwords within the window, sign-in waits until the
        oldest of them leaves it (checked before the password, so guesses stop counting)."""
        recent = [t for t in self.failed_sign_ins if at - t < SIGN_IN_WINDOW]
        return recent[0] + SIGN_IN_WINDOW if len(recent) >= SIGN_IN_FAILURES else None

    def sign_in_failed(self, at: datetime) -> None:
        self._sign_in_failed(at)

    @event("SignInFailed")
    def _sign_in_failed(self, occurred_at: datetime) -> None:
        recent = tuple(t for t in self.failed_sign_ins if occurred_at - t < SIGN_IN_WINDOW)
        self.failed_sign_ins = (*recent, occurred_at)

    @event("Created")
    def __init__(
        self,
        id: UUID,  # noqa: A002 (the library's name) a keyed pseudonym of the user name
        username: str,
        display_name: str,
        role: Role,
        institution: str | None,
        id_number: str | None,
        password_hash: str,
        occurred_at: datetime,
    ) -> None:
        self.username = username
        self.display_name = display_name
        self.role = role
        self.institution = institution
        self.id_number = id_number
        self.password_hash = password_hash
        self.active = True

    def end_sessions(self, occurred_at: datetime) -> None:
        """Sign out everywhere: every token issued so far stops working."""
        self._sessions_ended(occurred_at)

    @event("SessionsEnded")
    def _sessions_ended(self, occurred_at: datetime) -> None:
        self.session_epoch = self.session_epoch + 1

    def change_password(self, password_hash: str, occurred_at: datetime) -> None:
        """A new password ends every session (a stolen token dies with the old password)."""
        self._password_changed(password_hash, occurred_at)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, occurred_at: datetime) -> None:
        self.password_hash = password_hash
        self.session_epoch = self.session_epoch + 1

    def deactivate(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        if not self.active:
            raise InvalidValue("account", "is already deactivated")
        if not reason.strip():
            raise InvalidValue("reason", "say why the account is deactivated")
        self._deactivated(reason.strip(), actor, occurred_at)

    @event("Deactivated")
    def _deactivated(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.active = False
        self.session_epoch = self.session_epoch + 1

    def reactivate(self, actor: Actor, occurred_at: datetime) -> None:
        if self.active:
            raise InvalidValue("account", "is active")
        self._reactivated(actor, occurred_at)

    @event("Reactivated")
    def _reactivated(self, actor: Actor, occurred_at: datetime) -> None:
        self.active = True


class PartyIdentity(Aggregate):
    """Reserves an ID number for one party account, so two accounts cannot claim one person."""

    @event("Claimed")
    def __init__(
        self,
        id: UUID,  # noqa: A002 (the library's name) a keyed pseudonym of the ID number
        id_number: str,
        username: str,
        occurred_at: datetime,
    ) -> None:
        self.id_number = id_number
        self.username = username


class PseudonymKey(Aggregate):
    """The directory's commitment to the key its people's ids are made with: a fingerprint
    (an HMAC under the key), so a server with another key refuses to start."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "tiaojie:pseudonym-key")

    @event("Committed")
    def __init__(self, fingerprint: str, occurred_at: datetime) -> None:
        self.fingerprint = fingerprint


class LogKeys(Aggregate):
    """The audit log's signing keys in the order they signed: the first, then one per rotation
    or restart under a new origin (the same key under the new name).

    A rotation carries the replaced key's signature over the next vkey (a handover only the
    holder of the old key can make), so neither an edit of the database nor a key file swapped
    behind the operators' backs adds a key; being events, rotations are entries of the log.
    """

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for readers
        Published: ClassVar[type[DomainEvent]]
        Rotated: ClassVar[type[DomainEvent]]
        Restarted: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "tiaojie:log-keys")

    @event("Published")
    def __init__(self, vkey: str, occurred_at: datetime) -> None:
        self.vkeys = [vkey]
        self.handovers = [""]  # each key's handover from the one before (none for the first)
        self.breaks: dict[str, tuple[str, int]] = {}  # restarts: the lost witnessed checkpoint

    @property
    def current(self) -> str:
        return self.vkeys[-1]

    def rotate(self, vkey: str, handover: str, occurred_at: datetime) -> None:
        if vkey in self.vkeys:
            raise InvalidValue("vkey", "this key has signed the log before")
        if tlog.Verifier.parse(vkey).name != tlog.Verifier.parse(self.current).name:
            raise InvalidValue("vkey", "the next key must be named for the same log")
        try:
            tlog.verify_handover(self.current, vkey, handover)
        except ValueError:
            raise InvalidValue("handover", "not signed by the key in use") from None
        self._rotated(vkey, handover, occurred_at)

    @event("Rotated")
    def _rotated(self, vkey: str, handover: str, occurred_at: datetime) -> None:
        self.vkeys = [*self.vkeys, vkey]
        self.handovers = [*self.handovers, handover]

    def restart(
        self, vkey: str, handover: str, witnessed: str, kept: int, occurred_at: datetime
    ) -> None:
        """The log goes on under a new origin from a copy of `kept` entries, behind the
        checkpoint the witnesses cosigned last (`witnessed`, signed by the key in use): an
        announced break. The old origin signs nothing more, since its next tree would fork."""
        before = tlog.Verifier.parse(self.current)
        if tlog.Verifier.parse(vkey).name == before.name:
            raise InvalidValue("vkey", "a restarted log has an origin of its own")
        try:
            tlog.verify_handover(self.current, vkey, handover)
        except ValueError:
            raise InvalidValue("handover", "not signed by the key in use") from None
        try:
            lost = tlog.verify_note(witnessed, before)
        except ValueError:
            raise InvalidValue("witnessed", "not a checkpoint of the log's origin") from None
        if lost.size <= kept:
            raise InvalidValue("witnessed", "the copy is not behind this checkpoint")
        self._restarted(vkey, handover, witnessed, kept, occurred_at)

    @event("Restarted")
    def _restarted(
        self, vkey: str, handover: str, witnessed: str, kept: int, occurred_at: datetime
    ) -> None:
        self.vkeys = [*self.vkeys, vkey]
        self.handovers = [*self.handovers, handover]
        self.breaks = {**self.breaks, vkey: (witnessed, kept)}


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidValue("username", "3-64 characters: lower-case letters, digits, . _ -")
    return name


def check_docket_prefix(prefix: str | None) -> str | None:
    if prefix is not None and not _PREFIX.match(prefix):
        raise InvalidValue("docket_prefix", "1-16 characters without spaces")
    return prefix


def check_staff_institution(role: Role, kind: InstitutionKind | None) -> None:
    """A staff role belongs to an institution of a fitting kind; a party belongs to none."""
    allowed = ROLE_INSTITUTION_KINDS[role]
    if role is Role.PARTY:
        if kind is not None:
            raise InvalidValue("institution", "a party account belongs to no institution")
        return
    if kind is None:
        raise InvalidValue("institution", "a {role} belongs to an institution", role=role)
    if kind not in allowed:
        raise InvalidValue(
            "institution", "a {role} cannot belong to a {kind}", role=role, kind=kind
        )
