"""A stage whose official signs with their own certificate, through the running service.

The inspektur's stage is configured ``signing = "approver"`` with the
certificate the demo PKI issued to that person. The official takes the PDF
the service published, signs it (as Acrobat or a BSrE client would: an
incremental PAdES signature in their field) and moves it into ``disetujui/``.
Accepted only if it is exactly the published revision plus one valid,
trusted signature by that certificate; otherwise refused with a note naming
the check that failed, the file kept as ``<case>-ditolak.pdf`` and the case
left where it was.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pipeline.config import load_config
from pipeline.reports.verification import verify_issued
from pipeline.signing.demo_pki import create_demo_pki
from pipeline.simulate import add_employee_row, wait_until
from tests.support.signing import as_approver_stage

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = pytest.mark.slow

STAGE = 3            # 04-inspektur
FIELD = "TTD_inspektur"


@pytest.fixture(scope="module")
def approver_office(tmp_path_factory):
    root = tmp_path_factory.mktemp("approver")
    office = Office(root / "ws")
    text = office.config_path.read_text(encoding="utf-8")
    office.config_path.write_text(as_approver_stage(text, "inspektur"), encoding="utf-8")
    office.reload()
    office.pki = create_demo_pki(office.config)   # the keys again, with the approver's cert
    office.stranger_pki = create_demo_pki(load_config(office.config_path),
                                          out_dir=root / "other-pki")
    office.service.start()
    yield office
    office.service.stop()


def _signer(cert, key, *extra) -> signers.SimpleSigner:
    der = serialization.Encoding.DER
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in extra]),
    )


def _official(office) -> signers.SimpleSigner:
    """The inspektur's own key, as the demo PKI made it (``pki/inspektur.p12``)."""
    ident = office.pki.identities["inspektur"]
    return signers.SimpleSigner.load_pkcs12(
        str(ident.pkcs12), passphrase=ident.passphrase_file.read_text().strip().encode())


def _sign(pdf: bytes, signer: signers.SimpleSigner, field: str = FIELD) -> bytes:
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name=field), signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def _case_at_inspektur(office, sample: str, salt: str) -> tuple[str, Path]:
    o = office.officials
    source = office.ws.root.parent / f"{salt}.pdf"
    source.write_bytes((SAMPLES / sample).read_bytes() + f"\n% {salt}\n".encode())
    known = {c.id for c in office.store().cases.all()}
    o.drop_invitation(source, note=NOTE)
    case = o.new_cases(known)[0]
    for stage in range(STAGE):
        o.agree(case, stage)
    return case, o.wait_for(case, STAGE)


def _submit(office, case: str, published: Path, data: bytes) -> None:
    """The official saves the signed file and moves it into disetujui/."""
    agreed = office.ws.folder(STAGE).agreed
    tmp = agreed / f".saving-{case}.pdf"
    tmp.write_bytes(data)
    os.replace(tmp, agreed / f"{case}.pdf")
    published.unlink()


def _refused(office, case: str) -> str:
    galat = office.ws.folder(STAGE).root / f"{case}.galat.txt"
    wait_until(galat.exists, timeout=60, what=f"the refusal note for {case}")
    text = galat.read_text(encoding="utf-8")
    assert (office.ws.folder(STAGE).root / f"{case}-ditolak.pdf").exists()
    wait_until((office.ws.folder(STAGE).root / f"{case}.pdf").exists, timeout=30,
               what="the published file back in the folder")
    store = office.store()
    assert store.cases.get(case).state.stage == STAGE
    refusals = [e for e in store.audit.for_case(case) if e.action == "stage.refused"]
    assert refusals and refusals[-1].detail["code"] == "approver_signature"
    return text


def test_the_officials_own_signature_is_accepted_and_stays_in_the_issued_letter(
        approver_office):
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-01.pdf", "sah")
    _submit(office, case, published, _sign(published.read_bytes(), _official(office)))
    office.officials.wait_for(case, STAGE + 1)
    for stage in range(STAGE + 1, len(office.workflow.stages)):
        office.officials.agree(case, stage)
    store = office.store()
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=90, what="the letter")
    report = verify_issued(office.config, (office.ws.root / entry.archive_path).read_bytes(),
                           store=store)
    assert report.ok, report.render()
    mark = next(s for s in report.signatures if s.field_name == FIELD)
    assert mark.signer == "Ir. Bambang Sutrisno, M.M." and mark.trusted
    applied = [e for e in store.audit.for_case(case) if e.action == "mark.applied"
               and e.stage == "inspektur"]
    assert applied[0].detail["by"] == "approver"


def test_an_unsigned_file_is_refused(approver_office):
    case, published = _case_at_inspektur(approver_office, "undangan-dev-02.pdf", "tanpa-ttd")
    _submit(approver_office, case, published, published.read_bytes())
    assert "belum memuat tanda tangan elektronik Anda" in _refused(approver_office, case)


def test_a_signature_by_another_person_is_refused(approver_office):
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-03.pdf", "orang-lain")
    sekda = office.pki.identities["sekda"]
    other = signers.SimpleSigner.load_pkcs12(
        str(sekda.pkcs12), passphrase=sekda.passphrase_file.read_text().strip().encode())
    _submit(office, case, published, _sign(published.read_bytes(), other))
    note = _refused(office, case)
    assert "bukan oleh Ir. Bambang Sutrisno" in note
    assert "sertifikat lain daripada yang terdaftar" in note


def test_the_right_person_with_the_content_changed_is_refused(approver_office):
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-04.pdf", "isi-berubah")
    # A new revision on top of the published file (the prefix stays intact) that changes the
    # page, then the official's genuine signature over it.
    writer = IncrementalPdfFileWriter(io.BytesIO(published.read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    changed = io.BytesIO()
    writer.write(changed)
    _submit(office, case, published, _sign(changed.getvalue(), _official(office)))
    assert "diubah sebelum ditandatangani" in _refused(office, case)


def test_an_expired_certificate_is_refused(approver_office):
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-05.pdf", "kedaluwarsa")
    now = dt.datetime.now(dt.UTC)
    person = office.workflow.stages[STAGE].person
    cert, key = office.pki.issue(person.name, nip=person.nip, title=person.jabatan,
                                 not_before=now - dt.timedelta(days=400),
                                 not_after=now - dt.timedelta(days=30))
    _submit(office, case, published,
            _sign(published.read_bytes(), _signer(cert, key, office.pki.root_cert)))
    note = _refused(office, case)
    assert "sertifikat penanda tangan sudah kedaluwarsa" in note
    assert "DocMDP" not in note


def test_a_certificate_from_an_untrusted_root_is_refused(approver_office):
    office = approver_office
    case, published = _case_at_inspektur(office, "undangan-dev-06.pdf", "akar-asing")
    person = office.workflow.stages[STAGE].person
    stranger = office.stranger_pki
    cert, key = stranger.issue(person.name, nip=person.nip, title=person.jabatan)
    _submit(office, case, published,
            _sign(published.read_bytes(), _signer(cert, key, stranger.root_cert)))
    note = _refused(office, case)
    assert "tidak diterbitkan oleh otoritas sertifikat yang diakui" in note
    assert "DocMDP" not in note


def test_an_older_version_signed_earlier_is_refused_when_replayed(approver_office):
    office = approver_office
    o = office.officials
    case, published = _case_at_inspektur(office, "undangan-dev-01.pdf", "versi-lama")
    old_signed = _sign(published.read_bytes(), _official(office))
    # Before submitting, the inspektur returns it; the drafter makes a new version.
    o.give_back(case, STAGE, "Tambahkan satu pegawai.")
    for stage in range(STAGE - 1, 0, -1):
        o.give_back(case, stage, "Tambahkan satu pegawai.")
    draft = o.wait_for(case, 0)
    add_employee_row(draft, {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                             "pangkat": "Penata Tingkat I", "golongan": "III/d",
                             "jabatan": "Analis Kebijakan Ahli Muda"})
    for stage in range(STAGE):
        o.agree(case, stage)
    published = o.wait_for(case, STAGE)
    assert office.store().cases.get(case).state.version == 2
    _submit(office, case, published, old_signed)      # the signature made on version 1
    assert "isi aslinya berubah" in _refused(office, case)
