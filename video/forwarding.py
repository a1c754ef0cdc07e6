"""Forwarding encoded video without re-encoding it, and recording it without decoding it.

aiortc decodes every received frame and encodes it again for every subscriber (about 8
forwarded 640x480@30 streams per core here). In a media worker the video receivers instead
hand on the encoded VP8 frame as an `av.Packet`, which aiortc's sender packetizes as it is;
all video is negotiated as VP8 so the codecs always match. Without an encoder per subscriber a
keyframe can only come from the publisher: a subscriber that needs one (it just started
receiving, or it lost a picture and sent a PLI) is answered by a PLI sent to the publisher.
This relies on aiortc internals (the receiver's `get_decoder`, `_send_rtcp_pli`, the sender's
`_send_keyframe`), pinned to aiortc 1.16.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from aiortc import RTCRtpReceiver, rtcrtpreceiver
from aiortc.codecs import get_decoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

VIDEO_TIME_BASE = Fraction(1, 90_000)
KEYFRAME_INTERVAL = 0.3  # seconds between keyframe requests to one publisher


class EncodedVideo:
    """A 'decoder' that hands the encoded frame on as a packet (in 90 kHz time)."""

    def decode(self, encoded_frame: Any) -> list[Any]:
        packet = av.Packet(encoded_frame.data)
        packet.pts = packet.dts = encoded_frame.timestamp
        packet.time_base = VIDEO_TIME_BASE
        return [packet]


def install() -> None:
    """Process-wide, in media workers only: video is forwarded encoded, audio still decoded."""

    def choose(codec: Any) -> Any:
        if codec.mimeType.lower().startswith("video/"):
            return EncodedVideo()
        return get_decoder(codec)

    rtcrtpreceiver.get_decoder = choose  # type: ignore[attr-defined]


def is_vp8_keyframe(data: bytes) -> bool:
    return len(data) >= 10 and not data[0] & 1 and data[3:6] == b"\x9d\x01\x2a"


class KeyframeRequests:
    """PLI to a publisher's video receiver: at most one per KEYFRAME_INTERVAL, and a request
    that comes sooner is sent when the interval ends (coalesced, never dropped)."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}
        self._delayed: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self, receiver: RTCRtpReceiver | None) -> None:
        if receiver is None or id(receiver) in self._delayed:
            return
        wait = self._last.get(id(receiver), 0.0) + KEYFRAME_INTERVAL - time.monotonic()
        if wait > 0:
            self._delayed.add(id(receiver))
        task = asyncio.ensure_future(self._send(receiver, max(wait, 0.0)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, receiver: RTCRtpReceiver, wait: float) -> None:
        if wait:
            await asyncio.sleep(wait)
            self._delayed.discard(id(receiver))
        self._last[id(receiver)] = time.monotonic()
        ssrcs = list(getattr(receiver, "_RTCRtpReceiver__active_ssrc", {}))
        for ssrc in ssrcs[-1:]:
            with contextlib.suppress(ConnectionError):
                await receiver._send_rtcp_pli(ssrc)


class PacketRecorder:
    """Writes a forwarded VP8 track into a WebM file as it arrives, from its first keyframe."""

    def __init__(self, path: Path, track: MediaStreamTrack) -> None:
        self.path = path
        self.track = track
        self._task: asyncio.Task[None] | None = None
        self._container: Any = None
        self.written = 0  # frames in the file so far (from the first keyframe)

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        stream = None
        first = 0
        with contextlib.suppress(MediaStreamError):
            while True:
                packet: Any = await self.track.recv()
                data = bytes(packet)
                if stream is None:
                    if not is_vp8_keyframe(data):
                        continue
                    self._container = av.open(str(self.path), "w", format="webm")
                    stream = self._container.add_stream("libvpx", rate=30)
                    stream.width = int.from_bytes(data[6:8], "little") & 0x3FFF
                    stream.height = int.from_bytes(data[8:10], "little") & 0x3FFF
                    stream.pix_fmt = "yuv420p"
                    stream.time_base = VIDEO_TIME_BASE
                    first = packet.pts or 0
                copy = av.Packet(data)
                copy.pts = copy.dts = (packet.pts or 0) - first
                copy.time_base = VIDEO_TIME_BASE
                copy.stream = stream
                self._container.mux(copy)
                self.written += 1

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.track.stop()
        if self._container is not None:
            self._container.close()


class CountingTrack(MediaStreamTrack):
    """Passes a track's frames on and counts them: how much a recording holds so far."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self._source = source
        self.frames = 0

    async def recv(self) -> Any:
        frame = await self._source.recv()
        self.frames += 1
        return frame

    def stop(self) -> None:
        super().stop()
        self._source.stop()
