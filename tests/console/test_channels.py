"""Page updates between server processes: two apps sharing Redis through litestar Channels."""

from __future__ import annotations

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
from application.shared.clock import ManualClock
from tests.conftest import make_platform, missing, settings_for
from tests.support.data import AGENT, START, filing
from tests.support.server import PASSWORD, running_server

REDIS_URL = os.environ.get("TIAOJIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_a_save_in_one_server_refreshes_pages_of_another(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        missing("Redis", str(error))
    received: queue.Queue[str] = queue.Queue()
    with running_server(
        tmp_path / "b", TIAOJIE_REDIS_URL=REDIS_URL, TIAOJIE_MEDIA_WORKERS="0"
    ) as server_b:
        cookie = server_b.http.post(
            "/api/auth/login", json={"username": "admin", "password": PASSWORD}
        ).cookies
        server_b.http.cookies.clear()

        client = httpx.Client(base_url=server_b.base, cookies=cookie, timeout=20)

        def listen() -> None:
            try:
                with client.stream("GET", "/console/changes") as stream:
                    for line in stream.iter_lines():
                        if line.startswith("data:"):
                            received.put(line[5:].strip())
            except httpx.HTTPError:
                return  # closed at the end of the test

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(1.0)  # the subscription is open
        settings_a = settings_for(
            "sqlite", tmp_path / "a", TIAOJIE_REDIS_URL=REDIS_URL, TIAOJIE_MEDIA_WORKERS="0"
        )
        platform_a = make_platform(settings_a, ManualClock(START))
        try:
            with TestClient(app=create_app(platform_a)):
                case = platform_a.center.file(AGENT, filing())  # saved by server A
                give_up = time.monotonic() + 15
                while True:
                    assert time.monotonic() < give_up, "server B never heard of the save"
                    try:
                        message = json.loads(received.get(timeout=1))
                    except queue.Empty:
                        continue
                    if str(case.id) in message["ids"]:
                        break
        finally:
            platform_a.close()
            client.close()  # lets server B shut down without waiting for the stream
