"""Institutions and user accounts: who may act on the platform, and for whom."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared import tlog
from domain.shared.actors import ROLE_INSTITUTION_KINDS, InstitutionKind, Role
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue

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
    """A login. Staff belong to one institution; a party account is tied to an ID number."""

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
    """The audit log's signing keys in the order they signed: the first, then one per rotation.

    A rotation carries the replaced key's signature over the next vkey (a handover only the
    holder of the old key can make), so neither an edit of the database nor a key file swapped
    behind the operators' backs adds a key; being events, rotations are entries of the log.
    """

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for readers
        Published: ClassVar[type[DomainEvent]]
        Rotated: ClassVar[type[DomainEvent]]

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "tiaojie:log-keys")

    @event("Published")
    def __init__(self, vkey: str, occurred_at: datetime) -> None:
        self.vkeys = [vkey]

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
        raise InvalidValue("institution", f"a {role} belongs to an institution")
    if kind not in allowed:
        raise InvalidValue("institution", f"a {role} cannot belong to a {kind}")
