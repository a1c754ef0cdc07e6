"""The supervision case: every act allowed and refused by state (ACT_STATES) and by rule, the
review and reply periods on the working-day calendar, a late reply recorded once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from application.shared.calendar import OfficialCalendar
from domain.procuratorate.supervision_case import (
    ACT_STATES,
    Decision,
    Source,
    Subject,
    SubjectKind,
    SupervisionCase,
    SupervisionState,
    Target,
)
from domain.shared.actors import Actor, InstitutionKind, Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.periods import months_deadline

CALENDAR = OfficialCalendar(lambda year: None)
PROSECUTOR = Actor("pros-1", Role.PROSECUTOR, "PRO")
OTHER_PROSECUTOR = Actor("pros-2", Role.PROSECUTOR, "PRO")
JUDGE = Actor("judge-1", Role.JUDGE, "COURT")
CLERK_ELSEWHERE = Actor("m-1", Role.MEDIATOR, "CENTER")
SYSTEM = Actor("system", Role.SYSTEM, None)
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday
RECORD = uuid4()


def opened(
    source: Source = Source.APPLICATION,
    target: Target = Target.RULING,
    *,
    retrial_refused: bool = True,
) -> SupervisionCase:
    subject = Subject(SubjectKind.JUDICIAL_CONFIRMATION, RECORD, "COURT", "(2026)民特1号")
    return SupervisionCase.open(
        "(2026)检民监1号",
        source,
        target,
        [subject],
        "the applicant says the confirmed agreement was collusive",
        "王五" if source is Source.APPLICATION else "",
        retrial_refused,
        uuid4() if source is Source.RED_FLAG else None,
        PROSECUTOR,
        AT,
    )


def accepted(**kwargs: object) -> SupervisionCase:
    case = opened(**kwargs)  # type: ignore[arg-type]
    case.accept("pros-1", CALENDAR, 3, PROSECUTOR, AT)
    return case


def recommended() -> SupervisionCase:
    case = accepted()
    case.recommend(
        Decision.RECOMMENDATION,
        "COURT",
        InstitutionKind.COURT,
        "review the confirmation",
        CALENDAR,
        3,
        False,
        PROSECUTOR,
        AT,
    )
    return case


def test_months_end_on_the_same_day_or_the_months_last_and_skip_rest_days() -> None:
    assert months_deadline(date(2026, 3, 2), 3, CALENDAR).due == date(2026, 6, 2)
    # February has no 30th: its last day, a Saturday made a working day in 2026 (调休).
    assert months_deadline(date(2025, 11, 30), 3, CALENDAR).due == date(2026, 2, 28)
    # 2026-07-01 + 3 months = 1 October, National Day: the next working day, 8 October.
    assert months_deadline(date(2026, 7, 1), 3, CALENDAR).due == date(2026, 10, 8)


def test_opening_needs_subjects_an_applicant_and_a_fitting_target() -> None:
    with pytest.raises(InvalidValue, match="subjects"):
        SupervisionCase.open(
            "n", Source.TIP, Target.FALSE_LITIGATION, [], "s", "", False, None, PROSECUTOR, AT
        )
    subject = Subject(SubjectKind.MEDIATION_CASE, RECORD, "CENTER", "x")
    with pytest.raises(InvalidValue, match="applicant_name"):
        SupervisionCase.open(
            "n", Source.APPLICATION, Target.RULING, [subject], "s", "", True, None, PROSECUTOR, AT
        )
    with pytest.raises(InvalidValue, match="red_flag_id"):
        SupervisionCase.open(
            "n",
            Source.RED_FLAG,
            Target.FALSE_LITIGATION,
            [subject],
            "s",
            "",
            False,
            None,
            PROSECUTOR,
            AT,
        )
    assert opened(Source.RED_FLAG, Target.FALSE_LITIGATION).state is SupervisionState.RECEIVED


def test_an_application_against_a_ruling_needs_the_courts_refusal_of_a_retrial() -> None:
    case = opened(retrial_refused=False)
    with pytest.raises(ActRefused) as refused:
        case.accept("pros-1", CALENDAR, 3, PROSECUTOR, AT)
    assert refused.value.rule == "cpl_220"
    enforcement = opened(target=Target.ENFORCEMENT_ACT, retrial_refused=False)
    enforcement.accept("pros-1", CALENDAR, 3, PROSECUTOR, AT)  # no retrial comes first here
    assert enforcement.review_deadline is not None
    assert enforcement.review_deadline.due == date(2026, 6, 2)


def test_only_the_assigned_prosecutor_reads_and_every_read_is_recorded() -> None:
    case = accepted()
    with pytest.raises(ActRefused, match="assigned"):
        case.read_file(RECORD, ["filing"], OTHER_PROSECUTOR, AT)
    with pytest.raises(InvalidValue, match="record_id"):
        case.read_file(uuid4(), ["filing"], PROSECUTOR, AT)
    case.read_file(RECORD, ["filing", "state"], PROSECUTOR, AT)
    [read] = case.reads
    assert (read.reader, read.record_id, read.parts) == ("pros-1", RECORD, ("filing", "state"))


def test_retrial_recommendations_and_protests_follow_the_law() -> None:
    case = accepted(target=Target.ENFORCEMENT_ACT)
    with pytest.raises(ActRefused) as refused:
        case.recommend(
            Decision.RETRIAL_RECOMMENDATION,
            "COURT",
            InstitutionKind.COURT,
            "t",
            CALENDAR,
            3,
            False,
            PROSECUTOR,
            AT,
        )
    assert refused.value.rule == "retrial_target"
    document = accepted(target=Target.MEDIATION_DOCUMENT)
    with pytest.raises(ActRefused) as refused:
        document.recommend(
            Decision.PROTEST_REQUEST,
            "COURT",
            InstitutionKind.COURT,
            "t",
            CALENDAR,
            3,
            False,
            PROSECUTOR,
            AT,
        )
    assert refused.value.rule == "cpl_219"
    document.recommend(
        Decision.PROTEST_REQUEST,
        "COURT",
        InstitutionKind.COURT,
        "t",
        CALENDAR,
        3,
        True,
        PROSECUTOR,
        AT,
    )
    assert document.state is SupervisionState.PROTEST_REQUESTED
    ruling = accepted()
    with pytest.raises(InvalidValue, match="addressee"):
        ruling.recommend(
            Decision.RETRIAL_RECOMMENDATION,
            "CENTER",
            InstitutionKind.MEDIATION_CENTER,
            "t",
            CALENDAR,
            3,
            False,
            PROSECUTOR,
            AT,
        )


def test_only_an_application_is_declined() -> None:
    own = accepted(source=Source.TIP, target=Target.FALSE_LITIGATION)
    with pytest.raises(ActRefused, match="application"):
        own.decline("no ground", PROSECUTOR, AT)
    applied = accepted()
    applied.decline("the ruling stands", PROSECUTOR, AT)
    assert applied.state is SupervisionState.NOT_SUPPORTED


def test_the_reply_is_the_addressees_and_a_late_one_is_overdue_once() -> None:
    case = recommended()
    assert case.reply_deadline is not None and case.reply_deadline.due == date(2026, 6, 2)
    with pytest.raises(ActRefused, match="addressee"):
        case.answer("we reviewed it", CLERK_ELSEWHERE, AT)
    with pytest.raises(ActRefused, match="not late"):
        case.follow_up("well?", PROSECUTOR, AT)
    assert not case.mark_overdue(SYSTEM, AT + timedelta(days=92))  # 2 June is the last day
    late = AT + timedelta(days=93)
    assert case.mark_overdue(SYSTEM, late)
    assert not case.mark_overdue(SYSTEM, late + timedelta(days=1))  # once
    case.follow_up("the court was reminded", PROSECUTOR, late)
    case.answer("we reviewed it", JUDGE, late)
    assert case.state is SupervisionState.REPLIED and case.overdue
    assert case.follow_ups == ["the court was reminded"]


STEPS = {
    SupervisionState.RECEIVED: opened,
    SupervisionState.ACCEPTED: accepted,
    SupervisionState.RECOMMENDED: recommended,
}


@pytest.mark.parametrize("state", list(STEPS))
@pytest.mark.parametrize("act", sorted(set(ACT_STATES) - {"mark_overdue"}))
def test_every_act_in_every_state(state: SupervisionState, act: str) -> None:
    """Allowed where ACT_STATES says so; refused elsewhere, naming the state."""
    case = STEPS[state]()
    calls = {
        "accept": lambda: case.accept("pros-1", CALENDAR, 3, PROSECUTOR, AT),
        "refuse": lambda: case.refuse("out of time", PROSECUTOR, AT),
        "request_file": lambda: case.request_file(RECORD, PROSECUTOR, AT),
        "read_file": lambda: case.read_file(RECORD, ["filing"], PROSECUTOR, AT),
        "recommend": lambda: case.recommend(
            Decision.RECOMMENDATION,
            "COURT",
            InstitutionKind.COURT,
            "t",
            CALENDAR,
            3,
            False,
            PROSECUTOR,
            AT,
        ),
        "recommend_retrial": lambda: case.recommend(
            Decision.RETRIAL_RECOMMENDATION,
            "COURT",
            InstitutionKind.COURT,
            "t",
            CALENDAR,
            3,
            False,
            PROSECUTOR,
            AT,
        ),
        "request_protest": lambda: case.recommend(
            Decision.PROTEST_REQUEST,
            "COURT",
            InstitutionKind.COURT,
            "t",
            CALENDAR,
            3,
            True,
            PROSECUTOR,
            AT,
        ),
        "decline": lambda: case.decline("no", PROSECUTOR, AT),
        "terminate": lambda: case.terminate("withdrawn", PROSECUTOR, AT),
        "reply": lambda: case.answer("done", JUDGE, AT),
        "follow_up": lambda: case.follow_up("note", PROSECUTOR, AT + timedelta(days=200)),
    }
    if state in ACT_STATES[act]:
        if act == "follow_up" and state is SupervisionState.RECOMMENDED:
            case.mark_overdue(SYSTEM, AT + timedelta(days=200))
        calls[act]()
    else:
        with pytest.raises(ActRefused) as refused:
            calls[act]()
        assert refused.value.current_state == str(state)
