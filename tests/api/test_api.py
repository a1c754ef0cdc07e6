"""The HTTP API through the real litestar app and a real store: statuses, problems, access."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.demo import CARD_ISSUER, CENTER, COURT
from application.shared.clock import ManualClock
from domain.shared.periods import shanghai_date
from tests.conftest import make_platform, settings_for
from tests.support.data import (
    OTHER_PARTY_ID,
    PARTY_ID,
    START,
    filing_data,
    id_number,
    plan_data,
)
from tests.support.http import (
    PASSWORD,
    Api,
    assert_problem,
    build,
)


def test_login_sets_bearer_token_and_httponly_cookie(api: Api) -> None:
    response = api.client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["role"] == "center_admin"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    api.client.cookies.clear()
    bad = api.client.post("/api/auth/login", json={"username": "admin", "password": "nope"})
    assert_problem(bad, 401, "unauthenticated")
    unknown = api.client.post("/api/auth/login", json={"username": "ghost", "password": "x"})
    assert_problem(unknown, 401, "unauthenticated")


def test_sign_in_attempts_are_rate_limited(tmp_path: Path) -> None:
    clock = ManualClock(START)
    platform = make_platform(settings_for("memory", tmp_path, TIAOJIE_LOGIN_RATE="3"), clock)
    try:
        with TestClient(app=create_app(platform)) as client:
            for _ in range(3):
                attempt = client.post("/api/auth/login", json={"username": "x", "password": "y"})
                assert attempt.status_code == 401
            blocked = client.post("/api/auth/login", json={"username": "x", "password": "y"})
            assert_problem(blocked, 429, "too-many-requests")
            console = client.post("/login", data={"username": "x", "password": "y"})
            assert console.status_code == 429  # the console's sign-in counts in the same bucket
            assert client.get("/health").status_code == 200  # only sign-in is limited
            claims = "/api/portal/invitations/00000000-0000-4000-8000-000000000000/code"
            assert client.post(claims).status_code == 202  # claims count in a bucket of their own
    finally:
        platform.close()


def test_unauthenticated_is_401(api: Api) -> None:
    assert_problem(api.client.get("/api/cases"), 401, "unauthenticated")
    assert_problem(
        api.client.get("/api/cases", headers={"Authorization": "Bearer forged"}),
        401,
        "unauthenticated",
    )


def test_cookie_authenticates_too(api: Api) -> None:
    api.client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    try:
        assert api.client.get("/api/cases").status_code == 200
    finally:
        api.client.cookies.clear()


def test_file_read_and_names_outside_the_bmp(api: Api) -> None:
    case_id = api.file(name="𠮷田 🀄 张")
    case = api.call("GET", f"/api/cases/{case_id}", "admin").json()
    assert case["respondent"]["name"] == "𠮷田 🀄 张"
    assert case["state"] == "filed" and case["filing_number"].startswith("(2026)渝0105民调登")
    assert case["respondent"]["id_number"].count("*") == 14  # masked
    assert case["respondent"]["phone"] == "138****8000"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda f: f["respondent"].update(id_number="110105194912310021"), "respondent.id_number"),
        (lambda f: f["claim"].update(principal_fen="ten"), "claim.principal_fen"),
        (lambda f: f["claim"].update(principal_fen=0), "claim.principal_fen"),
        (lambda f: f["claim"].update(interest_fen=10**13), "claim.interest_fen"),
        (lambda f: f["applicant"].update(org_code="91350100M000100Y44"), "applicant.org_code"),
        (lambda f: f.update(dispute_type="lottery"), "dispute_type"),
        (lambda f: f.update(facts="x" * 5001), "facts"),
        (lambda f: f.update(surprise=1), "surprise"),
        (lambda f: f["respondent"].update(nickname="小张"), "respondent.nickname"),
        (lambda f: f.pop("claim"), "claim"),
        (lambda f: f.update(knew_default_on="2026-03-03"), "knew_default_on"),  # after filing
        (lambda f: f.update(last_interruption_on="1999-12-31"), "last_interruption_on"),
    ],
)
def test_validation_errors_name_the_field_and_store_nothing(
    api: Api, mutate: Any, field: str
) -> None:
    before = api.platform.center.recorder.max_notification_id()
    body = filing_data()
    mutate(body)
    problem = assert_problem(
        api.call("POST", "/api/cases", "bank_agent", json=body), 400, "validation"
    )
    assert [e["field"] for e in problem["errors"]] == [field], problem
    assert api.platform.center.recorder.max_notification_id() == before


def test_a_case_shows_its_limitation_from_the_dates_filed(api: Api) -> None:
    body = {**filing_data(), "knew_default_on": "2023-02-20"}
    filed = api.call("POST", "/api/cases", "bank_agent", json=body)
    assert filed.status_code == 201, filed.text
    case = api.call("GET", f"/api/cases/{filed.json()['id']}", "admin").json()
    assert case["knew_default_on"] == "2023-02-20"
    assert case["limitation"] == {
        "status": "expired",
        "runs_from": "2023-02-20",
        "ends_on": "2026-02-24",
    }
    plain = api.call("GET", f"/api/cases/{api.file()}", "admin").json()
    assert plain["limitation"] == {
        "status": "interrupted",
        "runs_from": shanghai_date(api.clock()).isoformat(),  # the request interrupts it
        "ends_on": None,
    }


def test_refused_act_is_409_with_state_act_and_rule(api: Api) -> None:
    case_id = api.file()
    problem = assert_problem(
        api.act(case_id, "refer", "admin", {"kind": "pre_filing"}), 409, "act-refused"
    )
    assert (problem["current_state"], problem["act"], problem["rule"]) == (
        "filed",
        "refer",
        "state",
    )


def test_party_cannot_read_another_partys_case(api: Api) -> None:
    case_id = api.file(respondent_id=PARTY_ID)
    assert api.call("GET", f"/api/cases/{case_id}", "party1").status_code == 200
    assert_problem(api.call("GET", f"/api/cases/{case_id}", "party2"), 404, "not-found")
    assert_problem(api.call("GET", f"/api/cases/{case_id}/events", "party2"), 404, "not-found")
    assert_problem(api.act(case_id, "withdraw", "party2"), 404, "not-found")


def test_agent_cannot_read_another_institutions_case(api: Api) -> None:
    case_id = api.file()
    assert_problem(api.call("GET", f"/api/cases/{case_id}", "card_agent"), 404, "not-found")
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(api.call("GET", f"/api/cases/{missing}", "admin"), 404, "not-found")


def test_visible_but_not_this_roles_act_is_403(api: Api) -> None:
    case_id = api.file()
    problem = assert_problem(api.act(case_id, "accept", "party1"), 403, "forbidden")
    assert problem["act"] == "accept"


def test_oversized_bodies_are_413(api: Api) -> None:
    big = filing_data()
    big["facts"] = "x" * (1024 * 1024)
    assert_problem(api.call("POST", "/api/cases", "bank_agent", json=big), 413, "too-large")
    rows = [filing_data() for _ in range(100)]
    for row in rows:
        row["facts"] = "长" * 60_000  # 180 kB each in UTF-8: 18 MB in all
    assert_problem(
        api.call("POST", "/api/cases/bulk", "bank_agent", json={"filings": rows}), 413, "too-large"
    )


def test_bulk_reports_rows_and_is_all_or_nothing(api: Api) -> None:
    before = api.platform.center.recorder.max_notification_id()
    rows = [filing_data() for _ in range(50)]
    rows[7]["respondent"]["id_number"] = "123"
    rows[31]["claim"]["principal_fen"] = -5
    problem = assert_problem(
        api.call("POST", "/api/cases/bulk", "bank_agent", json={"filings": rows}), 400, "validation"
    )
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [
        (7, "respondent.id_number"),
        (31, "claim.principal_fen"),
    ]
    rows[7] = filing_data()
    rows[31] = filing_data()
    rows[12]["unexpected"] = True
    problem = assert_problem(
        api.call("POST", "/api/cases/bulk", "bank_agent", json={"filings": rows}), 400, "validation"
    )
    assert [(e.get("row"), e["field"]) for e in problem["errors"]] == [(12, "unexpected")]
    assert api.platform.center.recorder.max_notification_id() == before
    del rows[12]["unexpected"]
    done = api.call("POST", "/api/cases/bulk", "bank_agent", json={"filings": rows})
    assert done.status_code == 201 and done.json()["count"] == 50


def test_whole_flow_history_and_as_of(api: Api) -> None:
    """A lawsuit filed at the court and entrusted to the center, mediated in litigation."""
    complaint = {k: v for k, v in filing_data().items() if k != "channel"}
    lawsuit = api.call("POST", "/api/litigations", "judge1", json=complaint)
    assert_problem(lawsuit, 400, "validation")  # the trial procedure is the court's to name
    lawsuit = api.call(
        "POST", "/api/litigations", "judge1", json={**complaint, "procedure": "summary"}
    )
    assert lawsuit.status_code == 201, lawsuit.text
    assert lawsuit.json()["docket_number"] == "(2026)渝0105民初1号"
    litigation = f"/api/litigations/{lawsuit.json()['id']}"
    entrusted = api.call("POST", f"{litigation}/entrust", "judge1", json={})
    assert entrusted.status_code == 200 and entrusted.json()["state"] == "entrusted"
    filed = api.clock()
    api.platform.follower("court-outcomes").wait_for(
        api.platform.court.recorder.max_notification_id() or 0
    )
    case_id = entrusted.json()["mediation_case_id"]
    for who, act, body in [
        ("admin", "accept", {}),
        ("admin", "refer", {"kind": "in_litigation"}),
        ("admin", "assign_mediator", {"mediator": "mediator1"}),
        ("mediator1", "accept_assignment", {"disclosure": "无"}),
        ("party1", "consent_to_mediation", {}),
        ("bank_agent", "consent_to_mediation", {}),
        ("bank_agent", "propose", {"plan": plan_data()}),
        ("party1", "accept_proposal", {"proposal": 1}),
        ("mediator1", "draft_agreement", {}),
    ]:
        response = api.act(case_id, act, who, body)
        assert response.status_code == 200, (act, response.text)
    agreement_id = response.json()["agreement_id"]
    text_hash = api.call("GET", f"/api/agreements/{agreement_id}", "party1").json()["text_sha256"]
    for who in ("bank_agent", "party1", "mediator1"):
        signed = api.call(
            "POST",
            f"/api/agreements/{agreement_id}/sign",
            who,
            json={"text_sha256": text_hash, "method": "account"},
        )
        assert signed.status_code == 200, signed.text
    assert signed.json()["state"] == "effective"
    case = api.call("GET", f"/api/cases/{case_id}", "admin").json()
    assert case["state"] == "settled" and case["docket_number"].startswith("(2026)渝0105民诉中调")
    assert case["entrusted_by"] == "(2026)渝0105民初1号" and case["channel"] == "court_referral"
    assert case["procedure"] == "summary" and case["litigation_id"] == lawsuit.json()["id"]
    events = api.call("GET", f"/api/cases/{case_id}/events", "mediator1").json()
    assert [e["type"] for e in events][:3] == ["Filed", "Accepted", "Referred"]
    assert events[0]["actor"]["institution"] == COURT  # the court's entrustment filed it
    assert events[1]["actor"] == {
        "actor_id": "admin",
        "role": "center_admin",
        "institution": CENTER,
    }
    assert "*" in json.dumps(events[0]["data"]["filing"]["respondent"]["id_number"])
    then = (filed + timedelta(seconds=30)).isoformat()
    past = api.call("GET", f"/api/cases/{case_id}", "admin", params={"as_of": then})
    assert past.json()["state"] == "filed"
    naive = api.call(
        "GET", f"/api/cases/{case_id}", "admin", params={"as_of": "2026-03-02T10:00:00"}
    )
    assert_problem(naive, 400, "validation")


def test_list_with_filters_and_cursor(api: Api) -> None:
    for _ in range(3):
        api.file(who="card_agent", applicant_code=CARD_ISSUER, respondent_id=OTHER_PARTY_ID)
    api.platform.follower("case-list").wait_for(
        api.platform.center.recorder.max_notification_id() or 0
    )
    first = api.call("GET", "/api/cases", "card_agent", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.call(
        "GET", "/api/cases", "card_agent", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {i["applicant_code"] for i in first["items"] + second["items"]} == {CARD_ISSUER}
    filtered = api.call(
        "GET", "/api/cases", "admin", params={"applicant": CARD_ISSUER, "state": "filed"}
    ).json()
    assert len(filtered["items"]) == 3
    bad = api.call("GET", "/api/cases", "admin", params={"cursor": "%%%"})
    assert_problem(bad, 400, "validation")
    bad_limit = api.call("GET", "/api/cases", "admin", params={"limit": 0})
    assert_problem(bad_limit, 400, "validation")


def test_search_sort_and_totals(api: Api) -> None:
    """`q` finds a case by part of its number, a name, an ID number typed in lower case or
    full width, a phone typed with dashes; `sort=deadline` puts the nearest deadline first;
    `total` counts every match; a cursor serves only the order it was issued for."""
    wang = next(i for n in range(100, 999) if (i := id_number(date(1990, 2, 3), n))[-1] == "X")
    first = api.file(name="王小明", respondent_id=wang, phone="13912345678")
    second = api.file(name="李四", respondent_id=OTHER_PARTY_ID, phone="13912345678")
    api.act(second, "accept", "admin")
    api.act(second, "refer", "admin", {"kind": "pre_filing"})
    api.act(second, "assign_mediator", "admin", {"mediator": "mediator1"})
    api.platform.follower("case-list").wait_for(
        api.platform.center.recorder.max_notification_id() or 0
    )

    def found(**params: Any) -> list[str]:
        answer = api.call("GET", "/api/cases", "admin", params=params)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    numbers = {i: api.call("GET", f"/api/cases/{i}", "admin").json() for i in (first, second)}
    own = numbers[first]["filing_number"]
    assert found(q=own) == [first]
    assert found(q="调登" + own.split("登")[1]) == [first]  # part of "(2026)渝0105民调登1号"
    assert found(q="王小") == [first]
    assert found(q=wang.lower()) == [first]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in wang[-6:])  # as an IME may type it
    assert found(q=full_width) == [first]
    assert found(q="139-1234-5678") == [second, first]  # both respondents' phone
    assert found(q=numbers[second]["docket_number"]) == [second]  # its docket number too
    assert found(q="100%") == [] and found(q="_") == []  # LIKE's wildcards are literal
    phone = {"q": "13912345678"}
    assert found(**phone, sort="deadline") == [second, first]  # the assigned one has one
    page = api.call("GET", "/api/cases", "admin", params={**phone, "limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    by_deadline = api.call(
        "GET", "/api/cases", "admin", params={**phone, "limit": 1, "sort": "deadline"}
    )
    cursor = by_deadline.json()["next_cursor"]
    rest = api.call(
        "GET", "/api/cases", "admin", params={**phone, "sort": "deadline", "cursor": cursor}
    )
    assert [i["id"] for i in rest.json()["items"]] == [first]
    assert_problem(
        api.call("GET", "/api/cases", "admin", params={"cursor": cursor}), 400, "validation"
    )
    assert_problem(
        api.call("GET", "/api/cases", "admin", params={"sort": "oldest"}), 400, "validation"
    )
    theirs = api.call("GET", "/api/cases", "card_agent", params={"q": "王小明"}).json()
    assert theirs == {"items": [], "next_cursor": None, "total": 0}  # not another bank's


def test_concurrency_conflict_is_409_conflict(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = api.file()
    api.token("bank_agent")
    api.token("admin")
    monkeypatch.setattr(api.platform.center, "retries", 0)
    barrier = threading.Barrier(2)
    real_get = api.platform.center.repository.get
    waiting = {"count": 0}

    def get(*args: Any, **kwargs: Any) -> Any:
        aggregate = real_get(*args, **kwargs)
        if waiting["count"] < 2:
            waiting["count"] += 1
            barrier.wait(timeout=10)
        return aggregate

    monkeypatch.setattr(api.platform.center.repository, "get", get)
    responses: list[Any] = []

    def send(who: str, act: str, body: dict[str, Any]) -> None:
        responses.append(
            api.client.post(
                f"/api/cases/{case_id}/{act}",
                json=body,
                headers={"Authorization": f"Bearer {api.tokens[who]}"},
            )
        )

    threads = [
        threading.Thread(target=send, args=("admin", "reject", {"reason": "重复"})),
        threading.Thread(target=send, args=("bank_agent", "withdraw", {})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert_problem(conflict, 409, "conflict")


def test_openapi_describes_every_operation(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) >= 30
    assert all(op.get("description") or op.get("summary") for op in operations)
    assert "/api/cases/{case_id}/refer" in schema["paths"]


def test_health_checks_the_database(api: Api) -> None:
    body = api.client.get("/health").json()
    assert body["status"] == "ok" and body["backend"] == "sqlite"


def test_api_on_postgres(tmp_path: Path, pg_schema: str) -> None:
    platform, clock = build("postgres", tmp_path, pg_schema)
    try:
        with TestClient(app=create_app(platform)) as client:
            api = Api(client, platform, clock)
            case_id = api.file(name="𠮷")
            assert api.act(case_id, "accept", "admin").json()["state"] == "accepted"
            assert_problem(api.call("GET", f"/api/cases/{case_id}", "party2"), 404, "not-found")
            platform.follower("case-list").wait_for(
                platform.center.recorder.max_notification_id() or 0
            )
            items = api.call("GET", "/api/cases", "party1").json()["items"]
            assert [i["respondent_name"] for i in items] == ["𠮷"]
            assert client.get("/health").json()["backend"] == "postgresql"
    finally:
        platform.close()


def test_acts_on_many_cases_report_each_result(api: Api) -> None:
    """One request accepts, refers and distributes a selection; a case that cannot take the
    act is listed with its problem and the others go on; the distribution evens out the
    mediators' open cases."""
    cases = [api.file() for _ in range(4)]
    api.act(cases[0], "accept", "admin")

    def bulk(body: dict[str, Any], who: str = "admin") -> Any:
        return api.call("POST", "/api/cases/acts", who, json=body)

    assert_problem(bulk({"act": "accept", "case_ids": cases}, "mediator1"), 403, "forbidden")
    assert_problem(bulk({"act": "refer", "case_ids": cases}), 400, "validation")
    assert_problem(bulk({"act": "reopen", "case_ids": cases}), 400, "validation")
    accepted = bulk({"act": "accept", "case_ids": cases}).json()
    assert (accepted["done"], accepted["refused"]) == (3, 1)
    refused = accepted["results"][0]
    assert not refused["ok"] and refused["problem"]["rule"] == "state"
    assert refused["problem"]["type"] == "/problems/act-refused"
    assert [r["state"] for r in accepted["results"][1:]] == ["accepted"] * 3
    referred = bulk({"act": "refer", "kind": "pre_filing", "case_ids": cases}).json()
    assert referred["done"] == 4
    api.platform.follower("case-list").wait_for(
        api.platform.center.recorder.max_notification_id() or 0
    )
    day = api.clock().date()
    before = api.platform.case_list.mediator_load(day)
    distributed = bulk({"act": "distribute", "case_ids": cases}).json()
    assert distributed["done"] == 4
    chosen = [r["mediator"] for r in distributed["results"]]
    assert chosen == [
        api.call("GET", f"/api/cases/{c}", "admin").json()["mediator_id"] for c in cases
    ]
    api.platform.follower("case-list").wait_for(
        api.platform.center.recorder.max_notification_id() or 0
    )
    after = api.platform.case_list.mediator_load(day)
    spread = [after.get(m, (0, 0))[0] for m in ("mediator1", "mediator2")]
    was = [before.get(m, (0, 0))[0] for m in ("mediator1", "mediator2")]
    assert sum(spread) == sum(was) + 4
    assert max(spread) - min(spread) <= max(1, max(was) - min(was) - 4)  # evened out
    unknown = bulk({"act": "accept", "case_ids": [str(uuid4())]}).json()
    assert unknown["results"][0]["problem"]["status"] == 404
