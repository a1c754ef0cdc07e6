"""The `tiaojie` command, run as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from application.bootstrap import build_platform
from application.demo import CENTER
from application.read_models.case_list import CaseFilters
from application.shared.clock import ManualClock
from tests.conftest import PG_URL, make_platform, settings_for
from tests.support.data import ADMIN, AGENT, BANK, PASSWORD, START, drive, filing, filing_data
from tests.support.server import second_process


def tiaojie(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_institutions_and_users_from_the_command_line(tmp_path: Path) -> None:
    env = {"TIAOJIE_DATA_DIR": str(tmp_path / "data")}

    added = tiaojie(
        env,
        "institutions",
        "add",
        CENTER,
        "--kind",
        "mediation_center",
        "--name",
        "江北调解中心",
        "--docket-prefix",
        "渝0105",
    )
    assert added.returncode == 0, added.stderr
    again = tiaojie(env, "institutions", "add", CENTER, "--kind", "mediation_center", "--name", "x")
    assert again.returncode == 2 and "exists" in again.stderr
    user = tiaojie(
        env,
        "users",
        "add",
        "li.mediator",
        "--role",
        "mediator",
        "--institution",
        CENTER,
        stdin="a long password\n",
    )
    assert user.returncode == 0, user.stderr
    wrong = tiaojie(env, "users", "add", "x1x", "--role", "wizard", stdin="a long password\n")
    assert wrong.returncode == 2 and "role" in wrong.stderr
    party = tiaojie(
        env,
        "users",
        "add",
        "zhang",
        "--role",
        "party",
        "--id-number",
        "11010519491231002x",
        stdin="a long password\n",
    )
    assert party.returncode == 0, party.stderr
    short = tiaojie(env, "users", "add", "wang", "--role", "party", stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    platform = build_platform(settings_for("sqlite", tmp_path))
    try:
        session = platform.directory.authenticate("li.mediator", "a long password")
        assert session is not None and session.principal.institution == CENTER
        assert platform.directory.authenticate("zhang", "a long password") is not None
        assert platform.directory.authenticate("li.mediator", "wrong password") is None
    finally:
        platform.close()


def test_calendar_load(tmp_path: Path) -> None:
    env = {"TIAOJIE_DATA_DIR": str(tmp_path / "data")}
    clock = ManualClock(START)
    platform = make_platform(settings_for("sqlite", tmp_path), clock)
    platform.close()
    schedule = tmp_path / "2027.json"
    schedule.write_text(
        json.dumps(
            {"year": 2027, "holidays": ["2027-10-01", "2027-10-02"], "working_days": ["2027-09-26"]}
        )
    )
    loaded = tiaojie(env, "calendar", "load", str(schedule))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 2027" in loaded.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"year": 2027, "holidays": ["2026-10-01"]}))
    refused = tiaojie(env, "calendar", "load", str(bad))
    assert refused.returncode == 2 and "holidays[0]" in refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert tiaojie(env, "calendar", "load", str(broken)).returncode == 2


def test_projections_rebuild(tmp_path: Path) -> None:
    clock = ManualClock(START)
    settings = settings_for("sqlite", tmp_path)
    platform = make_platform(settings, clock)
    for state in ("filed", "in_mediation", "settled"):
        drive(platform.center, clock, state)
    platform.close()
    done = tiaojie({"TIAOJIE_DATA_DIR": str(tmp_path / "data")}, "projections", "rebuild")
    assert done.returncode == 0, done.stderr
    assert "case list rebuilt" in done.stdout
    platform = build_platform(settings, clock)
    try:
        page = platform.case_list.page(
            ADMIN, platform.center.config.deployment, CaseFilters(), START.date()
        )
        assert sorted(r["state"] for r in page.rows) == ["filed", "in_mediation", "settled"]
    finally:
        platform.close()


def test_projection_in_processes_of_their_own_on_postgres(tmp_path: Path, pg_schema: str) -> None:
    """Two projection processes at once, one killed midway: every event applied exactly once."""
    clock = ManualClock(START)
    settings = settings_for("postgres", tmp_path, pg_schema)
    platform = make_platform(settings, clock)
    env = {
        "TIAOJIE_DATA_DIR": str(tmp_path / "data"),
        "TIAOJIE_DATABASE_URL": PG_URL,
        "TIAOJIE_POSTGRES_SCHEMA": pg_schema,
        "TIAOJIE_PROJECTIONS": "external",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "api.cli", "projections", "run"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        platform.center.file_bulk(AGENT, [filing() for _ in range(300)])
        workers[0].send_signal(signal.SIGKILL)
        for _ in range(20):
            case = drive(platform.center, clock, "assigned")
        last = platform.center.recorder.max_notification_id() or 0
        deadline = time.monotonic() + 60
        while platform.follower("case-list").position < last:
            assert time.monotonic() < deadline, "the projection process fell behind"
            time.sleep(0.1)
        page = platform.case_list.page(
            ADMIN, platform.center.config.deployment, CaseFilters(), START.date(), limit=500
        )
        assert len(page.rows) == 320
        row = next(r for r in page.rows if r["case_id"] == str(case.id))
        assert row["state"] == "assigned" and row["version"] == case.version
        assert platform.follower("case-list").run_once() == 0  # nothing left, nothing applied twice
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        platform.close()


def test_the_stores_and_keys_it_writes_are_the_server_accounts_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"TIAOJIE_DATA_DIR": str(data)}
    added = tiaojie(
        env, "institutions", "add", CENTER, "--kind", "mediation_center", "--name", "中心"
    )
    assert added.returncode == 0, added.stderr
    written = list(data.rglob("*"))
    assert any(p.suffix == ".sqlite" for p in written) and any(p.suffix == ".key" for p in written)
    for path in written:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is {oct(path.stat().st_mode)}"


def test_serve_stops_on_sigterm_with_status_0(tmp_path: Path) -> None:
    """A supervisor's stop is a normal end: SIGTERM drains and exits 0."""
    with second_process(tmp_path / "data", TIAOJIE_MEDIA_WORKERS="1") as server:
        assert server.get("/health").status_code == 200
        process = server.process  # type: ignore[attr-defined]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    live = {"TIAOJIE_DATA_DIR": str(tmp_path / "live")}
    assert tiaojie(live, "demo").returncode == 0
    taken = tiaojie(live, "backup", str(tmp_path / "backup"))
    assert taken.returncode == 0, taken.stderr
    restored_env = {"TIAOJIE_DATA_DIR": str(tmp_path / "restored")}
    restored = tiaojie(restored_env, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    assert "verifies" in restored.stdout
    verified = tiaojie(restored_env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    again = tiaojie(restored_env, "restore", str(tmp_path / "backup"))
    assert again.returncode == 1 and "holds stores already" in again.stderr


def test_serve_says_what_is_missing_and_links_to_where_it_listens(tmp_path: Path) -> None:
    """A deployment with only its center: `serve` and /health say which institutions are not
    configured and how to add them; invitation links point at the port it was started on."""
    data = tmp_path / "data"
    env = {"TIAOJIE_DATA_DIR": str(data)}
    for code, kind in ((CENTER, "mediation_center"), (BANK, "bank")):
        added = tiaojie(env, "institutions", "add", code, "--kind", kind, "--name", kind)
        assert added.returncode == 0, added.stderr
    agent = tiaojie(
        env,
        "users",
        "add",
        "bank_agent",
        "--role",
        "applicant_agent",
        "--institution",
        BANK,
        stdin=f"{PASSWORD}\n",
    )
    assert agent.returncode == 0, agent.stderr
    with second_process(data) as server:
        health = server.get("/health").json()
        assert set(health["institutions_missing"]) == {"court", "procuratorate", "notary_office"}
        assert "TIAOJIE_COURT" in health["institutions_missing"]["court"]
        token = server.post(
            "/api/auth/login", json={"username": "bank_agent", "password": PASSWORD}
        ).json()["token"]
        server.cookies.clear()
        filed = server.post(
            "/api/cases", json=filing_data(), headers={"Authorization": f"Bearer {token}"}
        )
        assert filed.status_code == 201, filed.text
        outbox = data / "sms-outbox.jsonl"
        give_up = time.monotonic() + 30
        while not (outbox.exists() and "/portal/claim/" in outbox.read_text()):
            assert time.monotonic() < give_up, "no invitation was sent"
            time.sleep(0.1)
        assert f"{server.base_url}/portal/claim/".replace("http://", "") in outbox.read_text()
