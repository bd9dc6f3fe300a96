"""Review copies are drafts; the issued letter alone claims a signature and carries the QR code.

Real parts: the template rendered by docxtpl, LibreOffice's PDF, the fields
prepared, throwaway PAdES signatures for every mark, the number filled, the
locked seal; poppler (pdftoppm) renders what a reviewer would print, and
pyHanko and pdfsig must still accept every signature after the DRAF bands
are emptied and the claim written.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import TextStampStyle

from pipeline.convert import SofficeConverter
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf import review
from pipeline.pdf.fill import fill_number
from pipeline.pdf.prepare import QR_FIELD, prepare_for_signing
from pipeline.signing.seal import SEAL_FIELD
from tests.support.pdf import ThrowawayPki, pdfsig_checks, pyhanko_checks, sign

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"
NOMOR = "800.1.11.1/0042/DISKOPUKM/2026"
TANGGAL = "7 Desember 2026"
QR = f"SPT {NOMOR}\nSHA-256 {'3f' * 32}"
CLAIM_WORDS = "ditandatangani secara elektronik"
ACCEPTABLE = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> ThrowawayPki:
    return ThrowawayPki(tmp_path_factory.mktemp("pki"))


def _letter(config, folder: Path, count: int) -> bytes:
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))
    assignees = [people[i % len(people)] for i in range(count)]
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=assignees)
    render_draft(ROOT / "templates" / "spt.docx", ctx, folder / "spt.docx")
    SofficeConverter(folder / "lo").convert(folder / "spt.docx", folder / "spt.pdf")
    return (folder / "spt.pdf").read_bytes()


@pytest.fixture(scope="module", params=[2, 11], ids=["one-page", "eleven-assignees"])
def letters(request, config, pki, tmp_path_factory):
    """(review copy after every mark, issued letter) for a letter with ``param`` assignees."""
    folder = tmp_path_factory.mktemp(f"letter{request.param}")
    workflow = config.workflow()
    pdf = prepare_for_signing(_letter(config, folder, request.param), workflow)
    for stage in workflow.reviewers:
        pdf = sign(pdf, stage.field_name, pki.signer(stage.field_name),
                   stamp=TextStampStyle(stamp_text="Diparaf: %(signer)s"))
    reviewed = pdf
    filled = fill_number(pdf, NOMOR, TANGGAL, QR, claim=config.letter.footer)
    stamp = TextStampStyle(stamp_text="", border_width=0,
                           background=PdfImage(str(ROOT / "templates" / "cap-dinas.png")),
                           background_opacity=1.0)
    issued = sign(filled, SEAL_FIELD, pki.signer("Cap Dinas Demo"), stamp=stamp)
    (folder / "review.pdf").write_bytes(reviewed)
    (folder / "issued.pdf").write_bytes(issued)
    return folder, reviewed, issued


def _pages(pdf: bytes, folder: Path, name: str, dpi: int = 60) -> list[Image.Image]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in folder.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / name)],
                   check=True)
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob(f"{name}-*.png"))]


def _red_share(img: Image.Image, top_cm: float = 1.5) -> float:
    band = img.crop((0, 0, img.width, int(img.height * top_cm / 29.7)))
    raw = band.tobytes()
    red = sum(1 for i in range(0, len(raw), 3)
              if raw[i] > 150 and raw[i + 1] < 90 and raw[i + 2] < 90)
    return red / (band.width * band.height)


def _ink(img: Image.Image, rect: tuple[float, float, float, float], page_h: float) -> float:
    scale = img.width / 595.3
    x0, y0, x1, y1 = rect
    box = img.convert("L").crop((int(x0 * scale), int((page_h - y1) * scale),
                                 int(x1 * scale), int((page_h - y0) * scale)))
    return sum(box.histogram()[:160]) / max(1, box.width * box.height)


def _fields(pdf: bytes) -> dict[str, dict]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {str(f.get_object()["/T"]): f.get_object() for f in reader.root["/AcroForm"]["/Fields"]}


def test_a_review_copy_is_marked_draf_on_every_page_and_claims_nothing(letters):
    folder, reviewed, _issued = letters
    pages = _pages(reviewed, folder, "review")
    assert all(_red_share(p) > 0.01 for p in pages), [_red_share(p) for p in pages]
    with pdfplumber.open(io.BytesIO(reviewed)) as doc:
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in doc.pages)
        page_h = float(doc.pages[-1].height)
    assert CLAIM_WORDS not in text
    fields = _fields(reviewed)
    # No frame, no code, no claim: the QR square and the claim's box print nothing.
    qr = tuple(float(v) for v in fields[QR_FIELD]["/Rect"])
    frame = (qr[0] - 4, qr[1] - 4, qr[2] + 4, qr[3] + 4)
    assert _ink(pages[-1], frame, page_h) < 0.005
    claim = tuple(float(v) for v in fields[review.KETERANGAN_FIELD]["/Rect"])
    assert _ink(pages[-1], claim, page_h) < 0.005


def test_the_issued_letter_claims_the_signature_beside_its_qr_code_and_is_no_draft(letters):
    folder, _reviewed, issued = letters
    pages = _pages(issued, folder, "issued")
    assert all(_red_share(p) < 0.0005 for p in pages), [_red_share(p) for p in pages]
    fields = _fields(issued)
    assert str(fields[review.KETERANGAN_FIELD]["/V"]).startswith("Dokumen ini telah "
                                                                  "ditandatangani secara")
    with pdfplumber.open(io.BytesIO(issued)) as doc:
        page_h = float(doc.pages[-1].height)
        last = len(doc.pages) - 1
    qr = tuple(float(v) for v in fields[QR_FIELD]["/Rect"])
    claim = tuple(float(v) for v in fields[review.KETERANGAN_FIELD]["/Rect"])
    assert _ink(pages[last], qr, page_h) > 0.3       # the code
    assert _ink(pages[last], claim, page_h) > 0.01   # the claim's lines
    # Both on the last page, side by side.
    reader = PdfFileReader(io.BytesIO(issued))
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    on_last = {str(a.get_object().get("/T")) for a in last_page.get("/Annots", [])}
    assert {QR_FIELD, review.KETERANGAN_FIELD} <= on_last


def test_emptying_the_draf_bands_keeps_every_signature_valid(letters, pki, config):
    folder, _reviewed, issued = letters
    checks = pyhanko_checks(issued, pki)
    names = [s.field_name for s in config.workflow().reviewers] + [SEAL_FIELD]
    assert [c.field for c in checks] == names
    assert all(c.bottom_line and c.intact and c.modification_level in ACCEPTABLE
               for c in checks), checks
    path = folder / "issued-check.pdf"
    path.write_bytes(issued)
    verdicts = pdfsig_checks(path, pki.nss_db(folder / "nss"))
    assert verdicts and all(v == ("Signature is Valid.", "Certificate is Trusted.")
                            for v in verdicts.values()), verdicts
