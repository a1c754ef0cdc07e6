"""The center's published figures from the case list, on every backend."""

from __future__ import annotations

from datetime import timedelta

from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.read_models.case_list import center_figures
from application.shared.clock import ManualClock
from tests.support.data import MEDIATOR, drive, settle


def test_figures_by_month_and_mediator(platform: Platform, clock: ManualClock) -> None:
    settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    failed = drive(platform.center, clock, "in_mediation")
    clock.advance(timedelta(days=2))
    platform.center.act(failed.id, MEDIATOR, cmd.DeclareFailure(reason="no_agreement"))
    drive(platform.center, clock, "withdrawn")
    drive(platform.center, clock, "filed")
    platform.catch_up()
    platform.catch_up()
    [march] = center_figures(platform.case_list.view, "month", "2026-01-01", "2027-01-01")
    assert march["label"] == "2026-03"
    assert march["filed"] == 4 and march["at_stake_fen"] == 4 * 1_012_345
    assert march["concluded"] == 2 and march["agreed"] == 1 and march["transferred"] == 1
    assert march["withdrawn"] == 1
    # one settled within the hour, one failed two days after filing: about a day on average
    assert 1.0 < float(march["days"]) < 1.1
    by_mediator = {
        r["label"]: r
        for r in center_figures(platform.case_list.view, "mediator", "2026-01-01", "2027-01-01")
    }
    assert by_mediator["mediator1"]["concluded"] == 2
    assert center_figures(platform.case_list.view, "month", "2027-01-01", "2028-01-01") == []
    assert platform.center.agreement_counts() == (1, 0)
