"""A worker killed while it sends: the agreement is served once. The kill comes at the worst
moment, when the mail server has the message but has not said so; the next worker sends it
again under the same Message-ID (which the receiving side keeps once) and records the service."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from application.mediation_center import commands as cmd
from application.shared.clock import ManualClock
from domain.shared.document_service import DocumentService
from tests.conftest import make_platform, settings_for
from tests.support.data import PARTY, drive, settle


class MailServer:
    """Keeps each message it is given; while `stalled`, it then never answers."""

    def __init__(self, *, stalled: bool) -> None:
        self.stalled = stalled
        self.messages: list[Message] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        self.received.set()
        if self.stalled:
            await asyncio.Event().wait()
        return "250 OK"


@pytest.fixture
def mail() -> Iterator[Any]:
    started: list[Controller] = []

    def start(server: MailServer) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        controller = Controller(server, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()


def _worker(env: dict[str, str], smtp_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", "--only", "outbox"],
        env={**os.environ, **env, "TIAOJIE_SMTP_PORT": str(smtp_port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_a_worker_killed_mid_send_serves_the_agreement_once(
    tmp_path: Path, pg_schema: str, clock: ManualClock, mail: Any
) -> None:
    settings = settings_for("postgres", tmp_path, pg_schema)
    env = {
        "TIAOJIE_DATA_DIR": str(settings.data_dir),
        "TIAOJIE_DATABASE_URL": str(settings.database_url),
        "TIAOJIE_POSTGRES_SCHEMA": pg_schema,
    }
    platform = make_platform(settings, clock)
    try:
        case = drive(platform.center, clock, "in_mediation")
        platform.center.act(
            case.id, PARTY, cmd.ConsentToElectronicService(channel="email", address="z@example.cn")
        )
        case = settle(platform.center, clock, case)

        stalled = MailServer(stalled=True)
        first = _worker(env, mail(stalled))
        assert stalled.received.wait(timeout=120), "the worker never sent the agreement"
        first.kill()
        first.wait(timeout=10)
        [queued] = _services(platform)
        assert queued.state == "queued"  # it had no answer when it was killed

        inbox = MailServer(stalled=False)
        second = _worker(env, mail(inbox))
        try:
            give_up = time.monotonic() + 120
            while _services(platform)[0].state != "delivered":
                assert time.monotonic() < give_up, "the next worker never served it"
                assert second.poll() is None, "the next worker exited"
                time.sleep(0.1)
        finally:
            second.terminate()
            assert second.wait(timeout=30) == 0
        assert len(inbox.messages) == 1
        assert inbox.messages[0]["Message-ID"] == stalled.messages[0]["Message-ID"]
        assert inbox.messages[0]["To"] == "z@example.cn"
        assert len(_services(platform)) == 1
    finally:
        platform.close()


def _services(platform: Any) -> list[DocumentService]:
    topic = "domain.shared.document_service:DocumentService.Queued"
    found = platform.center.recorder.select_notifications(1, 100, topics=[topic])
    return [platform.center.load(n.originator_id, DocumentService) for n in found]
