"""The HTTP API's test client: a signed-in client per account over one app, and the steps
from filing to a signed agreement over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from application.bootstrap import Platform
from application.demo import BANK, CARD_ISSUER, CENTER, COURT, NOTARY, PROCURATORATE, uscc
from application.shared.clock import ManualClock
from tests.conftest import make_platform, settings_for
from tests.support.data import (
    OTHER_PARTY_ID,
    PARTY_ID,
    PASSWORD,
    START,
    filing_data,
    plan_data,
)

ACCOUNTS = [  # beside the mediators every test world has (tests/conftest.py)
    ("admin", "center_admin", CENTER, None),
    ("bank_agent", "applicant_agent", BANK, None),
    ("card_agent", "applicant_agent", CARD_ISSUER, None),
    ("party1", "party", None, PARTY_ID),
    ("party2", "party", None, OTHER_PARTY_ID),
    ("judge1", "judge", COURT, None),
    ("notary1", "notary", NOTARY, None),
]


def build(
    backend: str, tmp_path: Path, schema: str | None = None, **env: str
) -> tuple[Platform, ManualClock]:
    clock = ManualClock(START)
    platform = make_platform(settings_for(backend, tmp_path, schema, **env), clock)
    for username, role, institution, id_number in ACCOUNTS:
        platform.directory.add_user(username, PASSWORD, role, institution, id_number)
    return platform, clock


OTHER_CENTER = uscc("12500106MB1J00021")
OTHER_COURT = uscc("11500106MB1J00022")
OTHER_PROCURATORATE = uscc("11500106MB1J00023")
OTHER_NOTARY = uscc("12500106MB1J00024")


def build_beside_outsiders(tmp_path: Path, **env: str) -> tuple[Platform, ManualClock]:
    """A deployment configured with its four institutions, beside a second institution of
    each of those kinds (not the deployment's) with an account there: other_admin,
    other_judge, other_notary, other_prosecutor."""
    platform, clock = build(
        "sqlite",
        tmp_path,
        TIAOJIE_CENTER=CENTER,
        TIAOJIE_COURT=COURT,
        TIAOJIE_NOTARY_OFFICE=NOTARY,
        TIAOJIE_PROCURATORATE=PROCURATORATE,
        **env,
    )
    for code, kind, name, username, role in (
        (OTHER_CENTER, "mediation_center", "另一调解中心", "other_admin", "center_admin"),
        (OTHER_COURT, "court", "另一法院", "other_judge", "judge"),
        (OTHER_NOTARY, "notary_office", "另一公证处", "other_notary", "notary"),
        (OTHER_PROCURATORATE, "procuratorate", "另一检察院", "other_prosecutor", "prosecutor"),
    ):
        platform.directory.add_institution(code, kind, name, None)
        platform.directory.add_user(username, PASSWORD, role, code, None)
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


def assert_problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].endswith(f"/{kind}")
    assert body["title"] and body["detail"]
    return body


def two_instalments(first_due: str) -> dict[str, Any]:
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


def settled_over_http(api: Api, plan: dict[str, Any]) -> tuple[str, str]:
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
