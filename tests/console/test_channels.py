"""Page updates between server processes: two apps sharing Redis through litestar Channels."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from pathlib import Path

import httpx
import redis
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import build_platform
from application.mediation_center import commands as cmd
from application.shared.clock import ManualClock
from tests.conftest import missing, settings_for
from tests.support.data import ADMIN, AGENT, START, filing
from tests.support.server import PASSWORD, running_server

REDIS_URL = os.environ.get("TIAOJIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _listen(client: httpx.Client, path: str, into: queue.Queue[list[str]]) -> None:
    try:
        with client.stream("GET", path) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    into.put(json.loads(line[5:].strip())["ids"])
    except httpx.HTTPError:
        return  # closed at the end of the test


def _until(received: queue.Queue[list[str]], wanted: str, count: int) -> list[list[str]]:
    """Messages until `count` of them named `wanted`."""
    got: list[list[str]] = []
    give_up = time.monotonic() + 15
    while sum(wanted in ids for ids in got) < count:
        assert time.monotonic() < give_up, f"heard {got}, not {count} times of {wanted}"
        with contextlib.suppress(queue.Empty):
            got.append(received.get(timeout=1))
    return got


def test_a_save_in_one_server_refreshes_pages_of_another_for_those_who_may_see_it(
    tmp_path: Path,
) -> None:
    """Two servers on one store and one Redis: a save in A reaches list pages on B of users who
    may see it, only from when they may; a page watching IDs hears them only with the server's
    signature over them."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        missing("Redis", str(error))
    env = {"TIAOJIE_REDIS_URL": REDIS_URL, "TIAOJIE_MEDIA_WORKERS": "0"}
    with running_server(tmp_path, **env) as server_b:
        listeners: dict[str, queue.Queue[list[str]]] = {}
        clients = []
        for who in ("admin", "mediator1", "judge1"):
            cookie = server_b.http.post(
                "/api/auth/login", json={"username": who, "password": PASSWORD}
            ).cookies
            server_b.http.cookies.clear()
            clients.append(httpx.Client(base_url=server_b.base, cookies=cookie, timeout=20))
            listeners[who] = queue.Queue()
        platform_a = build_platform(settings_for("sqlite", tmp_path, **env), ManualClock(START))
        case = platform_a.center.file(AGENT, filing())
        forged = f"/console/changes?watch={case.id}&sig={'0' * 64}"
        for client, (who, into) in zip(clients, listeners.items(), strict=True):
            path = forged if who == "judge1" else "/console/changes"
            threading.Thread(target=_listen, args=(client, path, into), daemon=True).start()
        time.sleep(1.0)  # the subscriptions are open
        try:
            with TestClient(app=create_app(platform_a)):
                wanted = str(case.id)
                for command in (cmd.Accept(), cmd.Refer(kind="pre_filing")):
                    platform_a.center.act(case.id, ADMIN, command)
                assert _until(listeners["admin"], wanted, 2)
                platform_a.center.act(case.id, ADMIN, cmd.AssignMediator(mediator="mediator1"))
                # In order per subscriber: the mediator's first message about the case is the
                # assignment, the first save they may see; the admin heard all three.
                assert _until(listeners["mediator1"], wanted, 1) == [[wanted]]
                assert _until(listeners["admin"], wanted, 1)
                assert listeners["judge1"].empty()
        finally:
            platform_a.close()
            for client in clients:
                client.close()  # lets server B shut down without waiting for the streams
