"""Support for tests and examples of the PDF steps (not used by the service).

A throwaway PKI (an ECDSA P-256 root and leaf certificates, made with
``cryptography``), a plain pyHanko signature into an existing field, and two
independent validators: pyHanko (with its difference analysis of later
revisions) and poppler's ``pdfsig`` with an NSS database trusting the root.
Independent of :mod:`pipeline.signing`, so the fields and the fill are
checked against pyHanko itself, not against our own signing code.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from dataclasses import dataclass
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
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore


def _der(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class ThrowawayPki:
    """A root CA and leaf certificates for tests; the root is written to ``root_pem``."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SPT Test Root"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SPT tests")])
        now = dt.datetime.now(dt.UTC)
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()),
                           critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.root_pem = folder / "root.pem"
        self.root_pem.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))

    def signer(self, common_name: str) -> signers.SimpleSigner:
        """A pyHanko signer with a fresh key and a certificate for ``common_name``."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.root_key.public_key()), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return signers.SimpleSigner(
            signing_cert=_der(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([_der(self.root)]),
        )

    def validation_context(self) -> ValidationContext:
        return ValidationContext(trust_roots=[_der(self.root)], allow_fetching=False)

    def nss_db(self, folder: Path) -> Path:
        """An NSS database trusting the root, for ``pdfsig -nssdir sql:<folder>``."""
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"],
                       check=True, capture_output=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", "root", "-t", "CT,C,C",
                        "-i", str(self.root_pem)], check=True, capture_output=True)
        return folder


def sign(pdf: bytes, field: str, signer: signers.SimpleSigner, *,
         stamp: BaseStampStyle | None = None, reason: str = "Disetujui") -> bytes:
    """A PAdES signature into the existing, empty ``field`` (incremental)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field, reason=reason, location="Pontianak",
        subfilter=SigSeedSubFilter.PADES,
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer, stamp_style=stamp).sign_pdf(
        writer, output=out, existing_fields_only=True
    )
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    intact: bool
    valid: bool
    trusted: bool
    modification_level: str
    bottom_line: bool


def pyhanko_checks(pdf: bytes, pki: ThrowawayPki) -> list[SignatureCheck]:
    """Every signature validated by pyHanko, later revisions analysed."""
    reader = PdfFileReader(io.BytesIO(pdf))
    checks = []
    context = pki.validation_context()
    for embedded in reader.embedded_signatures:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        level = status.modification_level
        checks.append(SignatureCheck(
            field=embedded.field_name, intact=status.intact, valid=status.valid,
            trusted=status.trusted, modification_level=level.name if level else "NONE",
            bottom_line=status.bottom_line,
        ))
    return checks


def pdfsig_checks(pdf_path: Path, nssdir: Path) -> dict[str, tuple[str, str]]:
    """``pdfsig``'s verdict per field: (signature validation, certificate validation)."""
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdir}", str(pdf_path)],
                         capture_output=True, text=True, check=False).stdout
    result = {}
    for block in re.split(r"\nSignature #\d+:", out)[1:]:
        field = re.search(r"Signature Field Name: (\S+)", block)
        sig = re.search(r"Signature Validation: (.+)", block)
        cert = re.search(r"Certificate Validation: (.+)", block)
        if field:
            result[field.group(1)] = (sig.group(1).strip() if sig else "not signed",
                                      cert.group(1).strip() if cert else "")
    return result
