"""Court → mediation center: what the court does with a file shows on the mediation case.

A docketed litigation is the case's transfer; a lawsuit the court entrusts is filed at the
center; a joint application for confirmation puts the file before the court; each ruling,
lapse, judgment or civil mediation document is the court's outcome. Recording is idempotent
(the case refuses a second one), so tracking after the act makes the effect exactly-once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from application.court.app import Court
from application.mediation_center import commands as cmd
from application.mediation_center.app import MediationCenter
from application.shared.access import SYSTEM
from application.shared.following import followed_by
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.case_states import CaseState
from domain.mediation.case_values import CourtOutcome, Entrustment
from domain.shared.errors import ActRefused
from domain.shared.filing import Procedure

log = logging.getLogger("tiaojie.followers")


class CourtOutcomes:
    def __init__(self, center: MediationCenter, court: Court, tracking: TrackingRecorder) -> None:
        self.center = center
        self.court = court
        self._tracking = tracking

    def position(self, application_name: str) -> int:
        return self._tracking.max_tracking_id(application_name) or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        for domain_event, tracking in items:
            self.react(domain_event)
            self._tracking.insert_tracking(tracking)

    @singledispatchmethod
    def react(self, domain_event: Any) -> None:
        """Court events the mediation case need not know."""

    @react.register(LitigationCase.Docketed)
    def _transferred(self, domain_event: Any) -> None:
        if domain_event.mediation_case_id is None:
            return  # a lawsuit filed at the court: nothing at the center yet
        command = cmd.RecordTransfer(court_docket_number=domain_event.docket_number)
        try:
            self.center.act(domain_event.mediation_case_id, SYSTEM, command)
        except ActRefused as refused:
            if refused.current_state != CaseState.TRANSFERRED:  # already recorded: nothing to do
                log.warning("transfer of %s not recorded: %s", domain_event.originator_id, refused)

    @react.register(JudicialConfirmation.Applied)
    def _applied(self, domain_event: Any) -> None:
        """Both sides applied: the court reads the file (applications made before the number
        waited for the acceptance were numbered here)."""
        found = self._confirmation(domain_event)
        if domain_event.docket_number:
            self._docket(found.mediation_case_id, domain_event.docket_number)
            return
        try:
            self.center.record_court_application(found.mediation_case_id, found.id)
        except ActRefused as refused:
            if refused.rule != "already_recorded":
                log.warning("application on %s not recorded: %s", found.mediation_case_id, refused)

    @react.register(JudicialConfirmation.Accepted)
    def _accepted(self, domain_event: Any) -> None:
        if getattr(domain_event, "docket_number", None):  # older acceptances carry none
            found = self._confirmation(domain_event)
            self._docket(found.mediation_case_id, domain_event.docket_number)

    def _confirmation(self, domain_event: Any) -> JudicialConfirmation:
        return self.court.load(
            domain_event.originator_id, JudicialConfirmation, domain_event.originator_version
        )

    def _docket(self, case_id: UUID, docket_number: str) -> None:
        try:
            self.center.record_court_docket(case_id, docket_number)
        except ActRefused as refused:
            if refused.rule != "already_recorded":
                log.warning("docket on %s not recorded: %s", case_id, refused)

    @react.register(LitigationCase.Entrusted)
    def _entrusted(self, domain_event: Any) -> None:
        """The court entrusted its lawsuit: the center files it, in litigation."""
        litigation = self._litigation(domain_event)
        filing = litigation.filing
        assert filing is not None  # the court entrusts only a case with its complaint
        self.center.file_entrusted(
            filing,
            Entrustment(
                case_id=domain_event.mediation_case_id,
                court=self.court.config.code,
                litigation_id=litigation.id,
                court_docket_number=litigation.docket_number,
                procedure=Procedure(domain_event.procedure),
            ),
            domain_event.actor,
        )

    @react.register(LitigationCase.Decided)
    def _decided(self, domain_event: Any) -> None:
        self._litigation_outcome(domain_event, domain_event.outcome, domain_event.summary)

    @react.register(LitigationCase.DocumentTookEffect)
    def _document_effective(self, domain_event: Any) -> None:
        self._litigation_outcome(domain_event, "court_mediation_document", "")

    @react.register(LitigationCase.TrialResumed)
    def _trial_resumed(self, domain_event: Any) -> None:
        self._litigation_outcome(domain_event, "trial_resumed", domain_event.because)

    @react.register(LitigationCase.BackedOut)
    def _backed_out(self, domain_event: Any) -> None:
        """A party went back on the agreement: it is set aside, the mediation file closed."""
        self._litigation_outcome(domain_event, "backed_out", domain_event.reason)

    @react.register(LitigationCase.WithdrawalRuled)
    def _withdrawal_ruled(self, domain_event: Any) -> None:
        if domain_event.allowed:
            self._litigation_outcome(domain_event, "withdrawn", domain_event.reason)

    def _litigation(self, domain_event: Any) -> LitigationCase:
        return self.court.load(
            domain_event.originator_id, LitigationCase, domain_event.originator_version
        )

    def _litigation_outcome(self, domain_event: Any, outcome: str, reason: str) -> None:
        litigation = self._litigation(domain_event)
        if litigation.mediation_case_id is None:
            return  # never mediated: no file at the center to show it on
        self._outcome(
            litigation.mediation_case_id,
            CourtOutcome(
                kind="litigation",
                docket_number=litigation.docket_number,
                outcome=outcome,
                reason=reason,
                decided_at=domain_event.occurred_at,
            ),
        )

    @react.register(JudicialConfirmation.Ruled)
    @react.register(JudicialConfirmation.ApplicationLapsed)
    @react.register(JudicialConfirmation.Withdrawn)
    def _ruled(self, domain_event: Any) -> None:
        found = self.court.load(
            domain_event.originator_id, JudicialConfirmation, domain_event.originator_version
        )
        self._outcome(
            found.mediation_case_id,
            CourtOutcome(
                kind="judicial_confirmation",
                docket_number=found.docket_number or "",
                outcome=str(found.state),
                reason=found.reason or "",
                decided_at=domain_event.occurred_at,
            ),
        )

    @react.register(JudicialConfirmation.ObjectionDecided)
    def _objection_decided(self, domain_event: Any) -> None:
        """An upheld objection set the ruling aside: shown on the case like the ruling."""
        if domain_event.decision == "upheld":
            self._ruled(domain_event)

    follows = followed_by(react)

    def _outcome(self, case_id: Any, outcome: CourtOutcome) -> None:
        try:
            self.center.record_court_outcome(case_id, outcome)
        except ActRefused as refused:
            if refused.rule != "already_recorded":
                log.warning("court outcome on %s not recorded: %s", case_id, refused)
