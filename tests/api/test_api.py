"""The HTTP API through the real litestar app and a real store: statuses, problems, access."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import Platform
from application.demo import BANK, CARD_ISSUER, CENTER, COURT, NOTARY
from application.shared.clock import ManualClock
from domain.shared import tlog
from tests.conftest import make_platform, settings_for
from tests.support.data import OTHER_PARTY_ID, PARTY_ID, START, filing_data, plan_data

PASSWORD = "correct horse battery"
ACCOUNTS = [
    ("admin", "center_admin", CENTER, None),
    ("mediator1", "mediator", CENTER, None),
    ("bank_agent", "applicant_agent", BANK, None),
    ("card_agent", "applicant_agent", CARD_ISSUER, None),
    ("party1", "party", None, PARTY_ID),
    ("party2", "party", None, OTHER_PARTY_ID),
    ("judge1", "judge", COURT, None),
    ("notary1", "notary", NOTARY, None),
]


def build(backend: str, tmp_path: Path, schema: str | None = None) -> tuple[Platform, ManualClock]:
    clock = ManualClock(START)
    platform = make_platform(settings_for(backend, tmp_path, schema), clock)
    for username, role, institution, id_number in ACCOUNTS:
        platform.directory.add_user(username, PASSWORD, role, institution, id_number)
    return platform, clock


class Api:
    """A signed-in client per account, over one app."""

    def __init__(self, client: TestClient[Any], platform: Platform, clock: ManualClock) -> None:
        self.client = client
        self.platform = platform
        self.clock = clock
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post(
                "/api/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.client.cookies.clear()  # these tests authenticate by bearer token only
            self.tokens[username] = response.json()["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token(who)}"} if who else {}
        self.clock.advance(timedelta(minutes=1))
        return self.client.request(method, path, headers=headers, **kwargs)

    def file(self, who: str = "bank_agent", **kwargs: Any) -> str:
        response = self.call("POST", "/api/cases", who, json=filing_data(**kwargs))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def act(self, case_id: str, act: str, who: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", f"/api/cases/{case_id}/{act}", who, json=body or {})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    platform, clock = build("sqlite", tmp_path_factory.mktemp("api"))
    with TestClient(app=create_app(platform)) as client:
        yield Api(client, platform, clock)
    platform.close()


def assert_problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].endswith(f"/{kind}")
    assert body["title"] and body["detail"]
    return body


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
            assert client.get("/health").status_code == 200  # only sign-in is limited
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
    case_id = api.file()
    filed = api.clock()
    for who, act, body in [
        ("admin", "accept", {}),
        ("admin", "refer", {"kind": "in_litigation", "procedure": "summary"}),
        ("admin", "assign_mediator", {"mediator": "mediator1"}),
        ("mediator1", "accept_assignment", {"disclosure": "无"}),
        ("party1", "consent_to_mediation", {}),
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
    events = api.call("GET", f"/api/cases/{case_id}/events", "mediator1").json()
    assert [e["type"] for e in events][:3] == ["Filed", "Accepted", "Referred"]
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


def _two_instalments(first_due: str) -> dict[str, Any]:
    plan = plan_data()
    plan["instalments"][0]["due_date"] = first_due
    plan["instalments"][1]["due_date"] = "2026-12-01"
    plan["acceleration"] = True
    return plan


# From filing to mediation, pre-filing: (who, act, body) over HTTP.
TO_MEDIATION = [
    ("admin", "accept", {}),
    ("admin", "refer", {"kind": "pre_filing"}),
    ("admin", "assign_mediator", {"mediator": "mediator1"}),
    ("mediator1", "accept_assignment", {}),
    ("party1", "consent_to_mediation", {}),
]


def _settled_over_http(api: Api, plan: dict[str, Any]) -> tuple[str, str]:
    """File, mediate, agree on `plan`, and have both sides and the mediator sign."""
    case_id = api.file()
    for who, act, body in [
        *TO_MEDIATION,
        ("bank_agent", "propose", {"plan": plan}),
        ("party1", "accept_proposal", {"proposal": 1}),
        ("mediator1", "draft_agreement", {}),
    ]:
        assert api.act(case_id, act, who, body).status_code == 200, act
    agreement_id = api.call("GET", f"/api/cases/{case_id}", "admin").json()["agreement_id"]
    text_hash = api.call("GET", f"/api/agreements/{agreement_id}", "party1").json()["text_sha256"]
    for who in ("bank_agent", "party1", "mediator1"):
        signed = api.call(
            "POST", f"/api/agreements/{agreement_id}/sign", who, json={"text_sha256": text_hash}
        )
        assert signed.status_code == 200, signed.text
    return case_id, agreement_id


def test_agreement_payments_default_and_access_over_http(api: Api) -> None:
    _, agreement_id = _settled_over_http(api, _two_instalments("2026-04-01"))
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
    case_id, agreement_id = _settled_over_http(api, _two_instalments("2026-11-01"))
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


def test_end_to_end_to_confirmation_and_default(api: Api) -> None:
    """File → mediate → agree → all sign → joint application → accept → confirm → pay two
    instalments → miss the third → default."""
    plan = plan_data(total=1_012_345)
    plan["instalments"] = [
        {"amount_fen": 400_000, "due_date": "2026-09-01"},
        {"amount_fen": 400_000, "due_date": "2026-10-01"},
        {"amount_fen": 212_345, "due_date": "2026-11-02"},
    ]
    _, agreement_id = _settled_over_http(api, plan)
    agreement = f"/api/agreements/{agreement_id}"
    first = api.call("POST", f"{agreement}/apply_for_confirmation", "bank_agent")
    assert first.json()["state"] == "applying"
    joint = api.call("POST", f"{agreement}/apply_for_confirmation", "party1").json()
    assert joint["state"] == "applied" and joint["docket_number"].startswith("(2026)渝0105民特")
    confirmation = f"/api/confirmations/{joint['id']}"
    assert_problem(api.call("POST", f"{confirmation}/accept", "admin", json={}), 403, "forbidden")
    assert (
        api.call("POST", f"{confirmation}/accept", "judge1", json={}).json()["state"] == "accepted"
    )
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
    assert (outcome["outcome"], outcome["docket_number"]) == ("confirmed", joint["docket_number"])
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
