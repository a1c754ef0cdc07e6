"""The access table in one place: the case list shows exactly what `can_see` allows, for every
role over cases of every kind, on every backend."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application.bootstrap import Platform
from application.mediation_center import commands as cmd
from application.read_models.case_list import CaseFilters
from application.shared import access
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.shared.actors import Role
from domain.shared.periods import shanghai_date
from tests.support.data import (
    ADMIN,
    AGENT,
    CARD_ISSUER,
    CENTER,
    COURT,
    GRID_WORKER,
    JUDGE,
    MEDIATOR,
    NOTARY,
    OTHER_AGENT,
    OTHER_MEDIATOR,
    OTHER_PARTY,
    PARTY,
    PATHS,
    PROCURATORATE,
    drive,
    entrusted,
    filing,
)
from tests.support.data import id_number as new_id_number

LAWYER = Principal("lawyer1", Role.PARTY, None)


def _cases_of_every_kind(platform: Platform, clock: ManualClock) -> None:
    """Every state, filings by each kind of filer, a linked account, court referrals, a
    confirmation before the court."""
    center = platform.center
    for state in PATHS:
        drive(center, clock, state)
    center.file(GRID_WORKER, filing(channel="grid_station", respondent_id=new_id_number()))
    own = filing(respondent_id=new_id_number())
    own.applicant = own.respondent
    own.respondent = filing().applicant
    own.applicant.id_number = PARTY.id_number
    center.file(PARTY, own)
    other_bank = center.file(OTHER_AGENT, filing(applicant_code=CARD_ISSUER))
    platform.directory.add_user("lawyer1", "correct horse battery", "party", None, None)
    center.act(
        other_bank.id,
        ADMIN,
        cmd.LinkParty(username="lawyer1", side="respondent", authorization="授权委托书"),
    )
    entrusted(platform, clock)
    settled = drive(center, clock, "settled")
    agreement, _ = center.agreement(settled.agreement_id, ADMIN)
    for side in (AGENT, PARTY):
        clock.advance(timedelta(minutes=5))
        platform.court.apply_for_confirmation(agreement, center.file_of(settled.id), side)
    platform.catch_up()


def _principals() -> list[Principal]:
    return [
        ADMIN,
        MEDIATOR,
        OTHER_MEDIATOR,
        AGENT,
        OTHER_AGENT,
        PARTY,
        OTHER_PARTY,
        LAWYER,
        GRID_WORKER,
        JUDGE,
        Principal("clerk1", Role.COURT_CLERK, COURT),
        Principal("judge9", Role.JUDGE, "91500000OTHERCOURT"),
        Principal("admin9", Role.CENTER_ADMIN, "91500000OTHERCENTR"),
        Principal("prosecutor1", Role.PROSECUTOR, PROCURATORATE),
        Principal("notary1", Role.NOTARY, NOTARY),
        Principal("auditor1", Role.AUDITOR, CENTER),
    ]


def test_the_case_list_shows_exactly_what_can_see_allows(
    platform: Platform, clock: ManualClock
) -> None:
    _cases_of_every_kind(platform, clock)
    deployment = platform.center.config.deployment
    today = shanghai_date(clock())
    everything = platform.case_list.page(access.SYSTEM, deployment, CaseFilters(), today, 500)
    cases = [platform.center.file_of(UUID(row["case_id"])) for row in everything.rows]
    assert len(cases) > len(PATHS)
    judge_sees = {c.id for c in cases if access.can_see(JUDGE, c, deployment)}
    assert judge_sees and len(judge_sees) < len(cases)  # before the court, not every referral
    for principal in _principals():
        page = platform.case_list.page(principal, deployment, CaseFilters(), today, 500)
        listed = {row["case_id"] for row in page.rows}
        allowed = {str(c.id) for c in cases if access.can_see(principal, c, deployment)}
        assert listed == allowed, principal
