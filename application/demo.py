"""Demo data: the deployment's institutions, one account per role, and a few hundred cases in
every state. Idempotent: what exists is left alone."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec

from application.bootstrap import Platform
from application.court import commands as court_cmd
from application.mediation_center import commands as cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from application.shared.commands import Command
from application.shared.errors import AlreadyExists
from domain.mediation.mediation_case import MediationCase
from domain.shared.actors import Role
from domain.shared.identity import id_number_check_character, uscc_check_character
from domain.shared.periods import shanghai_date

DEMO_PASSWORD = "tiaojie-demo-2026"  # noqa: S105 (printed by `tiaojie demo`, demo only)


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


def id_number(region: str, birth: date, serial: int) -> str:
    body = f"{region}{birth:%Y%m%d}{serial:03d}"
    return body + id_number_check_character(body)


CENTER = uscc("12500105MB1J00001")
COURT = uscc("11500105MB1J00002")
PROCURATORATE = uscc("11500105MB1J00003")
NOTARY = uscc("12500105MB1J00004")
BANK = uscc("91500000MA5U0B001")
CARD_ISSUER = uscc("91500000MA5U0B002")
INSURER = uscc("91500000MA5U0N003")
GRID = uscc("52500105MJ1G00005")

INSTITUTIONS = [
    (CENTER, "mediation_center", "重庆市江北区西部金融法律服务中心调解中心", "渝0105"),
    (COURT, "court", "重庆市江北区人民法院", "渝0105"),
    (PROCURATORATE, "procuratorate", "重庆市江北区人民检察院", None),
    (NOTARY, "notary_office", "重庆市江北公证处", "渝江北"),
    (BANK, "bank", "重庆江北商业银行", None),
    (CARD_ISSUER, "bank", "山城信用卡中心", None),
    (INSURER, "insurer", "长江财产保险江北支公司", None),
    (GRID, "grid_station", "观音桥金融网格驿站", None),
]

NAMES = {code: name for code, _, name, _ in INSTITUTIONS}

PARTY_ID = id_number("500105", date(1988, 6, 16), 127)

USERS = [
    ("admin", "center_admin", CENTER, None, "陈主任"),
    ("mediator1", "mediator", CENTER, None, "李调解员"),
    ("mediator2", "mediator", CENTER, None, "王调解员"),
    ("mediator3", "mediator", CENTER, None, "赵调解员"),
    ("bank_agent", "applicant_agent", BANK, None, "银行法务 刘"),
    ("card_agent", "applicant_agent", CARD_ISSUER, None, "信用卡中心 周"),
    ("insurer_agent", "applicant_agent", INSURER, None, "保险理赔 吴"),
    ("grid1", "grid_worker", GRID, None, "网格员 孙"),
    ("judge1", "judge", COURT, None, "郑法官"),
    ("clerk1", "court_clerk", COURT, None, "冯书记员"),
    ("prosecutor1", "prosecutor", PROCURATORATE, None, "何检察官"),
    ("notary1", "notary", NOTARY, None, "许公证员"),
    ("auditor1", "auditor", CENTER, None, "审计 朱"),
    ("party1", "party", None, PARTY_ID, "张𠮷"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾𠮷"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "晓东",
    "雪梅",
]

# How many demo cases end in each state.
STATE_COUNTS = {
    "filed": 30,
    "accepted": 20,
    "rejected": 10,
    "referred": 25,
    "assigned": 25,
    "awaiting_consent": 30,
    "in_mediation": 60,
    "settled": 40,
    "failed": 20,
    "transferred": 15,
    "withdrawn": 10,
    "closed": 15,
}


@dataclass
class DemoReport:
    institutions_added: int
    users_added: int
    cases_added: int


def _plan(rng: random.Random, principal_fen: int, start: date) -> cmd.PlanIn:
    parts = rng.choice([1, 3, 6, 12])
    base = principal_fen // parts
    amounts = [base] * (parts - 1) + [principal_fen - base * (parts - 1)]
    return cmd.PlanIn(
        creditor="applicant",
        principal_fen=principal_fen,
        instalments=[
            cmd.InstalmentIn(amount_fen=a, due_date=start + timedelta(days=30 * (i + 1)))
            for i, a in enumerate(amounts)
        ],
        acceleration=True,
    )


def load_demo(platform: Platform, clock: ManualClock, seed: int = 2026) -> DemoReport:
    """Create what is missing. `clock` is the platform's clock, moved forward as acts happen."""
    directory = platform.directory
    institutions = users = 0
    for code, kind, name, prefix in INSTITUTIONS:
        try:
            directory.add_institution(code, kind, name, prefix)
            institutions += 1
        except AlreadyExists:
            pass
    for username, role, institution, idn, display in USERS:
        if directory.user(username) is not None:
            continue
        try:
            directory.add_user(username, DEMO_PASSWORD, role, institution, idn, display)
            users += 1
        except AlreadyExists:
            pass
    if platform.center.recorder.max_notification_id():
        return DemoReport(institutions, users, 0)
    return DemoReport(institutions, users, _demo_cases(platform, clock, random.Random(seed)))  # noqa: S311


def _demo_cases(platform: Platform, clock: ManualClock, rng: random.Random) -> int:
    center = platform.center
    admin = Principal("admin", Role.CENTER_ADMIN, CENTER)
    mediators = [Principal(f"mediator{i}", Role.MEDIATOR, CENTER) for i in (1, 2, 3)]
    agents = {
        BANK: Principal("bank_agent", Role.APPLICANT_AGENT, BANK),
        CARD_ISSUER: Principal("card_agent", Role.APPLICANT_AGENT, CARD_ISSUER),
        INSURER: Principal("insurer_agent", Role.APPLICANT_AGENT, INSURER),
    }
    party_principal = Principal("party1", Role.PARTY, None, PARTY_ID)
    start = clock()
    count = 0
    for state, how_many in STATE_COUNTS.items():
        for n in range(how_many):
            clock.set(start + timedelta(hours=rng.randint(0, 24 * 20)))
            creditor = rng.choice(list(agents))
            agent = agents[creditor]
            respondent_id = (
                PARTY_ID
                if n == 0
                else id_number(
                    "500105",
                    date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000)),
                    rng.randint(100, 999),
                )
            )
            principal_fen = rng.randint(5_000, 500_000) * 100
            respondent_principal = (
                party_principal
                if respondent_id == PARTY_ID
                else Principal(f"p-{respondent_id}", Role.PARTY, None, respondent_id)
            )
            filing = cmd.FilingIn(
                dispute_type="insurance"
                if creditor == INSURER
                else rng.choice(["loan", "credit_card", "guarantee"]),
                channel=rng.choice(["online", "bulk_import"]),
                applicant=cmd.SideIn(
                    kind="institution",
                    name=NAMES[creditor],
                    org_code=creditor,
                    phone="02367000000",
                ),
                respondent=cmd.SideIn(
                    kind="person",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=respondent_id,
                    phone=f"13{rng.randint(100000000, 999999999)}",
                ),
                claim=cmd.ClaimIn(
                    principal_fen=principal_fen, interest_fen=rng.randint(0, principal_fen // 10)
                ),
                facts="借款逾期未还，经催收未果，申请调解。",
            )
            # In-litigation cases are the court's lawsuits, entrusted to the center by a judge.
            in_litigation = state == "failed" or (state != "transferred" and rng.random() < 0.4)
            if in_litigation and state not in ("filed", "rejected"):
                case = _entrusted(platform, filing, rng)
            else:
                in_litigation = False
                case = center.file(agent, filing)
            mediator = rng.choice(mediators)
            plan = _plan(rng, principal_fen, clock().date() + timedelta(days=20))
            steps = _steps_to(state, rng, plan, mediator.user_id, in_litigation=in_litigation)
            actors = {
                "admin": admin,
                "mediator": mediator,
                "agent": agent,
                "respondent": respondent_principal,
            }
            for who, command in steps:
                clock.advance(timedelta(hours=rng.randint(1, 30)))
                if who == "signers":
                    _sign_agreement(center, case.id, [agent, respondent_principal, mediator])
                elif who == "payer":
                    _pay_everything(center, case.id, agent, clock)
                elif command is not None:
                    center.act(case.id, actors[who], command)
            count += 1
    return count


def _entrusted(platform: Platform, filing: cmd.FilingIn, rng: random.Random) -> Any:
    """A lawsuit the court's clerk dockets and its judge entrusts to the center, which
    files it as a court referral: the case the center then mediates in litigation."""
    complaint = msgspec.structs.asdict(filing)
    del complaint["channel"]
    lawsuit = court_cmd.LawsuitIn(**complaint, procedure=rng.choice(["ordinary", "summary"]))
    clerk = Principal("clerk1", Role.COURT_CLERK, COURT)
    docketed = platform.court.file_lawsuit(clerk, lawsuit)
    judge = Principal("judge1", Role.JUDGE, COURT)
    entrusted = platform.court.litigation_act(docketed.id, judge, court_cmd.Entrust())
    case_id = entrusted.mediation_case_id
    assert case_id is not None
    follower = platform.follower("court-outcomes")  # maybe running in a thread of its own too
    for _ in range(1_000):
        follower.catch_up()
        if (case := platform.center.find(case_id, MediationCase)) is not None:
            return case
        time.sleep(0.01)
    raise TimeoutError(f"the center did not file the entrusted case {case_id}")


def _sign_agreement(center: Any, case_id: Any, signers: list[Principal]) -> None:
    case = center.case(case_id, signers[-1])
    agreement, _ = center.agreement(case.agreement_id, signers[-1])
    for signer in signers:
        center.agreement_act(
            agreement.id, signer, cmd.SignAgreement(text_sha256=agreement.text_sha256)
        )


def _pay_everything(center: Any, case_id: Any, creditor: Principal, clock: ManualClock) -> None:
    case = center.case(case_id, creditor)
    agreement, _ = center.agreement(case.agreement_id, creditor)
    for number, instalment in enumerate(agreement.plan.instalments, 1):
        center.agreement_act(
            agreement.id,
            creditor,
            cmd.RecordPayment(
                instalment=number, amount_fen=instalment.amount_fen, paid_on=shanghai_date(clock())
            ),
        )


def _steps_to(
    state: str, rng: random.Random, plan: cmd.PlanIn, mediator_id: str, *, in_litigation: bool
) -> list[tuple[str, Command | None]]:
    """The acts (by whom) that bring a new case to `state`. A failed pre-filing case is
    docketed by the court by itself (transferred); a failed in-litigation one goes back to
    its lawsuit's trial; on a court referral both sides consent."""
    path: list[tuple[str, Command | None]] = [
        ("admin", cmd.Accept()),
        ("admin", cmd.Refer(kind="in_litigation" if in_litigation else "pre_filing")),
        ("admin", cmd.AssignMediator(mediator=mediator_id)),
        ("mediator", cmd.AcceptAssignment(disclosure="无利害关系")),
        ("respondent", cmd.ConsentToMediation()),
    ]
    if in_litigation:
        path.insert(4, ("agent", cmd.ConsentToMediation()))
    upto = {
        "filed": 0,
        "accepted": 1,
        "referred": 2,
        "assigned": 3,
        "awaiting_consent": 4,
        "in_mediation": 5,
        "settled": 5,
        "failed": 5,
        "transferred": 5,
        "closed": 5,
        "rejected": 0,
        "withdrawn": rng.randint(0, 5),
    }[state]
    steps = path[: upto + 1 if in_litigation and upto >= 5 else upto]
    if state == "rejected":
        steps.append(("admin", cmd.Reject(reason="材料不全，无法受理")))
    elif state == "withdrawn":
        steps.append(("agent", cmd.Withdraw(reason="双方已自行和解")))
    elif state in ("settled", "closed"):
        steps += [
            ("agent", cmd.Propose(plan=plan)),
            ("respondent", cmd.AcceptProposal(proposal=1)),
            ("mediator", cmd.DraftAgreement()),
            ("signers", None),  # the sides and the mediator sign the draft
        ]
        if state == "closed":
            steps.append(("payer", None))  # every instalment paid: fulfilled, closed
    elif state in ("failed", "transferred"):
        steps.append(("mediator", cmd.DeclareFailure(reason="no_agreement", note="双方差距过大")))
    elif state == "in_mediation" and rng.random() < 0.5:
        steps.append(("agent", cmd.Propose(plan=plan)))
    return steps
