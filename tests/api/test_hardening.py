"""The API against a page of the same site and against input that poisons: changes take a
bearer token and JSON; bad input is a 400 naming the field, quickly, and stores nothing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain.mediation.mediation_case import MediationCase
from domain.shared.errors import InvalidValue
from tests.support.data import filing_data
from tests.support.http import (
    PASSWORD,
    TO_MEDIATION,
    Api,
    assert_problem,
    build,
    two_instalments,
)


def _cases(api: Api) -> int:
    return len(api.platform.center.ids_of(MediationCase.Filed))


def test_changes_through_the_api_take_a_bearer_token_not_the_cookie(api: Api) -> None:
    before = _cases(api)
    api.client.cookies.clear()
    signed_in = api.client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert signed_in.status_code == 200 and api.client.cookies.get("token")
    try:
        # What a page elsewhere on the same host could make the browser send: the cookie only.
        refused = api.client.post("/api/cases", json=filing_data())
        assert_problem(refused, 401, "unauthenticated")
        assert api.client.get("/api/cases").status_code == 200  # reading with the cookie is fine
    finally:
        api.client.cookies.clear()
    assert _cases(api) == before


def test_the_api_reads_json_only(api: Api) -> None:
    before = _cases(api)
    headers = {"Authorization": f"Bearer {api.token('bank_agent')}"}
    for content_type, body in (
        ("text/plain", '{"channel": "online"}'),
        ("application/x-www-form-urlencoded", "channel=online"),
        ("multipart/form-data; boundary=x", "--x--"),
    ):
        refused = api.client.post(
            "/api/cases", content=body, headers={**headers, "Content-Type": content_type}
        )
        assert_problem(refused, 415, "unsupported-media-type")
    assert _cases(api) == before


def test_every_answer_carries_the_security_headers(api: Api) -> None:
    for path in ("/login", "/verify", "/health", "/api/audit/checkpoint", "/static/live.js"):
        answer = api.client.get(path)
        csp = answer.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp, path
        assert answer.headers.get("x-content-type-options") == "nosniff", path
        assert answer.headers.get("referrer-policy") == "same-origin", path
        assert "strict-transport-security" not in answer.headers  # the public URL is http
    for page in ("/login", "/verify"):
        html = api.client.get(page).text
        assert "<script>" not in html and " style=" not in html and "<style" not in html, page


def test_https_deployments_get_hsts_and_secure_cookies(tmp_path: Path) -> None:
    platform, _ = build("sqlite", tmp_path, TIAOJIE_PUBLIC_URL="https://tiaojie.example")
    try:
        with TestClient(app=create_app(platform)) as client:
            answer = client.post(
                "/api/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            assert answer.headers["strict-transport-security"].startswith("max-age=")
            assert "secure" in answer.headers["set-cookie"].lower()
    finally:
        platform.close()


def test_redirects_stay_on_this_origin(api: Api) -> None:
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/", "/console\x00"):
        switched = api.client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert switched.headers["location"] == "/console", target
    assert (
        api.client.get("/lang/en", params={"next": "/login"}, follow_redirects=False).headers[
            "location"
        ]
        == "/login"
    )


def test_input_that_poisons_is_refused_quickly_and_stores_nothing(api: Api) -> None:
    """Each answer is a 400 naming the field within 100 ms (what once held the server for
    seconds or answered 500), and nothing is stored."""
    case_id = api.file()
    before = _cases(api)
    headers = {"Authorization": f"Bearer {api.token('bank_agent')}"}
    admin = {"Authorization": f"Bearer {api.token('admin')}"}
    body = json.dumps(filing_data())
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    probes: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/api/cases", {"content": deep}, "a"),  # the first thing that is wrong
        ("POST", "/api/cases", {"content": body.replace("1000000", '"1000000"', 1)}, "claim"),
        ("POST", "/api/cases", {"content": body.replace("1000000", "1e999997", 1)}, "claim"),
        ("POST", "/api/cases", {"content": body.replace("1000000", "9" * 5000, 1)}, "claim"),
        ("POST", "/api/cases", {"content": body.replace("1000000", "NaN", 1)}, "body"),
        ("GET", f"/api/cases/{case_id}?as_of=9999-01-01T00:00:00Z", {}, "as_of"),
        ("GET", f"/api/cases/{case_id}?as_of=0001-01-01T00:00:00Z", {}, "as_of"),
        ("GET", f"/api/audit/entries/{2**63}", {}, "index"),
        ("GET", f"/api/audit/consistency?first=1&second={2**64}", {}, "second"),
        ("GET", "/static/live%00.js", {}, "path"),
        (
            "POST",
            "/api/certificates/verify",
            {"content": json.dumps({"certificate_number": "x", "pdf_base64": "éé"})},
            "pdf_base64",
        ),
    ]
    for method, path, extra, field in probes:
        began = time.monotonic()
        answer = api.client.request(
            method,
            path,
            headers={**(admin if method == "GET" else headers), "Content-Type": "application/json"},
            **extra,
        )
        took = time.monotonic() - began
        problem = assert_problem(answer, 400, "validation")
        assert problem["errors"][0]["field"].startswith(field), (path, problem)
        assert took < 0.1 or (took < 0.5 and os.environ.get("CI")), (path, took)
    assert _cases(api) == before


def test_dates_outside_their_windows_are_refused(api: Api) -> None:
    case_id = api.file()
    for who, act, body in TO_MEDIATION:
        assert api.act(case_id, act, who, body).status_code == 200, act
    late = api.act(
        case_id,
        "schedule_session",
        "mediator1",
        {"starts_at": "9999-12-31T02:00:00Z", "duration_minutes": 60},
    )
    assert assert_problem(late, 400, "validation")["errors"][0]["field"] == "starts_at"
    plan = two_instalments("2026-04-01")
    plan["instalments"][1]["due_date"] = "9999-12-31"
    proposed = api.act(case_id, "propose", "bank_agent", {"plan": plan})
    problem = assert_problem(proposed, 400, "validation")
    assert problem["errors"][0]["field"].endswith("instalments[1].due_date"), problem
    page = api.call("GET", f"/console/cases/{case_id}", "mediator1")
    assert page.status_code == 200


def test_405_says_which_methods_are_allowed(api: Api) -> None:
    refused = api.client.delete(
        "/api/cases", headers={"Authorization": f"Bearer {api.token('admin')}"}
    )
    assert_problem(refused, 405, "method-not-allowed")
    assert set(refused.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_spreadsheets_that_are_not_what_they_say(api: Api) -> None:
    from application.mediation_center.spreadsheet import filings_from

    # A picture saved as .csv is no text in any encoding a spreadsheet writes (GBK is read).
    picture = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    for name, data in (("batch.xlsx", b"not a zip"), ("batch.csv", picture)):
        with pytest.raises(InvalidValue) as refused:
            filings_from(data, name)
        assert refused.value.field == "file"
    began = time.monotonic()
    _, errors = filings_from(
        b"claim.principal_yuan\n" + b"1e999997" + b"9" * 440 + b"\n", "batch.csv"
    )
    assert time.monotonic() - began < 0.1
    assert errors and errors[0][1] == "claim.principal_yuan"


def test_referenced_people_must_exist(api: Api) -> None:
    case_id = api.file()
    for who, act, body in TO_MEDIATION[:2]:
        assert api.act(case_id, act, who, body).status_code == 200, act
    for name in ("nobody", "judge1", "bank_agent"):  # no one, and people who are no mediator
        refused = api.act(case_id, "assign_mediator", "admin", {"mediator": name})
        assert assert_problem(refused, 400, "validation")["errors"][0]["field"] == "mediator"
    assert api.act(case_id, "assign_mediator", "admin", {"mediator": "Mediator2"}).is_success
