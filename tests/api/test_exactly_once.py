"""Exactly once when the network fails: a proxy between the server and PostgreSQL loses the
reply to a commit. The library retries the insert and meets its own first one; the command
must find out that it took effect and answer the truth, never run a second time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from litestar.testing import TestClient

from api.app import create_app
from application.bootstrap import Platform
from domain.mediation.mediation_case import MediationCase
from tests.conftest import PG_URL
from tests.support.data import filing_data
from tests.support.faults import CommitReplyDropper, commit_reply_dropper
from tests.support.http import Api, build


@pytest.fixture
def through_proxy(
    tmp_path: Path, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Api, CommitReplyDropper]]:
    monkeypatch.setenv("PGSSLMODE", "disable")  # the proxy reads the protocol in the clear
    database = urlparse(PG_URL)
    with commit_reply_dropper() as proxy:
        proxy.upstream = (database.hostname or "127.0.0.1", database.port or 5432)
        url = database._replace(netloc=f"{database.username}@127.0.0.1:{proxy.port}").geturl()
        platform, clock = build(
            "sqlite",
            tmp_path,
            TIAOJIE_DATABASE_URL=url,
            TIAOJIE_POSTGRES_SCHEMA=pg_schema,
            TIAOJIE_PROJECTIONS="external",  # no follower commits to lose instead
            TIAOJIE_MEDIA_WORKERS="0",
        )
        try:
            with TestClient(app=create_app(platform)) as client:
                yield Api(client, platform, clock), proxy
        finally:
            platform.close()


def _filed(platform: Platform) -> list[Any]:
    return [platform.center.file_of(i) for i in platform.center.ids_of(MediationCase.Filed)]


def test_a_lost_commit_reply_neither_duplicates_nor_lies(
    through_proxy: tuple[Api, CommitReplyDropper],
) -> None:
    api, proxy = through_proxy
    proxy.arm()
    filed = api.call("POST", "/api/cases", "bank_agent", json=filing_data())
    assert proxy.dropped == 1, "the fault was not injected"
    assert filed.status_code == 201, filed.text
    cases = _filed(api.platform)
    assert [c.filing_number for c in cases] == [filed.json()["filing_number"]]

    case_id = filed.json()["id"]
    proxy.arm()
    accepted = api.act(case_id, "accept", "admin")
    assert proxy.dropped == 2
    assert accepted.status_code == 200, accepted.text
    events = list(api.platform.center.events.get(cases[0].id))
    assert [type(e).__name__ for e in events] == ["Filed", "Accepted"]


def test_a_lost_snapshot_reply_after_the_commit_does_not_fail_the_filing(
    through_proxy: tuple[Api, CommitReplyDropper],
) -> None:
    """The filing's events are committed; the number sequence's snapshot, written after them,
    loses its reply: the filing is still acknowledged, once (a 500 here made clients file it
    again)."""
    api, proxy = through_proxy
    proxy.marker = b'_snapshots" AS t'  # the insert of a snapshot (a number sequence's, every 20)
    proxy.arm()
    acknowledged = 0
    while not proxy.dropped:
        filed = api.call("POST", "/api/cases", "bank_agent", json=filing_data())
        assert filed.status_code == 201, filed.text
        acknowledged += 1
        assert acknowledged <= 25, "no snapshot was written"
    assert len(_filed(api.platform)) == acknowledged
