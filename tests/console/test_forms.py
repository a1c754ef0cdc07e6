"""Console forms never answer 500: whatever people type, a refusal comes back as a message on
the page and nothing is stored. (Found before: the notary's act form with a bad method, a
missing reason or answer, or "not a date"; the payment form with NaN or Infinity; a CSV with NaN
in an amount.)"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import TestClient

from api.app import create_app
from api.console.rendering import FLASH_COOKIE
from application.bootstrap import Platform
from application.mediation_center.spreadsheet import HEADERS, template_csv
from application.notary_office import commands as notary_cmd
from application.shared.clock import ManualClock
from domain.shared import tlog
from domain.shared.errors import InvalidValue
from domain.shared.money import parse_yuan
from tests.conftest import make_platform, settings_for
from tests.support.data import BANK, CENTER, NOTARY, PARTY_ID, PASSWORD, START, drive, settle

NOTARY_STAFF = "notary1"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Platform, ManualClock, TestClient[Any]]]:
    clock = ManualClock(START)
    platform = make_platform(settings_for("sqlite", tmp_path, TIAOJIE_LOGIN_RATE="100"), clock)
    for username, role, institution in (
        (NOTARY_STAFF, "notary", NOTARY),
        ("bank_agent", "applicant_agent", BANK),
        ("admin", "center_admin", CENTER),
    ):
        platform.directory.add_user(username, PASSWORD, role, institution, None)
    with TestClient(app=create_app(platform)) as client:
        yield platform, clock, client
    platform.close()


def sign_in(client: TestClient[Any], username: str) -> str:
    """Signed in through the login form; the CSRF token forms must carry."""
    client.get("/login")
    token = client.cookies["csrftoken"]
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return token


def refused(answer: Any) -> None:
    """Sent back with an error shown once: in a short-lived cookie, never in the URL."""
    assert answer.status_code == 303, answer.text
    flash = json.loads(unquote(answer.cookies[FLASH_COOKIE]))
    assert flash["kind"] == "error" and flash["text"], flash
    assert "flash" not in answer.headers["location"]


def test_the_notary_act_form_refuses_bad_input_with_a_message(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    platform, _, client = console
    staff = platform.directory.principal(NOTARY_STAFF)
    assert staff is not None
    matter = platform.notary.apply(
        staff,
        notary_cmd.TakeApplication(
            matter_type="power_of_attorney",
            applicant_name="张三",
            applicant_id_number=PARTY_ID,
            lives_abroad=True,
            remote=True,
            document_text="委托书",
        ),
    )
    token = sign_in(client, NOTARY_STAFF)
    for fields in (
        {"act": "record_identity_check", "method": "palm_reading", "passed": "yes"},
        {"act": "record_identity_check", "method": "face_match"},
        {"act": "record_answer", "question": "是否自愿？"},
        {"act": "refuse_certificate"},
        {"act": "revoke", "reason": ""},
        {"act": "video", "title": "远程公证", "starts_at": "not a date"},
        {"act": "no_such_act"},
        {"act": "sign", "method": "electronic", "document_sha256": "xyz"},
    ):
        answer = client.post(
            f"/console/notary/{matter.id}/act",
            data={**fields, "_csrf_token": token},
            follow_redirects=False,
        )
        refused(answer)
    assert platform.notary.load(matter.id, type(matter)).version == matter.version
    # The message shows on the next page once; a reload does not bring it back.
    page = f"/console/notary/{matter.id}"
    assert 'class="flash' in client.get(page).text
    assert 'class="flash' not in client.get(page).text


def test_the_payment_form_refuses_amounts_that_are_not_amounts(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    platform, clock, client = console
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    token = sign_in(client, "bank_agent")
    for amount, paid_on in (
        ("NaN", "2026-03-02"),
        ("Infinity", "2026-03-02"),
        ("-Infinity", "2026-03-02"),
        ("1e3", "2026-03-02"),
        ("100.001", "2026-03-02"),
        ("100", "not a date"),
    ):
        answer = client.post(
            f"/console/agreements/{case.agreement_id}/pay",
            data={
                "act": "record_payment",
                "instalment": "1",
                "amount_yuan": amount,
                "paid_on": paid_on,
                "_csrf_token": token,
            },
            follow_redirects=False,
        )
        refused(answer)
    agreement, _ = platform.center.agreement(
        case.agreement_id, platform.directory.principal("admin")
    )  # type: ignore[arg-type]
    assert agreement.payments == []


def test_a_spreadsheet_with_nan_amounts_is_refused_whole_and_named(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    platform, _, client = console
    token = sign_in(client, "bank_agent")
    header, example = template_csv().decode("utf-8-sig").splitlines()[:2]
    columns = header.split(",")
    row = example.split(",")
    row[columns.index(HEADERS["claim.principal_yuan"][0])] = "NaN"
    csv = f"{header}\n{','.join(row)}\n".encode()
    answer = client.post(
        "/console/intake",
        files={"data": ("batch.csv", io.BytesIO(csv), "text/csv")},
        data={"_csrf_token": token},
    )
    assert answer.status_code == 400
    assert "本金（元）" in answer.text
    assert platform.case_list.view.rows("SELECT count(*) AS n FROM {case_list}", {})[0]["n"] == 0


def test_a_broken_batch_lists_every_error_once_by_row_and_column(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    """Unreadable cells and broken rules, in one pass: a bad amount (row 2), a bad ID number
    (row 3), an unknown dispute type (row 4) and an applicant not the agent's (row 5), each
    named by its spreadsheet row and template column."""
    platform, _, client = console
    token = sign_in(client, "bank_agent")
    header, example = template_csv().decode("utf-8-sig").splitlines()[:2]
    columns = header.split(",")
    rows = []
    for column, value in (
        ("claim.principal_yuan", "10.005"),
        ("respondent.id_number", "110105194912310021"),
        ("dispute_type", "lottery"),
        ("applicant.org_code", "91500000MA5U0B002D"),
    ):
        row = example.split(",")
        row[columns.index(HEADERS[column][0])] = value
        rows.append(",".join(row))
    csv = "\n".join([header, *rows, ""]).encode("gbk")
    answer = client.post(
        "/console/intake",
        files={"data": ("batch.csv", io.BytesIO(csv), "text/csv")},
        data={"_csrf_token": token},
    )
    assert answer.status_code == 400
    listed = re.findall(r"<tr><td>(\d+)</td><td><code>([^<]+)</code>", answer.text)
    assert listed == [
        ("2", "本金（元）"),
        ("3", "被申请人身份证号码"),
        ("4", "纠纷类型"),
        ("5", "申请人统一社会信用代码"),
    ], listed
    assert platform.case_list.view.rows("SELECT count(*) AS n FROM {case_list}", {})[0]["n"] == 0


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("8,000", 800_000), ("８０００.５", 800_050), ("¥1,234.56", 123_456), ("0.1", 10)],
)
def test_yuan_as_people_type_it(typed: str, fen: int) -> None:
    assert parse_yuan(typed, "amount_yuan") == fen


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "1e3", "1.001", "", "一百", "1.2.3"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        parse_yuan(typed, "amount_yuan")
    assert refusal.value.field == "amount_yuan"


def test_the_dashboard_names_a_witness_that_lags(tmp_path: Path) -> None:
    vkey = tlog.cosigner_key("court.example/witness", Ed25519PrivateKey.generate().public_key())
    settings = settings_for(
        "sqlite", tmp_path, TIAOJIE_WITNESSES=f"http://127.0.0.1:9 {vkey}", TIAOJIE_LOGIN_RATE="100"
    )
    clock = ManualClock(START)
    platform = make_platform(settings, clock)
    platform.directory.add_user("admin", PASSWORD, "center_admin", CENTER, None)
    try:
        drive(platform.center, clock, "accepted")
        platform.catch_up()
        assert "court.example/witness" in platform.audit.lagging()
        with TestClient(app=create_app(platform)) as client:
            sign_in(client, "admin")
            page = client.get("/console/dashboard")
        assert page.status_code == 200
        assert "审计见证未会签最新检查点" in page.text and "court.example/witness" in page.text
    finally:
        platform.close()


def test_a_mediator_is_picked_by_name_with_their_caseload(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    """Assignment offers the center's mediators, each with open cases and those due within a
    week, instead of a user name to type; picking one assigns the case."""
    platform, clock, client = console
    drive(platform.center, clock, "in_mediation")  # mediator1 mediates one case already
    referred = drive(platform.center, clock, "referred")
    platform.catch_up()
    token = sign_in(client, "admin")
    page = client.get(f"/console/cases/{referred.id}").text
    options = dict(re.findall(r'<option value="(mediator\d)" data-recorded>([^<]+)</option>', page))
    assert set(options) == {"mediator1", "mediator2"}, page
    assert "在办 1 件" in options["mediator1"] and "在办 0 件" in options["mediator2"]
    answer = client.post(
        f"/console/cases/{referred.id}/act",
        data={"act": "assign_mediator", "mediator": "mediator2", "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert platform.center.file_of(referred.id).mediator_id == "mediator2"


def test_one_dispute_from_the_form_and_a_second_like_it_is_asked_about(
    console: tuple[Platform, ManualClock, TestClient[Any]],
) -> None:
    """The filing form files one dispute; a bad ID number comes back named with nothing
    filed; the same dispute again is asked about (the form refilled) and filed only when the
    box says so."""
    platform, _, client = console
    token = sign_in(client, "bank_agent")
    form = {
        "_csrf_token": token,
        "channel": "online",
        "dispute_type": "credit_card",
        "applicant.kind": "institution",
        "applicant.name": "江北商业银行",
        "applicant.org_code": BANK,
        "applicant.phone": "02363000000",
        "respondent.kind": "person",
        "respondent.name": "赵六",
        "respondent.id_number": PARTY_ID.lower(),
        "respondent.phone": "138 0013 8000",
        "claim.principal_yuan": "12,000.50",
        "knew_default_on": "2025-06-30",
    }

    def cases() -> int:
        platform.catch_up()
        return int(
            platform.case_list.view.rows("SELECT count(*) AS n FROM {case_list}", {})[0]["n"]
        )

    bad = client.post(
        "/console/intake/one", data={**form, "respondent.id_number": "123"}, follow_redirects=False
    )
    refused(bad)
    assert "被申请人身份证号码" in unquote(bad.cookies[FLASH_COOKIE])
    assert cases() == 0
    filed = client.post("/console/intake/one", data=form, follow_redirects=False)
    assert filed.status_code == 303 and filed.headers["location"].startswith("/console/cases/")
    assert cases() == 1
    again = client.post("/console/intake/one", data=form, follow_redirects=False)
    assert again.status_code == 409 and "可能重复登记" in again.text
    assert 'value="赵六"' in again.text and "仍要登记" in again.text  # refilled, with the box
    assert cases() == 1
    anyway = client.post(
        "/console/intake/one", data={**form, "file_anyway": "1"}, follow_redirects=False
    )
    assert anyway.headers["location"].startswith("/console/cases/") and cases() == 2
