"""Before the first signature: one revision that adds every form field the letter will need.

Signatures stay valid through later revisions only if those revisions sign
fields that already exist or fill existing text fields (pyHanko rates both
``FORM_FILLING``); a field created after a signature breaks it (pyHanko: OTHER).
So the converted letter gets, in one incremental revision:

* an empty signature field per marking stage (``Stage.field_name``): the
  reviewers' in their row of the "Paraf" table, the signatory's in the space
  above the name;
* ``Cap_Dinas``, the seal, over the left part of the signature, locked so that
  nothing may change after it (:func:`pipeline.signing.seal.seal_field_spec`);
* read-only text fields ``Nomor`` and ``Tanggal`` (filled once the letter is
  numbered) and ``QR`` in the footer's square (its appearance is the code).
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from pipeline.core.workflow import Action, Workflow
from pipeline.pdf.fields import (
    LAMPIRAN_NOMOR_FIELD,
    LAMPIRAN_TANGGAL_FIELD,
    NOMOR_FIELD,
    QR_FIELD,
    TANGGAL_FIELD,
    Box,
    LetterLayout,
    PlacementError,
)
from pipeline.signing.seal import SEAL_FIELD, seal_field_spec

# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4.3).
FF_READ_ONLY = 1
FF_MULTILINE = 1 << 12
# Widget annotation flags: print, locked (cannot be moved or deleted in a viewer).
ANNOT_PRINT_LOCKED = 4 | 128

__all__ = [
    "NOMOR_FIELD",
    "QR_FIELD",
    "SEAL_FIELD",
    "TANGGAL_FIELD",
    "PlacementError",
    "prepare_for_signing",
]


def prepare_for_signing(pdf: bytes, workflow: Workflow,
                        layout: LetterLayout | None = None) -> bytes:
    """``pdf`` plus one revision holding every signature and text field, all empty.

    ``layout``: the boxes, as :func:`pipeline.pdf.anchors.measure` found them on this ``pdf``
    (measured here if not given). Raises :class:`PlacementError` if the
    letter lacks an anchor (for example, a drafter deleted the Paraf table or
    it has a row too many).
    """
    reviewers = workflow.reviewers[:-1]
    if layout is None:
        from pipeline.pdf.anchors import measure  # pdfplumber, loaded on first use

        layout = measure(pdf, workflow)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for stage, box in zip(reviewers, layout.paraf, strict=True):
        mark = "Paraf" if stage.action is Action.PARAF else "Tanda tangan koordinasi"
        _signature_field(writer, stage.field_name, box, f"{mark} {stage.person.jabatan}")
    signatory = workflow.signatory
    _signature_field(writer, signatory.field_name, layout.signature,
                     f"Tanda tangan {signatory.person.jabatan}")
    _text_field(writer, NOMOR_FIELD, layout.nomor, "Nomor surat")
    _text_field(writer, TANGGAL_FIELD, layout.tanggal, "Tanggal surat")
    _text_field(writer, QR_FIELD, layout.qr, "Kode QR verifikasi", multiline=True)
    if layout.lampiran_nomor is not None and layout.lampiran_tanggal is not None:
        _text_field(writer, LAMPIRAN_NOMOR_FIELD, layout.lampiran_nomor, "Nomor surat (Lampiran)")
        _text_field(writer, LAMPIRAN_TANGGAL_FIELD, layout.lampiran_tanggal,
                    "Tanggal surat (Lampiran)")
    _review_marks(writer, layout)
    # Last, so that the stamp is drawn over the signature; locked when signed
    # (the lock must be declared now: see pipeline.signing.seal).
    append_signature_field(writer, seal_field_spec(layout.seal.rect, on_page=layout.seal.page))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _signature_field(writer: IncrementalPdfFileWriter, name: str, box: Box, label: str) -> None:
    append_signature_field(writer, SigFieldSpec(
        name, on_page=box.page, box=box.rect, readable_field_name=label,
    ))


def _review_marks(writer: IncrementalPdfFileWriter, layout: LetterLayout) -> None:
    """DRAF across the top of every page and the (empty) claim beside the QR square: the
    review copy is a draft until issued (pipeline/pdf/review.py)."""
    from pipeline.pdf import review

    pages = int(writer.root["/Pages"]["/Count"])
    for page in range(pages):
        x0, y0, x1, y1 = (float(v) for v in _media_box(writer, page))
        box = review.draf_box(page, x1 - x0, y1 - y0)
        _text_field(writer, review.draf_name(page), box, "Tanda draf",
                    appearance=review.draf_appearance(box.width, box.height),
                    value=review.DRAF_VALUE)
    x0, _y0, x1, _y1 = (float(v) for v in _media_box(writer, layout.qr.page))
    _text_field(writer, review.KETERANGAN_FIELD, review.keterangan_box(layout.qr, x1 - x0),
                "Keterangan tanda tangan elektronik", multiline=True)


def _media_box(writer: IncrementalPdfFileWriter, page: int):
    node = writer.find_page_for_modification(page)[0].get_object()
    while "/MediaBox" not in node and "/Parent" in node:
        node = node["/Parent"].get_object()
    return node["/MediaBox"]


def _text_field(writer: IncrementalPdfFileWriter, name: str, box: Box, label: str, *,
                multiline: bool = False, appearance: RawContent | None = None,
                value: str | None = None) -> None:
    """A read-only text field merged with its widget, with an empty appearance (or
    ``appearance``, and the value ``value``)."""
    page_ref = writer.find_page_for_modification(box.page)[0]
    if appearance is None:
        appearance = RawContent(b"", box=BoxConstraints(width=box.width, height=box.height))
    field = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): pdf_string(name),
        pdf_name("/TU"): pdf_string(label),
        pdf_name("/Ff"): generic.NumberObject(FF_READ_ONLY | (FF_MULTILINE if multiline else 0)),
        pdf_name("/F"): generic.NumberObject(ANNOT_PRINT_LOCKED),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box.rect),
        pdf_name("/P"): page_ref,
        pdf_name("/DA"): pdf_string("/Helv 0 Tf 0 g"),
        pdf_name("/AP"): generic.DictionaryObject({
            pdf_name("/N"): writer.add_object(appearance.as_form_xobject()),
        }),
    })
    if value is not None:
        field[pdf_name("/V")] = generic.TextStringObject(value)
    field_ref = writer.add_object(field)
    writer.register_annotation(page_ref, field_ref)
    form = writer.root["/AcroForm"]
    form["/Fields"].append(field_ref)
    writer.update_container(form["/Fields"])
    if "/DR" not in form:
        # The default resources /DA refers to (viewers need them for text fields).
        form[pdf_name("/DR")] = generic.DictionaryObject({
            pdf_name("/Font"): generic.DictionaryObject({
                pdf_name("/Helv"): writer.add_object(generic.DictionaryObject({
                    pdf_name("/Type"): pdf_name("/Font"),
                    pdf_name("/Subtype"): pdf_name("/Type1"),
                    pdf_name("/BaseFont"): pdf_name("/Helvetica"),
                    pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
                })),
            }),
        })
        writer.update_container(form)
