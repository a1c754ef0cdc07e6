"""VideoSession rules: invitations, attendance, host acts and the audience, allowed and refused."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.shared.actors import Actor, Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.video_session import (
    IdentityCheck,
    Participant,
    ParticipantRole,
    RecordingFile,
    VideoSession,
)
from tests.support.data import START

HOST = Actor("mediator1", Role.MEDIATOR, "CENTER")
LATER = START + timedelta(days=3)


def session() -> VideoSession:
    host = Participant("host", "mediator1", ParticipantRole.HOST, START + timedelta(days=365))
    found = VideoSession(uuid4(), "调解会", START + timedelta(days=1), host, HOST, START)
    found.invite("a", "张三", ParticipantRole.RESPONDENT, LATER, HOST, START)
    found.invite("b", "银行代理人", ParticipantRole.APPLICANT, LATER, HOST, START)
    return found


def present(found: VideoSession, *ids: str) -> None:
    for participant_id in ids:
        found.join(participant_id, "invitation", HOST, START)


def test_invitation_rules() -> None:
    found = session()
    with pytest.raises(InvalidValue) as host:
        found.invite("c", "x", ParticipantRole.HOST, LATER, HOST, START)
    assert host.value.field == "role"
    with pytest.raises(InvalidValue) as name:
        found.invite("c", "  ", ParticipantRole.OBSERVER, LATER, HOST, START)
    assert name.value.field == "name"
    with pytest.raises(InvalidValue) as past:
        found.invite("c", "译员", ParticipantRole.OBSERVER, START, HOST, START)
    assert past.value.field == "valid_until"
    assert found.check_invitation("a", START).name == "张三"
    with pytest.raises(ActRefused) as expired:
        found.check_invitation("a", LATER)
    assert expired.value.rule == "expired"
    with pytest.raises(ActRefused) as unknown:
        found.check_invitation("zz", START)
    assert unknown.value.rule == "not_invited"
    found.revoke("b", HOST, START)
    with pytest.raises(ActRefused) as revoked:
        found.check_invitation("b", START)
    assert revoked.value.rule == "revoked"
    with pytest.raises(ActRefused):
        found.revoke("b", HOST, START)
    with pytest.raises(ActRefused):
        found.revoke("host", HOST, START)


def test_joining_resumes_and_replaces() -> None:
    found = session()
    assert found.join("a", "invitation", HOST, START) == 1
    assert found.join("a", "invitation", HOST, START) == 2  # a second connection replaces
    assert not found.leave("a", 1, HOST, START)  # the replaced connection's close is ignored
    assert found.leave("a", 2, HOST, START)
    assert found.join("a", "invitation", HOST, START) == 3  # resumed, same participant
    assert found.participants["a"].present


def test_lobby_joint_session_and_caucus_audience() -> None:
    found = session()
    present(found, "a", "b")
    assert found.audience() == {"a": [], "b": []}  # nobody hosts yet: everyone waits
    present(found, "host")
    assert found.audience() == {"host": [], "a": [], "b": []}  # the lobby sees no one
    with pytest.raises(InvalidValue):
        found.open_caucus(["a"], HOST, START)  # only admitted participants
    found.admit("a", IdentityCheck.ID_DOCUMENT, HOST, START)
    with pytest.raises(ActRefused) as twice:
        found.admit("a", IdentityCheck.ID_DOCUMENT, HOST, START)
    assert twice.value.rule == "already_admitted"
    assert found.audience() == {"host": ["a"], "a": ["host"], "b": []}
    found.admit("b", IdentityCheck.KNOWN_PERSON, HOST, START)
    assert found.audience()["b"] == ["host", "a"]
    found.open_caucus(["a"], HOST, START)
    assert found.audience() == {"host": ["a"], "a": ["host"], "b": []}
    with pytest.raises(ActRefused):
        found.open_caucus(["b"], HOST, START)
    found.close_caucus(HOST, START)
    with pytest.raises(ActRefused):
        found.close_caucus(HOST, START)
    assert sorted(found.audience()["b"]) == ["a", "host"]


def test_removal_recording_and_end() -> None:
    found = session()
    present(found, "host", "a", "b")
    found.admit("a", IdentityCheck.ACCOUNT, HOST, START)
    found.admit("b", IdentityCheck.ACCOUNT, HOST, START)
    found.remove("b", "扰乱秩序", HOST, START)
    assert "b" not in found.audience() and found.audience()["a"] == ["host"]
    with pytest.raises(ActRefused) as removed:
        found.check_invitation("b", START)
    assert removed.value.rule == "removed"
    with pytest.raises(ActRefused):
        found.remove("host", "x", HOST, START)
    with pytest.raises(InvalidValue) as track:
        found.mute("a", "screen", HOST, START)
    assert track.value.field == "track"
    with pytest.raises(ActRefused):
        found.stop_recording([], HOST, START)
    found.start_recording("录制中", HOST, START)
    with pytest.raises(ActRefused):
        found.start_recording("录制中", HOST, START)
    with pytest.raises(ActRefused) as recording:
        found.end(HOST, START)
    assert recording.value.rule == "recording"
    evidence = RecordingFile("a", "video", "/evidence/a.webm", "0" * 64, 1.5, 1234)
    found.stop_recording([evidence], HOST, START)
    assert found.recordings == [evidence]
    found.end(HOST, START)
    assert found.audience() == {}
    with pytest.raises(ActRefused) as ended:
        found.check_invitation("a", START)
    assert ended.value.rule == "ended"
    with pytest.raises(ActRefused):
        found.admit("a", IdentityCheck.ACCOUNT, HOST, START)


def test_an_account_is_invited_once_and_found_by_name() -> None:
    found = session()
    found.invite("c", "张三", ParticipantRole.RESPONDENT, LATER, HOST, START, account="party1")
    participant = found.participant_of("party1")
    assert participant is not None and participant.participant_id == "c"
    assert found.participant_of("party2") is None
    with pytest.raises(InvalidValue) as twice:
        found.invite("d", "张三", ParticipantRole.RESPONDENT, LATER, HOST, START, account="party1")
    assert twice.value.field == "account"
