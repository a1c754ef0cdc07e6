"""`Idempotency-Key` on every change through `/api`: the first answer is kept (24 hours) and
given again to a repeat of the same request under the same key; the key with another request
is a 422, a repeat while the first still runs a 409.

The key belongs to the caller (the account a valid bearer token names), so nobody reads
another's answers; requests without one (sign-in, claims) are not kept. A request that fails
with a server error releases its key, so it can be tried again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

import anyio
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Message,
    Receive,
    Scope,
    Send,
)

from api.guards import UNSAFE
from api.problems import MEDIA_TYPE
from application.bootstrap import Platform
from application.shared.idempotency import Kept

HEADER = b"idempotency-key"
LARGEST_BODY = 24 * 1024 * 1024  # the largest any route accepts (a certificate to verify)


async def _problem(send: Send, status: int, kind: str, detail: str) -> None:
    body = json.dumps(
        {"type": f"/problems/{kind}", "title": detail, "status": status, "detail": detail}
    ).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", MEDIA_TYPE.encode())],
    }
    await send(start)
    done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(done)


class IdempotencyKeys(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def _owner(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """The account a valid bearer token names (None: no one's, nothing is kept)."""
        encoded = headers.get(b"authorization", b"").decode().partition(" ")[2]
        if not encoded:
            return None
        auth = scope["app"].state.auth
        try:
            token = auth.token_cls.decode(encoded, auth.token_secret, auth.algorithm)
        except Exception:  # noqa: BLE001 (the request itself is refused as unauthenticated)
            return None
        return str(token.sub)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        http = cast(HTTPScope, scope)
        headers = dict(http["headers"])
        key = headers.get(HEADER, b"").decode(errors="replace").strip()
        owner = self._owner(scope, headers) if key else None
        if owner is None or http["method"] not in UNSAFE or not http["path"].startswith("/api/"):
            await next_app(scope, receive, send)
            return
        if len(key) > 255 or not key.isprintable():
            await _problem(send, 400, "validation", "Idempotency-Key: 1-255 printable characters")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = cast(HTTPRequestEvent, await receive())
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > LARGEST_BODY:  # never buffer more than any route takes
                await _problem(send, 413, "too-large", "the request body is too large")
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        request = hashlib.sha256(http["method"].encode() + http["path"].encode() + b"\n" + body)
        keys = self.platform.idempotency
        now = self.platform.center.clock()
        kept: Kept | None = await anyio.to_thread.run_sync(
            keys.claim, owner, key, request.hexdigest(), now
        )
        if kept is not None:
            await self._again(kept, request.hexdigest(), send)
            return
        answer: dict[str, Any] = {"status": 500, "media_type": "", "body": []}

        async def replay() -> HTTPRequestEvent:
            return {"type": "http.request", "body": body, "more_body": False}

        async def keeping(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["media_type"] = dict(message.get("headers", [])).get(b"content-type", b"")
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))
            await send(message)

        try:
            await next_app(scope, replay, keeping)
        finally:
            if answer["status"] >= 500:
                await anyio.to_thread.run_sync(keys.release, owner, key)
            else:
                await anyio.to_thread.run_sync(
                    keys.answer,
                    owner,
                    key,
                    answer["status"],
                    answer["media_type"].decode(),
                    b"".join(answer["body"]),
                )

    async def _again(self, kept: Kept, request_sha256: str, send: Send) -> None:
        if kept.request_sha256 != request_sha256:
            await _problem(
                send,
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used for another request",
            )
            return
        if kept.status is None:
            await _problem(
                send, 409, "in-progress", "a request with this Idempotency-Key is still running"
            )
            return
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": kept.status,
            "headers": [
                (b"content-type", (kept.media_type or "application/json").encode()),
                (b"idempotent-replayed", b"true"),
            ],
        }
        await send(start)
        done: HTTPResponseBodyEvent = {
            "type": "http.response.body",
            "body": kept.body or b"",
            "more_body": False,
        }
        await send(done)
