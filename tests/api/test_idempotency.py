"""A client that did not hear an answer repeats the change with the same Idempotency-Key and
gets the first answer: one filing, one act, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.demo import CARD_ISSUER
from domain.mediation.mediation_case import MediationCase
from tests.support.data import filing_data
from tests.support.http import PASSWORD, Api, assert_problem, build


@pytest.fixture
def keyed(durable_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    schema = request.getfixturevalue("pg_schema") if durable_backend == "postgres" else None
    platform, clock = build(durable_backend, tmp_path, schema, TIAOJIE_MEDIA_WORKERS="0")
    with TestClient(app=create_app(platform)) as client:
        yield Api(client, platform, clock)
    platform.close()


def test_a_repeat_under_the_same_key_gets_the_first_answer(keyed: Api) -> None:
    api = keyed
    body = filing_data()
    first = api.call("POST", "/api/cases", "bank_agent", json=body)
    assert first.status_code == 201
    key = {"Idempotency-Key": "filing-2026-0001"}
    token = {"Authorization": f"Bearer {api.token('bank_agent')}"}
    answers = [api.client.post("/api/cases", json=body, headers={**token, **key}) for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true"]
    filed = api.platform.center.ids_of(MediationCase.Filed)
    assert len(filed) == 2  # the one without a key, and the keyed one once

    other_body = api.client.post(
        "/api/cases", json=filing_data(principal_fen=2_000_000), headers={**token, **key}
    )
    assert_problem(other_body, 422, "idempotency-key-reused")
    # Keys are the caller's own: another account's same key runs its own request.
    card = {"Authorization": f"Bearer {api.token('card_agent')}"}
    theirs = api.client.post(
        "/api/cases", json=filing_data(applicant_code=CARD_ISSUER), headers={**card, **key}
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != answers[0].json()["id"]

    case_id = answers[0].json()["id"]
    admin = {"Authorization": f"Bearer {api.token('admin')}", "Idempotency-Key": "accept-1"}
    accepted = [
        api.client.post(f"/api/cases/{case_id}/accept", json={}, headers=admin) for _ in "ab"
    ]
    assert [a.status_code for a in accepted] == [200, 200]
    events = [type(e).__name__ for e in api.platform.center.events.get(UUID(case_id))]
    assert events.count("Accepted") == 1
    again = api.client.post(
        f"/api/cases/{case_id}/accept", json={}, headers={"Authorization": admin["Authorization"]}
    )
    assert_problem(again, 409, "act-refused")  # without the key it is a second act


def test_nothing_is_kept_for_callers_without_a_session(keyed: Api) -> None:
    """Sign-in and claims name no account: a key there keeps nothing another could replay."""
    for _ in "ab":
        signed_in = keyed.client.post(
            "/api/auth/login",
            json={"username": "admin", "password": PASSWORD},
            headers={"Idempotency-Key": "shared"},
        )
        assert signed_in.status_code == 200 and "idempotent-replayed" not in signed_in.headers
        keyed.client.cookies.clear()
