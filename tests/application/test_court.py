"""The court: automatic docketing of failed mediations (exactly once), litigation, confirmation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from application.bootstrap import Platform, build_platform
from application.court import commands as court_cmd
from application.mediation_center import commands as cmd
from application.mediation_center.commands import filing_from
from application.shared.access import Forbidden, Principal
from application.shared.calendar import OfficialCalendar
from application.shared.clock import ManualClock
from application.shared.errors import NotFound
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.mediation_case import MediationCase
from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused, InvalidValue
from tests.conftest import PG_URL, make_platform, settings_for
from tests.support.data import (
    ADMIN,
    AGENT,
    JUDGE,
    MEDIATOR,
    OTHER_PARTY,
    PARTY,
    START,
    accepted_and_verified,
    drive,
    entrusted,
    filing,
    lawsuit,
    settle,
)

CLERK = Principal("clerk1", Role.COURT_CLERK, JUDGE.institution)


def fail(platform: Platform, clock: ManualClock) -> Any:
    case = platform.center.file(AGENT, filing())
    steps = [
        (ADMIN, cmd.Accept()),
        (ADMIN, cmd.Refer(kind="pre_filing")),
        (ADMIN, cmd.AssignMediator(mediator="mediator1")),
        (MEDIATOR, cmd.AcceptAssignment()),
        (PARTY, cmd.ConsentToMediation()),
        (MEDIATOR, cmd.DeclareFailure(reason="no_agreement")),
    ]
    for who, command in steps:
        clock.advance(timedelta(minutes=1))
        case = platform.center.act(case.id, who, command)
    return case


def docketed_events(platform: Platform) -> list[object]:
    notifications = platform.court.recorder.select_notifications(
        1, 10_000, topics=["domain.court.litigation_case:LitigationCase.Docketed"]
    )
    return [platform.court.mapper.to_domain_event(n) for n in notifications]


def test_failed_pre_filing_mediation_is_docketed_once(
    platform: Platform, clock: ManualClock
) -> None:
    case = fail(platform, clock)
    platform.catch_up()
    _, entrusted_case = entrusted(platform, clock)
    kept = platform.center.act(
        entrusted_case.id, MEDIATOR, cmd.DeclareFailure(reason="no_agreement")
    )
    platform.catch_up()
    platform.catch_up()
    litigation = platform.court.litigation_for(case)
    assert litigation is not None
    assert litigation.docket_number == "(2026)渝0105民初1号"
    assert litigation.mediation_docket_number == "(2026)渝0105民诉前调1号"
    assert litigation.plaintiff == "江北商业银行" and litigation.claim_total_fen == 1_012_345
    assert len(docketed_events(platform)) == 2  # the transfer, and the entrusted lawsuit
    after = platform.center.case(case.id, ADMIN)  # type: ignore[attr-defined]
    assert after.state == "transferred" and after.court_docket_number == litigation.docket_number
    assert platform.center.case(kept.id, ADMIN).state == "failed"


def test_docketing_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    settings = settings_for("sqlite", tmp_path)
    platform = make_platform(settings, clock)
    first = fail(platform, clock)
    platform.catch_up()
    second = fail(platform, clock)
    platform.close()  # the court has not seen the second failure yet
    again = build_platform(settings, clock)
    try:
        again.catch_up()
        again.catch_up()
        numbers = sorted(e.docket_number for e in docketed_events(again))  # type: ignore[attr-defined]
        assert numbers == ["(2026)渝0105民初1号", "(2026)渝0105民初2号"]
        for case in (first, second):
            assert again.center.case(case.id, ADMIN).state == "transferred"  # type: ignore[attr-defined]
    finally:
        again.close()


def test_litigation_hearing_and_decision(platform: Platform, clock: ManualClock) -> None:
    case = fail(platform, clock)
    platform.catch_up()
    litigation = platform.court.litigation_for(case)  # type: ignore[arg-type]
    assert litigation is not None
    with pytest.raises(NotFound):  # the docket is the court's: others do not see it
        platform.court.litigation_act(
            litigation.id,
            MEDIATOR,
            court_cmd.ScheduleHearing(starts_at=clock() + timedelta(days=3)),
        )
    with pytest.raises(ActRefused):
        platform.court.litigation_act(
            litigation.id, JUDGE, court_cmd.Decide(outcome="judgment", summary="判决被告还款")
        )
    heard = platform.court.litigation_act(
        litigation.id, JUDGE, court_cmd.ScheduleHearing(starts_at=clock() + timedelta(days=3))
    )
    assert heard.state == "hearing_scheduled"
    done = platform.court.litigation_act(
        litigation.id,
        JUDGE,
        court_cmd.Decide(outcome="court_mediation", summary="双方在法院主持下达成调解"),
    )
    assert done.state == "mediated"


def test_judicial_confirmation(platform: Platform, clock: ManualClock) -> None:
    case = drive(platform.center, clock, "in_mediation")
    case = settle(platform.center, clock, case)
    agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
    with pytest.raises(Forbidden):
        platform.court.apply_for_confirmation(agreement, case, OTHER_PARTY)
    opened = platform.court.apply_for_confirmation(agreement, case, AGENT)
    assert opened.state == "applying" and opened.docket_number is None
    with pytest.raises(ActRefused) as twice:
        platform.court.apply_for_confirmation(agreement, case, AGENT)
    assert twice.value.rule == "already_applied"
    joint = platform.court.apply_for_confirmation(agreement, case, PARTY)
    assert joint.state == "applied" and joint.docket_number is None  # numbered on acceptance
    assert joint.acceptance_deadline is not None
    with pytest.raises(NotFound):  # the court's record: the center's staff do not see it
        platform.court.confirmation_act(joint.id, ADMIN, court_cmd.AcceptApplication())
    with pytest.raises(Forbidden):  # a side sees it, and does not act for the court
        platform.court.confirmation_act(joint.id, PARTY, court_cmd.AcceptApplication())
    accepted = platform.court.confirmation_act(joint.id, JUDGE, court_cmd.AcceptApplication())
    assert accepted.docket_number == "(2026)渝0105民特1号"
    assert accepted.ruling_deadline is not None
    assert accepted.ruling_deadline.length == 15
    extend = court_cmd.ExtendRulingPeriod(approved_by="院长 王某")
    extended = platform.court.confirmation_act(joint.id, JUDGE, extend)
    assert extended.ruling_deadline is not None and extended.extended
    assert extended.extension_approved_by == "院长 王某"
    with pytest.raises(ActRefused) as again:
        platform.court.confirmation_act(joint.id, JUDGE, extend)
    assert again.value.rule == "already_extended"
    with pytest.raises(ActRefused) as unverified:  # the court verifies before it rules
        platform.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleConfirmed(reason="x"))
    assert unverified.value.rule == "not_verified"
    with pytest.raises(InvalidValue):
        platform.court.confirmation_act(
            joint.id, JUDGE, court_cmd.ScheduleVerification(starts_at=clock())
        )
    called = platform.court.confirmation_act(
        joint.id,
        CLERK,
        court_cmd.ScheduleVerification(starts_at=clock() + timedelta(days=1)),
    )
    assert called.verification_at == clock() + timedelta(days=1)
    clock.advance(timedelta(days=1))
    with pytest.raises(Forbidden):  # the judge verifies, not the clerk
        platform.court.confirmation_act(
            joint.id, CLERK, court_cmd.RecordVerification(notes="双方到场确认")
        )
    verified = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.RecordVerification(notes="双方到场，确认协议系自愿达成")
    )
    assert verified.verified_at == clock() and verified.verification_notes
    with pytest.raises(ActRefused) as early:
        platform.court.apply_for_enforcement(agreement, case, AGENT)
    assert early.value.rule == "not_confirmed"
    ruled = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.RuleConfirmed(reason="协议合法有效")
    )
    assert ruled.state == "confirmed"
    with pytest.raises(ActRefused) as paying:
        platform.court.apply_for_enforcement(agreement, case, AGENT)
    assert paying.value.rule == "not_in_default"
    with pytest.raises(NotFound):
        platform.court.confirmation(joint.id, OTHER_PARTY, case)


def test_the_applicants_withdraw_before_the_ruling_and_the_court_rules_on_it(
    platform: Platform, clock: ManualClock
) -> None:
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
    platform.court.apply_for_confirmation(agreement, case, AGENT)
    joint = platform.court.apply_for_confirmation(agreement, case, PARTY)
    withdraw = court_cmd.WithdrawApplication(reason="双方已自行履行")
    with pytest.raises(NotFound):  # not a side of this case
        platform.court.confirmation_act(joint.id, OTHER_PARTY, withdraw)
    with pytest.raises(ActRefused) as nothing:
        platform.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=True))
    assert nothing.value.rule == "no_withdrawal"
    asked = platform.court.confirmation_act(joint.id, PARTY, withdraw)
    assert asked.withdrawal_requested_by == "respondent"
    with pytest.raises(Forbidden):  # the court rules, not the other side
        platform.court.confirmation_act(joint.id, AGENT, court_cmd.RuleOnWithdrawal(allowed=True))
    with pytest.raises(InvalidValue) as why:  # refusing it says why
        platform.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=False))
    assert why.value.field == "reason"
    kept = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=False, reason="撤回损害他人合法权益")
    )
    assert kept.state == "applied" and kept.withdrawal_requested_by is None
    platform.court.confirmation_act(joint.id, AGENT, withdraw)
    done = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=True)
    )
    assert done.state == "withdrawn"
    platform.catch_up()
    [outcome] = platform.center.file_of(case.id).court_outcomes
    assert outcome.outcome == "withdrawn"
    assert platform.center.file_of(case.id).state == "settled"  # the agreement stands


def test_an_entrusted_lawsuit_settles_into_a_civil_mediation_document(
    platform: Platform, clock: ManualClock
) -> None:
    """The court dockets a lawsuit (民初) and entrusts it; the center files it as a court
    referral, mediates it in litigation and settles; the lawsuit ends in a civil mediation
    document effective when both parties signed for it, never in judicial confirmation; a
    default is enforced on the document."""
    with pytest.raises(Forbidden):
        platform.court.file_lawsuit(AGENT, lawsuit())
    litigation, case = entrusted(platform, clock, procedure="ordinary")
    assert litigation.docket_number == "(2026)渝0105民初1号" and litigation.state == "entrusted"
    assert case.filing.channel == "court_referral" and case.referral_kind == "in_litigation"
    assert case.entrustment.court_docket_number == litigation.docket_number
    assert case.procedure == "ordinary" and case.period_days == 15
    platform.catch_up()
    assert platform.center.file_of(case.id).version == case.version  # filed once
    case = settle(platform.center, clock, case)
    agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
    with pytest.raises(ActRefused) as confirmation:
        platform.court.apply_for_confirmation(agreement, case, AGENT)
    assert confirmation.value.rule == "in_litigation"
    platform.catch_up()
    back = platform.court.litigation(litigation.id, JUDGE)
    assert back.state == "mediation_settled" and back.agreement_sha256 == agreement.text_sha256
    with pytest.raises(Forbidden):  # a judge makes the document
        platform.court.litigation_act(litigation.id, CLERK, court_cmd.ServeDocument())
    platform.court.litigation_act(litigation.id, JUDGE, court_cmd.ServeDocument())
    today = clock().date()
    one = platform.court.litigation_act(
        litigation.id, CLERK, court_cmd.RecordReceipt(side="respondent", received_on=today)
    )
    assert one.state == "document_served" and one.document_effective_on is None
    with pytest.raises(ActRefused) as twice:
        platform.court.litigation_act(
            litigation.id, CLERK, court_cmd.RecordReceipt(side="respondent", received_on=today)
        )
    assert twice.value.rule == "already_received"
    with pytest.raises(InvalidValue) as future:
        platform.court.litigation_act(
            litigation.id,
            CLERK,
            court_cmd.RecordReceipt(side="applicant", received_on=today + timedelta(days=2)),
        )
    assert future.value.field == "received_on"
    done = platform.court.litigation_act(
        litigation.id, CLERK, court_cmd.RecordReceipt(side="applicant", received_on=today)
    )
    assert done.state == "mediated" and done.document_effective_on == today
    with pytest.raises(ActRefused) as backing:  # bound now: too late to back out
        platform.court.litigation_act(
            litigation.id, CLERK, court_cmd.RecordBackingOut(side="respondent", reason="反悔")
        )
    assert backing.value.rule == "state"
    platform.catch_up()
    [outcome] = platform.center.file_of(case.id).court_outcomes
    assert (outcome.outcome, outcome.docket_number) == (
        "court_mediation_document",
        litigation.docket_number,
    )
    clock.set(clock().replace(month=7, day=9))  # both instalments unpaid: in default
    platform.center.agreement_act(agreement.id, AGENT, cmd.DeclareDefault())
    agreement, case = platform.center.agreement(agreement.id, AGENT)
    enforcement = platform.court.apply_for_enforcement(agreement, case, AGENT)
    assert (enforcement.basis, enforcement.basis_id) == ("court_mediation_document", litigation.id)


def test_backing_out_before_receipt_goes_to_judgment_and_a_failure_resumes_the_trial(
    platform: Platform, clock: ManualClock
) -> None:
    """CPL art. 102: a party backing out before the document binds sends the case to
    judgment (the agreement is set aside, the mediation file closed); 在线调解规则 art. 21(3):
    a failed entrusted mediation resumes the trial, with nothing transferred or docketed."""
    litigation, case = entrusted(platform, clock)
    settle(platform.center, clock, case)
    platform.catch_up()
    platform.court.litigation_act(litigation.id, JUDGE, court_cmd.ServeDocument())
    platform.court.litigation_act(
        litigation.id,
        CLERK,
        court_cmd.RecordReceipt(side="applicant", received_on=clock().date()),
    )
    out = platform.court.litigation_act(
        litigation.id, CLERK, court_cmd.RecordBackingOut(side="respondent", reason="不同意分期")
    )
    assert out.state == "docketed" and out.trial_resumed_because == "backed_out_respondent"
    platform.catch_up()
    after = platform.center.file_of(case.id)
    assert after.state == "closed" and after.outcome_reason == "backed_out"
    agreement, _ = platform.center.agreement(after.agreement_id, ADMIN)
    assert agreement.state == "set_aside"
    heard = platform.court.litigation_act(
        litigation.id, JUDGE, court_cmd.ScheduleHearing(starts_at=clock() + timedelta(days=3))
    )
    assert heard.state == "hearing_scheduled"

    again, failing = entrusted(platform, clock)
    clock.advance(timedelta(minutes=5))
    failed = platform.center.act(failing.id, MEDIATOR, cmd.DeclareFailure(reason="no_agreement"))
    platform.catch_up()
    platform.catch_up()
    resumed = platform.court.litigation(again.id, JUDGE)
    assert resumed.state == "docketed" and resumed.trial_resumed_because == "mediation_failed"
    assert platform.center.file_of(failed.id).state == "failed"  # not transferred
    assert [o.outcome for o in platform.center.file_of(failed.id).court_outcomes] == [
        "trial_resumed"
    ]
    assert len(docketed_events(platform)) == 2  # the two lawsuits; no transfer docketed


def test_the_plaintiff_withdraws_by_the_courts_ruling(
    platform: Platform, clock: ManualClock
) -> None:
    """CPL art. 148: the court rules on a withdrawal; allowed, it ends the lawsuit and the
    mediation still under way; refused, the case goes on."""
    litigation, case = entrusted(platform, clock)
    asked = platform.court.litigation_act(
        litigation.id, CLERK, court_cmd.WithdrawLawsuit(reason="双方庭外和解")
    )
    assert asked.withdrawal_reason == "双方庭外和解"
    with pytest.raises(InvalidValue) as why:
        platform.court.litigation_act(
            litigation.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=False)
        )
    assert why.value.field == "reason"
    kept = platform.court.litigation_act(
        litigation.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=False, reason="损害他人利益")
    )
    assert kept.state == "entrusted" and kept.withdrawal_reason is None
    platform.court.litigation_act(litigation.id, CLERK, court_cmd.WithdrawLawsuit())
    done = platform.court.litigation_act(
        litigation.id, JUDGE, court_cmd.RuleOnWithdrawal(allowed=True)
    )
    assert done.state == "withdrawn" and done.outcome == "withdrawn"
    platform.catch_up()
    platform.catch_up()
    after = platform.center.file_of(case.id)
    assert after.state == "withdrawn"
    assert [o.outcome for o in after.court_outcomes] == ["withdrawn"]
    assert platform.court.litigation(litigation.id, JUDGE).state == "withdrawn"


def test_the_center_mediates_in_litigation_only_what_the_court_entrusted(
    platform: Platform, clock: ManualClock
) -> None:
    """A filing cannot claim to be a court referral; a case the court did not entrust is
    never referred in litigation."""
    with pytest.raises(msgspec.ValidationError):
        filing(channel="court_referral")
    case = platform.center.file(AGENT, filing())
    platform.center.act(case.id, ADMIN, cmd.Accept())
    with pytest.raises(ActRefused) as refused:
        platform.center.act(case.id, ADMIN, cmd.Refer(kind="in_litigation", procedure="summary"))
    assert refused.value.rule == "not_entrusted"
    transferred = fail(platform, clock)
    platform.catch_up()
    docketed = platform.court.litigation_for(platform.center.file_of(transferred.id))
    assert docketed is not None and docketed.filing == transferred.filing
    with pytest.raises(InvalidValue) as procedure:  # a transfer names its procedure
        platform.court.litigation_act(docketed.id, JUDGE, court_cmd.Entrust())
    assert procedure.value.field == "procedure"
    entrusted_again = platform.court.litigation_act(
        docketed.id, JUDGE, court_cmd.Entrust(procedure="ordinary")
    )
    platform.catch_up()
    refiled = platform.center.file_of(entrusted_again.mediation_case_id)
    assert refiled.filing.channel == "court_referral" and refiled.id != transferred.id


def test_objections_to_a_ruling_within_their_windows_and_after_more_time(
    platform: Platform, clock: ManualClock
) -> None:
    """A party within 15 days of receipt; an interested person within 6 months of knowing of
    it; one who missed it applies for 顺延 within 10 days after the obstacle ended, and once the
    court grants it the objection is received; an upheld objection sets the ruling aside."""
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
    platform.court.apply_for_confirmation(agreement, case, AGENT)
    joint = platform.court.apply_for_confirmation(agreement, case, PARTY)
    accepted_and_verified(platform.court, joint.id)
    platform.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleConfirmed(reason="合法"))
    ruled_on = clock().date()
    party = court_cmd.RecordObjection(
        objector="party", name="张𠮷", known_on=ruled_on, grounds="协议并非自愿"
    )
    raised = platform.court.confirmation_act(joint.id, CLERK, party)
    [first] = raised.objections
    assert first.window_due >= ruled_on + timedelta(days=15)
    with pytest.raises(InvalidValue) as before:  # nobody knew of the ruling before it
        platform.court.confirmation_act(
            joint.id,
            CLERK,
            court_cmd.RecordObjection(
                objector="party", name="x", known_on=ruled_on - timedelta(days=1), grounds="y"
            ),
        )
    assert before.value.field == "known_on"
    clock.advance(timedelta(days=200))  # more than 6 months
    late = court_cmd.RecordObjection(
        objector="interested", name="李四", known_on=ruled_on, grounds="协议处分了我的财产"
    )
    with pytest.raises(ActRefused) as window:
        platform.court.confirmation_act(joint.id, CLERK, late)
    assert window.value.rule == "objection_window_passed"
    today = clock().date()
    with pytest.raises(ActRefused) as stale:
        platform.court.confirmation_act(
            joint.id,
            CLERK,
            court_cmd.RequestMoreTime(
                name="李四", obstacle_ended_on=today - timedelta(days=20), reason="住院"
            ),
        )
    assert stale.value.rule == "too_late"
    asked = court_cmd.RequestMoreTime(
        name="李四", obstacle_ended_on=today - timedelta(days=3), reason="住院治疗至三日前"
    )
    platform.court.confirmation_act(joint.id, CLERK, asked)
    with pytest.raises(Forbidden):  # a judge decides
        platform.court.confirmation_act(
            joint.id, CLERK, court_cmd.DecideMoreTime(number=1, granted=True)
        )
    granted = platform.court.confirmation_act(
        joint.id, JUDGE, court_cmd.DecideMoreTime(number=1, granted=True)
    )
    assert granted.more_time[0].granted_until is not None
    received = platform.court.confirmation_act(joint.id, CLERK, late)
    assert [o.name for o in received.objections] == ["张𠮷", "李四"]
    decided = platform.court.confirmation_act(
        joint.id,
        JUDGE,
        court_cmd.DecideObjection(number=2, upheld=True, reason="协议损害案外人合法权益"),
    )
    assert decided.state == "revoked" and decided.objections[1].decision == "upheld"
    with pytest.raises(ActRefused) as enforced:  # a set-aside ruling is not enforced
        platform.court.apply_for_enforcement(agreement, case, AGENT)
    assert enforced.value.rule == "not_confirmed"
    platform.catch_up()
    outcomes = [o.outcome for o in platform.center.file_of(case.id).court_outcomes]
    assert outcomes == ["confirmed", "revoked"]


def test_a_refused_application_holds_no_number(platform: Platform, clock: ManualClock) -> None:
    """The 民特 number is taken on acceptance: a refusal leaves none, and the next accepted
    application takes the first number of the year."""
    refused, accepted = (
        settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
        for _ in range(2)
    )
    found = []
    for case in (refused, accepted):
        agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
        platform.court.apply_for_confirmation(agreement, case, AGENT)
        found.append(platform.court.apply_for_confirmation(agreement, case, PARTY))
    no = platform.court.confirmation_act(
        found[0].id,
        JUDGE,
        court_cmd.RefuseApplication(ground="not_for_courts", reason="不属于人民法院受理范围"),
    )
    assert no.state == "refused" and no.docket_number is None
    yes = platform.court.confirmation_act(found[1].id, JUDGE, court_cmd.AcceptApplication())
    assert yes.docket_number == "(2026)渝0105民特1号"
    platform.catch_up()
    assert platform.center.file_of(accepted.id).court_dockets == ("(2026)渝0105民特1号",)
    assert platform.center.file_of(refused.id).court_dockets == ()


def test_confirmation_must_be_applied_for_within_30_days(
    platform: Platform, clock: ManualClock
) -> None:
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, PARTY)
    clock.advance(timedelta(days=31))
    with pytest.raises(ActRefused) as late:
        platform.court.apply_for_confirmation(agreement, case, AGENT)
    assert late.value.rule == "application_window_passed"


def test_court_deadlines_over_a_holiday() -> None:
    """An application received on 30 September: 3 days end on 3 October, a holiday: 8 October."""
    calendar = OfficialCalendar(lambda year: None)
    side = Actor("p", Role.PARTY, None)
    at = datetime(2026, 9, 30, 2, tzinfo=UTC)
    confirmation = JudicialConfirmation.open(
        agreement_id=uuid4(),
        mediation_case_id=uuid4(),
        agreement_sha256="0" * 64,
        effective_on=at.date(),
        calendar=calendar,
        side="applicant",
        actor=side,
        at=at,
    )
    confirmation.join("respondent", calendar, side, at)
    assert confirmation.acceptance_deadline is not None
    assert confirmation.acceptance_deadline.due == date(2026, 10, 8)
    assert not confirmation.overdue(datetime(2026, 10, 8, 15, tzinfo=UTC))
    assert confirmation.overdue(datetime(2026, 10, 8, 16, tzinfo=UTC))  # the court is late


def test_two_workers_on_postgres_one_killed(tmp_path: Path, pg_schema: str) -> None:
    """Failed mediations docketed exactly once with two worker processes, one killed midway."""
    clock = ManualClock(START)
    settings = settings_for("postgres", tmp_path, pg_schema)
    platform = make_platform(settings, clock)
    env = {
        **os.environ,
        "TIAOJIE_DATA_DIR": str(tmp_path / "data"),
        "TIAOJIE_DATABASE_URL": PG_URL,
        "TIAOJIE_POSTGRES_SCHEMA": pg_schema,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"worker{n}.log").open("w"),
        )
        for n in range(2)
    ]
    try:
        cases = [fail(platform, clock) for _ in range(10)]
        time.sleep(1.0)
        workers[0].send_signal(signal.SIGKILL)
        cases += [fail(platform, clock) for _ in range(10)]
        give_up = time.monotonic() + 60
        while not all(
            platform.center.case(c.id, ADMIN).state == "transferred"  # type: ignore[attr-defined]
            for c in cases
        ):
            assert time.monotonic() < give_up, "the workers did not docket every case: " + "".join(
                (tmp_path / f"worker{n}.log").read_text()[-3000:] for n in range(2)
            )
            time.sleep(0.2)
        numbers = sorted(e.docket_number for e in docketed_events(platform))  # type: ignore[attr-defined]
        assert numbers == sorted(f"(2026)渝0105民初{n}号" for n in range(1, 21))
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        platform.close()


def test_lawsuits_and_in_litigation_cases_stored_by_the_last_release_load(
    platform: Platform,
) -> None:
    """A transfer docketed without its filing, and a center case referred in litigation
    before the court entrusted anything, load as they were; the old transfer cannot be
    entrusted (it keeps no complaint) and the old case mediates on."""
    now = START
    transfer = LitigationCase(
        mediation_case_id=uuid4(),
        mediation_filing_number="(2026)渝0105民调登9号",
        mediation_docket_number="(2026)渝0105民诉前调9号",
        docket_number="(2026)渝0105民初99号",
        plaintiff="江北商业银行",
        defendant="张𠮷",
        claim_total_fen=1_012_345,
        actor=Actor("court-docketing", Role.SYSTEM, JUDGE.institution),
        occurred_at=now,
    )
    docketed = transfer.collect_events()
    for key in ("filing", "procedure"):
        docketed[0].__dict__.pop(key)
    platform.court.recorder.insert_events([platform.court.mapper.to_stored_event(docketed[0])])
    old = platform.court.litigation(transfer.id, JUDGE)
    assert old.filing is None and old.procedure is None and old.state == "docketed"
    with pytest.raises(ActRefused) as refused:
        platform.court.litigation_act(transfer.id, JUDGE, court_cmd.Entrust(procedure="summary"))
    assert refused.value.rule == "no_filing"

    case = MediationCase(
        filing_number="(2026)渝0105民调登10号",
        filing=filing_from(filing()),
        actor=Actor("admin", Role.CENTER_ADMIN, ADMIN.institution),
        occurred_at=now,
    )
    case.accept(Actor("admin", Role.CENTER_ADMIN, ADMIN.institution), now)
    events = case.collect_events()
    events[0].__dict__.pop("entrustment")
    referred = MediationCase.Referred(  # type: ignore[attr-defined]
        originator_id=case.id,
        originator_version=3,
        timestamp=now,
        kind="in_litigation",
        procedure="summary",
        docket_number="(2026)渝0105民诉中调9号",
        period=None,
        actor=Actor("admin", Role.CENTER_ADMIN, ADMIN.institution),
        occurred_at=now,
    )
    stored = [platform.center.mapper.to_stored_event(e) for e in [*events, referred]]
    platform.center.recorder.insert_events(stored)
    loaded = platform.center.file_of(case.id)
    assert loaded.entrustment is None and loaded.referral_kind == "in_litigation"
    assigned = platform.center.act(case.id, ADMIN, cmd.AssignMediator(mediator="mediator1"))
    assert assigned.state == "assigned" and assigned.period_days == 7
