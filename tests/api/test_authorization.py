"""Who may do what, from the OpenAPI document: every operation × every role (and no sign-in),
with a second institution of each kind, against objects inside and outside each scope.

One table (EXPECTED) says, for each operation in the spec's words, who sees its object and who
may act on it: someone who may act gets past the access rules (any answer but 401, 403 or
404), someone who only sees it is refused (403), anyone else finds nothing (404), and without
a sign-in it is 401 (public operations answer everyone alike). The table is written from the
access table of the domain spec, not from the code; an operation in the document without a
row fails the test. Bodies are type-valid examples made from the document's own schemas, so
refusals are the access rules', not validation's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.demo import (
    CENTER,
    COURT,
    GRID,
    PROCURATORATE,
)
from tests.support.data import OTHER_PARTY_ID, PARTY_ID, drive, filing_data
from tests.support.http import (
    PASSWORD,
    Api,
    build_beside_outsiders,
    settled_over_http,
    two_instalments,
)

ACCOUNTS = [  # beyond tests.support.http's and the outsiders' accounts
    ("clerk1", "court_clerk", COURT, None),
    ("prosecutor1", "prosecutor", PROCURATORATE, None),
    ("auditor1", "auditor", CENTER, None),
    ("grid1", "grid_worker", GRID, None),
    ("spare", "party", None, None),
]
ROLES = [
    "admin",
    "other_admin",
    "mediator1",
    "mediator2",
    "bank_agent",
    "card_agent",
    "party1",
    "party2",
    "judge1",
    "clerk1",
    "other_judge",
    "notary1",
    "other_notary",
    "prosecutor1",
    "other_prosecutor",
    "auditor1",
    "grid1",
]
EVERYONE = frozenset(ROLES)

# Who sees what (the spec's access table), for the objects made below.
CASE = frozenset({"admin", "mediator1", "bank_agent", "party1", "judge1", "clerk1"})
SIDES = frozenset({"bank_agent", "party1"})
COURT_STAFF = frozenset({"judge1", "clerk1"})
CONFIRMATION = COURT_STAFF | SIDES
METADATA = frozenset({"auditor1", "judge1", "clerk1", "prosecutor1"})
MATTER = frozenset({"notary1", "party1"})
FILERS = frozenset({"admin", "bank_agent", "card_agent", "party1", "party2", "grid1"})
SUPERVISION = frozenset({"prosecutor1"})  # a case of theirs that was refused (addressed to none)


@dataclass(frozen=True)
class Rule:
    sees: frozenset[str] = EVERYONE
    acts: frozenset[str] = EVERYONE
    public: bool = False
    absent: bool = False  # what it reads may not exist yet: those who may, may find nothing


PUBLIC = Rule(public=True)
SIGNED_IN = Rule()


def case_act(acts: set[str]) -> Rule:
    return Rule(sees=CASE, acts=frozenset(acts))


EXPECTED: dict[str, Rule] = {
    "POST /api/auth/login": PUBLIC,
    "POST /api/auth/logout": SIGNED_IN,
    "POST /api/auth/password": SIGNED_IN,
    "POST /api/accounts/{username}/deactivate": Rule(acts=frozenset({"admin"})),
    "POST /api/accounts/{username}/reactivate": Rule(acts=frozenset({"admin"})),
    "GET /health": PUBLIC,
    "GET /api/cases": SIGNED_IN,
    "POST /api/cases": Rule(acts=FILERS),
    "POST /api/cases/bulk": Rule(acts=FILERS),
    "POST /api/cases/acts": Rule(acts=frozenset({"admin"})),
    "GET /api/cases/{case_id}": Rule(sees=CASE, acts=CASE),
    "GET /api/cases/{case_id}/events": Rule(sees=CASE, acts=CASE),
    **{
        f"POST /api/cases/{{case_id}}/{act}": case_act({"admin"})
        for act in (
            "accept",
            "reject",
            "refer",
            "assign_mediator",
            "lapse_assignment",
            "grant_recusal",
            "deny_recusal",
            "link_party",
            "expire_period",
            "close",
        )
    },
    **{
        f"POST /api/cases/{{case_id}}/{act}": case_act({"mediator1"})
        for act in (
            "accept_assignment",
            "decline_assignment",
            "schedule_session",
            "declare_failure",
            "draft_agreement",
        )
    },
    **{
        f"POST /api/cases/{{case_id}}/{act}": case_act(set(SIDES))
        for act in (
            "consent_to_mediation",
            "refuse_mediation",
            "consent_to_electronic_service",
            "consent_to_extension",
            "request_recusal",
        )
    },
    **{
        f"POST /api/cases/{{case_id}}/{act}": case_act({*SIDES, "mediator1"})
        for act in ("propose", "counter_propose", "accept_proposal")
    },
    "POST /api/cases/{case_id}/withdraw": case_act({"bank_agent"}),
    "POST /api/cases/{case_id}/record_transfer": case_act({*COURT_STAFF, "admin"}),
    "POST /api/cases/{case_id}/return_to_mediation": case_act({*COURT_STAFF, "admin"}),
    "POST /api/cases/{case_id}/video_sessions": case_act({"mediator1"}),
    "GET /api/agreements/{agreement_id}": Rule(sees=CASE, acts=CASE),
    "GET /api/agreements/{agreement_id}/document.pdf": Rule(sees=CASE, acts=CASE),
    "POST /api/agreements/{agreement_id}/sign": case_act({*SIDES, "mediator1"}),
    "POST /api/agreements/{agreement_id}/report_payment": case_act({"party1"}),
    "POST /api/agreements/{agreement_id}/record_payment": case_act({"bank_agent"}),
    "POST /api/agreements/{agreement_id}/confirm_payment": case_act({"bank_agent"}),
    "POST /api/agreements/{agreement_id}/reject_payment_report": case_act({"bank_agent"}),
    "POST /api/agreements/{agreement_id}/declare_default": case_act({"bank_agent", "admin"}),
    "POST /api/agreements/{agreement_id}/mark_overdue": case_act({"bank_agent", "admin"}),
    "POST /api/agreements/{agreement_id}/apply_for_confirmation": case_act(set(SIDES)),
    "POST /api/agreements/{agreement_id}/apply_for_enforcement": case_act({"bank_agent"}),
    "GET /api/confirmations/{confirmation_id}": Rule(sees=CONFIRMATION, acts=CONFIRMATION),
    "GET /api/confirmations/{confirmation_id}/ruling.pdf": Rule(
        sees=CONFIRMATION, acts=CONFIRMATION, absent=True
    ),
    "POST /api/confirmations/{confirmation_id}/accept": Rule(sees=CONFIRMATION, acts=COURT_STAFF),
    "POST /api/confirmations/{confirmation_id}/refuse": Rule(sees=CONFIRMATION, acts=COURT_STAFF),
    "POST /api/confirmations/{confirmation_id}/schedule_verification": Rule(
        sees=CONFIRMATION, acts=COURT_STAFF
    ),
    "POST /api/confirmations/{confirmation_id}/withdraw_application": Rule(
        sees=CONFIRMATION, acts=SIDES
    ),
    **{
        f"POST /api/confirmations/{{confirmation_id}}/{act}": Rule(
            sees=CONFIRMATION, acts=COURT_STAFF
        )
        for act in ("record_objection", "request_more_time")
    },
    **{
        f"POST /api/confirmations/{{confirmation_id}}/{act}": Rule(
            sees=CONFIRMATION, acts=frozenset({"judge1"})
        )
        for act in (
            "extend_ruling_period",
            "record_verification",
            "rule_on_withdrawal",
            "decide_objection",
            "decide_more_time",
            "rule_confirmed",
            "rule_rejected",
        )
    },
    "GET /api/litigations/{litigation_id}": Rule(sees=COURT_STAFF, acts=COURT_STAFF),
    "POST /api/litigations/{litigation_id}/schedule_hearing": Rule(
        sees=COURT_STAFF, acts=COURT_STAFF
    ),
    "POST /api/litigations": Rule(acts=COURT_STAFF),
    **{
        f"POST /api/litigations/{{litigation_id}}/{act}": Rule(
            sees=COURT_STAFF, acts=frozenset({"judge1"})
        )
        for act in ("decide", "entrust", "serve_document", "rule_on_withdrawal")
    },
    **{
        f"POST /api/litigations/{{litigation_id}}/{act}": Rule(sees=COURT_STAFF, acts=COURT_STAFF)
        for act in ("record_receipt", "record_backing_out", "withdraw_lawsuit")
    },
    "POST /api/portal/invitations/{invitation_id}/code": PUBLIC,
    "POST /api/portal/invitations/{invitation_id}/claim": PUBLIC,
    "GET /api/audit/checkpoint": PUBLIC,
    "GET /api/audit/checkpoints": PUBLIC,
    "GET /api/audit/keys": PUBLIC,
    "GET /api/audit/log-keys": PUBLIC,
    "GET /api/audit/tile/{path}": PUBLIC,
    "GET /api/audit/consistency": PUBLIC,
    "GET /api/audit/monitor/tile/{path}": Rule(sees=METADATA, acts=METADATA),
    "GET /api/audit/entries/{index}": Rule(sees=METADATA | CASE, acts=METADATA | CASE),
    "GET /api/audit/cases/{case_id}": Rule(sees=METADATA | CASE, acts=METADATA | CASE),
    "GET /api/video_sessions/{session_id}": Rule(
        sees=frozenset({"mediator1"}), acts=frozenset({"mediator1"})
    ),
    **{
        f"POST /api/video_sessions/{{session_id}}/{act}": Rule(
            sees=frozenset({"mediator1"}), acts=frozenset({"mediator1"})
        )
        for act in ("invitations", "invitations/{participant_id}/revoke", "host_link")
    },
    "POST /api/notarial_matters": Rule(acts=frozenset({"notary1"})),
    "GET /api/notarial_matters/{matter_id}": Rule(sees=MATTER, acts=MATTER),
    **{
        f"GET /api/notarial_matters/{{matter_id}}/{document}": Rule(
            sees=MATTER, acts=MATTER, absent=True
        )
        for document in ("certificate.pdf", "letter.pdf")
    },
    **{
        f"POST /api/notarial_matters/{{matter_id}}/{act}": Rule(
            sees=MATTER, acts=frozenset({"notary1"})
        )
        for act in (
            "check_eligibility",
            "link_session",
            "record_identity_check",
            "record_answer",
            "sign",
            "serve_letter",
            "record_letter_delivery",
            "record_debtor_answer",
            "refuse_certificate",
            "issue",
            "revoke",
            "video_sessions",
        )
    },
    "POST /api/supervision_cases": Rule(acts=SUPERVISION),
    "GET /api/supervision_cases": SIGNED_IN,
    "GET /api/supervision_cases/{supervision_id}": Rule(sees=SUPERVISION, acts=SUPERVISION),
    **{
        f"POST /api/supervision_cases/{{supervision_id}}/{act}": Rule(
            sees=SUPERVISION, acts=SUPERVISION
        )
        for act in (
            "read_file",
            "accept",
            "refuse",
            "request_file",
            "recommend",
            "recommend_retrial",
            "request_protest",
            "decline",
            "terminate",
            "follow_up",
        )
    },
    # the addressee's staff reply; this case is addressed to no one
    "POST /api/supervision_cases/{supervision_id}/reply": Rule(sees=SUPERVISION, acts=frozenset()),
    "GET /api/supervision_reads/{record_id}": SIGNED_IN,  # the reads the caller may see
    "GET /api/red_flags": SIGNED_IN,  # empty but for the procuratorate's prosecutors
    "GET /api/red_flags/{flag_id}": Rule(sees=SUPERVISION, acts=SUPERVISION),
    "POST /api/red_flags/{flag_id}/dismiss": Rule(sees=SUPERVISION, acts=SUPERVISION),
    "POST /api/certificates/verify": PUBLIC,
    # It reads the certificate first: without one, every role is told there is none (400);
    # that only the creditor applies is tested with an issued certificate in test_notary_http.
    "POST /api/enforcements/notarized": SIGNED_IN,
}
LAST = ("POST /api/auth/logout", "POST /api/auth/password")  # they end sessions


@dataclass
class World:
    api: Api
    params: dict[str, str]
    bodies: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    platform, clock = build_beside_outsiders(
        tmp_path_factory.mktemp("authorization"), TIAOJIE_LOGIN_RATE="10000"
    )
    for username, role, institution, id_number in ACCOUNTS:
        platform.directory.add_user(username, PASSWORD, role, institution, id_number)
    with TestClient(app=create_app(platform)) as client:
        api = Api(client, platform, clock)
        case_id, agreement_id = settled_over_http(api, two_instalments("2026-04-01"))
        for side in ("bank_agent", "party1"):
            applied = api.call(
                "POST", f"/api/agreements/{agreement_id}/apply_for_confirmation", side
            )
            assert applied.status_code in (200, 201), applied.text
        confirmation_id = applied.json()["id"]
        failed = drive(platform.center, clock, "failed")
        platform.catch_up()
        litigation = platform.court.litigation_for(failed)
        assert litigation is not None
        matter = api.call(
            "POST",
            "/api/notarial_matters",
            "notary1",
            json={
                "matter_type": "enforceable_agreement",
                "applicant_name": "张𠮷",
                "applicant_id_number": PARTY_ID,
                "related_id": agreement_id,
            },
        )
        assert matter.status_code == 201, matter.text
        in_mediation = drive(platform.center, clock, "in_mediation")
        scheduled = api.call(
            "POST",
            f"/api/cases/{in_mediation.id}/video_sessions",
            "mediator1",
            json={"title": "调解", "starts_at": "2026-12-01T02:00:00Z"},
        )
        assert scheduled.status_code == 201, scheduled.text
        session_id = scheduled.json()["id"]
        invited = api.call(
            "POST",
            f"/api/video_sessions/{session_id}/invitations",
            "mediator1",
            json={"name": "张𠮷", "role": "respondent"},
        )
        assert invited.status_code == 201, invited.text
        supervision = api.call(
            "POST",
            "/api/supervision_cases",
            "prosecutor1",
            json={
                "source": "tip",
                "target": "false_litigation",
                "subjects": [{"kind": "mediation_case", "record_id": case_id}],
                "summary": "a tip",
            },
        )
        assert supervision.status_code == 201, supervision.text
        supervision_id = supervision.json()["id"]
        refused = api.call(
            "POST",
            f"/api/supervision_cases/{supervision_id}/refuse",
            "prosecutor1",
            json={"ground": "nothing to supervise"},
        )
        assert refused.status_code == 200, refused.text
        platform.catch_up()
        queue = api.call("GET", "/api/red_flags", "prosecutor1").json()
        assert queue, "this world's cases are one pair's, filed within a day: a red flag"
        size = platform.audit.store.size()
        params = {
            "case_id": case_id,
            "agreement_id": agreement_id,
            "confirmation_id": confirmation_id,
            "litigation_id": str(litigation.id),
            "matter_id": matter.json()["id"],
            "session_id": session_id,
            "supervision_id": supervision_id,
            "flag_id": queue[0]["id"],
            "record_id": case_id,
            "participant_id": invited.json()["participant_id"],
            "username": "spare",
            "invitation_id": str(uuid4()),
            "index": str(case_entry(platform, case_id)),
            "path": f"0/000.p/{size}" if size < 256 else "0/000",
        }
        yield World(api, params)
    platform.close()


def case_entry(platform: Any, case_id: str) -> int:
    return int(platform.audit.store.leaves_of([case_id])[0].index)


def example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A value of the schema's type (the first choice wherever there is one)."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if "pattern" in schema and "a-f" in schema["pattern"]:
        return "0" * 64  # the hashes (SHA-256, hex)
    formats = {"uuid": str(uuid4()), "date": "2026-06-01", "date-time": "2026-12-01T02:00:00Z"}
    return formats.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))


BODIES: dict[str, Any] = {
    "POST /api/cases": filing_data(),
    "POST /api/cases/bulk": {"filings": [filing_data()]},
    "POST /api/cases/acts": {"act": "accept", "case_ids": [str(uuid4())]},
    "POST /api/litigations": {
        **{k: v for k, v in filing_data().items() if k != "channel"},
        "procedure": "summary",
    },
    "POST /api/auth/login": {"username": "grid1", "password": PASSWORD},
    "POST /api/notarial_matters": {
        "matter_type": "declaration",
        "applicant_name": "李四",
        "applicant_id_number": OTHER_PARTY_ID,
    },
    "POST /api/certificates/verify": {"certificate_number": "x", "sha256": "0" * 64},
    "POST /api/supervision_cases": {
        "source": "tip",
        "target": "false_litigation",
        "subjects": [{"kind": "mediation_case", "record_id": str(uuid4())}],
        "summary": "x",
    },
    "POST /api/supervision_cases/{supervision_id}/read_file": {
        "record_id": str(uuid4()),
        "parts": ["state"],
    },
    "POST /api/auth/password": {"current_password": "not it", "new_password": "x" * 12},
}


def _operations(world: World) -> list[tuple[str, dict[str, Any]]]:
    document = world.api.client.get("/schema/openapi.json").json()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((f"{method.upper()} {path}", operation))
    components = document["components"]["schemas"]
    for name, operation in found:
        if name not in BODIES and "requestBody" in operation:
            content = operation["requestBody"]["content"]["application/json"]["schema"]
            world.bodies[name] = example(content, components)
    return sorted(found, key=lambda op: op[0] in LAST)


def _url(name: str, params: dict[str, str]) -> str:
    path = name.split(" ", 1)[1]
    if path == "/api/audit/consistency":
        return f"{path}?first=1&second=1"
    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)


def test_every_operation_for_every_role(world: World) -> None:
    operations = _operations(world)
    undocumented = [name for name, _ in operations if name not in EXPECTED]
    assert not undocumented, f"operations without an expectation: {undocumented}"
    wrong = []
    for name, operation in operations:
        rule = EXPECTED[name]
        method = name.split(" ", 1)[0]
        url = _url(name, world.params)
        body = BODIES.get(name, world.bodies.get(name))
        for who in [None, *ROLES]:
            headers = {"Authorization": f"Bearer {world.api.token(who)}"} if who else {}
            if name in LAST and who:  # a fresh session: these end the ones before
                world.api.tokens.pop(who, None)
                headers = {"Authorization": f"Bearer {world.api.token(who)}"}
            answer = world.api.client.request(
                method, url, headers=headers, json=body if method != "GET" else None
            )
            status = answer.status_code
            if rule.public:
                ok = status not in (401, 403)
            elif who is None:
                ok = status == 401
            elif who in rule.acts:
                ok = status not in (401, 403, 404) or (rule.absent and status == 404)
            elif who in rule.sees:
                ok = status == 403
            else:
                ok = status == 404
            world.api.client.cookies.clear()  # sign-in sets a cookie: no one else's session
            if not ok:
                wrong.append(f"{name} as {who or 'no sign-in'}: {status} {answer.text[:120]}")
            assert status < 500, f"{name} as {who}: {status} {answer.text[:300]}"
            if str(status) not in operation["responses"]:
                wrong.append(f"{name} as {who or 'no sign-in'}: {status} is not documented")
            if name in LAST and who:
                world.api.tokens.pop(who, None)
    assert not wrong, "\n".join(wrong)
