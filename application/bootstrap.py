"""The one place that builds the applications, their stores and the projection."""

from __future__ import annotations

import threading
from typing import cast

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from application.calendar import OfficialCalendar
from application.case_list import (
    CaseListProjection,
    CaseListView,
    PostgresCaseListView,
    ProjectionPoller,
    SQLiteCaseListView,
)
from application.clock import Clock, system_clock
from application.directory import Directory
from application.mediation_center import CenterConfig, MediationCenter
from application.persistence import store_env
from application.settings import Settings


class CenterConfigResolver:
    """The deployment's institutions, resolved on first use (so `tiaojie demo` can create them
    after the applications are built) and then kept."""

    def __init__(self, directory: Directory, settings: Settings) -> None:
        self._directory = directory
        self._settings = settings
        self._config: CenterConfig | None = None
        self._lock = threading.Lock()

    def __call__(self) -> CenterConfig:
        with self._lock:
            if self._config is None:
                deployment = self._directory.deployment(self._settings)
                center = self._directory.institution(deployment.center)
                assert center is not None
                self._config = CenterConfig(deployment, center.docket_prefix or "")
            return self._config


class Platform:
    """The built applications of one process, with their projection and calendar."""

    def __init__(
        self,
        settings: Settings,
        directory: Directory,
        center: MediationCenter,
        case_list: CaseListProjection,
        poller: ProjectionPoller,
        calendar: OfficialCalendar,
        view_factory: InfrastructureFactory,
        center_config: CenterConfigResolver,
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.center = center
        self.case_list = case_list
        self.poller = poller
        self.calendar = calendar
        self.view_factory = view_factory
        self.center_config = center_config

    def load_calendar(self, year: int, holidays: list, working_days: list) -> int:  # type: ignore[type-arg]
        """Store an official schedule and move the deadlines it changes; how many moved."""
        self.directory.load_calendar(year, holidays, working_days)
        self.calendar.forget(year)
        self.poller.catch_up()
        return self.center.recompute_deadlines(self.case_list.running_case_ids())

    def start(self) -> None:
        if self.settings.projections_in_process:
            self.center.on_recorded(self.poller.wake)
            self.poller.start()

    def close(self) -> None:
        self.poller.stop()
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
    config = CenterConfigResolver(directory, settings)
    center = MediationCenter(
        store_env(settings, "mediation_center"),
        clock,
        calendar,
        config,
        retries=settings.conflict_retries,
        grace_days=settings.grace_days,
        default_threshold_days=settings.default_threshold_days,
        party_account=directory.principal,
    )
    view, view_factory = build_case_list_view(settings)
    case_list = CaseListProjection(view=view)
    return Platform(
        settings=settings,
        directory=directory,
        center=center,
        case_list=case_list,
        poller=ProjectionPoller(center, case_list),
        calendar=calendar,
        view_factory=view_factory,
        center_config=config,
    )
