"""The real service with a real test CA (certomancer on 127.0.0.1): B-LTA letters, a CA
outage at finalisation, and an official's certificate revoked mid-run."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from pipeline.reports.verification import verify_issued
from pipeline.signing.ltv import archive_timestamps, has_long_term_data
from pipeline.signing.verify import pdfsig_check
from pipeline.simulate import wait_until
from tests.support.ltv_pki import CertomancerPki, subjects_for

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = pytest.mark.slow


def _use_ca(office: Office, pki: CertomancerPki) -> None:
    """Point the workspace at the test CA: its root, its TSA, its keys; fetch with short
    timeouts (what a deployment with BSrE's services would configure)."""
    text = office.config_path.read_text(encoding="utf-8")
    start = text.index("[trust]\n")
    end = text.index("\n[", start + 1)
    trust = ('[trust]\nroots = ["pki/demo-root.pem"]\n'
             f'tsa_url = "{pki.tsa_url}"\n'
             "fetch_timeout_seconds = 2\nfetch_attempts = 2\n")
    office.config_path.write_text(text[:start] + trust + text[end:], encoding="utf-8")
    office.reload()
    pki.install(office.config)
    office.reload()


@pytest.fixture
def ca_office(tmp_path):
    office = Office(tmp_path / "ws")
    with CertomancerPki(tmp_path / "ca", subjects_for(office.config),
                        organization=office.config.agency.name) as pki:
        _use_ca(office, pki)
        yield office, pki
        office.service.stop()


def _spt(office: Office, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--config",
                           str(office.config_path)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_ca_outage_at_finalisation_waits_then_issues_b_lta(ca_office):
    office, pki = ca_office
    svc, o = office.service, office.officials
    svc.start()
    o.drop_invitation(SAMPLES / "undangan-dev-01.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    # The CA's CRLs are unreachable from now on (its TSA still answers): every mark is
    # made (revocation status unknown is only a warning), the letter cannot be completed.
    pki.stop_serving("crls", "ocsp")
    for stage in office.workflow.stages:
        o.agree(case, stage.index)
    store = office.store()
    wait_until(lambda: any(a == "finalize.waiting" for a, _ in office.audit_actions(case)),
               timeout=120, what="finalisation to wait for validation data")
    assert store.agenda.for_case(case) is None
    assert not list(office.ws.arsip.rglob("*.pdf"))
    status = _spt(office, "status")
    assert "menunggu data" in status.stdout, status.stdout
    detail = _spt(office, "status", case)
    assert "menunggu data validasi" in detail.stdout and "CRL" in detail.stdout, detail.stdout
    reserved = [n.number for n in store.register.all()]
    assert len(reserved) == 1            # the number is given once, kept for this case

    pki.resume_serving()
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=60,
                       what="the case issued once the CA is back")
    assert [n.number for n in store.register.all()] == reserved == [entry.number]
    actions = Counter(a for a, _ in office.audit_actions(case))
    assert actions["number.assigned"] == 1 and actions["case.issued"] == 1

    pdf = office.ws.root / entry.archive_path
    data = pdf.read_bytes()
    assert has_long_term_data(data) and len(archive_timestamps(data)) == 1
    report = verify_issued(office.config, data, store=store)
    assert report.ok, report.render()
    assert report.signatures[-1].modification_level == "LTA_UPDATES"
    if shutil.which("pdfsig") and shutil.which("certutil"):
        sigs = pdfsig_check(pdf, office.config.trust.roots)
        signed = [s for s in sigs if not s.is_document_timestamp]
        assert len(signed) == len(office.workflow.stages) and all(s.ok for s in signed), sigs
        assert all(s.signature_type == "ETSI.CAdES.detached" for s in signed)

    # spt perpanjang: nothing due yet; forced, one more archive timestamp on the archive.
    due = _spt(office, "perpanjang")
    assert due.returncode == 0 and "Diperpanjang: 0" in due.stdout, due.stdout
    renewed = _spt(office, "perpanjang", "--semua")
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    data2 = pdf.read_bytes()
    assert data2.startswith(data) and len(archive_timestamps(data2)) == 2
    assert [a for a, _ in office.audit_actions(case)].count("archive.renewed") == 1
    again = verify_issued(office.config, data2, store=store)
    assert again.ok and again.same_file, again.render()
    audit = _spt(office, "audit", "verify")   # the renewal is in the log: no "changed" archive
    assert audit.returncode == 0, audit.stdout

    # Years later, after every certificate expired, with the CA long gone:
    pki.stop_serving()
    later = (pki.leaf_until + dt.timedelta(days=365)).date().isoformat()
    verdict = _spt(office, "verify", str(pdf), "--pada", later)
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert "Verifikasi jangka panjang" in verdict.stdout
    assert "TIDAK DAPAT DIVERIFIKASI" not in verdict.stdout


def test_revoked_official_gets_no_mark_and_the_service_refuses_to_start(ca_office):
    office, pki = ca_office
    svc, o = office.service, office.officials
    svc.start()
    o.drop_invitation(SAMPLES / "undangan-dev-01.pdf", note=NOTE)
    case = o.new_cases(set())[0]
    o.agree(case, 0)
    o.agree(case, 1)
    second = office.workflow.stages[2]
    o.wait_for(case, 2)
    # The CA revokes the second reviewer's certificate while the service runs.
    pki.revoke(second.key)
    wait_until(lambda: pki.crl_lists(second.key), timeout=30,
               what="the CA to publish the revocation in its CRL")
    moved = o.agree(case, 2)
    wait_until(lambda: "DICABUT" in svc.log.read_text(errors="replace"), timeout=60,
               what="the mark to be refused")
    marked = [s for a, s in office.audit_actions(case) if a == "mark.applied"]
    assert second.key not in marked
    assert moved.exists()                 # the official's file waits where it was put
    assert svc.proc.poll() is None        # the service keeps running

    svc.stop()
    svc.start(wait=False)
    wait_until(lambda: svc.proc.poll() is not None, timeout=90, what="start-up to refuse")
    assert svc.proc.returncode != 0
    assert "DICABUT" in svc.tail(20)

    doctor = _spt(office, "doctor")
    assert doctor.returncode != 0
    assert "DICABUT" in doctor.stdout and second.person.name in doctor.stdout


def test_an_approvers_signature_with_a_revoked_certificate_is_refused_on_acceptance(tmp_path):
    """An official who signs with their own key (signing = "approver") and whose certificate
    the CA revoked: the signed file is refused with a note saying so, the case stays with
    them; the same file signed once the certificate is good again is accepted."""
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from tests.support.signing import as_approver_stage

    office = Office(tmp_path / "ws")
    text = office.config_path.read_text(encoding="utf-8")
    office.config_path.write_text(as_approver_stage(text, "inspektur"), encoding="utf-8")
    office.reload()
    stage = next(s for s in office.workflow.stages if s.key == "inspektur")
    sf = office.ws.folder(stage.index)
    der = serialization.Encoding.DER
    with CertomancerPki(tmp_path / "ca", subjects_for(office.config),
                        organization=office.config.agency.name) as pki:
        _use_ca(office, pki)
        official = signers.SimpleSigner(
            signing_cert=pki.asn1_certificate("inspektur"),
            signing_key=asn1_keys.PrivateKeyInfo.load(pki.private_key("inspektur").private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs([pki.asn1_certificate("root")]))

        def sign_and_move(case: str) -> None:
            published = sf.root / f"{case}.pdf"
            out = io.BytesIO()
            signers.PdfSigner(signers.PdfSignatureMetadata(field_name=stage.field_name),
                              signer=official).sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(published.read_bytes())), output=out)
            tmp = sf.agreed / f".saving-{case}.pdf"
            tmp.write_bytes(out.getvalue())
            os.replace(tmp, sf.agreed / f"{case}.pdf")
            published.unlink()

        svc, o = office.service, office.officials
        try:
            svc.start()
            o.drop_invitation(SAMPLES / "undangan-dev-01.pdf", note=NOTE)
            case = o.new_cases(set())[0]
            for index in range(stage.index):
                o.agree(case, index)
            o.wait_for(case, stage.index)
            pki.revoke("inspektur")
            wait_until(lambda: pki.crl_lists("inspektur"), timeout=30,
                       what="the CA to publish the revocation in its CRL")
            sign_and_move(case)
            galat = sf.root / f"{case}.galat.txt"
            wait_until(galat.exists, timeout=90, what="the refusal note")
            note = galat.read_text(encoding="utf-8")
            assert "DICABUT" in note and stage.person.name in note, note
            assert "sertifikat baru" in note, note
            assert (sf.root / f"{case}-ditolak.pdf").exists()
            store = office.store()
            assert store.cases.get(case).state.stage == stage.index
            # The note can be seen a moment before the refusal's audit entry is committed.
            refusals = wait_until(
                lambda: [e for e in store.audit.for_case(case) if e.action == "stage.refused"],
                timeout=30, what="the refusal in the audit log")
            assert refusals[-1].detail["code"] == "approver_signature"
            assert svc.proc.poll() is None

            # The control: the same official, the certificate good again, accepted.
            pki.reinstate("inspektur")
            wait_until((sf.root / f"{case}.pdf").exists, timeout=30,
                       what="the published file back in the folder")
            sign_and_move(case)
            o.wait_for(case, stage.index + 1)
            assert ("stage.agreed", stage.key) in office.audit_actions(case)
        finally:
            svc.stop()
