"""LitigationCase (民初): a lawsuit the court dockets, filed before it or transferred to it
when a pre-filing mediation failed (诉调对接).

A docketed lawsuit may be entrusted to a mediation center (委托调解, 特邀调解规定 art. 20); the
trial waits while the center mediates. The mediation comes back:
- settled: the court makes a civil mediation document (民事调解书) from the agreement, which
  takes effect when both parties have signed for its receipt (CPL art. 100); a party backing
  out before that sends the case to judgment (art. 102). Or the plaintiff withdraws, by the
  court's ruling (art. 148). Never judicial confirmation.
- failed or withdrawn: the trial resumes (在线调解规则 art. 21(3)).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent, event

from domain.shared.actors import Actor
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.filing import Filing, Procedure, SideRole
from domain.shared.periods import check_date, check_future, shanghai_date
from domain.shared.text import check_text

LITIGATION_KIND_LABEL = "民初"


class LitigationState(StrEnum):
    DOCKETED = "docketed"  # awaiting trial (again, after a mediation without agreement)
    ENTRUSTED = "entrusted"  # with a mediation center (委托调解); the trial waits
    MEDIATION_SETTLED = "mediation_settled"  # an agreement came back: document or withdrawal
    DOCUMENT_SERVED = "document_served"  # the civil mediation document awaits both receipts
    HEARING_SCHEDULED = "hearing_scheduled"
    JUDGED = "judged"
    MEDIATED = "mediated"  # ended by an effective civil mediation document (民事调解书)
    WITHDRAWN = "withdrawn"  # the plaintiff withdrew, by the court's ruling


ENDED = frozenset({LitigationState.JUDGED, LitigationState.MEDIATED, LitigationState.WITHDRAWN})
TRIAL_STATES = frozenset({LitigationState.DOCKETED, LitigationState.HEARING_SCHEDULED})
_S = LitigationState
# The state table: in which states each of the court's acts is allowed.
ACT_STATES: dict[str, frozenset[LitigationState]] = {
    "entrust": TRIAL_STATES,
    "serve_document": frozenset({_S.MEDIATION_SETTLED}),
    "record_receipt": frozenset({_S.DOCUMENT_SERVED}),
    "record_backing_out": frozenset({_S.MEDIATION_SETTLED, _S.DOCUMENT_SERVED}),
    "withdraw_lawsuit": frozenset(set(LitigationState) - ENDED),
    "rule_on_withdrawal": frozenset(set(LitigationState) - ENDED),
    "schedule_hearing": TRIAL_STATES,
    "decide": frozenset({_S.HEARING_SCHEDULED}),
}


class LitigationCase(Aggregate):
    """A lawsuit before the court: filed there, or docketed from a failed pre-filing
    mediation carrying its file."""

    if TYPE_CHECKING:  # made by the library from the @event methods; typed for followers
        Docketed: ClassVar[type[DomainEvent]]
        Entrusted: ClassVar[type[DomainEvent]]
        MediationSettled: ClassVar[type[DomainEvent]]
        TrialResumed: ClassVar[type[DomainEvent]]
        DocumentServed: ClassVar[type[DomainEvent]]
        ReceiptRecorded: ClassVar[type[DomainEvent]]
        DocumentTookEffect: ClassVar[type[DomainEvent]]
        BackedOut: ClassVar[type[DomainEvent]]
        WithdrawalRequested: ClassVar[type[DomainEvent]]
        WithdrawalRuled: ClassVar[type[DomainEvent]]
        HearingScheduled: ClassVar[type[DomainEvent]]
        Decided: ClassVar[type[DomainEvent]]

    # Class defaults: cases docketed before lawsuits could be filed at the court have these.
    filing: Filing | None = None
    procedure: Procedure | None = None
    entrustments = 0
    center: str | None = None  # the mediation center it was last entrusted to
    agreement_id: UUID | None = None
    agreement_sha256: str | None = None
    receipts: tuple[tuple[str, date], ...] = ()
    document_effective_on: date | None = None
    withdrawal_reason: str | None = None
    trial_resumed_because: str | None = None

    @staticmethod
    def create_id(mediation_case_id: UUID | None, docket_number: str) -> UUID:
        """One litigation per failed mediation (a second docketing of it cannot be saved);
        a lawsuit filed at the court is named by its docket number."""
        if mediation_case_id is not None:
            return uuid5(NAMESPACE_URL, f"tiaojie:litigation:{mediation_case_id}")
        return uuid5(NAMESPACE_URL, f"tiaojie:lawsuit:{docket_number}")

    @staticmethod
    def entrusted_case_id(litigation_id: UUID, entrustment: int) -> UUID:
        """The mediation case an entrustment files at the center: filed once, however often
        the center's follower sees the entrustment."""
        return uuid5(NAMESPACE_URL, f"tiaojie:entrusted:{litigation_id}:{entrustment}")

    @classmethod
    def file_lawsuit(
        cls,
        filing: Filing,
        procedure: Procedure,
        docket_number: str,
        actor: Actor,
        at: datetime,
    ) -> LitigationCase:
        """The court dockets a lawsuit filed before it (立案)."""
        return cls(
            mediation_case_id=None,
            mediation_filing_number=None,
            mediation_docket_number=None,
            docket_number=docket_number,
            plaintiff=filing.applicant.name,
            defendant=filing.respondent.name,
            claim_total_fen=filing.claim.total_fen,
            actor=actor,
            occurred_at=at,
            filing=filing,
            procedure=procedure,
        )

    @event("Docketed")
    def __init__(
        self,
        mediation_case_id: UUID | None,
        mediation_filing_number: str | None,
        mediation_docket_number: str | None,
        docket_number: str,
        plaintiff: str,
        defendant: str,
        claim_total_fen: int,
        actor: Actor,
        occurred_at: datetime,
        filing: Filing | None = None,  # the complaint, or the mediation's filing on transfer
        procedure: Procedure | None = None,  # older transfers recorded none
    ) -> None:
        self.mediation_case_id = mediation_case_id
        self.mediation_filing_number = mediation_filing_number
        self.mediation_docket_number = mediation_docket_number
        self.docket_number = docket_number
        self.plaintiff = plaintiff
        self.defendant = defendant
        self.claim_total_fen = claim_total_fen
        self.filing = filing
        self.procedure = procedure
        self.state = LitigationState.DOCKETED
        self.hearings: list[datetime] = []
        self.outcome: str | None = None

    def _require(self, act: str) -> None:
        if self.state not in ACT_STATES[act]:
            raise self._refuse(act, "state")

    def acts_now(self) -> list[str]:
        """The acts the state allows now (a withdrawal is ruled on only once applied for)."""
        pending = self.withdrawal_reason is not None
        return [
            act
            for act, states in ACT_STATES.items()
            if self.state in states
            and not (act == "withdraw_lawsuit" and pending)
            and not (act == "rule_on_withdrawal" and not pending)
        ]

    # --- entrusting the mediation -----------------------------------------------------------

    def entrust(self, center: str, procedure: Procedure | None, actor: Actor, at: datetime) -> None:
        """The court entrusts the lawsuit to a mediation center, which files it there, with
        the trial procedure that sets the mediation's period (a transfer names it now)."""
        self._require("entrust")
        if self.filing is None:
            raise self._refuse(
                "entrust", "no_filing", "this older case keeps no complaint to file at the center"
            )
        if procedure is not None and self.procedure not in (None, procedure):
            raise InvalidValue(
                "procedure", "the case is tried by {procedure} procedure", procedure=self.procedure
            )
        chosen = procedure or self.procedure
        if chosen is None:
            raise InvalidValue("procedure", "name the trial procedure: ordinary or summary")
        number = self.entrustments + 1
        self._entrusted(
            center=center,
            procedure=chosen,
            mediation_case_id=self.entrusted_case_id(self.id, number),
            entrustment=number,
            actor=actor,
            occurred_at=at,
        )

    @event("Entrusted")
    def _entrusted(
        self,
        center: str,
        procedure: Procedure,
        mediation_case_id: UUID,
        entrustment: int,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.state = LitigationState.ENTRUSTED
        self.procedure = procedure
        self.center = center
        self.entrustments = entrustment
        self.mediation_case_id = mediation_case_id

    def record_mediation_settled(
        self,
        mediation_case_id: UUID,
        agreement_id: UUID,
        agreement_sha256: str,
        actor: Actor,
        at: datetime,
    ) -> None:
        """The entrusted mediation reached an agreement binding the parties (once)."""
        self._check_mediation("record_mediation_settled", mediation_case_id)
        self._mediation_settled(
            agreement_id=agreement_id,
            agreement_sha256=agreement_sha256,
            actor=actor,
            occurred_at=at,
        )

    @event("MediationSettled")
    def _mediation_settled(
        self, agreement_id: UUID, agreement_sha256: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = LitigationState.MEDIATION_SETTLED
        self.agreement_id = agreement_id
        self.agreement_sha256 = agreement_sha256

    def record_mediation_ended(
        self, mediation_case_id: UUID, how: str, actor: Actor, at: datetime
    ) -> None:
        """The entrusted mediation ended without agreement (failed or withdrawn): the trial
        resumes (once)."""
        self._check_mediation("record_mediation_ended", mediation_case_id)
        self._trial_resumed(because=f"mediation_{how}", actor=actor, occurred_at=at)

    def _check_mediation(self, act: str, mediation_case_id: UUID) -> None:
        if mediation_case_id != self.mediation_case_id:
            raise self._refuse(act, "other_mediation", "not the mediation this case entrusted")
        if self.state != LitigationState.ENTRUSTED:
            raise self._refuse(act, "already_recorded", "the mediation's end is recorded")

    @event("TrialResumed")
    def _trial_resumed(self, because: str, actor: Actor, occurred_at: datetime) -> None:
        self._resume(because)

    def _resume(self, because: str) -> None:
        self.state = LitigationState.DOCKETED
        self.trial_resumed_because = because
        self.agreement_id = None
        self.agreement_sha256 = None
        self.receipts = ()

    # --- the civil mediation document -------------------------------------------------------

    def serve_document(self, actor: Actor, at: datetime) -> None:
        """The court makes the civil mediation document from the agreement and serves it."""
        self._require("serve_document")
        self._document_served(actor=actor, occurred_at=at)

    @event("DocumentServed")
    def _document_served(self, actor: Actor, occurred_at: datetime) -> None:
        self.state = LitigationState.DOCUMENT_SERVED

    def record_receipt(self, side: SideRole, received_on: date, actor: Actor, at: datetime) -> None:
        """A party signed for the document's receipt (送达回证); the second signature makes
        it effective (CPL art. 100)."""
        self._require("record_receipt")
        if check_date(received_on, "received_on") > shanghai_date(at):
            raise InvalidValue("received_on", "must not be in the future")
        if side in dict(self.receipts):
            raise self._refuse(
                "record_receipt", "already_received", "the {side} signed already", side=side
            )
        self._receipt_recorded(side=side, received_on=received_on, actor=actor, occurred_at=at)
        if len(self.receipts) == len(SideRole):
            self._document_took_effect(
                effective_on=max(day for _, day in self.receipts), actor=actor, occurred_at=at
            )

    @event("ReceiptRecorded")
    def _receipt_recorded(
        self, side: SideRole, received_on: date, actor: Actor, occurred_at: datetime
    ) -> None:
        self.receipts = (*self.receipts, (str(side), received_on))

    @event("DocumentTookEffect")
    def _document_took_effect(
        self, effective_on: date, actor: Actor, occurred_at: datetime
    ) -> None:
        self.state = LitigationState.MEDIATED
        self.outcome = "court_mediation"
        self.document_effective_on = effective_on

    def record_backing_out(self, side: SideRole, reason: str, actor: Actor, at: datetime) -> None:
        """A party goes back on the agreement before the document binds it: the court
        proceeds to judgment (CPL art. 102)."""
        self._require("record_backing_out")
        text = check_text(reason, "reason", 2_000, multiline=True)
        self._backed_out(side=side, reason=text, actor=actor, occurred_at=at)

    @event("BackedOut")
    def _backed_out(self, side: SideRole, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self._resume(f"backed_out_{side}")

    # --- the plaintiff's withdrawal ---------------------------------------------------------

    def withdraw_lawsuit(self, reason: str, actor: Actor, at: datetime) -> None:
        """The court records the plaintiff's application to withdraw (撤诉); a judge rules."""
        self._require("withdraw_lawsuit")
        if self.withdrawal_reason is not None:
            raise self._refuse("withdraw_lawsuit", "pending", "a withdrawal awaits the ruling")
        text = check_text(reason, "reason", 2_000, required=False, multiline=True)
        self._withdrawal_requested(reason=text, actor=actor, occurred_at=at)

    @event("WithdrawalRequested")
    def _withdrawal_requested(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.withdrawal_reason = reason

    def rule_on_withdrawal(self, allowed: bool, reason: str, actor: Actor, at: datetime) -> None:
        """A judge allows the withdrawal (the case ends) or refuses it saying why (art. 148)."""
        self._require("rule_on_withdrawal")
        if self.withdrawal_reason is None:
            raise self._refuse("rule_on_withdrawal", "no_withdrawal", "no withdrawal awaits")
        text = check_text(reason, "reason", 2_000, required=not allowed, multiline=True)
        self._withdrawal_ruled(allowed=allowed, reason=text, actor=actor, occurred_at=at)

    @event("WithdrawalRuled")
    def _withdrawal_ruled(
        self, allowed: bool, reason: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.withdrawal_reason = None
        if allowed:
            self.state = LitigationState.WITHDRAWN
            self.outcome = "withdrawn"

    # --- trial ------------------------------------------------------------------------------

    def schedule_hearing(self, starts_at: datetime, actor: Actor, at: datetime) -> None:
        self._require("schedule_hearing")
        check_future(starts_at, at, "starts_at")
        self._hearing_scheduled(starts_at=starts_at, actor=actor, occurred_at=at)

    @event("HearingScheduled")
    def _hearing_scheduled(self, starts_at: datetime, actor: Actor, occurred_at: datetime) -> None:
        self.state = LitigationState.HEARING_SCHEDULED
        self.hearings.append(starts_at)

    def decide(self, outcome: str, summary: str, actor: Actor, at: datetime) -> None:
        """A judgment, or a court mediation document; either is enforceable."""
        self._require("decide")
        if outcome not in ("judgment", "court_mediation"):
            raise InvalidValue("outcome", "must be judgment or court_mediation")
        text = check_text(summary, "summary", 2_000, multiline=True)
        self._decided(outcome=outcome, summary=text, actor=actor, occurred_at=at)

    @event("Decided")
    def _decided(self, outcome: str, summary: str, actor: Actor, occurred_at: datetime) -> None:
        self.state = LitigationState.JUDGED if outcome == "judgment" else LitigationState.MEDIATED
        self.outcome = outcome
