"""A room of the media plane: one peer connection per participant, media relayed by audience.

Each subscriber gets, for each other participant, an audio and a video sender fed by a `Slot`:
a track that passes a publisher's frames only while the room's audience allows it, and sends
nothing otherwise (no black frames, no silence). Slots never end, so a publisher who reconnects
is plugged into the same senders without renegotiation; renegotiation is needed only when a
subscriber has no senders yet for a new publisher, and it is driven by the server, one offer at
a time per connection. The room knows nothing of sessions, tokens or events: it is told the
audience (who receives from whom) and reports what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRecorder, MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from video.forwarding import CountingTrack, KeyframeRequests, PacketRecorder

log = logging.getLogger("tiaojie.video")
KINDS = ("audio", "video")

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class Slot(MediaStreamTrack):
    """A publisher's track as one subscriber may receive it. While the audience allows it, the
    slot reads its own relay subscription of the publisher's track (asking for a keyframe when
    it starts); otherwise it holds no subscription and sends nothing. It never ends by
    itself: a publisher who reconnects is plugged in again."""

    def __init__(self, kind: str, relay: MediaRelay, started: Callable[[], None]) -> None:
        super().__init__()
        self.kind = kind
        self.publisher_track: MediaStreamTrack | None = None
        self.open = False
        self.forwarded = 0
        self._relay = relay
        self._started = started
        self._proxy: MediaStreamTrack | None = None
        self._changed = asyncio.Event()

    def plug(self, track: MediaStreamTrack | None) -> None:
        self.publisher_track = track
        self._reset()

    def set_open(self, value: bool) -> None:
        if value != self.open:
            self.open = value
            self._reset()

    def _reset(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.stop()
            queue = getattr(proxy, "_queue", None)
            if queue is not None:
                queue.put_nowait(None)  # wakes a recv() waiting on the stopped subscription
        self._changed.set()

    async def recv(self) -> Any:
        while True:
            if self._proxy is None:
                track = self.publisher_track
                if self.open and track is not None and track.readyState == "live":
                    self._proxy = self._relay.subscribe(track, buffered=True)
                    self._started()
                else:
                    self._changed.clear()
                    await self._changed.wait()
                    continue
            proxy = self._proxy
            try:
                frame = await proxy.recv()
            except MediaStreamError:
                if self._proxy is proxy:
                    self._proxy = None
                    if self.publisher_track is not None and (
                        self.publisher_track.readyState != "live"
                    ):
                        self.publisher_track = None
                continue
            if proxy is self._proxy:
                self.forwarded += 1
                return frame


@dataclass
class Member:
    participant_id: str
    connection: int
    pc: RTCPeerConnection
    tracks: dict[str, MediaStreamTrack] = field(default_factory=dict)  # what they publish
    receivers: dict[str, RTCRtpReceiver] = field(default_factory=dict)
    slots: dict[str, dict[str, Slot]] = field(default_factory=dict)  # publisher -> kind -> slot
    streams: dict[str, str] = field(default_factory=dict)  # mid -> publisher
    negotiating: bool = False
    renegotiate: bool = False


@dataclass
class RecordedFile:
    participant_id: str
    track: str
    file: str
    sha256: str
    duration_seconds: float
    size_bytes: int


class Room:
    def __init__(
        self,
        room_id: str,
        emit: Emit,
        ice_servers: list[RTCIceServer],
        evidence_dir: Path,
    ) -> None:
        self.room_id = room_id
        self._emit = emit
        self._ice_servers = ice_servers
        self._evidence_dir = evidence_dir
        self.members: dict[str, Member] = {}
        self.audience: dict[str, list[str]] = {}
        self._relay = MediaRelay()
        self._keyframes = KeyframeRequests()
        self._recorders: list[
            tuple[MediaRecorder | PacketRecorder, str, str, Path, float, Callable[[], int]]
        ] = []
        self.recording = False
        self._tasks: set[asyncio.Task[None]] = set()

    # --- connections ----------------------------------------------------------------------

    async def connect(self, participant_id: str, connection: int) -> dict[str, Any]:
        """A new peer connection for the participant (replacing any earlier one); the
        server's first offer."""
        old = self.members.pop(participant_id, None)
        if old is not None:
            await old.pc.close()
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=self._ice_servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        member = Member(participant_id, connection, pc)
        self.members[participant_id] = member
        for kind in KINDS:
            _prefer_vp8(pc.addTransceiver(kind, direction="recvonly"))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._published(member, track)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if self.members.get(participant_id) is member:
                await self._emit(
                    {
                        "event": "connection",
                        "room": self.room_id,
                        "participant": participant_id,
                        "connection": connection,
                        "state": pc.connectionState,
                    }
                )

        for publisher_id in self.members:
            if publisher_id != participant_id:
                self._add_senders(member, publisher_id)
        self._apply_audience()
        return await self._offer(member)

    async def disconnect(self, participant_id: str, connection: int) -> None:
        member = self.members.get(participant_id)
        if member is None or member.connection != connection:
            return
        del self.members[participant_id]
        for track in member.tracks.values():
            track.stop()
        await member.pc.close()
        for other in self.members.values():
            for slot in other.slots.get(participant_id, {}).values():
                slot.plug(None)

    async def close(self) -> None:
        await self.stop_recording()
        for member in list(self.members.values()):
            await member.pc.close()
        self.members.clear()

    # --- negotiation ----------------------------------------------------------------------

    async def _offer(self, member: Member) -> dict[str, Any]:
        member.negotiating = True
        member.renegotiate = False
        offer = await member.pc.createOffer()
        await member.pc.setLocalDescription(offer)
        streams = {}
        for transceiver in member.pc.getTransceivers():
            sender_track = transceiver.sender.track
            if isinstance(sender_track, Slot) and transceiver.mid is not None:
                publisher = next(
                    p for p, slots in member.slots.items() if sender_track in slots.values()
                )
                streams[transceiver.mid] = publisher
        member.streams = streams
        description = member.pc.localDescription
        return {"sdp": description.sdp, "type": description.type, "streams": streams}

    async def answer(self, participant_id: str, connection: int, sdp: str) -> None:
        member = self.members.get(participant_id)
        if member is None or member.connection != connection or not member.negotiating:
            msg = "no offer is waiting for an answer on this connection"
            raise ValueError(msg)
        await member.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        member.negotiating = False
        if member.renegotiate:
            await self._renegotiate(member)

    async def _renegotiate(self, member: Member) -> None:
        """Server-driven: one offer at a time per connection."""
        if member.negotiating:
            member.renegotiate = True
            return
        offer = await self._offer(member)
        await self._emit(
            {
                "event": "offer",
                "room": self.room_id,
                "participant": member.participant_id,
                "connection": member.connection,
                **offer,
            }
        )

    def _add_senders(self, subscriber: Member, publisher_id: str) -> bool:
        if publisher_id in subscriber.slots:
            return False
        slots = {
            kind: Slot(kind, self._relay, lambda: self._keyframe(publisher_id)) for kind in KINDS
        }
        subscriber.slots[publisher_id] = slots
        for kind, slot in slots.items():
            transceiver = subscriber.pc.addTransceiver(slot, direction="sendonly")
            _prefer_vp8(transceiver)
            if kind == "video":
                # The subscriber lost a picture: only the publisher can send a keyframe.
                transceiver.sender._send_keyframe = lambda: self._keyframe(publisher_id)  # type: ignore[method-assign]
            publisher = self.members.get(publisher_id)
            if publisher is not None:
                slot.plug(publisher.tracks.get(kind))
        return True

    def _keyframe(self, publisher_id: str) -> None:
        publisher = self.members.get(publisher_id)
        if publisher is not None:
            self._keyframes.request(publisher.receivers.get("video"))

    def _published(self, member: Member, track: MediaStreamTrack) -> None:
        member.tracks[track.kind] = track
        member.receivers[track.kind] = next(
            t.receiver for t in member.pc.getTransceivers() if t.receiver.track is track
        )
        for other in self.members.values():
            if other is member:
                continue
            if self._add_senders(other, member.participant_id):
                self._spawn(self._renegotiate(other))
            else:
                other.slots[member.participant_id][track.kind].plug(track)
        self._apply_audience()
        if self.recording:  # a late joiner, or a reconnect, is recorded too
            self._spawn(self._record(member.participant_id, track))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the audience ----------------------------------------------------------------------

    def set_audience(self, audience: dict[str, list[str]]) -> None:
        self.audience = audience
        self._apply_audience()

    def _apply_audience(self) -> None:
        for subscriber_id, member in self.members.items():
            allowed = set(self.audience.get(subscriber_id, ()))
            for publisher_id, slots in member.slots.items():
                for slot in slots.values():
                    slot.set_open(publisher_id in allowed)

    def stats(self) -> dict[str, dict[str, dict[str, int]]]:
        """Frames forwarded to each subscriber from each publisher, by kind."""
        return {
            subscriber_id: {
                publisher_id: {kind: slot.forwarded for kind, slot in slots.items()}
                for publisher_id, slots in member.slots.items()
            }
            for subscriber_id, member in self.members.items()
        }

    # --- recording --------------------------------------------------------------------------

    async def start_recording(self) -> None:
        self.recording = True
        for member in list(self.members.values()):
            for track in list(member.tracks.values()):
                await self._record(member.participant_id, track)

    async def _record(self, participant_id: str, track: MediaStreamTrack) -> None:
        directory = self._evidence_dir / self.room_id
        directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = directory / f"{participant_id}-{track.kind}-{stamp}-{uuid.uuid4().hex[:8]}.webm"
        # Claim the name exclusively: evidence is never overwritten.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640))
        subscription = self._relay.subscribe(track, buffered=True)
        recorder: MediaRecorder | PacketRecorder
        written: Callable[[], int]
        if track.kind == "video":
            packets = PacketRecorder(path, subscription)  # forwarded encoded: remuxed as is
            recorder, written = packets, lambda: packets.written
            self._keyframe(participant_id)
        else:
            counted = CountingTrack(subscription)
            recorder, written = MediaRecorder(str(path), format="webm"), lambda: counted.frames
            recorder.addTrack(counted)
        await recorder.start()
        self._recorders.append(
            (recorder, participant_id, track.kind, path, time.monotonic(), written)
        )

    def recorded(self) -> dict[str, dict[str, int]]:
        """Frames written so far to each participant's running recordings, by kind."""
        found: dict[str, dict[str, int]] = {}
        for _, participant_id, kind, _, _, written in self._recorders:
            found.setdefault(participant_id, {})[kind] = written()
        return found

    async def stop_recording(self) -> list[RecordedFile]:
        self.recording = False
        recorders, self._recorders = self._recorders, []
        files = []
        for recorder, participant_id, kind, path, started, _ in recorders:
            with contextlib.suppress(Exception):
                await recorder.stop()
            duration = time.monotonic() - started
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            path.chmod(0o440)
            files.append(
                RecordedFile(
                    participant_id,
                    kind,
                    str(path),
                    digest,
                    round(duration, 3),
                    path.stat().st_size,
                )
            )
        return files


def _prefer_vp8(transceiver: RTCRtpTransceiver) -> None:
    """Every video line VP8: forwarded packets are only valid where both ends use one codec."""
    if transceiver.kind == "video":
        capabilities = RTCRtpSender.getCapabilities("video")
        transceiver.setCodecPreferences(
            [c for c in capabilities.codecs if c.mimeType in ("video/VP8", "video/rtx")]
        )
