"""Notary benchmark: issue and sign certificates, then verify them.

    .venv/bin/python bench/notary.py [--count 1000]

Matters are taken to `signed` first (not timed); then each `issue` is timed end to end:
number, render (fpdf2, CJK font subset, QR code), PAdES signature (pyHanko), file write and
the `Issued` event. Rendering and signing alone are timed on the side to show what bounds
it. Verification latency is `NotaryOffice.verify` with the PDF (hash and full signature
validation). Target: at least 50 signed PDFs/s. Figures are appended to bench/notary.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.demo import NOTARY
from application.documents.signed_documents import render_pdf
from application.notary_office import commands as notary_cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from bench.run import record
from domain.shared.actors import Role
from tests.conftest import make_platform, settings_for
from tests.support.data import PARTY_ID, START

HERE = Path(__file__).resolve().parent
URL = "http://127.0.0.1:8000/verify"
STAFF = Principal("notary1", Role.NOTARY, NOTARY)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        platform = make_platform(settings_for("sqlite", Path(tmp)), ManualClock(START))
        notary = platform.notary
        matters = []
        with Progress() as progress:
            task = progress.add_task("matters to sign", total=args.count)
            for n in range(args.count):
                matter = notary.apply(
                    STAFF,
                    notary_cmd.TakeApplication(
                        matter_type="declaration",
                        applicant_name=f"申请人{n}",
                        applicant_id_number=PARTY_ID,
                        lives_abroad=True,
                        remote=True,
                        document_text=f"本人声明：第{n}号声明书内容属实。",
                        related_id=None,
                    ),
                )
                notary.act(matter.id, STAFF, notary_cmd.CheckEligibility())
                notary.act(
                    matter.id,
                    STAFF,
                    notary_cmd.RecordIdentityCheck(method="face_match", passed=True),
                )
                notary.act(
                    matter.id,
                    STAFF,
                    notary_cmd.SignDocument(
                        method="electronic",
                        document_sha256=matter.document_sha256,
                        accepts_enforcement=False,
                    ),
                )
                matters.append(matter.id)
                progress.advance(task)
            task = progress.add_task("issue + sign", total=args.count)
            started = time.perf_counter()
            numbers = []
            for matter_id in matters:
                issued = notary.act(matter_id, STAFF, notary_cmd.IssueCertificate())
                assert issued.issuance is not None
                numbers.append(issued.issuance.certificate_number)
                progress.advance(task)
            issue_seconds = time.perf_counter() - started

        sample = 100
        body = "本人声明：声明书内容属实。\n" * 20
        started = time.perf_counter()
        pdfs = [
            render_pdf(
                "声明书公证书",
                "Notarial certificate",
                body,
                "http://x/verify",
                notary.documents.font,
            )
            for _ in range(sample)
        ]
        render_each = (time.perf_counter() - started) / sample
        started = time.perf_counter()
        for pdf in pdfs:
            notary.pki.sign(pdf, notary.config.code, notary.config.name)
        sign_each = (time.perf_counter() - started) / sample

        latencies = []
        for matter_id, number in list(zip(matters, numbers, strict=True))[:sample]:
            pdf = notary.certificate_pdf(matter_id, STAFF)
            started = time.perf_counter()
            assert notary.verify(number, pdf, None).genuine
            latencies.append(time.perf_counter() - started)
        platform.close()
    latencies.sort()
    result = {
        "certificates": args.count,
        "signed_pdfs_per_s": round(args.count / issue_seconds, 1),
        "issue_ms_mean": round(1000 * issue_seconds / args.count, 2),
        "render_ms": round(1000 * render_each, 2),
        "sign_ms": round(1000 * sign_each, 2),
        "verify_ms_p50": round(1000 * statistics.median(latencies), 2),
        "verify_ms_p99": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 2),
        "target_signed_pdfs_per_s": 50,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result), flush=True)
    record("notary.json", result)


if __name__ == "__main__":
    main()
