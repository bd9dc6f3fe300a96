"""A letter with many assignees: the Kepada list in a Lampiran, page numbers, no bad splits.

Eleven assignees (the reported case) against the default limit of five: the
body points to the Lampiran, which carries the letter's number, date and
signatory (the number and date filled at issue, like the body's); pages after
the first are numbered; no "Untuk" item and no signature block is cut by a
page break. Real template, real LibreOffice, fields prepared and filled.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pdfplumber
import pytest

from pipeline.convert import SofficeConverter
from pipeline.drafting.assignees import read_assignees
from pipeline.drafting.check import draft_problems, pdf_rows_problems
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf.fill import fill_number
from pipeline.pdf.kepada import kepada_rows
from pipeline.pdf.prepare import prepare_for_signing

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"
NOMOR = "800.1.11.1/0042/DISKOPUKM/2026"
TANGGAL = "7 Desember 2026"


def _draft(config, folder: Path, count: int):
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))
    assignees = [people[i % len(people)] for i in range(count)]
    ctx = LetterContext.build(config=config, workflow=config.workflow(),
                              fields=json.loads(SAMPLE.read_text(encoding="utf-8")),
                              assignees=assignees)
    docx, pdf = folder / "spt.docx", folder / "spt.pdf"
    render_draft(ROOT / "templates" / "spt.docx", ctx, docx)
    SofficeConverter(folder / "lo").convert(docx, pdf)
    return ctx, docx, pdf.read_bytes()


@pytest.fixture(scope="module")
def eleven(config, tmp_path_factory):
    return _draft(config, tmp_path_factory.mktemp("eleven"), 11)


def _pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [" ".join((p.extract_text() or "").split()) for p in doc.pages]


def test_beyond_five_the_kepada_list_is_a_lampiran(config, eleven):
    ctx, docx, pdf = eleven
    pages = _pages(pdf)
    assert len(pages) == 2
    body, annex = pages
    assert "Kepada : Nama-nama pegawai sebagaimana tercantum dalam Lampiran Surat Perintah " \
           "Tugas ini (11 orang)." in body
    assert "Drs. Yohanes Kristian" not in body
    assert annex.replace(" :", ":").startswith(
        "- 2 - LAMPIRAN SURAT PERINTAH TUGAS GUBERNUR KALIMANTAN BARAT NOMOR: TANGGAL: "
        "DAFTAR PEGAWAI YANG DITUGASKAN")
    assert annex.rstrip().endswith("GUBERNUR KALIMANTAN BARAT, H. Arif Rahman Hakim, S.H.")
    # One Kepada table, the Lampiran's: the record and the letter agree on all eleven rows.
    rows = read_assignees(docx)
    assert len(rows) == 11 and rows == list(ctx.kepada)
    assert pdf_rows_problems(rows, kepada_rows(pdf)) == []
    assert draft_problems(docx) == []


def test_the_lampiran_carries_the_number_and_date_once_issued(config, eleven):
    _ctx, _docx, pdf = eleven
    prepared = prepare_for_signing(pdf, config.workflow())
    filled = fill_number(prepared, NOMOR, TANGGAL, "x", claim=config.letter.footer)
    with pdfplumber.open(io.BytesIO(filled)) as doc:
        annots = {a["data"].get("T"): a for a in doc.pages[1].annots}
    assert {b"Nomor_Lampiran", b"Tanggal_Lampiran"} <= set(annots) or \
        {"Nomor_Lampiran", "Tanggal_Lampiran"} <= set(annots)
    import subprocess

    path = Path(_docx).parent / "filled.pdf"
    path.write_bytes(filled)
    text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert f"NOMOR : {NOMOR}" in flat and f"TANGGAL : {TANGGAL}" in flat


def test_no_untuk_item_and_no_signature_block_is_split(eleven):
    ctx, _docx, pdf = eleven
    pages = _pages(pdf)
    for item in ctx.untuk:
        assert sum(" ".join(item.text.split())[:60] in p for p in pages) == 1, item.text
        assert any(" ".join(item.text.split()) in p for p in pages), item.text
    body = pages[0]
    assert "Ditetapkan di : Pontianak" in body and "H. Arif Rahman Hakim, S.H." in body


def test_a_one_page_letter_has_no_page_number(config, tmp_path):
    _ctx, _docx, pdf = _draft(config, tmp_path, 2)
    (page,) = _pages(pdf)
    assert not page.startswith("- 1 -") and "Lampiran" not in page


def test_five_stay_in_the_body_and_a_second_page_is_numbered_not_split(config, tmp_path):
    ctx, docx, pdf = _draft(config, tmp_path, 5)
    pages = _pages(pdf)
    assert "Lampiran" not in " ".join(pages) and "Andi Pratama, A.Md." in pages[0]
    assert len(read_assignees(docx)) == 5
    assert not pages[0].startswith("- 1 -")
    for n, page in enumerate(pages[1:], start=2):
        assert page.startswith(f"- {n} -")
    # The signature block is whole on one page: office, name.
    holding = [p for p in pages if "GUBERNUR KALIMANTAN BARAT," in p]
    assert len(holding) == 1 and "H. Arif Rahman Hakim, S.H." in holding[0]
    for item in ctx.untuk:
        assert any(" ".join(item.text.split()) in p for p in pages), item.text
