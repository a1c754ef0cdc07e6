"""Claiming a portal account: one-time code to the phone plus the ID number's last 6."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import Platform
from application.shared.clock import ManualClock
from tests.conftest import make_platform, settings_for
from tests.support.data import AGENT, OTHER_PARTY_ID, PARTY_ID, START, filing


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Platform, TestClient[Any], Path]]:
    sms = tmp_path / "sms.jsonl"
    settings = settings_for(
        "sqlite", tmp_path, TIAOJIE_SMS_OUTBOX=str(sms), TIAOJIE_LOGIN_RATE="100"
    )
    platform = make_platform(settings, ManualClock(START))
    with TestClient(app=create_app(platform)) as client:
        yield platform, client, sms
    platform.close()


def texts(sms: Path, phone: str) -> list[str]:
    return [m["text"] for m in map(json.loads, sms.read_text().splitlines()) if m["to"] == phone]


def invitation_of(sms: Path, phone: str) -> str:
    match = re.search(r"/portal/claim/([0-9a-f-]{36})", texts(sms, phone)[0])
    assert match
    return match.group(1)


def latest_code(sms: Path, phone: str) -> str:
    match = re.search(r"验证码 (\d{6})", texts(sms, phone)[-1])
    assert match
    return match.group(1)


def test_claim_with_code_and_id_suffix(portal: tuple[Platform, TestClient[Any], Path]) -> None:
    platform, client, sms = portal
    case = platform.center.file(AGENT, filing(respondent_id=PARTY_ID))
    platform.catch_up()
    invitation = invitation_of(sms, "13800138000")
    base = f"/api/portal/invitations/{invitation}"
    assert client.post(f"{base}/code").status_code == 202
    code = latest_code(sms, "13800138000")
    body = {
        "code": code,
        "id_suffix": PARTY_ID[-6:],
        "username": "zhang.fan",
        "password": "a long password",
    }
    wrong_code = client.post(
        f"{base}/claim", json=body | {"code": "000000" if code != "000000" else "111111"}
    )
    assert wrong_code.status_code == 400 and wrong_code.json()["errors"][0]["field"] == "code"
    wrong_suffix = client.post(f"{base}/claim", json=body | {"id_suffix": "999999"})
    assert wrong_suffix.status_code == 400
    assert platform.directory.user("zhang.fan") is None  # nothing claimed
    claimed = client.post(f"{base}/claim", json=body)
    assert claimed.status_code == 201, claimed.text
    token = client.post(
        "/api/auth/login", json={"username": "zhang.fan", "password": "a long password"}
    ).json()["token"]
    client.cookies.clear()
    mine = client.get(f"/api/cases/{case.id}", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    again = client.post(f"{base}/claim", json=body | {"username": "someone.else"})
    assert again.status_code == 409 and again.json()["rule"] == "already_claimed"


def test_repeated_failures_are_throttled(portal: tuple[Platform, TestClient[Any], Path]) -> None:
    platform, client, sms = portal
    platform.center.file(AGENT, filing(respondent_id=OTHER_PARTY_ID))
    platform.catch_up()
    base = f"/api/portal/invitations/{invitation_of(sms, '13800138000')}"
    client.post(f"{base}/code")
    code = latest_code(sms, "13800138000")
    body = {"code": code, "id_suffix": "000000", "username": "li.si", "password": "a long password"}
    for _ in range(5):
        assert client.post(f"{base}/claim", json=body).status_code == 400
    locked = client.post(f"{base}/claim", json=body | {"id_suffix": OTHER_PARTY_ID[-6:]})
    assert locked.status_code == 409 and locked.json()["rule"] == "throttled"
    assert platform.directory.user("li.si") is None
    # An unknown invitation answers like a known one.
    unknown = client.post("/api/portal/invitations/00000000-0000-4000-8000-000000000000/code")
    assert unknown.status_code == 202
