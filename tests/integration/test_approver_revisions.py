"""An approver at the *first* marking stage: nothing earlier is signed, so no earlier
signature's change analysis can see an edit. The published file plus exactly one revision
(the signature) is accepted; an edit saved before signing is refused.
"""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from pipeline.resources import WORKSPACE
from pipeline.signing.approver import check_approver_revision
from tests.support.signing import as_approver_stage, demo_workspace, prepared_pdf


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8")
    text = as_approver_stage(text, "kasubag")
    config, pki = demo_workspace(tmp_path_factory.mktemp("first") / "ws", config_text=text)
    ident = pki.identities["kasubag"]
    signer = signers.SimpleSigner.load_pkcs12(
        str(ident.pkcs12), passphrase=ident.passphrase_file.read_text().strip().encode())
    return config, signer, prepared_pdf()


def _sign(pdf: bytes, signer) -> bytes:
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Paraf_kasubag"),
                      signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
                                              output=out)
    return out.getvalue()


def _check(config, published: bytes, submitted: bytes) -> list[str]:
    return check_approver_revision(published=published, submitted=submitted,
                                   stage=config.workflow().stage("kasubag"), config=config)


def test_the_published_file_signed_as_it_is_is_accepted(setup):
    config, signer, published = setup
    assert _check(config, published, _sign(published, signer)) == []


def test_an_edit_saved_before_signing_is_refused(setup):
    config, signer, published = setup
    writer = IncrementalPdfFileWriter(io.BytesIO(published))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)   # any change to the page
    writer.update_container(page)
    edited = io.BytesIO()
    writer.write(edited)
    problems = _check(config, published, _sign(edited.getvalue(), signer))
    assert any("diubah sebelum ditandatangani" in p for p in problems)
