"""Event topics come from the classes; events stored under older module paths still resolve.

A stored event or snapshot names its class by topic (`module:QualName`). The domain was
reorganised into one package per institution, so stores written before then hold topics such
as `domain.mediation_case:MediationCase.Filed`. Each moved aggregate is registered under its old
path (the library then resolves its events and snapshots too), and `topics_of` adds the old
topics to a follower's filter, so catching up or rebuilding over an older store misses nothing.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic, register_topic

from domain.court.enforcement_case import EnforcementCase
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import RepaymentAgreement
from domain.notary.certificate_number import CertificateNumber
from domain.notary.notarial_matter import NotarialMatter
from domain.shared.calendar_schedule import CalendarYear
from domain.shared.directory import Institution, PartyIdentity, UserAccount
from domain.shared.document_service import DocumentService
from domain.shared.numbering import NumberSequence
from domain.shared.portal_invitation import PortalInvitation
from domain.shared.video_session import VideoSession

# Where each aggregate's module was before the reorganisation.
FORMER_MODULES: dict[type[Any], str] = {
    MediationCase: "domain.mediation_case",
    RepaymentAgreement: "domain.repayment_agreement",
    LitigationCase: "domain.court",
    JudicialConfirmation: "domain.court",
    EnforcementCase: "domain.court",
    NotarialMatter: "domain.notarial_matter",
    CertificateNumber: "application.notary_office",
    VideoSession: "domain.video_session",
    DocumentService: "domain.service",
    NumberSequence: "domain.numbering",
    Institution: "domain.directory",
    UserAccount: "domain.directory",
    PartyIdentity: "domain.directory",
    PortalInvitation: "domain.portal",
    CalendarYear: "domain.calendar_schedule",
}
_FORMER_BY_NAME = {(a.__module__, a.__qualname__): m for a, m in FORMER_MODULES.items()}


def register_former_topics() -> None:
    """Let the library resolve topics stored before the move (repeating it changes nothing)."""
    for aggregate, module in FORMER_MODULES.items():
        register_topic(f"{module}:{aggregate.__qualname__}", aggregate)


def topics_of(*classes: type[Any]) -> tuple[str, ...]:
    """The topics events of these classes are stored under: now, and before the move."""
    found = [get_topic(c) for c in classes]
    for c in classes:
        former = _FORMER_BY_NAME.get((c.__module__, c.__qualname__.split(".")[0]))
        if former is not None:
            found.append(f"{former}:{c.__qualname__}")
    return tuple(found)
