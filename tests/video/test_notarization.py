"""A remote notarization with aiortc peers on loopback: the notary hosts, the applicant abroad
joins from the link; identity check and recording hashes in the events; certificate issued."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from uuid import UUID

from application.documents.signed_documents import DEFAULT_CJK_FONT
from tests.conftest import missing
from tests.support.data import PARTY_ID
from tests.support.server import Server
from tests.video.peers import until


def test_remote_notarization_is_recorded_and_certified(server: Server) -> None:
    if not DEFAULT_CJK_FONT.exists():
        missing("CJK fonts", "install Debian's fonts-noto-cjk")
    notary = server.login("notary1")
    created = server.http.post(
        "/api/notarial_matters",
        json={
            "matter_type": "power_of_attorney",
            "applicant_name": "张三",
            "applicant_id_number": PARTY_ID,
            "lives_abroad": True,
            "remote": True,
            "document_text": "本人张三委托李四代为办理房产过户事宜。",
        },
        headers=notary,
    )
    assert created.status_code == 201, created.text
    matter = created.json()
    path = f"/api/notarial_matters/{matter['id']}"

    def act(body: dict[str, object]) -> dict[str, object]:
        fields = {k: v for k, v in body.items() if k != "act"}
        response = server.http.post(f"{path}/{body['act']}", json=fields, headers=notary)
        assert response.status_code == 200, response.text
        found: dict[str, object] = response.json()
        return found

    act({"act": "check_eligibility"})
    mediator = server.login("mediator1")
    assert server.http.post(
        f"{path}/video_sessions",
        json={"title": "远程公证", "starts_at": "2026-12-01T02:00:00Z"},
        headers=mediator,
    ).status_code in (403, 404)
    scheduled = server.http.post(
        f"{path}/video_sessions",
        json={"title": "远程公证 Remote notarization", "starts_at": "2026-12-01T02:00:00Z"},
        headers=notary,
    )
    assert scheduled.status_code == 201, scheduled.text
    session_id = scheduled.json()["id"]
    invitation = server.invite(session_id, notary, "张三", "applicant")
    host_token = server.http.post(
        f"/api/video_sessions/{session_id}/host_link", headers=notary
    ).json()["token"]

    async def scenario() -> None:
        host = server.peer(session_id, host_token)
        applicant = server.peer(session_id, invitation["token"])
        try:
            assert (await host.join())["role"] == "host"
            await applicant.join()
            await host.send(
                {
                    "type": "admit",
                    "participant": applicant.participant,
                    "identity_check": "id_document",
                }
            )
            await until(lambda: host.received(applicant.participant) > 10, what="applicant video")
            await host.send({"type": "start_recording"})
            await until(lambda: (applicant.last("room") or {}).get("recording") is True)
            await asyncio.to_thread(
                act, {"act": "record_identity_check", "method": "face_match", "passed": True}
            )
            await asyncio.to_thread(
                act,
                {"act": "record_answer", "question": "是否自愿委托？", "answer": "是，自愿。"},
            )
            await asyncio.to_thread(
                act,
                {
                    "act": "sign",
                    "method": "wet_ink",
                    "document_sha256": matter["document_sha256"],
                    "paper_original": "寄回原件，档案 2026-118",
                },
            )
            await asyncio.sleep(1)
            await host.send({"type": "stop_recording"})
            await until(lambda: (applicant.last("room") or {}).get("recording") is False)
            await host.send({"type": "end"})
            await asyncio.wait_for(applicant.closed.wait(), 10)
        finally:
            await host.close()
            await applicant.close()

    asyncio.run(scenario())
    session = server.http.get(f"/api/video_sessions/{session_id}", headers=notary).json()
    assert session["state"] == "ended"
    assert len(session["recordings"]) == 4  # host and applicant, audio and video
    for recording in session["recordings"]:
        data = Path(recording["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == recording["sha256"]
    issued = server.http.post(f"{path}/issue", json={}, headers=notary)
    assert issued.status_code == 200, issued.text
    found = issued.json()
    assert found["video_session_id"] == session_id
    assert [c["method"] for c in found["identity_checks"]] == ["face_match"]
    assert found["signing_method"] == "wet_ink"
    assert found["issuance"]["certificate_number"].endswith("证字1号")
    events = server.platform.notary.events.get(UUID(session_id))
    names = [type(e).__name__ for e in events]
    assert "Admitted" in names and "RecordingStopped" in names and names[-1] == "Ended"
    pdf = server.http.get(f"{path}/certificate.pdf", headers=notary).content
    assert server.platform.notary.verify(found["issuance"]["certificate_number"], pdf, None).genuine
