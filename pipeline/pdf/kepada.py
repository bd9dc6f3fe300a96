"""The "Kepada" rows as the converted letter shows them (pdfplumber's table finder).

The record of who is assigned is read from the DOCX; this reads the same
rows back from the PDF that people see and sign, so the draft check can
refuse a draft whose XML says something else than its page
(:func:`pipeline.drafting.check.pdf_rows_problems`). The table is found by
its header (No, Nama, NIP …) on any page, a header repeated on a following
page is skipped, and cell text is whitespace-normalised.
"""

from __future__ import annotations

import io

import pdfplumber


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def kepada_rows(pdf: bytes) -> list[list[str]]:
    """``[nama, nip, pangkat/gol., jabatan]`` for each row of every Kepada table, in order."""
    rows: list[list[str]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for table in page.extract_tables():
                if not table:
                    continue
                header = [_flat(c).lower() for c in table[0]]
                if len(header) < 3 or "nama" not in header[1] or "nip" not in header[2]:
                    continue
                for raw in table[1:]:
                    cells = [_flat(c) for c in raw]
                    if [c.lower() for c in cells] == header or not any(cells[1:]):
                        continue
                    rows.append([*cells[1:], "", "", "", ""][:4])
            page.flush_cache()
    return rows
