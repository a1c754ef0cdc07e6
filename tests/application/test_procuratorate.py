"""The procuratorate's supervision cases on every backend: opened on records that exist,
accepted and assigned, files read only by the assigned prosecutor (each read an event on the
audit trail, shown to the institution that keeps the record), a recommendation replied to by
its addressee, and a late reply recorded as overdue once by the scheduler."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from application.bootstrap import Platform
from application.procuratorate import commands as cmd
from application.shared.access import Forbidden, Principal
from application.shared.clock import ManualClock
from application.shared.errors import NotFound
from domain.procuratorate.supervision_case import SupervisionCase, SupervisionState
from domain.shared.actors import Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.periods import shanghai_date
from tests.support.data import ADMIN, JUDGE, MEDIATOR, PASSWORD, PROCURATORATE, drive

PROSECUTOR = Principal("prosecutor1", Role.PROSECUTOR, PROCURATORATE)
OTHER_PROSECUTOR = Principal("prosecutor2", Role.PROSECUTOR, PROCURATORATE)


@pytest.fixture
def supervised(platform: Platform) -> Platform:
    for who in (PROSECUTOR, OTHER_PROSECUTOR):
        platform.directory.add_user(who.user_id, PASSWORD, "prosecutor", PROCURATORATE)
    return platform


def open_on(platform: Platform, record_id: object) -> SupervisionCase:
    return platform.procuratorate.open(
        PROSECUTOR,
        cmd.OpenSupervision(
            source="tip",
            target="false_litigation",
            subjects=[cmd.SubjectIn(kind="mediation_case", record_id=record_id)],  # type: ignore[arg-type]
            summary="a tip: the same debtor settles with the same creditor every month",
        ),
    )


def test_a_supervision_case_from_tip_to_reply(supervised: Platform, clock: ManualClock) -> None:
    platform = supervised
    case = drive(platform.center, clock, "settled")
    with pytest.raises(Forbidden):
        platform.procuratorate.open(
            JUDGE,
            cmd.OpenSupervision(
                source="tip",
                target="false_litigation",
                summary="s",
                subjects=[cmd.SubjectIn(kind="mediation_case", record_id=case.id)],
            ),
        )
    with pytest.raises(InvalidValue, match="subjects"):
        open_on(platform, uuid4())
    opened = open_on(platform, case.id)
    assert opened.number.endswith("民监1号") and opened.subjects[0].label == case.docket_number
    with pytest.raises(NotFound):
        platform.procuratorate.case(opened.id, JUDGE)  # nothing addressed to the court

    acted = platform.procuratorate.act(opened.id, PROSECUTOR, cmd.Accept(prosecutor="prosecutor1"))
    assert acted.state is SupervisionState.ACCEPTED and acted.prosecutor == "prosecutor1"
    with pytest.raises(InvalidValue, match="prosecutor"):
        platform.procuratorate.act(opened.id, PROSECUTOR, cmd.Accept(prosecutor="judge1"))

    read = cmd.ReadFile(record_id=case.id, parts=["filing", "state"])
    with pytest.raises(ActRefused, match="assigned"):
        platform.procuratorate.read_file(opened.id, OTHER_PROSECUTOR, read)
    with pytest.raises(InvalidValue, match="parts"):
        platform.procuratorate.read_file(
            opened.id, PROSECUTOR, cmd.ReadFile(record_id=case.id, parts=["secrets"])
        )
    done = platform.procuratorate.read_file(opened.id, PROSECUTOR, read)
    assert done.content["state"] == "settled"
    assert done.content["filing"]["respondent"]["name"] == case.filing.respondent.name
    assert [r.parts for r in done.case.reads] == [("filing", "state")]

    # The read is on the record for the center, whose file it is, and on the audit trail.
    [(number, seen)] = platform.procuratorate.reads_of(case.id, ADMIN)
    assert number == opened.number and seen.reader == "prosecutor1"
    assert platform.procuratorate.reads_of(case.id, JUDGE) == []
    platform.catch_up()
    topics = [leaf.fields["topic"] for leaf in platform.audit.store.leaves_of([str(opened.id)])]
    assert topics.count("domain.procuratorate.supervision_case:SupervisionCase.FileRead") == 1

    recommended = platform.procuratorate.act(
        opened.id,
        PROSECUTOR,
        cmd.Recommend(addressee="mediation_center", text="review the settlements of this pair"),
    )
    assert recommended.addressee == platform.center.config.deployment.center
    assert [c.id for c in platform.procuratorate.cases(ADMIN)] == [opened.id]
    with pytest.raises(Forbidden):  # the center's mediators see it; its administrator replies
        platform.procuratorate.act(opened.id, MEDIATOR, cmd.Reply(text="noted"))

    assert platform.scheduler.tick().replies_overdue == 0
    assert recommended.reply_deadline is not None
    clock.advance(
        timedelta(days=(recommended.reply_deadline.due - shanghai_date(clock())).days + 1)
    )
    assert platform.scheduler.tick().replies_overdue == 1
    assert platform.scheduler.tick().replies_overdue == 0  # once
    replied = platform.procuratorate.act(opened.id, ADMIN, cmd.Reply(text="we reviewed both"))
    assert replied.state is SupervisionState.REPLIED and replied.overdue
