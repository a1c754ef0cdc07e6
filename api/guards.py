"""What every request meets before its handler: a clean path, and for changes through the API a
JSON body that is decoded strictly (no "100" for 100) and not nested past what a record holds.

litestar converts request data leniently (strings to numbers); the data rules ask for strict
types at the JSON API, so the body is decoded once here against the handler's own type, and a
mismatch is the same 400 naming the field as any other.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def check_request(request: Request[Any, Any, Any]) -> None:
    path = request.scope["path"]
    if not path.isprintable():
        message = "must not contain control characters"
        raise ValidationException(detail=message, extra=[{"key": "path", "message": message}])
    if not path.startswith("/api/") or request.method not in UNSAFE:
        return
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if not has_body:
        return
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind == "application/json" or kind.endswith("+json")):
        raise HTTPException(status_code=415, detail="the API reads application/json request bodies")
    field = request.route_handler.parsed_data_field
    if field is None:
        return
    body = await request.body()
    try:
        msgspec.json.decode(body, type=field.annotation, strict=True)
    except RecursionError:
        raise ValidationException(
            detail="the JSON is nested too deeply", extra=[{"message": "nested too deeply"}]
        ) from None
    except msgspec.ValidationError as error:
        raise ValidationException(detail=str(error), extra=[{"message": str(error)}]) from None
    except msgspec.DecodeError as error:
        raise ValidationException(detail=str(error), extra=[{"message": str(error)}]) from None
