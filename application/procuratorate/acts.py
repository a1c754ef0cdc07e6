"""The procuratorate's acts on a supervision case: one handler per command class. Who may do
them is the access module's; in which states, the case's (ACT_STATES)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from application.procuratorate import commands as cmd
from application.shared.commands import Command, Context, Handler
from domain.procuratorate.supervision_case import Decision, SupervisionCase
from domain.shared.actors import InstitutionKind

if TYPE_CHECKING:
    from application.procuratorate.app import Procuratorate

SupervisionContext: TypeAlias = "Context[Procuratorate]"

ADDRESSEE_KINDS = {
    "court": InstitutionKind.COURT,
    "mediation_center": InstitutionKind.MEDIATION_CENTER,
    "notary_office": InstitutionKind.NOTARY_OFFICE,
}


def _accept(x: SupervisionContext, case: SupervisionCase, c: cmd.Accept) -> None:
    prosecutor = x.app.prosecutor_id(c.prosecutor)
    case.accept(prosecutor, x.app.calendar, x.app.config.review_months, x.actor, x.now)


def _refuse(x: SupervisionContext, case: SupervisionCase, c: cmd.Refuse) -> None:
    case.refuse(c.ground, x.actor, x.now)


def _request_file(x: SupervisionContext, case: SupervisionCase, c: cmd.RequestFile) -> None:
    case.request_file(c.record_id, x.actor, x.now)


def _recommend(x: SupervisionContext, case: SupervisionCase, c: cmd.Recommend) -> None:
    kind = ADDRESSEE_KINDS[c.addressee]
    _decide(x, case, Decision.RECOMMENDATION, kind, c.text, harms_public_interest=False)


def _recommend_retrial(
    x: SupervisionContext, case: SupervisionCase, c: cmd.RecommendRetrial
) -> None:
    kind = InstitutionKind.COURT
    _decide(x, case, Decision.RETRIAL_RECOMMENDATION, kind, c.text, harms_public_interest=False)


def _request_protest(x: SupervisionContext, case: SupervisionCase, c: cmd.RequestProtest) -> None:
    kind = InstitutionKind.COURT
    _decide(x, case, Decision.PROTEST_REQUEST, kind, c.text, c.harms_public_interest)


def _decide(
    x: SupervisionContext,
    case: SupervisionCase,
    decision: Decision,
    kind: InstitutionKind,
    text: str,
    harms_public_interest: bool,
) -> None:
    config = x.app.config
    case.recommend(
        decision,
        config.addressee(kind),
        kind,
        text,
        x.app.calendar,
        config.reply_months,
        harms_public_interest,
        x.actor,
        x.now,
    )


def _decline(x: SupervisionContext, case: SupervisionCase, c: cmd.Decline) -> None:
    case.decline(c.ground, x.actor, x.now)


def _terminate(x: SupervisionContext, case: SupervisionCase, c: cmd.Terminate) -> None:
    case.terminate(c.ground, x.actor, x.now)


def _reply(x: SupervisionContext, case: SupervisionCase, c: cmd.Reply) -> None:
    case.answer(c.text, x.actor, x.now)


def _follow_up(x: SupervisionContext, case: SupervisionCase, c: cmd.FollowUp) -> None:
    case.follow_up(c.note, x.actor, x.now)


SUPERVISION_ACTS: dict[type[Command], Handler[Any, Any]] = {
    cmd.Accept: _accept,
    cmd.Refuse: _refuse,
    cmd.RequestFile: _request_file,
    cmd.Recommend: _recommend,
    cmd.RecommendRetrial: _recommend_retrial,
    cmd.RequestProtest: _request_protest,
    cmd.Decline: _decline,
    cmd.Terminate: _terminate,
    cmd.Reply: _reply,
    cmd.FollowUp: _follow_up,
}
