"""Red flags on a seeded caseload: every planted pattern is flagged and no ordinary case is,
among thousands of ordinary cases of one bank (and a card issuer) with many agreements on the
same standard terms. The caseload comes from `tests.support.planted`, which knows nothing of
the detector."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.bootstrap import Platform
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.procuratorate.red_flag import Indicator, RedFlag
from domain.shared.actors import Role
from tests.support import planted
from tests.support.data import PROCURATORATE

PROSECUTOR = Principal("prosecutor1", Role.PROSECUTOR, PROCURATORATE)
# Which indicator each planted pattern must raise.
EXPECTED = {
    "ring": Indicator.CLONED_TERMS,
    "same_pair": Indicator.SAME_PAIR,
    "shared_phone": Indicator.SHARED_CONTACT,
    "fast_loop": Indicator.FAST_LOOP,
    "unreached": Indicator.UNREACHED,
    "large": Indicator.LARGE_UNCONTESTED,
}


def flagged_cases(flags: list[RedFlag]) -> set[UUID]:
    return {r.record_id for f in flags for r in f.records.values() if r.kind == "mediation_case"}


def score(load: planted.Caseload, flags: list[RedFlag]) -> tuple[float, float, str]:
    """Precision over cases, recall over patterns, and what was missed or wrongly flagged."""
    planted_cases = set().union(*load.planted.values())
    flagged = flagged_cases(flags)
    wrong = flagged - planted_cases
    missed = [
        name
        for name, cases in load.planted.items()
        if not any(f.indicator == EXPECTED[name] and cases <= flagged_cases([f]) for f in flags)
    ]
    precision = len(flagged & planted_cases) / max(len(flagged), 1)
    recall = 1 - len(missed) / len(load.planted)
    return precision, recall, f"missed {missed}; {len(wrong)} ordinary cases flagged"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_planted_patterns_are_flagged_and_ordinary_cases_are_not(
    platform: Platform, clock: ManualClock
) -> None:
    load = planted.write(platform, clock, debtors=2_000)
    platform.catch_up()
    flags = platform.procuratorate.flags(PROSECUTOR)
    precision, recall, detail = score(load, flags)
    assert (precision, recall) == (1.0, 1.0), (
        f"precision {precision:.3f}, recall {recall:.3f} over {load.filings} filings: {detail}"
    )
    assert len(flags) == len(EXPECTED), "a pattern was raised more than once"
    assert len(load.ordinary) > 2_000
