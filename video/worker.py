"""A media worker process: rooms placed on it by the API, driven over a Unix socket.

    python -m video.worker --socket PATH --evidence DIR [--host-address 127.0.0.1 ...]

Messages are JSON lines. The API sends requests `{"id", "op", "room", ...}` and gets
`{"id", "ok": true, ...}` or `{"id", "ok": false, "error"}`; the worker also sends events
without an id: `{"event": "offer" | "connection", "room", "participant", ...}`. Media work
(ICE, DTLS, decoding, encoding, recording) stays in this process, so a busy room cannot stall
the API's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
from pathlib import Path
from typing import Any

from video import forwarding
from video.network import ice_servers, offer_host_addresses
from video.room import Room

log = logging.getLogger("tiaojie.video.worker")


class Worker:
    def __init__(self, evidence_dir: Path, servers: list[Any]) -> None:
        self.evidence_dir = evidence_dir
        self.servers = servers
        self.rooms: dict[str, Room] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._write_lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        if self._writer is None:
            return
        async with self._write_lock:
            self._writer.write(json.dumps(message).encode() + b"\n")
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()

    def room(self, room_id: str) -> Room:
        if room_id not in self.rooms:
            self.rooms[room_id] = Room(room_id, self.send, self.servers, self.evidence_dir)
        return self.rooms[room_id]

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op, room_id = request["op"], request.get("room", "")
        if op == "ping":
            return {"rooms": len(self.rooms)}
        room = self.room(room_id)
        if op == "connect":
            return await room.connect(request["participant"], request["connection"])
        if op == "answer":
            await room.answer(request["participant"], request["connection"], request["sdp"])
            return {}
        if op == "disconnect":
            await room.disconnect(request["participant"], request["connection"])
            return {}
        if op == "audience":
            room.set_audience(request["audience"])
            return {}
        if op == "record_start":
            await room.start_recording()
            return {}
        if op == "record_stop":
            files = await room.stop_recording()
            return {"files": [dataclasses.asdict(f) for f in files]}
        if op == "stats":
            return {"stats": room.stats(), "recorded": room.recorded()}
        if op == "close":
            await room.close()
            self.rooms.pop(room_id, None)
            return {}
        msg = f"unknown op {op}"
        raise ValueError(msg)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One API connection at a time; requests run concurrently, answers carry their id."""
        self._writer = writer
        tasks: set[asyncio.Task[None]] = set()
        while line := await reader.readline():
            task = asyncio.ensure_future(self._answer(json.loads(line)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        self._writer = None

    async def _answer(self, request: dict[str, Any]) -> None:
        try:
            result = await self.handle(request)
        except Exception as error:
            log.exception("request %s failed", request.get("op"))
            await self.send({"id": request.get("id"), "ok": False, "error": str(error)})
        else:
            await self.send({"id": request.get("id"), "ok": True, **result})


async def main(socket_path: Path, evidence_dir: Path, servers: list[Any]) -> None:
    worker = Worker(evidence_dir, servers)
    server = await asyncio.start_unix_server(worker.serve, path=str(socket_path), limit=2**22)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    for room in list(worker.rooms.values()):
        await room.close()


def run() -> None:
    parser = argparse.ArgumentParser(prog="python -m video.worker")
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--evidence", type=Path, required=True)
    parser.add_argument("--host-address", action="append", default=[])
    parser.add_argument("--ice-server", action="append", default=[])
    parser.add_argument("--ice-username")
    parser.add_argument("--ice-credential")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    offer_host_addresses(args.host_address)
    forwarding.install()
    servers = ice_servers(args.ice_server, args.ice_username, args.ice_credential)
    asyncio.run(main(args.socket, args.evidence, servers))


if __name__ == "__main__":
    run()
