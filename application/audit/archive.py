"""`tiaojie audit export-case ID`: one archive with a case's evidence, to verify offline.

It holds the case's entries across institutions with the stored events they hash and their
inclusion proofs, the counted checkpoint with the published keys, the documents and recordings
the events name (with their SHA-256), the standalone verifier and a script that checks it all
(application/audit/offline/verify_archive.py), so a court can verify it on a machine that has
never seen the server.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from application.audit.case_trail import case_aggregates, case_leaves
from application.audit.log import AuditLog
from application.audit.verify import Source
from application.mediation_center.app import MediationCenter
from application.notary_office.app import NotaryOffice
from domain.shared import tlog

VERIFIER = Path(__file__).parent / "offline" / "verify_archive.py"
README = """A tiaojie case archive: the case's audit trail and documents, verifiable offline.

    python3 -I verify_archive.py .        (in the unpacked folder; or give the .zip)

needs Python 3.11+ and the `cryptography` package. Compare the keys in manifest.json with the
log's and witnesses' keys you pinned (or that the institutions publish): the archive proves
what those keys signed, and nothing about keys you did not check.
"""


def _documents(
    sources: Sequence[Source], related: Iterable[UUID], files: Any
) -> list[tuple[str, Path]]:
    """(SHA-256, file) of every certificate, letter and recording the case's events name."""
    found: dict[str, Path] = {}
    for source in sources:
        for aggregate_id in related:
            for event in source.app.events.get(aggregate_id):
                issuance = getattr(event, "issuance", None)
                if issuance is not None:
                    found[issuance.pdf_sha256] = files.path(issuance.pdf_sha256)
                letter = getattr(event, "letter_sha256", None)
                if letter:
                    found[letter] = files.path(letter)
                for recording in getattr(event, "files", ()) or ():
                    found[recording.sha256] = Path(recording.file)
    return sorted(found.items())


def export_case(
    log: AuditLog,
    sources: Sequence[Source],
    center: MediationCenter,
    notary: NotaryOffice,
    case_id: UUID,
    out: Path,
) -> int:
    """Write the archive; how many entries it holds."""
    related = case_aggregates(center, notary, case_id)
    note = log.latest()
    size = int(note.split("\n")[1])
    by_app = {source.app.name: source.app for source in sources}
    entries = []
    with log.store.reading() as mth:
        for leaf in case_leaves(log.store, related, size):
            app = by_app[leaf.fields["application"]]
            [record] = app.recorder.select_notifications(leaf.fields["notification_id"], 1)
            originator = record.originator_id
            entries.append(
                {
                    "index": leaf.index,
                    "entry": leaf.entry,
                    "inclusion_proof": [
                        h.hex() for h in tlog.inclusion_path(leaf.index, size, mth)
                    ],
                    "record": {
                        "originator_id": originator.hex
                        if isinstance(originator, UUID)
                        else str(originator),
                        "originator_version": record.originator_version,
                        "topic": record.topic,
                        "state": base64.b64encode(record.state).decode(),
                    },
                }
            )
    documents = _documents(sources, related, notary.documents)
    manifest = {
        "case_id": str(case_id),
        "checkpoint": note,
        "keys": log.vkeys(),
        "quorum": log.quorum,
        "entries": entries,
        "documents": [
            {"file": f"documents/{sha}{path.suffix}", "sha256": sha} for sha, path in documents
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        archive.writestr("tlog.py", Path(tlog.__file__).read_text(encoding="utf-8"))
        archive.writestr("verify_archive.py", VERIFIER.read_text(encoding="utf-8"))
        archive.writestr("README.txt", README)
        for sha, path in documents:
            archive.write(path, f"documents/{sha}{path.suffix}")
    return len(entries)
