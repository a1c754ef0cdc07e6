"""Fixtures: platforms on the in-memory store, SQLite and PostgreSQL, with a movable clock.

PostgreSQL tests use a schema of their own in database `test` at 127.0.0.1:5432 (or
TIAOJIE_TEST_DATABASE_URL). Where it is missing they skip with the reason, unless
TIAOJIE_REQUIRE_ALL=1, under which a missing service fails the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from application.bootstrap import Platform, build_platform
from application.shared.clock import ManualClock
from application.shared.settings import Settings
from tests.support.data import CENTER, INSTITUTIONS, MEDIATORS, PASSWORD, START
from tests.support.witnesses import WitnessPool, witness_pool

PG_URL = os.environ.get("TIAOJIE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_ALL = os.environ.get("TIAOJIE_REQUIRE_ALL") == "1"


def missing(service: str, reason: str) -> None:
    """Skip for a missing service, or fail when CI requires every service."""
    message = f"{service} unavailable: {reason}"
    if REQUIRE_ALL:
        pytest.fail(f"{message} (TIAOJIE_REQUIRE_ALL=1)")
    pytest.skip(message)


def _postgres_reason() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return None


_PG_REASON: list[str | None] = []


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards."""
    if not _PG_REASON:
        _PG_REASON.append(_postgres_reason())
    if _PG_REASON[0] is not None:
        missing("PostgreSQL", _PG_REASON[0])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def settings_for(backend: str, tmp_path: Path, schema: str | None = None, **extra: str) -> Settings:
    env = {"TIAOJIE_DATA_DIR": str(tmp_path / "data"), **extra}
    if backend == "memory":
        env["TIAOJIE_DATABASE_URL"] = "memory://"
    elif backend == "postgres":
        env["TIAOJIE_DATABASE_URL"] = PG_URL
        env["TIAOJIE_POSTGRES_SCHEMA"] = schema or "public"
    return Settings.from_env(env)


def make_platform(settings: Settings, clock: ManualClock) -> Platform:
    platform = build_platform(settings, clock)
    for code, kind, name, prefix in INSTITUTIONS:
        platform.directory.add_institution(code, kind, name, prefix)
    for username in MEDIATORS:  # cases are assigned to mediators that exist
        platform.directory.add_user(username, PASSWORD, "mediator", CENTER)
    return platform


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _platform_on(
    backend: str, tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[Platform]:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    built = make_platform(settings_for(backend, tmp_path, schema), clock)
    yield built
    built.close()


@pytest.fixture
def platform(
    backend: str, tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[Platform]:
    yield from _platform_on(backend, tmp_path, clock, request)


@pytest.fixture(params=["sqlite", "postgres"])
def durable_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def durable_platform(
    durable_backend: str, tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[Platform]:
    yield from _platform_on(durable_backend, tmp_path, clock, request)


@pytest.fixture(scope="session")
def witnesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WitnessPool]:
    """Four real witness processes for this test process's logs."""
    with witness_pool(tmp_path_factory.mktemp("witnesses")) as pool:
        yield pool
