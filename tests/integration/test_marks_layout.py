"""The cap and the marks, measured on the issued letter: readable, alike, and never over the text.

A one-page letter goes through the real steps: template, LibreOffice,
prepared fields, every stage's mark with its real appearance
(:class:`~pipeline.signing.appearance.MarkAppearance`), the number, the cap
image sealed last. qpdf then flattens the annotations into the page so that
pdfplumber sees the marks' text as characters with their printed size, and
the boxes are compared: what a reader of the paper letter would check.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.config import load_config
from pipeline.convert import SofficeConverter
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf.fill import fill_number
from pipeline.pdf.prepare import prepare_for_signing
from pipeline.signing.keys import LoadedSigner
from pipeline.signing.marks import MarkAppearance, apply_mark
from pipeline.signing.seal import SEAL_FIELD, apply_seal
from tests.support.pdf import ThrowawayPki

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"
MIN_PT = 6.0
WHEN = dt.datetime(2026, 9, 30, 3, 5, tzinfo=dt.UTC)  # the longest month name


def _signer(pki: ThrowawayPki, name: str) -> LoadedSigner:
    simple = pki.signer(name)
    return LoadedSigner(label=name, holder=name, signer=simple,
                        certificate=simple.signing_cert, kind="pkcs12")


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """(flattened issued letter, the field rectangles by name, the workflow)."""
    folder = tmp_path_factory.mktemp("marks")
    config = load_config(WORKSPACE / "spt.toml")
    workflow = config.workflow()
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        assignees = list(csv.DictReader(fh))[:2]
    ctx = LetterContext.build(config=config, workflow=workflow,
                              fields=json.loads(SAMPLE.read_text(encoding="utf-8")),
                              assignees=assignees)
    render_draft(ROOT / "templates" / "spt.docx", ctx, folder / "spt.docx")
    SofficeConverter(folder / "lo").convert(folder / "spt.docx", folder / "spt.pdf")
    pdf = prepare_for_signing((folder / "spt.pdf").read_bytes(), workflow)
    pki = ThrowawayPki(folder / "pki")
    for stage in workflow.reviewers:
        pdf = apply_mark(pdf, field_name=stage.field_name, signer=_signer(pki, stage.key),
                         appearance=MarkAppearance.for_stage(stage, config), when=WHEN)
    pdf = fill_number(pdf, "800.1.11.1/0042/DISKOPUKM/2026", "30 September 2026", "x",
                      claim=config.letter.footer)
    pdf = apply_seal(pdf, signer=_signer(pki, "Cap Dinas"), image=ROOT / "templates" / "cap-dinas.png",
                     when=WHEN)
    (folder / "issued.pdf").write_bytes(pdf)
    subprocess.run(["qpdf", "--flatten-annotations=all", str(folder / "issued.pdf"),
                    str(folder / "flat.pdf")], check=True)
    reader = PdfFileReader(io.BytesIO(pdf))
    rects = {str(f.get_object()["/T"]): tuple(float(v) for v in f.get_object()["/Rect"])
             for f in reader.root["/AcroForm"]["/Fields"]}
    kids = [k.get_object() for k in reader.root["/Pages"]["/Kids"]]
    seal_page = next(i for i, k in enumerate(kids)
                     if any(str(a.get_object().get("/T")) == SEAL_FIELD
                            for a in k.get("/Annots", [])))
    assert len(kids) == 1  # the sample letter stays on one page
    return folder / "flat.pdf", rects, workflow, seal_page


def _inside(char, rect, page_h: float, slack: float = 0.5) -> bool:
    x0, y0, x1, y1 = rect
    return (char["x0"] >= x0 - slack and char["x1"] <= x1 + slack
            and page_h - char["bottom"] >= y0 - slack and page_h - char["top"] <= y1 + slack)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_every_mark_is_readable_and_the_paraf_marks_look_alike(issued):
    flat, rects, workflow, at = issued
    with pdfplumber.open(flat) as doc:
        page = doc.pages[at]
        h = float(page.height)
        looks = []
        for stage in workflow.reviewers:
            chars = [c for c in page.chars if _inside(c, rects[stage.field_name], h)
                     and c["text"].strip()]
            assert chars, stage.key
            sizes = sorted({round(c["size"], 1) for c in chars})
            assert sizes[0] >= MIN_PT, (stage.key, sizes)
            text = "".join(c["text"] for c in chars)
            assert stage.person.name.split()[-1].strip(",.") in text or \
                stage.person.name.replace(" ", "")[:10] in text.replace(" ", ""), (stage.key, text)
            if stage is not workflow.signatory:
                fonts = tuple(sorted({c["fontname"].partition("+")[2] or c["fontname"]
                                      for c in chars}))
                looks.append((stage.key, fonts, sizes))
    assert len({fonts for _k, fonts, _s in looks}) == 1, looks
    every = [s for _k, _f, sizes in looks for s in sizes]
    assert max(every) - min(every) <= 0.3, looks  # one size (rounding aside)


def test_the_cap_covers_the_left_of_the_signature_block_and_none_of_its_text(issued):
    flat, rects, workflow, at = issued
    seal = rects[SEAL_FIELD]
    ttd = rects[workflow.signatory.field_name]
    signer = workflow.signatory.person
    with pdfplumber.open(flat) as doc:
        page = doc.pages[at]
        h = float(page.height)
        words = page.extract_words()
        paraf_right = max(rects[s.field_name][2] for s in workflow.reviewers[:-1])
        block = [w for w in words if w["x0"] > paraf_right and h - w["bottom"] < ttd[3] + 30
                 and h - w["top"] > ttd[1] - 40]
        texts = " ".join(w["text"] for w in block)
        assert signer.jabatan.upper().split()[0] in texts and signer.name.split()[-1] in texts
        # No word of the block (office, e-signature text, name, NIP) under the cap.
        for w in block:
            box = (w["x0"], h - w["bottom"], w["x1"], h - w["top"])
            assert not _overlap(box, seal), (w["text"], box, seal)
        left = min(w["x0"] for w in block)
        right = max(w["x1"] for w in block)
    width = right - left
    # Over the left of the block: starts near its left edge, its middle in the left 40 %.
    assert seal[0] <= left + 0.1 * width
    assert (seal[0] + seal[2]) / 2 <= left + 0.4 * width
    assert seal[2] - seal[0] >= 2.8 * 72 / 2.54  # a real cap, not a thumbnail
