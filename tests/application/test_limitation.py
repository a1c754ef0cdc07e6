"""Limitation (诉讼时效) on every case, from the dates a filing gives: time-barred already at
filing (a warning, not a refusal), interrupted while the mediation is pending (诉讼时效规定
art. 12), running again for three years from the day it ended without agreement (民法典 art.
195), under an agreement from its last instalment; a date after the filing is refused naming
the field; the spreadsheet template carries both columns."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest

from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.mediation_center.spreadsheet import COLUMNS
from application.shared.clock import ManualClock
from domain.mediation.limitation import LimitationStatus
from domain.shared.errors import InvalidValue
from domain.shared.periods import shanghai_date
from tests.support.data import AGENT, drive, filing_data


def filed_with(platform: Platform, **dates: str) -> object:
    data = {**filing_data(), **dates}
    return platform.center.file(AGENT, msgspec.convert(data, cmd.FilingIn))


def test_a_claim_older_than_three_years_looks_time_barred(platform: Platform) -> None:
    # Filed on 2 March 2026. Three years from 20 February 2023 end on 20 February 2026, in the
    # Spring Festival holiday (15-23 February), so on Tuesday 24 February: before the filing.
    old = filed_with(platform, knew_default_on="2023-02-20")
    today = shanghai_date(platform.center.clock())
    found = old.limitation(today, platform.center.calendar)  # type: ignore[attr-defined]
    assert found.status is LimitationStatus.EXPIRED and found.ends_on == date(2026, 2, 24)
    # Three years from 1 March 2023 end on Sunday 1 March 2026, so on Monday 2 March: the
    # filing day itself is in time, and the request interrupts it.
    on_time = filed_with(platform, knew_default_on="2023-03-01")
    assert on_time.limitation(today, platform.center.calendar).status is (  # type: ignore[attr-defined]
        LimitationStatus.INTERRUPTED
    )
    recent = filed_with(platform, knew_default_on="2023-02-20", last_interruption_on="2025-01-10")
    pending = recent.limitation(today, platform.center.calendar)  # type: ignore[attr-defined]
    assert pending.status is LimitationStatus.INTERRUPTED and pending.ends_on is None


def test_it_runs_again_from_the_end_of_a_failed_mediation(
    platform: Platform, clock: ManualClock
) -> None:
    failed = drive(platform.center, clock, "failed")
    ended = shanghai_date(clock())
    clock.advance(timedelta(days=40))
    found = platform.center.file_of(failed.id).limitation(
        shanghai_date(clock()), platform.center.calendar
    )
    assert found.status is LimitationStatus.RUNNING and found.runs_from == ended
    assert found.ends_on is not None and found.ends_on >= ended.replace(year=ended.year + 3)


def test_under_an_agreement_it_runs_from_the_last_instalment(
    platform: Platform, clock: ManualClock
) -> None:
    settled = drive(platform.center, clock, "settled")
    assert settled.agreed_plan is not None
    last_due = settled.agreed_plan.instalments[-1].due_date
    found = settled.limitation(shanghai_date(clock()), platform.center.calendar)
    assert found.status is LimitationStatus.RUNNING and found.runs_from == last_due


def test_a_date_after_the_filing_is_refused_naming_the_field(platform: Platform) -> None:
    with pytest.raises(InvalidValue) as refused:
        filed_with(platform, last_interruption_on="2026-03-03")
    assert refused.value.field == "last_interruption_on"


def test_the_spreadsheet_template_carries_the_limitation_dates() -> None:
    assert {"knew_default_on", "last_interruption_on"} <= set(COLUMNS)
