"""What the drafter finds: the fields read from the invitation, or a note when none could be.

Three carriers through the running service: a scanned letter (OCR), a DOCX
invitation, and an .eml dropped in the inbox (its sender is the pemohon);
and a PDF that is not an invitation at all.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipeline.simulate import wait_until

from .test_chain import NOTE

pytestmark = pytest.mark.slow

OWN = Path(__file__).resolve().parent.parent / "data" / "invitations" / "own"


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def test_carriers_become_drafts_with_the_fields_filled(office):
    office.service.start()
    o, ws = office.officials, office.ws
    known: set[str] = set()
    for name in ("s02-kemendag-prose-scan.pdf", "d01-kemenkop-docx-table.docx",
                 "e01-email-pdf.eml"):
        o.drop_invitation(OWN / name, note=NOTE if not name.endswith(".eml") else None)
        case = o.new_cases(known, timeout=120)[0]
        known.add(case)
        truth = json.loads((OWN / name).with_suffix(".json").read_text())
        stored = office.store().cases.get(case)
        for key in ("nomor", "tanggal", "tanggal_mulai", "tanggal_selesai"):
            assert stored.fields[key] == truth[key], (name, key)
        text = _docx_text(ws.folder(0).root / f"{case}.docx")
        assert truth["nomor"] in text, name     # the Dasar cites the invitation's number
        if name.endswith(".eml"):
            assert stored.pemohon and "@" in stored.pemohon


def test_a_pdf_that_is_no_invitation_still_opens_a_case_with_a_note(office):
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(OWN / "n01-foto-bukan-undangan.pdf", note=NOTE)
    case = o.new_cases(set(), timeout=120)[0]
    stored = office.store().cases.get(case)
    assert all(v is None for v in stored.fields.values())
    note = ws.folder(0).root / f"{case}-catatan.txt"
    wait_until(note.exists, timeout=30, what="the note for the drafter")
    assert "manual" in note.read_text().lower() or "undangan" in note.read_text().lower()
    pdf = ws.folder(0).root / f"{case}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "[isi" in text   # unread fields are marked for the drafter in the draft itself
