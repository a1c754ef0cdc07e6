"""The case list's tables, on SQLite and on PostgreSQL: rows and tracking in one transaction.

The projection (case_list.py) hands over statements written once in SQLite's style (`:name`
parameters, `{case_list}` table names); the PostgreSQL view turns them into psycopg's. The
timers read model keeps its table here too.

The tables carry a version: a release that changes their shape raises `VERSION`, and the
first process to start with it drops the case list's tables and its tracking, so the
projection rebuilds them from the log (the events are the record; this is a view of them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL

Statement = tuple[str, dict[str, Any]]
# 2: phones and a search text (finding cases by number, name, ID or phone); whose act the
# case waits for, and its current agreement (to-do lists)
VERSION = 2

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS {case_list} (
        case_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        filing_number TEXT NOT NULL,
        docket_number TEXT,
        state TEXT NOT NULL,
        dispute_type TEXT NOT NULL,
        channel TEXT NOT NULL,
        applicant_kind TEXT NOT NULL,
        applicant_name TEXT NOT NULL,
        applicant_code TEXT,
        applicant_id_number TEXT,
        respondent_kind TEXT NOT NULL,
        respondent_name TEXT NOT NULL,
        respondent_code TEXT,
        respondent_id_number TEXT,
        applicant_phone TEXT,
        respondent_phone TEXT,
        search_text TEXT NOT NULL,
        waiting_for TEXT NOT NULL,
        agreement_id TEXT,
        principal_fen BIGINT NOT NULL,
        claim_total_fen BIGINT NOT NULL,
        mediator_id TEXT,
        filed_by TEXT NOT NULL,
        referral_kind TEXT,
        period_due TEXT,
        period_provisional BOOLEAN,
        window_due TEXT,
        window_provisional BOOLEAN,
        deadline_due TEXT,
        deadline_provisional BOOLEAN,
        filed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version BIGINT NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS case_list_seq ON {case_list} (seq)",
    "CREATE INDEX IF NOT EXISTS case_list_state ON {case_list} (state, seq)",
    "CREATE INDEX IF NOT EXISTS case_list_mediator ON {case_list} (mediator_id, seq)",
    "CREATE INDEX IF NOT EXISTS case_list_applicant ON {case_list} (applicant_code, seq)",
    "CREATE INDEX IF NOT EXISTS case_list_respondent ON {case_list} (respondent_code, seq)",
    "CREATE INDEX IF NOT EXISTS case_list_filer ON {case_list} (filed_by, seq)",
    "CREATE INDEX IF NOT EXISTS case_list_deadline ON {case_list} (deadline_due)",
    "CREATE INDEX IF NOT EXISTS case_list_applicant_id ON {case_list} (applicant_id_number)",
    "CREATE INDEX IF NOT EXISTS case_list_respondent_id ON {case_list} (respondent_id_number)",
    "CREATE INDEX IF NOT EXISTS case_list_filing_number ON {case_list} (filing_number)",
    "CREATE INDEX IF NOT EXISTS case_list_agreement ON {case_list} (agreement_id)",
    "CREATE INDEX IF NOT EXISTS case_list_docket_number ON {case_list} (docket_number)",
    # The cases the court has (MediationCase.before_court), for its staff's list.
    "CREATE TABLE IF NOT EXISTS {court_cases} (case_id TEXT PRIMARY KEY)",
    """CREATE TABLE IF NOT EXISTS {links} (
        user_id TEXT NOT NULL,
        case_id TEXT NOT NULL,
        PRIMARY KEY (user_id, case_id)
    )""",
    # The timed acts of agreements and court cases (application/timers.py).
    """CREATE TABLE IF NOT EXISTS {timers} (
        aggregate_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        timer TEXT NOT NULL,
        due TEXT NOT NULL,
        PRIMARY KEY (aggregate_id, timer)
    )""",
    "CREATE INDEX IF NOT EXISTS timers_due ON {timers} (due)",
    "CREATE TABLE IF NOT EXISTS {versions} (view TEXT PRIMARY KEY, version INTEGER NOT NULL)",
]
# What a new version drops (the projection's own tables; the timers keep theirs).
REBUILT = ("case_list", "links", "court_cases")


class CaseListView(TrackingRecorder):
    """What both backends' views offer the projection and the API."""

    tables: dict[str, str]

    def apply(self, statements: Sequence[Statement], tracking: Tracking | None) -> None:
        """Run the statements in one transaction, with the tracking that they answer (None:
        a recount that follows no event)."""
        raise NotImplementedError

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def reset(self, application_name: str) -> None:
        raise NotImplementedError

    def days_between(self, start: str, end: str) -> str:
        """SQL for the days between two ISO timestamp columns."""
        raise NotImplementedError

    def upgrade(self, application_name: str) -> bool:
        """Bring the tables to `VERSION`; True when they were made anew (the projection then
        replays the log into them)."""
        raise NotImplementedError

    def _upgrade_statements(self, stored: int | None) -> list[str]:
        """What an upgrade from `stored` runs: the case list's tables dropped and made again
        in this version's shape (a new store has none to drop)."""
        if stored == VERSION:
            return []
        drops = [f"DROP TABLE IF EXISTS {self.tables[t]}" for t in REBUILT]
        return [*drops, *(s.format(**self.tables) for s in SCHEMA)]


class SQLiteCaseListView(SQLiteTrackingRecorder, CaseListView):
    tables: dict[str, str] = {  # noqa: RUF012
        "case_list": "case_list",
        "links": "case_party_links",
        "court_cases": "case_court",
        "timers": "timers",
        "versions": "read_model_versions",
    }

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *(s.format(**self.tables) for s in SCHEMA),
        ]

    def apply(self, statements: Sequence[Statement], tracking: Tracking | None) -> None:
        with self.datastore.transaction(commit=True) as c:
            for sql, params in statements:
                c.execute(sql.format(**self.tables), params)
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql.format(**self.tables), params)
            return [dict(row) for row in c.fetchall()]

    def days_between(self, start: str, end: str) -> str:
        return f"julianday(substr({end}, 1, 19)) - julianday(substr({start}, 1, 19))"

    def upgrade(self, application_name: str) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute("SELECT version FROM read_model_versions WHERE view = 'case_list'")
            row = c.fetchone()
            statements = self._upgrade_statements(row[0] if row else None)
            for sql in statements:
                c.execute(sql)
            if statements:
                c.execute("DELETE FROM tracking WHERE application_name = ?", (application_name,))
                c.execute(
                    "INSERT OR REPLACE INTO read_model_versions VALUES ('case_list', ?)",
                    (VERSION,),
                )
            return bool(statements)

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("DELETE FROM case_list")
            c.execute("DELETE FROM case_party_links")
            c.execute("DELETE FROM case_court")
            c.execute("DELETE FROM tracking WHERE application_name = ?", (application_name,))


_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _pg(sql: str) -> str:
    """SQLite-style named parameters (`:name`) as psycopg's (`%(name)s`)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class PostgresCaseListView(PostgresTrackingRecorder, CaseListView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = self.datastore.schema
        self.tables = {
            "case_list": f'"{schema}".case_list',
            "links": f'"{schema}".case_party_links',
            "court_cases": f'"{schema}".case_court',
            "timers": f'"{schema}".timers',
            "versions": f'"{schema}".read_model_versions',
        }
        for statement in SCHEMA:
            self.sql_create_statements.append(
                SQL(statement.format(**self.tables))  # type: ignore[arg-type]
            )

    def apply(self, statements: Sequence[Statement], tracking: Tracking | None) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for sql, params in statements:
                curs.execute(_pg(sql.format(**self.tables)), params)
            if tracking is not None:
                self._insert_tracking(curs, tracking)

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(_pg(sql.format(**self.tables)), params)
            return [dict(row) for row in curs.fetchall()]

    def days_between(self, start: str, end: str) -> str:
        return (
            f"EXTRACT(EPOCH FROM (CAST({end} AS timestamptz) - CAST({start} AS timestamptz)))"
            " / 86400"
        )

    def upgrade(self, application_name: str) -> bool:
        """In one transaction under an advisory lock: of processes starting together, the
        first upgrades and the others find the version current."""
        versions = self.tables["versions"]
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                (f"tiaojie:{self.datastore.schema}:case_list",),
            )
            curs.execute(
                SQL("SELECT version FROM {} WHERE view = 'case_list'").format(SQL(versions))
            )
            row = curs.fetchone()
            statements = self._upgrade_statements(row["version"] if row else None)
            for sql in statements:
                curs.execute(SQL(sql))
            if statements:
                curs.execute(
                    SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                        SQL(f'"{self.datastore.schema}"'), SQL(f'"{self.tracking_table_name}"')
                    ),
                    (application_name,),
                )
                curs.execute(
                    SQL(
                        "INSERT INTO {} VALUES ('case_list', %s) "
                        "ON CONFLICT (view) DO UPDATE SET version = EXCLUDED.version"
                    ).format(SQL(versions)),
                    (VERSION,),
                )
            return bool(statements)

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DELETE FROM {}").format(SQL(self.tables["case_list"])))
            curs.execute(SQL("DELETE FROM {}").format(SQL(self.tables["links"])))
            curs.execute(SQL("DELETE FROM {}").format(SQL(self.tables["court_cases"])))
            curs.execute(
                SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                    SQL(f'"{self.datastore.schema}"'), SQL(f'"{self.tracking_table_name}"')
                ),
                (application_name,),
            )
