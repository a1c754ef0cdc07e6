"""Portal invitations: each natural-person side of a new case is invited by SMS to claim a
portal account (once per person), and sent one-time codes to claim it."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from application.followers.channels import Channels, DeliveryFailed
from application.shared.directory import Directory
from application.shared.following import followed_by
from domain.mediation.mediation_case import MediationCase
from domain.shared.errors import ActRefused


class Invitations:
    """Follows the mediation center: each natural-person side of a new case is invited by SMS
    to claim a portal account (once per person)."""

    def __init__(
        self, directory: Directory, channels: Channels, tracking: TrackingRecorder, public_url: str
    ) -> None:
        self.directory = directory
        self.channels = channels
        self.tracking = tracking
        self.public_url = public_url.rstrip("/")

    def position(self, application_name: str) -> int:
        return self.tracking.max_tracking_id(f"invitations:{application_name}") or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            self.react(domain_event)
            self.tracking.insert_tracking(
                Tracking(f"invitations:{tracking.application_name}", tracking.notification_id)
            )

    @singledispatchmethod
    def react(self, domain_event: Any) -> None:
        """Events that invite nobody."""

    @react.register(MediationCase.Filed)
    def _filed(self, domain_event: Any) -> None:
        filing = domain_event.filing
        for side in (filing.applicant, filing.respondent):
            if side.id_number:
                self._invite(side.id_number, side.phone, side.name, domain_event.filing_number)

    follows = followed_by(react)

    def _invite(self, id_number: str, phone: str, name: str, filing_number: str) -> None:
        invitation = self.directory.invite(id_number, phone, name)
        if invitation is None:
            return
        link = f"{self.public_url}/portal/claim/{invitation.id}"
        try:
            self.channels.send(
                "sms",
                phone,
                "调解平台",
                f"{name}您好：您有一件调解案件（{filing_number}）。请在此开通账户查看：{link} "
                f"You are a side of case {filing_number}; claim your account: {link}",
                message_id=f"portal-invitation:{invitation.id}",
            )
        except DeliveryFailed:
            return  # the invitation stands; staff can resend a code from the claim page
        # After a crash before this, the event comes again: the message goes again under the
        # same id (the channel keeps it once) and is then recorded as sent.
        self.directory.invitation_sent(invitation)

    def send_code(self, invitation_id: UUID) -> None:
        """Silent when throttled or claimed: the answer must not tell who has a case."""
        with contextlib.suppress(ActRefused, DeliveryFailed):
            self.directory.send_claim_code(invitation_id, self._sms)

    def _sms(self, phone: str, text: str) -> None:
        self.channels.send("sms", phone, "调解平台", text)
