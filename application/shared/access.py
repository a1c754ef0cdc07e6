"""Every access decision, institution by institution (the access table of the domain spec).

Seeing comes first: what a user may not see is "not found" (existence does not leak). Acting
comes second: a visible record whose act the user's role may not perform is "forbidden". The
case list's SQL scope sits beside the Python rule it must agree with (a test checks both over
cases of every kind, for every role), and so do the console pages each role may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.mediation.mediation_case import MediationCase
from domain.notary.notarial_matter import NotarialMatter
from domain.procuratorate.supervision_case import SupervisionCase
from domain.shared.actors import Actor, Role
from domain.shared.errors import InvalidValue
from domain.shared.filing import Filing, SideKind, SideRole


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

    @property
    def institutions(self) -> tuple[str, ...]:
        """The configured ones, in this order: center, court, procuratorate, notary office."""
        return tuple(
            c for c in (self.center, self.court, self.procuratorate, self.notary_office) if c
        )


# Staff of the four institutions' kinds, by the deployment's institution they must belong to.
_HOME: dict[Role, str] = {
    Role.CENTER_ADMIN: "center",
    Role.MEDIATOR: "center",
    Role.JUDGE: "court",
    Role.COURT_CLERK: "court",
    Role.PROSECUTOR: "procuratorate",
    Role.NOTARY: "notary_office",
}


def of_deployment(principal: Principal, deployment: Deployment) -> bool:
    """Staff of a center, court, procuratorate or notary office count only when theirs is the
    deployment's: staff of another institution of those kinds see nothing."""
    home = _HOME.get(principal.role)
    return home is None or (
        principal.institution is not None and principal.institution == getattr(deployment, home)
    )


class Forbidden(Exception):
    """The user sees the record but their role may not perform this act."""

    def __init__(self, act: str, reason: str, **values: object) -> None:
        text = reason.format(**values) if values else reason
        super().__init__(text)
        self.act = act
        self.reason = text
        self.template = reason  # with named values, as InvalidValue's
        self.values = values


def _is(principal: Principal, roles: frozenset[Role], institution: str | None) -> bool:
    return (
        principal.role in roles
        and institution is not None
        and (principal.institution == institution)
    )


# --- the mediation center -------------------------------------------------------------------

FILING_ROLES = frozenset({Role.APPLICANT_AGENT, Role.GRID_WORKER, Role.CENTER_ADMIN, Role.PARTY})
COURT_STAFF = frozenset({Role.JUDGE, Role.COURT_CLERK})

# Who does which act on a case (the state table in the domain says when).
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
CASE_ACTS = (
    CENTER_ACTS | COURT_ACTS | MEDIATOR_ACTS | SIDE_ACTS | SIDE_OR_MEDIATOR_ACTS | APPLICANT_ACTS
)
# Who does which act on an agreement.
SIGNING_ACTS = frozenset({"sign"})
DEBTOR_ACTS = frozenset({"report_payment"})
CREDITOR_ACTS = frozenset({"record_payment", "confirm_payment", "reject_payment_report"})
CREDITOR_OR_CENTER_ACTS = frozenset({"declare_default", "mark_overdue"})
AGREEMENT_ACTS = SIGNING_ACTS | DEBTOR_ACTS | CREDITOR_ACTS | CREDITOR_OR_CENTER_ACTS


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
    """Who sees a mediation case. `case_list_scope` is the same rule in SQL."""
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
    if role in COURT_STAFF:
        return _is(principal, COURT_STAFF, deployment.court) and case.before_court
    return False


def case_list_scope(
    principal: Principal, deployment: Deployment
) -> tuple[str | None, dict[str, Any]]:
    """`can_see` as SQL over the case list: the WHERE clause of the rows this user may list
    (None: none)."""
    role, me = principal.role, principal.user_id
    params: dict[str, Any] = {"me": me, "inst": principal.institution}
    if role is Role.SYSTEM or (
        role is Role.CENTER_ADMIN and principal.institution == deployment.center
    ):
        return "1 = 1", params
    if role is Role.MEDIATOR and principal.institution == deployment.center:
        return "mediator_id = :me", params
    if role is Role.GRID_WORKER:
        return "filed_by = :me", params
    if role is Role.APPLICANT_AGENT and principal.institution:
        return "(applicant_code = :inst OR respondent_code = :inst)", params
    if role is Role.PARTY:
        params["idn"] = principal.id_number or "-"
        return (
            (
                "((applicant_kind = 'person' AND applicant_id_number = :idn) OR "
                "(respondent_kind = 'person' AND respondent_id_number = :idn) OR "
                "case_id IN (SELECT case_id FROM {links} WHERE user_id = :me))"
            ),
            params,
        )
    if _is(principal, COURT_STAFF, deployment.court):
        before_court = (
            "(referral_kind = 'in_litigation' OR channel = 'court_referral' OR "
            "(state = 'failed' AND referral_kind = 'pre_filing') OR "
            "case_id IN (SELECT case_id FROM {court_cases}))"
        )
        return before_court, params
    return None, params


def check_filer(principal: Principal, filing: Filing, deployment: Deployment) -> None:
    """Who files, and for whom: the deployment's center staff for anyone, an agent for its own
    institution, a party for themself. Filings go to the deployment's center only."""
    if principal.role not in FILING_ROLES | {Role.SYSTEM}:
        raise Forbidden("file", "a {role} does not file cases", role=principal.role)
    if not of_deployment(principal, deployment):
        raise Forbidden("file", "only this center's own staff file cases into it")
    applicant = filing.applicant
    if principal.role is Role.APPLICANT_AGENT and applicant.org_code != principal.institution:
        raise InvalidValue(
            "applicant.org_code",
            "an agent files for its own institution ({code})",
            code=principal.institution,
        )
    if principal.role is Role.PARTY and not (
        applicant.kind == SideKind.PERSON and applicant.id_number == principal.id_number
    ):
        raise InvalidValue("applicant.id_number", "a party files for themself")


def acting_side(
    principal: Principal, case: MediationCase, act: str, requested: SideRole | None
) -> SideRole | None:
    """Authorise `act` on a visible case and say for which side it is done (None: not a
    side's act). Sides' representatives act for their own side; a mediator may record a
    proposal, counter or acceptance on a side's behalf (`requested`) or propose on their own."""
    role = principal.role
    if role is Role.SYSTEM:
        return requested
    if act in CENTER_ACTS:
        if role is Role.CENTER_ADMIN:
            return None
        raise Forbidden(act, "only the mediation center's staff may do this")
    if act in COURT_ACTS:
        if role in (*COURT_STAFF, Role.CENTER_ADMIN):
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
        filer = case.filed_by == principal.user_id and case.entrustment is None  # not the judge
        if SideRole.APPLICANT in own_sides or filer:
            return SideRole.APPLICANT
        raise Forbidden(act, "only the applicant may withdraw")
    raise Forbidden(act, "unknown act")


def agreement_role(principal: Principal, case: MediationCase, act: str, creditor: SideRole) -> str:
    """Whom the user acts as on an agreement: the signer (a side or the mediator) for `sign`,
    the debtor side for reporting payments, the creditor side (or center staff, for overdue
    and default) for the rest."""
    if principal.role is Role.SYSTEM:
        return "system"
    own = sides_of(principal, case)
    if act in SIGNING_ACTS:
        if principal.role is Role.MEDIATOR and case.mediator_id == principal.user_id:
            return "mediator"
        if own:
            return str(own[0])
        raise Forbidden(act, "only the sides and the mediator sign the agreement")
    if act in DEBTOR_ACTS:
        if creditor.other in own:
            return str(creditor.other)
        raise Forbidden(act, "only the debtor reports payments")
    if act in CREDITOR_OR_CENTER_ACTS and principal.role is Role.CENTER_ADMIN:
        return "center"
    if act in CREDITOR_ACTS | CREDITOR_OR_CENTER_ACTS and creditor in own:
        return str(creditor)
    raise Forbidden(act, "only the creditor side records and confirms payments")


def may(decide: Any, *args: Any) -> bool:
    """Whether an access decision (one of this module's functions that raises Forbidden)
    allows the act: for showing only the acts a user may do."""
    try:
        decide(*args)
    except Forbidden:
        return False
    return True


def is_center_mediator(principal: Principal, deployment: Deployment) -> bool:
    """A mediator of the deployment's center: whom a case can be assigned to."""
    return principal.role is Role.MEDIATOR and principal.institution == deployment.center


def hosts_case_session(principal: Principal, case: MediationCase, deployment: Deployment) -> bool:
    """The case's own mediator hosts its video sessions."""
    return (
        principal.role is Role.MEDIATOR
        and principal.institution == deployment.center
        and case.mediator_id == principal.user_id
    )


# --- the court --------------------------------------------------------------------------------

JUDGE_ACTS = frozenset(
    {
        "rule_confirmed",
        "rule_rejected",
        "extend_ruling_period",
        "record_verification",
        "rule_on_withdrawal",
        "decide_objection",
        "decide_more_time",
        "decide",
        "entrust",
        "serve_document",
    }
)
APPLICANT_CONFIRMATION_ACTS = frozenset({"withdraw_application"})  # the sides', not the court's
SCHEDULER_ACTS = frozenset({"lapse", "record_missed_deadline"})  # the court's timers


def sees_court_docket(principal: Principal, court: str) -> bool:
    """The court's judges and clerks (and the system) see its docket; nobody else."""
    return principal.role is Role.SYSTEM or _is(principal, COURT_STAFF, court)


def check_court_act(principal: Principal, court: str, act: str) -> None:
    """Judges and clerks act on the court's cases; only a judge rules or decides."""
    if principal.role is Role.SYSTEM:
        return
    if not _is(principal, COURT_STAFF, court):
        raise Forbidden(act, "only the court's judges and clerks act on court cases")
    if act in SCHEDULER_ACTS:
        raise Forbidden(act, "the scheduler records this when the period ends")
    if act in JUDGE_ACTS and principal.role is not Role.JUDGE:
        raise Forbidden(act, "only a judge rules")


def sees_confirmation(principal: Principal, court: str, case: MediationCase | None) -> bool:
    """A judicial confirmation: the court's staff, and the sides of the agreement (given the
    case when they may see it)."""
    return sees_court_docket(principal, court) or (
        case is not None and bool(sides_of(principal, case))
    )


def applying_side(principal: Principal, case: MediationCase) -> SideRole:
    """The sides apply for judicial confirmation, each for its own side."""
    own = sides_of(principal, case)
    if not own:
        raise Forbidden("apply_for_confirmation", "only the sides apply for confirmation")
    return own[0]


def check_creditor_applies(principal: Principal, case: MediationCase, creditor: SideRole) -> None:
    """Only the creditor side applies for enforcement."""
    if creditor not in sides_of(principal, case):
        raise Forbidden("apply_for_enforcement", "only the creditor applies for enforcement")


# --- the notary office ------------------------------------------------------------------------


def is_notary(principal: Principal, office: str) -> bool:
    return _is(principal, frozenset({Role.NOTARY}), office)


def check_notary_act(principal: Principal, office: str, act: str) -> None:
    """The office's notaries act on its notarial matters; nobody else."""
    if not is_notary(principal, office):
        raise Forbidden(act, "only the office's notaries act on notarial matters")


def sees_matter(principal: Principal, office: str, matter: NotarialMatter) -> bool:
    """A notarial matter: the office's notaries, the applicant, the system."""
    applicant = principal.role is Role.PARTY and principal.id_number == (matter.applicant_id_number)
    return principal.role is Role.SYSTEM or applicant or is_notary(principal, office)


def check_matter_applicant(id_number: str, case: MediationCase) -> None:
    """A matter on an agreement is applied for by a side of its case (a person, by ID number):
    the office never reads an agreement none of whose sides came to it."""
    if not any(
        side.kind == SideKind.PERSON and side.id_number == id_number
        for side in (case.filing.applicant, case.filing.respondent)
    ):
        raise InvalidValue("applicant_id_number", "the applicant is not a side of the agreement")


def hosts_notarization(principal: Principal, office: str) -> bool:
    """The office's notaries host its remote notarizations."""
    return is_notary(principal, office)


# --- the procuratorate ------------------------------------------------------------------------

# Staff who act for their institution: they see what is addressed to it.
STAFF_ROLES = frozenset(
    {Role.CENTER_ADMIN, Role.MEDIATOR, Role.JUDGE, Role.COURT_CLERK, Role.NOTARY, Role.PROSECUTOR}
)
# Who replies to a recommendation for the institution it is addressed to, and by which acts.
REPLYING_ROLES = frozenset({Role.CENTER_ADMIN, Role.JUDGE, Role.NOTARY})
ADDRESSEE_ACTS = frozenset({"reply"})


def is_prosecutor(principal: Principal, procuratorate: str) -> bool:
    return _is(principal, frozenset({Role.PROSECUTOR}), procuratorate)


def is_staff_of(principal: Principal, institution: str) -> bool:
    return principal.role in STAFF_ROLES and principal.institution == institution


def sees_red_flags(principal: Principal, procuratorate: str) -> bool:
    """The red-flag queue is the procuratorate's prosecutors' alone."""
    return is_prosecutor(principal, procuratorate)


def sees_supervision(principal: Principal, procuratorate: str, case: SupervisionCase) -> bool:
    """The procuratorate's prosecutors; the staff of the institution a recommendation is
    addressed to, once it is."""
    addressed = case.addressee is not None and is_staff_of(principal, case.addressee)
    return principal.role is Role.SYSTEM or is_prosecutor(principal, procuratorate) or addressed


def check_supervision_act(
    principal: Principal, procuratorate: str, act: str, case: SupervisionCase | None = None
) -> None:
    """The procuratorate's prosecutors open and decide supervision cases; the addressee's
    judges, center administrators or notaries reply."""
    if act in ADDRESSEE_ACTS:
        addressee = case.addressee if case is not None else None
        if not (principal.role in REPLYING_ROLES and principal.institution == addressee):
            raise Forbidden(act, "the addressee's judges, administrators or notaries reply")
        return
    if not is_prosecutor(principal, procuratorate):
        raise Forbidden(act, "only the procuratorate's prosecutors act on supervision cases")


# --- the audit trail --------------------------------------------------------------------------

METADATA_ROLES = frozenset({Role.AUDITOR, Role.JUDGE, Role.COURT_CLERK, Role.PROSECUTOR})


def reads_audit_metadata(principal: Principal, deployment: Deployment) -> bool:
    """Auditors, judges, clerks and prosecutors of the deployment's institutions read every
    entry's metadata; others only entries of what they may see."""
    return (
        principal.role in METADATA_ROLES
        and principal.institution in deployment.institutions
        and of_deployment(principal, deployment)
    )


# --- video sessions ---------------------------------------------------------------------------


def is_party_account(principal: Principal) -> bool:
    """Only party accounts are invited by account or linked to a side (staff join as hosts
    and act as their institution)."""
    return principal.role is Role.PARTY


# --- accounts ---------------------------------------------------------------------------------


def check_account_admin(
    principal: Principal, institution: str | None, deployment: Deployment
) -> None:
    """The deployment's center staff keep the accounts of their center, of parties and of the
    outside institutions (banks, insurers, lenders, grid stations); the court's, the
    procuratorate's and the notary office's staff are their own institutions' to keep."""
    if principal.role is Role.SYSTEM:
        return
    if not (principal.role is Role.CENTER_ADMIN and of_deployment(principal, deployment)):
        raise Forbidden("deactivate", "only the center's staff keep accounts")
    if (
        institution is not None
        and institution != deployment.center
        and (institution in deployment.institutions)
    ):
        raise Forbidden("deactivate", "that institution keeps its own staff's accounts")


# --- console pages ----------------------------------------------------------------------------

CONSOLE_PAGES: dict[str, frozenset[Role]] = {
    "cases": frozenset(Role) - {Role.SYSTEM},
    "intake": frozenset({Role.CENTER_ADMIN, Role.APPLICANT_AGENT, Role.GRID_WORKER}),
    "waiting_filings": frozenset({Role.CENTER_ADMIN}),
    "dashboard": frozenset({Role.CENTER_ADMIN}),
    "court": COURT_STAFF,
    "notary": frozenset({Role.NOTARY, Role.PARTY}),
    "notary_office": frozenset({Role.NOTARY}),
    "procuratorate": frozenset({Role.PROSECUTOR}),
    "supervision": frozenset({Role.PROSECUTOR}) | REPLYING_ROLES,
}


# What waits for a user's act, by role: their to-do lists over the case list.
TODO_LISTS: dict[Role, tuple[str, ...]] = {
    Role.CENTER_ADMIN: ("todo_accept", "todo_refer", "todo_assign"),
    Role.MEDIATOR: ("todo_accept_assignment", "todo_sign", "todo_due_soon"),
    Role.APPLICANT_AGENT: ("todo_consent", "todo_answer", "todo_sign"),
    Role.PARTY: ("todo_consent", "todo_answer", "todo_sign"),
    Role.JUDGE: ("todo_confirmations",),
    Role.COURT_CLERK: ("todo_confirmations",),
}
# To-do lists kept on a page of their own rather than in the case list.
TODO_PAGES = {"todo_confirmations": "/console/court"}


def todo_lists(principal: Principal) -> tuple[str, ...]:
    return TODO_LISTS.get(principal.role, ())


def works_as_mediator(principal: Principal) -> bool:
    """A mediator: its list starts at the nearest deadline; it signs agreements as mediator."""
    return principal.role is Role.MEDIATOR


def own_side_sql(principal: Principal, params: dict[str, Any]) -> str:
    """SQL over the case list: the `{side}` of a case is this user's (an agent's by its
    institution's code, a person's by ID number); `{side}` is applicant or respondent."""
    if principal.role is Role.APPLICANT_AGENT:
        params["inst"] = principal.institution
        return "{side}_code = :inst"
    params["idn"] = principal.id_number or "-"
    return "{side}_kind = 'person' AND {side}_id_number = :idn"


def check_acts_on_many(principal: Principal, deployment: Deployment) -> None:
    """Acts on many cases at once are the center's staff's (each act is then checked as
    if done alone)."""
    if principal.role is not Role.CENTER_ADMIN or principal.institution != deployment.center:
        raise Forbidden("act_on_many", "only the center's staff act on many cases at once")


def may_open(principal: Principal, page: str, deployment: Deployment) -> bool:
    """Whether the console shows this page (and its link) to this user."""
    return principal.role in CONSOLE_PAGES[page] and of_deployment(principal, deployment)
