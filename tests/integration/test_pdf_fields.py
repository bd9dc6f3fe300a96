"""Fields before the first signature, the number after the last: every signature stays valid.

Real parts throughout: the template rendered by docxtpl, LibreOffice's PDF,
pyHanko signatures with throwaway ECDSA P-256 keys (PAdES), and two
validators: pyHanko (which analyses every later revision) and poppler's
``pdfsig`` trusting the throwaway root through an NSS database.
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
from pyhanko.pdf_utils.form_tools import FormFillingError
from pyhanko.pdf_utils.generic import TextStringObject
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import TextStampStyle

from pipeline.convert import SofficeConverter
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf import review
from pipeline.pdf.anchors import CM
from pipeline.pdf.fill import fill_number
from pipeline.pdf.prepare import NOMOR_FIELD, QR_FIELD, TANGGAL_FIELD, prepare_for_signing
from pipeline.signing.seal import SEAL_FIELD
from tests.support.pdf import ThrowawayPki, pdfsig_checks, pyhanko_checks, sign

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = Path("/work/shared/samples/invitations/undangan-dev-01.json")
NOMOR = "800.1.11.1/0042/DISKOPUKM/2026"
TANGGAL = "7 Desember 2026"
QR = f"SPT {NOMOR}\nSHA-256 {'3f' * 32}"
ACCEPTABLE = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


@pytest.fixture(scope="module")
def workflow(config):
    return config.workflow()


@pytest.fixture(scope="module")
def letter(config, workflow, tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("letter")
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        assignees = list(csv.DictReader(fh))[:2]
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = LetterContext.build(config=config, workflow=workflow, fields=fields,
                              assignees=assignees)
    render_draft(ROOT / "templates" / "spt.docx", ctx, folder / "spt.docx")
    SofficeConverter(folder / "lo").convert(folder / "spt.docx", folder / "spt.pdf")
    return (folder / "spt.pdf").read_bytes()


@pytest.fixture(scope="module")
def prepared(letter, workflow) -> bytes:
    return prepare_for_signing(letter, workflow)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> ThrowawayPki:
    return ThrowawayPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def nssdir(pki, tmp_path_factory) -> Path:
    return pki.nss_db(tmp_path_factory.mktemp("nss"))


def form_fields(pdf: bytes) -> dict[str, dict]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {str(f.get_object()["/T"]): f.get_object() for f in reader.root["/AcroForm"]["/Fields"]}


def rect(field) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in field["/Rect"])


def test_one_revision_adds_every_field(letter, prepared, workflow):
    assert prepared.startswith(letter)  # incremental: the converted letter is untouched
    before = PdfFileReader(io.BytesIO(letter)).xrefs.total_revisions
    assert PdfFileReader(io.BytesIO(prepared)).xrefs.total_revisions == before + 1
    fields = form_fields(prepared)
    signatures = {s.field_name for s in workflow.stages if s.index > 0} | {SEAL_FIELD}
    assert {n for n, f in fields.items() if f["/FT"] == "/Sig"} == signatures
    texts = {n: f for n, f in fields.items() if f["/FT"] == "/Tx"}
    pages = len(PdfFileReader(io.BytesIO(letter)).root["/Pages"]["/Kids"])
    drafs = {review.draf_name(p) for p in range(pages)}
    assert set(texts) == {NOMOR_FIELD, TANGGAL_FIELD, QR_FIELD, review.KETERANGAN_FIELD} | drafs
    assert all(int(f["/Ff"]) & 1 for f in texts.values())  # read-only
    # all empty but the DRAF bands of the review copy
    assert {n for n, f in fields.items() if "/V" in f} == drafs
    lock = fields[SEAL_FIELD]["/Lock"]
    assert lock["/Action"] == "/All" and int(lock["/P"]) == 1


def test_boxes_sit_where_the_letter_says(letter, prepared, workflow):
    fields = form_fields(prepared)
    with pdfplumber.open(io.BytesIO(letter)) as doc:
        page = doc.pages[-1]
        h = float(page.height)
        words = page.extract_words()
        lines: dict[int, list] = {}
        for w in words:
            lines.setdefault(round(w["top"]), []).append(w)

        def line_of(first: str, second: str):
            for ws in lines.values():
                texts = [w["text"] for w in ws]
                for i in range(len(texts) - 1):
                    if texts[i] == first and texts[i + 1] == second:
                        return ws[i], ws[i + 1]
            raise AssertionError(f"{first} {second} not found")

        # The signatory's box: between the office and the name, over the name.
        signer = workflow.signatory.person
        name_first, name_second = line_of(*signer.name.split()[:2])
        office, _ = line_of(*signer.jabatan.upper().split()[:2])
        x0, y0, x1, y1 = rect(fields[workflow.signatory.field_name])
        assert y0 >= h - name_first["top"] - 0.5          # above the name
        assert y1 <= h - office["bottom"] + 0.5            # below the office
        assert y1 - y0 > 2.5 * CM
        assert x1 > name_second["x1"]  # the text starts right of the cap (test_marks_layout)
        # Each reviewer's box is inside its row's "Paraf" cell, rows in chain order.
        table = next(t for t in page.find_tables()
                     if (t.extract()[0] or [None])[:3] == ["No", "Jabatan", "Paraf"])
        rows = table.extract()[1:]
        reviewers = workflow.reviewers[:-1]
        assert len(rows) == len(reviewers)
        for stage, row, cells in zip(reviewers, rows, table.rows[1:], strict=True):
            assert " ".join(row[1].split()) == stage.person.jabatan
            cx0, ctop, cx1, cbottom = cells.cells[2]
            fx0, fy0, fx1, fy1 = rect(fields[stage.field_name])
            assert cx0 <= fx0 < fx1 <= cx1
            assert h - cbottom <= fy0 < fy1 <= h - ctop
            assert fy1 - fy0 > 0.9 * CM
        # The number after "NOMOR :", the date after "pada tanggal :", on their lines.
        first = doc.pages[0]
        nomor = next(w for w in first.extract_words() if w["text"] == "NOMOR")
        x0, y0, x1, y1 = rect(fields[NOMOR_FIELD])
        assert x0 > nomor["x1"] and y0 < h - nomor["bottom"] + 3 and y1 > h - nomor["top"]
        _, tanggal = line_of("pada", "tanggal")
        x0, y0, x1, y1 = rect(fields[TANGGAL_FIELD])
        assert x0 > tanggal["x1"] and y0 < h - tanggal["bottom"] + 3 and y1 > h - tanggal["top"]
        # The QR square in the footer, bottom left.
        x0, y0, x1, y1 = rect(fields[QR_FIELD])
        assert abs((x1 - x0) - (y1 - y0)) < 2 and 1.8 * CM < x1 - x0 < 2.3 * CM
        assert y0 < 3.5 * CM and x0 < float(page.width) / 4
    # The seal: 3.2 cm, left of the e-signature text, in the space between office and name
    # (tests/integration/test_marks_layout.py measures it against the printed words).
    sx0, sy0, sx1, sy1 = rect(fields[SEAL_FIELD])
    tx0, ty0, _tx1, ty1 = rect(fields[workflow.signatory.field_name])
    assert abs((sx1 - sx0) - 3.2 * CM) < 1 and abs((sy1 - sy0) - 3.2 * CM) < 1
    assert sx1 <= tx0 and ty0 - 1 <= sy0 < sy1 <= ty1 + 1


def ink_in(pdf: bytes, box: tuple[float, float, float, float], tmp_path: Path) -> float:
    """Share of dark pixels poppler renders inside ``box`` (PDF coordinates) on page 1."""
    path = tmp_path / "probe.pdf"
    path.write_bytes(pdf)
    dpi = 100
    scale = dpi / 72
    height = float(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]["/MediaBox"][3])
    x0, y0, x1, y1 = box
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1",
                    "-x", str(int(x0 * scale)), "-y", str(int((height - y1) * scale)),
                    "-W", str(int((x1 - x0) * scale)), "-H", str(int((y1 - y0) * scale)),
                    str(path), str(tmp_path / "probe")], check=True)
    img = Image.open(next(tmp_path.glob("probe*.png"))).convert("L")
    dark = sum(img.histogram()[:128])
    for png in tmp_path.glob("probe*.png"):
        png.unlink()
    return dark / (img.width * img.height)


def test_signatures_stay_valid_through_the_fill_and_the_seal(prepared, workflow, pki, nssdir,
                                                             tmp_path):
    names = [s.field_name for s in workflow.reviewers]
    pdf = prepared
    for name in names[:3]:
        pdf = sign(pdf, name, pki.signer(name),
                   stamp=TextStampStyle(stamp_text="Diparaf: %(signer)s"))
    filled = fill_number(pdf, NOMOR, TANGGAL, QR)
    assert filled.startswith(pdf)
    pdf = sign(filled, names[3], pki.signer(names[3]))

    checks = pyhanko_checks(pdf, pki)
    assert [c.field for c in checks] == names[:4]
    for c in checks:
        assert c.bottom_line and c.intact and c.trusted, c
        assert c.modification_level in ACCEPTABLE, c
    assert checks[0].modification_level == "FORM_FILLING"  # it saw the fill and accepted it
    (tmp_path / "four.pdf").write_bytes(pdf)
    verdicts = pdfsig_checks(tmp_path / "four.pdf", nssdir)
    for name in names[:4]:
        assert verdicts[name] == ("Signature is Valid.", "Certificate is Trusted."), name

    # The rest of the chain, then the locked seal with the stamp image, last.
    for name in names[4:]:
        pdf = sign(pdf, name, pki.signer(name))
    stamp = TextStampStyle(stamp_text="", border_width=0,
                           background=PdfImage(str(ROOT / "templates" / "cap-dinas.png")),
                           background_opacity=1.0)
    pdf = sign(pdf, SEAL_FIELD, pki.signer("Cap Dinas Demo"), stamp=stamp)
    checks = pyhanko_checks(pdf, pki)
    assert [c.field for c in checks] == [*names, SEAL_FIELD]
    assert all(c.bottom_line and c.modification_level in ACCEPTABLE for c in checks), checks
    (tmp_path / "sealed.pdf").write_bytes(pdf)
    verdicts = pdfsig_checks(tmp_path / "sealed.pdf", nssdir)
    assert all(v == ("Signature is Valid.", "Certificate is Trusted.") for v in verdicts.values())
    assert len(verdicts) == len(names) + 1
    qpdf = subprocess.run(["qpdf", "--check", str(tmp_path / "sealed.pdf")],
                          capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr

    # What was filled: the values, and poppler draws them.
    fields = form_fields(pdf)
    assert str(fields[NOMOR_FIELD]["/V"]) == NOMOR
    assert str(fields[TANGGAL_FIELD]["/V"]) == TANGGAL
    assert str(fields[QR_FIELD]["/V"]) == QR
    for name, share in ((NOMOR_FIELD, 0.03), (TANGGAL_FIELD, 0.03), (QR_FIELD, 0.3)):
        box = rect(fields[name])
        assert ink_in(pdf, box, tmp_path) > ink_in(prepared, box, tmp_path) + share, name

    # After the seal, re-writing the number is caught.
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    reader_fields = writer.root["/AcroForm"]["/Fields"]
    ref = next(f for f in reader_fields if str(f.get_object()["/T"]) == NOMOR_FIELD)
    ref.get_object()["/V"] = TextStringObject("800.1.11.1/9999/DISKOPUKM/2026")
    writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    assert not pyhanko_checks(out.getvalue(), pki)[-1].bottom_line


def test_the_number_is_written_once(prepared):
    filled = fill_number(prepared, NOMOR, TANGGAL, QR)
    with pytest.raises(FormFillingError):
        fill_number(filled, "800.1.11.1/0043/DISKOPUKM/2026", TANGGAL, QR)


def test_the_printed_signature_block_reads_back_as_drafted(config, prepared, workflow):
    """The signatory's mark compares the printed block with the holder (a Plh. set after
    drafting): read off the prepared letter, it is exactly what the drafting printed."""
    from pipeline.core.delegation import printed_block_differs
    from pipeline.drafting.letter import signatory_block
    from pipeline.pdf.anchors import printed_signatory

    title, name = printed_signatory(prepared)
    block = signatory_block(config, workflow.signatory)
    assert title.endswith(",") and name == block.name, (title, name)
    assert not printed_block_differs(title, name, title=block.title_line, name=block.name,
                                     deputy=True)
    assert printed_block_differs(title, name, title=f"Plh. {block.title_line}",
                                 name="Rahmat Hidayat", deputy=True)
