"""What the API answers about video sessions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain.shared.video_session import VideoSession


class ParticipantOut(msgspec.Struct):
    id: str
    name: str
    role: str
    admitted: bool
    present: bool
    removed: bool
    revoked: bool
    in_caucus: bool


class RecordingOut(msgspec.Struct):
    participant_id: str
    track: str
    file: str
    sha256: str
    duration_seconds: float
    size_bytes: int


class SessionOut(msgspec.Struct):
    id: UUID
    case_id: UUID
    title: str
    starts_at: datetime
    state: str
    host_id: str
    participants: list[ParticipantOut]
    caucus: list[str]
    recording: bool
    recordings: list[RecordingOut]


class InvitationOut(msgspec.Struct):
    session: SessionOut
    participant_id: str
    token: str
    link: str


class HostTokenOut(msgspec.Struct):
    token: str
    link: str


def session_out(found: VideoSession) -> SessionOut:
    return SessionOut(
        id=found.id,
        case_id=found.subject_id,
        title=found.title,
        starts_at=found.starts_at,
        state=str(found.state),
        host_id=found.host_id,
        participants=[
            ParticipantOut(
                p.participant_id,
                p.name,
                str(p.role),
                p.admitted,
                p.present,
                p.removed,
                p.revoked,
                p.participant_id in found.caucus,
            )
            for p in found.participants.values()
        ],
        caucus=found.caucus,
        recording=found.recording,
        recordings=[
            RecordingOut(
                r.participant_id, r.track, r.file, r.sha256, r.duration_seconds, r.size_bytes
            )
            for r in found.recordings
        ],
    )
