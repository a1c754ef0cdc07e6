"""The one place that builds the applications, their stores and their followers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from application.audit.log import AuditFollower, AuditLog, Keys
from application.audit.store import AuditStore, PostgresAuditStore, SQLiteAuditStore
from application.audit.verify import Source
from application.audit.witnesses import WitnessClient
from application.court.app import Court, CourtConfig
from application.documents.pki import InstitutionPKI
from application.documents.signed_documents import SignedDocuments
from application.followers.channels import Channels
from application.followers.court_outcomes import CourtOutcomes
from application.followers.invitations import Invitations
from application.followers.outbox import Outbox
from application.followers.scheduler import Scheduler
from application.mediation_center.app import CenterConfig, MediationCenter
from application.notary_office.app import NotaryOffice, OfficeConfig
from application.procuratorate.app import Procuratorate, ProcuratorateConfig
from application.procuratorate.red_flags import RedFlags, Thresholds
from application.read_models.case_list import CaseListProjection
from application.read_models.case_list_view import (
    VERSION,
    CaseListView,
    PostgresCaseListView,
    SQLiteCaseListView,
)
from application.read_models.timers import (
    AGREEMENT_EVENTS,
    CONFIRMATION_EVENTS,
    Timers,
    lapsed_timers,
    pending_timers,
)
from application.shared import access
from application.shared.calendar import OfficialCalendar
from application.shared.clock import Clock, system_clock
from application.shared.directory import Directory
from application.shared.errors import InstitutionMissing, NotFound
from application.shared.following import NotificationPoller
from application.shared.idempotency import (
    IdempotencyKeys,
    PostgresIdempotencyKeys,
    SQLiteIdempotencyKeys,
)
from application.shared.institution import Institution, Records
from application.shared.persistence import check_data_files, creating_tables, store_env
from application.shared.settings import Settings
from application.shared.video_sessions import VideoSessions
from application.wiring import FOLLOWERS
from domain.court.enforcement_case import EnforcementCase
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import RepaymentAgreement
from domain.notary.notarial_matter import NotarialMatter
from domain.procuratorate.supervision_case import SubjectKind
from domain.shared.actors import Role
from domain.shared.periods import shanghai_date
from domain.shared.video_session import VideoSession

DIRECTORY = "directory"  # the trail's name for the platform's directory

log = logging.getLogger("tiaojie")


class DeploymentResolver:
    """The deployment's institutions, resolved on first use (so `tiaojie demo` can create them
    after the applications are built) and then kept."""

    def __init__(self, directory: Directory, settings: Settings) -> None:
        self._directory = directory
        self._settings = settings
        self._center: CenterConfig | None = None
        self._court: CourtConfig | None = None
        self._notary: OfficeConfig | None = None
        self._procuratorate: ProcuratorateConfig | None = None
        self._lock = threading.Lock()

    def center(self) -> CenterConfig:
        with self._lock:
            if self._center is None:
                deployment = self._directory.deployment(self._settings)
                center = self._directory.institution(deployment.center)
                assert center is not None
                self._center = CenterConfig(deployment, center.docket_prefix or "")
            return self._center

    def notary_office(self) -> OfficeConfig:
        deployment = self.center().deployment
        with self._lock:
            if self._notary is None:
                if deployment.notary_office is None:
                    msg = "no notary office: add one and set TIAOJIE_NOTARY_OFFICE"
                    raise InstitutionMissing(msg)
                office = self._directory.institution(deployment.notary_office)
                assert office is not None
                self._notary = OfficeConfig(
                    deployment.notary_office, office.name, office.docket_prefix or ""
                )
            return self._notary

    def procuratorate(self) -> ProcuratorateConfig:
        deployment = self.center().deployment
        with self._lock:
            if self._procuratorate is None:
                if deployment.procuratorate is None:
                    msg = "no procuratorate: add one and set TIAOJIE_PROCURATORATE"
                    raise InstitutionMissing(msg)
                found = self._directory.institution(deployment.procuratorate)
                assert found is not None
                self._procuratorate = ProcuratorateConfig(
                    deployment.procuratorate,
                    found.name,
                    found.docket_prefix or "",
                    deployment,
                    self._settings.supervision_review_months,
                    self._settings.supervision_reply_months,
                )
            return self._procuratorate

    def court(self) -> CourtConfig:
        deployment = self.center().deployment
        with self._lock:
            if self._court is None:
                if deployment.court is None:
                    msg = "no court: add one (kind court) and set TIAOJIE_COURT"
                    raise InstitutionMissing(msg)
                court = self._directory.institution(deployment.court)
                assert court is not None
                self._court = CourtConfig(deployment.court, court.docket_prefix or "", deployment)
            return self._court


class Platform:
    """The built applications of one process, their followers (the wiring table), the
    scheduler and the video sessions each institution holds."""

    def __init__(
        self,
        settings: Settings,
        directory: Directory,
        center: MediationCenter,
        court: Court,
        notary: NotaryOffice,
        procuratorate: Procuratorate,
        case_list: CaseListProjection,
        calendar: OfficialCalendar,
        view_factory: InfrastructureFactory,
        audit: AuditLog,
        audit_factory: InfrastructureFactory,
    ) -> None:
        self.settings = settings
        self.directory: Directory = directory
        self.center: MediationCenter = center
        self.court: Court = court
        self.notary: NotaryOffice = notary
        self.procuratorate: Procuratorate = procuratorate
        self.documents = notary.documents
        self.case_list: CaseListProjection = case_list
        if case_list.view.upgrade(center.name):
            log.info("the case list's tables are new (version %s): rebuilt from the log", VERSION)
        self.calendar = calendar
        self.view_factory = view_factory
        self.audit: AuditLog = audit
        self.audit_factory = audit_factory
        keys_class = PostgresIdempotencyKeys if settings.uses_postgres else SQLiteIdempotencyKeys
        self.idempotency = cast(IdempotencyKeys, view_factory.tracking_recorder(keys_class))
        view = case_list.view
        self.court_outcomes: CourtOutcomes = CourtOutcomes(
            center, court, view_factory.tracking_recorder()
        )
        self.agreement_timers: Timers = Timers(
            view,
            "agreement",
            lambda i: center.load(i, RepaymentAgreement).timers(calendar),
            AGREEMENT_EVENTS,
        )
        self.confirmation_timers: Timers = Timers(
            view,
            "confirmation",
            lambda i: court.load(i, JudicialConfirmation).timers(),
            CONFIRMATION_EVENTS,
        )
        channels = Channels(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            settings.sms_outbox or settings.data_dir / "sms-outbox.jsonl",
            center.clock,
        )
        self.outbox: Outbox = Outbox(
            center,
            court,
            notary,
            channels,
            view_factory.tracking_recorder(),
            settings.reminder_days,
        )
        self.red_flags: RedFlags = RedFlags(
            procuratorate,
            center,
            view_factory.tracking_recorder(),
            Thresholds(
                settings.red_flag_pair_cases,
                settings.red_flag_pair_days,
                settings.red_flag_loop_hours,
                settings.red_flag_cloned_creditors,
                settings.red_flag_large_percentile,
            ),
        )
        self.invitations: Invitations = Invitations(
            directory, channels, view_factory.tracking_recorder(), settings.public_url
        )
        self.followers = [follower.build(self) for follower in FOLLOWERS]
        self.scheduler = Scheduler(
            center,
            case_list,
            self.outbox.remind,
            timers=lambda today: lapsed_timers(view, today),
            court=court,
            supervision=procuratorate.mark_overdue_replies,
        )
        self.video = VideoSessions(
            center,
            settings.jwt_secret(),
            lambda principal, case_id: (
                (case := center.find(case_id, MediationCase)) is not None
                and access.hosts_case_session(principal, case, center.config.deployment)
            ),
            Role.MEDIATOR,
            lambda: center.config.code,
        )
        self.notary_video = VideoSessions(
            notary,
            settings.jwt_secret(),
            lambda principal, matter_id: (
                access.hosts_notarization(principal, notary.config.code)
                and notary.find(matter_id, NotarialMatter) is not None
            ),
            Role.NOTARY,
            lambda: notary.config.code,
        )

    def follower(self, name: str) -> NotificationPoller:
        """The follower of this name (the wiring table's)."""
        return next(f for f in self.followers if f.name == name)

    def audit_follower(self, source: Records) -> AuditFollower:
        """Appends an application's events to the audit log, checkpointing when due."""
        return AuditFollower(
            self.audit.store,
            lambda: self.audited_as(source),
            lambda: self.directory.pseudonyms,
            lambda _: self.audit.checkpoint_if_due(),
        )

    def audited_as(self, source: Records) -> str:
        """Whose events they are in the trail: the institution's code, or `directory` for the
        platform's accounts, roles, institutions, invitations and calendars."""
        return source.config.code if isinstance(source, Institution) else DIRECTORY

    def audit_sources(self) -> list[Source]:
        """Every application whose events the audit trail holds."""
        apps: list[Records] = [
            self.center,
            self.court,
            self.notary,
            self.procuratorate,
            self.directory,
        ]
        return [Source(self.audited_as(app), app, self.directory.pseudonyms) for app in apps]

    def video_sessions(self, session_id: UUID) -> VideoSessions:
        """The institution that holds a video session (the center or the notary office)."""
        for sessions in (self.video, self.notary_video):
            if sessions.app.find(session_id, VideoSession) is not None:
                return sessions
        raise NotFound(str(session_id))

    def load_calendar(self, year: int, holidays: list, working_days: list) -> int:  # type: ignore[type-arg]
        """Store an official schedule and move the deadlines it changes; how many moved."""
        self.directory.load_calendar(year, holidays, working_days)
        self.calendar.forget(year)
        for name in ("case-list", "timers-center", "timers-court"):
            self.follower(name).catch_up()
        running = [i for i, _, _ in pending_timers(self.case_list.view, "confirmation")]
        moved = self.center.recompute_deadlines(MediationCase, self.case_list.running_case_ids())
        moved += self.court.recompute_deadlines(JudicialConfirmation, dict.fromkeys(running))
        served = self.notary.ids_of(NotarialMatter.VerificationLetterServed)
        moved += self.notary.recompute_deadlines(NotarialMatter, served)
        for name in ("case-list", "timers-court"):
            self.follower(name).catch_up()
        return moved + self.agreement_timers.refresh()

    def calendar_warnings(self) -> tuple[list[int], int]:
        """This year (and from November, when the State Council publishes it, the next) when
        its official schedule is unknown, and how many deadlines fell due on a guessed
        calendar and are held until it is loaded."""
        today = shanghai_date(self.center.clock())
        years = [today.year, today.year + 1] if today.month >= 11 else [today.year]
        unknown = [y for y in years if not self.calendar.knows(y)]
        timers = lapsed_timers(self.case_list.view, today)
        held = sum(1 for *_, due in timers if not self.calendar.knows(due.year))
        return unknown, held + self.case_list.held(today)

    def catch_up(self) -> None:
        """Run every follower until nothing is left, then checkpoint the audit log (tests,
        CLI commands)."""
        while sum(follower.catch_up() for follower in self.followers):
            pass
        self.audit.checkpoint_if_due(min_interval=0)

    def missing_institutions(self) -> dict[str, str]:
        """The deployment's institutions that are not configured, each with how to add it."""
        try:
            deployment = self.directory.deployment(self.settings)
        except InstitutionMissing as missing:
            return {"mediation_center": str(missing)}
        how = {
            "court": (deployment.court, "add one (kind court) and set TIAOJIE_COURT"),
            "procuratorate": (
                deployment.procuratorate,
                "add one (kind procuratorate) and set TIAOJIE_PROCURATORATE",
            ),
            "notary_office": (
                deployment.notary_office,
                "add one (kind notary_office) and set TIAOJIE_NOTARY_OFFICE",
            ),
        }
        return {kind: f"no {kind}: {advice}" for kind, (code, advice) in how.items() if not code}

    def rotate_log_key(self) -> str:
        """Hand the log over to a new key: the handover (signed by the old key) is recorded as
        an entry, the old key signs a checkpoint holding it, then the new key signs. Witnesses
        cosign the new key's checkpoints once their operators trust it. The new vkey."""
        vkey = self.audit.begin_rotation()
        self.catch_up()
        self.audit.finish_rotation()
        return vkey

    def start(self) -> None:
        """Followers run in this process: always on SQLite, on PostgreSQL unless external. A
        log whose key is gone after it signed refuses to start (LogKeyRefused), as does a
        directory whose pseudonym key is gone or replaced (PseudonymKeyRefused)."""
        self.audit.check_key()
        _ = self.directory.pseudonyms
        if self.settings.projections_in_process:
            for follower in self.followers:
                follower.start()
            self.scheduler.start()

    def stop_background(self) -> None:
        self.scheduler.stop()
        for follower in self.followers:
            follower.stop()

    def close(self) -> None:
        self.stop_background()
        self.court.close()
        self.notary.close()
        self.procuratorate.close()
        self.audit_factory.close()
        self.center.close()
        self.directory.close()
        self.view_factory.close()


def subject_records(
    center: MediationCenter, court: Court, notary: NotaryOffice
) -> Callable[[SubjectKind, UUID], Aggregate]:
    """Where the procuratorate finds the records it supervises, by kind."""
    stores: dict[SubjectKind, tuple[Records, type[Aggregate]]] = {
        SubjectKind.MEDIATION_CASE: (center, MediationCase),
        SubjectKind.REPAYMENT_AGREEMENT: (center, RepaymentAgreement),
        SubjectKind.JUDICIAL_CONFIRMATION: (court, JudicialConfirmation),
        SubjectKind.LITIGATION_CASE: (court, LitigationCase),
        SubjectKind.ENFORCEMENT_CASE: (court, EnforcementCase),
        SubjectKind.NOTARIAL_MATTER: (notary, NotarialMatter),
    }

    def record(kind: SubjectKind, record_id: UUID) -> Aggregate:
        app, cls = stores[kind]
        return app.load(record_id, cls)

    return record


def build_case_list_view(
    settings: Settings,
) -> tuple[CaseListView, InfrastructureFactory]:
    """The read model's own store: its SQLite file, or `case_list*` tables in PostgreSQL."""
    factory = InfrastructureFactory.construct(
        Environment("case_list", store_env(settings, "views"))
    )
    view_class = PostgresCaseListView if settings.uses_postgres else SQLiteCaseListView
    view = factory.tracking_recorder(view_class)
    return cast(CaseListView, view), factory


def build_platform(settings: Settings, clock: Clock = system_clock) -> Platform:
    """Every application on its store; tables made once, one process at a time."""
    check_data_files(settings)
    with creating_tables(settings):
        keys_dir = settings.keys_dir or settings.data_dir / "keys"
        directory = Directory(
            store_env(settings, "directory"), clock, keys_dir, settings.sms_per_phone_per_day
        )
        calendar = OfficialCalendar(directory.calendar_schedule)
        deployment = DeploymentResolver(directory, settings)
        center = MediationCenter(
            store_env(settings, "mediation_center"),
            clock,
            calendar,
            deployment.center,
            retries=settings.conflict_retries,
            grace_days=settings.grace_days,
            default_threshold_days=settings.default_threshold_days,
            account=directory.principal,
        )
        court = Court(
            store_env(settings, "court", process=True),
            clock,
            calendar,
            deployment.court,
            center.file_of,
            center.agreement_of,
            retries=settings.conflict_retries,
        )
        documents = SignedDocuments(
            InstitutionPKI(settings.pki_dir or settings.data_dir / "pki"),
            settings.data_dir / "documents",
            settings.cjk_font,
        )
        notary = NotaryOffice(
            store_env(settings, "notary_office"),
            clock,
            calendar,
            deployment.notary_office,
            documents,
            settings.public_url,
            lambda agreement_id: center.load(agreement_id, RepaymentAgreement),
            center.file_of,
            retries=settings.conflict_retries,
        )
        procuratorate = Procuratorate(
            store_env(settings, "procuratorate"),
            clock,
            calendar,
            deployment.procuratorate,
            subject_records(center, court, notary),
            directory.principal,
            retries=settings.conflict_retries,
        )
        view, view_factory = build_case_list_view(settings)
        audit_factory = InfrastructureFactory.construct(
            Environment("audit", store_env(settings, "audit"))
        )
        store_class = PostgresAuditStore if settings.uses_postgres else SQLiteAuditStore
        audit = AuditLog(
            cast(AuditStore, audit_factory.tracking_recorder(store_class)),
            Keys(keys_dir),
            settings.log_origin,
            [WitnessClient(w) for w in settings.witnesses],
            settings.witness_quorum,
            directory,
        )
        return Platform(
            settings=settings,
            directory=directory,
            center=center,
            court=court,
            notary=notary,
            procuratorate=procuratorate,
            case_list=CaseListProjection(view=view),
            calendar=calendar,
            view_factory=view_factory,
            audit=audit,
            audit_factory=audit_factory,
        )
