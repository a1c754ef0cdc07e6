"""Supervision over HTTP: a prosecutor without a supervision case on a file sees its audit
metadata only (404 on its content); with one, the assigned prosecutor reads it, the read is
listed for the center that keeps the file, and the court replies to a recommendation."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from api.app import create_app
from tests.support.data import PASSWORD, PROCURATORATE
from tests.support.http import Api, build


def test_reading_a_file_is_an_act_under_supervision(tmp_path: Path) -> None:
    platform, clock = build("sqlite", tmp_path)
    platform.directory.add_user("prosecutor1", PASSWORD, "prosecutor", PROCURATORATE)
    try:
        with TestClient(app=create_app(platform)) as client:
            api = Api(client, platform, clock)
            case_id = api.file()
            assert api.call("GET", f"/api/cases/{case_id}", "prosecutor1").status_code == 404
            assert api.call("GET", f"/api/audit/cases/{case_id}", "prosecutor1").status_code == 200

            opened = api.call(
                "POST",
                "/api/supervision_cases",
                "prosecutor1",
                json={
                    "source": "tip",
                    "target": "false_litigation",
                    "subjects": [{"kind": "mediation_case", "record_id": case_id}],
                    "summary": "公民举报：同一债权人与债务人反复调解",
                },
            )
            assert opened.status_code == 201, opened.text
            supervision = f"/api/supervision_cases/{opened.json()['id']}"
            body = {"record_id": case_id, "parts": ["filing", "state"]}
            early = api.call("POST", f"{supervision}/read_file", "prosecutor1", json=body)
            assert early.status_code == 409 and early.json()["act"] == "read_file"
            accepted = api.call(
                "POST", f"{supervision}/accept", "prosecutor1", json={"prosecutor": "prosecutor1"}
            )
            assert accepted.status_code == 200 and accepted.json()["review_deadline"]
            read = api.call("POST", f"{supervision}/read_file", "prosecutor1", json=body)
            assert read.status_code == 200, read.text
            assert read.json()["content"]["state"] == "filed"
            assert read.json()["content"]["filing"]["applicant"]["name"]
            bad = api.call(
                "POST",
                f"{supervision}/read_file",
                "prosecutor1",
                json={"record_id": case_id, "parts": ["nothing_here"]},
            )
            assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "parts"

            reads = api.call("GET", f"/api/supervision_reads/{case_id}", "admin").json()
            assert [(r["supervision_number"], r["parts"]) for r in reads] == [
                (opened.json()["number"], ["filing", "state"])
            ]
            assert api.call("GET", f"/api/supervision_reads/{case_id}", "bank_agent").json() == []

            recommended = api.call(
                "POST",
                f"{supervision}/recommend",
                "prosecutor1",
                json={"addressee": "court", "addressee_note": "x", "text": "请核查"},
            )
            assert recommended.status_code == 400  # unknown field, nothing changed
            recommended = api.call(
                "POST",
                f"{supervision}/recommend",
                "prosecutor1",
                json={"addressee": "court", "text": "请核查该系列案件"},
            )
            assert recommended.status_code == 200, recommended.text
            [seen] = api.call("GET", "/api/supervision_cases", "judge1").json()
            assert seen["decision"] == "recommendation" and seen["reads"] == []
            assert seen["summary"] == ""  # the review is the procuratorate's
            replied = api.call(
                "POST", f"{supervision}/reply", "judge1", json={"text": "已核查，未发现异常"}
            )
            assert replied.status_code == 200 and replied.json()["state"] == "replied"
            assert api.call("GET", supervision, "bank_agent").status_code == 404
    finally:
        platform.close()


def test_the_red_flag_queue_is_the_prosecutors(tmp_path: Path) -> None:
    platform, clock = build("sqlite", tmp_path)
    platform.directory.add_user("prosecutor1", PASSWORD, "prosecutor", PROCURATORATE)
    try:
        with TestClient(app=create_app(platform)) as client:
            api = Api(client, platform, clock)
            filed = [api.file() for _ in range(3)]  # one bank, one debtor, one day
            platform.catch_up()
            [flag] = api.call(
                "GET", "/api/red_flags?indicator=same_pair&state=raised", "prosecutor1"
            ).json()
            assert {r["record_id"] for r in flag["records"]} == set(filed)
            assert api.call("GET", "/api/red_flags", "admin").json() == []
            assert api.call("GET", f"/api/red_flags/{flag['id']}", "admin").status_code == 404
            read = api.call("GET", f"/api/red_flags/{flag['id']}", "prosecutor1").json()
            assert all(e["entry"] is not None for e in read["evidence"])  # each an audit entry
            entry = read["evidence"][0]["entry"]
            assert api.call("GET", f"/api/audit/entries/{entry}", "prosecutor1").status_code == 200
            empty = api.call(
                "POST", f"/api/red_flags/{flag['id']}/dismiss", "prosecutor1", json={"reason": ""}
            )
            assert empty.status_code == 400
            dismissed = api.call(
                "POST",
                f"/api/red_flags/{flag['id']}/dismiss",
                "prosecutor1",
                json={"reason": "一家银行的正常催收"},
            )
            assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
            again = api.call(
                "POST", f"/api/red_flags/{flag['id']}/dismiss", "prosecutor1", json={"reason": "x"}
            )
            assert again.status_code == 409
    finally:
        platform.close()
