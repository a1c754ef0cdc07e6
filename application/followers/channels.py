"""Where messages leave the platform: e-mail over SMTP, and SMS through a local stand-in that
records each message (JSON lines) until a gateway contract exists."""

from __future__ import annotations

import fcntl
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
        self._sms_ids: set[str] = set()  # ids the stand-in has taken, as far as read
        self._sms_read = 0  # how far this process has read the stand-in's file

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
            self._record_sms(record)
            return self.clock()
        raise DeliveryFailed(f"unknown channel {channel}")

    def _record_sms(self, record: dict[str, str]) -> None:
        """Append, unless a message with its id is there: under an exclusive lock on the file,
        so that workers in several processes keep each id once, as a gateway would."""
        self.sms_outbox.parent.mkdir(parents=True, exist_ok=True)
        with self._sms_lock, self.sms_outbox.open("a+", encoding="utf-8") as outbox:
            fcntl.flock(outbox, fcntl.LOCK_EX)
            outbox.seek(self._sms_read)
            for line in outbox.read().splitlines():
                self._sms_ids.add(json.loads(line).get("id", ""))
            message_id = record.get("id", "")
            if not message_id or message_id not in self._sms_ids:
                outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
                self._sms_ids.add(message_id)
            outbox.flush()
            self._sms_read = outbox.tell()
