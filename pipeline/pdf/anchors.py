"""Where the marks go: boxes found from anchor words in the rendered letter.

LibreOffice cannot export form fields, so the fields are placed afterwards at
boxes read off the PDF (pdfplumber word and line boxes). The anchors are
what ``templates/spt.docx`` prints (see ``scripts/make_template.py``):

* ``NOMOR :`` under the title: the number goes after the colon;
* ``pada tanggal :`` in the signature block: the date goes after the colon;
* the signatory's signature: the tallest gap between lines in that block,
  between the office (``GUBERNUR …,``) and the name, above the ``NIP.`` line;
* the ``No | Jabatan | Paraf`` table: one reviewer per row, in chain order;
* the footer's bordered square (about 2.2 cm): the QR code.

They survive the drafter's edits (added rows, longer text, a second page)
because positions are measured, never assumed. Coordinates returned are PDF
user space (origin bottom-left, y up).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pdfplumber
from pdfplumber.page import Page

from pipeline.core.workflow import Workflow
from pipeline.pdf.fields import TEXT_ABOVE, TEXT_BASELINE, Box, LetterLayout, PlacementError

CM = 72 / 2.54
NUMBER_WIDTH = 9.5 * CM     # room for "800.1.11.1/0042/DISKOPUKM/2026" in 12 pt
SEAL_SIZE = 3.2 * CM        # the cap; the template leaves 3.6 cm between office and name
SEAL_GAP = 0.25 * CM        # between the cap's box and the e-signature text right of it
QR_MIN, QR_MAX = 1.4 * CM, 3.2 * CM
LINE_TOLERANCE = 3.0        # points: words whose tops differ less sit on one line
@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float  # PDF y of the first glyph's origin


def measure(pdf: bytes, workflow: Workflow) -> LetterLayout:
    """Where ``workflow``'s fields go: a paraf row for each reviewer before the signatory."""
    return locate(pdf, paraf_rows=len(workflow.reviewers) - 1)


def locate(pdf: bytes, *, paraf_rows: int) -> LetterLayout:
    """Measure the letter's anchors; ``paraf_rows`` is how many reviewers initial it."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = doc.pages
        words = [_words(p) for p in pages]
        nomor = _after_label(words, ("NOMOR",), first=True)
        tanggal = _after_label(words, ("pada", "tanggal"), first=False)
        page_no = tanggal.page
        page = pages[page_no]
        paraf_table = _paraf_table(page)
        signature = _signature_gap(page, words[page_no], tanggal, paraf_table)
        paraf = _paraf_cells(page, paraf_table, paraf_rows)
        qr = _footer_square(pages[-1], len(pages) - 1)
        seal = _seal(signature, paraf_table)
        lampiran_nomor = lampiran_tanggal = None
        if _has_label(words, ("TANGGAL",)):  # the Lampiran's head: NOMOR : / TANGGAL :
            lampiran_nomor = _after_label(words, ("NOMOR",), first=False)
            lampiran_tanggal = _after_label(words, ("TANGGAL",), first=False)
            if lampiran_nomor == nomor:
                raise PlacementError("baris \"NOMOR :\" pada Lampiran tidak ditemukan")
    return LetterLayout(nomor=nomor, tanggal=tanggal, signature=signature, paraf=paraf,
                        seal=seal, qr=qr, lampiran_nomor=lampiran_nomor,
                        lampiran_tanggal=lampiran_tanggal)


def _has_label(words, label: tuple[str, ...]) -> bool:
    try:
        _after_label(words, label, first=True)
    except PlacementError:
        return False
    return True


# --- words and lines ---------------------------------------------------------------------


def _words(page: Page) -> list[_Word]:
    return [_Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], w["chars"][0]["matrix"][5])
            for w in page.extract_words(use_text_flow=False, keep_blank_chars=False,
                                        return_chars=True)]


def _lines(words: Sequence[_Word]) -> list[list[_Word]]:
    lines: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1][0].top - w.top) < LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _pdf_box(page: Page, page_no: int, x0: float, top: float, x1: float, bottom: float) -> Box:
    """pdfplumber's top-down coordinates to PDF user space."""
    h = float(page.height)
    return Box(page_no, x0, h - bottom, x1, h - top)


def _text_right(words: Sequence[_Word]) -> float:
    return max(w.x1 for w in words)


def _after_label(words, label: tuple[str, ...], *, first: bool) -> Box:
    """The blank after ``<label> :`` (the colon may be glued to the last label word)."""
    found: list[tuple[int, _Word, _Word]] = []
    for page_no, page_words in enumerate(words):
        for line in _lines(page_words):
            texts = [w.text for w in line]
            for i in range(len(line) - len(label) + 1):
                head = texts[i:i + len(label)]
                if head[:-1] != list(label[:-1]):
                    continue
                last = head[-1]
                if last == label[-1] + ":":
                    found.append((page_no, line[i], line[i + len(label) - 1]))
                elif last == label[-1] and i + len(label) < len(line) \
                        and line[i + len(label)].text.startswith(":"):
                    found.append((page_no, line[i], line[i + len(label)]))
    if not found:
        raise PlacementError(f"penanda \"{' '.join(label)} :\" tidak ditemukan di surat")
    page_no, _start, colon = found[0] if first else found[-1]
    x0 = colon.x1 + 3
    right = max(_text_right(words[page_no]), x0 + 4 * CM)
    x1 = min(right, x0 + NUMBER_WIDTH)
    return Box(page_no, x0, colon.baseline - TEXT_BASELINE, x1, colon.baseline + TEXT_ABOVE)


# --- the signature block -------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    x0: float
    x1: float
    rows: list  # pdfplumber rows after the header


def _paraf_table(page: Page) -> _Table:
    for table in page.find_tables():
        content = table.extract()
        if not content:
            continue
        header = [(c or "").strip().lower() for c in content[0]]
        if header[:3] == ["no", "jabatan", "paraf"]:
            return _Table(table.bbox[0], table.bbox[2], table.rows[1:])
    raise PlacementError("tabel \"No | Jabatan | Paraf\" tidak ditemukan di samping tanda tangan")


def _paraf_cells(page: Page, table: _Table, expected: int) -> tuple[Box, ...]:
    page_no = page.page_number - 1
    cells = []
    for row in table.rows:
        cell = row.cells[2] if len(row.cells) > 2 else None
        if cell is None:
            raise PlacementError("ada baris tabel Paraf tanpa kolom \"Paraf\"")
        x0, top, x1, bottom = cell
        cells.append(_pdf_box(page, page_no, x0 + 1.5, top + 1.5, x1 - 1.5, bottom - 1.5))
    if len(cells) != expected:
        raise PlacementError(
            f"tabel Paraf berisi {len(cells)} baris, sedangkan pemarafnya {expected} orang"
        )
    return tuple(cells)


def printed_signatory(pdf: bytes) -> tuple[str, str]:
    """What the letter prints in the signatory's block: the office line(s) above the
    signature space, joined ("Plh. SEKRETARIS DAERAH ...,"), and the name line below it."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = [_words(p) for p in doc.pages]
        tanggal = _after_label(words, ("pada", "tanggal"), first=False)
        page = doc.pages[tanggal.page]
        block, i = _block_lines(page, words[tanggal.page], tanggal, _paraf_table(page))

    def text(lines: list[list[_Word]]) -> str:
        return " ".join(w.text for line in lines for w in line)

    return text(block[:i + 1]), text(block[i + 1:i + 2])


def _block_lines(page: Page, words: list[_Word], tanggal: Box,
                 table: _Table) -> tuple[list[list[_Word]], int]:
    """The signatory's block, line by line, and the index of the line above its tallest gap."""
    h = float(page.height)
    below = h - (tanggal.y0 + TEXT_BASELINE)  # the "pada tanggal" baseline, top-down
    left = table.x1 + 2
    column = [w for w in words if w.x0 >= left and w.top >= below]
    lines = _lines(column)
    # The block ends with the NIP line, or with the name when the signatory signs with the
    # name only (Permendagri 1/2023 Art. 44: head of region, deputy, Sekda).
    nip_at = next((i for i, line in enumerate(lines) if line[0].text.startswith("NIP")), None)
    end = nip_at if nip_at is not None else len(lines) - 1
    if end < 1:
        raise PlacementError(
            "jabatan dan nama penanda tangan tidak ditemukan di bawah \"pada tanggal\""
        )
    block = lines[:end + 1]
    gaps = [(block[i + 1][0].top - max(w.bottom for w in block[i]), i)
            for i in range(len(block) - 1)]
    size, i = max(gaps)
    if size < 1.5 * CM:
        raise PlacementError("tidak ada ruang tanda tangan antara jabatan dan nama penanda tangan")
    return block, i


def _signature_gap(page: Page, words: list[_Word], tanggal: Box, table: _Table) -> Box:
    """The tallest gap between the lines of the signatory's block (right of the paraf table)."""
    page_no = tanggal.page
    left = table.x1 + 2
    block, i = _block_lines(page, words, tanggal, table)
    top = max(w.bottom for w in block[i]) + 2
    bottom = min(w.top for w in block[i + 1]) - 2
    right = max(_text_right(words), left + 6 * CM)
    # The e-signature text starts right of the cap, which takes the block's left part.
    return _pdf_box(page, page_no, left + 4 + SEAL_SIZE + SEAL_GAP, top, right, bottom)


def _seal(signature: Box, table: _Table) -> Box:
    """The cap over the left third of the signatory's block, in the space between the office
    and the name (so it covers neither) and left of the e-signature text; as large as
    SEAL_SIZE when the space allows, never taller than the space."""
    x0 = table.x1 + 4
    size = min(SEAL_SIZE, signature.height)
    cy = (signature.y0 + signature.y1) / 2
    return Box(signature.page, x0, cy - size / 2, x0 + size, cy + size / 2)


# --- the footer ----------------------------------------------------------------------------


def _footer_square(page: Page, page_no: int) -> Box:
    """The lowest bordered square in the bottom quarter of the page (its horizontal edges)."""
    h = float(page.height)
    edges = [e for e in page.edges
             if e["orientation"] == "h" and e["top"] > 0.75 * h
             and QR_MIN <= e["x1"] - e["x0"] <= QR_MAX]
    best = None
    for a in edges:
        for b in edges:
            dy = b["top"] - a["top"]
            width = a["x1"] - a["x0"]
            if dy <= 0 or abs(a["x0"] - b["x0"]) > 2 or abs(a["x1"] - b["x1"]) > 2:
                continue
            if abs(dy - width) <= 0.1 * width and (best is None or b["top"] > best[3]):
                best = (a["x0"], a["top"], a["x1"], b["top"])
    if best is None:
        raise PlacementError("kotak kode QR di kaki surat tidak ditemukan")
    x0, top, x1, bottom = best
    inset = 2.0
    return _pdf_box(page, page_no, x0 + inset, top + inset, x1 - inset, bottom - inset)
