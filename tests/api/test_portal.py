"""Claiming a portal account: one-time code to the phone plus the ID number's last 6."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import Platform
from application.shared.clock import ManualClock
from application.shared.errors import ConcurrencyConflict
from domain.shared.errors import ActRefused, InvalidValue
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


def test_a_stored_code_cannot_be_tried_offline(
    portal: tuple[Platform, TestClient[Any], Path],
) -> None:
    """Whoever reads the store gets the code's keyed digest: trying every six-digit code
    against it, with or without what the store holds beside it, finds nothing."""
    platform, client, sms = portal
    platform.center.file(AGENT, filing(respondent_id=PARTY_ID))
    platform.catch_up()
    invitation = invitation_of(sms, "13800138000")
    assert client.post(f"/api/portal/invitations/{invitation}/code").status_code == 202
    stored = [
        json.loads(e.state)
        for e in platform.directory.recorder.select_events(UUID(invitation))
        if e.topic.endswith("CodeSent")
    ]
    assert len(stored) == 1 and set(stored[0]) >= {"code_digest"}
    digest = stored[0]["code_digest"]
    salts = ["", invitation, f"{invitation}:", "claim-code", f"tiaojie:claim-code:{invitation}:"]
    for candidate in range(10**6):
        code = f"{candidate:06d}"
        for salt in salts:
            assert hashlib.sha256(f"{salt}{code}".encode()).hexdigest() != digest


def test_codes_to_a_phone_are_capped_per_day(
    portal: tuple[Platform, TestClient[Any], Path],
) -> None:
    platform, client, sms = portal
    platform.center.file(AGENT, filing(respondent_id=PARTY_ID))
    platform.catch_up()
    base = f"/api/portal/invitations/{invitation_of(sms, '13800138000')}"
    clock = platform.directory.clock
    assert isinstance(clock, ManualClock)
    for _ in range(5):
        assert client.post(f"{base}/code").status_code == 202
        clock.advance(timedelta(minutes=2))

    def codes() -> int:
        return len([t for t in texts(sms, "13800138000") if "验证码" in t])

    # The sixth answers alike (nobody learns who has a case) and sends nothing.
    assert client.post(f"{base}/code").status_code == 202
    assert codes() == 5
    clock.advance(timedelta(hours=24))
    assert client.post(f"{base}/code").status_code == 202
    assert codes() == 6


def test_concurrent_wrong_claims_are_each_counted(
    portal: tuple[Platform, TestClient[Any], Path],
) -> None:
    """40 wrong claims at once: every one is refused as wrong, locked or busy (never an
    error), and no more than the lockout's five guesses are checked."""
    platform, client, sms = portal
    platform.center.file(AGENT, filing(respondent_id=PARTY_ID))
    platform.catch_up()
    invitation = UUID(invitation_of(sms, "13800138000"))
    client.post(f"/api/portal/invitations/{invitation}/code")
    outcomes: list[str] = []

    def guess(number: int) -> None:
        try:
            platform.directory.claim(invitation, f"{number:06d}", "000000", "x.y", "pw")
        except (InvalidValue, ActRefused, ConcurrencyConflict) as refused:
            outcomes.append(type(refused).__name__)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(guess, range(40)))
    assert len(outcomes) == 40, outcomes
    failed = [
        e
        for e in platform.directory.recorder.select_events(invitation)
        if e.topic.endswith("AttemptFailed")
    ]
    assert len(failed) == 5 == outcomes.count("InvalidValue"), outcomes
