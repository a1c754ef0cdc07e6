"""Over HTTP: notarize an agreement with enforcement effect → default → application → letter →
deadline passes → enforcement certificate → the court's enforcement case; public verification."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.documents.signed_documents import DEFAULT_CJK_FONT
from tests.conftest import missing
from tests.support.data import PARTY_ID
from tests.support.http import Api, assert_problem, build, settled_over_http, two_instalments


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    if not DEFAULT_CJK_FONT.exists():
        missing("CJK fonts", "install Debian's fonts-noto-cjk")
    platform, clock = build("sqlite", tmp_path)
    with TestClient(app=create_app(platform)) as client:
        yield Api(client, platform, clock)
    platform.close()


def matter(api: Api, body: dict[str, object]) -> dict[str, object]:
    response = api.call("POST", "/api/notarial_matters", "notary1", json=body)
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


def act(api: Api, matter_id: object, body: dict[str, object]) -> dict[str, object]:
    """The notary's act named by `act`, with the rest of `body` as its fields."""
    fields = {k: v for k, v in body.items() if k != "act"}
    path = f"/api/notarial_matters/{matter_id}/{body['act']}"
    response = api.call("POST", path, "notary1", json=fields)
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


def assert_signed(api: Api, pdf: bytes, where: Path) -> None:
    """Valid for pyHanko (trusted, whole file) and for poppler's pdfsig."""
    assert api.platform.documents.pki.check(pdf).genuine
    if shutil.which("pdfsig") is None:
        missing("pdfsig", "install Debian's poppler-utils")
    where.write_bytes(pdf)
    report = subprocess.run(
        ["pdfsig", "-nocert", str(where)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "Signature is Valid" in report and "Total document signed" in report, report


def test_notarized_agreement_to_court_enforcement(api: Api, tmp_path: Path) -> None:
    case_id, agreement_id = settled_over_http(api, two_instalments("2026-04-01"))
    consent = api.act(
        case_id,
        "consent_to_electronic_service",
        "party1",
        {"channel": "sms", "address": "13900139000"},
    )
    assert consent.status_code == 200, consent.text
    refused = api.call(
        "POST",
        "/api/notarial_matters",
        "mediator1",
        json={
            "matter_type": "declaration",
            "applicant_name": "张三",
            "applicant_id_number": PARTY_ID,
        },
    )
    assert_problem(refused, 403, "forbidden")
    bad = api.call(
        "POST",
        "/api/notarial_matters",
        "notary1",
        json={"matter_type": "will", "applicant_name": "张三", "applicant_id_number": PARTY_ID},
    )
    assert "matter_type" in assert_problem(bad, 400, "validation")["errors"][0]["field"]

    instrument = matter(
        api,
        {
            "matter_type": "enforceable_agreement",
            "applicant_name": "张三",
            "applicant_id_number": PARTY_ID,
            "related_id": agreement_id,
        },
    )
    act(api, instrument["id"], {"act": "check_eligibility"})
    act(
        api,
        instrument["id"],
        {"act": "record_identity_check", "method": "in_person", "passed": True},
    )
    act(
        api,
        instrument["id"],
        {
            "act": "sign",
            "method": "electronic",
            "document_sha256": instrument["document_sha256"],
            "accepts_enforcement": True,
        },
    )
    issued = api.call(
        "POST", f"/api/notarial_matters/{instrument['id']}/issue", "notary1", json={}
    ).json()
    assert issued["state"] == "issued" and issued["enforcement_accepted"]
    agreement_pdf = api.call("GET", f"/api/agreements/{agreement_id}/document.pdf", "party1")
    assert agreement_pdf.headers["content-type"] == "application/pdf"
    assert_signed(api, agreement_pdf.content, tmp_path / "agreement.pdf")
    again = api.call("GET", f"/api/agreements/{agreement_id}/document.pdf", "bank_agent")
    assert again.content == agreement_pdf.content  # the same sealed file every time
    assert_problem(
        api.call("GET", f"/api/agreements/{agreement_id}/document.pdf", "party2"), 404, "not-found"
    )

    # The first instalment (1 April) goes unpaid: default after 7 + 30 days.
    api.clock.set(datetime.fromisoformat("2026-05-20T02:00:00+00:00"))
    api.platform.catch_up()
    api.platform.scheduler.tick()
    assert (
        api.call("GET", f"/api/agreements/{agreement_id}", "party1").json()["state"] == "defaulted"
    )

    application = matter(
        api,
        {
            "matter_type": "enforcement_certificate",
            "applicant_name": "江北商业银行",
            "applicant_id_number": PARTY_ID,
            "related_id": instrument["id"],
        },
    )
    assert act(api, application["id"], {"act": "check_eligibility"})["state"] == "accepted"
    letter = act(api, application["id"], {"act": "serve_letter"})
    assert letter["state"] == "letter_sent" and letter["letter_deadline"] is None  # on its way
    letter_pdf = api.call("GET", f"/api/notarial_matters/{application['id']}/letter.pdf", "notary1")
    assert hashlib.sha256(letter_pdf.content).hexdigest() == letter["letter_sha256"]
    assert_signed(api, letter_pdf.content, tmp_path / "letter.pdf")
    api.platform.catch_up()
    outbox = api.platform.settings.data_dir / "sms-outbox.jsonl"
    served = [m for m in outbox.read_text().splitlines() if "Verification letter" in m]
    assert len(served) == 1 and "13900139000" in served[0]
    assert letter["letter_sha256"] in served[0]
    # Served electronically (the debtor consented): the 7 days run from that delivery.
    delivered = api.call("GET", f"/api/notarial_matters/{application['id']}", "notary1").json()
    assert delivered["letter_delivery"]["method"] == "electronic"
    assert delivered["letter_deadline"] == "2026-05-27"
    answered = act(
        api,
        application["id"],
        {
            "act": "record_debtor_answer",
            "kind": "objection",
            "text": "已于五月还款一千元",
            "received_at": "2026-05-20T01:00:00+00:00",
        },
    )
    assert [a["kind"] for a in answered["debtor_answers"]] == ["objection"]
    early = api.call("POST", f"/api/notarial_matters/{application['id']}/issue", "notary1", json={})
    assert assert_problem(early, 409, "act-refused")["rule"] == "letter_deadline"
    api.clock.advance(timedelta(days=8))
    certificate = api.call(
        "POST", f"/api/notarial_matters/{application['id']}/issue", "notary1", json={}
    )
    assert certificate.status_code == 200, certificate.text
    number = certificate.json()["issuance"]["certificate_number"]

    pdf = api.call("GET", f"/api/notarial_matters/{application['id']}/certificate.pdf", "notary1")
    assert pdf.headers["content-type"] == "application/pdf"
    assert_signed(api, pdf.content, tmp_path / "certificate.pdf")
    api.platform.catch_up()
    checked = api.call(
        "POST",
        "/api/certificates/verify",
        json={"certificate_number": number, "pdf_base64": base64.b64encode(pdf.content).decode()},
    ).json()
    assert checked["genuine"] and checked["current"], checked
    assert checked["audit_entry"]["entry"]["topic"].endswith("NotarialMatter.Issued")
    assert checked["audit_entry"]["inclusion_proof"] is not None
    changed = bytearray(pdf.content)
    changed[len(changed) // 3] ^= 0x01
    forged = api.call(
        "POST",
        "/api/certificates/verify",
        json={"certificate_number": number, "pdf_base64": base64.b64encode(changed).decode()},
    ).json()
    assert not forged["genuine"] and forged["detail"].startswith("not genuine")

    assert_problem(
        api.call(
            "POST", "/api/enforcements/notarized", "party1", json={"certificate_number": number}
        ),
        403,
        "forbidden",
    )
    opened = api.call(
        "POST", "/api/enforcements/notarized", "bank_agent", json={"certificate_number": number}
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["basis"] == "notarized_instrument"
    assert opened.json()["basis_id"] == instrument["id"]
    assert opened.json()["docket_number"].startswith("(2026)渝0105执")

    # The case's audit timeline holds the notary office's acts on its agreement too: the
    # notarized instrument, the enforcement certificate on it, and the court's enforcement.
    api.platform.catch_up()
    timeline = api.call("GET", f"/api/audit/cases/{case_id}", "party1").json()
    topics = [e["entry"]["topic"] for e in timeline["entries"]]
    matters = {e["entry"]["aggregate_id"] for e in timeline["entries"]} & {
        instrument["id"].replace("-", ""),
        instrument["id"],
    }
    assert matters, topics
    assert sum(t.endswith("NotarialMatter.Issued") for t in topics) == 2, topics
    assert any(t.endswith("EnforcementCase.Opened") for t in topics), topics


def test_court_ruling_as_a_signed_pdf(api: Api, tmp_path: Path) -> None:
    _, agreement_id = settled_over_http(api, two_instalments("2026-04-01"))
    agreement = f"/api/agreements/{agreement_id}"
    api.call("POST", f"{agreement}/apply_for_confirmation", "bank_agent")
    joint = api.call("POST", f"{agreement}/apply_for_confirmation", "party1").json()
    confirmation = f"/api/confirmations/{joint['id']}"
    assert_problem(api.call("GET", f"{confirmation}/ruling.pdf", "judge1"), 404, "not-found")
    api.call("POST", f"{confirmation}/accept", "judge1", json={})
    api.call("POST", f"{confirmation}/record_verification", "judge1", json={"notes": "双方到场"})
    api.call(
        "POST",
        f"{confirmation}/rule_confirmed",
        "judge1",
        json={"reason": "协议合法"},
    )
    ruling = api.call("GET", f"{confirmation}/ruling.pdf", "party1")
    assert ruling.status_code == 200, ruling.text
    assert_signed(api, ruling.content, tmp_path / "ruling.pdf")
