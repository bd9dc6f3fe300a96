"""pdfsig's lines for an archive timestamp (poppler 22.12) are told apart from signatures."""

from __future__ import annotations

from pipeline.signing.pdfsig import parse_pdfsig_output

SAMPLE = """Digital Signature Info of: /tmp/x.pdf
Signature #1:
  - Signature Field Name: Cap_Dinas
  - Signer Certificate Common Name: Cap Dinas DINAS KOPERASI
  - Signing Time: Dec 06 2026 20:28:20
  - Signing Hash Algorithm: SHA-256
  - Signature Type: ETSI.CAdES.detached
  - Signed Ranges: [0 - 550703], [577329 - 578232]
  - Not total document signed
  - Signature Validation: Signature is Valid.
  - Certificate Validation: Certificate is Trusted.
Signature #2:
  - Signature Field Name: Arsip
  - Signer Certificate Common Name: TSA Uji SPT
  - Signing Time: Jan 01 1970 00:00:00
  - Signing Hash Algorithm: SHA-256
  - Signature Type: unknown
  - Signed Ranges: [0 - 592605], [608991 - 609545]
  - Total document signed
  - Signature Validation: Signature has not yet been verified.
"""


def test_archive_timestamp_is_not_counted_as_a_signature():
    seal, stamp = parse_pdfsig_output(SAMPLE)
    assert seal.ok and not seal.is_document_timestamp
    assert stamp.field_name == "Arsip" and stamp.is_document_timestamp
    assert not stamp.ok                  # pdfsig does not validate RFC 3161 timestamps
