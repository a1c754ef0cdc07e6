"""Who acts: roles, kinds of institution, and the actor every event carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.shared.value import Value


class Role(StrEnum):
    APPLICANT_AGENT = "applicant_agent"
    GRID_WORKER = "grid_worker"
    CENTER_ADMIN = "center_admin"
    MEDIATOR = "mediator"
    JUDGE = "judge"
    COURT_CLERK = "court_clerk"
    PROSECUTOR = "prosecutor"
    NOTARY = "notary"
    AUDITOR = "auditor"
    PARTY = "party"
    SYSTEM = "system"


class InstitutionKind(StrEnum):
    BANK = "bank"
    INSURER = "insurer"
    LENDER = "lender"
    MEDIATION_CENTER = "mediation_center"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    NOTARY_OFFICE = "notary_office"
    GRID_STATION = "grid_station"


# Which kinds of institution a staff role may belong to; a party belongs to none.
ROLE_INSTITUTION_KINDS: dict[Role, frozenset[InstitutionKind]] = {
    Role.APPLICANT_AGENT: frozenset(
        {InstitutionKind.BANK, InstitutionKind.INSURER, InstitutionKind.LENDER}
    ),
    Role.GRID_WORKER: frozenset({InstitutionKind.GRID_STATION}),
    Role.CENTER_ADMIN: frozenset({InstitutionKind.MEDIATION_CENTER}),
    Role.MEDIATOR: frozenset({InstitutionKind.MEDIATION_CENTER}),
    Role.JUDGE: frozenset({InstitutionKind.COURT}),
    Role.COURT_CLERK: frozenset({InstitutionKind.COURT}),
    Role.PROSECUTOR: frozenset({InstitutionKind.PROCURATORATE}),
    Role.NOTARY: frozenset({InstitutionKind.NOTARY_OFFICE}),
    Role.AUDITOR: frozenset(InstitutionKind),
    Role.PARTY: frozenset(),
    Role.SYSTEM: frozenset(InstitutionKind),
}


@dataclass(frozen=True)
class Actor(Value):
    """The officer, party or system process behind an act, as recorded in every event."""

    actor_id: str
    role: Role
    institution: str | None
