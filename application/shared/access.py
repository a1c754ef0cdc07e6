"""Who sees which case and who may do which act (the access table of the domain spec).

Seeing is checked first: a case a user may not see is "not found" (existence does not leak).
Acting is checked second: a visible case whose act the user's role may not perform is
"forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.mediation.filing import SideKind, SideRole
from domain.mediation.mediation_case import MediationCase
from domain.shared.actors import Actor, Role


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the applications see them."""

    user_id: str
    role: Role
    institution: str | None
    id_number: str | None = None
    display_name: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.role, self.institution)


SYSTEM = Principal(user_id="system", role=Role.SYSTEM, institution=None, display_name="system")


@dataclass(frozen=True)
class Deployment:
    """The one mediation center and its partner court, procuratorate and notary office."""

    center: str
    court: str | None = None
    procuratorate: str | None = None
    notary_office: str | None = None


class NotVisible(Exception):
    """The case does not exist for this user."""


class Forbidden(Exception):
    """The user sees the case but their role may not perform this act."""

    def __init__(self, act: str, reason: str) -> None:
        super().__init__(reason)
        self.act = act
        self.reason = reason


CENTER_ACTS = frozenset(
    {
        "accept",
        "reject",
        "refer",
        "assign_mediator",
        "lapse_assignment",
        "grant_recusal",
        "deny_recusal",
        "link_party",
        "expire_period",
        "close",
    }
)
COURT_ACTS = frozenset({"record_transfer", "return_to_mediation"})
MEDIATOR_ACTS = frozenset(
    {
        "accept_assignment",
        "decline_assignment",
        "schedule_session",
        "declare_failure",
        "draft_agreement",
    }
)
SIDE_ACTS = frozenset(
    {
        "consent_to_mediation",
        "refuse_mediation",
        "consent_to_electronic_service",
        "consent_to_extension",
        "request_recusal",
    }
)
SIDE_OR_MEDIATOR_ACTS = frozenset({"propose", "counter_propose", "accept_proposal"})
APPLICANT_ACTS = frozenset({"withdraw"})


def agreement_role(principal: Principal, case: MediationCase, act: str, creditor: SideRole) -> str:
    """Who acts on an agreement: the signer (a side or the mediator) for `sign`, the creditor
    side for recording and confirming payments, the debtor side for reporting them."""
    if principal.role is Role.SYSTEM:
        return "system"
    own = sides_of(principal, case)
    if act == "sign":
        if principal.role is Role.MEDIATOR and case.mediator_id == principal.user_id:
            return "mediator"
        if own:
            return str(own[0])
        raise Forbidden(act, "only the sides and the mediator sign the agreement")
    if act == "report_payment":
        if creditor.other in own:
            return str(creditor.other)
        raise Forbidden(act, "only the debtor reports payments")
    if act in ("declare_default", "mark_overdue") and principal.role is Role.CENTER_ADMIN:
        return "center"
    if creditor in own:
        return str(creditor)
    raise Forbidden(act, "only the creditor side records and confirms payments")


def sides_of(principal: Principal, case: MediationCase) -> list[SideRole]:
    """The sides this user speaks for: a party by ID number or link, an agent by its
    institution's org code."""
    found: list[SideRole] = []
    for role in SideRole:
        side = case.filing.side(role)
        if principal.role is Role.PARTY:
            if (
                principal.id_number is not None
                and side.kind == SideKind.PERSON
                and side.id_number == principal.id_number
            ) or case.party_links.get(principal.user_id) == role:
                found.append(role)
        elif (
            principal.role is Role.APPLICANT_AGENT
            and principal.institution is not None
            and side.org_code == principal.institution
        ):
            found.append(role)
    return found


def can_see(principal: Principal, case: MediationCase, deployment: Deployment) -> bool:
    role = principal.role
    if role is Role.SYSTEM:
        return True
    if role is Role.CENTER_ADMIN:
        return principal.institution == deployment.center
    if role is Role.MEDIATOR:
        return principal.institution == deployment.center and case.mediator_id == principal.user_id
    if role is Role.GRID_WORKER:
        return case.filed_by == principal.user_id
    if role in (Role.PARTY, Role.APPLICANT_AGENT):
        return bool(sides_of(principal, case))
    if role in (Role.JUDGE, Role.COURT_CLERK):
        return principal.institution == deployment.court and case.docket_number is not None
    return False


def check_visible(principal: Principal, case: MediationCase, deployment: Deployment) -> None:
    if not can_see(principal, case, deployment):
        raise NotVisible


def acting_side(
    principal: Principal, case: MediationCase, act: str, requested: SideRole | None
) -> SideRole | None:
    """Authorise `act` and say for which side it is done (None: not a side's act).

    Sides' representatives act for their own side; a mediator may record a proposal, counter
    or acceptance on a side's behalf (`requested`) or make a proposal of their own.
    """
    role = principal.role
    if role is Role.SYSTEM:
        return requested
    if act in CENTER_ACTS:
        if role is Role.CENTER_ADMIN:
            return None
        raise Forbidden(act, "only the mediation center's staff may do this")
    if act in COURT_ACTS:
        if role in (Role.JUDGE, Role.COURT_CLERK, Role.CENTER_ADMIN):
            return None
        raise Forbidden(act, "only the court (or the center recording its decision) may do this")
    is_case_mediator = role is Role.MEDIATOR and case.mediator_id == principal.user_id
    if act in MEDIATOR_ACTS:
        if is_case_mediator:
            return None
        raise Forbidden(act, "only the case's mediator may do this")
    own_sides = sides_of(principal, case)
    if act in SIDE_OR_MEDIATOR_ACTS and is_case_mediator:
        return requested
    if act in SIDE_ACTS | SIDE_OR_MEDIATOR_ACTS:
        if own_sides:
            return own_sides[0]
        raise Forbidden(act, "only a side of the case may do this")
    if act in APPLICANT_ACTS:
        if SideRole.APPLICANT in own_sides or case.filed_by == principal.user_id:
            return SideRole.APPLICANT
        raise Forbidden(act, "only the applicant may withdraw")
    raise Forbidden(act, "unknown act")
