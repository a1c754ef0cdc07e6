"""Red flags from the institutions' events, on every backend: the same creditor–debtor pair
in three cases within a year, one phone given by both sides, and a filing → agreement →
confirmation application within a day are each raised once and grow as events match; a bank
with many different debtors raises nothing; a flag is dismissed with a reason or opens a
supervision case; an event seen again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from application.bootstrap import Platform
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
    PARTY,
    PASSWORD,
    PROCURATORATE,
    drive,
    filing,
    id_number,
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
