"""The notary office: matter rules, signed certificates checked by pyHanko and poppler's pdfsig,
tampering, verification, and the enforcement certificate."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from application.bootstrap import Platform
from application.documents.signed_documents import DEFAULT_CJK_FONT
from application.mediation_center import commands as cmd
from application.notary_office import commands as notary_cmd
from application.notary_office.certificates import certificate_text
from application.shared.access import Forbidden, Principal
from application.shared.clock import ManualClock
from domain.notary.notarial_matter import MatterType
from domain.shared.actors import Role
from domain.shared.errors import ActRefused, InvalidValue
from domain.shared.money import format_yuan
from tests.conftest import missing
from tests.support.data import ADMIN, AGENT, MEDIATOR, NOTARY, PARTY, PARTY_ID, drive, settle

NOTARY_STAFF = Principal("notary1", Role.NOTARY, NOTARY)


@pytest.fixture
def fonts() -> None:
    if not DEFAULT_CJK_FONT.exists():
        missing("CJK fonts", "install Debian's fonts-noto-cjk")


def pdfsig(path: Path) -> str:
    if shutil.which("pdfsig") is None:
        missing("pdfsig", "install Debian's poppler-utils")
    done = subprocess.run(
        ["pdfsig", "-nocert", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


def power_of_attorney(platform: Platform, **kwargs: Any) -> Any:
    values: dict[str, Any] = {
        "lives_abroad": True,
        "remote": True,
        "document_text": "本人张三委托李四代为办理房产过户事宜。",
        "related_id": None,
    }
    values.update(kwargs)
    return platform.notary.apply(
        NOTARY_STAFF,
        notary_cmd.TakeApplication(
            matter_type="power_of_attorney",
            applicant_name="张三",
            applicant_id_number=PARTY_ID,
            **values,
        ),
    )


def on_record(platform: Platform, matter_type: str, applicant_name: str, related_id: Any) -> Any:
    """A matter built on a record already on the platform: no document text of its own."""
    return platform.notary.apply(
        NOTARY_STAFF,
        notary_cmd.TakeApplication(
            matter_type=matter_type,
            applicant_name=applicant_name,
            applicant_id_number=PARTY_ID,
            lives_abroad=False,
            remote=False,
            document_text="",
            related_id=related_id,
        ),
    )


def signed(platform: Platform, matter: Any) -> Any:
    platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    platform.notary.act(
        matter.id, NOTARY_STAFF, notary_cmd.RecordIdentityCheck(method="face_match", passed=True)
    )
    platform.notary.act(
        matter.id,
        NOTARY_STAFF,
        notary_cmd.RecordAnswer(question="是否自愿委托？", answer="是，自愿。"),
    )
    return platform.notary.act(
        matter.id,
        NOTARY_STAFF,
        notary_cmd.SignDocument(
            method="electronic",
            document_sha256=matter.document_sha256,
            accepts_enforcement=matter.matter_type == MatterType.ENFORCEABLE_AGREEMENT,
        ),
    )


def test_matter_rules(platform: Platform) -> None:
    with pytest.raises(Forbidden):
        platform.notary.apply(
            MEDIATOR,
            notary_cmd.TakeApplication(
                matter_type="declaration",
                applicant_name="张三",
                applicant_id_number=PARTY_ID,
                lives_abroad=False,
                remote=False,
                document_text="声明",
                related_id=None,
            ),
        )
    home = power_of_attorney(platform, lives_abroad=False)
    refused = platform.notary.act(home.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    assert refused.state == "refused"
    assert refused.refusal_reasons == ["remote notarization is for applicants who live abroad"]
    matter = power_of_attorney(platform)
    accepted = platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    assert accepted.state == "accepted" and accepted.fee_fen == 20_000
    with pytest.raises(ActRefused) as unverified:
        platform.notary.act(
            matter.id,
            NOTARY_STAFF,
            notary_cmd.SignDocument(method="electronic", document_sha256=matter.document_sha256),
        )
    assert unverified.value.rule == "identity_unverified"
    for _ in range(3):
        platform.notary.act(
            matter.id,
            NOTARY_STAFF,
            notary_cmd.RecordIdentityCheck(method="face_match", passed=False),
        )
    with pytest.raises(ActRefused) as exhausted:
        platform.notary.act(
            matter.id,
            NOTARY_STAFF,
            notary_cmd.RecordIdentityCheck(method="document_check", passed=True),
        )
    assert exhausted.value.rule == "attempts_exhausted"

    other = power_of_attorney(platform)
    platform.notary.act(other.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    platform.notary.act(
        other.id, NOTARY_STAFF, notary_cmd.RecordIdentityCheck(method="document_check", passed=True)
    )
    with pytest.raises(InvalidValue) as wrong_hash:
        platform.notary.act(
            other.id,
            NOTARY_STAFF,
            notary_cmd.SignDocument(method="electronic", document_sha256="0" * 64),
        )
    assert wrong_hash.value.field == "document_sha256"
    with pytest.raises(InvalidValue) as paper:
        platform.notary.act(
            other.id,
            NOTARY_STAFF,
            notary_cmd.SignDocument(method="wet_ink", document_sha256=other.document_sha256),
        )
    assert paper.value.field == "paper_original"
    with pytest.raises(ActRefused):
        platform.notary.act(other.id, NOTARY_STAFF, notary_cmd.IssueCertificate())  # not signed yet
    done = platform.notary.act(
        other.id,
        NOTARY_STAFF,
        notary_cmd.SignDocument(
            method="wet_ink", document_sha256=other.document_sha256, paper_original="档案室 A-12"
        ),
    )
    assert done.state == "signed" and done.paper_original == "档案室 A-12"
    with pytest.raises(ActRefused):
        platform.notary.act(other.id, NOTARY_STAFF, notary_cmd.Revoke(reason="错误"))  # not issued


def test_certificates_are_signed_numbered_verifiable_and_tamper_evident(
    platform: Platform, fonts: None, tmp_path: Path
) -> None:
    first = platform.notary.act(
        signed(platform, power_of_attorney(platform)).id,
        NOTARY_STAFF,
        notary_cmd.IssueCertificate(),
    )
    second = platform.notary.act(
        signed(platform, power_of_attorney(platform)).id,
        NOTARY_STAFF,
        notary_cmd.IssueCertificate(),
    )
    assert first.issuance.certificate_number == "(2026)渝江北证字1号"
    assert second.issuance.certificate_number == "(2026)渝江北证字2号"
    pdf = platform.notary.certificate_pdf(first.id, NOTARY_STAFF)
    assert hashlib.sha256(pdf).hexdigest() == first.issuance.pdf_sha256
    check = platform.notary.pki.check(pdf)
    assert check.genuine and check.signer_fingerprint == first.issuance.signer_fingerprint
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path)
    assert "Signature is Valid" in report and "Total document signed" in report, report
    assert "ETSI.CAdES.detached" in report
    number = first.issuance.certificate_number
    assert platform.notary.verify(number, pdf, None).current

    # One byte flipped inside the signed range.
    flipped = bytearray(pdf)
    at = pdf.index(b"/Producer") if b"/Producer" in pdf else len(pdf) // 3
    flipped[at + 2] ^= 0x01
    (tmp_path / "flipped.pdf").write_bytes(bytes(flipped))
    assert not platform.notary.pki.check(bytes(flipped)).genuine
    assert "Signature is Valid" not in pdfsig(tmp_path / "flipped.pdf")
    changed = platform.notary.verify(number, bytes(flipped), None)
    assert not changed.genuine and changed.detail.startswith("not genuine")

    # An incremental update appended after signing.
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    (tmp_path / "appended.pdf").write_bytes(appended)
    late = platform.notary.pki.check(appended)
    assert late.intact and not late.whole_file and not late.genuine
    assert "Not total document signed" in pdfsig(tmp_path / "appended.pdf")
    assert not platform.notary.verify(number, appended, None).genuine

    assert platform.notary.verify(number, None, first.issuance.pdf_sha256).genuine
    assert not platform.notary.verify("(2026)渝江北证字99号", pdf, None).found
    platform.notary.act(first.id, NOTARY_STAFF, notary_cmd.Revoke(reason="申请人撤回"))
    revoked = platform.notary.verify(number, pdf, None)
    assert revoked.genuine and revoked.revoked and not revoked.current


def test_enforcement_certificate_after_default_and_letter(
    platform: Platform, clock: ManualClock, fonts: None
) -> None:
    case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
    agreement, _ = platform.center.agreement(case.agreement_id, ADMIN)
    instrument = on_record(platform, "enforceable_agreement", "张三", agreement.id)
    assert instrument.document_sha256 == agreement.text_sha256
    platform.notary.act(instrument.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    platform.notary.act(
        instrument.id, NOTARY_STAFF, notary_cmd.RecordIdentityCheck(method="in_person", passed=True)
    )
    with pytest.raises(InvalidValue) as consent:
        platform.notary.act(
            instrument.id,
            NOTARY_STAFF,
            notary_cmd.SignDocument(
                method="electronic",
                document_sha256=instrument.document_sha256,
                accepts_enforcement=False,
            ),
        )
    assert consent.value.field == "accepts_enforcement"
    platform.notary.act(
        instrument.id,
        NOTARY_STAFF,
        notary_cmd.SignDocument(
            method="electronic",
            document_sha256=instrument.document_sha256,
            accepts_enforcement=True,
        ),
    )
    issued = platform.notary.act(instrument.id, NOTARY_STAFF, notary_cmd.IssueCertificate())
    assert issued.enforceable

    early = on_record(platform, "enforcement_certificate", "江北商业银行", instrument.id)
    refused = platform.notary.act(early.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    assert refused.refusal_reasons == ["the agreement is not in default"]

    clock.set(clock().replace(month=7, day=9))  # both instalments unpaid: in default
    platform.center.agreement_act(agreement.id, AGENT, cmd.DeclareDefault())
    matter = on_record(platform, "enforcement_certificate", "江北商业银行", instrument.id)
    platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.CheckEligibility())
    sent = platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.ServeLetter())
    assert sent.state == "letter_sent" and sent.letter_deadline is None  # no e-service: by post
    with pytest.raises(ActRefused) as undelivered:
        platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.IssueCertificate())
    assert undelivered.value.rule == "state"
    clock.advance(timedelta(days=3))
    with pytest.raises(InvalidValue) as tracking:
        platform.notary.act(
            matter.id,
            NOTARY_STAFF,
            notary_cmd.RecordLetterDelivery(method="postal", delivered_at=clock()),
        )
    assert tracking.value.field == "reference"
    served = platform.notary.act(
        matter.id,
        NOTARY_STAFF,
        notary_cmd.RecordLetterDelivery(
            method="postal", delivered_at=clock() - timedelta(days=1), reference="EMS1234567890CN"
        ),
    )
    assert served.letter_deadline is not None
    assert served.letter_deadline.start == (clock() - timedelta(days=1)).date()  # from delivery
    with pytest.raises(ActRefused) as waiting:
        platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.IssueCertificate())
    assert waiting.value.rule == "letter_deadline"
    clock.advance(timedelta(days=10))
    certificate = platform.notary.act(matter.id, NOTARY_STAFF, notary_cmd.IssueCertificate())
    number = certificate.issuance.certificate_number
    # It states the debtor, what is owed by instalment, and until when to apply.
    statement = platform.notary.enforcement_statement(certificate)
    assert statement is not None and statement.debtor == case.filing.respondent.name
    assert statement.outstanding_fen == agreement.plan.total_fen
    assert [row[0] for row in statement.instalments] == [1, 2]
    text = certificate_text("江北公证处", certificate, number, clock(), statement)
    assert statement.debtor in text and format_yuan(statement.outstanding_fen) in text
    assert statement.apply_by is not None and statement.apply_by.isoformat() in text

    found = platform.notary.enforcement_certificate(number)
    agreement, case = platform.center.agreement(agreement.id, AGENT)
    with pytest.raises(Forbidden):
        platform.court.apply_for_notarized_enforcement(found, issued, agreement, case, PARTY)
    opened = platform.court.apply_for_notarized_enforcement(found, issued, agreement, case, AGENT)
    assert opened.basis == "notarized_instrument" and opened.basis_id == issued.id
    assert opened.amount_fen == agreement.plan.total_fen
    with pytest.raises(ActRefused) as twice:
        platform.court.apply_for_notarized_enforcement(found, issued, agreement, case, AGENT)
    assert twice.value.rule == "already_opened"
