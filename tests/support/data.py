"""Test data shared by the suites: valid identifiers, filings, principals and case drivers."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from application.court import commands as court_cmd
from application.demo import BANK, CARD_ISSUER, CENTER, COURT, GRID, INSURER, NOTARY, PROCURATORATE
from application.mediation_center import commands as cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.shared.actors import Role
from domain.shared.identity import id_number_check_character

# Monday 2 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"  # every test account's
MEDIATORS = ("mediator1", "mediator2")  # the center's mediators in every test world

_serials = itertools.count(100)


def id_number(birth: date = date(1990, 1, 1), serial: int | None = None) -> str:
    body = f"500105{birth:%Y%m%d}{(serial or next(_serials)) % 1000:03d}"
    return body + id_number_check_character(body)


PARTY_ID = id_number(date(1985, 5, 5), 321)
OTHER_PARTY_ID = id_number(date(1979, 9, 9), 654)

ADMIN = Principal("admin", Role.CENTER_ADMIN, CENTER)
MEDIATOR = Principal("mediator1", Role.MEDIATOR, CENTER)
OTHER_MEDIATOR = Principal("mediator2", Role.MEDIATOR, CENTER)
AGENT = Principal("bank_agent", Role.APPLICANT_AGENT, BANK)
OTHER_AGENT = Principal("card_agent", Role.APPLICANT_AGENT, CARD_ISSUER)
PARTY = Principal("party1", Role.PARTY, None, PARTY_ID)
OTHER_PARTY = Principal("party2", Role.PARTY, None, OTHER_PARTY_ID)
GRID_WORKER = Principal("grid1", Role.GRID_WORKER, GRID)
JUDGE = Principal("judge1", Role.JUDGE, COURT)
COURT_CLERK = Principal("clerk1", Role.COURT_CLERK, COURT)

INSTITUTIONS = [
    (CENTER, "mediation_center", "江北金融调解中心", "渝0105"),
    (COURT, "court", "江北区人民法院", "渝0105"),
    (PROCURATORATE, "procuratorate", "江北区人民检察院", None),
    (NOTARY, "notary_office", "江北公证处", "渝江北"),
    (BANK, "bank", "江北商业银行", None),
    (CARD_ISSUER, "bank", "山城信用卡中心", None),
    (INSURER, "insurer", "长江保险", None),
    (GRID, "grid_station", "观音桥网格驿站", None),
]


def filing_data(
    applicant_code: str = BANK,
    respondent_id: str = PARTY_ID,
    principal_fen: int = 1_000_000,
    name: str = "张𠮷",
    channel: str = "online",
    facts: str = "借款到期未还。",
    phone: str = "13800138000",
) -> dict[str, Any]:
    return {
        "dispute_type": "loan",
        "channel": channel,
        "applicant": {
            "kind": "institution",
            "name": "江北商业银行",
            "org_code": applicant_code,
            "phone": "02363000000",
        },
        "respondent": {
            "kind": "person",
            "name": name,
            "id_number": respondent_id,
            "phone": phone,
            "email": "zhang@example.cn",
        },
        "claim": {"principal_fen": principal_fen, "interest_fen": 12_345, "fees_fen": 0},
        "facts": facts,
    }


def filing(**kwargs: Any) -> cmd.FilingIn:
    return msgspec.convert(filing_data(**kwargs), cmd.FilingIn)


def plan_data(total: int = 1_012_345, first_due: date = date(2026, 5, 1)) -> dict[str, Any]:
    half = total // 2
    return {
        "creditor": "applicant",
        "principal_fen": 1_000_000,
        "interest_fen": total - 1_000_000,
        "instalments": [
            {"amount_fen": half, "due_date": first_due.isoformat()},
            {"amount_fen": total - half, "due_date": (first_due + timedelta(days=30)).isoformat()},
        ],
    }


def plan(**kwargs: Any) -> cmd.PlanIn:
    return msgspec.convert(plan_data(**kwargs), cmd.PlanIn)


# The acts (who, command) that take a freshly filed case to each state.
PATHS: dict[str, list[tuple[Principal, cmd.Command]]] = {}
_main = [
    ("accepted", ADMIN, cmd.Accept()),
    ("referred", ADMIN, cmd.Refer(kind="pre_filing")),
    ("assigned", ADMIN, cmd.AssignMediator(mediator="mediator1")),
    ("awaiting_consent", MEDIATOR, cmd.AcceptAssignment(disclosure="无")),
    ("in_mediation", PARTY, cmd.ConsentToMediation()),
]
PATHS["filed"] = []
for index, (state_name, _, _) in enumerate(_main):
    PATHS[state_name] = [(who, command) for _, who, command in _main[: index + 1]]
PATHS["rejected"] = [(ADMIN, cmd.Reject(reason="材料不全"))]
SETTLE = "settle"  # propose, accept, draft the agreement, and all three sign it
PATHS["settled"] = [*PATHS["in_mediation"], SETTLE]  # type: ignore[list-item]
PATHS["failed"] = [*PATHS["in_mediation"], (MEDIATOR, cmd.DeclareFailure(reason="no_agreement"))]
PATHS["transferred"] = [
    *PATHS["failed"],
    (JUDGE, cmd.RecordTransfer(court_docket_number="(2026)渝0105民初1号")),
]
PATHS["withdrawn"] = [(AGENT, cmd.Withdraw(reason="自行和解"))]
PATHS["closed"] = [*PATHS["settled"], (ADMIN, cmd.Close(reason="fulfilled"))]


def settle(
    center: Any,
    clock: ManualClock,
    case: Any,
    agent: Principal = AGENT,
    respondent: Principal = PARTY,
) -> Any:
    """From in_mediation to settled: proposal, acceptance, draft, three signatures."""
    for who, command in [
        (agent, cmd.Propose(plan=plan())),
        (respondent, cmd.AcceptProposal(proposal=len(case.proposals) + 1)),
        (MEDIATOR, cmd.DraftAgreement()),
    ]:
        clock.advance(timedelta(minutes=5))
        case = center.act(case.id, who, command)
    agreement, _ = center.agreement(case.agreement_id, MEDIATOR)
    for who in (agent, respondent, MEDIATOR):
        clock.advance(timedelta(minutes=5))
        agreement, case = center.agreement_act(
            agreement.id, who, cmd.SignAgreement(text_sha256=agreement.text_sha256)
        )
    return case


def accepted_and_verified(court: Any, confirmation_id: Any) -> Any:
    """The court accepts an application and verifies it with both parties (before a ruling)."""
    court.confirmation_act(confirmation_id, JUDGE, court_cmd.AcceptApplication())
    verify = court_cmd.RecordVerification(notes="双方到场，确认协议系自愿达成")
    return court.confirmation_act(confirmation_id, JUDGE, verify)


def drive(
    center: Any, clock: ManualClock, state: str, agent: Principal = AGENT, **filing_kwargs: Any
) -> Any:
    """File a case (by `agent`, for its institution) and act on it until it is in `state`;
    returns the case."""
    if agent is not AGENT:
        filing_kwargs.setdefault("applicant_code", agent.institution)
    case = center.file(agent, filing(**filing_kwargs))
    for step in PATHS[state]:
        if step == SETTLE:
            case = settle(center, clock, case, agent)
            continue
        who, command = step
        who = agent if who is AGENT else who
        clock.advance(timedelta(minutes=5))
        case = center.act(case.id, who, command)
    assert str(case.state) == state
    return case


def lawsuit(procedure: str = "summary", **filing_kwargs: Any) -> court_cmd.LawsuitIn:
    """A lawsuit filed at the court: the filing shape without a channel, and its procedure."""
    data = filing_data(**filing_kwargs)
    del data["channel"]
    return msgspec.convert({**data, "procedure": procedure}, court_cmd.LawsuitIn)


def entrusted(platform: Any, clock: ManualClock, procedure: str = "summary") -> tuple[Any, Any]:
    """A lawsuit the court docketed and entrusted to the center, and the case the center
    filed for it (accepted, referred in litigation, assigned, accepted, consented by both)."""
    clock.advance(timedelta(minutes=5))
    litigation = platform.court.file_lawsuit(COURT_CLERK, lawsuit(procedure))
    clock.advance(timedelta(minutes=5))
    litigation = platform.court.litigation_act(litigation.id, JUDGE, court_cmd.Entrust())
    platform.catch_up()
    case = platform.center.file_of(litigation.mediation_case_id)
    for who, command in [
        (ADMIN, cmd.Accept()),
        (ADMIN, cmd.Refer(kind="in_litigation")),
        (ADMIN, cmd.AssignMediator(mediator="mediator1")),
        (MEDIATOR, cmd.AcceptAssignment(disclosure="无")),
        (PARTY, cmd.ConsentToMediation()),
        (AGENT, cmd.ConsentToMediation()),
    ]:
        clock.advance(timedelta(minutes=5))
        case = platform.center.act(case.id, who, command)
    assert str(case.state) == "in_mediation"
    return litigation, case
