"""Schema fuzzing with schemathesis: every operation of the OpenAPI document, for three roles
(the center's staff, a party, a judge), against a real server on SQLite and on PostgreSQL.
Every answer must be no server error and conform to the document: a documented status, its
content type (problem+json for errors), its schema and headers. The examples per operation are
fixed and the seed is printed (TIAOJIE_FUZZ_SEED replays a run)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PG_URL
from tests.support.server import running_server

EXAMPLES = int(os.environ.get("TIAOJIE_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("TIAOJIE_FUZZ_SEED", "20261205"))
ROLES = ("admin", "party1", "judge1")
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
LAST = ("POST /api/auth/logout", "POST /api/auth/password")  # they end the role's sessions


@pytest.mark.parametrize(  # the seed in the test's name: --durations prints it in every run
    "backend", ["sqlite", "postgres"], ids=lambda backend: f"{backend}-seed{SEED}"
)
def test_fuzz_every_operation(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = {"TIAOJIE_MEDIA_WORKERS": "0"}
    if backend == "postgres":
        schema_name = request.getfixturevalue("pg_schema")
        env |= {"TIAOJIE_DATABASE_URL": PG_URL, "TIAOJIE_POSTGRES_SCHEMA": schema_name}
    print(f"schemathesis seed {SEED}, {EXAMPLES} examples per operation and role")
    with running_server(tmp_path, **env) as server:
        document = schemathesis.openapi.from_url(f"{server.base}/schema/openapi.json")
        operations = sorted(
            (result.ok() for result in document.get_all_operations()),
            key=lambda operation: operation.label in LAST,
        )
        assert len(operations) > 80
        failures: list[str] = []
        for role in ROLES:
            headers = server.login(role)
            for operation in operations:
                try:
                    _fuzz(operation, server.base, headers)()
                except Exception as failure:
                    failures.append(f"{operation.label} as {role}: {str(failure)[:1500]}")
        assert not failures, f"seed {SEED}:\n" + "\n\n".join(failures)


def _fuzz(operation: Any, base: str, headers: dict[str, str]) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @seed(SEED)
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        answer = case.call(base_url=base, headers=headers)
        case.validate_response(answer, checks=CHECKS)

    return call  # type: ignore[no-any-return]


def test_request_bodies_forbid_unknown_fields(tmp_path: Path) -> None:
    """The document says `additionalProperties: false` for every object: it holds for every
    request body (and the objects in it), which msgspec refuses with unknown fields."""
    import msgspec

    from api.app import create_app
    from tests.support.http import build

    def structs(kind: Any) -> Iterator[type[msgspec.Struct]]:
        info = msgspec.inspect.type_info(kind)
        stack = [info]
        while stack:
            node = stack.pop()
            if isinstance(node, msgspec.inspect.StructType):
                yield node.cls
                stack.extend(f.type for f in node.fields)
            else:
                stack.extend(
                    getattr(node, name)
                    for name in ("item_type", "key_type", "value_type")
                    if hasattr(node, name)
                )
                stack.extend(getattr(node, "types", ()))

    platform, _ = build("memory", Path("/tmp/unused"))
    try:
        app = create_app(platform)
        found = {
            struct
            for route in app.routes
            for handler in getattr(route, "route_handlers", [])
            if getattr(handler, "parsed_data_field", None) is not None
            for struct in structs(handler.parsed_data_field.annotation)
        }
    finally:
        platform.close()
    assert len(found) > 20
    lenient = [s.__name__ for s in found if not s.__struct_config__.forbid_unknown_fields]
    assert not lenient, lenient
