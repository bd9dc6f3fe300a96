"""The whole signing chain on a real PDF: six marks, the number, the seal; then forgeries.

Checked with pyHanko (``verify_pdf``) and, independently, with poppler's
``pdfsig``. The PDF comes from :func:`tests.support.signing.prepared_pdf`,
a stand-in for ``pipeline.pdf.prepare`` (every field created in one revision
before the first signature, ``Cap_Dinas`` locked).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from pipeline.config import Config
from pipeline.core.workflow import Workflow
from pipeline.signing.demo_pki import DemoPki
from pipeline.signing.keys import KeyRing, LoadedSigner
from pipeline.signing.marks import MarkAppearance, SigningFailed, apply_mark
from pipeline.signing.seal import SEAL_FIELD, apply_seal
from pipeline.signing.verify import pdfsig_check, verify_pdf
from tests.support.signing import (
    LocalTsa,
    demo_workspace,
    fill_text_fields,
    overwrite_text_field,
    prepared_pdf,
)

NOMOR = "800.1.11.1/0042/DISKOPUKM/2026"
TANGGAL = "12 Mei 2026"

needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils / libnss3-tools not installed",
)


@dataclass
class Chain:
    config: Config
    pki: DemoPki
    ring: KeyRing
    workflow: Workflow
    prepared: bytes
    after: dict[str, bytes]      # the PDF after each stage's mark, by stage key
    filled: bytes
    sealed: bytes
    folder: Path

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def verify(self, pdf: bytes):
        return verify_pdf(pdf, trust_roots=self.config.trust.roots, workflow=self.workflow,
                          tz=self.config.tz)

    def mark(self, pdf: bytes, key: str, *, signer: LoadedSigner | None = None, **kw) -> bytes:
        stage = self.workflow.stage(key)
        return apply_mark(pdf, field_name=stage.field_name, signer=signer or self.ring.signer(key),
                          appearance=MarkAppearance.for_stage(stage, self.config),
                          when=dt.datetime.now(dt.UTC), **kw)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Chain:
    folder = tmp_path_factory.mktemp("chain")
    config, pki = demo_workspace(folder / "ws")
    ring = KeyRing.load(config)
    workflow = config.workflow()
    prepared = prepared_pdf()
    c = Chain(config, pki, ring, workflow, prepared, {}, b"", b"", folder)
    current = prepared
    for stage in workflow.reviewers:
        current = c.mark(current, stage.key)
        c.after[stage.key] = current
    c.filled = fill_text_fields(current, {"Nomor": NOMOR, "Tanggal": TANGGAL})
    c.sealed = apply_seal(c.filled, signer=ring.seal_signer(), image=config.seal.image,
                          when=dt.datetime.now(dt.UTC))
    return c


# --- the chain as it should be ---------------------------------------------------------


def test_full_chain_verifies_with_pyhanko(chain):
    report = chain.verify(chain.sealed)
    assert report.ok, report.problems
    assert report.complete
    assert report.missing == ()
    assert report.nomor == NOMOR
    assert report.tanggal == TANGGAL
    by_field = {s.field_name: s for s in report.signatures}
    assert list(by_field) == [s.field_name for s in chain.workflow.reviewers] + [SEAL_FIELD]
    for stage in chain.workflow.reviewers:
        sig = by_field[stage.field_name]
        assert sig.role == stage.role
        assert sig.signer == stage.person.name
        assert sig.intact and sig.valid and sig.trusted and sig.bottom_line
        assert sig.modification_level == "FORM_FILLING"
        assert not sig.whole_file
        assert sig.signing_time.utcoffset() == dt.timedelta(hours=7)
    seal = by_field[SEAL_FIELD]
    assert seal.role == "Cap Dinas"
    assert seal.signer == "DEMO Cap Dinas " + chain.config.agency.name
    assert seal.whole_file and seal.modification_level == "NONE"
    data = report.to_dict()
    assert data["ok"] is True and data["signatures"][0]["signing_time"].endswith("+07:00")


@needs_pdfsig
def test_full_chain_verifies_with_pdfsig(chain):
    results = pdfsig_check(chain.write("sealed.pdf", chain.sealed), chain.config.trust.roots)
    assert [r.field_name for r in results] == [
        s.field_name for s in chain.workflow.reviewers] + [SEAL_FIELD]
    for r in results:
        assert r.signature_valid, r
        assert r.certificate_trusted, r
        assert r.signature_type == "ETSI.CAdES.detached"
    assert results[-1].whole_document


def test_signature_dictionary_says_why_where_and_who(chain):
    reader = PdfFileReader(io.BytesIO(chain.sealed))
    sigs = {s.field_name: s.sig_object for s in reader.embedded_signatures}
    assert sigs["Paraf_kasubag"]["/Reason"] == (
        "Paraf Kepala Sub Bagian Administrasi dan Umum")
    assert sigs["TTD_gubernur"]["/Reason"] == "Tanda tangan Gubernur"
    assert sigs["TTD_gubernur"]["/Location"] == "Pontianak"
    assert sigs["TTD_gubernur"]["/Name"] == "H. Arif Rahman Hakim, S.H."
    assert sigs["TTD_gubernur"]["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sigs[SEAL_FIELD]["/Reason"] == "Cap dinas " + chain.config.agency.name


def test_each_mark_is_one_revision_and_earlier_bytes_are_untouched(chain):
    previous = chain.prepared
    for stage in chain.workflow.reviewers:
        current = chain.after[stage.key]
        assert current.startswith(previous)
        assert current[len(previous):].count(b"%%EOF") == 1
        previous = current


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_every_mark_reads_as_its_name_role_and_time(chain):
    """The marks' text comes out of the PDF as written: the embedded font maps every glyph."""
    text = subprocess.run(["pdftotext", "-layout", str(chain.write("t.pdf", chain.sealed)), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for stage in chain.workflow.reviewers:  # a long name wraps in the paraf box
        assert all(word in flat for word in stage.person.name.split()), stage.key
    assert re.search(re.escape(chain.workflow.stage("sekretaris").person.name)
                     + r" \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WIB", flat)
    assert "Ditandatangani secara elektronik oleh" in flat
    assert re.search(r"\d{1,2} \w+ \d{4} \d{2}\.\d{2} WIB", flat)


def test_each_mark_embeds_the_prepared_font_once(chain):
    """One font program per mark, the prepared Latin cut as it is (no per-mark subsetting)."""
    from pipeline.signing.appearance import FONT_DIRS, SANS, SERIF, prepared_font

    reader = PdfFileReader(io.BytesIO(chain.after[chain.workflow.reviewers[-1].key]))

    def programs(xobject) -> list:
        """The TrueType programs of a form XObject's fonts, nested forms included."""
        resources = xobject.get("/Resources", {})
        found = []
        fonts = resources.get("/Font", {})
        for key in fonts:
            descriptor = fonts[key]["/DescendantFonts"][0]["/FontDescriptor"]
            found.append(descriptor["/FontFile2"])
        inner = resources.get("/XObject", {})
        for key in inner:
            found += programs(inner[key])
        return found

    marks = []
    for name, _value, ref in fields.enumerate_sig_fields(reader, filled_status=True):
        for program in programs(ref.get_object()["/AP"]["/N"]):
            marks.append((name, program.get("/Length1"), len(program.data)))
    assert [m[0] for m in marks] == [s.field_name for s in chain.workflow.reviewers]
    sizes = {len(prepared_font(d / n)) for names in (SANS, SERIF) for n in names[:1]
             for d in FONT_DIRS if (d / n).is_file()}
    for name, declared, decoded in marks:
        assert declared == decoded, name
        assert decoded in sizes, name


def test_mid_chain_pdf_is_ok_but_not_complete(chain):
    report = chain.verify(chain.after["inspektur"])
    assert report.ok, report.problems
    assert not report.complete
    assert report.missing == ("TTD_asisten1", "TTD_sekda", "TTD_gubernur", SEAL_FIELD)
    assert report.signatures[-1].whole_file


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_sealed_pdf_is_structurally_sound(chain):
    proc = subprocess.run(["qpdf", "--check", str(chain.write("q.pdf", chain.sealed))],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- refusals ------------------------------------------------------------------------------


def test_mark_refuses_a_field_already_signed(chain):
    with pytest.raises(SigningFailed, match="sudah ditandatangani"):
        chain.mark(chain.after["kasubag"], "kasubag")


def test_mark_refuses_a_missing_field(chain):
    with pytest.raises(SigningFailed, match="tidak ada di PDF"):
        chain.mark(prepared_pdf(signature_fields=("Paraf_kasubag",)), "gubernur")


def test_seal_refuses_an_unlocked_field(chain):
    pdf = prepared_pdf(lock_seal=False)
    for stage in chain.workflow.reviewers:
        pdf = chain.mark(pdf, stage.key)
    with pytest.raises(SigningFailed, match="tidak terkunci"):
        apply_seal(pdf, signer=chain.ring.seal_signer(), image=chain.config.seal.image,
                   when=dt.datetime.now(dt.UTC))


def test_seal_refuses_while_a_signature_is_missing(chain):
    with pytest.raises(SigningFailed, match="TTD_gubernur"):
        apply_seal(chain.after["sekda"], signer=chain.ring.seal_signer(),
                   image=chain.config.seal.image, when=dt.datetime.now(dt.UTC))


def test_seal_refuses_a_missing_image(chain, tmp_path):
    with pytest.raises(SigningFailed, match="gambar cap dinas"):
        apply_seal(chain.filled, signer=chain.ring.seal_signer(), image=tmp_path / "none.png",
                   when=dt.datetime.now(dt.UTC))


def test_seal_refuses_an_unreadable_image(chain, tmp_path):
    image = tmp_path / "cap.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(SigningFailed, match="tidak dapat dibaca"):
        apply_seal(chain.filled, signer=chain.ring.seal_signer(), image=image,
                   when=dt.datetime.now(dt.UTC))


def _seal_pictures(pdf: Path, out: Path) -> list[Image.Image]:
    """The images poppler finds in ``pdf`` (the seal's colours, then its transparency)."""
    subprocess.run(["pdfimages", "-png", str(pdf), str(out / "img")], check=True)
    return [Image.open(p) for p in sorted(out.glob("img-*.png"))]


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils not installed")
def test_the_seal_shows_its_image_pixel_for_pixel(chain, tmp_path):
    """The seal's picture is encoded once per process and copied into each letter: what a
    reader shows must still be the image file, colours and transparency."""
    original = Image.open(chain.config.seal.image).convert("RGBA")
    for run, name in enumerate(("first.pdf", "second.pdf")):  # the second from the cache
        sealed = chain.sealed if run == 0 else apply_seal(
            chain.filled, signer=chain.ring.seal_signer(), image=chain.config.seal.image,
            when=dt.datetime.now(dt.UTC))
        (tmp_path / str(run)).mkdir()
        colours, alpha = _seal_pictures(chain.write(name, sealed), tmp_path / str(run))
        assert colours.size == alpha.size == original.size
        assert colours.convert("RGB").tobytes() == original.convert("RGB").tobytes()
        assert alpha.convert("L").tobytes() == original.getchannel("A").tobytes()


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils not installed")
def test_a_replaced_seal_image_is_used_from_the_next_seal_on(chain, tmp_path):
    image = tmp_path / "cap.png"
    shown = []
    for run, picture in enumerate((Image.new("RGBA", (40, 40), (200, 0, 0, 255)),
                                   Image.new("RGBA", (64, 32), (0, 0, 200, 128)))):
        picture.save(image)
        sealed = apply_seal(chain.filled, signer=chain.ring.seal_signer(), image=image,
                            when=dt.datetime.now(dt.UTC))
        (tmp_path / str(run)).mkdir()
        colours, alpha = _seal_pictures(chain.write(f"replaced-{run}.pdf", sealed),
                                        tmp_path / str(run))
        shown.append((colours.size, colours.convert("RGB").getpixel((0, 0)),
                      alpha.convert("L").getpixel((0, 0))))
    assert shown == [((40, 40), (200, 0, 0), 255), ((64, 32), (0, 0, 200), 128)]


def test_seal_refuses_a_second_seal(chain):
    with pytest.raises(SigningFailed, match="sudah dibubuhi cap dinas"):
        apply_seal(chain.sealed, signer=chain.ring.seal_signer(), image=chain.config.seal.image,
                   when=dt.datetime.now(dt.UTC))


# --- forgeries -----------------------------------------------------------------------------


def _flip_in_first_revision(pdf: bytes) -> bytes:
    at = pdf.index(b"SURAT PERINTAH TUGAS") + 1  # page text, covered by every signature
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def test_flipped_byte_is_caught_by_pyhanko(chain):
    report = chain.verify(_flip_in_first_revision(chain.sealed))
    assert not report.ok
    assert all(not s.intact for s in report.signatures)
    assert any("tidak utuh" in p for p in report.problems)


@needs_pdfsig
def test_flipped_byte_is_caught_by_pdfsig(chain):
    path = chain.write("flipped.pdf", _flip_in_first_revision(chain.sealed))
    results = pdfsig_check(path, chain.config.trust.roots)
    assert len(results) == 7
    assert all(not r.signature_valid for r in results)


def _clear_signature(pdf: bytes, field_name: str) -> bytes:
    """A new revision that empties an earlier signature field (deleting the signature)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, _value, ref in fields.enumerate_sig_fields(writer, filled_status=True):
        if name == field_name:
            field = ref.get_object()
            del field["/V"]
            writer.mark_update(ref)
            break
    else:
        raise AssertionError(field_name)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_stripped_signature_is_caught(chain):
    stripped = _clear_signature(chain.after["gubernur"], "Paraf_kasubag")
    report = chain.verify(stripped)
    assert not report.ok
    assert "Paraf_kasubag" in report.missing
    assert all(s.modification_level == "OTHER" for s in report.signatures)


def test_replaced_signature_is_caught_even_with_a_trusted_lookalike_certificate(chain):
    # The forger holds a certificate from the same root, in the same name.
    cert, key = chain.pki.issue("Hendra Wijaya, S.E.")
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.signers.pdf_cms import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    forged = LoadedSigner(
        "kasubag", "Hendra Wijaya, S.E.",
        SimpleSigner(translate_pyca_cryptography_cert_to_asn1(cert),
                     translate_pyca_cryptography_key_to_asn1(key),
                     SimpleCertificateStore.from_certs(
                         [translate_pyca_cryptography_cert_to_asn1(chain.pki.root_cert)])),
        translate_pyca_cryptography_cert_to_asn1(cert), "pkcs12", "Pontianak",
    )
    replaced = chain.mark(_clear_signature(chain.after["gubernur"], "Paraf_kasubag"), "kasubag",
                          signer=forged)
    report = chain.verify(replaced)
    assert not report.ok
    kasubag = next(s for s in report.signatures if s.field_name == "Paraf_kasubag")
    assert kasubag.valid and kasubag.trusted  # the forged signature itself is fine...
    others = [s for s in report.signatures if s.field_name != "Paraf_kasubag"]
    assert all(s.modification_level == "OTHER" for s in others)  # ...but the others object


def test_contents_swapped_in_place_is_caught(chain):
    pdf = chain.after["sekretaris"]
    contents = [m for m in re.finditer(rb"/Contents <([0-9A-Fa-f]+)>", pdf)]
    assert len(contents) == 2
    first, second = contents
    donor = second.group(1)[: len(first.group(1))]
    swapped = pdf[: first.start(1)] + donor.ljust(len(first.group(1)), b"0") + pdf[first.end(1):]
    report = chain.verify(swapped)
    assert not report.ok
    kasubag = report.signatures[0]
    assert kasubag.field_name == "Paraf_kasubag"
    assert not (kasubag.intact and kasubag.valid)


def test_refilled_number_after_the_seal_is_caught(chain):
    forged = overwrite_text_field(chain.sealed, "Nomor", "800.1.11.1/9999/DISKOPUKM/2026")
    report = chain.verify(forged)
    assert report.nomor == "800.1.11.1/9999/DISKOPUKM/2026"
    assert not report.ok
    seal = next(s for s in report.signatures if s.field_name == SEAL_FIELD)
    assert seal.modification_level == "OTHER"
    assert any("Cap_Dinas" in p and "locked" in p for p in report.problems)


def test_truncated_to_before_the_seal_is_incomplete(chain):
    sealed_part = chain.sealed[len(chain.filled):]
    assert sealed_part.count(b"%%EOF") == 1
    report = chain.verify(chain.after["gubernur"])
    assert report.ok and not report.complete
    assert report.missing == (SEAL_FIELD,)


def test_filled_but_unsealed_is_not_ok(chain):
    # The number after the last signature, with no seal over it: nothing vouches for it.
    report = chain.verify(chain.filled)
    assert not report.ok
    assert report.problems == ("TTD_gubernur: tanda tangan terakhir tidak mencakup seluruh berkas",)
    assert report.signatures[-1].modification_level == "FORM_FILLING"


def test_garbage_is_a_verdict_not_a_crash(chain):
    report = chain.verify(b"%PDF-1.7\nnot really")
    assert not report.ok
    assert report.problems


# --- timestamps ----------------------------------------------------------------------------


def test_mark_with_a_local_rfc3161_timestamp_authority(chain):
    tsa_cert, tsa_key = chain.pki.issue_tsa()
    tsa = LocalTsa(tsa_cert, tsa_key, extra_certs=[chain.pki.root_cert])
    with tsa as url:
        pdf = chain.mark(chain.prepared, "kasubag", tsa_url=url)
    assert tsa.requests == 1
    report = chain.verify(pdf)
    assert report.ok, report.problems
    sig = report.signatures[0]
    assert sig.timestamped
    assert abs(sig.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_unreachable_timestamp_authority_is_a_clear_failure(chain):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SigningFailed, match="TSA"):
        chain.mark(chain.prepared, "kasubag", tsa_url=f"http://127.0.0.1:{port}/tsa")


def test_empty_generic_field_values_are_reported(chain):
    report = chain.verify(chain.after["gubernur"])
    assert report.form_values["Nomor"] is None
    assert report.unsigned_fields == (SEAL_FIELD,)
