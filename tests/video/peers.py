"""Real aiortc peers that join a running server's sessions over its WebSocket, counting the
frames they receive from each publisher."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any

import websockets
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import (
    AudioStreamTrack,
    MediaStreamError,
    MediaStreamTrack,
    VideoStreamTrack,
)

from video.network import offer_host_addresses

offer_host_addresses(["127.0.0.1"])  # this process's peers too offer loopback only
for noisy in ("aioice", "aiortc"):
    logging.getLogger(noisy).setLevel(logging.WARNING)


class Peer:
    """One participant: its WebSocket, its peer connection, what it received."""

    def __init__(
        self,
        base: str,
        session_id: str,
        token: str | None,
        tracks: dict[str, MediaStreamTrack] | None = None,
        cookie: str | None = None,
    ) -> None:
        self.url = f"{base.replace('http', 'ws', 1)}/api/video_sessions/{session_id}/ws"
        self.token = token
        self.cookie = cookie
        self.ws: Any = None
        self.pc: RTCPeerConnection | None = None
        self.participant: str | None = None
        self.messages: list[dict[str, Any]] = []
        self.frames: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.streams: dict[str, str] = {}
        self.closed: asyncio.Event = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._tracks = (
            {"video": VideoStreamTrack(), "audio": AudioStreamTrack()} if tracks is None else tracks
        )

    async def join(self) -> dict[str, Any]:
        """Connect and join; the server's first answer (welcome, or an error)."""
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(self.url, max_size=2**22, additional_headers=headers)
        join = {"type": "join", "token": self.token} if self.token else {"type": "join"}
        await self.ws.send(json.dumps(join))
        first = json.loads(await self.ws.recv())
        self.messages.append(first)
        if first["type"] == "welcome":
            self.participant = first["participant"]
            self.pc = RTCPeerConnection(
                RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
            )
            self.pc.on("track", self._on_track)
            self._spawn(self._read())
        return first

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                self.messages.append(message)
                if message["type"] == "offer":
                    try:
                        await self._answer(message)
                    except Exception as error:
                        self.messages.append({"type": "client_error", "detail": repr(error)})
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def _answer(self, message: dict[str, Any]) -> None:
        assert self.pc is not None
        self.streams.update(message["streams"])
        await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
        for transceiver in self.pc.getTransceivers():
            track = self._tracks.get(transceiver.kind)
            if transceiver.mid not in self.streams and transceiver.sender.track is None and track:
                transceiver.direction = "sendonly"
                transceiver.sender.replaceTrack(track)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.ws.send(json.dumps({"type": "answer", "sdp": self.pc.localDescription.sdp}))

    def _on_track(self, track: Any) -> None:
        assert self.pc is not None
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
        self._spawn(self._count(self.streams.get(mid, "?"), track))

    async def _count(self, publisher: str, track: Any) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames[publisher][track.kind] += 1

    def received(self, publisher: str | None, kind: str = "video") -> int:
        if publisher is None:
            return sum(sum(kinds.values()) for kinds in self.frames.values())
        return self.frames[publisher][kind]

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    def last(self, kind: str) -> dict[str, Any] | None:
        return next((m for m in reversed(self.messages) if m["type"] == kind), None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.pc is not None:
            await self.pc.close()
        for task in list(self._tasks):
            task.cancel()


async def until(condition: Any, timeout: float = 15.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not condition():
        if loop.time() > give_up:
            msg = f"timed out waiting for {what}"
            raise AssertionError(msg)
        await asyncio.sleep(0.05)


async def until_stable(
    value: Any, quiet: float = 1.0, timeout: float = 15.0, what: str = "value"
) -> Any:
    """Wait until `value()` has not changed for `quiet` seconds (frames in flight have landed);
    the settled value."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    last, since = value(), loop.time()
    while loop.time() - since < quiet:
        if loop.time() > give_up:
            msg = f"{what} kept changing"
            raise AssertionError(msg)
        await asyncio.sleep(0.05)
        now = value()
        if now != last:
            last, since = now, loop.time()
    return last
