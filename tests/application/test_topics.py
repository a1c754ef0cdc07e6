"""Stores written before the domain moved into its institution packages still load and are
still followed: their events name the old module paths."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from application.bootstrap import build_platform
from application.mediation_center import commands as cmd
from application.read_models.case_list import CaseFilters
from application.shared.clock import ManualClock
from application.shared.topics import topics_of
from domain.mediation.mediation_case import MediationCase
from tests.conftest import make_platform, settings_for
from tests.support.data import ADMIN, AGENT, START, drive


def test_events_and_snapshots_stored_under_former_module_paths(tmp_path: Path) -> None:
    clock = ManualClock(START)
    settings = settings_for("sqlite", tmp_path)
    platform = make_platform(settings, clock)
    case = drive(platform.center, clock, "in_mediation")
    platform.center.take_snapshot(case.id)
    platform.close()
    with sqlite3.connect(settings.data_dir / "mediation_center.sqlite") as store:
        for table in ("stored_events", "stored_snapshots"):
            changed = store.execute(
                f"UPDATE {table} SET topic = replace(topic, "
                "'domain.mediation.mediation_case:', 'domain.mediation_case:')"
            ).rowcount
            assert changed > 0
        [(old,)] = store.execute("SELECT DISTINCT topic FROM stored_events LIMIT 1").fetchall()
        assert old.startswith("domain.mediation_case:MediationCase.")
    again = build_platform(settings, clock)
    try:
        loaded = again.center.case(case.id, ADMIN)
        assert loaded.state == "in_mediation" and loaded.version == case.version
        assert again.center.ids_of(MediationCase.Filed) == [case.id]  # followers' filters too
        assert "domain.mediation_case:MediationCase.Filed" in topics_of(MediationCase.Filed)
        again.case_list.view.reset(again.center.name)  # a rebuild over the old store
        again.follower("case-list").catch_up()
        deployment = again.center.config.deployment
        [row] = again.case_list.page(ADMIN, deployment, CaseFilters(), clock().date()).rows
        assert (row["case_id"], row["state"]) == (str(case.id), "in_mediation")
        moved = again.center.act(case.id, AGENT, cmd.Withdraw())  # and it goes on from there
        assert moved.state == "withdrawn"
    finally:
        again.close()
