"""Sessions that end: signing out, a new password and a deactivation end every session of the
account, in another server process too, within the one-second bound; tokens carry no personal
data."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import PASSWORD, Server, running_server, second_process

BOUND = 2.0  # the one-second bound, plus a request's time on a loaded machine


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Server, httpx.Client]]:
    with (
        running_server(tmp_path, TIAOJIE_MEDIA_WORKERS="0") as first,
        second_process(tmp_path / "data") as second,
    ):
        yield first, second


def _refused_within(client: httpx.Client, headers: dict[str, str]) -> float:
    """Seconds until the other process refuses the token (asked again until it does)."""
    began = time.monotonic()
    while client.get("/api/cases", headers=headers).status_code != 401:
        assert time.monotonic() - began < 10 * BOUND, "the session never ended"
        time.sleep(0.05)
    return time.monotonic() - began


def test_sign_out_password_and_deactivation_end_sessions_in_another_process(
    two_servers: tuple[Server, httpx.Client],
) -> None:
    first, second = two_servers
    mediator = first.login("mediator1")
    assert second.get("/api/cases", headers=mediator).status_code == 200
    assert first.http.post("/api/auth/logout", headers=mediator).status_code == 204
    assert _refused_within(second, mediator) <= BOUND

    mediator = first.login("mediator1")
    assert second.get("/api/cases", headers=mediator).status_code == 200
    new_password = "a fresh and long passphrase 2026"
    weak = first.http.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "password1234"},
        headers=mediator,
    )
    assert (weak.status_code == 400 and "new_password" not in weak.text) or "password" in weak.text
    changed = first.http.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=mediator,
    )
    assert changed.status_code == 204, changed.text
    assert _refused_within(second, mediator) <= BOUND
    signed_in = second.post(
        "/api/auth/login", json={"username": "mediator1", "password": new_password}
    )
    assert signed_in.status_code == 200, signed_in.text
    mediator = {"Authorization": f"Bearer {signed_in.json()['token']}"}

    admin = first.login("admin")
    deactivated = first.http.post(
        "/api/accounts/mediator1/deactivate", json={"reason": "离职 left"}, headers=admin
    )
    assert deactivated.status_code == 200, deactivated.text
    assert _refused_within(second, mediator) <= BOUND
    refused = second.post(
        "/api/auth/login", json={"username": "mediator1", "password": new_password}
    )
    assert refused.status_code == 401
    assert first.http.post("/api/accounts/mediator1/reactivate", headers=admin).status_code == 200
    assert (
        second.post(
            "/api/auth/login", json={"username": "mediator1", "password": new_password}
        ).status_code
        == 200
    )


def test_tokens_carry_no_personal_data(two_servers: tuple[Server, httpx.Client]) -> None:
    first, _ = two_servers
    token = first.login("party1")["Authorization"].removeprefix("Bearer ")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert set(claims) <= {"exp", "iat", "sub", "jti", "extras", "iss", "aud", "nbf"}
    assert set(claims["extras"]) == {"epoch"}
    text = json.dumps(claims)
    for personal in ("party1", "party", first.platform.directory.user("party1").id_number):
        assert personal not in text, personal


def test_only_the_centers_staff_keep_accounts(two_servers: tuple[Server, httpx.Client]) -> None:
    first, _ = two_servers
    for who in ("mediator1", "judge1", "bank_agent"):
        refused = first.http.post(
            "/api/accounts/party1/deactivate", json={"reason": "x"}, headers=first.login(who)
        )
        assert refused.status_code == 403, (who, refused.text)
    admin = first.login("admin")
    court_staff = first.http.post(
        "/api/accounts/judge1/deactivate", json={"reason": "x"}, headers=admin
    )
    assert court_staff.status_code == 403, court_staff.text
    blank = first.http.post("/api/accounts/party1/deactivate", json={"reason": " "}, headers=admin)
    assert blank.status_code == 400 and "reason" in blank.text
    missing = first.http.post(
        "/api/accounts/nobody/deactivate", json={"reason": "x"}, headers=admin
    )
    assert missing.status_code == 404


def test_an_account_takes_five_wrong_passwords(
    two_servers: tuple[Server, httpx.Client],
) -> None:
    """Beside the per-address limits: after five wrong passwords for one account it waits,
    the right password too (kept in the store, so for every process); other accounts do not."""
    first, second = two_servers
    for _ in range(5):
        wrong = second.post("/api/auth/login", json={"username": "judge1", "password": "nope"})
        assert wrong.status_code == 401
    blocked = second.post("/api/auth/login", json={"username": "judge1", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["type"].endswith("/too-many-requests")
    account = first.platform.directory.user("judge1")
    assert account is not None and len(account.failed_sign_ins) == 5
    assert second.post(
        "/api/auth/login", json={"username": "admin", "password": PASSWORD}
    ).is_success


@pytest.mark.parametrize(("trusted", "limited"), [("", True), ("127.0.0.0/8", False)])
def test_forwarded_addresses_count_only_from_trusted_proxies(
    tmp_path: Path, trusted: str, limited: bool
) -> None:
    """The sign-in limit keys on the client address: an X-Forwarded-For header moves it only
    when it comes from a configured proxy, so a client cannot make itself many clients."""
    with second_process(
        tmp_path / "data", TIAOJIE_LOGIN_RATE="3", TIAOJIE_TRUSTED_PROXIES=trusted
    ) as server:
        answers = [
            server.post(
                "/api/auth/login",
                json={"username": f"nobody{n}", "password": "x"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(5)
        ]
    assert (answers[-1] == 429) is limited, answers
