"""Agreements, the court and the audit trail over HTTP: payments and default, confirmation,
litigation, enforcement, the case's timeline."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from domain.shared import tlog
from tests.support.data import PARTY_ID, plan_data
from tests.support.http import (
    TO_MEDIATION,
    Api,
    assert_problem,
    settled_over_http,
    two_instalments,
)


def test_agreement_payments_default_and_access_over_http(api: Api) -> None:
    _, agreement_id = settled_over_http(api, two_instalments("2026-04-01"))
    path = f"/api/agreements/{agreement_id}"
    agreement = api.call("GET", path, "bank_agent").json()
    first = agreement["instalments"][0]["amount_fen"]
    assert agreement["state"] == "effective" and agreement["awaiting_signatures"] == []
    assert_problem(api.call("GET", path, "party2"), 404, "not-found")
    assert_problem(
        api.call(
            "POST",
            f"{path}/record_payment",
            "party1",
            json={"instalment": 1, "amount_fen": 1, "paid_on": "2026-03-03"},
        ),
        403,
        "forbidden",
    )
    over = api.call(
        "POST",
        f"{path}/record_payment",
        "bank_agent",
        json={"instalment": 1, "amount_fen": first + 1, "paid_on": "2026-03-03"},
    )
    assert assert_problem(over, 409, "act-refused")["rule"] == "overpayment"
    reported = api.call(
        "POST",
        f"{path}/report_payment",
        "party1",
        json={"instalment": 1, "amount_fen": 1000, "paid_on": "2026-03-03"},
    )
    assert reported.json()["payment_reports"][0]["pending"] is True
    confirmed = api.call("POST", f"{path}/confirm_payment", "bank_agent", json={"report": 1})
    assert confirmed.json()["paid_fen"] == 1000
    refused = api.call("POST", f"{path}/declare_default", "bank_agent", json={})
    assert assert_problem(refused, 409, "act-refused")["rule"] == "no_default"
    later = api.call("GET", path, "bank_agent", params={"on": "2026-05-20"}).json()
    assert later["instalments"][0]["in_default"] is True
    api.clock.set(api.clock() + timedelta(days=80))  # past grace and threshold
    defaulted = api.call("POST", f"{path}/declare_default", "bank_agent", json={})
    assert defaulted.json()["state"] == "defaulted" and defaulted.json()["accelerated"]


def test_fulfilment_closes_the_case(api: Api) -> None:
    case_id, agreement_id = settled_over_http(api, two_instalments("2026-11-01"))
    path = f"/api/agreements/{agreement_id}"
    today = (api.clock() + timedelta(hours=9)).date().isoformat()
    for item in api.call("GET", path, "bank_agent").json()["instalments"]:
        paid = api.call(
            "POST",
            f"{path}/record_payment",
            "bank_agent",
            json={"instalment": item["number"], "amount_fen": item["amount_fen"], "paid_on": today},
        )
        assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "fulfilled"
    case = api.call("GET", f"/api/cases/{case_id}", "admin").json()
    assert case["state"] == "closed" and case["outcome_reason"] == "fulfilled"


def test_end_to_end_to_confirmation_and_default(api: Api) -> None:
    """File → mediate → agree → all sign → joint application → accept → confirm → pay two
    instalments → miss the third → default."""
    plan = plan_data(total=1_012_345)
    plan["instalments"] = [
        {"amount_fen": 400_000, "due_date": "2026-09-01"},
        {"amount_fen": 400_000, "due_date": "2026-10-01"},
        {"amount_fen": 212_345, "due_date": "2026-11-02"},
    ]
    _, agreement_id = settled_over_http(api, plan)
    agreement = f"/api/agreements/{agreement_id}"
    first = api.call("POST", f"{agreement}/apply_for_confirmation", "bank_agent")
    assert first.json()["state"] == "applying"
    joint = api.call("POST", f"{agreement}/apply_for_confirmation", "party1").json()
    assert joint["state"] == "applied" and joint["docket_number"] is None
    confirmation = f"/api/confirmations/{joint['id']}"
    # The court's record is not the center's to see: acting on it is as reading it, 404.
    assert_problem(api.call("GET", confirmation, "admin"), 404, "not-found")
    assert_problem(api.call("POST", f"{confirmation}/accept", "admin", json={}), 404, "not-found")
    # A side sees it, but does not act for the court: 403.
    assert_problem(api.call("POST", f"{confirmation}/accept", "party1", json={}), 403, "forbidden")
    accepted = api.call("POST", f"{confirmation}/accept", "judge1", json={}).json()
    assert accepted["state"] == "accepted"
    assert accepted["docket_number"].startswith("(2026)渝0105民特")
    early = api.call("POST", f"{confirmation}/rule_confirmed", "judge1", json={"reason": "x"})
    assert assert_problem(early, 409, "act-refused")["rule"] == "not_verified"
    verified = api.call(
        "POST", f"{confirmation}/record_verification", "judge1", json={"notes": "双方到场确认"}
    ).json()
    assert verified["verified_at"] and verified["verification_notes"] == "双方到场确认"
    ruled = api.call(
        "POST",
        f"{confirmation}/rule_confirmed",
        "judge1",
        json={"reason": "协议合法"},
    ).json()
    assert ruled["state"] == "confirmed"
    assert api.call("GET", confirmation, "party1").json()["state"] == "confirmed"
    assert_problem(api.call("GET", confirmation, "party2"), 404, "not-found")
    for number, amount, paid_on in ((1, 400_000, "2026-08-30"), (2, 400_000, "2026-09-30")):
        api.clock.set(datetime.fromisoformat(f"{paid_on}T02:00:00+00:00"))
        paid = api.call(
            "POST",
            f"{agreement}/record_payment",
            "bank_agent",
            json={"instalment": number, "amount_fen": amount, "paid_on": paid_on},
        )
        assert paid.status_code == 200, paid.text
    api.platform.catch_up()
    case_id = api.call("GET", agreement, "party1").json()["case_id"]
    [outcome] = api.call("GET", f"/api/cases/{case_id}", "party1").json()["court_outcomes"]
    assert (outcome["outcome"], outcome["docket_number"]) == (
        "confirmed",
        accepted["docket_number"],
    )
    api.clock.set(datetime.fromisoformat("2026-12-20T02:00:00+00:00"))
    status = api.call("GET", agreement, "party1").json()
    assert [i["in_default"] for i in status["instalments"]] == [False, False, True]
    assert status["state"] == "effective"
    api.platform.scheduler.tick()  # overdue, then default: by itself
    defaulted = api.call("GET", agreement, "party1").json()
    assert defaulted["state"] == "defaulted" and defaulted["overdue_instalments"] == [3]
    assert defaulted["balance_fen"] == 212_345
    twice = api.call("POST", f"{agreement}/declare_default", "bank_agent", json={})
    assert assert_problem(twice, 409, "act-refused")["act"] == "declare_default"
    assert_problem(
        api.call("POST", f"{agreement}/apply_for_enforcement", "party1"), 403, "forbidden"
    )
    enforcement = api.call("POST", f"{agreement}/apply_for_enforcement", "bank_agent")
    assert enforcement.status_code == 201, enforcement.text
    opened = enforcement.json()
    assert opened["docket_number"].startswith("(2026)渝0105执") and opened["amount_fen"] == 212_345
    # Two years (CPL art. 250) from the last instalment's due date, 2 November 2026.
    assert (opened["limitation_ends_on"], opened["time_barred"]) == ("2028-11-02", False)
    again = api.call("POST", f"{agreement}/apply_for_enforcement", "bank_agent")
    assert assert_problem(again, 409, "act-refused")["rule"] == "already_opened"


def test_failed_mediation_reaches_the_docket_by_itself(api: Api) -> None:
    case_id = api.file()
    for who, act, body in [
        *TO_MEDIATION,
        ("mediator1", "declare_failure", {"reason": "no_agreement"}),
    ]:
        assert api.act(case_id, act, who, body).status_code == 200, act
    give_up = time.monotonic() + 20
    while (case := api.call("GET", f"/api/cases/{case_id}", "admin").json())["state"] != (
        "transferred"
    ):
        assert time.monotonic() < give_up, case
        time.sleep(0.05)
    litigation = f"/api/litigations/{case['litigation_id']}"
    assert_problem(api.call("GET", litigation, "party1"), 404, "not-found")
    assert_problem(
        api.call(
            "POST",
            f"{litigation}/decide",
            "mediator1",
            json={"outcome": "judgment", "summary": "x"},
        ),
        404,
        "not-found",
    )
    docket = api.call("GET", litigation, "judge1").json()
    assert docket["docket_number"] == case["court_docket_number"]
    assert docket["mediation_case_id"] == case_id
    when = (api.clock() + timedelta(days=7)).isoformat()
    assert (
        api.call(
            "POST", f"{litigation}/schedule_hearing", "judge1", json={"starts_at": when}
        ).json()["state"]
        == "hearing_scheduled"
    )
    decided = api.call(
        "POST",
        f"{litigation}/decide",
        "judge1",
        json={"outcome": "judgment", "summary": "被告于判决生效后十日内还款"},
    )
    assert decided.json()["state"] == "judged"


def test_audit_trail_over_http(api: Api) -> None:
    case_id = api.file(respondent_id=PARTY_ID)
    api.act(case_id, "accept", "admin")
    api.platform.catch_up()
    give_up = time.monotonic() + 10  # a background follower may still be signing its batch
    while len(api.call("GET", f"/api/audit/cases/{case_id}", "party1").json()["entries"]) < 2:
        assert time.monotonic() < give_up
        time.sleep(0.05)
    note = api.client.get("/api/audit/checkpoint").text
    keys = api.client.get("/api/audit/keys").json()
    checkpoint = tlog.verify_note(note, tlog.Verifier.parse(keys["log"]))
    for name, vkey in keys.items():
        if name != "log":
            tlog.verify_cosignature(note, tlog.Verifier.parse(vkey))
    timeline = api.call("GET", f"/api/audit/cases/{case_id}", "party1").json()
    assert [e["entry"]["topic"].rsplit(".", 1)[1] for e in timeline["entries"]] == [
        "Filed",
        "Accepted",
    ]
    assert [e["entry"]["role"] for e in timeline["entries"]] == ["applicant_agent", "center_admin"]
    root = bytes.fromhex(timeline["root"])
    for item in timeline["entries"]:
        assert tlog.verify_inclusion(
            bytes.fromhex(item["leaf_hash"]),
            item["index"],
            item["tree_size"],
            [bytes.fromhex(h) for h in item["inclusion_proof"]],
            root,
        )
    assert timeline["tree_size"] <= checkpoint.size
    assert_problem(api.call("GET", f"/api/audit/cases/{case_id}", "party2"), 404, "not-found")
    assert api.call("GET", f"/api/audit/cases/{case_id}", "judge1").status_code == 200
    first = timeline["entries"][0]["index"]
    assert_problem(api.call("GET", f"/api/audit/entries/{first}", "party2"), 404, "not-found")
    assert api.call("GET", f"/api/audit/entries/{first}", "judge1").status_code == 200
    size = checkpoint.size
    proof = api.client.get("/api/audit/consistency", params={"first": 1, "second": size}).json()
    assert tlog.verify_consistency(
        1,
        size,
        bytes.fromhex(proof["first_root"]),
        checkpoint.root,
        [bytes.fromhex(h) for h in proof["consistency_proof"]],
    )
    bad = api.client.get("/api/audit/consistency", params={"first": size, "second": 1})
    assert_problem(bad, 400, "validation")
