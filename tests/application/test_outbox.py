"""Electronic service and reminders through a real local SMTP server and the SMS stand-in."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from application.bootstrap import Platform
from application.court import commands as court_cmd
from application.followers.channels import Channels
from application.mediation_center import commands as cmd
from application.shared.clock import ManualClock
from tests.conftest import make_platform, settings_for
from tests.support.data import (
    ADMIN,
    AGENT,
    JUDGE,
    PARTY,
    accepted_and_verified,
    drive,
    filing,
    settle,
)


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def served(
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    clock: ManualClock,
    backend: str,
    request: pytest.FixtureRequest,
) -> Iterator[Platform]:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    settings = settings_for(
        backend,
        tmp_path,
        schema,
        TIAOJIE_SMTP_PORT=str(smtp[1]),
        TIAOJIE_SMS_OUTBOX=str(tmp_path / "sms.jsonl"),
    )
    platform = make_platform(settings, clock)
    yield platform
    platform.close()


def sms(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "sms.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def services(platform: Platform, case_id: Any) -> list[Any]:
    topic = "domain.shared.document_service:DocumentService.Delivered"
    found = []
    for n in platform.center.recorder.select_notifications(1, 10_000, topics=[topic]):
        service = platform.center.repository.get(n.originator_id)
        if service.case_id == case_id:
            found.append(service)
    return found


def test_agreement_served_only_where_consented(
    served: Platform, clock: ManualClock, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    case = drive(served.center, clock, "in_mediation")
    served.center.act(
        case.id, PARTY, cmd.ConsentToElectronicService(channel="sms", address="13800138000")
    )
    case = settle(served.center, clock, case)
    served.catch_up()
    served.catch_up()
    messages = [m for m in sms(tmp_path) if "Mediation agreement" in m["text"]]
    assert len(messages) == 1 and messages[0]["to"] == "13800138000"
    agreement, _ = served.center.agreement(case.agreement_id, ADMIN)
    assert agreement.text_sha256 in messages[0]["text"]
    assert inbox.messages == []  # the applicant never consented: nothing by e-mail
    [proof] = services(served, case.id)
    assert (proof.channel, proof.address, proof.kind) == (
        "sms",
        "13800138000",
        "repayment_agreement",
    )
    assert proof.document_sha256 == agreement.text_sha256
    assert proof.sent_at is not None and proof.delivered_at is not None


def test_reminders_by_email_once_per_due_date(
    served: Platform, clock: ManualClock, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    case = drive(served.center, clock, "in_mediation")
    served.center.act(
        case.id, PARTY, cmd.ConsentToElectronicService(channel="email", address="zhang@example.cn")
    )
    served.center.act(
        case.id,
        AGENT,
        cmd.ConsentToElectronicService(channel="email", address="legal@bank.example.cn"),
    )
    case = settle(served.center, clock, case)  # instalments due 1 May and 31 May 2026
    served.catch_up()
    assert sorted(m["To"] for m in inbox.messages) == ["legal@bank.example.cn", "zhang@example.cn"]
    inbox.messages.clear()
    assert served.scheduler.tick().reminders_sent == 0  # March: nothing due soon
    clock.set(clock().replace(month=4, day=28))
    assert served.scheduler.tick().reminders_sent == 1
    assert served.scheduler.tick().reminders_sent == 0  # never twice
    clock.advance(timedelta(days=2))
    assert served.scheduler.tick().reminders_sent == 0
    clock.set(clock().replace(month=5, day=29))
    assert served.scheduler.tick().reminders_sent == 1
    assert [m["To"] for m in inbox.messages] == ["zhang@example.cn"] * 2
    assert "Instalment 1" in inbox.messages[0].get_payload(decode=True).decode()
    assert "Instalment 2" in inbox.messages[1].get_payload(decode=True).decode()


def test_a_failed_delivery_is_recorded(tmp_path: Path, clock: ManualClock) -> None:
    settings = settings_for("memory", tmp_path, TIAOJIE_SMTP_PORT="9")  # nothing listens
    platform = make_platform(settings, clock)
    try:
        case = drive(platform.center, clock, "in_mediation")
        platform.center.act(
            case.id,
            PARTY,
            cmd.ConsentToElectronicService(channel="email", address="zhang@example.cn"),
        )
        case = settle(platform.center, clock, case)
        platform.catch_up()
        topic = "domain.shared.document_service:DocumentService.Failed"
        failed = platform.center.recorder.select_notifications(1, 10, topics=[topic])
        assert len(failed) == 1
        service = platform.center.repository.get(failed[0].originator_id)
        assert service.state == "failed" and "smtp" in service.error
    finally:
        platform.close()


def test_court_ruling_served_by_the_court_only_where_consented(
    served: Platform, clock: ManualClock, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    case = drive(served.center, clock, "in_mediation")
    served.center.act(
        case.id, PARTY, cmd.ConsentToElectronicService(channel="sms", address="13800138000")
    )
    case = settle(served.center, clock, case)
    agreement, _ = served.center.agreement(case.agreement_id, ADMIN)
    served.court.apply_for_confirmation(agreement, case, AGENT)
    joint = served.court.apply_for_confirmation(agreement, case, PARTY)
    accepted_and_verified(served.court, joint.id)
    served.court.confirmation_act(joint.id, JUDGE, court_cmd.RuleConfirmed(reason="协议合法有效"))
    served.catch_up()
    served.catch_up()
    rulings = [m for m in sms(tmp_path) if "民事裁定书" in m["text"]]
    assert len(rulings) == 1 and rulings[0]["to"] == "13800138000"
    assert "确认调解协议有效" in rulings[0]["text"] and agreement.text_sha256 in rulings[0]["text"]
    assert inbox.messages == []
    topic = "domain.shared.document_service:DocumentService.Delivered"
    [delivered] = served.court.recorder.select_notifications(1, 100, topics=[topic])
    proof = served.court.repository.get(delivered.originator_id)
    assert (proof.kind, proof.addressee, proof.case_id) == (
        "confirmation_ruling",
        "respondent",
        case.id,
    )
    assert proof.document_sha256 in rulings[0]["text"]


class Crash(BaseException):
    """The process ends here (as a kill -9 would: nothing after it runs)."""


@pytest.mark.parametrize("crash_at", ["before the message", "after the message"])
def test_a_crash_around_an_invitation_sends_it_once(
    served: Platform, tmp_path: Path, clock: ManualClock, crash_at: str
) -> None:
    """The follower writes its position after reacting, so after a crash the same filing comes
    again: the invitation made before is sent now if it was not, and a message sent again keeps
    its id, which the channel takes once."""
    platform = served
    case = platform.center.file(AGENT, filing())
    filed = next(iter(platform.center.events.get(case.id)))
    invitations = platform.invitations
    where: Any = invitations.channels if crash_at == "before the message" else platform.directory
    name = "send" if crash_at == "before the message" else "invitation_sent"

    def crash(*_: Any, **__: Any) -> Any:
        raise Crash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(where, name, crash)
        with pytest.raises(Crash):
            invitations.react(filed)
    platform.catch_up()  # the restarted follower gets the filing again
    invitations.react(filed)  # and once more: still one message
    sent = [m for m in sms(tmp_path) if "/portal/claim/" in m["text"]]
    assert len(sent) == 1, sent


def test_the_sms_stand_in_keeps_a_message_id_once_across_processes(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Two workers (two Channels on one file, as two processes have) sending the same message:
    one line; messages without an id are all kept."""
    outbox = tmp_path / "sms.jsonl"
    first, second = (Channels("127.0.0.1", 9, "from@x", outbox, clock) for _ in range(2))
    first.send("sms", "13800138000", "s", "body", message_id="service:1")
    second.send("sms", "13800138000", "s", "body", message_id="service:1")
    second.send("sms", "13800138000", "s", "code")
    first.send("sms", "13800138000", "s", "code")
    first.send("sms", "13800138000", "s", "body", message_id="service:1")
    assert [m.get("id") for m in sms(tmp_path)] == ["service:1", None, None]
