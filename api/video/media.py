"""The API's side of the media plane: worker processes, room placement and their channel.

Each media worker is a child process (`python -m video.worker`) listening on a Unix socket in
the data directory; a room is placed on a worker by a stable hash of its ID, so every
participant of a session meets on the same worker. Requests are JSON lines answered by id;
events (server offers, connection states) go to `on_event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import subprocess
import sys
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from application.shared.settings import Settings

OnEvent = Callable[[dict[str, Any]], Awaitable[None]]


class MediaUnavailable(Exception):
    """No media worker answered (none configured, or it died)."""


class MediaWorker:
    def __init__(self, index: int, socket_path: Path, on_event: OnEvent) -> None:
        self.index = index
        self.socket_path = socket_path
        self.on_event = on_event
        self.process: subprocess.Popen[bytes] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    def spawn(self, settings: Settings, evidence_dir: Path) -> None:
        self.socket_path.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "video.worker",
            "--socket",
            str(self.socket_path),
            "--evidence",
            str(evidence_dir),
        ]
        for address in settings.media_host_addresses:
            command += ["--host-address", address]
        for server in settings.ice_servers:
            command += ["--ice-server", server]
        if settings.ice_username:
            command += ["--ice-username", settings.ice_username]
        if settings.ice_credential:
            command += ["--ice-credential", settings.ice_credential]
        self.process = subprocess.Popen(command)  # noqa: S603 (our own module)

    async def connect(self, timeout: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(
                    str(self.socket_path), limit=2**22
                )
                break
            except OSError:
                if loop.time() > give_up or (self.process and self.process.poll() is not None):
                    msg = f"media worker {self.index} did not start"
                    raise MediaUnavailable(msg) from None
                await asyncio.sleep(0.05)
        self._writer = writer
        self._reader_task = asyncio.ensure_future(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            message = json.loads(line)
            waiting = self._waiting.pop(message["id"], None) if message.get("id") else None
            if waiting is not None and not waiting.done():
                waiting.set_result(message)
            elif "event" in message:
                with contextlib.suppress(Exception):
                    await self.on_event(message)
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(MediaUnavailable(f"media worker {self.index} went away"))
        self._waiting.clear()
        self._writer = None

    async def request(self, op: str, **fields: Any) -> dict[str, Any]:
        if self._writer is None:
            msg = f"media worker {self.index} is not connected"
            raise MediaUnavailable(msg)
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        self._writer.write(json.dumps({"id": request_id, "op": op, **fields}).encode() + b"\n")
        await self._writer.drain()
        answer = await asyncio.wait_for(future, timeout=30)
        if not answer.get("ok"):
            raise MediaUnavailable(str(answer.get("error")))
        return answer

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.socket_path.unlink(missing_ok=True)


class MediaWorkers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.evidence_dir = settings.evidence_dir or settings.data_dir / "evidence"
        self.workers: list[MediaWorker] = []
        self.on_event: OnEvent | None = None

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if self.on_event is not None:
            await self.on_event(message)

    async def start(self) -> None:
        runtime = self.settings.data_dir / "run"
        runtime.mkdir(parents=True, exist_ok=True)
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        for index in range(self.settings.media_workers):
            worker = MediaWorker(index, runtime / f"media-{index}.sock", self._dispatch)
            worker.spawn(self.settings, self.evidence_dir)
            self.workers.append(worker)
        await asyncio.gather(*(worker.connect() for worker in self.workers))

    def place(self, room: str) -> MediaWorker:
        """The worker a room lives on: a stable hash, the same in every API process."""
        if not self.workers:
            msg = "no media workers (TIAOJIE_MEDIA_WORKERS=0)"
            raise MediaUnavailable(msg)
        return self.workers[zlib.crc32(room.encode()) % len(self.workers)]

    async def request(self, room: str, op: str, **fields: Any) -> dict[str, Any]:
        return await self.place(room).request(op, room=room, **fields)

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))
        self.workers.clear()
