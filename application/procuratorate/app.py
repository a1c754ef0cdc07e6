"""Procuratorate: the procuratorate's system of record, with a store of its own.

Its prosecutors open supervision cases on the center's, the court's and the notary office's
records, review them and decide (acts.py); the addressee of a recommendation replies as its own
act. Reading a subject's file is an act too: only the assigned prosecutor reads, and every read
(who, which record, which parts, when) is a `FileRead` event, so it is on the audit trail and
shown to the institution whose record was read. Outside supervision prosecutors keep the audit
metadata view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from application.procuratorate import commands as cmd
from application.procuratorate.acts import SUPERVISION_ACTS
from application.shared import access
from application.shared.access import SYSTEM, Deployment, Principal
from application.shared.commands import Command
from application.shared.errors import NotFound
from application.shared.institution import Institution, replay
from domain.procuratorate.red_flag import ClaimSizes, PairCases, RedFlag
from domain.procuratorate.supervision_case import (
    SUBJECT_INSTITUTION,
    FileRead,
    Source,
    Subject,
    SubjectKind,
    SupervisionCase,
    SupervisionState,
    Target,
)
from domain.shared.actors import InstitutionKind
from domain.shared.errors import InvalidValue
from domain.shared.numbering import format_number
from domain.shared.periods import WorkingCalendar, shanghai_date

SUPERVISION_KIND_LABEL = "民监"
Records = Callable[[SubjectKind, UUID], Aggregate]


@dataclass(frozen=True)
class ProcuratorateConfig:
    code: str
    name: str
    prefix: str
    deployment: Deployment
    review_months: int
    reply_months: int

    def addressee(self, kind: InstitutionKind) -> str:
        """The deployment's institution of this kind."""
        deployment = self.deployment
        code = {
            InstitutionKind.COURT: deployment.court,
            InstitutionKind.MEDIATION_CENTER: deployment.center,
            InstitutionKind.NOTARY_OFFICE: deployment.notary_office,
        }[kind]
        if code is None:
            raise InvalidValue("addressee", "this deployment has no {kind}", kind=kind)
        return code


@dataclass(frozen=True)
class ReadOut:
    """A read of a subject's file: the case it was read for, and what was read."""

    case: SupervisionCase
    record: FileRead
    content: dict[str, Any]


class Procuratorate(Institution[ProcuratorateConfig]):
    # The detector's counters grow by an event a filing: the center's claim sizes with every
    # filing, a pair's cases with each of its filings.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {ClaimSizes: 100, PairCases: 50}
    snapshotting_projectors: ClassVar[dict[type[Any], Any]] = {
        ClaimSizes: replay,
        PairCases: replay,
    }

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime],
        calendar: WorkingCalendar,
        config: Callable[[], ProcuratorateConfig],
        records: Records,
        account: Callable[[str], Principal | None],
        *,
        retries: int = 8,
    ) -> None:
        super().__init__(env, clock, calendar, config, retries=retries)
        self._records = records
        self._account = account

    # --- opening --------------------------------------------------------------------------

    def open(self, principal: Principal, data: cmd.OpenSupervision) -> SupervisionCase:
        """Open a supervision case on records that exist; numbered per procuratorate, kind
        and year."""
        config = self.config
        access.check_supervision_act(principal, config.code, "open")
        subjects = [self._subject(SubjectKind(s.kind), s.record_id) for s in data.subjects]

        def attempt(now: datetime) -> Sequence[Aggregate]:
            year = shanghai_date(now).year
            sequence = self.number_sequence(config.code, SUPERVISION_KIND_LABEL, year)
            number = format_number(
                config.prefix, SUPERVISION_KIND_LABEL, year, sequence.take(1, now)[0]
            )
            opened = SupervisionCase.open(
                number,
                Source(data.source),
                Target(data.target),
                subjects,
                data.summary,
                data.applicant_name,
                data.retrial_refused,
                data.red_flag_id,
                principal.actor,
                now,
            )
            if data.red_flag_id is None:
                return [opened, sequence]
            flag = self.load(data.red_flag_id, RedFlag)
            flag.supervise(opened.id, principal.actor, now)
            return [opened, sequence, flag]

        if data.red_flag_id is not None and self.find(data.red_flag_id, RedFlag) is None:
            raise InvalidValue("red_flag_id", "no such red flag")
        saved = self.save_retrying("the supervision number sequence", attempt)
        found = saved[0]
        assert isinstance(found, SupervisionCase)
        return found

    def _subject(self, kind: SubjectKind, record_id: UUID) -> Subject:
        try:
            record = self._records(kind, record_id)
        except NotFound:
            raise InvalidValue(
                "subjects", "no {kind} {record}", kind=kind, record=record_id
            ) from None
        label = next(
            (
                str(getattr(record, name))
                for name in ("docket_number", "filing_number", "number")
                if getattr(record, name, None)
            ),
            str(record_id),
        )
        institution = self.config.addressee(SUBJECT_INSTITUTION[kind])
        return Subject(kind, record_id, institution, label)

    # --- reading a case -------------------------------------------------------------------

    def case(self, case_id: UUID, principal: Principal) -> SupervisionCase:
        """For the procuratorate's prosecutors, and for the addressee's staff once a
        recommendation is addressed to them; to anyone else it does not exist."""
        found = self.load(case_id, SupervisionCase)
        if not access.sees_supervision(principal, self.config.code, found):
            raise NotFound(str(case_id))
        return found

    def cases(self, principal: Principal) -> list[SupervisionCase]:
        """Newest first: all of them for prosecutors, those addressed to an institution for
        its staff. Reads the log; a read model replaces it when the numbers grow."""
        ids = reversed(self.ids_of(SupervisionCase.Opened))
        found = (self.load(i, SupervisionCase) for i in ids)
        return [c for c in found if access.sees_supervision(principal, self.config.code, c)]

    # --- acts -----------------------------------------------------------------------------

    def act(self, case_id: UUID, principal: Principal, command: Command) -> SupervisionCase:
        """Run an act on a supervision case (SUPERVISION_ACTS); the case as saved."""
        handler = SUPERVISION_ACTS[type(command)]

        def target() -> tuple[SupervisionCase, None]:
            found = self.case(case_id, principal)
            access.check_supervision_act(principal, self.config.code, command.act_name(), found)
            return found, None

        return self.run_act(f"supervision case {case_id}", principal, command, handler, target)

    def prosecutor_id(self, username: str) -> str:
        """The user id of a prosecutor of this procuratorate, by user name."""
        found = self._account(username)
        if found is None or not access.is_prosecutor(found, self.config.code):
            raise InvalidValue("prosecutor", "not a prosecutor of this procuratorate")
        return found.user_id

    def read_file(self, case_id: UUID, principal: Principal, data: cmd.ReadFile) -> ReadOut:
        """The assigned prosecutor reads parts of a subject's record: the read is saved as an
        event first, then the parts are returned (a read that could not be recorded returns
        nothing)."""
        case = self.case(case_id, principal)
        subject = case.subject(data.record_id)
        record = self._records(subject.kind, subject.record_id)
        readable = sorted(k for k in vars(record) if not k.startswith("_"))
        for part in data.parts:
            if part not in readable:
                raise InvalidValue(
                    "parts",
                    "'{part}' is not a part of a {kind}: {readable}",
                    part=part,
                    kind=subject.kind,
                    readable=", ".join(readable),
                )

        def read(x: Any, found: SupervisionCase, c: cmd.ReadFile) -> None:
            found.read_file(c.record_id, list(dict.fromkeys(c.parts)), x.actor, x.now)

        def target() -> tuple[SupervisionCase, None]:
            found = self.case(case_id, principal)
            access.check_supervision_act(principal, self.config.code, "read_file", found)
            return found, None

        saved = self.run_act(f"supervision case {case_id}", principal, data, read, target)
        content = {part: msgspec.to_builtins(getattr(record, part)) for part in data.parts}
        return ReadOut(saved, saved.reads[-1], content)

    def reads_of(self, record_id: UUID, principal: Principal) -> list[tuple[str, FileRead]]:
        """The reads of one record, with the supervision case's number: for the staff of the
        institution that keeps the record. Reads the log; a read model replaces it."""
        found = []
        for case_id in self.ids_of(SupervisionCase.FileRead):
            case = self.load(case_id, SupervisionCase)
            subject = next((s for s in case.subjects if s.record_id == record_id), None)
            if subject is None or not access.is_staff_of(principal, subject.institution):
                continue
            found += [(case.number, r) for r in case.reads if r.record_id == record_id]
        return found

    # --- red flags ------------------------------------------------------------------------

    def flags(
        self, principal: Principal, indicator: str | None = None, state: str | None = None
    ) -> list[RedFlag]:
        """The red-flag queue, highest score first (then newest). Reads the log; a read model
        replaces it when the numbers grow."""
        if not access.sees_red_flags(principal, self.config.code):
            return []
        found = [self.load(i, RedFlag) for i in self.ids_of(RedFlag.Raised)]
        return sorted(
            (
                f
                for f in found
                if (indicator is None or f.indicator == indicator)
                and (state is None or f.state == state)
            ),
            key=lambda f: (-f.score, -f.raised_at.timestamp()),
        )

    def flag(self, flag_id: UUID, principal: Principal) -> RedFlag:
        if not access.sees_red_flags(principal, self.config.code):
            raise NotFound(str(flag_id))
        return self.load(flag_id, RedFlag)

    def dismiss_flag(self, flag_id: UUID, principal: Principal, reason: str) -> RedFlag:
        """Dismissed by a prosecutor, with the reason (an event)."""

        def dismiss(x: Any, found: RedFlag, _: Command) -> None:
            found.dismiss(reason, x.actor, x.now)

        def target() -> tuple[RedFlag, None]:
            found = self.flag(flag_id, principal)
            access.check_supervision_act(principal, self.config.code, "dismiss_flag")
            return found, None

        return self.run_act(f"red flag {flag_id}", principal, Command(), dismiss, target)

    # --- deadlines ------------------------------------------------------------------------

    def mark_overdue_replies(self) -> int:
        """Record, once each, the recommendations whose reply is late (the scheduler's)."""
        marked = 0
        for case_id in self.ids_of(SupervisionCase.Recommended):
            case = self.load(case_id, SupervisionCase)
            if case.state is not SupervisionState.RECOMMENDED or case.overdue:
                continue

            def overdue(x: Any, found: SupervisionCase, _: Command) -> None:
                found.mark_overdue(x.actor, x.now)

            def target(case_id: UUID = case_id) -> tuple[SupervisionCase, None]:
                return self.load(case_id, SupervisionCase), None

            before = case.version
            after = self.run_act(f"supervision case {case_id}", SYSTEM, Command(), overdue, target)
            marked += after.version > before
        return marked
