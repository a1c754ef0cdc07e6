"""PDF documents rendered from canonical texts: zh-CN with a CJK font embedded (subset), an
English rendering after it, and a QR code carrying the verification link."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import segno
from fpdf import FPDF

from application.documents.pki import InstitutionPKI

DEFAULT_CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SIMPLIFIED_CHINESE_FACE = 2  # the SC face in Noto's collections


class FontMissing(Exception):
    """The configured CJK font is not installed (Debian: fonts-noto-cjk)."""


def render_pdf(
    title: str, subtitle: str, body: str, verification_url: str, font: Path = DEFAULT_CJK_FONT
) -> bytes:
    if not font.exists():
        msg = f"CJK font {font} is missing (install fonts-noto-cjk or set TIAOJIE_CJK_FONT)"
        raise FontMissing(msg)
    pdf = FPDF(format="A4")
    pdf.set_title(subtitle)
    pdf.set_creator("tiaojie")
    if font.suffix.lower() == ".ttc":
        pdf.add_font("cjk", fname=str(font), collection_font_number=SIMPLIFIED_CHINESE_FACE)
    else:
        pdf.add_font("cjk", fname=str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 7, body)
    qr = io.BytesIO()
    segno.make(verification_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    pdf.ln(4)
    top = min(pdf.get_y(), 297 - 60)
    pdf.image(qr, x=15, y=top, w=32)
    pdf.set_xy(52, top + 4)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, f"扫码核验 Verify: {verification_url}")
    return bytes(pdf.output())


class SignedDocuments:
    """Rendered, signed (PAdES, the institution's certificate) and kept: one file per
    document key, so a document once issued is always the same bytes (its hash is what the
    events and the audit trail carry)."""

    def __init__(self, pki: InstitutionPKI, directory: Path, font: Path) -> None:
        self.pki = pki
        self.directory = directory
        self.font = font

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.pdf"

    def issue(
        self,
        key: str,
        institution: tuple[str, str],
        title: str,
        subtitle: str,
        body: str,
        verification_url: str,
    ) -> bytes:
        """The document under `key`: made and signed the first time, read back after that."""
        path = self.path(key)
        if path.exists():
            return path.read_bytes()
        code, name = institution
        pdf = self.pki.sign(
            render_pdf(title, subtitle, body, verification_url, self.font), code, name
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write(path, pdf)
        data = path.read_bytes()
        self.store_alias(hashlib.sha256(data).hexdigest(), data)
        return data

    def store_alias(self, digest: str, pdf: bytes) -> None:
        """The same file under its SHA-256 too: what events name, any reader can fetch."""
        path = self.path(digest)
        if not path.exists():
            self._write(path, pdf)

    def _write(self, path: Path, data: bytes) -> None:
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(path)  # atomic: a reader never sees half a file

    def fingerprint(self, institution: tuple[str, str]) -> str:
        return self.pki.fingerprint(*institution)
