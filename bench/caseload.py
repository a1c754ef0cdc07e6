"""Caseload benchmark: cases driven through the whole lifecycle with the real center's mix.

    .venv/bin/python bench/caseload.py [--sqlite 100000] [--postgres 20000]

About 12% settle (a fifth of those default and go to enforcement, after judicial
confirmation, or on the court's civil mediation document for the 30% the court entrusted in
litigation), the rest fail (the court dockets the pre-filing ones by itself) or are
withdrawn. Reports cases/s through the application layer and how long the court's process
application takes to catch up afterwards; the target is the center's three-year caseload
(240,000 cases) in under 15 minutes on SQLite, i.e. at least 267 cases/s. Figures are appended
to bench/caseload.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.bootstrap import Platform
from application.court import commands as court_cmd
from application.mediation_center import commands as cmd
from bench.run import build, drop_schema, pg_schema, record
from domain.shared.periods import shanghai_date
from tests.support.data import (
    ADMIN,
    AGENT,
    COURT_CLERK,
    JUDGE,
    MEDIATOR,
    PARTY,
    filing,
    lawsuit,
    plan,
)

HERE = Path(__file__).resolve().parent
TARGET_PER_S = 240_000 / (15 * 60)


def drive_one(platform: Platform, rng: random.Random, fate: float) -> str:
    center = platform.center
    pre_filing = rng.random() < 0.7
    if pre_filing:
        case = center.file(AGENT, filing())
    else:  # the court's lawsuit, entrusted: its follower files it at the center
        lawsuit_ = platform.court.file_lawsuit(COURT_CLERK, lawsuit())
        lawsuit_ = platform.court.litigation_act(lawsuit_.id, JUDGE, court_cmd.Entrust())
        platform.follower("court-outcomes").catch_up()
        assert lawsuit_.mediation_case_id is not None
        case = center.file_of(lawsuit_.mediation_case_id)
    for who, command in [
        (ADMIN, cmd.Accept()),
        (ADMIN, cmd.Refer(kind="pre_filing" if pre_filing else "in_litigation")),
        (ADMIN, cmd.AssignMediator(mediator="mediator1")),
        (MEDIATOR, cmd.AcceptAssignment()),
        (PARTY, cmd.ConsentToMediation()),
        *([] if pre_filing else [(AGENT, cmd.ConsentToMediation())]),
    ]:
        case = center.act(case.id, who, command)
    if fate < 0.10:
        center.act(case.id, AGENT, cmd.Withdraw(reason="自行和解"))
        return "withdrawn"
    if fate >= 0.22:
        center.act(case.id, MEDIATOR, cmd.DeclareFailure(reason="no_agreement"))
        return "failed"
    for who, command in [
        (AGENT, cmd.Propose(plan=plan(first_due=date(2026, 5, 1)))),
        (PARTY, cmd.AcceptProposal(proposal=1)),
        (MEDIATOR, cmd.DraftAgreement()),
    ]:
        case = center.act(case.id, who, command)
    assert case.agreement_id is not None
    agreement, _ = center.agreement(case.agreement_id, MEDIATOR)
    for who in (AGENT, PARTY, MEDIATOR):
        agreement, case = center.agreement_act(
            agreement.id, who, cmd.SignAgreement(text_sha256=agreement.text_sha256)
        )
    if fate < 0.22 - 0.12 / 5:  # four in five settlements are paid in full
        for number, item in enumerate(agreement.plan.instalments, 1):
            center.agreement_act(
                agreement.id,
                AGENT,
                cmd.RecordPayment(
                    instalment=number, amount_fen=item.amount_fen, paid_on=date(2026, 4, 1)
                ),
            )
        return "fulfilled"
    if not pre_filing:  # the court's civil mediation document, once both parties sign for it
        platform.follower("court").catch_up()
        assert case.entrustment is not None
        lawsuit_id = case.entrustment.litigation_id
        platform.court.litigation_act(lawsuit_id, JUDGE, court_cmd.ServeDocument())
        today = shanghai_date(platform.court.clock())
        for side in ("applicant", "respondent"):
            receipt = court_cmd.RecordReceipt(side=side, received_on=today)
            platform.court.litigation_act(lawsuit_id, COURT_CLERK, receipt)
        return "court_mediation_document"
    platform.court.apply_for_confirmation(agreement, case, AGENT)
    confirmation = platform.court.apply_for_confirmation(agreement, case, PARTY)
    platform.court.confirmation_act(confirmation.id, JUDGE, court_cmd.AcceptApplication())
    verify = court_cmd.RecordVerification(notes="双方到场确认")
    platform.court.confirmation_act(confirmation.id, JUDGE, verify)
    platform.court.confirmation_act(confirmation.id, JUDGE, court_cmd.RuleConfirmed(reason="确认"))
    return "confirmed"


def run(backend: str, cases: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"tiaojie-caseload-{backend}-"))
    schema = pg_schema() if backend == "postgres" else None
    platform, clock = build(backend, data_dir, schema)
    rng = random.Random(240_000)
    outcomes: dict[str, int] = {}
    try:
        started = time.perf_counter()
        with Progress() as progress:
            task = progress.add_task(f"{backend}: cases", total=cases)
            for _ in range(cases):
                outcome = drive_one(platform, rng, rng.random())
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                progress.advance(task)
        driven = time.perf_counter() - started
        # Defaults: months later the confirmed agreements are in default; enforcement follows.
        clock.set(datetime(2026, 8, 1, 2, tzinfo=UTC))
        defaults = 0
        for agreement in platform.center.effective_agreements():
            agreement_after, _ = platform.center.agreement_act(
                agreement.id, AGENT, cmd.DeclareDefault()
            )
            _, case = platform.center.agreement(agreement.id, AGENT)
            platform.court.apply_for_enforcement(agreement_after, case, AGENT)
            defaults += 1
        started = time.perf_counter()
        platform.catch_up()
        catch_up = time.perf_counter() - started
        total = time.perf_counter() - started + driven
        return {
            "backend": backend,
            "cases": cases,
            "outcomes": outcomes,
            "defaults_enforced": defaults,
            "drive_seconds": round(driven, 1),
            "cases_per_s": round(cases / driven, 1),
            "court_catch_up_seconds": round(catch_up, 1),
            "target_cases_per_s": round(TARGET_PER_S, 1),
            "projected_240k_minutes": round(240_000 / (cases / total) / 60, 1),
        }
    finally:
        platform.close()
        if schema:
            drop_schema(schema)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", type=int, default=100_000)
    parser.add_argument("--postgres", type=int, default=20_000)
    args = parser.parse_args()
    results = []
    for backend, cases in (("sqlite", args.sqlite), ("postgres", args.postgres)):
        if cases:
            figures = run(backend, cases)
            figures["when"] = datetime.now(UTC).isoformat(timespec="seconds")
            print(json.dumps(figures, ensure_ascii=False), flush=True)
            results.append(figures)
    record("caseload.json", *results)


if __name__ == "__main__":
    main()
