"""A letter signed with a DEMO certificate is recognised as such (the web page's banner)."""

from __future__ import annotations

import datetime as dt
import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pipeline.signing.demo_pki import DEMO_OU, ROOT_CN_PREFIX, demo_signed
from tests.support.signing import base_letter


def signed_by(subject: list[x509.NameAttribute], issuer_cn: str) -> bytes:
    """``base_letter()`` signed by a fresh certificate (issuer name as given, self-signed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore())
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(base_letter())),
                     signers.PdfSignatureMetadata(field_name="TTD_gubernur"),
                     signer=signer, output=out)
    return out.getvalue()


def cn(name: str) -> x509.NameAttribute:
    return x509.NameAttribute(NameOID.COMMON_NAME, name)


def test_a_demo_certificate_is_recognised_by_its_ou():
    pdf = signed_by([cn("H. Arif Rahman Hakim, S.H."),
                     x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_OU)], "Any CA")
    assert demo_signed(pdf)


def test_a_certificate_from_the_demo_root_is_recognised():
    assert demo_signed(signed_by([cn("Siapa Saja")], f"{ROOT_CN_PREFIX}DISKOPUKM"))


def test_an_ordinary_certificate_is_not_demo():
    pdf = signed_by([cn("H. Arif Rahman Hakim, S.H."),
                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Provinsi")],
                    "Balai Sertifikasi Elektronik")
    assert not demo_signed(pdf)


def test_garbage_is_not_demo():
    assert not demo_signed(b"%PDF-1.7 not really")
    assert not demo_signed(base_letter())           # unsigned
