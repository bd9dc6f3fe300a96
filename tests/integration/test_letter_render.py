"""The SPT rendered for real: docxtpl, then LibreOffice; the draft read back, also after edits."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pdfplumber
import pytest
from docx import Document

from pipeline.convert import SofficeConverter
from pipeline.drafting.assignees import AssigneeError, AssigneeRow, read_assignees
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.pdf.prepare import PlacementError, prepare_for_signing
from pipeline.simulate import add_employee_row

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "spt.docx"
SAMPLE = Path("/work/shared/samples/invitations/undangan-dev-01.json")


@pytest.fixture(scope="module")
def converter(tmp_path_factory):
    return SofficeConverter(tmp_path_factory.mktemp("lo"))


@pytest.fixture(scope="module")
def rendered(config, employees, converter, tmp_path_factory):
    folder = tmp_path_factory.mktemp("letter")
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=employees[:2])
    docx, pdf = folder / "SPT-2026-0001.docx", folder / "SPT-2026-0001.pdf"
    render_draft(TEMPLATE, ctx, docx)
    converter.convert(docx, pdf)
    return ctx, docx, pdf


def pdf_text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_has_every_part_of_the_letter(rendered, config):
    ctx, _docx, pdf = rendered
    text = flat(pdf_text(pdf))
    signer = config.workflow().signatory.person
    # The Gubernur signs: the head of region's kop, and his name without NIP (Art. 44);
    # tests/integration/test_letter_form.py covers an agency head's letter.
    assert config.agency.name not in text and "NIP. 19650517" not in text
    for expected in (
        config.letter.head_of_region_title, "SURAT PERINTAH TUGAS", "NOMOR :",
        "Dasar", ctx.dasar[-1].text, "MEMERINTAHKAN:", "Kepada", "Untuk", ctx.untuk[0].text,
        f"Ditetapkan di : {config.agency.city}", "pada tanggal :",
        signer.jabatan.upper() + ",", signer.name,
        "No Jabatan Paraf", "Tembusan:", config.letter.tembusan[0],
    ):
        assert flat(expected) in text, expected
    with pdfplumber.open(pdf) as doc:
        tables = [t for page in doc.pages for t in page.extract_tables()]
        kepada = next(t for t in tables if t[0][:3] == ["No", "Nama", "NIP"])
        assert [[flat(c or "") for c in r] for r in kepada[1:]] == [
            [f"{i}.", r.nama, r.nip, r.pangkat_gol, r.jabatan]
            for i, r in enumerate(ctx.kepada, start=1)
        ]
        assert 1 <= len(doc.pages) <= 2
        assert round(doc.pages[0].width) == 595 and round(doc.pages[0].height) == 842  # A4


def test_assignees_read_back(rendered, employees):
    _ctx, docx, _pdf = rendered
    rows = read_assignees(docx)
    assert rows == [AssigneeRow.from_employee(e) for e in employees[:2]]
    assert [r.as_dict()["nip"] for r in rows] == [e["nip"] for e in employees[:2]]


def test_hand_edited_draft_reads_back_and_converts(rendered, employees, converter, config,
                                                   tmp_path):
    _ctx, docx, _pdf = rendered
    edited = tmp_path / "edited.docx"
    edited.write_bytes(docx.read_bytes())
    # The drafter adds two employees and removes the first one, as in Word.
    add_employee_row(edited, employees[2])
    doc = Document(str(edited))
    table = next(t for t in doc.tables if "NIP" in t.rows[0].cells[2].text)
    new = copy.deepcopy(table.rows[-1]._tr)
    table.rows[-1]._tr.addnext(new)
    cells = table.rows[-1].cells
    for cell, value in zip(cells, ["4.", employees[3]["nama"], employees[3]["nip"],
                                   f"{employees[3]['pangkat']}, {employees[3]['golongan']}",
                                   employees[3]["jabatan"]], strict=True):
        cell.paragraphs[0].runs[0].text = value
        for run in cell.paragraphs[0].runs[1:]:
            run.text = ""
    table._tbl.remove(table.rows[1]._tr)
    doc.save(str(edited))

    rows = read_assignees(edited)
    assert [r.nama for r in rows] == [e["nama"] for e in employees[1:4]]
    assert rows[-1].as_dict()["golongan"] == employees[3]["golongan"]
    assert rows[-1].as_dict()["pangkat"] == employees[3]["pangkat"]
    # The edited draft still converts and still has every anchor the fields need.
    pdf = tmp_path / "edited.pdf"
    converter.convert(edited, pdf)
    assert employees[3]["nama"] in flat(pdf_text(pdf))
    prepare_for_signing(pdf.read_bytes(), config.workflow())


def test_empty_kepada_table_then_filled_by_the_drafter(config, tmp_path):
    docx = tmp_path / "empty.docx"
    ctx = LetterContext.build(config=config, workflow=config.workflow(),
                              fields={}, assignees=[])
    render_draft(TEMPLATE, ctx, docx)
    assert read_assignees(docx) == []  # the yellow placeholder row is not an employee
    add_employee_row(docx, {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                            "pangkat": "Penata Tingkat I", "golongan": "III/d",
                            "jabatan": "Analis Kebijakan Ahli Muda"})
    (row,) = read_assignees(docx)
    assert row.as_dict() == {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                             "pangkat": "Penata Tingkat I", "golongan": "III/d",
                             "jabatan": "Analis Kebijakan Ahli Muda"}


def test_not_a_docx_is_refused(tmp_path, rendered):
    fake = tmp_path / "SPT-2026-0001.docx"
    fake.write_bytes(b"%PDF-1.7 this is not a Word file")
    with pytest.raises(AssigneeError, match="bukan berkas Word"):
        read_assignees(fake)
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(rendered[1].read_bytes()[:2000])
    with pytest.raises(AssigneeError):
        read_assignees(truncated)
    no_table = tmp_path / "plain.docx"
    doc = Document()
    doc.add_paragraph("Surat tanpa tabel")
    doc.save(str(no_table))
    with pytest.raises(AssigneeError, match="Kepada"):
        read_assignees(no_table)


def test_a_deleted_paraf_row_is_reported(rendered, converter, config, tmp_path):
    _ctx, docx, _pdf = rendered
    doc = Document(str(docx))
    paraf = next(inner for outer in doc.tables for cell in outer.rows[0].cells
                 for inner in cell.tables if inner.rows[0].cells[2].text == "Paraf")
    paraf._tbl.remove(paraf.rows[-1]._tr)
    edited = tmp_path / "no-row.docx"
    doc.save(str(edited))
    converter.convert(edited, tmp_path / "no-row.pdf")
    with pytest.raises(PlacementError, match="tabel Paraf berisi 4 baris"):
        prepare_for_signing((tmp_path / "no-row.pdf").read_bytes(), config.workflow())
