"""Build ``templates/spt.docx``, the SPT letter template, with python-docx.

The template is generated rather than hand-edited so that it can be reviewed
as code and regenerated after a change: ``python scripts/make_template.py``.

Layout: Tata Naskah Dinas for a provincial government (Permendagri 1/2023):
kop with a double rule, title and number line, "Dasar", "MEMERINTAHKAN:",
"Kepada" table, "Untuk", place and date, the signatory's block with a
"Paraf" coordination table at its left, "Tembusan", and a page footer with a
square left blank for the QR code.

Contract with :mod:`pipeline.drafting.letter` (the context) and
:mod:`pipeline.pdf.prepare` (which finds its anchors in the rendered PDF):

* every Jinja tag sits whole in one run;
* a value the extraction could not read arrives as a ``Part`` whose ``text``
  is ``None``; the template then shows its ``hint`` highlighted in yellow;
* table rows repeat with ``{%tr for %}`` (a plain ``for`` corrupts a table);
* anchors the PDF step relies on: ``NOMOR :``, ``pada tanggal :``, the
  "No | Jabatan | Paraf" header of a bordered table, the signatory's name
  line, and a bordered square in the footer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "spt.docx"

FONT = "Times New Roman"  # LibreOffice substitutes the metric-compatible Liberation Serif
SIZE = Pt(12)
SMALL = Pt(10)

# A4, margins in cm; the text block is 21 - 2.5 - 2 = 16.5 cm wide.
PAGE_W, PAGE_H = 21.0, 29.7
LEFT, RIGHT, TOP, BOTTOM = 2.5, 2.0, 1.5, 2.9
FOOTER_DISTANCE = 0.7
TEXT_W = PAGE_W - LEFT - RIGHT

# The "Dasar"/"Untuk" lists: label, colon, number, text.
LABEL_TABS = (2.3, 2.8, 3.5)

QR_SQUARE = 2.0  # cm; pipeline.pdf.prepare looks for this bordered square in the footer
PARAF_ROW_H = 1.15  # cm; one paraf signature box per row: 3 lines of 7 pt (name, date and time)
PARAF_WIDTHS = (0.8, 3.7, 3.4)  # cm: No, Jabatan, Paraf (the mark's box: room for 7 pt text)
# cm between the signatory's office and name: the cap (pipeline.pdf.anchors.SEAL_SIZE,
# 3.2 cm) fits in it without touching either line.
SIGNATURE_SPACE = 3.6


# --- small helpers -------------------------------------------------------------------


def paragraph(
    container,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    before: float = 0,
    after: float = 0,
    left: float | None = None,
    hanging: float | None = None,
    tabs: tuple[float, ...] = (),
    keep_with_next: bool = False,
) -> Paragraph:
    """An empty paragraph with the given layout (lengths in cm, spacing in pt)."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if left is not None:
        fmt.left_indent = Cm(left)
    if hanging is not None:
        fmt.first_line_indent = Cm(-hanging)
    for pos in tabs:
        fmt.tab_stops.add_tab_stop(Cm(pos))
    if keep_with_next:
        fmt.keep_with_next = True
    return p


def run(
    p: Paragraph,
    text: str,
    *,
    bold: bool = False,
    underline: bool = False,
    italic: bool = False,
    size: Pt | None = None,
    highlight: bool = False,
) -> None:
    r = p.add_run(text)
    r.bold = bold or None
    r.underline = underline or None
    r.italic = italic or None
    if size is not None:
        r.font.size = size
    if highlight:
        r.font.highlight_color = WD_COLOR_INDEX.YELLOW


def phrase(p: Paragraph, var: str, *, size: Pt | None = None) -> None:
    """Runs printing a ``Phrase`` (``var``): its text, with unread values as yellow hints."""
    run(p, f"{{% for s in {var}.parts %}}{{% if s.text is not none %}}{{{{ s.text }}}}{{% else %}}",
        size=size)
    run(p, "{{ s.hint }}", size=size, highlight=True)
    run(p, "{% endif %}{% endfor %}", size=size)


def set_table_widths(table: Table, widths_cm: tuple[float, ...]) -> None:
    """Fixed column widths: LibreOffice honours only autofit off plus every column's width."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    total.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(total)
    for col, width in zip(table.columns, widths_cm, strict=True):
        col.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def set_borders(table: Table) -> None:
    """Single black lines around and inside a table."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(border(edge))
    table._tbl.tblPr.append(borders)


def border(edge: str, *, color: str = "000000") -> OxmlElement:
    el = OxmlElement(f"w:{edge}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), "4")  # eighths of a point
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), color)
    return el


def no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def cell_margins(table: Table, *, left: float = 0.1, right: float = 0.1) -> None:
    mar = OxmlElement("w:tblCellMar")
    for edge, value in (("left", left), ("right", right)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(value * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def no_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def cell_text(
    cell: _Cell,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    size: Pt | None = None,
    highlight: bool = False,
) -> Paragraph:
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    if text:
        run(p, text, bold=bold, size=size, highlight=highlight)
    return p


def tag_row(table: Table, tag: str) -> None:
    """A row holding only a ``{%tr ... %}`` tag (docxtpl replaces the whole row)."""
    row = table.add_row()
    row.cells[0].paragraphs[0].add_run(tag)


def rule_below(p: Paragraph) -> None:
    """The kop's double rule: a thick line over a thin one."""
    p_pr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "thickThinSmallGap")
    bottom.set(qn("w:sz"), "24")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    bdr.append(bottom)
    p_pr.append(bdr)


def spacer(container, pt: float) -> Paragraph:
    """An empty paragraph ``pt`` points high."""
    p = paragraph(container)
    exact_height(p, pt / 28.35)
    return p


def exact_height(p: Paragraph, cm: float) -> None:
    """An empty paragraph exactly ``cm`` high (space left for a signature)."""
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Cm(cm)


# --- the letter -------------------------------------------------------------------------


def page_setup(doc: Document) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_W), Cm(PAGE_H)
    section.left_margin, section.right_margin = Cm(LEFT), Cm(RIGHT)
    section.top_margin, section.bottom_margin = Cm(TOP), Cm(BOTTOM)
    section.footer_distance = Cm(FOOTER_DISTANCE)
    section.header_distance = Cm(1.0)


def base_styles(doc: Document) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = SIZE
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    # Indonesian, so Word's spelling check does not mark every word.
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "id-ID")
    rpr.append(lang)
    props = doc.core_properties
    props.title = "Surat Perintah Tugas"
    props.author = "Layanan SPT"
    props.comments = "Dibuat oleh scripts/make_template.py"


def kop(doc: Document) -> None:
    """Letterhead: the head of region's (national emblem over the office, no rule) for a letter
    the Gubernur signs; else the agency's: logo at the left, text centred, a double rule."""
    paragraph(doc).add_run("{%p if kop.head_of_region %}")
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(p, "{% if kop.emblem %}{{ kop.emblem }}{% endif %}")
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, before=2, after=6)
    run(p, "{{ kop.title }}", bold=True, size=Pt(14))
    paragraph(doc).add_run("{%p else %}")
    logo_w = 1.9
    table = doc.add_table(rows=1, cols=3)
    no_borders(table)
    cell_margins(table, left=0, right=0)
    set_table_widths(table, (logo_w, TEXT_W - 2 * logo_w, logo_w))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    logo, text, _ = table.rows[0].cells
    logo.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    text.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = logo.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run(p, "{% if agency.logo %}{{ agency.logo }}{% endif %}")
    lines = (
        ("{{ agency.government }}", Pt(14), False),
        ("{{ agency.name }}", Pt(14), True),
        ("{{ agency.address }}", Pt(10), False),
        ("{{ agency.contact }}", Pt(10), False),
    )
    for i, (tag, size, bold) in enumerate(lines):
        p = text.paragraphs[0] if i == 0 else text.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(p, tag, size=size, bold=bold)
    rule = paragraph(doc, after=8)
    rule_below(rule)
    rule.paragraph_format.line_spacing = Pt(4)
    paragraph(doc).add_run("{%p endif %}")


def title(doc: Document) -> None:
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, keep_with_next=True)
    run(p, "SURAT PERINTAH TUGAS", bold=True, underline=True, size=Pt(14))
    # The number is written into a PDF form field after "NOMOR :" once the letter
    # is signed; the indent centres "NOMOR : " plus that blank under the title.
    p = paragraph(doc, left=4.1, after=12, keep_with_next=True)
    run(p, "NOMOR : ")


def numbered_list(doc: Document, label: str, var: str, *, phrases: bool) -> None:
    """``Label : 1. item`` with the label and colon on the first item only, hanging indent."""
    paragraph(doc).add_run(f"{{%p for d in {var} %}}")
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, left=LABEL_TABS[2],
                  hanging=LABEL_TABS[2], tabs=LABEL_TABS, after=2)
    p.paragraph_format.keep_together = True  # an item is never split across two pages
    run(p, f"{{% if loop.first %}}{label}{{% endif %}}")
    p.add_run("\t")
    run(p, "{% if loop.first %}:{% endif %}")
    p.add_run("\t")
    run(p, "{{ loop.index }}.")
    p.add_run("\t")
    if phrases:
        phrase(p, "d")
    else:
        run(p, "{{ d }}")
    paragraph(doc).add_run("{%p endfor %}")


def dasar(doc: Document) -> None:
    numbered_list(doc, "Dasar", "dasar", phrases=True)


def memerintahkan(doc: Document) -> None:
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, before=8, after=8, keep_with_next=True)
    run(p, "MEMERINTAHKAN:", bold=True)


def kepada(doc: Document) -> None:
    """The assignees: a table here, or (more than ``max_kepada_in_body``) a sentence pointing
    to the Lampiran, where :func:`lampiran` prints the table (only one of the two renders)."""
    paragraph(doc).add_run("{%p if lampiran %}")
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, left=LABEL_TABS[1],
                  hanging=LABEL_TABS[1], tabs=LABEL_TABS[:2], after=4)
    run(p, "Kepada")
    p.add_run("\t")
    run(p, ":")
    p.add_run("\t")
    run(p, "Nama-nama pegawai sebagaimana tercantum dalam Lampiran Surat Perintah Tugas ini "
           "({{ kepada|length }} orang).")
    paragraph(doc).add_run("{%p else %}")
    p = paragraph(doc, tabs=LABEL_TABS, after=4, keep_with_next=True)
    run(p, "Kepada")
    p.add_run("\t")
    run(p, ":")
    kepada_table(doc)
    paragraph(doc).add_run("{%p endif %}")
    spacer(doc, 8)


def kepada_table(doc: Document) -> None:
    """No | Nama | NIP | Pangkat/Gol. | Jabatan, one row per assignee (header repeated)."""
    widths = (0.9, 4.3, 4.2, 3.0, TEXT_W - 0.9 - 4.3 - 4.2 - 3.0)
    size = Pt(11)
    table = doc.add_table(rows=1, cols=5)
    set_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    repeat_header(header)
    for cell, text in zip(header.cells, ("No", "Nama", "NIP", "Pangkat/Gol.", "Jabatan"),
                          strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size)
    tag_row(table, "{%tr for p in kepada %}")
    row = table.add_row()
    no_split(row)
    values = ("{{ loop.index }}.", "{{ p.nama }}", "{{ p.nip }}", "{{ p.pangkat_gol }}",
              "{{ p.jabatan }}")
    for i, (cell, tag) in enumerate(zip(row.cells, values, strict=True)):
        cell_text(cell, tag, align=WD_ALIGN_PARAGRAPH.CENTER if i in (0, 2) else None, size=size)
    tag_row(table, "{%tr endfor %}")
    # Shown only when nobody is assigned yet: the drafter types over the yellow text.
    tag_row(table, "{%tr if not kepada %}")
    row = table.add_row()
    hints = ("1.", "[isi nama pegawai yang ditugaskan]", "[isi NIP]", "[isi pangkat/gol.]",
             "[isi jabatan]")
    for i, (cell, hint) in enumerate(zip(row.cells, hints, strict=True)):
        cell_text(cell, hint, align=WD_ALIGN_PARAGRAPH.CENTER if i in (0, 2) else None,
                  size=size, highlight=i > 0)
    tag_row(table, "{%tr endif %}")
    set_table_widths(table, widths)


def untuk(doc: Document) -> None:
    numbered_list(doc, "Untuk", "untuk", phrases=True)


def signature_block(doc: Document) -> None:
    """Paraf coordination table (left) beside the place, date and signatory (right)."""
    left_w = 7.9
    right_w = TEXT_W - left_w
    outer = doc.add_table(rows=1, cols=2)
    no_borders(outer)
    cell_margins(outer, left=0, right=0)
    set_table_widths(outer, (left_w, right_w))
    no_split(outer.rows[0])
    left, right = outer.rows[0].cells
    left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP

    # Paraf: one fixed-height row per reviewer; pipeline.pdf.prepare puts a
    # signature field in each row's "Paraf" cell.
    size = Pt(9)
    paraf = left.add_table(rows=1, cols=3)
    set_borders(paraf)
    cell_margins(paraf, left=0.08, right=0.08)
    for cell, text in zip(paraf.rows[0].cells, ("No", "Jabatan", "Paraf"), strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size)
    tag_row(paraf, "{%tr for r in paraf_rows %}")
    row = paraf.add_row()
    row.height = Cm(PARAF_ROW_H)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    no_split(row)
    for i, (cell, tag) in enumerate(zip(row.cells, ("{{ r.no }}.", "{{ r.jabatan }}", ""),
                                        strict=True)):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell_text(cell, tag, align=WD_ALIGN_PARAGRAPH.CENTER if i == 0 else None, size=size)
    tag_row(paraf, "{%tr endfor %}")
    set_table_widths(paraf, PARAF_WIDTHS)
    # python-docx leaves the cell's first (empty) paragraph above the nested table: drop it.
    first = left.paragraphs[0]
    first._p.getparent().remove(first._p)

    tabs = (3.3,)
    p = right.paragraphs[0]
    p.paragraph_format.left_indent = Cm(0.6)
    p.paragraph_format.tab_stops.add_tab_stop(Cm(3.3))
    run(p, "Ditetapkan di")
    p.add_run("\t")
    run(p, ": {{ agency.city }}")
    p = paragraph(right, left=0.6, tabs=tabs)
    run(p, "pada tanggal")
    p.add_run("\t")
    run(p, ": ")
    rule = paragraph(right, left=0.6, after=6)
    rule.paragraph_format.line_spacing = Pt(6)
    p = paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(p, "{{ signatory.title_line }},", bold=True)
    exact_height(paragraph(right), SIGNATURE_SPACE)
    p = paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(p, "{{ signatory.name }}", bold=True, underline=True)
    # Rank and NIP only for officials who sign with them (Permendagri 1/2023 Art. 44: the
    # head of region, the deputy and the Sekda sign with their name only).
    paragraph(right).add_run("{%p if signatory.show_nip and signatory.pangkat %}")
    p = paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(p, "{{ signatory.pangkat }}")
    paragraph(right).add_run("{%p endif %}")
    paragraph(right).add_run("{%p if signatory.show_nip %}")
    p = paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(p, "NIP. {{ signatory.nip_formatted }}")
    paragraph(right).add_run("{%p endif %}")


def lampiran(doc: Document) -> None:
    """The Lampiran (annex) with the Kepada table, on a page of its own: the letter's number,
    date and signatory at its head, the signatory's office and name at its foot. The number
    and date are form fields filled at issue (anchors ``NOMOR :`` and ``TANGGAL :``)."""
    paragraph(doc).add_run("{%p if lampiran %}")
    p = paragraph(doc)
    p.add_run().add_break(WD_BREAK.PAGE)
    head_left = 7.3
    for text in ("LAMPIRAN SURAT PERINTAH TUGAS", "{{ signatory.title_line }}"):
        run(paragraph(doc, left=head_left), text)
    for label, after in (("NOMOR", 0), ("TANGGAL", 14)):
        p = paragraph(doc, left=head_left, tabs=(head_left + 2.5,), after=after)
        run(p, label)
        p.add_run("\t")
        run(p, ": ")
    p = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, after=10, keep_with_next=True)
    run(p, "DAFTAR PEGAWAI YANG DITUGASKAN", bold=True)
    kepada_table(doc)
    p = paragraph(doc, left=TEXT_W - 8.6, before=18, keep_with_next=True)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "{{ signatory.title_line }},", bold=True)
    p = paragraph(doc, left=TEXT_W - 8.6, before=30)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "{{ signatory.name }}", bold=True, underline=True)
    paragraph(doc).add_run("{%p if signatory.show_nip %}")
    p = paragraph(doc, left=TEXT_W - 8.6)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "NIP. {{ signatory.nip_formatted }}")
    paragraph(doc).add_run("{%p endif %}")
    paragraph(doc).add_run("{%p endif %}")


def page_numbers(doc: Document) -> None:
    """``- 2 -`` centred at the top of every page but the first (the first page's header is
    empty; its footer is the same as the others')."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "- ", size=Pt(11))
    field_run(p, "PAGE", size=Pt(11))
    run(p, " -", size=Pt(11))


def field_run(p: Paragraph, code: str, *, size: Pt | None = None) -> None:
    """A field (``PAGE``) as Word writes it: begin, instruction, separate, result, end."""
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None),
                       ("text", "1"), ("end", None)):
        r = p.add_run()
        if size is not None:
            r.font.size = size
        if kind == "text":
            r.text = text
        elif kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)


def tembusan(doc: Document) -> None:
    paragraph(doc).add_run("{%p if tembusan %}")
    p = paragraph(doc, before=6, keep_with_next=True)
    run(p, "Tembusan:", size=Pt(11), underline=True)
    paragraph(doc).add_run("{%p for t in tembusan %}")
    # The list stays together: all on this page, or all on the next (never one line alone).
    p = paragraph(doc, left=0.6, hanging=0.6, tabs=(0.6,), keep_with_next=True)
    run(p, "{{ loop.index }}.", size=Pt(11))
    p.add_run("\t")
    run(p, "{{ t }}{% if loop.last %}.{% else %};{% endif %}", size=Pt(11))
    paragraph(doc).add_run("{%p endfor %}")
    paragraph(doc).add_run("{%p endif %}")


def footer(doc: Document) -> None:
    """Every page: a square reserved for the QR code, framed in white (invisible: a review
    copy shows no empty frame; pipeline.pdf.anchors finds the square by its edges).

    The electronic-signature claim is NOT printed here: it is a form field filled when the
    letter is issued (pipeline/pdf/review.py), so a review copy never claims a signature."""
    section = doc.sections[0]
    for foot in (section.footer, section.first_page_footer):
        qr_square(foot)


def qr_square(foot) -> None:
    foot.is_linked_to_previous = False
    table = foot.add_table(rows=1, cols=2, width=Cm(TEXT_W))
    no_borders(table)
    row = table.rows[0]
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        borders.append(border(edge, color="FFFFFF"))
    row.cells[0]._tc.get_or_add_tcPr().append(borders)
    row.height = Cm(QR_SQUARE)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    square, text = row.cells
    square.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    text.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = square.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, "")
    cell_margins(table, left=0, right=0)
    set_table_widths(table, (QR_SQUARE, TEXT_W - QR_SQUARE))
    # A footer must end with a paragraph; move the one it starts with below the table.
    first = foot.paragraphs[0]
    table._tbl.addnext(first._p)
    first.paragraph_format.line_spacing = Pt(1)


def build() -> Document:
    doc = Document()
    page_setup(doc)
    base_styles(doc)
    # Document() starts with no paragraphs; every part appends in order.
    kop(doc)
    title(doc)
    dasar(doc)
    memerintahkan(doc)
    kepada(doc)
    untuk(doc)
    spacer(doc, 6)
    signature_block(doc)
    tembusan(doc)
    lampiran(doc)
    page_numbers(doc)
    footer(doc)
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    build().save(str(args.out))
    print(args.out)


if __name__ == "__main__":
    main()
