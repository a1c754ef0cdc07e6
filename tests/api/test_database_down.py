"""Fast, honest failure: a PostgreSQL of the test's own is stopped under the server and started
again. Requests answer 503 with a problem type and Retry-After (never a 500, never a hang),
`/health` answers within 2 seconds and says what is down, and everything recovers without a
restart, with nothing acknowledged lost."""

from __future__ import annotations

import time
from pathlib import Path

from litestar.testing import TestClient

from api.app import create_app
from domain.mediation.mediation_case import MediationCase
from tests.support.data import filing_data
from tests.support.http import Api, build
from tests.support.postgres import private_postgres


def test_a_stopped_database_gives_quick_503s_and_recovery(tmp_path: Path) -> None:
    with private_postgres() as database:
        platform, clock = build(
            "sqlite",
            tmp_path,
            TIAOJIE_DATABASE_URL=database.url,
            TIAOJIE_MEDIA_WORKERS="0",
            TIAOJIE_PROJECTIONS="external",
        )
        try:
            with TestClient(app=create_app(platform)) as client:
                api = Api(client, platform, clock)
                case_id = api.file()
                assert client.get("/health").status_code == 200
                api.token("admin")  # signed in before the outage

                database.stop()
                began = time.monotonic()
                health = client.get("/health")
                assert time.monotonic() - began < 2.0
                assert health.status_code == 503 and health.json()["status"] == "unavailable"
                assert health.json()["database"].startswith("unreachable")

                began = time.monotonic()
                read = api.call("GET", f"/api/cases/{case_id}", "admin")
                took = time.monotonic() - began
                print(f"a read against a stopped database answered in {took:.1f} s")
                assert read.status_code == 503, read.text
                assert took < 10, "the library's ten tries are back"  # 5 s timeout + a margin
                assert read.headers["retry-after"]
                assert read.json()["type"].endswith("/database-unavailable")
                filed = api.call("POST", "/api/cases", "admin", json=filing_data())
                assert filed.status_code == 503, filed.text
                assert "may" in filed.json()["detail"]  # it does not claim nothing changed

                database.start()
                give_up = time.monotonic() + 30
                while client.get("/health").status_code != 200:
                    assert time.monotonic() < give_up, "the server never found the database"
                    time.sleep(0.2)
                assert api.call("GET", f"/api/cases/{case_id}", "admin").status_code == 200
                again = api.call("POST", "/api/cases", "admin", json=filing_data())
                assert again.status_code == 201, again.text
                assert len(platform.center.ids_of(MediationCase.Filed)) == 2
        finally:
            platform.close()
