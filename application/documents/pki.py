"""Institution certificates and PAdES signatures (pyHanko).

On first use a test CA and a certificate per institution are generated into the PKI directory
(`ca.pem`, `ca-key.pem`, `<code>.pem`, `<code>-key.pem`); putting an institution's real
certificate, key and issuing CA there under the same names replaces them. Signatures are
PAdES (ETSI.CAdES.detached) with SHA-256; validation checks integrity, the signer's chain to
the CA and that the signature covers the whole file (an appended update is reported).
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool
    trusted: bool
    whole_file: bool
    signer_fingerprint: str | None
    detail: str

    @property
    def genuine(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tiaojie"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


class InstitutionPKI:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._signers: dict[str, signers.SimpleSigner] = {}

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if path.name.endswith("-key.pem"):
            path.chmod(0o600)

    def _key_pem(self, key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def _ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        cert_path, key_path = self.directory / "ca.pem", self.directory / "ca-key.pem"
        if not cert_path.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.now(UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name("tiaojie test root CA"))
                .issuer_name(_name("tiaojie test root CA"))
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_usage(ca=True), critical=True)
                .sign(key, hashes.SHA256())
            )
            self._write(key_path, self._key_pem(key))
            self._write(cert_path, cert.public_bytes(PEM))
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        return cert, loaded

    def ca_certificate(self) -> asn1_x509.Certificate:
        with self._lock:
            cert, _ = self._ca()
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    def signer(self, code: str, name: str) -> signers.SimpleSigner:
        """The institution's signer, its certificate issued by the CA on first use."""
        with self._lock:
            if code in self._signers:
                return self._signers[code]
            ca_cert, ca_key = self._ca()
            cert_path, key_path = self.directory / f"{code}.pem", self.directory / f"{code}-key.pem"
            if not cert_path.exists():
                key = ec.generate_private_key(ec.SECP256R1())
                now = datetime.now(UTC)
                cert = (
                    x509.CertificateBuilder()
                    .subject_name(_name(name))
                    .issuer_name(ca_cert.subject)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - timedelta(days=1))
                    .not_valid_after(now + timedelta(days=825))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                    .add_extension(_usage(ca=False), critical=True)
                    .sign(ca_key, hashes.SHA256())
                )
                self._write(key_path, self._key_pem(key))
                self._write(cert_path, cert.public_bytes(PEM))
            der = x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(
                serialization.Encoding.DER
            )
            private = serialization.load_pem_private_key(key_path.read_bytes(), None)
            signer = signers.SimpleSigner(
                signing_cert=asn1_x509.Certificate.load(der),
                signing_key=asn1_keys.PrivateKeyInfo.load(
                    private.private_bytes(
                        serialization.Encoding.DER,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                ),
                cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                    [asn1_x509.Certificate.load(ca_cert.public_bytes(serialization.Encoding.DER))]
                ),
            )
            self._signers[code] = signer
            return signer

    def fingerprint(self, code: str, name: str) -> str:
        """SHA-256 of the institution's signing certificate (DER), as recorded in events."""
        certificate = self.signer(code, name).signing_cert
        assert certificate is not None
        return hashlib.sha256(certificate.dump()).hexdigest()

    def sign(self, pdf: bytes, code: str, name: str) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        metadata = signers.PdfSignatureMetadata(
            field_name="Signature",
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=name,
        )
        out = signers.sign_pdf(writer, metadata, signer=self.signer(code, name))
        signed: bytes = out.getvalue()
        return signed

    def check(self, pdf: bytes) -> SignatureCheck:
        try:
            reader = PdfFileReader(io.BytesIO(pdf))
            signatures = reader.embedded_signatures
        except Exception as error:  # noqa: BLE001 (anything unreadable is simply not genuine)
            return _unsigned(f"not a readable PDF: {error}")
        if not signatures:
            return _unsigned("the PDF carries no signature")
        signature = signatures[-1]
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=[self.ca_certificate()])
        )
        fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        detail = (
            "intact, trusted, covers the whole file"
            if status.intact and status.trusted and whole
            else "changed after signing"
            if not status.intact
            else "content appended after signing"
            if not whole
            else "signer not trusted"
        )
        return SignatureCheck(
            signed=True,
            intact=bool(status.intact),
            trusted=bool(status.trusted),
            whole_file=whole,
            signer_fingerprint=fingerprint,
            detail=detail,
        )


def _unsigned(detail: str) -> SignatureCheck:
    return SignatureCheck(
        signed=False,
        intact=False,
        trusted=False,
        whole_file=False,
        signer_fingerprint=None,
        detail=detail,
    )
