"""The case list: a read model of MediationCase kept by a projection with tracking.

Rows and the tracking position are written in one transaction, so each event is applied exactly
once, also when several processes run the projection against one PostgreSQL database (the
loser of a race fails on the tracking row and rolls back). SQLite cannot be followed from
another process, so there the projection polls inside the server process.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import singledispatch
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from application.read_models.case_list_view import CaseListView, Statement
from application.shared.access import (
    TODO_PAGES,
    Deployment,
    Principal,
    case_list_scope,
    own_side_sql,
    todo_lists,
    works_as_mediator,
)
from domain.mediation.case_states import PERIOD_EXPIRY_STATES, PERIOD_RUNNING_STATES
from domain.mediation.mediation_case import MediationCase
from domain.mediation.repayment_agreement import RepaymentAgreement
from domain.shared.errors import InvalidValue
from domain.shared.filing import Channel, Filing, Side, SideRole
from domain.shared.periods import Deadline

_RUNNING = ",".join(f"'{s}'" for s in sorted(PERIOD_RUNNING_STATES))
_EXPIRING = ",".join(f"'{s}'" for s in sorted(PERIOD_EXPIRY_STATES))
_DEADLINE = (
    f"deadline_due = CASE WHEN state = 'assigned' THEN window_due "
    f"WHEN state IN ({_RUNNING}) THEN period_due ELSE NULL END, "
    f"deadline_provisional = CASE WHEN state = 'assigned' THEN window_provisional "
    f"WHEN state IN ({_RUNNING}) THEN period_provisional ELSE NULL END"
)


@dataclass(frozen=True)
class CaseFilters:
    state: str | None = None
    mediator: str | None = None
    applicant: str | None = None
    dispute_type: str | None = None
    deadline_within_days: int | None = None
    overdue: bool = False
    # A filing or docket number (or part of one), a name, an ID number, a code or a phone.
    q: str | None = None
    states: tuple[str, ...] = ()  # any of these
    todo: str | None = None  # one of the user's to-do lists (access.todo_lists)


def _own_side_waits(principal: Principal, token: str, params: dict[str, Any]) -> str:
    """The case waits for `token` (consent, answer, sign) from the side this user is."""
    mine = own_side_sql(principal, params)
    return " OR ".join(
        f"({mine.format(side=side)} AND waiting_for LIKE '% {token}:{side}%')"
        for side in ("applicant", "respondent")
    )


_BY_STATE = {
    "todo_accept": "state = 'filed'",
    "todo_refer": "state = 'accepted'",
    "todo_assign": "state = 'referred'",
    "todo_accept_assignment": "state = 'assigned' AND mediator_id = :me",
    "todo_due_soon": f"state IN ({_RUNNING}) AND mediator_id = :me AND deadline_due <= :week",
}
_BY_TOKEN = {  # the side's own act the case waits for, in the state it waits in
    "todo_consent": ("consent", "awaiting_consent"),
    "todo_answer": ("answer", "in_mediation"),
    "todo_sign": ("sign", "in_mediation"),
}


def todo_clause(key: str, principal: Principal, today: date, params: dict[str, Any]) -> str:
    """SQL for one of this user's to-do lists; InvalidValue for another role's."""
    if key not in todo_lists(principal) or key in TODO_PAGES:
        raise InvalidValue("todo", "is not a to-do list of this user")
    params["me"] = principal.user_id
    params["week"] = (today + timedelta(days=7)).isoformat()
    if key in _BY_STATE:
        return _BY_STATE[key]
    token, state = _BY_TOKEN[key]
    if works_as_mediator(principal):  # the mediator signs the agreement too
        return f"state = '{state}' AND mediator_id = :me AND waiting_for LIKE '% {token}:mediator%'"
    return f"state = '{state}' AND ({_own_side_waits(principal, token, params)})"


class Sort(StrEnum):
    NEWEST = "newest"  # last filed first
    DEADLINE = "deadline"  # nearest deadline first (mediators), then the newest


@dataclass(frozen=True)
class CasePage:
    rows: list[dict[str, Any]]
    next_cursor: int | None
    total: int = 0  # of the rows the filters match, on every page


def search_text(*parts: str | None) -> str:
    """What a search matches a case on, folded as a query is (`search_key`)."""
    return " ".join(search_key(p) for p in parts if p)


def search_key(text: str) -> str:
    """A query or a searched value as compared: full-width forms and case folded (people type
    ＸＸ or x for the X of an ID number), spaces and dashes in phone numbers dropped."""
    return unicodedata.normalize("NFKC", text).upper().replace("-", "").replace(" ", "")


def _deadline_params(prefix: str, deadline: Deadline | None) -> dict[str, Any]:
    return {
        f"{prefix}_due": deadline.due.isoformat() if deadline else None,
        f"{prefix}_provisional": deadline.provisional if deadline else None,
    }


def _update(case_id: UUID, event: Any, **columns: Any) -> list[Statement]:
    params = {
        "case_id": str(case_id),
        "updated_at": event.occurred_at.isoformat(),
        "version": event.originator_version,
        **columns,
    }
    assignments = "".join(f"{name} = :{name}, " for name in columns)
    statements: list[Statement] = [
        (
            (
                f"UPDATE {{case_list}} SET {assignments}updated_at = :updated_at, "
                "version = :version WHERE case_id = :case_id"
            ),
            params,
        )
    ]
    if columns:  # a second statement: SET sees the old values of the columns it assigns
        statements.append(
            (
                f"UPDATE {{case_list}} SET {_DEADLINE} WHERE case_id = :case_id",
                {"case_id": str(case_id)},
            )
        )
    return statements


_BACK_TO_REFERRED = {
    "state": "referred",
    "mediator_id": None,
    "window_due": None,
    "window_provisional": None,
}


@singledispatch
def statements_for(event: Any, seq: int) -> list[Statement]:
    """The view changes one event makes: none for other aggregates' events."""
    return []


@statements_for.register(MediationCase.Event)
def _touched(event: Any, seq: int) -> list[Statement]:
    """Any other event of a case: its version and last change."""
    return _update(event.originator_id, event)


@statements_for.register(MediationCase.Filed)
def _filed(event: Any, seq: int) -> list[Statement]:
    filing = event.filing
    row = {
        "case_id": str(event.originator_id),
        "seq": seq,
        "filing_number": event.filing_number,
        "state": "filed",
        "dispute_type": str(filing.dispute_type),
        "channel": str(filing.channel),
        "applicant_kind": str(filing.applicant.kind),
        "applicant_name": filing.applicant.name,
        "applicant_code": filing.applicant.org_code,
        "applicant_id_number": filing.applicant.id_number,
        "respondent_kind": str(filing.respondent.kind),
        "respondent_name": filing.respondent.name,
        "respondent_code": filing.respondent.org_code,
        "respondent_id_number": filing.respondent.id_number,
        "applicant_phone": filing.applicant.phone,
        "respondent_phone": filing.respondent.phone,
        "search_text": search_text(
            event.filing_number,
            getattr(getattr(event, "entrustment", None), "court_docket_number", None),
            filing.applicant.name,
            filing.applicant.org_code,
            filing.applicant.id_number,
            filing.applicant.phone,
            filing.respondent.name,
            filing.respondent.org_code,
            filing.respondent.id_number,
            filing.respondent.phone,
        ),
        # An applicant consents by filing, except on a court referral (both sides do).
        "waiting_for": " consent:applicant consent:respondent"
        if filing.channel == Channel.COURT_REFERRAL
        else " consent:respondent",
        "principal_fen": filing.claim.principal_fen,
        "claim_total_fen": filing.claim.total_fen,
        "filed_by": event.actor.actor_id,
        "filed_at": event.occurred_at.isoformat(),
        "updated_at": event.occurred_at.isoformat(),
        "version": event.originator_version,
    }
    columns = ", ".join(row)
    values = ", ".join(f":{key}" for key in row)
    return [(f"INSERT INTO {{case_list}} ({columns}) VALUES ({values})", row)]


def _to_state(state: str) -> Any:
    def statements(event: Any, seq: int) -> list[Statement]:
        return _update(event.originator_id, event, state=state)

    return statements


for _event, _state in (
    (MediationCase.Accepted, "accepted"),
    (MediationCase.Rejected, "rejected"),
    (MediationCase.MediationRefused, "failed"),
    (MediationCase.MediationFailed, "failed"),
    (MediationCase.AgreementTookEffect, "settled"),
    (MediationCase.Withdrawn, "withdrawn"),
    (MediationCase.Closed, "closed"),
):
    statements_for.register(_event)(_to_state(_state))


@statements_for.register(MediationCase.ReturnedToMediation)
def _returned(event: Any, seq: int) -> list[Statement]:
    """Back in mediation: the set-aside agreement waits for nobody's signature."""
    return [
        *_update(event.originator_id, event, state="in_mediation", agreement_id=None),
        _waiting(event.originator_id, _SIGNATURES),
    ]


@statements_for.register(MediationCase.Referred)
def _referred(event: Any, seq: int) -> list[Statement]:
    """Referred, and found by its docket number from now on."""
    return [
        *_update(
            event.originator_id,
            event,
            state="referred",
            docket_number=event.docket_number,
            referral_kind=str(event.kind),
            **_deadline_params("period", event.period),
        ),
        (
            "UPDATE {case_list} SET search_text = search_text || :docket WHERE case_id = :case_id",
            {"docket": f" {search_text(event.docket_number)}", "case_id": str(event.originator_id)},
        ),
    ]


@statements_for.register(MediationCase.MediatorAssigned)
def _assigned(event: Any, seq: int) -> list[Statement]:
    return _update(
        event.originator_id,
        event,
        state="assigned",
        mediator_id=event.mediator_id,
        **_deadline_params("window", event.acceptance_window),
    )


@statements_for.register(MediationCase.AssignmentAccepted)
def _assignment_accepted(event: Any, seq: int) -> list[Statement]:
    """The first acceptance starts the mediation period (older events carry none)."""
    period = getattr(event, "period", None)
    return _update(
        event.originator_id,
        event,
        state=str(event.next_state),
        window_due=None,
        window_provisional=None,
        **(_deadline_params("period", period) if period is not None else {}),
    )


@statements_for.register(MediationCase.AssignmentDeclined)
@statements_for.register(MediationCase.AssignmentLapsed)
@statements_for.register(MediationCase.RecusalGranted)
def _back_to_referred(event: Any, seq: int) -> list[Statement]:
    return _update(event.originator_id, event, **_BACK_TO_REFERRED)


@statements_for.register(MediationCase.MediationConsented)
def _consented(event: Any, seq: int) -> list[Statement]:
    return [
        *_update(event.originator_id, event, state=str(event.next_state)),
        _waiting(event.originator_id, (f"consent:{event.side}",)),
    ]


# Whose act a case waits for, as tokens in `waiting_for` (" answer:respondent sign:mediator"):
# the to-do lists read them. Tokens of a state the case has left are not read.
_ANSWERS = ("answer:applicant", "answer:respondent")
_SIGNATURES = ("sign:applicant", "sign:respondent", "sign:mediator")


def _waiting(case_id: UUID, removed: Sequence[str], added: Sequence[str] = ()) -> Statement:
    """Drop tokens from what the case waits for, and add others."""
    params: dict[str, Any] = {"case_id": str(case_id), "added": "".join(f" {t}" for t in added)}
    expression = "waiting_for"
    for i, token in enumerate(removed):
        params[f"r{i}"] = f" {token}"
        expression = f"REPLACE({expression}, :r{i}, '')"
    return (
        f"UPDATE {{case_list}} SET waiting_for = {expression} || :added WHERE case_id = :case_id",
        params,
    )


@statements_for.register(MediationCase.Proposed)
def _proposed(event: Any, seq: int) -> list[Statement]:
    """A side's proposal waits for the other side's answer; the mediator's, for both."""
    answering = [f"answer:{SideRole(event.side).other}"] if event.side else list(_ANSWERS)
    return [
        *_update(event.originator_id, event),
        _waiting(event.originator_id, _ANSWERS, answering),
    ]


@statements_for.register(MediationCase.ProposalAccepted)
def _proposal_accepted(event: Any, seq: int) -> list[Statement]:
    return [*_update(event.originator_id, event), _waiting(event.originator_id, _ANSWERS)]


@statements_for.register(MediationCase.AgreementDrafted)
def _drafted(event: Any, seq: int) -> list[Statement]:
    """A draft waits for every signature (a new draft replaces the last one's)."""
    return [
        *_update(event.originator_id, event, agreement_id=str(event.agreement_id)),
        _waiting(event.originator_id, (*_ANSWERS, *_SIGNATURES), _SIGNATURES),
    ]


@statements_for.register(RepaymentAgreement.Signed)
def _signed(event: Any, seq: int) -> list[Statement]:
    sql = (
        "UPDATE {case_list} SET waiting_for = REPLACE(waiting_for, :token, '') "
        "WHERE agreement_id = :agreement_id"
    )
    return [(sql, {"token": f" sign:{event.signer}", "agreement_id": str(event.originator_id)})]


@statements_for.register(MediationCase.ExtensionGranted)
def _extended(event: Any, seq: int) -> list[Statement]:
    return _update(event.originator_id, event, **_deadline_params("period", event.period))


@statements_for.register(MediationCase.DeadlinesRecomputed)
def _recomputed(event: Any, seq: int) -> list[Statement]:
    return _update(
        event.originator_id,
        event,
        **_deadline_params("period", event.period),
        **_deadline_params("window", event.acceptance_window),
    )


@statements_for.register(MediationCase.PartyLinked)
def _linked(event: Any, seq: int) -> list[Statement]:
    return [
        *_update(event.originator_id, event),
        (
            "INSERT INTO {links} (user_id, case_id) VALUES (:user_id, :case_id)",
            {"user_id": event.user_id, "case_id": str(event.originator_id)},
        ),
    ]


@statements_for.register(MediationCase.Transferred)
@statements_for.register(MediationCase.CourtDocketRecorded)
@statements_for.register(MediationCase.CourtOutcomeRecorded)
@statements_for.register(MediationCase.CourtApplicationRecorded)
def _before_court(event: Any, seq: int) -> list[Statement]:
    """The court has the file (the access rule `MediationCase.before_court`)."""
    state = {"state": "transferred"} if isinstance(event, MediationCase.Transferred) else {}
    return [
        *_update(event.originator_id, event, **state),
        (
            "INSERT INTO {court_cases} (case_id) VALUES (:case_id) ON CONFLICT DO NOTHING",
            {"case_id": str(event.originator_id)},
        ),
    ]


class CaseListProjection(Projection[CaseListView]):
    name = "case_list"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply(statements_for(domain_event, tracking.notification_id), tracking)

    def position(self, application_name: str) -> int:
        return self.view.max_tracking_id(application_name) or 0

    def process(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        """Apply many events in one transaction, tracked at the last one."""
        statements = [s for event, t in items for s in statements_for(event, t.notification_id)]
        self.view.apply(statements, items[-1][1])

    # --- queries --------------------------------------------------------------------------

    def page(
        self,
        principal: Principal,
        deployment: Deployment,
        filters: CaseFilters,
        today: date,
        limit: int = 50,
        cursor: int | None = None,
        sort: Sort = Sort.NEWEST,
        offset: int = 0,
    ) -> CasePage:
        """One page of the cases this user may see, as filtered and sorted, after a cursor
        (the API's: the last row's sequence number newest first, the rows already shown by
        deadline) or an offset (the console's numbered pages); `total` counts every match."""
        where, params = case_list_scope(principal, deployment)
        if where is None:
            return CasePage([], None)
        clauses = [where]
        for column, value in (
            ("state", filters.state),
            ("mediator_id", filters.mediator),
            ("applicant_code", filters.applicant),
            ("dispute_type", filters.dispute_type),
        ):
            if value is not None:
                clauses.append(f"{column} = :f_{column}")
                params[f"f_{column}"] = value
        if filters.states:
            names = [f"s{i}" for i in range(len(filters.states))]
            clauses.append(f"state IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, filters.states, strict=True))
        if filters.todo:
            clauses.append(todo_clause(filters.todo, principal, today, params))
        if filters.q and filters.q.strip():
            clauses.append("search_text LIKE :q ESCAPE '\\'")
            escaped = search_key(filters.q).replace("\\", "\\\\")
            params["q"] = "%" + escaped.replace("%", "\\%").replace("_", "\\_") + "%"
        if filters.deadline_within_days is not None:
            clauses.append("deadline_due >= :today AND deadline_due <= :horizon")
            params["horizon"] = (today + timedelta(days=filters.deadline_within_days)).isoformat()
        if filters.overdue:
            clauses.append("deadline_due < :today")
        params["today"] = today.isoformat()
        matching = " AND ".join(f"({c})" for c in clauses)
        counting = f"SELECT COUNT(*) AS n FROM {{case_list}} WHERE {matching}"
        params["offset"] = offset
        if sort is Sort.DEADLINE:  # the cursor counts rows: the order is not the sequence's
            order = "deadline_due IS NULL, deadline_due, seq DESC LIMIT :limit OFFSET :offset"
            params["offset"] = offset = cursor if cursor is not None else offset
        elif cursor is not None:
            matching += " AND seq < :cursor"
            params["cursor"] = cursor
            order = "seq DESC LIMIT :limit"
        else:
            order = "seq DESC LIMIT :limit OFFSET :offset"
        params["limit"] = limit + 1
        rows = self.view.rows(
            f"SELECT * FROM {{case_list}} WHERE {matching} ORDER BY {order}", params
        )
        more = len(rows) > limit
        rows = rows[:limit]
        first = cursor is None and not offset
        # A first page that holds every match is its own count (a search, a short to-do).
        total = len(rows) if first and not more else int(self.view.rows(counting, params)[0]["n"])
        if not (more and rows):
            return CasePage(rows, None, total)
        following = offset + limit if sort is Sort.DEADLINE else rows[-1]["seq"]
        return CasePage(rows, following, total)

    def todo_counts(
        self, principal: Principal, deployment: Deployment, today: date
    ) -> list[tuple[str, int]]:
        """This user's to-do lists with how many cases wait in each: a count per list, each
        narrowed by the state index (one scan of every visible case would cost every page)."""
        where, params = case_list_scope(principal, deployment)
        if where is None:
            return []
        counts = []
        for key in todo_lists(principal):
            if key in _ELSEWHERE:  # a list of other records, on a page of its own
                counts.append((key, int(self.view.rows(_ELSEWHERE[key], {})[0]["n"])))
                continue
            clause = todo_clause(key, principal, today, params)
            sql = f"SELECT COUNT(*) AS n FROM {{case_list}} WHERE ({clause}) AND ({where})"
            counts.append((key, int(self.view.rows(sql, params)[0]["n"])))
        return counts

    def possible_duplicates(
        self, filings: Sequence[Filing], today: date
    ) -> dict[int, list[dict[str, Any]]]:
        """By the index of each filing that looks filed already: cases with the same
        applicant, respondent and claim that are still open or were filed within a year, and
        earlier rows of the same batch (their `filing_number` is None)."""
        since = (today - timedelta(days=DUPLICATE_DAYS)).isoformat()
        wanted = sorted({_party_key(f.respondent) for f in filings})
        found: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            names = {f"k{i}": key for i, key in enumerate(chunk)}
            listed = ", ".join(f":{n}" for n in names)
            rows = self.view.rows(
                "SELECT case_id, filing_number, state, filed_at, applicant_code, "
                "applicant_id_number, respondent_code, respondent_id_number, claim_total_fen "
                f"FROM {{case_list}} WHERE (respondent_id_number IN ({listed}) "
                f"OR respondent_code IN ({listed})) AND (state NOT IN {_ENDED} "
                "OR filed_at >= :since)",
                {**names, "since": since},
            )
            for row in rows:
                applicant = row["applicant_code"] or row["applicant_id_number"]
                respondent = row["respondent_code"] or row["respondent_id_number"]
                key = (applicant, respondent, int(row["claim_total_fen"]))
                found.setdefault(key, []).append(row)
        duplicates: dict[int, list[dict[str, Any]]] = {}
        for index, filing in enumerate(filings):
            key = (
                _party_key(filing.applicant),
                _party_key(filing.respondent),
                filing.claim.total_fen,
            )
            same = found.get(key, [])
            if same:
                duplicates[index] = list(same)
            found.setdefault(key, []).append({"filing_number": None, "row": index})
        return duplicates

    def mediator_load(self, today: date) -> dict[str, tuple[int, int]]:
        """Each mediator's open cases and how many of them fall due within a week."""
        rows = self.view.rows(
            "SELECT mediator_id, COUNT(*) AS open, SUM(CASE WHEN deadline_due <= :week "
            "THEN 1 ELSE 0 END) AS due FROM {case_list} WHERE mediator_id IS NOT NULL AND state "
            f"IN ({_RUNNING}) GROUP BY mediator_id",
            {"week": (today + timedelta(days=7)).isoformat()},
        )
        return {r["mediator_id"]: (int(r["open"]), int(r["due"] or 0)) for r in rows}

    def lapsed(self, today: date) -> tuple[list[UUID], list[UUID]]:
        """Cases whose mediation period, and cases whose acceptance window, ended before
        `today` (Shanghai dates) while still running. A deadline counted on a guessed calendar
        is held, never fired: the year's schedule may move it (see `held`)."""
        periods = self.view.rows(
            f"SELECT case_id FROM {{case_list}} WHERE state IN ({_EXPIRING}) "
            "AND period_due < :today AND NOT period_provisional ORDER BY period_due",
            {"today": today.isoformat()},
        )
        windows = self.view.rows(
            "SELECT case_id FROM {case_list} WHERE state = 'assigned' "
            "AND window_due < :today AND NOT window_provisional ORDER BY window_due",
            {"today": today.isoformat()},
        )
        return [UUID(r["case_id"]) for r in periods], [UUID(r["case_id"]) for r in windows]

    def held(self, today: date) -> int:
        """Deadlines that fell due on a guessed calendar: held until the year's schedule is
        loaded (operators are told on /health and in the console)."""
        rows = self.view.rows(
            f"SELECT COUNT(*) AS n FROM {{case_list}} WHERE (state IN ({_EXPIRING}) "
            "AND period_due < :today AND period_provisional) OR (state = 'assigned' "
            "AND window_due < :today AND window_provisional)",
            {"today": today.isoformat()},
        )
        return int(rows[0]["n"])

    def running_case_ids(self) -> list[UUID]:
        """Cases whose deadlines still matter (for recomputation after a calendar load)."""
        rows = self.view.rows(f"SELECT case_id FROM {{case_list}} WHERE state IN ({_RUNNING})", {})
        return [UUID(row["case_id"]) for row in rows]


_CONCLUDED = "('settled', 'closed', 'failed', 'transferred')"
# To-do lists of other records than cases, counted here for the navigation: confirmations
# waiting for the court to accept or rule (as its queue page lists them).
_ELSEWHERE = {
    "todo_confirmations": "SELECT COUNT(*) AS n FROM {timers} WHERE kind = 'confirmation' "
    "AND timer <> 'application_window'",
}
_ENDED = "('rejected', 'withdrawn', 'closed', 'failed', 'transferred')"
DUPLICATE_DAYS = 365  # a filing like one of the last year's is asked about before filing


def _party_key(side: Side) -> str:
    return side.org_code or side.id_number or side.name


_AGREED = "('settled', 'closed')"


def center_figures(view: CaseListView, group: str, since: str, until: str) -> list[dict[str, Any]]:
    """The center's published figures per month, mediator or applicant institution, for cases
    filed in [since, until): filed, amounts at stake, concluded, agreements, transferred, and
    the mean days from filing to the last change of a concluded case."""
    column = {
        "month": "substr(filed_at, 1, 7)",
        "mediator": "coalesce(mediator_id, '-')",
        "applicant": "coalesce(applicant_code, applicant_name)",
    }[group]
    return view.rows(
        f"SELECT {column} AS label, count(*) AS filed, "
        "sum(claim_total_fen) AS at_stake_fen, "
        f"sum(CASE WHEN state IN {_CONCLUDED} THEN 1 ELSE 0 END) AS concluded, "
        f"sum(CASE WHEN state IN {_AGREED} THEN 1 ELSE 0 END) AS agreed, "
        "sum(CASE WHEN state = 'transferred' THEN 1 ELSE 0 END) AS transferred, "
        "sum(CASE WHEN state = 'withdrawn' THEN 1 ELSE 0 END) AS withdrawn, "
        f"avg(CASE WHEN state IN {_CONCLUDED} THEN "
        f"{view.days_between('filed_at', 'updated_at')} END) AS days "
        "FROM {case_list} WHERE filed_at >= :since AND filed_at < :until "
        f"GROUP BY {column} ORDER BY {column}",
        {"since": since, "until": until},
    )
