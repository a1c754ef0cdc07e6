"""MediationCenter on the in-memory store, SQLite and PostgreSQL (the same suite on each)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from application.bootstrap import Platform
from application.demo import BANK, CARD_ISSUER
from application.mediation_center import commands as cmd
from application.read_models.case_list import CaseFilters
from application.shared.access import SYSTEM, Principal
from application.shared.clock import ManualClock
from application.shared.errors import BatchInvalid, ConcurrencyConflict, NotFound
from domain.mediation.mediation_case import MediationCase
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.numbering import NumberSequence
from tests.support.data import (
    ADMIN,
    AGENT,
    GRID_WORKER,
    JUDGE,
    MEDIATOR,
    OTHER_AGENT,
    OTHER_MEDIATOR,
    OTHER_PARTY,
    OTHER_PARTY_ID,
    PARTY,
    drive,
    filing,
    plan,
)


def test_whole_lifecycle_to_agreement(platform: Platform, clock: ManualClock) -> None:
    center = platform.center
    case = center.file(AGENT, filing())
    assert case.filing_number == "(2026)渝0105民调登1号"
    steps: list[tuple[Principal, cmd.Command]] = [
        (ADMIN, cmd.Accept()),
        (ADMIN, cmd.Refer(kind="pre_filing")),
        (ADMIN, cmd.AssignMediator(mediator="mediator1")),
        (MEDIATOR, cmd.AcceptAssignment(disclosure="与双方无利害关系")),
        (PARTY, cmd.ConsentToElectronicService(channel="sms", address="13800138000")),
        (PARTY, cmd.ConsentToMediation()),
        (MEDIATOR, cmd.ScheduleSession(starts_at=clock() + timedelta(days=2))),
        (AGENT, cmd.Propose(plan=plan())),
        (PARTY, cmd.CounterPropose(in_reply_to=1, plan=plan(first_due=date(2026, 6, 1)))),
        (AGENT, cmd.AcceptProposal(proposal=2)),
        (AGENT, cmd.ConsentToExtension(days=10)),
        (PARTY, cmd.ConsentToExtension(days=10)),
        (MEDIATOR, cmd.DraftAgreement()),
    ]
    for who, command in steps:
        clock.advance(timedelta(hours=2))
        case = center.act(case.id, who, command)
    assert case.agreement_id is not None
    agreement, _ = center.agreement(case.agreement_id, PARTY)
    assert agreement.plan.first_due == date(2026, 6, 1)  # the accepted counter-proposal
    for who in (AGENT, PARTY, MEDIATOR):
        agreement, case = center.agreement_act(
            agreement.id, who, cmd.SignAgreement(text_sha256=agreement.text_sha256)
        )
    assert case.state == "settled"
    assert case.docket_number == "(2026)渝0105民诉前调1号"
    assert case.extensions == 1 and case.accepted_proposal == 2
    history = center.history(case.id, ADMIN)
    assert [type(e).__name__ for e in history] == [
        "Filed",
        "Accepted",
        "Referred",
        "MediatorAssigned",
        "AssignmentAccepted",
        "ElectronicServiceConsented",
        "MediationConsented",
        "SessionScheduled",
        "Proposed",
        "Proposed",
        "ProposalAccepted",
        "ExtensionConsented",
        "ExtensionGranted",
        "AgreementDrafted",
        "AgreementTookEffect",
    ]
    actors = [(e.actor.actor_id, str(e.actor.role)) for e in history]  # type: ignore[attr-defined]
    assert actors[1] == ("admin", "center_admin")
    assert actors[6] == ("party1", "party")
    assert all(e.occurred_at.tzinfo is not None for e in history)  # type: ignore[attr-defined]


def test_as_of_shows_the_case_as_it_stood(platform: Platform, clock: ManualClock) -> None:
    case = platform.center.file(AGENT, filing())
    filed_at = clock()
    clock.advance(timedelta(days=1))
    platform.center.act(case.id, ADMIN, cmd.Accept())
    clock.advance(timedelta(days=1))
    platform.center.act(case.id, ADMIN, cmd.Refer(kind="pre_filing"))
    assert platform.center.case(case.id, ADMIN, filed_at + timedelta(hours=1)).state == "filed"
    assert platform.center.case(case.id, ADMIN, filed_at + timedelta(days=1)).state == "accepted"
    assert platform.center.case(case.id, ADMIN).state == "referred"
    with pytest.raises(NotFound):
        platform.center.case(case.id, ADMIN, filed_at - timedelta(seconds=1))


def test_refused_act_changes_nothing(platform: Platform) -> None:
    case = platform.center.file(AGENT, filing())
    with pytest.raises(ActRefused) as refused:
        platform.center.act(case.id, ADMIN, cmd.Refer(kind="pre_filing"))
    assert refused.value.current_state == "filed" and refused.value.act == "refer"
    assert len(platform.center.history(case.id, ADMIN)) == 1
    # No docket number was consumed by the refused referral.
    platform.center.act(case.id, ADMIN, cmd.Accept())
    referred = platform.center.act(case.id, ADMIN, cmd.Refer(kind="pre_filing"))
    assert referred.docket_number == "(2026)渝0105民诉前调1号"


def test_access_by_role(platform: Platform, clock: ManualClock) -> None:
    case = drive(platform.center, clock, "assigned")
    center = platform.center
    assert center.case(case.id, AGENT).id == case.id
    assert center.case(case.id, PARTY).id == case.id
    assert center.case(case.id, MEDIATOR).id == case.id
    # Referred pre-filing, the case is the center's (its 诉前调 number is the center's own): the
    # court sees it once it has the file (tests/application/test_access.py).
    for outsider in (OTHER_AGENT, OTHER_PARTY, OTHER_MEDIATOR, GRID_WORKER, JUDGE):
        with pytest.raises(NotFound):
            center.case(case.id, outsider)
        with pytest.raises(NotFound):
            center.act(case.id, outsider, cmd.Withdraw())
    from application.shared.access import Forbidden

    with pytest.raises(Forbidden):
        center.act(case.id, PARTY, cmd.AcceptAssignment())
    with pytest.raises(Forbidden):
        center.act(case.id, AGENT, cmd.GrantRecusal())


def test_agent_files_only_for_its_institution(platform: Platform) -> None:
    with pytest.raises(InvalidValue) as error:
        platform.center.file(OTHER_AGENT, filing(applicant_code=BANK))
    assert error.value.field == "applicant.org_code"
    assert platform.center.file(OTHER_AGENT, filing(applicant_code=CARD_ISSUER))


def test_linked_party_account_sees_and_acts(platform: Platform, clock: ManualClock) -> None:
    case = drive(platform.center, clock, "awaiting_consent")
    lawyer = Principal("lawyer1", PARTY.role, None)
    with pytest.raises(NotFound):
        platform.center.case(case.id, lawyer)
    with pytest.raises(InvalidValue) as unknown:
        platform.center.act(
            case.id,
            ADMIN,
            cmd.LinkParty(username="lawyer1", side="respondent", authorization="授权委托书"),
        )
    assert unknown.value.field == "username"
    platform.directory.add_user("lawyer1", "a long password", "party")
    platform.center.act(
        case.id,
        ADMIN,
        cmd.LinkParty(username="lawyer1", side="respondent", authorization="授权委托书 2026-001"),
    )
    after = platform.center.act(case.id, lawyer, cmd.ConsentToMediation())
    assert after.state == "in_mediation"


def test_snapshots_for_long_cases(platform: Platform, clock: ManualClock) -> None:
    case = drive(platform.center, clock, "in_mediation")
    for index in range(60):
        clock.advance(timedelta(minutes=1))
        platform.center.act(
            case.id, MEDIATOR, cmd.ScheduleSession(starts_at=clock() + timedelta(days=1 + index))
        )
    assert platform.center.snapshots is not None
    snapshots = list(platform.center.snapshots.get(case.id))
    assert [s.originator_version for s in snapshots] == [50]
    loaded = platform.center.case(case.id, ADMIN)
    assert loaded.version == 66 and len(loaded.sessions) == 60
    rebuilt = MediationCase.__new__(MediationCase)
    for event in platform.center.events.get(case.id):
        rebuilt = event.mutate(rebuilt if event.originator_version > 1 else None)  # type: ignore[assignment]
    assert rebuilt.__dict__ == loaded.__dict__


def test_filing_numbers_from_8_threads_are_unique_and_gapless(platform: Platform) -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def file_some() -> None:
        barrier.wait()
        for _ in range(5):
            try:
                numbers.append(platform.center.file(AGENT, filing()).filing_number)
            except BaseException as error:
                errors.append(error)

    _run_threads(file_some, 8)
    assert not errors
    assert sorted(numbers) == sorted(f"(2026)渝0105民调登{n}号" for n in range(1, 41))


def test_docket_numbers_from_8_threads_referring_at_once(
    platform: Platform, clock: ManualClock
) -> None:
    cases = [drive(platform.center, clock, "accepted") for _ in range(16)]
    dockets: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def refer(chunk: list[MediationCase]) -> None:
        barrier.wait()
        for case in chunk:
            try:
                done = platform.center.act(case.id, ADMIN, cmd.Refer(kind="pre_filing"))
                dockets.append(done.docket_number or "")
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=refer, args=(cases[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(dockets) == sorted(f"(2026)渝0105民诉前调{n}号" for n in range(1, 17))


def _both_load_before_either_saves(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two threads' first loads meet, so both act on the same version: a real conflict."""
    barrier = threading.Barrier(2)
    seen = threading.local()
    real_get = platform.center.repository.get

    def get(*args: Any, **kwargs: Any) -> Any:
        aggregate = real_get(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not getattr(
            seen, "done", False
        ):
            seen.done = True
            barrier.wait(timeout=10)
        return aggregate

    monkeypatch.setattr(platform.center.repository, "get", get)


def _propose_from_both_sides(platform: Platform, case: MediationCase) -> list[str]:
    outcome: list[str] = []

    def propose(who: Principal) -> None:
        try:
            platform.center.act(case.id, who, cmd.Propose(plan=plan()))
            outcome.append("ok")
        except ConcurrencyConflict:
            outcome.append("conflict")

    threads = [threading.Thread(target=propose, args=(w,)) for w in (AGENT, PARTY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def test_two_staff_at_once_retry_and_lose_nothing(
    platform: Platform, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = drive(platform.center, clock, "in_mediation")
    _both_load_before_either_saves(platform, monkeypatch)
    assert _propose_from_both_sides(platform, case) == ["ok", "ok"]  # the loser re-ran
    history = platform.center.history(case.id, ADMIN)
    assert [type(e).__name__ for e in history][-2:] == ["Proposed", "Proposed"]
    assert [p.number for p in platform.center.case(case.id, ADMIN).proposals] == [1, 2]


def test_without_retries_a_conflict_is_reported_and_nothing_is_lost(
    platform: Platform, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = drive(platform.center, clock, "in_mediation")
    platform.center.retries = 0
    _both_load_before_either_saves(platform, monkeypatch)
    assert sorted(_propose_from_both_sides(platform, case)) == ["conflict", "ok"]
    proposals = platform.center.case(case.id, ADMIN).proposals
    assert len(proposals) == 1  # the acknowledged act is stored, the refused one is not


def test_bulk_bad_row_stores_nothing(platform: Platform) -> None:
    rows = [filing() for _ in range(20)]
    bad = filing(respondent_id="110105194912310021")  # wrong check character
    rows[13] = bad
    with pytest.raises(BatchInvalid) as error:
        platform.center.file_bulk(AGENT, rows)
    assert error.value.errors == [
        (13, "respondent.id_number", "check character does not match (GB 11643)")
    ]
    assert platform.center.recorder.max_notification_id() in (None, 0)


@pytest.mark.slow
def test_bulk_10000_in_one_save(durable_platform: Platform) -> None:
    rows = [
        filing(respondent_id=OTHER_PARTY_ID if i % 2 else PARTY.id_number or "")
        for i in range(10_000)
    ]
    cases = durable_platform.center.file_bulk(AGENT, rows)
    assert len(cases) == 10_000
    assert cases[-1].filing_number == "(2026)渝0105民调登10000号"
    bad = [*rows[:9_999], filing(principal_fen=0)]
    with pytest.raises(BatchInvalid) as error:
        durable_platform.center.file_bulk(AGENT, bad)
    assert error.value.errors == [(9_999, "claim.principal_fen", "must be greater than 0")]
    durable_platform.follower("case-list").catch_up()
    sequence = durable_platform.center.repository.get(
        NumberSequence.create_id(durable_platform.center.config.deployment.center, "民调登", 2026)
    )
    assert sequence.last == 10_000  # the refused batch took no numbers


def test_case_list_filters_pagination_and_exactly_once(
    platform: Platform, clock: ManualClock
) -> None:
    center = platform.center
    for state in ("filed", "accepted", "assigned", "in_mediation", "settled"):
        drive(center, clock, state)
    other = center.file(
        OTHER_AGENT, filing(applicant_code=CARD_ISSUER, respondent_id=OTHER_PARTY_ID)
    )
    platform.follower("case-list").catch_up()
    deployment = platform.center.config.deployment
    today = date(2026, 3, 2)

    def ids(principal: Principal, **filters: Any) -> list[str]:
        page = platform.case_list.page(principal, deployment, CaseFilters(**filters), today)
        return [row["state"] for row in page.rows]

    assert ids(ADMIN) == ["filed", "settled", "in_mediation", "assigned", "accepted", "filed"]
    assert ids(ADMIN, state="assigned") == ["assigned"]
    assert ids(ADMIN, mediator="mediator1") == ["settled", "in_mediation", "assigned"]
    assert ids(ADMIN, applicant=CARD_ISSUER) == ["filed"]
    assert ids(MEDIATOR) == ["settled", "in_mediation", "assigned"]
    assert ids(OTHER_AGENT) == ["filed"]
    assert ids(PARTY) == ["settled", "in_mediation", "assigned", "accepted", "filed"]
    assert ids(OTHER_PARTY) == ["filed"]
    assert ids(ADMIN, deadline_within_days=3) == ["assigned"]  # window due 5 March
    assert ids(ADMIN, deadline_within_days=40) == ["in_mediation", "assigned"]
    assert ids(ADMIN, overdue=True) == []
    late = platform.case_list.page(ADMIN, deployment, CaseFilters(overdue=True), date(2026, 3, 6))
    assert [r["state"] for r in late.rows] == ["assigned"]
    first = platform.case_list.page(ADMIN, deployment, CaseFilters(), today, limit=4)
    assert first.next_cursor is not None
    second = platform.case_list.page(
        ADMIN, deployment, CaseFilters(), today, limit=4, cursor=first.next_cursor
    )
    assert len(first.rows) == 4 and len(second.rows) == 2 and second.next_cursor is None
    assert {r["case_id"] for r in first.rows}.isdisjoint(r["case_id"] for r in second.rows)
    # Exactly once: processing again changes nothing, and versions match the store.
    assert platform.follower("case-list").catch_up() == 0
    row = next(r for r in first.rows if r["case_id"] == str(other.id))
    assert row["version"] == 1


def test_calendar_load_recomputes_provisional_deadlines(
    platform: Platform, clock: ManualClock
) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2027, 9, 1, 2, tzinfo=UTC))
    case = drive(platform.center, clock, "in_mediation")
    assert case.period is not None and case.period.provisional
    holidays = [date(2027, 10, d) for d in range(1, 9)]
    moved = platform.load_calendar(2027, holidays, [date(2027, 9, 26)])
    assert moved == 1
    after = platform.center.case(case.id, ADMIN)
    assert after.period is not None and not after.period.provisional
    assert after.period.due == date(2027, 10, 11)
    assert type(platform.center.history(case.id, SYSTEM)[-1]).__name__ == "DeadlinesRecomputed"


def _run_threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
