"""A case's evidence archive verifies on a machine that never saw the server: in a fresh folder,
under `python -I -S` (no site-packages, so tiaojie is not importable; only `cryptography` is
copied beside it), with the standalone verifier it carries. One changed byte is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import cryptography
import pytest

from application.audit.archive import export_case
from application.documents.signed_documents import DEFAULT_CJK_FONT
from application.notary_office import commands as notary_cmd
from application.shared.access import Principal
from application.shared.clock import ManualClock
from domain.shared.actors import Role
from tests.conftest import make_platform, missing, settings_for
from tests.support.data import NOTARY, PARTY_ID, drive, settle
from tests.support.witnesses import WitnessPool

NOTARY_STAFF = Principal("notary1", Role.NOTARY, NOTARY)


def run_offline(folder: Path, target: str) -> subprocess.CompletedProcess[str]:
    shutil.copytree(Path(cryptography.__file__).parent, folder / "cryptography", dirs_exist_ok=True)
    for dependency in ("cffi", "_cffi_backend"):  # what cryptography loads, if present
        for found in Path(cryptography.__file__).parents[1].glob(f"{dependency}*"):
            if found.is_dir():
                shutil.copytree(found, folder / found.name, dirs_exist_ok=True)
            else:
                shutil.copy(found, folder / found.name)
    return subprocess.run(
        [sys.executable, "-I", "-S", "verify_archive.py", target],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_case_archive_verifies_offline_and_refuses_a_changed_byte(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool
) -> None:
    if not DEFAULT_CJK_FONT.exists():
        missing("CJK fonts", "install Debian's fonts-noto-cjk")
    platform = make_platform(settings_for("sqlite", tmp_path, **witnesses.env(tmp_path)), clock)
    try:
        case = settle(platform.center, clock, drive(platform.center, clock, "in_mediation"))
        instrument = platform.notary.apply(
            NOTARY_STAFF,
            notary_cmd.TakeApplication(
                matter_type="enforceable_agreement",
                applicant_name="张三",
                applicant_id_number=PARTY_ID,
                related_id=case.agreement_id,
            ),
        )
        for command in (
            notary_cmd.CheckEligibility(),
            notary_cmd.RecordIdentityCheck(method="in_person", passed=True),
            notary_cmd.SignDocument(
                method="electronic",
                document_sha256=instrument.document_sha256,
                accepts_enforcement=True,
            ),
            notary_cmd.IssueCertificate(),
        ):
            platform.notary.act(instrument.id, NOTARY_STAFF, command)
        platform.catch_up()
        archive = tmp_path / "case.zip"
        count = export_case(
            platform.audit,
            platform.audit_sources(),
            platform.center,
            platform.notary,
            case.id,
            archive,
        )
    finally:
        platform.close()
    assert count > 10
    folder = tmp_path / "elsewhere"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(folder)
        assert sum(name.startswith("documents/") for name in bundle.namelist()) == 1  # the PDF
    # tiaojie is not importable there.
    probe = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import application"],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert probe.returncode != 0
    verified = run_offline(folder, ".")
    assert verified.returncode == 0, verified.stderr
    assert "verified" in verified.stdout and "cosigned by" in verified.stdout
    [pdf] = (folder / "documents").iterdir()
    changed = bytearray(pdf.read_bytes())
    changed[len(changed) // 2] ^= 1
    pdf.write_bytes(bytes(changed))
    refused = run_offline(folder, ".")
    assert refused.returncode == 1 and "SHA-256 differs" in refused.stderr
    pdf.write_bytes(bytes(changed[: len(changed) // 2]))  # and the zip, untouched, still verifies
    assert run_offline(folder, str(archive)).returncode == 0


@pytest.mark.parametrize("part", ["entry", "checkpoint"])
def test_an_archive_with_a_changed_entry_or_checkpoint_is_refused(
    tmp_path: Path, clock: ManualClock, witnesses: WitnessPool, part: str
) -> None:
    platform = make_platform(settings_for("sqlite", tmp_path, **witnesses.env(tmp_path)), clock)
    try:
        case = drive(platform.center, clock, "in_mediation")
        platform.catch_up()
        archive = tmp_path / "case.zip"
        export_case(
            platform.audit,
            platform.audit_sources(),
            platform.center,
            platform.notary,
            case.id,
            archive,
        )
        agent, admin = (
            f'"{platform.directory.pseudonyms.of("user", name)}"'
            for name in ("bank_agent", "admin")
        )
    finally:
        platform.close()
    folder = tmp_path / "elsewhere"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    if part == "entry":  # who acted, changed in an entry
        entry = manifest["entries"][0]
        assert agent in entry["entry"]
        entry["entry"] = entry["entry"].replace(agent, admin)
    else:  # a larger tree claimed than was signed
        origin, size, rest = manifest["checkpoint"].split("\n", 2)
        manifest["checkpoint"] = f"{origin}\n{int(size) + 1}\n{rest}"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    refused = run_offline(folder, ".")
    assert refused.returncode == 1 and "NOT verified" in refused.stderr
