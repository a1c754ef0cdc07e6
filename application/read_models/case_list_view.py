"""The case list's tables, on SQLite and on PostgreSQL: rows and tracking in one transaction.

The projection (case_list.py) hands over statements written once in SQLite's style (`:name`
parameters, `{case_list}` table names); the PostgreSQL view turns them into psycopg's. The
timers read model keeps its table here too.
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
]


class CaseListView(TrackingRecorder):
    """What both backends' views offer the projection and the API."""

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


class SQLiteCaseListView(SQLiteTrackingRecorder, CaseListView):
    tables: dict[str, str] = {  # noqa: RUF012
        "case_list": "case_list",
        "links": "case_party_links",
        "court_cases": "case_court",
        "timers": "timers",
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
