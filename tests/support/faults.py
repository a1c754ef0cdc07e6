"""A TCP proxy between the server and PostgreSQL that loses the reply to a write: the write is
committed, the server never hears so (a network fault the application must see through).

Events are written by one statement in autocommit (the recorder's insert function), so the
write to lose is recognised by what it carries: a stored event's topic (`domain.` ...)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class CommitReplyDropper:
    """Forwards everything; while `armed` > 0, the reply to the next write carrying `marker`
    is swallowed and the connection cut (after PostgreSQL has committed it)."""

    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.armed = 0
        self.dropped = 0
        self.marker = b"domain."
        self._lock = threading.Lock()
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, times: int = 1) -> None:
        with self._lock:
            self.armed += times

    def close(self) -> None:
        self._closing = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            committing = threading.Event()
            threading.Thread(
                target=self._up, args=(client, server, committing), daemon=True
            ).start()
            threading.Thread(
                target=self._down, args=(server, client, committing), daemon=True
            ).start()

    def _up(
        self, client: socket.socket, server: socket.socket, committing: threading.Event
    ) -> None:
        with contextlib.suppress(OSError):
            while chunk := client.recv(65536):
                if self.marker in chunk:
                    with self._lock:
                        if self.armed:
                            self.armed -= 1
                            committing.set()
                server.sendall(chunk)
        _close(client, server)

    def _down(
        self, server: socket.socket, client: socket.socket, committing: threading.Event
    ) -> None:
        with contextlib.suppress(OSError):
            while chunk := server.recv(65536):
                if committing.is_set():
                    self.dropped += 1
                    break  # the commit's reply goes nowhere
                client.sendall(chunk)
        _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for each in sockets:
        with contextlib.suppress(OSError):
            each.shutdown(socket.SHUT_RDWR)
        each.close()


@contextlib.contextmanager
def commit_reply_dropper() -> Iterator[CommitReplyDropper]:
    proxy = CommitReplyDropper()
    try:
        yield proxy
    finally:
        proxy.close()
