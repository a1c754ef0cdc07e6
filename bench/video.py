"""Video benchmark: rooms of three (host and two parties) with cheap synthetic peers.

    .venv/bin/python bench/video.py [--fps 30 15] [--max-rooms 8] [--seconds 10]

Publishers send pre-encoded VP8 packets (640x480, made once with PyAV from lavfi's testsrc2)
and subscribers count encoded frames without decoding, so the cost measured is the server's:
the media worker process's CPU time (from /proc) per forwarded stream. Each room forwards six
video streams (every participant to the two others). Rooms are added until a subscriber falls
below 90% of the sent frame rate. The peers run in this process on the same two cores, which
is the ceiling of the measurement; the figures are appended to bench/video.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from aiortc import rtcrtpreceiver
from aiortc.mediastreams import MediaStreamTrack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import record
from tests.support.server import Server, running_server
from tests.video.peers import Peer, until

HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
FIRST_VIDEO: list[float] = []  # seconds from admission until everyone sees everyone


class CountingDecoder:
    """Hands the encoded frame on instead of decoding it: subscribers count, nothing more."""

    def decode(self, encoded_frame: Any) -> list[Any]:
        return [encoded_frame]


rtcrtpreceiver.get_decoder = lambda _codec: CountingDecoder()  # type: ignore[attr-defined,assignment,return-value]


class ClipTrack(MediaStreamTrack):
    """A publisher that costs almost nothing: the clip's encoded packets, read once, sent in
    a loop at the clip's frame rate with rising timestamps (keyframe every second)."""

    kind = "video"

    def __init__(self, packets: list[bytes], fps: int) -> None:
        super().__init__()
        self.packets = packets
        self.fps = fps
        self.sent = 0
        self.started: float | None = None

    async def recv(self) -> Any:
        loop = asyncio.get_running_loop()
        if self.started is None:
            self.started = loop.time()
        wait = self.started + self.sent / self.fps - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        packet = av.Packet(self.packets[self.sent % len(self.packets)])
        packet.pts = packet.dts = self.sent * 90_000 // self.fps
        packet.time_base = Fraction(1, 90_000)
        self.sent += 1
        return packet


def make_clip(path: Path, fps: int, seconds: int = 10) -> list[bytes]:
    if not path.exists():
        _encode_clip(path, fps, seconds)
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def _encode_clip(path: Path, fps: int, seconds: int) -> None:
    source = av.open(f"testsrc2=size=640x480:rate={fps}", format="lavfi")
    out = av.open(str(path), "w")
    stream = out.add_stream("libvpx", rate=fps)
    stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
    stream.bit_rate = 800_000
    stream.options = {"g": str(fps)}  # a keyframe every second, as a browser answers a PLI
    for count, frame in enumerate(source.decode(video=0)):
        if count >= fps * seconds:
            break
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def room(server: Server, clip: list[bytes], fps: int) -> list[Peer]:
    session_id, host_token, mediator = await asyncio.to_thread(server.session)
    tokens = [host_token]
    for name, role in (("甲", "applicant"), ("乙", "respondent")):
        invitation = await asyncio.to_thread(server.invite, session_id, mediator, name, role)
        tokens.append(invitation["token"])
    peers = []
    for token in tokens:
        peer = Peer(server.base, session_id, token, tracks={"video": ClipTrack(clip, fps)})
        await peer.join()
        peers.append(peer)
    host = peers[0]
    admitted = time.monotonic()
    for peer in peers[1:]:
        await host.send(
            {"type": "admit", "participant": peer.participant, "identity_check": "known_person"}
        )
    for peer in peers:
        others = [p.participant for p in peers if p is not peer]
        await until(
            lambda peer=peer, others=others: all(peer.received(o) > 0 for o in others),
            timeout=60,
            what="media in a new room",
        )
    FIRST_VIDEO.append(time.monotonic() - admitted)
    return peers


async def measure(
    server: Server, clip: list[bytes], fps: int, max_rooms: int, seconds: float
) -> Any:
    worker_pid = server.media_pids()[0]
    rooms: list[list[Peer]] = []
    steps = []
    try:
        while len(rooms) < max_rooms:
            rooms.append(await room(server, clip, fps))
            await asyncio.sleep(2)  # settle
            before = {
                (id(peer), o): peer.received(o)
                for peers in rooms
                for peer in peers
                for o in peer.frames
            }
            cpu0, t0 = cpu_seconds(worker_pid), time.monotonic()
            await asyncio.sleep(seconds)
            cpu1, t1 = cpu_seconds(worker_pid), time.monotonic()
            wall = t1 - t0
            rates = [
                (peer.received(o) - before.get((id(peer), o), 0)) / wall
                for peers in rooms
                for peer in peers
                for o in peer.frames
            ]
            streams = len(rooms) * 6
            cpu = (cpu1 - cpu0) / wall
            step = {
                "rooms": len(rooms),
                "forwarded_streams": streams,
                "server_cpu_cores": round(cpu, 3),
                "cpu_per_stream_percent": round(100 * cpu / streams, 2),
                "min_delivered_fps": round(min(rates), 1),
                "mean_delivered_fps": round(sum(rates) / len(rates), 1),
                "all_at_90_percent": min(rates) >= 0.9 * fps,
            }
            print(json.dumps(step), flush=True)
            steps.append(step)
            if not step["all_at_90_percent"]:
                break
    finally:
        for peers in rooms:
            for peer in peers:
                await peer.close()
    carried = [s for s in steps if s["all_at_90_percent"]]
    return {
        "fps": fps,
        "first_video_seconds_max": round(max(FIRST_VIDEO), 2),
        "steps": steps,
        "rooms_carried": carried[-1]["rooms"] if carried else 0,
        "streams_per_core_at_limit": round(
            carried[-1]["forwarded_streams"] / max(carried[-1]["server_cpu_cores"], 0.01), 1
        )
        if carried
        else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fps", type=int, nargs="+", default=[30, 15])
    parser.add_argument("--max-rooms", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    clips = Path(tempfile.gettempdir()) / "tiaojie-bench"
    clips.mkdir(exist_ok=True)
    results = []
    for fps in args.fps:
        clip = make_clip(clips / f"testsrc2-640x480-{fps}-g{fps}.webm", fps)
        with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as server:
            result = asyncio.run(measure(server, clip, fps, args.max_rooms, args.seconds))
        result["target_streams_per_core"] = 24
        result["mode"] = "forward encoded VP8, keyframes from the publisher"
        FIRST_VIDEO.clear()
        result["when"] = datetime.now(UTC).isoformat(timespec="seconds")
        results.append(result)
        print(json.dumps({k: v for k, v in result.items() if k != "steps"}), flush=True)
    record("video.json", *results)


if __name__ == "__main__":
    main()
