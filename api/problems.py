"""One error mapping: every refusal becomes RFC 9457 problem details."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
from typing import Any

import eventsourcing.persistence
import psycopg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from application.shared.access import Forbidden
from application.shared.errors import (
    AlreadyExists,
    BatchInvalid,
    ConcurrencyConflict,
    InstitutionMissing,
    NotFound,
    OutcomeUnknown,
    Throttled,
)
from application.shared.persistence import data_file_failure
from domain.shared.errors import ActRefused, InvalidValue

log = logging.getLogger("tiaojie.api")
# The store did not answer in time (eventsourcing's wrappers, psycopg's own, SQLite's lock).
DATABASE_DOWN = (
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    psycopg.OperationalError,
    sqlite3.OperationalError,
)
MEDIA_TYPE = "application/problem+json"
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_ROW = re.compile(r"^\.filings\[(?P<row>\d+)\]\.?(?P<rest>.*)$")
_UNKNOWN = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")


def stop_for_broken_data_file(request: Request[Any, Any, Any], failure: str) -> None:
    """A data file that fails under SQLite is not a passing outage: the server stops (exit
    code 74, EX_IOERR) so that its supervisor restarts it, and the start-up check then names
    the file. The request itself is answered as if the database were down."""
    log.critical("a data file failed (%s): stopping the server", failure)
    if request.app.state.exit_code is not None:  # a served process, not an embedded app
        request.app.state.exit_code = os.EX_IOERR
        os.kill(os.getpid(), signal.SIGTERM)


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> Response[Any]:
    body = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(content=body, status_code=status, media_type=MEDIA_TYPE)


def _field_of(path: str) -> tuple[int | None, str]:
    """msgspec's `$.respondent.id_number` as `respondent.id_number`; bulk rows split off."""
    match = _ROW.match(path)
    if match:
        return int(match["row"]), match["rest"] or "filings"
    return None, path.lstrip(".") or "body"


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        raw = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        match = _AT.match(raw)
        message, path = (match["message"], match["path"]) if match else (raw, None)
        if path is None:  # litestar gives the location as a key instead
            key = str(item.get("key", "")) if isinstance(item, dict) else ""
            key = "" if key == "data" else key.removeprefix("data.")
            path = f".{key}" if key else ""
        row, field = _field_of(path)
        unknown = _UNKNOWN.search(message)
        if unknown:  # name the unknown or missing field itself, not the object holding it
            holder = "" if field in ("body", "filings") and path != ".filings" else field
            field = f"{holder}.{unknown['name']}" if holder else unknown["name"]
        entry: dict[str, Any] = {"field": field, "message": message}
        if row is not None:
            entry["row"] = row
        errors.append(entry)
    if not errors:
        errors.append({"field": "body", "message": exc.detail})
    return errors


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, InvalidValue):
        return problem(
            400,
            "validation",
            "Invalid request",
            str(exc),
            errors=[{"field": exc.field, "message": exc.message}],
        )
    if isinstance(exc, BatchInvalid):
        return problem(
            400,
            "validation",
            "Invalid batch",
            str(exc),
            errors=[{"row": r, "field": f, "message": m} for r, f, m in exc.errors],
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(400, "validation", "Invalid request", detail, errors=errors)
    if isinstance(exc, ActRefused):
        return problem(
            409,
            "act-refused",
            "Act refused",
            exc.detail,
            current_state=exc.current_state,
            act=exc.act,
            rule=exc.rule,
        )
    if isinstance(exc, InstitutionMissing):
        return problem(503, "institution-missing", "Institution not configured", str(exc))
    if failure := data_file_failure(exc):
        stop_for_broken_data_file(request, failure)
    if isinstance(exc, DATABASE_DOWN):
        answer = problem(
            503,
            "database-unavailable",
            "Database unavailable",
            f"The database did not answer in time ({type(exc).__name__}). A change may or may "
            "not have been made: read before repeating it, or repeat it with the same "
            "Idempotency-Key.",
        )
        answer.headers["Retry-After"] = "5"
        return answer
    if isinstance(exc, OutcomeUnknown):
        answer = problem(
            503,
            "outcome-unknown",
            "Outcome unknown",
            "The store did not answer: the request may have taken effect. Read before repeating "
            "it.",
        )
        answer.headers["Retry-After"] = "5"
        return answer
    if isinstance(exc, Throttled):
        answer = problem(429, "too-many-requests", "Too many tries", str(exc))
        answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, ConcurrencyConflict):
        return problem(409, "conflict", "Concurrent change", str(exc))
    if isinstance(exc, AlreadyExists):
        return problem(409, "already-exists", "Already exists", str(exc), field=exc.field)
    if isinstance(exc, NotFound):
        return problem(404, "not-found", "Not found", "No such resource")
    if isinstance(exc, Forbidden):
        return problem(403, "forbidden", "Forbidden", exc.reason, act=exc.act)
    if isinstance(exc, HTTPException):
        kinds = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            413: "too-large",
            415: "unsupported-media-type",
            429: "too-many-requests",
        }
        status = exc.status_code
        answer = problem(status, kinds.get(status, "http"), str(exc.detail), str(exc.detail))
        answer.headers.update(exc.headers or {})  # Allow on a 405, Retry-After on a 429
        return answer
    # %r: a path with control characters cannot forge lines in the log
    log.error("unhandled error on %s %r", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "The server failed. Whether the request took effect is not known: read before "
        "repeating it.",
    )
