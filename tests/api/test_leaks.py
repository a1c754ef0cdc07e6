"""Leaks beside the access table, closed: staff of another center, court or notary office see
nothing of this deployment; a notary opens a matter only on an agreement one of whose sides
applies; a filing goes only into this center, by its own staff or for one's own side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.console.rendering import FLASH_COOKIE
from application.shared.access import SYSTEM
from domain.mediation.mediation_case import MediationCase
from tests.support.data import OTHER_PARTY_ID, PARTY_ID, filing_data
from tests.support.http import (
    PASSWORD,
    Api,
    assert_problem,
    build_beside_outsiders,
    settled_over_http,
    two_instalments,
)


@pytest.fixture(scope="module")
def outsiders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A deployment beside institutions of the same kinds that are not the deployment's."""
    platform, clock = build_beside_outsiders(tmp_path_factory.mktemp("leaks"))
    with TestClient(app=create_app(platform)) as client:
        yield Api(client, platform, clock)
    platform.close()


def _cases(api: Api) -> int:
    return len(api.platform.center.ids_of(MediationCase.Filed))


def _console(api: Api, who: str, path: str) -> Any:
    api.client.cookies.clear()
    signed_in = api.client.post("/api/auth/login", json={"username": who, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    try:
        return api.client.get(path, follow_redirects=False)
    finally:
        api.client.cookies.clear()


def test_another_centers_admin_sees_no_dashboard_and_files_nothing(outsiders: Api) -> None:
    api = outsiders
    mine = _console(api, "admin", "/console/dashboard")
    assert mine.status_code == 200, mine.headers.get("location")
    for page in ("/console/dashboard", "/console/intake"):
        refused = _console(api, "other_admin", page)
        assert refused.status_code == 303, page
        assert json.loads(unquote(refused.cookies[FLASH_COOKIE]))["text"] == "404", page
    before = _cases(api)
    filed = api.call("POST", "/api/cases", "other_admin", json=filing_data())
    assert_problem(filed, 403, "forbidden")
    assert _cases(api) == before


def test_staff_of_another_court_or_office_read_no_timeline(outsiders: Api) -> None:
    api = outsiders
    case_id = api.file()
    assert api.call("GET", f"/api/audit/cases/{case_id}", "judge1").status_code == 200
    for who in ("other_judge", "other_notary", "other_admin"):
        found = api.call("GET", f"/api/audit/cases/{case_id}", who)
        assert_problem(found, 404, "not-found")


def test_a_matter_only_on_an_agreement_its_applicant_is_a_side_of(outsiders: Api) -> None:
    api = outsiders
    _, agreement_id = settled_over_http(api, two_instalments("2026-04-01"))
    body = {
        "matter_type": "enforceable_agreement",
        "applicant_name": "李四",
        "applicant_id_number": OTHER_PARTY_ID,  # not a side of the case
        "related_id": agreement_id,
    }
    cases = [
        (body, "applicant_id_number"),
        ({**body, "related_id": "00000000-0000-4000-8000-000000000000"}, "related_id"),
        (
            {**body, "matter_type": "declaration", "applicant_id_number": PARTY_ID},
            "related_id",
        ),
        (
            {**body, "matter_type": "enforcement_certificate", "applicant_id_number": PARTY_ID},
            "related_id",  # names an agreement, not a notarized agreement's matter
        ),
    ]
    before = len(api.platform.notary.matters(SYSTEM))
    for sent, field in cases:
        refused = api.call("POST", "/api/notarial_matters", "notary1", json=sent)
        problem = assert_problem(refused, 400, "validation")
        assert problem["errors"][0]["field"] == field, problem
    assert len(api.platform.notary.matters(SYSTEM)) == before
    refused = api.call("POST", "/api/notarial_matters", "other_notary", json=body)
    assert_problem(refused, 403, "forbidden")
    taken = api.call(
        "POST",
        "/api/notarial_matters",
        "notary1",
        json={**body, "applicant_id_number": PARTY_ID},
    )
    assert taken.status_code == 201, taken.text
