"""The OpenAPI document tells the truth about errors: every status an operation can answer, as
RFC 9457 problem details (`application/problem+json`, one schema), and public operations marked
as needing no token.

litestar documents a handler's success and its own 400; what the one error mapping
(api/problems.py) answers besides depends on what kind of operation it is, so it is added here
for each operation after the document is built, from the same facts the app acts on.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)

from api.auth import PUBLIC_PATHS
from api.guards import UNSAFE
from api.problems import MEDIA_TYPE

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="/problems/<kind>"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="validation: each bad field (and the row of a batch)",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                    "row": Schema(type=OpenAPIType.INTEGER),
                },
            ),
        ),
        "act": Schema(type=OpenAPIType.STRING),
        "rule": Schema(type=OpenAPIType.STRING),
        "current_state": Schema(type=OpenAPIType.STRING),
        "field": Schema(type=OpenAPIType.STRING),
    },
    description="RFC 9457 problem details; the kind's extra members where it has them",
)
IDEMPOTENCY_KEY = Parameter(
    name="Idempotency-Key",
    param_in=ParamType.HEADER,
    required=False,
    description="Repeat a change you did not hear the answer to under the same key: you get "
    "the first answer (kept 24 hours), not a second change",
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
)
MEANINGS = {
    400: "invalid request: the fields at fault are named; nothing changed",
    401: "no valid session (sign in)",
    403: "visible, but not this role's act",
    404: "no such resource, or none this user may see",
    409: "refused in this state, taken, or changed concurrently",
    413: "body too large",
    422: "this Idempotency-Key was used for another request",
    415: "the body is not JSON",
    429: "too many tries: wait (Retry-After)",
    503: "the database or a configured institution is unavailable (Retry-After when it will "
    "be back)",
}
_PUBLIC = [re.compile(f"^{pattern}") for pattern in PUBLIC_PATHS]


def _public(handler: HTTPRouteHandler, path: str) -> bool:
    return bool(handler.opt.get("exclude_from_auth")) or any(p.match(path) for p in _PUBLIC)


def _statuses(handler: HTTPRouteHandler, path: str, method: str) -> set[int]:
    found = {400, 404}
    if not _public(handler, path):
        found |= {401, 403}
    if method in UNSAFE:
        found |= {409, 413} | (set() if _public(handler, path) else {422})
        if handler.parsed_data_field is not None:
            found.add(415)
    if handler.middleware:  # the sign-in and claim routes' rate limits
        found.add(429)
    return found | set(handler.opt.get("problems", ()))  # what a handler says it answers


def _problem(status: int) -> OpenAPIResponse:
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    if status == 429:
        headers = {"Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER))}
    return OpenAPIResponse(
        description=MEANINGS[status],
        headers=headers,
        content={MEDIA_TYPE: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))},
    )


def document_problems(app: Litestar) -> None:
    """Add each operation's error answers (and `security: []` for public ones) to the app's
    OpenAPI document, once, before it is first served."""
    openapi = app.openapi_schema
    assert openapi.components is not None
    for schema in (openapi.components.schemas or {}).values():
        if schema.properties is not None:  # every request body forbids unknown fields
            schema.additional_properties = False
    openapi.components.schemas = {**(openapi.components.schemas or {}), "Problem": PROBLEM}
    plugin: Any = app.plugins.get("OpenAPIPlugin")
    for route in plugin.included_routes.values():
        path = route.path_format or "/"
        item = (openapi.paths or {}).get(path)
        if item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation: Operation | None = getattr(item, method.lower(), None)
                if operation is None:
                    continue
                responses = dict(operation.responses or {})
                if "204" in responses and isinstance(responses["204"], OpenAPIResponse):
                    responses["204"].content = None  # no content means no media type
                for status in sorted(_statuses(handler, path, method)):
                    responses[str(status)] = _problem(status)
                operation.responses = responses
                if method in UNSAFE and path.startswith("/api/") and not _public(handler, path):
                    operation.parameters = [*(operation.parameters or []), IDEMPOTENCY_KEY]
                if _public(handler, path):
                    operation.security = []
