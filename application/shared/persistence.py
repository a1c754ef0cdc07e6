"""Which store each application uses: its own SQLite file, or its own PostgreSQL tables (all
of a process's tables reached through one connection pool)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any, cast
from uuid import uuid4

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import (
    ConnectionPool,
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import Environment, EnvType, retry
from psycopg.sql import SQL, Identifier

from application.shared.settings import Settings


class LockingPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's one-call insert function, per table and with the table lock kept.

    The stock function (`POSTGRES_ENABLE_DB_FUNCTIONS`) is named after the ID type only, so two
    applications in one schema overwrite each other's function, and it skips the EXCLUSIVE
    table lock that keeps notification IDs in commit order (followers in other processes would
    otherwise skip events committed late). This one is named after its table and locks it.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.pg_function_name_insert_events = f"tj_insert_{events_table_name}"[:63]
        self.sql_invoke_pg_function_insert_events = SQL(
            "SELECT * FROM {schema}.{insert_events}((%s))"
        ).format(
            schema=Identifier(self.datastore.schema),
            insert_events=Identifier(self.pg_function_name_insert_events),
        )
        self.sql_create_statements[self.create_insert_function_statement_index] = SQL(
            "CREATE OR REPLACE FUNCTION "
            "{schema}.{insert_events}(events {schema}.{event}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "    SET LOCAL lock_timeout = '{lock_timeout}s';"
            "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
            "    NOTIFY {channel};"
            "    RETURN QUERY"
            "    INSERT INTO {schema}.{table} AS t"
            "    (originator_id, originator_version, topic, state)"
            "    SELECT originator_id, originator_version, topic, state FROM unnest(events)"
            "    RETURNING notification_id;"
            "END; $BODY$"
        ).format(
            insert_events=Identifier(self.pg_function_name_insert_events),
            lock_timeout=self.datastore.lock_timeout,
            channel=Identifier(self.channel_name),
            event=Identifier(self.stored_event_type_name),
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )


class _SharedPools:
    """One pool per database a process uses, whatever the number of its stores: the library
    gives each application its own pool, and with about ten stores per process three or four
    processes filled a default PostgreSQL (100 connections)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[tuple[object, ...], tuple[ConnectionPool[Any], int]] = {}

    def lease(self, pool: ConnectionPool[Any]) -> ConnectionPool[Any]:
        """The process's pool for the database that `pool` (not yet opened) would reach."""
        kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
        key = (pool.conninfo, *sorted((k, str(v)) for k, v in kwargs.items()))
        with self._lock:
            shared, users = self._pools.get(key, (pool, 0))
            self._pools[key] = (shared, users + 1)
        return cast("ConnectionPool[Any]", _Lease(self, key, shared))

    def release(self, key: tuple[object, ...]) -> None:
        """The pool is closed when its last store lets go."""
        with self._lock:
            shared, users = self._pools[key]
            if users > 1:
                self._pools[key] = (shared, users - 1)
                return
            del self._pools[key]
        shared.close()


class _Lease:
    """A store's hold on the shared pool: the library's datastore closes its pool when it is
    closed or collected; closing a lease lets go of the shared pool once."""

    def __init__(self, pools: _SharedPools, key: tuple[object, ...], pool: ConnectionPool[Any]):
        self._pools, self._key, self._pool = pools, key, pool
        self._released = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    def __enter__(self) -> _Lease:
        self._pool.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._released:
            self._released = True
            self._pools.release(self._key)


SHARED_POOLS = _SharedPools()


class BudgetedPostgresFactory(PostgresFactory):
    """The library's factory, its datastore drawing on the process's shared pool (sized by
    TIAOJIE_DB_CONNECTIONS)."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        self.datastore.pool = SHARED_POOLS.lease(self.datastore.pool)


def store_env(settings: Settings, name: str, *, process: bool = False) -> dict[str, str]:
    """eventsourcing's environment for the application (or view) called `name`.

    A process application records tracking with its events; the one-call insert function
    ignores tracking, so process applications use the library's locking insert path.
    """
    env = _backend_env(settings, name)
    if process and settings.uses_postgres:
        env["POSTGRES_ENABLE_DB_FUNCTIONS"] = "n"
        del env["APPLICATION_RECORDER_TOPIC"]
    return env | {
        # Loaded aggregates are cached and fast-forwarded from the store on each get, so a
        # write by another process is seen; commands get deep copies.
        "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }


def _backend_env(settings: Settings, name: str) -> dict[str, str]:
    if settings.uses_memory:
        if name in ("views", "audit"):  # these need SQL: a private in-memory SQLite database
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:tiaojie-{name}-{uuid4().hex}?mode=memory&cache=shared",
            }
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if not settings.uses_postgres:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.data_dir / f"{name.lower()}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    address = settings.postgres()
    return {
        "PERSISTENCE_MODULE": f"{__name__}:{BudgetedPostgresFactory.__name__}",
        "POSTGRES_HOST": address.host,
        "POSTGRES_PORT": str(address.port),
        "POSTGRES_USER": address.user,
        "POSTGRES_PASSWORD": address.password,
        "POSTGRES_DBNAME": address.dbname,
        "POSTGRES_SCHEMA": settings.postgres_schema,
        "POSTGRES_POOL_SIZE": "1",  # opened at start; more on demand, up to the budget
        "POSTGRES_MAX_OVERFLOW": str(settings.db_connections - 1),
        "POSTGRES_LOCK_TIMEOUT": "10",
        # Each of STORE_ATTEMPTS tries waits this long for a connection: a request against a
        # database that is down answers 503 within about TIAOJIE_DB_TIMEOUT.
        "POSTGRES_CONNECT_TIMEOUT": str(max(1, settings.db_timeout // STORE_ATTEMPTS)),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "APPLICATION_RECORDER_TOPIC": f"{__name__}:{LockingPostgresApplicationRecorder.__name__}",
    }


def database_problem(settings: Settings, timeout: float) -> str | None:
    """Why the database does not answer (None: it does), within `timeout` seconds: what
    /health reports without waiting on the stores' retries."""
    if not settings.uses_postgres:
        return None  # a local file: the stores' own errors say more
    address = settings.postgres()
    try:
        with psycopg.connect(
            host=address.host,
            port=address.port,
            user=address.user,
            password=address.password,
            dbname=address.dbname,
            connect_timeout=max(1, int(timeout)),
            options=f"-c statement_timeout={int(timeout * 1000)}",
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


@contextlib.contextmanager
def creating_tables(settings: Settings) -> Iterator[None]:
    """One process at a time creates or updates the tables and functions: servers and workers
    started together met PostgreSQL's "tuple concurrently updated" on the library's
    CREATE OR REPLACE statements."""
    if not settings.uses_postgres:
        yield
        return
    address = settings.postgres()
    with psycopg.connect(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password,
        dbname=address.dbname,
        connect_timeout=settings.db_timeout,
        autocommit=True,
    ) as conn:
        name = f"tiaojie:{settings.postgres_schema}"
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        yield


STORE_ATTEMPTS = 3


def _bound_the_librarys_retries() -> None:
    """eventsourcing's PostgreSQL recorders try a failed call ten times, 0.2 s apart, each
    waiting up to the connect timeout for a connection, and offer no setting for it: against a
    database that is down a request hung for over ten seconds. Their calls are wrapped again
    with STORE_ATTEMPTS tries (a connection lost once is still tried again)."""
    for recorder in (
        PostgresAggregateRecorder,
        PostgresApplicationRecorder,
        PostgresTrackingRecorder,
        PostgresProcessRecorder,
    ):
        for name, member in list(vars(recorder).items()):
            inner = getattr(member, "__wrapped__", None)
            if callable(member) and inner is not None:
                again = retry((InterfaceError, OperationalError), STORE_ATTEMPTS, wait=0.2)
                setattr(recorder, name, again(inner))


_bound_the_librarys_retries()


# SQLite's primary result codes that mean the data files cannot be trusted or written (not a
# busy lock, not a full disk): the process stops so that its supervisor restarts it, and the
# start-up check then names the file.
_BROKEN_FILE_CODES = {
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CORRUPT,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_NOTADB,
}


class DataFileUnusable(Exception):
    """A store's data file cannot be read and written."""


def data_file_failure(error: BaseException) -> str | None:
    """What is wrong with a data file, when `error` (or what caused it) says one is broken."""
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(seen, sqlite3.Error) and code is not None:
            if code & 0xFF in _BROKEN_FILE_CODES:
                return f"{getattr(seen, 'sqlite_errorname', 'SQLITE_ERROR')}: {seen}"
            return None
        seen = seen.__cause__ or seen.__context__
    return None


def check_data_files(settings: Settings) -> None:
    """Every SQLite file of the stores opens for writing. SQLite maps each store's `-shm` file
    into memory: one that cannot be written (an immutable file, a read-only mount) kills the
    process with SIGBUS at the first write, with no message; found here, it is named."""
    if settings.uses_postgres or settings.uses_memory or not settings.data_dir.exists():
        return
    for path in sorted(settings.data_dir.glob("*.sqlite*")):
        try:
            with path.open("r+b"):
                pass
        except OSError as error:
            raise DataFileUnusable(
                f"data file {path} cannot be written ({error.strerror}); fix its permissions, "
                "attributes or mount, or restore the store from a backup"
            ) from error
