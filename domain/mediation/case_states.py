"""The mediation case's states and the state table: in which states each act is allowed.

The table is the domain spec's lifecycle (`ACT_STATES`); the case refuses an act outside it,
naming the state, and the console offers only the acts it allows. Periods by referral kind
and the docket labels are here too: what a referral decides.
"""

from __future__ import annotations

from enum import StrEnum

from domain.shared.filing import Procedure


class CaseState(StrEnum):
    FILED = "filed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REFERRED = "referred"
    ASSIGNED = "assigned"
    AWAITING_CONSENT = "awaiting_consent"
    IN_MEDIATION = "in_mediation"
    SETTLED = "settled"
    FAILED = "failed"
    TRANSFERRED = "transferred"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


TERMINAL_STATES = frozenset(
    {CaseState.REJECTED, CaseState.TRANSFERRED, CaseState.WITHDRAWN, CaseState.CLOSED}
)
WITHDRAWABLE_STATES = frozenset(
    {
        CaseState.FILED,
        CaseState.ACCEPTED,
        CaseState.REFERRED,
        CaseState.ASSIGNED,
        CaseState.AWAITING_CONSENT,
        CaseState.IN_MEDIATION,
    }
)
RECUSABLE_STATES = frozenset(
    {CaseState.ASSIGNED, CaseState.AWAITING_CONSENT, CaseState.IN_MEDIATION}
)
NON_TERMINAL_STATES = frozenset(CaseState) - TERMINAL_STATES
PERIOD_RUNNING_STATES = frozenset(
    {
        CaseState.REFERRED,
        CaseState.ASSIGNED,
        CaseState.AWAITING_CONSENT,
        CaseState.IN_MEDIATION,
    }
)
# A period runs from the mediator's first acceptance, so it can end only once a mediator has
# the case: a case waiting for a (new) mediator after a recusal expires when one accepts.
PERIOD_EXPIRY_STATES = frozenset({CaseState.AWAITING_CONSENT, CaseState.IN_MEDIATION})


class ReferralKind(StrEnum):
    PRE_FILING = "pre_filing"  # 委派
    IN_LITIGATION = "in_litigation"  # 委托


# Mediation periods in calendar days, by referral kind and (in litigation) procedure.
MEDIATION_PERIOD_DAYS: dict[tuple[ReferralKind, Procedure | None], int] = {
    (ReferralKind.PRE_FILING, None): 30,
    (ReferralKind.IN_LITIGATION, Procedure.ORDINARY): 15,
    (ReferralKind.IN_LITIGATION, Procedure.SUMMARY): 7,
}

DOCKET_KIND_LABELS: dict[ReferralKind, str] = {
    ReferralKind.PRE_FILING: "民诉前调",
    ReferralKind.IN_LITIGATION: "民诉中调",
}
FILING_KIND_LABEL = "民调登"


class FailureReason(StrEnum):
    CONSENT_REFUSED = "consent_refused"
    PERIOD_EXPIRED = "period_expired"
    NO_AGREEMENT = "no_agreement"
    RESPONDENT_UNREACHABLE = "respondent_unreachable"
    OTHER = "other"


class ServiceChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class ClosingReason(StrEnum):
    FULFILLED = "fulfilled"
    ENFORCEMENT_ENDED = "enforcement_ended"
    BACKED_OUT = "backed_out"  # in litigation: a party went back on it before the document


# The state table: in which states each act is allowed.
ACT_STATES: dict[str, frozenset[CaseState]] = {
    "accept": frozenset({CaseState.FILED}),
    "reject": frozenset({CaseState.FILED}),
    "refer": frozenset({CaseState.ACCEPTED}),
    "assign_mediator": frozenset({CaseState.REFERRED}),
    "accept_assignment": frozenset({CaseState.ASSIGNED}),
    "decline_assignment": frozenset({CaseState.ASSIGNED}),
    "lapse_assignment": frozenset({CaseState.ASSIGNED}),
    "consent_to_mediation": frozenset({CaseState.AWAITING_CONSENT}),
    "refuse_mediation": frozenset({CaseState.AWAITING_CONSENT}),
    "schedule_session": frozenset({CaseState.IN_MEDIATION}),
    "propose": frozenset({CaseState.IN_MEDIATION}),
    "counter_propose": frozenset({CaseState.IN_MEDIATION}),
    "accept_proposal": frozenset({CaseState.IN_MEDIATION}),
    "consent_to_extension": frozenset({CaseState.IN_MEDIATION}),
    "draft_agreement": frozenset({CaseState.IN_MEDIATION}),
    "agreement_took_effect": frozenset({CaseState.IN_MEDIATION}),
    "declare_failure": frozenset({CaseState.IN_MEDIATION}),
    "expire_period": PERIOD_EXPIRY_STATES,
    "withdraw": WITHDRAWABLE_STATES,
    "request_recusal": RECUSABLE_STATES,
    "grant_recusal": RECUSABLE_STATES,
    "deny_recusal": RECUSABLE_STATES,
    "close": frozenset({CaseState.SETTLED}),
    "return_to_mediation": frozenset({CaseState.SETTLED}),
    "record_transfer": frozenset({CaseState.FAILED}),
    "consent_to_electronic_service": NON_TERMINAL_STATES,
    "link_party": NON_TERMINAL_STATES,
}
