"""Review copies are drafts; only the issued letter claims a signature.

The PDF officials review is the very file that is marked, signed and then
numbered, so what differs between a review copy and the issued letter must
live in form fields (changing page content after a signature breaks it;
filling a field does not: see :mod:`pipeline.pdf.prepare`). Before the first
signature the letter gets:

* ``Draf_<n>`` on every page ``n``: a band across the top margin showing
  **DRAF** and why (not yet numbered nor issued); its value is ``DRAF``;
* ``Keterangan`` beside the QR square on the last page: empty.

At issue (:func:`pipeline.pdf.fill.fill_number`) every ``Draf_<n>`` is
emptied and ``Keterangan`` gets the footer's claim ("Dokumen ini telah
ditandatangani secara elektronik …") in the same revision that draws the QR
code into its square. So a review copy shows DRAF on every page and neither
the claim nor a QR frame; the issued letter shows the claim and the code
together on its last page, and no DRAF.
"""

from __future__ import annotations

import re
import textwrap

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources, RawContent, ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.layout import BoxConstraints

from pipeline.pdf.fields import Box

DRAF_PREFIX = "Draf_"
DRAF_FIELD = re.compile(r"Draf_[1-9][0-9]{0,2}\Z")
KETERANGAN_FIELD = "Keterangan"
DRAF_VALUE = "DRAF"
CM = 72 / 2.54
BAND_HEIGHT = 0.75 * CM      # above the page number (header at 1 cm) and the 1.5 cm margin
BAND_TOP_GAP = 0.15 * CM
SIDE = 1.0 * CM
CLAIM_SIZE = 8               # pt: the claim beside the QR code
CLAIM_WRAP_CHARS = 95        # a line of CLAIM_SIZE Times in the ~14 cm beside the square
DRAF_NOTE = "Salinan untuk pemeriksaan: belum bernomor, belum diterbitkan, bukan surat yang sah."


def draf_name(page: int) -> str:
    """The DRAF field of 0-based ``page``: ``Draf_1`` on the first page."""
    return f"{DRAF_PREFIX}{page + 1}"


def is_draf_field(name: str) -> bool:
    """Whether ``name`` is a page's DRAF band (``Draf_1``, ``Draf_2``, …)."""
    return DRAF_FIELD.match(name) is not None


def draf_box(page: int, width: float, height: float) -> Box:
    """The band across the top margin of a ``width`` × ``height`` page."""
    top = height - BAND_TOP_GAP
    return Box(page, SIDE, top - BAND_HEIGHT, width - SIDE, top)


def keterangan_box(qr: Box, page_width: float, right_margin: float = 2.0 * CM) -> Box:
    """Right of the QR square, to the right margin, as tall as the square."""
    return Box(qr.page, qr.x1 + 0.35 * CM, qr.y0, page_width - right_margin, qr.y1)


def _fonts() -> PdfResources:
    res = PdfResources()
    for key, base in (("/FB", "/Helvetica-Bold"), ("/FR", "/Helvetica"), ("/FT", "/Times-Italic")):
        res[ResourceType.FONT][pdf_name(key)] = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name(base),
            pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
        })
    return res


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def draf_appearance(width: float, height: float) -> RawContent:
    """A red frame with ``DRAF`` in large bold letters and one line saying what that means."""
    big = 16
    ops = [
        b"q 0.78 0 0 RG 1.2 w 0.6 0.6 %g %g re S Q" % (width - 1.2, height - 1.2),
        b"BT 0.78 0 0 rg /FB %d Tf 8 %g Td (%s) Tj ET" % (big, (height - big * 0.7) / 2,
                                                           _pdf_text(DRAF_VALUE)),
        b"BT 0.78 0 0 rg /FR 9 Tf %g %g Td (%s) Tj ET" % (8 + big * 3.4, (height - 6.3) / 2,
                                                           _pdf_text(DRAF_NOTE)),
    ]
    return RawContent(b"\n".join(ops), resources=_fonts(),
                      box=BoxConstraints(width=width, height=height))


def claim_lines(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), CLAIM_WRAP_CHARS) or [""]


def claim_appearance(text: str, width: float, height: float) -> RawContent:
    """The footer's claim, italic, dark grey, vertically centred beside the QR code."""
    lines = claim_lines(text)
    leading = CLAIM_SIZE + 2
    first = (height + leading * (len(lines) - 1)) / 2 - CLAIM_SIZE * 0.35
    ops = [b"BT 0.25 g /FT %d Tf %g TL 0 %g Td" % (CLAIM_SIZE, leading, first)]
    for i, line in enumerate(lines):
        ops.append(b"(%s) Tj" % _pdf_text(line) if i == 0 else b"T* (%s) Tj" % _pdf_text(line))
    ops.append(b"ET")
    return RawContent(b"\n".join(ops), resources=_fonts(),
                      box=BoxConstraints(width=width, height=height))


def empty_appearance(width: float, height: float) -> RawContent:
    return RawContent(b"", box=BoxConstraints(width=width, height=height))


def set_appearance(writer, field_name: str, value: str, make) -> bool:
    """Give the text field ``field_name`` the value ``value`` and the appearance
    ``make(width, height)``; ``False`` if the letter has no such field (prepared before
    review marks existed)."""
    from pyhanko.pdf_utils.form_tools import annot_width_height, get_single_field_annot

    if "/AcroForm" not in writer.root:
        return False
    form = writer.root["/AcroForm"]
    for ref in form["/Fields"]:
        field = ref.get_object()
        if field.get("/T") != field_name:
            continue
        annot = get_single_field_annot(field)
        width, height = annot_width_height(annot)
        stream = make(float(width), float(height)).as_form_xobject()
        annot[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): writer.add_object(stream)})
        writer.update_container(annot)
        field[pdf_name("/V")] = generic.TextStringObject(value)
        writer.mark_update(ref)
        return True
    return False


def issue_marks(writer, claim: str, pages: int) -> None:
    """At issue: every page's DRAF band emptied, the claim written beside the QR code."""
    for page in range(pages):
        set_appearance(writer, draf_name(page), "", empty_appearance)
    set_appearance(writer, KETERANGAN_FIELD, claim,
                   lambda w, h: claim_appearance(claim, w, h))
