"""Video rooms with real aiortc peers against a running server over its WebSocket."""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import timedelta
from pathlib import Path

import av
import jwt

from application.shared.video_sessions import AUDIENCE
from tests.support.server import PASSWORD, Server
from tests.video.peers import Peer, until, until_stable

SETTLE = 1.5  # seconds to let media flow (or not) before comparing counts


def names(events: list[object]) -> list[str]:
    return [type(e).__qualname__.split(".")[-1] for e in events]


def test_lobby_joint_session_and_caucus(server: Server) -> None:
    session_id, host_token, mediator = server.session()
    a = server.invite(session_id, mediator, "张三", "respondent")
    b = server.invite(session_id, mediator, "江北商业银行代理人", "applicant")

    async def scenario() -> None:
        host = server.peer(session_id, host_token)
        alice = server.peer(session_id, a["token"])
        bob = server.peer(session_id, b["token"])
        try:
            assert (await host.join())["role"] == "host"
            assert (await alice.join())["participant"] == a["participant_id"]
            assert (await bob.join())["participant"] == b["participant_id"]
            await asyncio.sleep(SETTLE * 2)
            # The lobby receives nothing and sends nothing.
            assert alice.received(None) == 0 and bob.received(None) == 0
            assert host.received(a["participant_id"]) == 0
            room = alice.last("room")
            assert room is not None and room["audience"][a["participant_id"]] == []

            await host.send(
                {"type": "admit", "participant": alice.participant, "identity_check": "id_document"}
            )
            await until(lambda: host.received(alice.participant) > 10, what="host sees alice")
            await until(lambda: alice.received(host.participant) > 10, what="alice sees host")
            assert bob.received(None) == 0 and host.received(bob.participant) == 0

            await host.send(
                {"type": "admit", "participant": bob.participant, "identity_check": "known_person"}
            )
            await until(lambda: bob.received(alice.participant) > 10, what="bob sees alice")
            await until(lambda: alice.received(bob.participant) > 10, what="alice sees bob")

            # Caucus of the host with alice: bob receives nothing from either, and they
            # nothing from bob.
            await host.send({"type": "open_caucus", "participants": [alice.participant]})

            def bobs() -> tuple[int, int, int, int]:
                return (
                    bob.received(alice.participant),
                    bob.received(host.participant),
                    alice.received(bob.participant),
                    host.received(bob.participant),
                )

            frozen = await until_stable(bobs, what="media to and from bob")
            alice_from_host = alice.received(host.participant)
            await until(  # the caucus talks on: the frames are the clock
                lambda: alice.received(host.participant) > alice_from_host + 30, what="caucus"
            )
            assert frozen == bobs()
            await host.send({"type": "close_caucus"})
            await until(lambda: bob.received(host.participant) > frozen[1] + 10, what="bob back in")

            # Only the host acts as host.
            await bob.send({"type": "open_caucus", "participants": [bob.participant]})
            await until(lambda: bob.last("error") is not None, what="refusal")
            assert bob.last("error")["code"] == "forbidden"  # type: ignore[index]
        finally:
            for peer in (host, alice, bob):
                await peer.close()

    asyncio.run(scenario())
    events = server.wait_for_events(session_id, lambda found: names(found).count("Left") == 3)
    events = names(events)
    assert events.count("Admitted") == 2
    assert "CaucusOpened" in events and "CaucusClosed" in events
    assert events.count("Left") == 3


def test_removed_participant_is_cut_off_and_a_dropped_one_comes_back(server: Server) -> None:
    session_id, host_token, mediator = server.session()
    a = server.invite(session_id, mediator, "张三", "respondent")
    b = server.invite(session_id, mediator, "李四", "applicant")

    async def scenario() -> None:
        host = server.peer(session_id, host_token)
        alice = server.peer(session_id, a["token"])
        bob = server.peer(session_id, b["token"])
        try:
            for peer in (host, alice, bob):
                await peer.join()
            for peer in (alice, bob):
                await host.send(
                    {"type": "admit", "participant": peer.participant, "identity_check": "account"}
                )
            await until(lambda: bob.received(alice.participant) > 10, what="media")
            # Removed: the connection is closed, the invitation no longer works.
            await host.send({"type": "remove", "participant": bob.participant, "reason": "扰乱"})
            await asyncio.wait_for(bob.closed.wait(), 10)
            assert bob.last("error")["code"] == "removed"  # type: ignore[index]
            await asyncio.sleep(1.0)  # frames already in flight
            seen = host.received(bob.participant)
            await asyncio.sleep(SETTLE)
            assert host.received(bob.participant) == seen
            again = server.peer(session_id, b["token"])
            refused = await again.join()
            assert refused["type"] == "error" and refused["code"] == "removed"

            # Dropped: alice reconnects with the same link, as the same admitted participant.
            await alice.close()

            def alice_away() -> bool:
                room = host.last("room") or {"participants": []}
                return any(
                    p["id"] == a["participant_id"] and not p["present"]
                    for p in room["participants"]
                )

            await until(alice_away, what="the server to see alice gone")
            alice2 = server.peer(session_id, a["token"])
            welcome = await alice2.join()
            assert welcome["participant"] == a["participant_id"] and welcome["connection"] == 2
            await until(lambda: alice2.received(host.participant) > 10, what="alice back")
            await until(lambda: host.received(alice2.participant) > 10, what="host sees alice")
            room = alice2.last("room")
            assert room is not None
            me = next(p for p in room["participants"] if p["id"] == a["participant_id"])
            assert me["admitted"] is True and me["role"] == "respondent"
            await alice2.close()
        finally:
            for peer in (host, alice, bob):
                await peer.close()

    asyncio.run(scenario())
    # host, alice and alice again leave; bob was removed (no Left after Removed)
    events = server.wait_for_events(session_id, lambda found: names(found).count("Left") == 3)
    joins = [e for e in events if type(e).__qualname__.endswith("Joined")]
    resumed = [e for e in joins if e.participant_id == a["participant_id"] and e.resumed]  # type: ignore[attr-defined]
    assert len(resumed) == 1
    assert any(type(e).__qualname__.endswith("Removed") for e in events)


def test_a_second_connection_replaces_the_first(server: Server) -> None:
    session_id, _, mediator = server.session()
    a = server.invite(session_id, mediator, "张三", "respondent")

    async def scenario() -> None:
        first = server.peer(session_id, a["token"])
        second = server.peer(session_id, a["token"])
        try:
            await first.join()
            await second.join()
            await asyncio.wait_for(first.closed.wait(), 10)
            assert first.last("error")["code"] == "replaced"  # type: ignore[index]
            assert not second.closed.is_set()
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())
    joins = [e for e in server.events(session_id) if type(e).__qualname__.endswith("Joined")]
    assert [j.replaced for j in joins] == [False, True]  # type: ignore[attr-defined]


def test_bad_invitations_are_refused_and_record_nothing(server: Server) -> None:
    session_id, _, mediator = server.session()
    other_id, _, _ = server.session()
    a = server.invite(session_id, mediator, "张三", "respondent")
    b = server.invite(session_id, mediator, "李四", "applicant")
    revoked = server.http.post(
        f"/api/video_sessions/{session_id}/invitations/{b['participant_id']}/revoke",
        headers=mediator,
    )
    assert revoked.status_code == 200, revoked.text
    forged = jwt.encode(
        {
            "sid": session_id,
            "pid": a["participant_id"],
            "exp": int(time.time()) + 600,
            "aud": AUDIENCE,
        },
        "not the key of this server, 32 bytes+",
        algorithm="HS256",
    )
    before = len(server.events(session_id))

    async def refusal(target: str, token: str) -> dict[str, object]:
        peer = server.peer(target, token)
        try:
            return await peer.join()
        finally:
            await peer.close()

    async def scenario() -> None:
        cases = [
            (session_id, forged, "forged"),
            (session_id, b["token"], "revoked"),
            (other_id, a["token"], "other_session"),
            (session_id, "garbage", "forged"),
        ]
        for target, token, rule in cases:
            answer = await refusal(target, token)
            assert answer["type"] == "error" and answer["code"] == rule, answer
            assert answer["detail"]
        server.clock.advance(timedelta(hours=80))  # past the 72-hour invitation
        try:
            answer = await refusal(session_id, a["token"])
            assert answer["code"] == "expired", answer
        finally:
            server.clock.advance(-timedelta(hours=80))

    asyncio.run(scenario())
    assert len(server.events(session_id)) == before


def test_recordings_are_kept_with_their_hashes_and_never_overwritten(server: Server) -> None:
    session_id, host_token, mediator = server.session()
    a = server.invite(session_id, mediator, "张三", "respondent")

    async def recorded_enough() -> None:
        """Until both participants' audio and video recordings hold more frames than asserted."""
        give_up = asyncio.get_running_loop().time() + 30
        while True:
            recorded = (await server.media(session_id, "stats"))["recorded"]
            counts = [n for tracks in recorded.values() for n in tracks.values()]
            if len(counts) == 4 and min(counts) > 10:
                return
            assert asyncio.get_running_loop().time() < give_up, recorded
            await asyncio.sleep(0.05)

    async def scenario() -> None:
        host = server.peer(session_id, host_token)
        alice = server.peer(session_id, a["token"])
        try:
            await host.join()
            await alice.join()
            await host.send(
                {"type": "admit", "participant": alice.participant, "identity_check": "account"}
            )
            await until(lambda: host.received(alice.participant) > 5, what="media")
            for _ in range(2):
                await host.send({"type": "start_recording"})
                await until(
                    lambda: (alice.last("room") or {}).get("recording") is True, what="notice"
                )
                assert "recorded" in alice.last("room")["notice"]  # type: ignore[index]
                await recorded_enough()
                await host.send({"type": "stop_recording"})
                await until(
                    lambda: (alice.last("room") or {}).get("recording") is False, what="stopped"
                )
        finally:
            await host.close()
            await alice.close()

    asyncio.run(scenario())
    stops = [
        e for e in server.events(session_id) if type(e).__qualname__.endswith("RecordingStopped")
    ]
    assert len(stops) == 2
    files = [f for stop in stops for f in stop.files]  # type: ignore[attr-defined]
    assert len(files) == 8  # two participants, audio and video, twice
    assert len({f.file for f in files}) == 8  # a second recording never reuses a name
    for f in files:
        path = Path(f.file)
        assert path.is_relative_to(server.evidence)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f.sha256
        assert f.size_bytes == path.stat().st_size > 0
        assert not path.stat().st_mode & 0o222  # read-only evidence
        with av.open(str(path)) as container:  # playable: forwarded video remuxed as received
            assert sum(1 for _ in container.decode(container.streams[0])) > 5
    read = server.http.get(f"/api/video_sessions/{session_id}", headers=mediator).json()
    assert {f.participant_id for f in files} == {a["participant_id"], read["host_id"]}
    assert [r["sha256"] for r in read["recordings"]] == [f.sha256 for f in files]


def test_http_acts_on_sessions_follow_the_rules(server: Server) -> None:
    session_id, _, mediator = server.session()
    admin = server.login("admin")
    case_id = server.http.get(f"/api/video_sessions/{session_id}", headers=mediator).json()[
        "case_id"
    ]
    refused = server.http.post(
        f"/api/cases/{case_id}/video_sessions",
        json={"title": "x", "starts_at": "2026-12-01T02:00:00Z"},
        headers=admin,
    )
    assert refused.status_code == 403, refused.text
    hidden = server.http.get(f"/api/video_sessions/{session_id}", headers=admin)
    assert hidden.status_code == 404
    bad = server.http.post(
        f"/api/video_sessions/{session_id}/invitations",
        json={"name": "张三", "role": "host"},
        headers=mediator,
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "role" in bad.text
    unsigned = server.http.post(
        f"/api/video_sessions/{session_id}/invitations", json={"name": "张三", "role": "observer"}
    )
    assert unsigned.status_code == 401
    page = server.http.get(f"/video/{session_id}")
    assert page.status_code == 200 and "video.js" in page.text
    assert len(server.events(session_id)) == 1  # only Scheduled: nothing refused was recorded


def test_a_signed_in_party_joins_without_the_link(server: Server) -> None:
    session_id, _, mediator = server.session()
    unknown = server.http.post(
        f"/api/video_sessions/{session_id}/invitations",
        json={"name": "张三", "role": "respondent", "account": "nobody"},
        headers=mediator,
    )
    assert unknown.status_code == 400 and "account" in unknown.text
    invited = server.invite(session_id, mediator, "张三", "respondent", account="party1")
    login = server.http.post("/api/auth/login", json={"username": "party1", "password": PASSWORD})
    cookie = "; ".join(f"{k}={v}" for k, v in login.cookies.items())
    server.http.cookies.clear()

    async def scenario() -> None:
        signed_in = Peer(server.base, session_id, None, cookie=cookie)
        anonymous = Peer(server.base, session_id, None)
        try:
            welcome = await signed_in.join()
            assert welcome["participant"] == invited["participant_id"], welcome
            refused = await anonymous.join()
            assert refused["code"] == "unauthenticated", refused
        finally:
            await signed_in.close()
            await anonymous.close()

    asyncio.run(scenario())
    joined = [e for e in server.events(session_id) if type(e).__qualname__.endswith("Joined")]
    assert [j.via for j in joined] == ["account"]  # type: ignore[attr-defined]
