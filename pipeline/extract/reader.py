"""``extract(path)``: one invitation file in, its fields, their provenance and notes out.

The carrier decides how text is obtained (a PDF's text layer, OCR of a scan,
a DOCX, an email's attachment); the same field rules then read it. What can
go wrong is split in two: a file beyond the limits (too big, too long,
encrypted, broken) raises :class:`ExtractionRefused` before any real work;
a file that is within limits but yields nothing useful (a photo, a report,
an OCR that ran out of time) still gives an :class:`Extraction`, with every
field ``null`` and a note for the drafter, so its case opens and nothing is
lost.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract import carriers, ocr, photo
from pipeline.extract.fields import FIELD_KEYS, Reading, read_fields
from pipeline.extract.layout import Document, build_lines, deskew
from pipeline.extract.limits import ExtractionRefused, ExtractLimits, refuse_size
from pipeline.extract.text import read_pdf
from pipeline.untrusted.sniff import FileKind, sniff

log = logging.getLogger("spt.extract")

_FIELD_NAMES = {
    "nomor": "nomor surat",
    "tanggal": "tanggal surat",
    "hal": "hal",
    "pengirim": "pengirim",
    "acara": "acara",
    "tanggal_mulai": "tanggal mulai",
    "tanggal_selesai": "tanggal selesai",
    "waktu": "waktu",
    "tempat": "tempat",
}
_UNSUPPORTED = (
    "Jenis berkas tidak didukung. Yang dapat dibaca: surat undangan berbentuk PDF atau "
    "DOCX, foto surat (JPG/PNG), atau surel (.eml) yang melampirkannya."
)
_PHOTO_NOTE = (
    "Surat undangan ini berupa foto; foto diluruskan dan dibaca dengan OCR. "
    "Periksa kembali isiannya."
)


@dataclass(frozen=True)
class Extraction:
    """What was read from one invitation.

    ``fields`` has exactly the nine keys of DESIGN.md, each a string or
    ``None`` (dates ISO ``YYYY-MM-DD``); ``explain`` says for each where its
    value came from or why it is ``None``; ``notes`` are sentences in
    Indonesian for the drafter.
    """

    fields: dict[str, str | None]
    explain: dict[str, str]
    text_source: str  # "text layer" | "ocr" | "docx" | "email body" | "none"
    notes: list[str] = field(default_factory=list)
    sender: str | None = None  # an email's sender: the requester (pemohon)
    pages: int | None = None
    seconds: float = 0.0
    is_invitation: bool = False


def _empty(text_source: str, why: str, notes: list[str], **extra) -> Extraction:
    return Extraction(
        dict.fromkeys(FIELD_KEYS),
        dict.fromkeys(FIELD_KEYS, f"null: {why}"),
        text_source,
        notes,
        **extra,
    )


def _finish(reading: Reading, text_source: str, notes: list[str], **extra) -> Extraction:
    notes = list(notes) + reading.notes
    missing = [_FIELD_NAMES[k] for k in FIELD_KEYS if reading.fields[k] is None]
    if reading.is_invitation and missing:
        notes.append(
            "Isian berikut tidak terbaca dengan yakin dan perlu dilengkapi: "
            + ", ".join(missing)
            + "."
        )
    return Extraction(
        reading.fields,
        reading.explain,
        text_source,
        notes,
        is_invitation=reading.is_invitation,
        **extra,
    )


def _kind(path: Path, head: bytes) -> str:
    kind = sniff(head, path.name)
    if kind is FileKind.PDF or kind is FileKind.EML:
        return kind.value
    if kind is FileKind.ZIP or kind is FileKind.DOCX:
        return "zip"  # whether it is a Word document is decided on the whole file
    if kind is FileKind.IMAGE:
        return "image"  # a phone photo of the letter
    raise ExtractionRefused(_UNSUPPORTED)


def _from_pdf(path: Path, limits: ExtractLimits) -> Extraction:
    pdf = read_pdf(path, limits)
    if pdf.document is not None:
        return _finish(read_fields(pdf.document), "text layer", [], pages=pdf.pages)
    if not limits.ocr:
        return _empty(
            "none",
            "no text layer and OCR is off",
            [
                "Berkas PDF tidak memiliki lapisan teks (hasil pindaian) dan OCR tidak dijalankan; "
                "isian perlu dilengkapi manual."
            ],
            pages=pdf.pages,
        )
    try:
        result = ocr.ocr_pdf(
            path,
            pages=min(pdf.pages, limits.ocr_pages),
            timeout=limits.ocr_timeout,
            languages=limits.ocr_languages,
        )
    except ocr.OcrTimeout:
        log.warning("OCR of %s stopped at its time limit (%ss)", path.name, limits.ocr_timeout)
        return _empty(
            "none",
            f"OCR stopped at its time limit ({limits.ocr_timeout:g} s)",
            [
                f"Pembacaan teks hasil pindaian (OCR) dihentikan karena melebihi batas waktu "
                f"{limits.ocr_timeout:g} detik; isian perlu dilengkapi manual."
            ],
            pages=pdf.pages,
        )
    except ocr.OcrUnavailable:
        return _empty(
            "none",
            "no text layer and no OCR engine installed",
            [
                "Berkas PDF tidak memiliki lapisan teks dan OCR tidak tersedia di server; "
                "isian perlu dilengkapi manual."
            ],
            pages=pdf.pages,
        )
    except (ocr.OcrError, OSError) as exc:
        log.warning("OCR of %s failed: %s", path.name, exc)
        return _empty(
            "none",
            f"OCR failed ({exc})",
            ["Teks hasil pindaian tidak dapat dibaca (OCR gagal); isian perlu dilengkapi manual."],
            pages=pdf.pages,
        )
    pages = [deskew(words) for words in result.words]
    lines = build_lines(pages, result.widths)
    doc = Document(tuple(lines), "ocr", True, tuple(result.widths))
    notes = ["Surat undangan ini hasil pindaian dan dibaca dengan OCR; periksa kembali isiannya."]
    if sum(ch.isalnum() for ch in doc.text) < 40:
        return _empty(
            "ocr",
            "OCR found no text",
            [
                "Berkas tidak tampak seperti surat undangan (tidak ada teks yang terbaca, "
                "misalnya foto); "
                "isian perlu dilengkapi manual."
            ],
            pages=pdf.pages,
        )
    return _finish(read_fields(doc), "ocr", notes, pages=pdf.pages)


def _from_bytes(data: bytes, kind: str, limits: ExtractLimits) -> Extraction:
    refuse_size(len(data), limits)
    if kind == "docx":
        return _finish(read_fields(carriers.read_docx(data, limits)), "docx", [])
    if kind == "image":
        return _from_photo(data, limits)
    with tempfile.TemporaryDirectory(prefix="spt-extract-") as tmp:
        target = Path(tmp) / "lampiran.pdf"  # a fixed name: attachment names are untrusted
        target.write_bytes(data)
        return _from_pdf(target, limits)


def _from_photo(data: bytes, limits: ExtractLimits) -> Extraction:
    """A phone photo: straightened into an image PDF (:mod:`pipeline.extract.photo`), then
    read as a scan."""
    pdf = photo.photo_to_pdf(data)
    result = _from_bytes(pdf, "pdf", limits)
    return Extraction(
        result.fields,
        result.explain,
        result.text_source,
        [_PHOTO_NOTE] + [n for n in result.notes if "hasil pindaian" not in n],
        sender=result.sender,
        pages=result.pages,
        is_invitation=result.is_invitation,
    )


def _display(name: str) -> str:
    from pipeline.untrusted.names import sanitize_filename

    return sanitize_filename(name, default="lampiran")


def _ribuan(n: int) -> str:
    """``n`` as Indonesian writes it: 100.000 (dots between thousands)."""
    return f"{n:,}".replace(",", ".")


def _from_eml(data: bytes, limits: ExtractLimits) -> Extraction:
    mail = carriers.read_eml(data, limits)
    sender_note = f"Surel dari {mail.sender}" if mail.sender else "Surel tanpa alamat pengirim"
    if not mail.attachments:
        reading = read_fields(carriers.body_document(mail.body[: limits.max_body_chars]))
        notes = [
            f"{sender_note} tidak melampirkan surat undangan (PDF/DOCX atau foto); "
            "isian dibaca dari isi surel."
        ]
        if len(mail.body) > limits.max_body_chars:
            notes.append(
                f"Isi surel sangat panjang ({_ribuan(len(mail.body))} karakter); hanya "
                f"{_ribuan(limits.max_body_chars)} karakter pertama yang dibaca."
            )
        return _finish(reading, "email body", notes, sender=mail.sender)
    results: list[tuple[carriers.Attachment, Extraction]] = []
    refusals = []
    for attachment in mail.attachments:
        try:
            results.append((attachment, _from_bytes(attachment.data, attachment.kind, limits)))
        except ExtractionRefused as exc:
            refusals.append(f"Lampiran '{_display(attachment.name)}' tidak dibaca: {exc.reason}")
    if not results:
        raise ExtractionRefused(refusals[0] if refusals else "Lampiran surel tidak dapat dibaca.")
    invitations = [(a, r) for a, r in results if r.is_invitation]
    chosen_attachment, chosen = (invitations or results)[0]
    notes = [
        f"{sender_note}; surat undangan dibaca dari lampiran '{_display(chosen_attachment.name)}'."
    ]
    if len(invitations) > 1:
        notes.append(
            f"Surel melampirkan {len(invitations)} surat undangan; yang dibaca hanya yang "
            "pertama. Undangan lainnya diproses sebagai kasus terpisah bila dikirim ke inbox."
        )
    notes += refusals + chosen.notes
    return Extraction(
        chosen.fields,
        chosen.explain,
        chosen.text_source,
        notes,
        sender=mail.sender,
        pages=chosen.pages,
        is_invitation=chosen.is_invitation,
    )


def extract(path: Path, *, limits: ExtractLimits | None = None) -> Extraction:
    """Read an invitation (PDF, scanned PDF, DOCX, a photo (JPG/PNG) or .eml) at ``path``.

    Raises :class:`ExtractionRefused` (reason in Indonesian) for a file beyond
    ``limits`` or unreadable as any of those; otherwise always returns, with
    ``None`` for every field that could not be read with confidence.
    """
    limits = limits or ExtractLimits()
    started = time.monotonic()
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionRefused(f"Berkas tidak dapat dibaca ({exc.__class__.__name__}).") from None
    refuse_size(size, limits)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    kind = _kind(path, head)
    if kind == "pdf":
        result = _from_pdf(path, limits)
    else:
        data = path.read_bytes()
        if kind == "zip":
            if carriers.sniff(data) != "docx":
                raise ExtractionRefused(_UNSUPPORTED)
            kind = "docx"
        result = (
            _from_bytes(data, kind, limits)
            if kind in ("docx", "image")
            else _from_eml(data, limits)
        )
    return Extraction(
        result.fields,
        result.explain,
        result.text_source,
        result.notes,
        sender=result.sender,
        pages=result.pages,
        seconds=time.monotonic() - started,
        is_invitation=result.is_invitation,
    )
