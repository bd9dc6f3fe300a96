"""Reading poppler's pdfsig report."""

from __future__ import annotations

from pipeline.signing.pdfsig import parse_pdfsig_output

SAMPLE = """Digital Signature Info of: /tmp/x.pdf
Signature #1:
  - Signature Field Name: Paraf_kasubag
  - Signer Certificate Common Name: Hendra Wijaya, S.E.
  - Signer full Distinguished Name: CN="Hendra Wijaya, S.E.",C=ID
  - Signing Time: Nov 29 2026 03:17:32
  - Signing Hash Algorithm: SHA-256
  - Signature Type: ETSI.CAdES.detached
  - Signed Ranges: [0 - 5539], [13733 - 14860]
  - Not total document signed
  - Signature Validation: Signature is Valid.
  - Certificate Validation: Certificate is Trusted.
Signature #2:
  - Signature Field Name: Paraf_sekretaris
  The signature form field is not signed.
Signature #3:
  - Signature Field Name: Cap_Dinas
  - Signer Certificate Common Name: DEMO Cap Dinas X
  - Signature Type: ETSI.CAdES.detached
  - Total document signed
  - Signature Validation: Digest Mismatch.
  - Certificate Validation: Certificate issuer isn't Trusted.
"""


def test_parse_signed_fields_only():
    results = parse_pdfsig_output(SAMPLE)
    assert [r.field_name for r in results] == ["Paraf_kasubag", "Cap_Dinas"]
    first, seal = results
    assert first.ok and first.signature_valid and first.certificate_trusted
    assert not first.whole_document
    assert first.signature_type == "ETSI.CAdES.detached"
    assert first.signer == "Hendra Wijaya, S.E."
    assert seal.whole_document
    assert not seal.signature_valid and not seal.certificate_trusted and not seal.ok
    assert seal.signature_validation == "Digest Mismatch."
    assert seal.to_dict()["ok"] is False


def test_parse_no_signatures():
    assert parse_pdfsig_output("File '/tmp/x.pdf' does not contain any signatures\n") == []
