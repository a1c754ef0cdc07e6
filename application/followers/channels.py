"""Where messages leave the platform: e-mail over SMTP, and SMS through a local stand-in that
records each message (JSON lines) until a gateway contract exists."""

from __future__ import annotations

import json
import smtplib
import threading
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path


class DeliveryFailed(Exception):
    """The channel did not accept the message."""


class Channels:
    """E-mail over SMTP; SMS through a local stand-in that records each message (JSON lines)
    until a gateway contract exists."""

    def __init__(
        self,
        smtp_host: str,
        smtp_port: int,
        mail_from: str,
        sms_outbox: Path,
        clock: Callable[[], datetime],
    ) -> None:
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.mail_from = mail_from
        self.sms_outbox = sms_outbox
        self.clock = clock
        self._sms_lock = threading.Lock()
        self._sms_ids: set[str] | None = None  # ids the stand-in has taken, read on first use

    def send(
        self, channel: str, address: str, subject: str, body: str, message_id: str | None = None
    ) -> datetime:
        """Send; the moment the addressee's system accepted it. A `message_id` lets the channel
        take a message sent again (after a crash) as the same one: the SMS stand-in keeps it
        once, as gateways with idempotent ids do; e-mail carries it as its Message-ID."""
        if channel == "email":
            message = EmailMessage()
            message["From"] = self.mail_from
            message["To"] = address
            message["Subject"] = subject
            if message_id:
                message["Message-ID"] = f"<{message_id}@tiaojie>"
            message.set_content(body)
            try:
                with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=10) as smtp:
                    smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                raise DeliveryFailed(f"smtp {self.smtp_host}:{self.smtp_port}: {error}") from error
            return self.clock()
        if channel == "sms":
            record = {"to": address, "text": f"{subject}\n{body}", "at": self.clock().isoformat()}
            if message_id:
                record["id"] = message_id
            with self._sms_lock:
                if message_id and message_id in self._taken():
                    return self.clock()
                self.sms_outbox.parent.mkdir(parents=True, exist_ok=True)
                with self.sms_outbox.open("a", encoding="utf-8") as outbox:
                    outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
                if message_id:
                    self._taken().add(message_id)
            return self.clock()
        raise DeliveryFailed(f"unknown channel {channel}")

    def _taken(self) -> set[str]:
        if self._sms_ids is None:
            lines = (
                self.sms_outbox.read_text("utf-8").splitlines() if self.sms_outbox.exists() else []
            )
            self._sms_ids = {json.loads(line).get("id") for line in lines} - {None}
        return self._sms_ids
