"""The case list read model: found by number, name, ID number or phone, sorted by deadline,
counted; and rebuilt from the log when a release changes its tables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from application.bootstrap import Platform, build_platform
from application.court import commands as court_cmd
from application.mediation_center import commands as cmd
from application.mediation_center.commands import filing_from
from application.read_models.case_list import CaseFilters, Sort
from application.read_models.case_list_view import VERSION
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.shared.errors import InvalidValue
from tests.conftest import settings_for
from tests.support.data import (
    ADMIN,
    AGENT,
    JUDGE,
    MEDIATOR,
    OTHER_PARTY_ID,
    PARTY,
    drive,
    filing,
    plan,
    settle,
)


def _ids(platform: Platform, sort: Sort = Sort.NEWEST, **filters: object) -> list[str]:
    page = platform.case_list.page(
        ADMIN,
        platform.center.config.deployment,
        CaseFilters(**filters),  # type: ignore[arg-type]
        platform.center.clock().date(),
        sort=sort,
    )
    return [row["case_id"] for row in page.rows]


def test_search_sort_and_count_on_every_backend(
    durable_platform: Platform, clock: ManualClock
) -> None:
    platform = durable_platform
    waiting = platform.center.file(AGENT, filing(name="欧阳修", respondent_id=OTHER_PARTY_ID))
    assigned = drive(platform.center, clock, "assigned")
    platform.catch_up()
    assert _ids(platform, q="欧阳") == [str(waiting.id)]
    assert _ids(platform, q="%") == [] and _ids(platform, q="'") == []
    assert _ids(platform, q=assigned.docket_number) == [str(assigned.id)]
    assert _ids(platform, Sort.DEADLINE) == [str(assigned.id), str(waiting.id)]
    both = platform.case_list.page(
        ADMIN,
        platform.center.config.deployment,
        CaseFilters(states=("filed", "assigned")),
        clock().date(),
        limit=1,
    )
    assert both.total == 2 and len(both.rows) == 1 and both.next_cursor is not None


def test_a_new_version_of_the_tables_is_rebuilt_from_the_log(
    durable_platform: Platform, clock: ManualClock, tmp_path: Path, durable_backend: str
) -> None:
    """As the last release left them (version 1): the next start drops and rebuilds the
    case list, and every case is found again, by the new columns too."""
    platform = durable_platform
    case = platform.center.file(AGENT, filing(name="司马光"))
    platform.catch_up()
    view = platform.case_list.view
    assert VERSION > 1
    view.apply([("UPDATE {versions} SET version = 1", {})], None)
    again = build_platform(
        settings_for(durable_backend, tmp_path, platform.settings.postgres_schema), clock
    )
    try:
        assert _ids(again, q="司马") == []  # the tables are new and empty
        clock.advance(timedelta(minutes=1))
        again.follower("case-list").catch_up()
        assert _ids(again, q="司马") == [str(case.id)]
        assert not again.case_list.view.upgrade(again.center.name)  # current: nothing to do
    finally:
        again.close()


def test_to_do_lists_count_what_waits_for_each_users_act(
    durable_platform: Platform, clock: ManualClock
) -> None:
    """The center accepts, refers and assigns; the mediator accepts and signs; each side
    consents, answers the other side's proposal and signs: counted in one query, listed by
    the same rule."""
    platform = durable_platform
    center = platform.center
    deployment = center.config.deployment

    def counts(who: Principal) -> dict[str, int]:
        platform.catch_up()
        return dict(platform.case_list.todo_counts(who, deployment, clock().date()))

    center.file(AGENT, filing(respondent_id=OTHER_PARTY_ID))
    case = center.file(AGENT, filing())
    assert counts(ADMIN) == {"todo_accept": 2, "todo_refer": 0, "todo_assign": 0}
    for who, command, waiting in [
        (ADMIN, cmd.Accept(), {"todo_accept": 1, "todo_refer": 1, "todo_assign": 0}),
        (
            ADMIN,
            cmd.Refer(kind="pre_filing"),
            {"todo_accept": 1, "todo_refer": 0, "todo_assign": 1},
        ),
    ]:
        center.act(case.id, who, command)
        assert counts(who) == waiting
    center.act(case.id, ADMIN, cmd.AssignMediator(mediator="mediator1"))
    assert counts(MEDIATOR)["todo_accept_assignment"] == 1
    center.act(case.id, MEDIATOR, cmd.AcceptAssignment(disclosure="无"))
    assert counts(PARTY)["todo_consent"] == 1 and counts(AGENT)["todo_consent"] == 0
    center.act(case.id, PARTY, cmd.ConsentToMediation())
    assert counts(PARTY)["todo_consent"] == 0
    center.act(case.id, AGENT, cmd.Propose(plan=plan()))
    assert counts(PARTY)["todo_answer"] == 1 and counts(AGENT)["todo_answer"] == 0
    center.act(case.id, PARTY, cmd.CounterPropose(in_reply_to=1, plan=plan()))
    assert counts(PARTY)["todo_answer"] == 0 and counts(AGENT)["todo_answer"] == 1
    center.act(case.id, AGENT, cmd.AcceptProposal(proposal=2))
    assert counts(AGENT)["todo_answer"] == 0
    case = center.act(case.id, MEDIATOR, cmd.DraftAgreement())
    assert [counts(w)["todo_sign"] for w in (AGENT, PARTY, MEDIATOR)] == [1, 1, 1]
    agreement, _ = center.agreement(case.agreement_id, AGENT)
    center.agreement_act(agreement.id, AGENT, cmd.SignAgreement(text_sha256=agreement.text_sha256))
    assert [counts(w)["todo_sign"] for w in (AGENT, PARTY, MEDIATOR)] == [0, 1, 1]
    listed = platform.case_list.page(
        PARTY, deployment, CaseFilters(todo="todo_sign"), clock().date()
    )
    assert [row["case_id"] for row in listed.rows] == [str(case.id)] and listed.total == 1
    with pytest.raises(InvalidValue) as other:  # a party has no acceptance list
        platform.case_list.page(PARTY, deployment, CaseFilters(todo="todo_accept"), clock().date())
    assert other.value.field == "todo"


def test_a_filing_like_an_open_or_recent_case_is_found_before_filing(
    durable_platform: Platform, clock: ManualClock
) -> None:
    """Same applicant, respondent and claim as a case still open (or filed within a year), or
    as an earlier row of the same batch; another claim or respondent is not a duplicate."""
    platform = durable_platform
    filed = platform.center.file(AGENT, filing(respondent_id=OTHER_PARTY_ID))
    platform.catch_up()
    batch = [
        filing_from(filing(respondent_id=OTHER_PARTY_ID)),  # as filed
        filing_from(filing(respondent_id=OTHER_PARTY_ID, principal_fen=2_000_000)),
        filing_from(filing()),  # another respondent
        filing_from(filing()),  # ... twice in the batch
    ]
    found = platform.case_list.possible_duplicates(batch, clock().date())
    assert sorted(found) == [0, 3]
    assert [r["filing_number"] for r in found[0]] == [filed.filing_number]
    assert found[3] == [{"filing_number": None, "row": 2}]
    withdrawn = platform.center.act(filed.id, AGENT, cmd.Withdraw(reason="和解"))
    assert withdrawn.state == "withdrawn"
    platform.catch_up()
    clock.advance(timedelta(days=366))  # ended, and more than a year ago: not asked about
    later = platform.case_list.possible_duplicates(batch[:1], clock().date())
    assert later == {}


def test_the_courts_to_do_is_its_queue_of_applications(
    durable_platform: Platform, clock: ManualClock
) -> None:
    """Judges and clerks count the applications before the court (its queue page lists
    them): not one side's application, then the joint one, then none once ruled."""
    platform = durable_platform
    deployment = platform.center.config.deployment
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, ADMIN)

    def before_court() -> int:
        platform.catch_up()
        return dict(platform.case_list.todo_counts(JUDGE, deployment, clock().date()))[
            "todo_confirmations"
        ]

    platform.court.apply_for_confirmation(agreement, case, AGENT)
    assert before_court() == 0
    joint = platform.court.apply_for_confirmation(agreement, case, PARTY)
    assert before_court() == 1
    platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.RefuseApplication(ground="other", reason="不属于受理范围")
    )
    assert before_court() == 0
    with pytest.raises(InvalidValue):  # its list is the court's page, not the case list
        platform.case_list.page(
            JUDGE, deployment, CaseFilters(todo="todo_confirmations"), clock().date()
        )
