"""Letters that still verify in ten years: B-LT/B-LTA against a real test CA (certomancer).

The CA (root, OCSP responder, TSA, a certificate per official and for the seal) is
certomancer's, served over HTTP on 127.0.0.1: CRLs, OCSP and RFC 3161 timestamps are
fetched the way they would be from BSrE. Every issued letter is checked with pyHanko AND
poppler's pdfsig; the long-term verdict at a date after every certificate has expired is
pyHanko's AdES LTA validation from the file alone.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from pipeline.config import Config
from pipeline.core.workflow import Workflow
from pipeline.pdf.fill import fill_number
from pipeline.signing.keys import KeyRing
from pipeline.signing.ltv import (
    ARCHIVE_FIELD,
    CertificateRevoked,
    LtvSettings,
    ValidationDataUnavailable,
    add_long_term_data,
    archive_timestamps,
    dss_contents,
    has_long_term_data,
    renew_archive_timestamp,
    timestamper_for_config,
)
from pipeline.signing.marks import MarkAppearance, apply_mark
from pipeline.signing.seal import SEAL_FIELD, apply_seal
from pipeline.signing.verify import pdfsig_check, verify_pdf
from tests.support.ltv_pki import CertomancerPki, subjects_for
from tests.support.signing import demo_workspace, prepared_pdf

needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils / libnss3-tools not installed",
)
NOMOR = "800.1.11.1/0042/DISKOPUKM/2026"


@dataclass
class Issued:
    config: Config
    pki: CertomancerPki
    ring: KeyRing
    workflow: Workflow
    sealed: bytes          # B-T: marks and seal timestamped, no validation data
    lta: bytes             # after add_long_term_data: B-LTA
    folder: Path

    def settings(self, **kw) -> LtvSettings:
        base = LtvSettings.from_config(self.config)
        return LtvSettings(**{**base.__dict__, "retry_wait_seconds": 0.01, **kw})

    def verify(self, pdf: bytes, **kw):
        return verify_pdf(pdf, trust_roots=self.config.trust.roots, workflow=self.workflow,
                          tz=self.config.tz, **kw)


def _tsa_config(folder: Path, tsa_url: str) -> str:
    from tests.conftest import ROOT

    text = (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text("utf-8")
    assert "[trust]" in text
    return text.replace("[trust]", f'[trust]\ntsa_url = "{tsa_url}"', 1)


def _issue(config, ring, workflow, tsa_url: str, *, marks_until: dt.datetime | None = None,
           prepared: bytes | None = None) -> bytes:
    """Every mark, the number, the seal, each signature timestamped by the CA's TSA."""
    current = prepared or prepared_pdf(text_fields=("Nomor", "Tanggal", "QR"))
    for stage in workflow.reviewers:
        current = apply_mark(current, field_name=stage.field_name, signer=ring.signer(stage.key),
                             appearance=MarkAppearance.for_stage(stage, config),
                             when=dt.datetime.now(dt.UTC), tsa_url=tsa_url)
    filled = fill_number(current, nomor=NOMOR, tanggal="12 Mei 2026", qr_payload="SPT")
    return apply_seal(filled, signer=ring.seal_signer(), image=config.seal.image,
                      when=dt.datetime.now(dt.UTC), tsa_url=tsa_url)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ltv")
    config, _ = demo_workspace(folder / "ws")
    with CertomancerPki(folder / "ca", subjects_for(config),
                        organization=config.agency.name) as pki:
        config, _ = demo_workspace(folder / "ws", _tsa_config(folder, pki.tsa_url))
        pki.install(config)
        ring = KeyRing.load(config)
        workflow = config.workflow()
        sealed = _issue(config, ring, workflow, pki.tsa_url)
        base = LtvSettings.from_config(config)
        lta = add_long_term_data(sealed, base, timestamper_for_config(config))
        (folder / "lta.pdf").write_bytes(lta)
        yield Issued(config, pki, ring, workflow, sealed, lta, folder)
        ring.close()


# --- the issued letter: B-LTA, and every validator agrees -----------------------------------


def test_issued_letter_carries_dss_and_archive_timestamp(issued):
    reader = PdfFileReader(io.BytesIO(issued.lta))
    certs, crls, ocsps = dss_contents(reader)
    names = {c.subject.native["common_name"] for c in certs}
    for stage in issued.workflow.reviewers:
        assert stage.person.name in names
    assert "TSA Uji SPT" in names and "Root CA Uji SPT" in names
    assert len(crls) >= 1          # the officials' and the seal's revocation data
    assert len(ocsps) >= 1         # the TSA's certificate, by OCSP
    assert all(o["response_status"].native == "successful" for o in ocsps)
    stamps = reader.embedded_timestamp_signatures
    assert [str(ts.field_name) for ts in stamps] == [ARCHIVE_FIELD]
    assert has_long_term_data(issued.lta) and not has_long_term_data(issued.sealed)


def test_pyhanko_accepts_the_dss_and_timestamp_after_the_seals_lock(issued):
    report = issued.verify(issued.lta)
    assert report.ok, report.problems
    assert report.complete and report.nomor == NOMOR
    by_field = {s.field_name: s for s in report.signatures}
    seal = by_field[SEAL_FIELD]
    # DocMDP "no changes" permits exactly the DSS and the document timestamp
    assert seal.modification_level == "LTA_UPDATES"
    assert seal.intact and seal.valid and seal.trusted and seal.bottom_line
    assert all(s.timestamped for s in report.signatures)


@needs_pdfsig
def test_pdfsig_agrees_on_the_final_file(issued):
    path = issued.folder / "lta.pdf"
    results = pdfsig_check(path, issued.config.trust.roots)
    by_field = {r.field_name: r for r in results}
    expected = [s.field_name for s in issued.workflow.reviewers] + [SEAL_FIELD]
    for name in expected:
        assert by_field[name].ok, (name, by_field[name].signature_validation,
                                   by_field[name].certificate_validation)
        assert by_field[name].signature_type == "ETSI.CAdES.detached"
    # pdfsig lists the document timestamp too (it does not validate RFC 3161 timestamps)
    assert ARCHIVE_FIELD in by_field


def test_a_forged_number_after_the_dss_is_still_caught(issued):
    from tests.support.signing import overwrite_text_field

    forged = overwrite_text_field(issued.lta, "Nomor", "800.1.11.1/9999/DISKOPUKM/2026")
    report = issued.verify(forged)
    assert not report.ok
    assert any(SEAL_FIELD in p for p in report.problems)


# --- verification that holds later -----------------------------------------------------------


def test_still_verifies_after_every_certificate_expired(issued):
    later = issued.pki.leaf_until + dt.timedelta(days=365)     # 3 years on
    report = issued.verify(issued.lta, at=later)
    assert report.ok, report.problems
    assert report.long_term and all(r.ok and r.status == "PASSED" for r in report.long_term)
    assert {r.field_name for r in report.long_term} == (
        {s.field_name for s in issued.workflow.reviewers} | {SEAL_FIELD})


def test_letter_without_validation_data_is_not_verifiable_later(issued):
    later = issued.pki.leaf_until + dt.timedelta(days=365)
    report = issued.verify(issued.sealed, at=later)
    assert not report.ok
    assert report.long_term and not any(r.ok for r in report.long_term)
    assert any("tidak dapat diverifikasi" in p for p in report.problems)
    # today, by the usual checks, the same B-T letter is fine: the date is what differs
    assert issued.verify(issued.sealed).ok


def test_renewal_adds_a_fresh_archive_timestamp(issued):
    renewed = renew_archive_timestamp(issued.lta, issued.settings(),
                                      timestamper_for_config(issued.config))
    assert renewed.startswith(issued.lta)            # an incremental update: nothing rewritten
    stamps = archive_timestamps(renewed)
    assert len(stamps) == 2 and stamps[1][0] >= stamps[0][0]
    report = issued.verify(renewed, at=issued.pki.leaf_until + dt.timedelta(days=365))
    assert report.ok, report.problems


# --- a CA that cannot be reached --------------------------------------------------------------


def test_unreachable_ca_is_temporary_and_bounded(issued):
    issued.pki.stop_serving()
    try:
        started = time.monotonic()
        with pytest.raises(ValidationDataUnavailable) as err:
            add_long_term_data(issued.sealed, issued.settings(timeout_seconds=2, attempts=2),
                               timestamper_for_config(issued.config))
        assert time.monotonic() - started < 30
        assert "tidak dapat" in str(err.value) or "belum dapat" in str(err.value)
    finally:
        issued.pki.resume_serving()
    # and once the CA is back, the same letter gets its data
    again = add_long_term_data(issued.sealed, issued.settings(),
                               timestamper_for_config(issued.config))
    assert issued.verify(again).ok


# --- revocation, mid-run ----------------------------------------------------------------------


@pytest.fixture
def revocable(tmp_path):
    config, _ = demo_workspace(tmp_path / "ws")
    with CertomancerPki(tmp_path / "ca", subjects_for(config),
                        organization=config.agency.name) as pki:
        config, _ = demo_workspace(tmp_path / "ws", _tsa_config(tmp_path, pki.tsa_url))
        pki.install(config)
        ring = KeyRing.load(config)
        yield config, pki, ring
        ring.close()


def test_letter_signed_after_revocation_is_refused_and_reported_invalid(revocable):
    config, pki, ring = revocable
    workflow = config.workflow()
    first = workflow.reviewers[0]
    # the CA revokes the kasubag's certificate while the service is running...
    pki.revoke(first.key, since=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    # ...the service (before this issue) would still have marked with it:
    sealed = _issue(config, ring, workflow, pki.tsa_url)
    settings = LtvSettings.from_config(config)
    with pytest.raises(CertificateRevoked) as err:
        add_long_term_data(sealed, settings, timestamper_for_config(config))
    assert first.person.name in str(err.value)

    # A letter carrying the CA's CRL: spt verify reports that signature invalid.
    import urllib.request

    from asn1crypto import crl as asn1_crl

    cert = pki.certificate(first.key)
    from cryptography.x509 import CRLDistributionPoints

    url = cert.extensions.get_extension_for_class(CRLDistributionPoints).value[0] \
        .full_name[0].value
    with urllib.request.urlopen(url, timeout=10) as resp:
        crl = asn1_crl.CertificateList.load(resp.read())
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, crls=[crl])
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trust_roots=config.trust.roots, workflow=workflow,
                        tz=config.tz)
    assert not report.ok
    bad = {s.field_name: s for s in report.signatures}[first.field_name]
    assert not bad.trusted and "dicabut" in " ".join(bad.problems)
    others = [s for s in report.signatures if s.field_name != first.field_name]
    assert all(s.trusted for s in others)


def test_signature_made_before_revocation_stays_valid_long_term(revocable):
    config, pki, ring = revocable
    workflow = config.workflow()
    sealed = _issue(config, ring, workflow, pki.tsa_url)
    lta = add_long_term_data(sealed, LtvSettings.from_config(config),
                             timestamper_for_config(config))
    # revoked afterwards (key compromise reported later): the letter was made in time
    pki.revoke(workflow.reviewers[0].key)
    later = pki.leaf_until + dt.timedelta(days=30)
    report = verify_pdf(lta, trust_roots=config.trust.roots, workflow=workflow, tz=config.tz,
                        at=later)
    assert report.ok, report.problems


def test_containers_found_by_byte_range_are_the_ones_pyhanko_reads(issued):
    from pipeline.signing.ltv import signature_containers

    reader = PdfFileReader(io.BytesIO(issued.lta))
    by_pyhanko = [s.signed_data.dump() for s in reader.embedded_signatures]
    assert [sd.dump() for sd in signature_containers(issued.lta)] == by_pyhanko
    assert len(by_pyhanko) == len(issued.workflow.reviewers) + 2   # marks, seal, Arsip


def test_revoked_approver_certificate_is_found_at_start_up(tmp_path):
    """An official who signs with their own key (signing = "approver"): the service's
    start-up and spt doctor ask the CA about that certificate too."""
    from pipeline.signing.revocation import check_signers
    from tests.conftest import ROOT
    from tests.support.signing import as_approver_stage

    text = (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text("utf-8")
    config, _ = demo_workspace(tmp_path / "ws", as_approver_stage(text, "sekda"))
    with CertomancerPki(tmp_path / "ca", subjects_for(config),
                        organization=config.agency.name) as pki:
        pki.install(config)
        ring = KeyRing.load(config)
        try:
            before = {s.label: s for s in check_signers(config, ring.signers, approvers=True)}
            assert "sekda" in before and not before["sekda"].revoked
            pki.revoke("sekda")
            after = {s.label: s for s in check_signers(config, ring.signers, approvers=True)}
            assert after["sekda"].revoked and "DICABUT" in after["sekda"].message
            assert not any(s.revoked for k, s in after.items() if k != "sekda")
            assert "sekda" not in {s.label for s in check_signers(config, ring.signers)}
        finally:
            ring.close()


def test_an_approvers_mark_is_asked_of_the_ca_revoked_unknown_or_good(tmp_path):
    """What the service asks the CA once an approver's file passed its bounded check
    (pipeline.service.approvals): revoked is refused; unknown (CA down) is refused only
    when nothing later would reveal a revocation ([trust] long_term off)."""
    from pyhanko.sign import signers

    from pipeline.signing.revocation import approver_problem, check_approver_mark
    from tests.conftest import ROOT
    from tests.support.signing import as_approver_stage

    text = (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text("utf-8")
    config, _ = demo_workspace(tmp_path / "ws", as_approver_stage(text, "sekda"))
    stage = next(s for s in config.workflow().stages if s.key == "sekda")
    with CertomancerPki(tmp_path / "ca", subjects_for(config),
                        organization=config.agency.name) as pki:
        pki.install(config)
        official = signers.SimpleSigner.load_pkcs12(
            str(config.path(stage_certificate(config, "sekda")).with_suffix(".p12")),
            passphrase=b"uji")
        out = io.BytesIO()
        signers.PdfSigner(signers.PdfSignatureMetadata(field_name=stage.field_name),
                          signer=official).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(prepared_pdf())), output=out)
        signed = out.getvalue()

        def ask():
            return check_approver_mark(config, stage.key, stage.person.name, signed,
                                       stage.field_name)

        good = ask()
        assert not good.revoked and not good.unknown, good
        assert approver_problem(good, unknown_refused=True) is None

        pki.stop_serving("crls", "ocsp")
        down = ask()
        assert down.unknown and not down.revoked
        assert approver_problem(down, unknown_refused=False) is None
        assert "belum dapat diperiksa" in approver_problem(down, unknown_refused=True)

        pki.resume_serving()
        pki.revoke("sekda")
        revoked = ask()
        assert revoked.revoked
        problem = approver_problem(revoked, unknown_refused=False)
        assert "DICABUT" in problem and stage.person.name in problem
        assert check_approver_mark(config, stage.key, stage.person.name, signed,
                                   "TTD_lain") is None


def stage_certificate(config, key: str):
    return next(s.certificate for s in config.stage if s.key == key)


# --- issue 19 with issue 23: which document timestamps a letter may carry --------------------


def _own_tsa():
    """A TSA anyone could set up: a self-signed certificate with the timeStamping purpose."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA Palsu")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=load_private_key_from_pemder_data(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), passphrase=None))


def _timestamped(pdf: bytes, timestamper, field_name: str) -> bytes:
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    out = io.BytesIO()
    PdfTimeStamper(timestamper, field_name=field_name).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", output=out)
    return out.getvalue()


def test_archive_timestamp_after_the_seal_from_an_untrusted_tsa_is_refused(issued):
    """The same kind of revision as a renewal (an invisible field holding a /DocTimeStamp),
    made by a TSA that does not chain to our roots: it proves nothing, so it is refused."""
    forged = _timestamped(issued.lta, _own_tsa(), "Arsip_2")
    report = issued.verify(forged)
    assert not report.ok
    assert any(p.startswith("Arsip_2:") and "bukan dari server cap waktu" in p
               for p in report.problems), \
        report.problems
    # the genuine renewal of the same letter is accepted (the rule is the TSA, not the shape)
    renewed = renew_archive_timestamp(issued.lta, issued.settings(),
                                      timestamper_for_config(issued.config))
    assert issued.verify(renewed).ok


def test_trusted_document_timestamp_before_the_seal_is_refused(issued):
    """Only the archive timestamps after the seal are ours: a genuine, trusted TSA's
    /DocTimeStamp between the marks and the seal is still a revision nobody allowed."""
    marked = prepared_pdf(text_fields=("Nomor", "Tanggal", "QR"))
    for stage in issued.workflow.reviewers:
        marked = apply_mark(marked, field_name=stage.field_name,
                            signer=issued.ring.signer(stage.key),
                            appearance=MarkAppearance.for_stage(stage, issued.config),
                            when=dt.datetime.now(dt.UTC), tsa_url=issued.pki.tsa_url)
    stamped = _timestamped(marked, timestamper_for_config(issued.config), ARCHIVE_FIELD)
    report = issued.verify(stamped)
    assert not report.ok
    assert any(p.startswith(f"{ARCHIVE_FIELD}: stempel waktu dokumen (/DocTimeStamp)")
               for p in report.problems), report.problems
    with pytest.raises(Exception, match="stempel waktu"):
        apply_seal(fill_number(stamped, nomor=NOMOR, tanggal="12 Mei 2026", qr_payload="SPT"),
                   signer=issued.ring.seal_signer(), image=issued.config.seal.image,
                   when=dt.datetime.now(dt.UTC), tsa_url=issued.pki.tsa_url)
