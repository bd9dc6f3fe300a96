"""A stage whose official signs the PDF in their own software, then moves it on."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from pipeline.resources import WORKSPACE
from pipeline.signing.approver import check_approver_revision
from pipeline.signing.keys import KeyRing
from pipeline.signing.marks import MarkAppearance, apply_mark
from tests.support.signing import (
    as_approver_stage,
    demo_workspace,
    fill_text_fields,
    prepared_pdf,
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8")
    text = as_approver_stage(text, "inspektur")
    config, pki = demo_workspace(tmp_path_factory.mktemp("approver") / "ws", config_text=text)
    ring = KeyRing.load(config)
    assert "inspektur" not in ring.signers  # the official keeps that key
    workflow = config.workflow()
    pdf = prepared_pdf()
    for key in ("kasubag", "sekretaris"):
        stage = workflow.stage(key)
        pdf = apply_mark(pdf, field_name=stage.field_name, signer=ring.signer(key),
                         appearance=MarkAppearance.for_stage(stage, config),
                         when=dt.datetime.now(dt.UTC))
    return config, pki, workflow, pdf


def _sign_as_official(pdf: bytes, p12, passfile, field: str) -> bytes:
    """What Acrobat or a BSrE client would do: an approval signature, pyHanko's defaults."""
    signer = signers.SimpleSigner.load_pkcs12(
        str(p12), passphrase=passfile.read_text().strip().encode())
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name=field), signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def _check(setup, submitted: bytes) -> list[str]:
    config, _pki, workflow, published = setup
    return check_approver_revision(published=published, submitted=submitted,
                                   stage=workflow.stage("inspektur"), config=config)


def test_own_signature_in_own_field_is_accepted(setup):
    _config, pki, _wf, published = setup
    ident = pki.identities["inspektur"]
    signed = _sign_as_official(published, ident.certificate_pem.with_suffix(".p12"),
                               ident.certificate_pem.with_suffix(".pass"), "TTD_inspektur")
    assert _check(setup, signed) == []


def test_someone_elses_key_is_refused(setup):
    config, _pki, _wf, published = setup
    sekda = next(s for s in config.stage if s.key == "sekda").signing_key
    signed = _sign_as_official(published, sekda.pkcs12, sekda.passphrase.file, "TTD_inspektur")
    problems = _check(setup, signed)
    assert any("bukan oleh Ir. Bambang Sutrisno" in p for p in problems)
    assert any("sertifikat lain" in p for p in problems)


def test_wrong_field_is_refused(setup):
    _config, pki, _wf, published = setup
    ident = pki.identities["inspektur"]
    signed = _sign_as_official(published, ident.certificate_pem.with_suffix(".p12"),
                               ident.certificate_pem.with_suffix(".pass"), "TTD_sekda")
    assert any("seharusnya di TTD_inspektur" in p for p in _check(setup, signed))


def test_changed_document_is_refused(setup):
    *_, published = setup
    changed = published.replace(b"Dasar: surat undangan.", b"Dasar: surat lain.....")
    assert "isi aslinya berubah" in _check(setup, changed)[0]
    assert "tidak ada tanda tangan baru" in _check(setup, published)[0]


def test_filling_the_number_is_refused(setup):
    _config, pki, _wf, published = setup
    ident = pki.identities["inspektur"]
    filled = fill_text_fields(published, {"Nomor": "123"})
    signed = _sign_as_official(filled, ident.certificate_pem.with_suffix(".p12"),
                               ident.certificate_pem.with_suffix(".pass"), "TTD_inspektur")
    # Filled in a revision of its own, then signed: two new revisions where one is allowed.
    assert any("diubah sebelum ditandatangani" in p for p in _check(setup, signed))
