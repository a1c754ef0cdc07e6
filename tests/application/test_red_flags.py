"""Red flags from the institutions' events, on every backend: the same creditor–debtor pair
in three cases within a year, one phone given by both sides (at filing or for service), one
agent acting for a creditor and against it, the same facts and plan from two creditors, a
settlement with a respondent never reached, a very large claim settled without a session, and
a filing → agreement → confirmation application within a day are each raised once and grow as
events match; a bank with many different debtors on its own terms raises nothing; a flag is
dismissed with a reason or opens a supervision case; an event seen again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from application.bootstrap import Platform
from application.mediation_center import commands as center_cmd
from application.procuratorate import commands as cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from application.shared.errors import NotFound
from domain.procuratorate.red_flag import FlagState, Indicator, RedFlag
from domain.procuratorate.supervision_case import SupervisionState
from domain.shared.actors import Role
from domain.shared.errors import ActRefused
from tests.support.data import (
    ADMIN,
    AGENT,
    MEDIATOR,
    OTHER_AGENT,
    PARTY,
    PASSWORD,
    PROCURATORATE,
    drive,
    filing,
    id_number,
    settle,
)

PROSECUTOR = Principal("prosecutor1", Role.PROSECUTOR, PROCURATORATE)


@pytest.fixture
def watched(platform: Platform) -> Platform:
    platform.directory.add_user("prosecutor1", PASSWORD, "prosecutor", PROCURATORATE)
    return platform


def flags(platform: Platform, indicator: Indicator) -> list[RedFlag]:
    return [f for f in platform.procuratorate.flags(PROSECUTOR) if f.indicator == indicator]


def test_the_same_pair_three_times_is_one_flag_that_grows(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    debtor = id_number(serial=777)
    for _ in range(2):
        platform.center.file(AGENT, filing(respondent_id=debtor))
        clock.advance(timedelta(days=30))
    platform.catch_up()
    assert flags(platform, Indicator.SAME_PAIR) == []
    third = platform.center.file(AGENT, filing(respondent_id=debtor))
    platform.catch_up()
    [flag] = flags(platform, Indicator.SAME_PAIR)
    assert len(flag.evidence) == 3 and str(third.id) in flag.records
    assert all(e.topic == "MediationCase.Filed" for e in flag.evidence.values())
    platform.center.file(AGENT, filing(respondent_id=debtor))
    platform.catch_up()
    [grown] = flags(platform, Indicator.SAME_PAIR)
    assert grown.id == flag.id and len(grown.evidence) == 4 and grown.score > flag.score

    # Every piece of evidence is an entry of the audit trail, found by aggregate and version.
    for evidence in grown.evidence.values():
        leaves = platform.audit.store.leaves_of([str(evidence.aggregate_id)])
        assert any(leaf.fields["aggregate_version"] == evidence.version for leaf in leaves)


def test_a_bank_with_many_debtors_and_a_pair_spread_over_years_raise_nothing(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    for serial in range(30):
        platform.center.file(AGENT, filing(respondent_id=id_number(serial=100 + serial)))
    debtor = id_number(serial=888)
    for _ in range(3):
        platform.center.file(AGENT, filing(respondent_id=debtor))
        clock.advance(timedelta(days=200))
    platform.catch_up()
    assert platform.procuratorate.flags(PROSECUTOR) == []


def test_one_phone_on_both_sides_is_flagged(watched: Platform) -> None:
    platform = watched
    shared = filing(respondent_id=id_number(serial=901))
    shared.respondent.phone = "023-6300-0000"  # the bank's own number, written otherwise
    platform.center.file(AGENT, shared)
    platform.catch_up()
    [flag] = flags(platform, Indicator.SHARED_CONTACT)
    assert flag.key == "phone:02363000000" and flag.score == 1.0


def test_filing_to_confirmation_within_a_day_is_a_fast_loop(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    settled = drive(platform.center, clock, "settled")
    agreement, _ = platform.center.agreement(settled.agreement_id, ADMIN)
    for side in (AGENT, PARTY):
        clock.advance(timedelta(minutes=5))
        platform.court.apply_for_confirmation(agreement, platform.center.file_of(settled.id), side)
    platform.catch_up()
    [flag] = flags(platform, Indicator.FAST_LOOP)
    assert {e.topic for e in flag.evidence.values()} == {
        "MediationCase.Filed",
        "JudicialConfirmation.ApplicationOpened",
    }
    assert {str(r.kind) for r in flag.records.values()} == {
        "mediation_case",
        "judicial_confirmation",
    }


def test_an_event_seen_again_changes_nothing(watched: Platform) -> None:
    platform = watched
    debtor = id_number(serial=903)
    for _ in range(3):
        platform.center.file(AGENT, filing(respondent_id=debtor))
    platform.catch_up()
    notifications = platform.center.recorder.select_notifications(1, 10_000)
    before = platform.procuratorate.recorder.max_notification_id()
    items: list[tuple[Any, Tracking]] = [
        (platform.center.mapper.to_domain_event(n), Tracking(platform.center.name, n.id))
        for n in notifications
        if n.topic.endswith("MediationCase.Filed")
    ]
    platform.red_flags.process(
        [(event, Tracking("again", t.notification_id)) for event, t in items]
    )
    assert platform.procuratorate.recorder.max_notification_id() == before


def test_a_flag_is_dismissed_or_opens_a_supervision_case(watched: Platform) -> None:
    platform = watched
    for serial in (904, 905):
        for _ in range(3):
            platform.center.file(AGENT, filing(respondent_id=id_number(serial=serial)))
    platform.catch_up()
    first, second = sorted(flags(platform, Indicator.SAME_PAIR), key=lambda f: f.key)
    with pytest.raises(NotFound):  # the queue is the prosecutors'
        platform.procuratorate.dismiss_flag(first.id, ADMIN, "not ours")
    dismissed = platform.procuratorate.dismiss_flag(first.id, PROSECUTOR, "a bank's ordinary book")
    assert dismissed.state is FlagState.DISMISSED and dismissed.reason
    opened = platform.procuratorate.open(
        PROSECUTOR,
        cmd.OpenSupervision(
            source="red_flag",
            target="false_litigation",
            subjects=[
                cmd.SubjectIn(kind="mediation_case", record_id=r.record_id)
                for r in second.records.values()
            ],
            summary="three cases of one pair",
            red_flag_id=second.id,
        ),
    )
    assert opened.state is SupervisionState.RECEIVED and opened.red_flag_id == second.id
    supervised = platform.procuratorate.flag(second.id, PROSECUTOR)
    assert supervised.state is FlagState.SUPERVISED and supervised.supervision_id == opened.id
    with pytest.raises(ActRefused):
        platform.procuratorate.dismiss_flag(second.id, PROSECUTOR, "too late")


RING_FACTS = (
    "申请人于二〇二五年三月一日向被申请人出借人民币50000元用于经营周转，双方约定月息一分，"
    "借期六个月；借期届满后被申请人以经营困难为由未予归还，经多次催收无果，故申请调解。"
)


def test_the_same_facts_and_plan_from_two_creditors_are_cloned_terms(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    for _ in range(3):  # one bank's book on its own terms is ordinary
        drive(platform.center, clock, "settled", facts=RING_FACTS)
    platform.catch_up()
    assert flags(platform, Indicator.CLONED_TERMS) == []
    # The card issuer's case names other sums and dates: the same text once numbers are gone.
    other = RING_FACTS.replace("50000", "80000").replace("三月一日", "七月九日")
    settled = drive(platform.center, clock, "settled", agent=OTHER_AGENT, facts=other)
    platform.catch_up()
    [flag] = flags(platform, Indicator.CLONED_TERMS)
    assert len(flag.evidence) == 2 and str(settled.id) in flag.records
    assert {e.topic for e in flag.evidence.values()} == {"MediationCase.AgreementTookEffect"}
    # Short facts say nothing: two creditors' "借款到期未还" never match.
    drive(platform.center, clock, "settled")
    drive(platform.center, clock, "settled", agent=OTHER_AGENT)
    platform.catch_up()
    assert len(flags(platform, Indicator.CLONED_TERMS)) == 1


def test_a_settlement_with_a_respondent_never_reached_is_flagged(
    watched: Platform, clock: ManualClock
) -> None:
    """The respondent consented in person (its account came from the invitation to its phone),
    was served, or was invited to a session: reached. Only an agent staff linked consented,
    nothing was served and no session held: the respondent was never reached."""
    platform = watched
    in_person = drive(platform.center, clock, "settled")
    served = drive(platform.center, clock, "awaiting_consent")
    unreached = drive(platform.center, clock, "awaiting_consent")
    platform.directory.add_user("agent1", PASSWORD, "party", None)
    agent = Principal("agent1", Role.PARTY, None)
    for case in (served, unreached):
        platform.center.act(
            case.id,
            ADMIN,
            center_cmd.LinkParty(username="agent1", side="respondent", authorization="委托书"),
        )
        platform.center.act(case.id, agent, center_cmd.ConsentToMediation())
    platform.center.act(
        served.id,
        agent,
        center_cmd.ConsentToElectronicService(channel="sms", address="13800138000"),
    )
    for case in (served, unreached):
        settle(platform.center, clock, platform.center.file_of(case.id), respondent=agent)
    platform.catch_up()
    [flag] = flags(platform, Indicator.UNREACHED)
    assert set(flag.records) == {str(unreached.id)}
    assert str(in_person.id) not in flag.records


def test_a_very_large_claim_settled_without_a_session_is_flagged(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    for serial in range(120):
        platform.center.file(
            AGENT, filing(respondent_id=id_number(serial=serial), principal_fen=1_000_000 + serial)
        )
    large = drive(platform.center, clock, "settled", principal_fen=900_000_000)
    heard = drive(platform.center, clock, "in_mediation", principal_fen=900_000_000)
    clock.advance(timedelta(minutes=5))
    platform.center.act(
        heard.id, MEDIATOR, center_cmd.ScheduleSession(starts_at=clock() + timedelta(days=1))
    )
    settle(platform.center, clock, platform.center.file_of(heard.id))
    platform.catch_up()
    [flag] = flags(platform, Indicator.LARGE_UNCONTESTED)
    assert set(flag.records) == {str(large.id)} and flag.score >= 1


def test_an_address_for_service_or_an_agent_on_both_sides_is_a_shared_contact(
    watched: Platform, clock: ManualClock
) -> None:
    platform = watched
    case = drive(platform.center, clock, "in_mediation")
    platform.center.act(
        case.id,
        PARTY,
        center_cmd.ConsentToElectronicService(channel="sms", address="02363000000"),
    )
    platform.directory.add_user("lawyer1", PASSWORD, "party", None)
    for side, respondent in (("applicant", 911), ("respondent", 912)):
        filed = platform.center.file(AGENT, filing(respondent_id=id_number(serial=respondent)))
        platform.center.act(
            filed.id,
            ADMIN,
            center_cmd.LinkParty(username="lawyer1", side=side, authorization="授权委托书"),
        )
    platform.catch_up()
    keys = {f.key for f in flags(platform, Indicator.SHARED_CONTACT)}
    assert keys == {"phone:02363000000", "agent:lawyer1"}
