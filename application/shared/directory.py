"""Directory: the platform's institutions, user accounts and loaded calendar schedules."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.persistence import IntegrityError
from zxcvbn import zxcvbn

from application.shared import access
from application.shared.access import Deployment, Principal
from application.shared.calendar import Schedule
from application.shared.clock import Clock
from application.shared.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    InstitutionMissing,
    NotFound,
    Throttled,
)
from application.shared.institution import Records
from application.shared.pseudonyms import PseudonymKeyRefused, Pseudonyms, load_key
from application.shared.settings import Settings
from domain.shared.actors import InstitutionKind, Role
from domain.shared.calendar_schedule import CalendarYear, check_schedule
from domain.shared.directory import (
    Institution,
    LogKeys,
    PartyIdentity,
    PseudonymKey,
    UserAccount,
    check_docket_prefix,
    check_staff_institution,
    check_username,
)
from domain.shared.errors import InvalidValue
from domain.shared.identity import normalize_id_number, normalize_uscc
from domain.shared.portal_invitation import PortalInvitation

_hasher = PasswordHasher()
MIN_PASSWORD = 12
CLAIM_TRIES = 50  # concurrent wrong tries on one invitation or account, each counted
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" against online guessing


def check_password(password: str, *about: str, field: str = "password") -> None:
    """At least 12 characters that a maintained estimator (zxcvbn, told the user's own names)
    does not find guessable."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(field, "must be at least {limit} characters", limit=MIN_PASSWORD)
    if len(password) > 256:
        raise InvalidValue(field, "must be at most 256 characters")
    found = zxcvbn(password, user_inputs=[a for a in about if a])
    if found["score"] < MIN_STRENGTH:
        hint = found["feedback"]["warning"] or "add more words or characters"
        raise InvalidValue(field, "too easy to guess: {hint}", hint=hint)


R = TypeVar("R", UserAccount, PartyIdentity, PortalInvitation)


@dataclass(frozen=True)
class Session:
    """A signed-in session: its token carries only the account's pseudonymous id and the epoch
    it began in (no name, role or ID number); the principal is read back from the directory."""

    account_id: UUID
    epoch: int
    principal: Principal


def session_of(account: UserAccount) -> Session:
    return Session(account.id, account.session_epoch, principal_of(account))


class Directory(Records):
    """Institutions, accounts, party identities, portal invitations and loaded calendars."""

    def __init__(
        self, env: dict[str, str], clock: Clock, keys_dir: Path, codes_per_day: int = 5
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.keys_dir = keys_dir
        self.codes_per_day = codes_per_day
        self._pseudonyms: Pseudonyms | None = None

    # --- ids of people --------------------------------------------------------------------

    @property
    def pseudonyms(self) -> Pseudonyms:
        """The key people's ids are made with; committed in the log on first use, refused
        (PseudonymKeyRefused) when missing or other than the committed one."""
        if self._pseudonyms is None:
            committed = self.find(PseudonymKey.create_id(), PseudonymKey)
            found = load_key(self.keys_dir, create=committed is None)
            if committed is None:
                try:
                    self.save(PseudonymKey(fingerprint=found.fingerprint, occurred_at=self.clock()))
                except IntegrityError:  # another server committed first
                    committed = self.load(PseudonymKey.create_id(), PseudonymKey)
            if committed is not None and committed.fingerprint != found.fingerprint:
                msg = (
                    f"{self.keys_dir} holds another pseudonym key than the one the directory's "
                    "ids were made with: restore that key"
                )
                raise PseudonymKeyRefused(msg)
            self._pseudonyms = found
        return self._pseudonyms

    def _find(self, kind: str, value: str, cls: type[R]) -> R | None:
        """The record under its keyed id, or under the id it was stored with before ids were
        keyed."""
        found = self.find(self.pseudonyms.of(kind, value), cls)
        return found if found is not None else self.find(Pseudonyms.legacy(kind, value), cls)

    # --- institutions ---------------------------------------------------------------------

    def add_institution(
        self, code: str, kind: str, name: str, docket_prefix: str | None = None
    ) -> Institution:
        clean_code = normalize_uscc(code, "code")
        try:
            institution_kind = InstitutionKind(kind)
        except ValueError:
            raise InvalidValue(
                "kind", "must be one of {choices}", choices=", ".join(InstitutionKind)
            ) from None
        clean_name = name.strip()
        if not clean_name or len(clean_name) > 200:
            raise InvalidValue("name", "must be 1-200 characters")
        institution = Institution(
            code=clean_code,
            kind=institution_kind,
            name=clean_name,
            docket_prefix=check_docket_prefix(docket_prefix),
            occurred_at=self.clock(),
        )
        try:
            self.save(institution)
        except IntegrityError:
            raise AlreadyExists("code", f"institution {clean_code} exists") from None
        return institution

    def institution(self, code: str) -> Institution | None:
        return self.find(Institution.create_id(code), Institution)

    def institutions(self) -> list[Institution]:
        return [self.load(i, Institution) for i in self.ids_of(Institution.Registered)]

    def deployment(self, settings: Settings) -> Deployment:
        """The configured institutions, or the only one of each kind the directory holds."""

        def pick(code: str | None, kind: InstitutionKind) -> str | None:
            if code is not None:
                institution = self.institution(code)
                if institution is None or institution.kind != kind:
                    msg = f"configured {kind} {code} is not in the directory"
                    raise InstitutionMissing(msg)
                return code
            candidates = [i.code for i in self.institutions() if i.kind == kind]
            return candidates[0] if len(candidates) == 1 else None

        center = pick(settings.center_code, InstitutionKind.MEDIATION_CENTER)
        if center is None:
            msg = "no mediation center: run `tiaojie demo` or add one and set TIAOJIE_CENTER"
            raise InstitutionMissing(msg)
        return Deployment(
            center=center,
            court=pick(settings.court_code, InstitutionKind.COURT),
            procuratorate=pick(settings.procuratorate_code, InstitutionKind.PROCURATORATE),
            notary_office=pick(settings.notary_office_code, InstitutionKind.NOTARY_OFFICE),
        )

    # --- accounts -------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        institution: str | None = None,
        id_number: str | None = None,
        display_name: str | None = None,
    ) -> UserAccount:
        name = check_username(username)
        try:
            user_role = Role(role)
        except ValueError:
            raise InvalidValue(
                "role", "must be one of {choices}", choices=", ".join(Role)
            ) from None
        if user_role is Role.SYSTEM:
            raise InvalidValue("role", "the system role is not for people")
        check_password(password, name, display_name or "")
        home = self.institution(normalize_uscc(institution, "institution")) if institution else None
        if institution and home is None:
            raise InvalidValue("institution", "no institution with code {code}", code=institution)
        check_staff_institution(user_role, home.kind if home else None)
        clean_id: str | None = None
        if user_role is Role.PARTY and id_number:
            clean_id = normalize_id_number(id_number)
        elif id_number:
            raise InvalidValue("id_number", "only a party account carries an ID number")
        shown = (display_name or name).strip()[:200] or name
        now = self.clock()
        if self._find("user", name, UserAccount) is not None:
            raise AlreadyExists("username", f"{name} is taken")
        if clean_id and self._find("party-identity", clean_id, PartyIdentity) is not None:
            raise AlreadyExists("id_number", "a party account holds this ID number")
        account = UserAccount(
            id=self.pseudonyms.of("user", name),
            username=name,
            display_name=shown,
            role=user_role,
            institution=home.code if home else None,
            id_number=clean_id,
            password_hash=_hasher.hash(password),
            occurred_at=now,
        )
        claim = (
            PartyIdentity(
                id=self.pseudonyms.of("party-identity", clean_id),
                id_number=clean_id,
                username=name,
                occurred_at=now,
            )
            if clean_id
            else None
        )
        try:
            self.save(account, claim)
        except IntegrityError:
            if self.user(name) is not None:
                raise AlreadyExists("username", f"{name} is taken") from None
            raise AlreadyExists("id_number", "a party account holds this ID number") from None
        return account

    def user(self, username: str) -> UserAccount | None:
        return self._find("user", username.strip().lower(), UserAccount)

    def staff(self, institution: str, role: Role) -> list[UserAccount]:
        """The active accounts of one role at one institution, by user name. A scan of the
        directory's log: an institution has tens of staff, not millions."""
        found = (self.find(i, UserAccount) for i in self.ids_of(UserAccount.Created))
        return sorted(
            (
                a
                for a in found
                if a is not None and a.active and a.role == role and a.institution == institution
            ),
            key=lambda a: a.username,
        )

    def principal(self, username: str) -> Principal | None:
        account = self.user(username)
        return principal_of(account) if account is not None else None

    def resume(self, account_id: UUID, epoch: int) -> Principal | None:
        """The principal of a session still valid: the account active, its sessions not ended
        since the token was issued."""
        account = self.find(account_id, UserAccount)
        if account is None or not account.active or account.session_epoch != epoch:
            return None
        return principal_of(account)

    def end_sessions(self, account_id: UUID) -> None:
        """Sign the account out everywhere (logout)."""
        account = self.load(account_id, UserAccount)
        account.end_sessions(self.clock())
        self.save(account)

    def change_password(self, account_id: UUID, current: str, new: str) -> None:
        """The account's own act: the current password proves it; every session ends."""
        account = self.load(account_id, UserAccount)
        try:
            _hasher.verify(account.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise InvalidValue("current_password", "is not the account's password") from None
        check_password(new, account.username, account.display_name, field="new_password")
        account.change_password(_hasher.hash(new), self.clock())
        self.save(account)

    def set_active(
        self,
        principal: Principal,
        deployment: Deployment,
        username: str,
        *,
        active: bool,
        reason: str = "",
    ) -> None:
        """Deactivate (every session ends) or reactivate an account: the deployment's center
        staff for accounts of their own center, and parties' and outside institutions'
        accounts; operators from the command line."""
        access.check_account_admin(principal, None, deployment)  # who, before whether it exists
        account = self.user(username)
        if account is None:
            raise NotFound(username)
        access.check_account_admin(principal, account.institution, deployment)
        if active:
            account.reactivate(principal.actor, self.clock())
        else:
            account.deactivate(reason, principal.actor, self.clock())
        self.save(account)

    def authenticate(self, username: str, password: str) -> Session | None:
        """The session, or None for a wrong name or password. Each account takes five wrong
        passwords in 15 minutes, then none until the first of them is 15 minutes old
        (Throttled), whatever address they come from."""
        account = self.user(username)
        if account is None or not account.active:
            _hasher.hash(password)  # spend the same time whether or not the user exists
            return None
        now = self.clock()
        blocked = account.sign_in_blocked_until(now)
        if blocked is not None:
            wait = max(1, int((blocked - now).total_seconds()))
            raise Throttled("too many wrong passwords for this account", wait)
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            self._count_failure(account, now)
            return None
        return session_of(account)

    def _count_failure(self, account: UserAccount, now: datetime) -> None:
        """Every wrong password counts, concurrent ones too (counted again on the new state)."""
        for _ in range(CLAIM_TRIES):
            account.sign_in_failed(now)
            try:
                self.save(account)
            except IntegrityError:
                account = self.load(account.id, UserAccount)
                continue
            return

    # --- portal invitations ---------------------------------------------------------------

    def invite(self, id_number: str, phone: str, name: str) -> PortalInvitation | None:
        """The invitation for a natural person still to be sent (made now, or made before and
        not sent: a crash came between); None once sent, or when the account exists."""
        if self._find("party-identity", id_number, PartyIdentity) is not None:
            return None
        existing = self._find("portal-invitation", id_number, PortalInvitation)
        if existing is not None:
            return None if existing.sent else existing
        invitation = PortalInvitation(
            id=self.pseudonyms.of("portal-invitation", id_number),
            id_number=id_number,
            phone=phone,
            name=name,
            occurred_at=self.clock(),
        )
        try:
            self.save(invitation)
        except IntegrityError:  # another follower made it: theirs to send
            return None
        return invitation

    def invitation_sent(self, invitation: PortalInvitation) -> None:
        invitation.mark_sent(self.clock())
        with contextlib.suppress(IntegrityError):  # another follower recorded it first
            self.save(invitation)

    def send_claim_code(self, invitation_id: UUID, send: Callable[[str, str], None]) -> None:
        """A one-time code to the invitation's phone; silently nothing for an unknown one. A
        save that meets another's (the worker recording the invitation sent, a second request)
        is made again on the new state, so the daily cap still counts every code."""
        code = f"{secrets.randbelow(10**6):06d}"
        for _ in range(CLAIM_TRIES):
            invitation = self.find(invitation_id, PortalInvitation)
            if not isinstance(invitation, PortalInvitation):
                return
            digest = self.pseudonyms.digest("claim-code", f"{invitation.id}:{code}")
            invitation.issue_code(digest, self.clock(), self.codes_per_day)
            try:
                self.save(invitation)
            except IntegrityError:
                continue
            break
        else:
            raise ConcurrencyConflict("the invitation", CLAIM_TRIES)
        send(invitation.phone, f"【调解平台】验证码 {code}，10分钟内有效。Your code: {code}")

    def claim(
        self, invitation_id: UUID, code: str, id_suffix: str, username: str, password: str
    ) -> Session:
        """Create the party account, tied to the invitation's ID number. Every wrong try is
        counted, concurrent ones too (a try that meets another's save is counted again on the
        new state), so no more guesses are checked than the lockout allows."""
        wrong = InvalidValue("code", "the code or the last 6 characters of the ID number are wrong")
        for _ in range(CLAIM_TRIES):
            invitation = self.find(invitation_id, PortalInvitation)
            if not isinstance(invitation, PortalInvitation):
                raise wrong
            digest = self.pseudonyms.digest("claim-code", f"{invitation.id}:{code.strip()}")
            if invitation.check(digest, id_suffix, self.clock()):
                break
            try:
                self.save(invitation)
            except IntegrityError:
                continue
            raise wrong
        else:
            raise ConcurrencyConflict("the invitation", CLAIM_TRIES)
        account = self.add_user(
            username, password, "party", None, invitation.id_number, invitation.name
        )
        invitation.claimed(account.username, self.clock())
        self.save(invitation)
        return session_of(account)

    # --- the audit log's keys -------------------------------------------------------------

    def log_vkeys(self) -> list[str]:
        """The log's keys in the order they signed (empty before the first is published)."""
        found = self.find(LogKeys.create_id(), LogKeys)
        return list(found.vkeys) if found is not None else []

    def log_key_chain(self) -> list[tuple[str, str]]:
        """The log's keys in order, each with the handover from the key before ("" first)."""
        found = self.find(LogKeys.create_id(), LogKeys)
        return list(zip(found.vkeys, found.handovers, strict=True)) if found is not None else []

    def publish_log_key(self, vkey: str) -> None:
        """Record the log's first key (once; another server may have recorded it first)."""
        with contextlib.suppress(IntegrityError):
            self.save(LogKeys(vkey=vkey, occurred_at=self.clock()))

    def rotate_log_key(self, vkey: str, handover: str) -> None:
        keys = self.load(LogKeys.create_id(), LogKeys)
        keys.rotate(vkey, handover, self.clock())
        self.save(keys)

    def restart_log(self, vkey: str, handover: str, witnessed: str, kept: int) -> None:
        keys = self.load(LogKeys.create_id(), LogKeys)
        keys.restart(vkey, handover, witnessed, kept, self.clock())
        self.save(keys)

    def log_breaks(self) -> dict[str, tuple[str, int]]:
        """Each restart's new vkey, with the old origin's last witnessed checkpoint (lost
        beyond the copy) and how many entries the copy kept."""
        found = self.find(LogKeys.create_id(), LogKeys)
        return dict(found.breaks) if found is not None else {}

    # --- calendar -------------------------------------------------------------------------

    def load_calendar(self, year: int, holidays: list[date], working_days: list[date]) -> None:
        check_schedule(year, holidays, working_days)
        now = self.clock()
        existing = self.find(CalendarYear.create_id(year), CalendarYear)
        if existing is None:
            self.save(
                CalendarYear(
                    year=year,
                    holidays=sorted(holidays),
                    working_days=sorted(working_days),
                    occurred_at=now,
                )
            )
        else:
            existing.replace(sorted(holidays), sorted(working_days), now)
            self.save(existing)

    def calendar_schedule(self, year: int) -> Schedule | None:
        found = self.find(CalendarYear.create_id(year), CalendarYear)
        if found is None:
            return None
        return Schedule(year, frozenset(found.holidays), frozenset(found.working_days))


def principal_of(account: UserAccount) -> Principal:
    return Principal(
        user_id=account.username,
        role=Role(account.role),
        institution=account.institution,
        id_number=account.id_number,
        display_name=account.display_name,
    )
