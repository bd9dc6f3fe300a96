"""The cap dinas: the agency's electronic seal, the letter's last signature, locking it.

After every official has signed and the number and date are filled in, the
agency seals the letter: a signature with the seal certificate in the field
``Cap_Dinas``, whose appearance is the stamp image. The seal must *lock* the
document. Without a lock, anyone could re-fill the number after the seal and
every validator would still call all signatures fine (VERIFIED.md); with
FieldMDP "all fields" and DocMDP "no changes", pyHanko flags any later change.

**The lock must be declared when the field is created.** pyHanko takes it
from the field's ``/Lock`` dictionary; adding that dictionary in the sealing
revision changes a field that the earlier signatures cover, and pyHanko then
rates every earlier signature ``OTHER`` (tried: all six marks failed). So
:mod:`pipeline.pdf.prepare` creates ``Cap_Dinas`` with :func:`seal_field_spec`,
and :func:`apply_seal` refuses a field without that lock rather than issue a
letter whose number can be changed unnoticed.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec
from pyhanko.stamp import TextStampStyle

from pipeline.signing.keys import LoadedSigner
from pipeline.signing.seal_image import EncodedImage, PreparedImage, prepared_seal_image
from pipeline.signing.signature import SigningFailed, sign_field, timestamper_for

SEAL_FIELD = "Cap_Dinas"
SEAL_REASON = "Cap dinas"
# After the seal: no field may change (FieldMDP), and nothing else either (DocMDP level 1).
SEAL_FIELD_LOCK = FieldMDPSpec(FieldMDPAction.ALL)
SEAL_DOC_MDP = MDPPerm.NO_CHANGES

__all__ = [
    "SEAL_DOC_MDP",
    "SEAL_FIELD",
    "SEAL_FIELD_LOCK",
    "SigningFailed",
    "apply_seal",
    "seal_field_spec",
]


def seal_field_spec(box: tuple[int, int, int, int], *, on_page: int = 0) -> SigFieldSpec:
    """The ``Cap_Dinas`` field as :mod:`pipeline.pdf.prepare` must create it: visible, locked.

    Use with ``fields.append_signature_field(writer, seal_field_spec(box, on_page=n))``
    in the preparation revision, before the first signature.
    """
    return SigFieldSpec(
        SEAL_FIELD, on_page=on_page, box=box,
        field_mdp_spec=SEAL_FIELD_LOCK, doc_mdp_update_value=SEAL_DOC_MDP,
    )


def apply_seal(
    pdf: bytes,
    *,
    signer: LoadedSigner,
    image: Path,
    when: dt.datetime,
    tsa_url: str | None = None,
    location: str | None = None,
    expected_fields: frozenset[str] | None = None,
    timestamper=None,
) -> bytes:
    """Seal ``pdf`` in its existing ``Cap_Dinas`` field; the sealed PDF's bytes.

    The appearance is the stamp ``image`` (PNG with transparency works best),
    scaled into the field's box. Refuses (:class:`SigningFailed`) when the
    field is missing, already signed, or not locked, when another signature
    field is still empty (nobody could sign after the seal) or holds anything
    but a signature (a ``/DocTimeStamp`` fills a field too), when the letter has a
    field outside ``expected_fields`` (the fields an SPT of the chain has), or when
    the image cannot be read.
    """
    _check_sealable(pdf, expected_fields)
    style = _stamp_style(prepared_seal_image(Path(image)))
    return sign_field(
        pdf,
        field_name=SEAL_FIELD,
        signer=signer,
        stamp_style=style,
        text_params=None,
        reason=f"{SEAL_REASON} {signer.holder}",
        location=location if location is not None else signer.location,
        when=when,
        timestamper=timestamper if timestamper is not None else timestamper_for(tsa_url),
        docmdp=SEAL_DOC_MDP,
    )


def _check_sealable(pdf: bytes, expected_fields: frozenset[str] | None = None) -> None:
    from pipeline.pdf.review import is_draf_field
    from pipeline.signing.revisions import field_refs

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # any parse failure
        raise SigningFailed(f"berkas bukan PDF yang dapat dibaca ({exc})") from None
    if expected_fields is not None:
        try:
            present = set(field_refs(reader.root["/AcroForm"]))
        except KeyError:
            present = set()
        unexpected = sorted(n for n in present - expected_fields - {SEAL_FIELD}
                            if not is_draf_field(n))
        if unexpected:
            raise SigningFailed("surat memuat kolom yang bukan bagian dari SPT: "
                                + ", ".join(unexpected))
    seal_field = None
    empty: list[str] = []
    not_signatures: list[str] = []
    for name, value, ref in fields.enumerate_sig_fields(reader, filled_status=None):
        if name == SEAL_FIELD:
            seal_field = (value, ref.get_object())
        elif value is None:
            empty.append(name)
        elif value.get_object().get("/Type", "/Sig") != "/Sig":
            not_signatures.append(name)
    if not_signatures:
        raise SigningFailed("kolom tanda tangan berisi sesuatu yang bukan tanda tangan "
                            "(misalnya stempel waktu dokumen): " + ", ".join(not_signatures))
    if seal_field is None:
        raise SigningFailed(f"kolom {SEAL_FIELD} tidak ada di PDF")
    value, field = seal_field
    if value is not None:
        raise SigningFailed("PDF sudah dibubuhi cap dinas")
    if not _locked(field):
        raise SigningFailed(
            f"kolom {SEAL_FIELD} tidak terkunci (/Lock): nomor surat dapat diubah setelah "
            "cap dinas tanpa terdeteksi; PDF harus disiapkan dengan seal_field_spec()"
        )
    if empty:
        raise SigningFailed(
            "masih ada kolom tanda tangan kosong: " + ", ".join(empty)
            + "; cap dinas harus menjadi tanda tangan terakhir"
        )


def _locked(field) -> bool:
    """Whether the field's /Lock locks every field and forbids every change."""
    try:
        lock = field["/Lock"]
    except KeyError:
        return False
    try:
        spec = FieldMDPSpec.from_pdf_object(lock)
        perm = MDPPerm(int(lock["/P"]))
    except (KeyError, ValueError, TypeError):
        return False
    return spec.action is FieldMDPAction.ALL and perm is MDPPerm.NO_CHANGES


def _stamp_style(picture: EncodedImage) -> TextStampStyle:
    """The seal's stamp: the image alone, no text, no border (a fresh one per seal: thread-safe)."""
    return TextStampStyle(
        stamp_text="",
        background=PreparedImage(picture),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )
