"""A synthetic caseload: ordinary cases of two card and loan books, with false-litigation
patterns planted among them, written through the center's and the court's own acts.

It models what people file and do, not how anything is detected: it shares no code with the
red-flag detector, so a test built on it checks the detector against an independent account of
which cases are suspicious. The planted patterns (the spec's indicators):
- `ring`: four lenders and four borrowers, strangers to the books, settling on cloned facts and
  one plan;
- `same_pair`: one lender and one borrower in three cases within two months;
- `shared_phone`: a respondent who gives the applicant's own phone;
- `fast_loop`: filed, settled and brought to the court for confirmation within hours;
- `unreached`: settled with a respondent never served nor invited to a session;
- `large`: a claim far above the books' settled without a session or a counter-proposal.
The ordinary cases include what must not be flagged: one bank with thousands of debtors and
many agreements on its standard terms, debtors with two cases, large claims heard in a session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import msgspec

from application.mediation_center import commands as cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.shared.actors import Role
from tests.support.data import ADMIN, AGENT, MEDIATOR, OTHER_AGENT, PASSWORD, id_number

BANK_FACTS = (
    "被申请人{name}于{year}年{month}月{day}日与申请人签订《个人消费借款合同》，借款本金{amount}元，"
    "约定按月等额还款。被申请人自{year2}年{month}月起未按约还款，申请人多次催收未果，故申请调解。"
)
CARD_FACTS = (
    "被申请人{name}持有申请人发行的信用卡，截至{year}年{month}月{day}日透支本金{amount}元未还，"
    "经电话及短信催收仍未还款，申请人请求调解并分期清偿。"
)
RING_FACTS = (
    "{lender}与{name}系朋友关系，{year}年{month}月{day}日{name}因资金周转向{lender}借款人民币{amount}元，"
    "约定三个月内归还并按月利率百分之一点五计息，到期后经多次催要{name}仍拒不归还，双方同意调解。"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@dataclass
class Caseload:
    planted: dict[str, set[UUID]] = field(default_factory=dict)
    ordinary: set[UUID] = field(default_factory=set)
    filings: int = 0
    people: int = 0  # the people written so far: where the next part of a caseload goes on


class Writer:
    """Files and drives cases on one platform with a manual clock; deterministic per seed."""

    def __init__(
        self, platform: Any, clock: ManualClock, seed: int = 2026, people: int = 0
    ) -> None:
        self.center = platform.center
        self.court = platform.court
        self.clock = clock
        self.random = random.Random(seed)
        self.people = people  # people are numbered: an ID number and a phone each
        self.caseload = Caseload()

    # --- people and filings -----------------------------------------------------------

    def person(self) -> dict[str, Any]:
        self.people += 1
        n = self.people
        birth = date(1960, 1, 1) + timedelta(days=n // 1000 * 37 % 14_000)
        return {
            "kind": "person",
            "name": self.random.choice(SURNAMES) + self.random.choice(GIVEN) * (1 + n % 2),
            "id_number": id_number(birth, n % 1000 or 1000),
            "phone": f"139{n:08d}",
        }

    def facts(self, template: str, name: str, amount: int, **names: str) -> str:
        day = self.clock().date() - timedelta(days=self.random.randint(200, 900))
        return template.format(
            name=name,
            amount=amount // 100,
            year=day.year,
            month=day.month,
            day=day.day,
            year2=day.year + 1,
            **names,
        )

    def filing(
        self,
        applicant: dict[str, Any],
        respondent: dict[str, Any],
        principal: int,
        facts: str,
        dispute_type: str = "loan",
    ) -> cmd.FilingIn:
        data = {
            "dispute_type": dispute_type,
            "channel": "online",
            "applicant": applicant,
            "respondent": respondent,
            "claim": {
                "principal_fen": principal,
                "interest_fen": principal // 20,
                "fees_fen": 0,
            },
            "facts": facts,
        }
        return msgspec.convert(data, cmd.FilingIn)

    def book(self, agent: Principal, name: str, template: str, debtors: int) -> list[Any]:
        """A bank's portfolio filed in bulk: many debtors, one text, amounts of a book."""
        applicant = {"kind": "institution", "name": name, "org_code": agent.institution}
        applicant["phone"] = "02363000000" if agent is AGENT else "02367000000"
        filings = []
        for _ in range(debtors):
            debtor = self.person()
            principal = int(self.random.lognormvariate(9.9, 0.8)) * 100  # a median of ¥20,000
            facts = self.facts(template, debtor["name"], principal)
            filings.append(self.filing(applicant, debtor, principal, facts))
        cases = []
        for start in range(0, len(filings), 1_000):
            cases.extend(self.center.file_bulk(agent, filings[start : start + 1_000]))
        self.caseload.filings += len(cases)
        return cases

    # --- acts ---------------------------------------------------------------------------

    def act(self, case: Any, who: Principal, command: Any, minutes: int = 30) -> Any:
        self.clock.advance(timedelta(minutes=minutes))
        return self.center.act(case.id, who, command)

    def to_mediation(self, case: Any, respondent: Principal, minutes: int = 30) -> Any:
        for who, command in (
            (ADMIN, cmd.Accept()),
            (ADMIN, cmd.Refer(kind="pre_filing")),
            (ADMIN, cmd.AssignMediator(mediator="mediator1")),
            (MEDIATOR, cmd.AcceptAssignment(disclosure="无")),
            (respondent, cmd.ConsentToMediation()),
        ):
            case = self.act(case, who, command, minutes)
        return case

    def served(self, case: Any, respondent: Principal) -> Any:
        phone = case.filing.respondent.phone
        return self.act(
            case, respondent, cmd.ConsentToElectronicService(channel="sms", address=phone)
        )

    def plan(self, case: Any, months: int, waive: bool) -> cmd.PlanIn:
        claim = case.filing.claim
        waived = claim.interest_fen if waive else 0
        total = claim.principal_fen + claim.interest_fen - waived
        each, first = total // months, self.clock().date() + timedelta(days=30)
        dues = [first + timedelta(days=30 * i) for i in range(months)]
        amounts = [each] * (months - 1) + [total - each * (months - 1)]
        return msgspec.convert(
            {
                "creditor": "applicant",
                "principal_fen": claim.principal_fen,
                "interest_fen": claim.interest_fen,
                "waived_fen": waived,
                "instalments": [
                    {"amount_fen": a, "due_date": d.isoformat()}
                    for a, d in zip(amounts, dues, strict=True)
                ],
            },
            cmd.PlanIn,
        )

    def settle(
        self,
        case: Any,
        applicant: Principal,
        respondent: Principal,
        plan: cmd.PlanIn,
        *,
        session: bool = False,
        counter: cmd.PlanIn | None = None,
        minutes: int = 30,
    ) -> Any:
        if session:
            starts = self.clock() + timedelta(days=2)
            case = self.act(case, MEDIATOR, cmd.ScheduleSession(starts_at=starts), minutes)
            self.clock.advance(timedelta(days=2, hours=1))
        case = self.act(case, applicant, cmd.Propose(plan=counter or plan), minutes)
        if counter is not None:
            offer = len(case.proposals)
            case = self.act(case, respondent, cmd.CounterPropose(in_reply_to=offer, plan=plan))
            case = self.act(case, applicant, cmd.AcceptProposal(proposal=offer + 1), minutes)
        else:
            case = self.act(case, respondent, cmd.AcceptProposal(proposal=len(case.proposals)))
        case = self.act(case, MEDIATOR, cmd.DraftAgreement(), minutes)
        agreement, _ = self.center.agreement(case.agreement_id, MEDIATOR)
        for who in (applicant, respondent, MEDIATOR):
            self.clock.advance(timedelta(minutes=minutes))
            agreement, case = self.center.agreement_act(
                agreement.id, who, cmd.SignAgreement(text_sha256=agreement.text_sha256)
            )
        return case

    def apply_for_confirmation(self, case: Any, *sides: Principal) -> None:
        agreement, _ = self.center.agreement(case.agreement_id, MEDIATOR)
        for side in sides:
            self.clock.advance(timedelta(minutes=20))
            self.court.apply_for_confirmation(agreement, self.center.file_of(case.id), side)


def party(side: dict[str, Any]) -> Principal:
    return Principal(f"p{side['id_number']}", Role.PARTY, None, side["id_number"])


def as_data(side: Any) -> dict[str, Any]:
    """A filed side as it would be filed again."""
    fields = ("name", "id_number", "org_code", "phone", "email")
    found = {f: getattr(side, f) for f in fields if getattr(side, f) is not None}
    return {**found, "kind": str(side.kind)}


def debtor_of(case: Any) -> Principal:
    return party({"id_number": case.filing.respondent.id_number})


def write(
    platform: Any, clock: ManualClock, debtors: int = 2_000, seed: int = 2026, people: int = 0
) -> Caseload:
    """File `debtors` ordinary cases of one bank (and a tenth as many of a card issuer), settle
    some of each on their standard terms, and plant the six patterns among them. A caseload
    written in parts goes on from the people of the last part (`people`)."""
    w = Writer(platform, clock, seed, people)
    load = w.caseload
    bank = w.book(AGENT, "江北商业银行", BANK_FACTS, debtors)
    cards = w.book(OTHER_AGENT, "山城信用卡中心", CARD_FACTS, debtors // 10)
    load.ordinary.update(c.id for c in [*bank, *cards])
    clock.advance(timedelta(days=1))

    # Ordinary settlements: the bank's standard terms, the card issuer's after a counter; the
    # larger half of the claims heard in a session first. A tenth apply for confirmation later.
    median = sorted(c.filing.claim.total_fen for c in bank)[len(bank) // 2]
    for agent, cases, counter in (
        (AGENT, bank[: debtors // 15], False),
        (OTHER_AGENT, cards[:30], True),
    ):
        for index, filed in enumerate(cases):
            debtor = debtor_of(filed)
            case = w.served(w.to_mediation(filed, debtor), debtor)
            offer = w.plan(case, 12, waive=False)
            settled = w.settle(
                case,
                agent,
                debtor,
                w.plan(case, 12, waive=True),
                session=case.filing.claim.total_fen > median,
                counter=offer if counter else None,
            )
            if index % 10 == 0:
                clock.advance(timedelta(days=3))
                w.apply_for_confirmation(settled, agent, debtor)
    # Debtors of the bank with a second case: two of one pair is below any threshold.
    again = []
    for case in bank[-20:]:
        respondent, applicant = (
            as_data(side) for side in (case.filing.respondent, case.filing.applicant)
        )
        facts = w.facts(BANK_FACTS, respondent["name"], case.filing.claim.principal_fen)
        again.append(w.filing(applicant, respondent, case.filing.claim.principal_fen, facts))
    load.ordinary.update(c.id for c in platform.center.file_bulk(AGENT, again))
    load.filings += len(again)

    # The ring: strangers lending to strangers, the same story and the same plan each time.
    ring: set[UUID] = set()
    for _ in range(4):
        lender, borrower = w.person(), w.person()
        principal = w.random.randint(30, 90) * 1_000_000
        facts = w.facts(RING_FACTS, borrower["name"], principal, lender=lender["name"])
        case = platform.center.file(party(lender), w.filing(lender, borrower, principal, facts))
        case = w.to_mediation(case, party(borrower))
        case = w.served(case, party(borrower))
        w.settle(case, party(lender), party(borrower), w.plan(case, 3, waive=False), session=True)
        ring.add(case.id)
        clock.advance(timedelta(days=5))
    load.planted["ring"] = ring

    # One pair, three cases in two months.
    lender, borrower = w.person(), w.person()
    pair: set[UUID] = set()
    for n in range(3):
        facts = f"第{n + 1}笔借款到期未还。"
        case = platform.center.file(party(lender), w.filing(lender, borrower, 2_000_000, facts))
        pair.add(case.id)
        clock.advance(timedelta(days=25))
    load.planted["same_pair"] = pair

    # A respondent who gives the applicant's phone.
    lender, borrower = w.person(), w.person()
    borrower["phone"] = lender["phone"]
    case = platform.center.file(party(lender), w.filing(lender, borrower, 1_500_000, "借款未还。"))
    load.planted["shared_phone"] = {case.id}

    # Filed, settled and at the court within hours (the bank's own case, served properly).
    debtor_side = w.person()
    principal = 3_000_000
    facts = w.facts(BANK_FACTS, debtor_side["name"], principal)
    applicant = {"kind": "institution", "name": "江北商业银行", "org_code": AGENT.institution}
    applicant["phone"] = "02363000000"
    case = platform.center.file(AGENT, w.filing(applicant, debtor_side, principal, facts))
    debtor = party(debtor_side)
    case = w.to_mediation(case, debtor, minutes=5)
    case = w.served(case, debtor)
    case = w.settle(case, AGENT, debtor, w.plan(case, 6, waive=False), minutes=5)
    w.apply_for_confirmation(case, AGENT, debtor)
    load.planted["fast_loop"] = {case.id}
    clock.advance(timedelta(days=2))

    # Settled with a respondent never served nor invited: an agent staff linked to its side
    # consented and signed for it.
    debtor_side = w.person()
    facts = w.facts(BANK_FACTS, debtor_side["name"], principal)
    case = platform.center.file(AGENT, w.filing(applicant, debtor_side, principal, facts))
    agent_name = f"agent{w.people}"
    platform.directory.add_user(agent_name, PASSWORD, "party", None)
    agent = Principal(agent_name, Role.PARTY, None)
    link = cmd.LinkParty(username=agent_name, side="respondent", authorization="授权委托书")
    case = w.act(case, ADMIN, link)
    case = w.to_mediation(case, agent)
    w.settle(case, AGENT, agent, w.plan(case, 12, waive=True))
    load.planted["unreached"] = {case.id}

    # A claim a hundred times the book's, settled without a session or a counter-proposal.
    debtor_side = w.person()
    principal = median * 100
    facts = w.facts(BANK_FACTS, debtor_side["name"], principal)
    case = platform.center.file(AGENT, w.filing(applicant, debtor_side, principal, facts))
    debtor = party(debtor_side)
    case = w.to_mediation(case, debtor)
    case = w.served(case, debtor)
    w.settle(case, AGENT, debtor, w.plan(case, 12, waive=False))
    load.planted["large"] = {case.id}
    load.filings += 4 + 3 + 1 + 3
    load.people = w.people
    return load
