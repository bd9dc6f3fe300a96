"""After the last signature: write the number, the date and the QR code into their fields.

One incremental revision that only fills the text fields prepared before the
first signature (:mod:`pipeline.pdf.prepare`), which every validator accepts
as form filling: the signatures before it stay valid. The text is set in the
letter's serif face (the font the signing stamps use, prepared once per
process); the QR code becomes the ``QR`` field's appearance (its value is the
payload), drawn as filled squares, so no page content changes.
"""

from __future__ import annotations

import io

import segno
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.form_tools import (
    annot_width_height,
    find_existing_empty_field,
    get_single_field_annot,
    populate_static_text_field,
)
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.text import TextBoxStyle

from pipeline.pdf.fields import (
    LAMPIRAN_NOMOR_FIELD,
    LAMPIRAN_TANGGAL_FIELD,
    NOMOR_FIELD,
    QR_FIELD,
    TANGGAL_FIELD,
    TEXT_BASELINE,
)
from pipeline.signing.appearance import SERIF, font_engine

FONT_SIZE = 12           # the letter's body size
QR_QUIET_ZONE = 1        # modules of white around the code (the box itself is framed)
QR_ERROR_LEVEL = "l"     # segno raises it while the symbol does not grow (boost_error)


def fill_number(pdf: bytes, nomor: str, tanggal: str, qr_payload: str,
                claim: str | None = None) -> bytes:
    """``pdf`` plus one revision filling ``Nomor``, ``Tanggal`` and ``QR``, emptying the DRAF
    bands and writing ``claim`` (the footer's electronic-signature statement) beside the QR
    code (:mod:`pipeline.pdf.review`).

    Raises pyHanko's ``FormFillingError`` if a field is missing or already
    filled: a number is written once.
    """
    from pipeline.pdf.review import issue_marks

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    style = text_style()
    populate_static_text_field(writer, NOMOR_FIELD, style, nomor)
    populate_static_text_field(writer, TANGGAL_FIELD, style, tanggal)
    if _has_field(writer, LAMPIRAN_NOMOR_FIELD):  # a letter with a Lampiran
        populate_static_text_field(writer, LAMPIRAN_NOMOR_FIELD, style, nomor)
        populate_static_text_field(writer, LAMPIRAN_TANGGAL_FIELD, style, tanggal)
    draw_qr(writer, QR_FIELD, qr_payload)
    if claim:
        issue_marks(writer, claim, int(writer.root["/Pages"]["/Count"]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _has_field(writer: IncrementalPdfFileWriter, name: str) -> bool:
    return any(f.get_object().get("/T") == name for f in writer.root["/AcroForm"]["/Fields"])


def text_style() -> TextBoxStyle:
    """12 pt Liberation Serif (rescaled to 1000 units/em, see pipeline.signing.appearance),
    left-aligned, its baseline on the letter's line."""
    font = font_engine(SERIF, FONT_SIZE)
    return TextBoxStyle(
        **({"font": font} if font is not None else {}),
        font_size=FONT_SIZE,
        border_width=0,
        box_layout_rule=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=0, right=0, top=0, bottom=TEXT_BASELINE),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
    )


def qr_appearance(payload: str, width: float, height: float) -> bytes:
    """Content drawing ``payload`` as a QR code centred in a ``width`` × ``height`` box.

    Dark modules are filled rectangles, one per horizontal run, on white.
    """
    code = segno.make(payload, error=QR_ERROR_LEVEL, micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=QR_QUIET_ZONE)]
    n = len(rows)
    side = min(width, height)
    module = side / n
    ox, oy = (width - side) / 2, (height - side) / 2
    ops = [b"q 1 g 0 0 %g %g re f 0 g" % (width, height)]
    ops.append(b"%g 0 0 %g %g %g cm" % (module, module, ox, oy))
    for r, row in enumerate(rows):
        y = n - 1 - r  # PDF y runs upwards
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(b"%d %d %d 1 re" % (start, y, c - start))
            else:
                c += 1
    ops.append(b"f Q")
    return b"\n".join(ops)


def draw_qr(writer: IncrementalPdfFileWriter, field_name: str, payload: str) -> None:
    """Set the text field's value to ``payload`` and its appearance to the QR code."""
    field_ref = find_existing_empty_field(writer, field_name, field_type="/Tx")
    field = field_ref.get_object()
    annot = get_single_field_annot(field)
    width, height = annot_width_height(annot)
    stream = RawContent(
        qr_appearance(payload, width, height), box=BoxConstraints(width=width, height=height)
    ).as_form_xobject()
    annot[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): writer.add_object(stream)})
    writer.update_container(annot)
    field[pdf_name("/V")] = generic.TextStringObject(payload)
    writer.mark_update(field_ref)
