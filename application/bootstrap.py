"""The one place that builds the applications, their stores and their followers."""

from __future__ import annotations

import logging
import threading
from typing import cast
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from application.audit.log import (
    AuditFollower,
    AuditLog,
    AuditStore,
    Keys,
    PostgresAuditStore,
    SQLiteAuditStore,
)
from application.audit.verify import Source
from application.court.app import (
    COURT_OUTCOME_TOPICS,
    FAILED_TOPIC,
    Court,
    CourtConfig,
    CourtOutcomes,
)
from application.documents.pki import InstitutionPKI
from application.documents.signed_documents import SignedDocuments
from application.followers.outbox import (
    COURT_DOCUMENT_TOPICS,
    FILED_TOPIC,
    LETTER_TOPIC,
    TOOK_EFFECT_TOPIC,
    Channels,
    Invitations,
    Outbox,
)
from application.followers.scheduler import Scheduler
from application.mediation_center import commands as cmd
from application.mediation_center.app import CenterConfig, MediationCenter
from application.notary_office.app import NotaryOffice, OfficeConfig
from application.read_models.case_list import (
    CaseListProjection,
    CaseListView,
    PostgresCaseListView,
    SQLiteCaseListView,
)
from application.read_models.timers import (
    AGREEMENT_TOPICS,
    CONFIRMATION_TOPICS,
    Timers,
    lapsed_timers,
)
from application.shared.access import SYSTEM, Forbidden, Principal
from application.shared.calendar import OfficialCalendar
from application.shared.clock import Clock, system_clock
from application.shared.directory import Directory
from application.shared.errors import NotFound
from application.shared.following import NotificationPoller
from application.shared.persistence import store_env
from application.shared.settings import Settings
from application.shared.video_sessions import VideoSessions
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.mediation.mediation_case import CaseState, CourtOutcome
from domain.shared.actors import Role
from domain.shared.errors import ActRefused

log = logging.getLogger("tiaojie.followers")


class DeploymentResolver:
    """The deployment's institutions, resolved on first use (so `tiaojie demo` can create them
    after the applications are built) and then kept."""

    def __init__(self, directory: Directory, settings: Settings) -> None:
        self._directory = directory
        self._settings = settings
        self._center: CenterConfig | None = None
        self._court: CourtConfig | None = None
        self._notary: OfficeConfig | None = None
        self._lock = threading.Lock()

    def center(self) -> CenterConfig:
        with self._lock:
            if self._center is None:
                deployment = self._directory.deployment(self._settings)
                center = self._directory.institution(deployment.center)
                assert center is not None
                self._center = CenterConfig(deployment, center.docket_prefix or "")
            return self._center

    def witnesses(self) -> list[str]:
        """The deployment's institutions, each of which cosigns the audit checkpoints."""
        deployment = self.center().deployment
        return [
            code
            for code in (
                deployment.center,
                deployment.court,
                deployment.procuratorate,
                deployment.notary_office,
            )
            if code
        ]

    def notary_office(self) -> OfficeConfig:
        deployment = self.center().deployment
        with self._lock:
            if self._notary is None:
                if deployment.notary_office is None:
                    msg = "no notary office: add one and set TIAOJIE_NOTARY_OFFICE"
                    raise NotFound(msg)
                office = self._directory.institution(deployment.notary_office)
                assert office is not None
                self._notary = OfficeConfig(
                    deployment.notary_office, office.name, office.docket_prefix or ""
                )
            return self._notary

    def court(self) -> CourtConfig:
        deployment = self.center().deployment
        with self._lock:
            if self._court is None:
                if deployment.court is None:
                    msg = "no court: add one (kind court) and set TIAOJIE_COURT"
                    raise NotFound(msg)
                court = self._directory.institution(deployment.court)
                assert court is not None
                self._court = CourtConfig(deployment.court, court.docket_prefix or "", deployment)
            return self._court


class Platform:
    """The built applications of one process, with their followers and calendar."""

    def __init__(
        self,
        settings: Settings,
        directory: Directory,
        center: MediationCenter,
        court: Court,
        notary: NotaryOffice,
        case_list: CaseListProjection,
        calendar: OfficialCalendar,
        view_factory: InfrastructureFactory,
        deployment: DeploymentResolver,
        audit: AuditLog,
        audit_factory: InfrastructureFactory,
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.center = center
        self.court = court
        self.notary = notary
        self.documents = notary.documents
        self.case_list = case_list
        self.calendar = calendar
        self.view_factory = view_factory
        self.center_config = deployment.center
        self._deployment = deployment
        self.poller = NotificationPoller(center, case_list, name="case-list")
        self.court_poller = NotificationPoller(center, court, name="court", topics=[FAILED_TOPIC])
        outcomes = CourtOutcomes(
            court, self._record_transfer, self._record_outcome, view_factory.tracking_recorder()
        )
        self.transfer_poller = NotificationPoller(
            court, outcomes, name="court-outcomes", topics=COURT_OUTCOME_TOPICS
        )
        view = case_list.view
        self.timer_pollers = [
            NotificationPoller(
                center,
                Timers(view, "agreement", lambda i: center.agreement_aggregate(i).timers(calendar)),
                name="timers-center",
                topics=AGREEMENT_TOPICS,
            ),
            NotificationPoller(
                court,
                Timers(
                    view,
                    "confirmation",
                    lambda i: court.aggregate(i, JudicialConfirmation).timers(),
                ),
                name="timers-court",
                topics=CONFIRMATION_TOPICS,
            ),
        ]
        channels = Channels(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            settings.sms_outbox or settings.data_dir / "sms-outbox.jsonl",
            center.clock,
        )
        self.outbox = Outbox(
            center,
            court,
            notary,
            channels,
            view_factory.tracking_recorder(),
            settings.reminder_days,
        )
        self.invitations = Invitations(
            directory, channels, view_factory.tracking_recorder(), settings.public_url
        )
        self.invitation_poller = NotificationPoller(
            center, self.invitations, name="invitations", topics=[FILED_TOPIC]
        )
        self.outbox_pollers = [
            NotificationPoller(center, self.outbox, name="outbox", topics=[TOOK_EFFECT_TOPIC]),
            NotificationPoller(
                court, self.outbox, name="outbox-court", topics=COURT_DOCUMENT_TOPICS
            ),
            NotificationPoller(notary, self.outbox, name="outbox-notary", topics=[LETTER_TOPIC]),
        ]
        self.scheduler = Scheduler(
            center,
            case_list,
            self.outbox.remind,
            timers=lambda today: lapsed_timers(view, today),
            court_timer=court.fire_timer,
        )
        self.audit = audit
        self.video = VideoSessions(
            center,
            center.clock,
            settings.jwt_secret(),
            self._may_host,
            Role.MEDIATOR,
            lambda: deployment.center().deployment.center,
            retries=settings.conflict_retries,
        )
        self.notary_video = VideoSessions(
            notary,
            notary.clock,
            settings.jwt_secret(),
            self._may_notarize,
            Role.NOTARY,
            lambda: deployment.notary_office().code,
            retries=settings.conflict_retries,
        )
        self._session_hosts: dict[UUID, VideoSessions] = {}
        self.audit_factory = audit_factory
        self.audit_pollers = [
            NotificationPoller(
                app,
                AuditFollower(audit.store, institution, lambda _: audit.checkpoint_if_due()),
                name=f"audit-{app.name}",
                on_idle=audit.checkpoint_if_due,
            )
            for app, institution in (
                (center, lambda: deployment.center().deployment.center),
                (court, lambda: deployment.court().code),
                (notary, lambda: deployment.notary_office().code),
            )
        ]
        center.on_recorded(self.audit_pollers[0].wake)
        court.on_recorded(self.audit_pollers[1].wake)
        notary.on_recorded(self.audit_pollers[2].wake)
        center.on_recorded(self.outbox_pollers[0].wake)
        court.on_recorded(self.outbox_pollers[1].wake)
        notary.on_recorded(self.outbox_pollers[2].wake)
        center.on_recorded(self.invitation_poller.wake)
        center.on_recorded(self.poller.wake)
        center.on_recorded(self.court_poller.wake)
        court.on_recorded(self.transfer_poller.wake)
        center.on_recorded(self.timer_pollers[0].wake)
        court.on_recorded(self.timer_pollers[1].wake)

    def audit_sources(self) -> list[Source]:
        """Each institution's application whose events the audit trail holds."""
        return [
            Source(self._deployment.center().deployment.center, self.center),
            Source(self._deployment.court().code, self.court),
            Source(self._deployment.notary_office().code, self.notary),
        ]

    @property
    def followers(self) -> list[NotificationPoller]:
        return [
            self.poller,
            self.court_poller,
            self.transfer_poller,
            *self.outbox_pollers,
            self.invitation_poller,
            *self.timer_pollers,
            *self.audit_pollers,
        ]

    def _record_transfer(self, case_id: UUID, docket_number: str) -> None:
        try:
            self.center.act(case_id, SYSTEM, cmd.RecordTransfer(court_docket_number=docket_number))
        except ActRefused as refused:
            if refused.current_state != CaseState.TRANSFERRED:  # already recorded: nothing to do
                log.warning(
                    "transfer of %s to %s not recorded: %s", case_id, docket_number, refused
                )

    def _may_host(self, principal: Principal, case_id: UUID) -> bool:
        """The case's own mediator hosts its video sessions."""
        if principal.role is not Role.MEDIATOR:
            return False
        try:
            case = self.center.file_of(case_id)
        except NotFound:
            return False
        return case.mediator_id == principal.user_id and (
            principal.institution == self.center_config().deployment.center
        )

    def _may_notarize(self, principal: Principal, matter_id: UUID) -> bool:
        """The office's notaries host its remote notarizations."""
        if principal.role is not Role.NOTARY:
            return False
        try:
            self.notary.matter(matter_id, principal)
        except (NotFound, Forbidden):
            return False
        return True

    def video_sessions(self, session_id: UUID) -> VideoSessions:
        """The institution that holds a video session (the center or the notary office)."""
        found = self._session_hosts.get(session_id)
        if found is None:
            for sessions in (self.video, self.notary_video):
                try:
                    sessions.session(session_id)
                except NotFound:
                    continue
                found = self._session_hosts[session_id] = sessions
                break
            else:
                raise NotFound(str(session_id))
        return found

    def _record_outcome(self, case_id: UUID, outcome: CourtOutcome) -> None:
        try:
            self.center.record_court_outcome(case_id, outcome)
        except ActRefused as refused:
            if refused.rule != "already_recorded":
                log.warning("court outcome on %s not recorded: %s", case_id, refused)

    def load_calendar(self, year: int, holidays: list, working_days: list) -> int:  # type: ignore[type-arg]
        """Store an official schedule and move the deadlines it changes; how many moved."""
        self.directory.load_calendar(year, holidays, working_days)
        self.calendar.forget(year)
        self.poller.catch_up()
        return self.center.recompute_deadlines(self.case_list.running_case_ids())

    def catch_up(self) -> None:
        """Run every follower until nothing is left, then checkpoint the audit log (tests,
        CLI commands)."""
        while sum(follower.catch_up() for follower in self.followers):
            pass
        self.audit.checkpoint_if_due(min_interval=0)

    def start(self) -> None:
        """Followers run in this process: always on SQLite, on PostgreSQL unless external."""
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
        self.audit_factory.close()
        self.center.close()
        self.directory.close()
        self.view_factory.close()


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
    directory = Directory(store_env(settings, "directory"), clock)
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
        party_account=directory.principal,
    )
    court = Court(
        store_env(settings, "court", process=True),
        clock,
        calendar,
        deployment.court,
        center.file_of,
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
        center.agreement_aggregate,
        retries=settings.conflict_retries,
    )
    view, view_factory = build_case_list_view(settings)
    audit_factory = InfrastructureFactory.construct(
        Environment("audit", store_env(settings, "audit"))
    )
    store_class = PostgresAuditStore if settings.uses_postgres else SQLiteAuditStore
    audit = AuditLog(
        cast(AuditStore, audit_factory.tracking_recorder(store_class)),
        Keys(settings.keys_dir or settings.data_dir / "keys"),
        settings.log_origin,
        lambda: [f"{settings.log_origin}/witness/{code}" for code in deployment.witnesses()],
        clock,
    )
    return Platform(
        settings=settings,
        directory=directory,
        center=center,
        court=court,
        notary=notary,
        case_list=CaseListProjection(view=view),
        calendar=calendar,
        view_factory=view_factory,
        deployment=deployment,
        audit=audit,
        audit_factory=audit_factory,
    )
