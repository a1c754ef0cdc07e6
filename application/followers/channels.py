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

    def send(self, channel: str, address: str, subject: str, body: str) -> datetime:
        """Send; the moment the addressee's system accepted it."""
        if channel == "email":
            message = EmailMessage()
            message["From"] = self.mail_from
            message["To"] = address
            message["Subject"] = subject
            message.set_content(body)
            try:
                with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=10) as smtp:
                    smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as error:
                raise DeliveryFailed(f"smtp {self.smtp_host}:{self.smtp_port}: {error}") from error
            return self.clock()
        if channel == "sms":
            record = {"to": address, "text": f"{subject}\n{body}", "at": self.clock().isoformat()}
            with self._sms_lock:
                self.sms_outbox.parent.mkdir(parents=True, exist_ok=True)
                with self.sms_outbox.open("a", encoding="utf-8") as outbox:
                    outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
            return self.clock()
        raise DeliveryFailed(f"unknown channel {channel}")
