"""The act tables, the state table, the access sets, the HTTP routes and the console's forms
name the same acts: adding an act to one and not the others fails here."""

from __future__ import annotations

from typing import Any

from api.app import create_app
from api.console import i18n
from api.console.cases import OWN_FORMS, RECORDED_BY_THE_SYSTEM, form_fields
from api.video.signaling import HOST_MESSAGES
from application.bootstrap import Platform
from application.court.acts import CONFIRMATION_ACTS, LITIGATION_ACTS
from application.mediation_center.acts import AGREEMENT_ACTS, CASE_ACTS
from application.notary_office.acts import MATTER_ACTS
from application.procuratorate.acts import SUPERVISION_ACTS
from application.shared import access
from application.shared.video_sessions import HOST_ACTS, Invite, RevokeInvitation
from domain.court.litigation_case import ACT_STATES as LITIGATION_STATES
from domain.court.litigation_case import LitigationState
from domain.mediation.case_states import ACT_STATES
from domain.procuratorate.supervision_case import ACT_STATES as SUPERVISION_STATES


def _names(commands: Any) -> set[str]:
    return {command.act_name() for command in commands}


def test_act_tables_state_table_access_sets_routes_and_forms_agree(platform: Platform) -> None:
    case_acts = _names(CASE_ACTS)
    assert case_acts == access.CASE_ACTS
    assert case_acts == set(ACT_STATES) - {"agreement_took_effect"}  # that one is the signing
    assert _names(AGREEMENT_ACTS) == access.AGREEMENT_ACTS
    court_acts = _names(CONFIRMATION_ACTS) | _names(LITIGATION_ACTS)
    assert court_acts >= access.JUDGE_ACTS and court_acts >= access.SCHEDULER_ACTS
    supervision_acts = _names(SUPERVISION_ACTS) | {"read_file"}
    everyone = court_acts | case_acts | _names(AGREEMENT_ACTS) | _names(MATTER_ACTS)
    everyone |= supervision_acts
    # Every act the console shows by name has its words, and names a real act.
    console_only = {"video", "apply_for_confirmation", "dismiss", "open_supervision", "distribute"}
    assert supervision_acts <= set(i18n.ACTS)
    assert set(i18n.ACTS) - console_only <= everyone
    for command in CASE_ACTS:
        name = command.act_name()
        if name in RECORDED_BY_THE_SYSTEM or name in OWN_FORMS:
            continue
        assert form_fields(command) is not None, command
        assert name in i18n.ACTS, command
    # Each act on a lawsuit has its state rule, its words and a form; each state its words.
    assert _names(LITIGATION_ACTS) == set(LITIGATION_STATES)
    for command in LITIGATION_ACTS:
        assert command.act_name() in i18n.ACTS and form_fields(command) is not None, command
    assert {f"ls_{state}" for state in LitigationState} <= set(i18n.MESSAGES)
    # Host acts arrive over the signaling socket as their own Structs (invitations by HTTP).
    assert set(HOST_MESSAGES) == set(HOST_ACTS) - {Invite, RevokeInvitation}
    # One POST per act, with the act's Struct as its body.
    paths = create_app(platform).openapi_schema.paths or {}
    routes = {path.rsplit("/", 1)[-1] for path, item in paths.items() if item.post}
    for commands in (CASE_ACTS, AGREEMENT_ACTS, MATTER_ACTS, LITIGATION_ACTS, SUPERVISION_ACTS):
        assert _names(commands) <= routes
    # Every supervision act has a handler and a state rule; the system marks lateness itself.
    assert _names(SUPERVISION_ACTS) | {"read_file"} == set(SUPERVISION_STATES) - {"mark_overdue"}
    assert _names(CONFIRMATION_ACTS) - access.SCHEDULER_ACTS <= routes
