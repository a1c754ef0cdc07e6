"""A real server (uvicorn, the litestar app, its media worker processes) on loopback, for the
video tests and the video benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import uvicorn

from api.app import create_app
from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from tests.conftest import make_platform, settings_for
from tests.support.data import BANK, CENTER, COURT, NOTARY, PARTY_ID, PASSWORD, START, drive
from tests.video.peers import Peer


@dataclass
class Server:
    base: str
    platform: Platform
    clock: ManualClock
    http: httpx.Client
    evidence: Path
    app: Any
    loop: asyncio.AbstractEventLoop

    async def media(self, session_id: str, op: str) -> dict[str, Any]:
        """Ask the session's media worker, through the server's own event loop."""
        request = self.app.state.hub.media.request(session_id, op)
        answer: dict[str, Any] = await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(request, self.loop)
        )
        return answer

    def media_pids(self) -> list[int]:
        return [w.process.pid for w in self.app.state.hub.media.workers if w.process]

    def login(self, username: str) -> dict[str, str]:
        response = self.http.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.http.cookies.clear()
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def session(self) -> tuple[str, str, dict[str, str]]:
        """A case in mediation with mediator1, a scheduled session; (session id, host token,
        the mediator's headers)."""
        case = drive(self.platform.center, self.clock, "in_mediation")
        mediator = self.login("mediator1")
        scheduled = self.http.post(
            f"/api/cases/{case.id}/video_sessions",
            json={"title": "调解会 Mediation", "starts_at": "2026-12-01T02:00:00Z"},
            headers=mediator,
        )
        assert scheduled.status_code == 201, scheduled.text
        session_id = scheduled.json()["id"]
        link = self.http.post(f"/api/video_sessions/{session_id}/host_link", headers=mediator)
        assert link.status_code == 200, link.text
        return session_id, link.json()["token"], mediator

    def invite(
        self, session_id: str, headers: dict[str, str], name: str, role: str, **extra: str
    ) -> Any:
        response = self.http.post(
            f"/api/video_sessions/{session_id}/invitations",
            json={"name": name, "role": role, **extra},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def peer(self, session_id: str, token: str) -> Peer:
        return Peer(self.base, session_id, token)

    def events(self, session_id: str) -> list[Any]:
        return list(self.platform.center.events.get(UUID(session_id)))

    def wait_for_events(
        self, session_id: str, done: Callable[[list[Any]], bool], timeout: float = 15
    ) -> list[Any]:
        """The session's events once `done` holds (the server records leaving asynchronously)."""
        give_up = time.monotonic() + timeout
        while not done(found := self.events(session_id)):
            assert time.monotonic() < give_up, " ".join(type(e).__name__ for e in found)
            time.sleep(0.05)
        return found


@contextlib.contextmanager
def running_server(tmp: Path, *, seeded: bool = False, **env: str) -> Iterator[Server]:
    """The app under uvicorn in a thread, with its media worker processes, on loopback; on
    test institutions and accounts it adds, unless the store is `seeded` already."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(
        "sqlite",
        tmp,
        **{
            "TIAOJIE_MEDIA_WORKERS": "1",
            "TIAOJIE_MEDIA_HOST_ADDRESSES": "127.0.0.1",
            "TIAOJIE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TIAOJIE_LOGIN_RATE": "1000",  # tests sign in often; tests/api checks the limit
            **env,
        },
    )
    clock = ManualClock(START)  # tests derive every date they type from it
    if seeded:
        platform = build_platform(settings, clock)
    else:
        platform = make_platform(settings, clock)
        platform.directory.add_user("admin", PASSWORD, "center_admin", CENTER, None)
        platform.directory.add_user("party1", PASSWORD, "party", None, PARTY_ID)
        platform.directory.add_user("notary1", PASSWORD, "notary", NOTARY, None)
        platform.directory.add_user("bank_agent", PASSWORD, "applicant_agent", BANK, None)
        platform.directory.add_user("judge1", PASSWORD, "judge", COURT, None)
    app = create_app(platform)
    loops: list[asyncio.AbstractEventLoop] = []
    app.on_startup.append(lambda: loops.append(asyncio.get_running_loop()))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,  # open event streams would hold shutdown otherwise
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    give_up = time.monotonic() + 30
    while not uvicorn_server.started:
        assert time.monotonic() < give_up, "the server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as http:
        yield Server(base, platform, clock, http, settings.data_dir / "evidence", app, loops[0])
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    platform.close()


@contextlib.contextmanager
def second_process(data_dir: Path, **extra: str) -> Iterator[httpx.Client]:
    """`tiaojie serve` as a process of its own on the same store (and so the same secret)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "TIAOJIE_DATA_DIR": str(data_dir),
        "TIAOJIE_MEDIA_WORKERS": "0",
        "TIAOJIE_LOGIN_RATE": "1000",
        **extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    client.process = process  # type: ignore[attr-defined] (tests that stop it themselves)
    try:
        give_up = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the second server exited"
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/health").status_code == 200:
                    break
            assert time.monotonic() < give_up, "the second server did not start"
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)
