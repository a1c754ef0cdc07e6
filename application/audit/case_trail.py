"""Which aggregates of every institution belong to one mediation case, and their trail.

The case itself, its agreements, the court's confirmation, litigation and enforcement on them,
the notarial matters on its agreements (instruments and the certificates on those), and the
video sessions held for it: what a case's audit timeline and its evidence archive gather.
"""

from __future__ import annotations

from uuid import UUID

from application.audit.store import AuditStore, Leaf
from application.mediation_center.app import MediationCenter
from application.notary_office.app import NotaryOffice
from domain.court.enforcement_case import EnforcementCase
from domain.court.judicial_confirmation import JudicialConfirmation
from domain.court.litigation_case import LitigationCase
from domain.mediation.mediation_case import MediationCase
from domain.shared.video_session import VideoSession


def case_aggregates(center: MediationCenter, notary: NotaryOffice, case_id: UUID) -> list[UUID]:
    case = center.file_of(case_id)
    agreements: list[UUID] = [
        e.agreement_id  # type: ignore[attr-defined]
        for e in center.events.get(case.id)
        if isinstance(e, MediationCase.AgreementDrafted)
    ]
    lawsuit = case.entrustment.litigation_id if case.entrustment else None
    related = [case.id, lawsuit or LitigationCase.create_id(case.id, ""), *agreements]
    related += [JudicialConfirmation.create_id(a) for a in agreements]
    related += [EnforcementCase.create_id(a) for a in agreements]
    matters = notary.matters_on(agreements)
    related += [m.id for m in matters] + [EnforcementCase.create_id(m.id) for m in matters]
    related += [VideoSession.create_id(case.id, s.starts_at) for s in case.sessions]
    related += [m.video_session_id for m in matters if m.video_session_id is not None]
    return related


def case_leaves(store: AuditStore, related: list[UUID], size: int) -> list[Leaf]:
    """The trail's entries about these aggregates within the first `size`, in log order."""
    return [leaf for leaf in store.leaves_of([str(i) for i in related]) if leaf.index < size]
