"""What a file is, from its bytes, never from its name: the one file sniffer.

Every door that takes a file from outside (``inbox/``, a mail attachment, an
.eml's attachment, an upload on the verification page, ``spt extract``) asks
here, so all of them agree on what counts as a PDF, a DOCX, a picture or a mail.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGICS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG
# The PDF header may follow some junk, within the first kilobyte (ISO 32000-1, annex H).
PDF_WINDOW = 1024
HEAD_BYTES = 4096  # enough of a file's start for every decision but a ZIP's contents
_MAIL_HEADERS = (
    "from:", "received:", "return-path:", "message-id:", "mime-version:", "date:", "to:",
    "subject:", "delivered-to:", "x-",
)


class FileKind(StrEnum):
    """What the bytes are."""

    PDF = "pdf"
    DOCX = "docx"    # a ZIP holding word/document.xml
    ZIP = "zip"      # another ZIP, or one whose contents were not (or could not be) read
    OLE = "ole"      # an old Word file (.doc) or an encrypted Office file
    EML = "eml"      # a mail message (RFC 5322)
    IMAGE = "image"  # a JPEG or PNG picture: perhaps a phone photo of the letter
    OTHER = "other"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts like a PDF (the header within the first :data:`PDF_WINDOW`)."""
    return (data.lstrip(b"\r\n\t \x00")[:5] == PDF_MAGIC
            or PDF_MAGIC in data[:PDF_WINDOW])


def looks_like_mail(head: bytes) -> bool:
    """Whether ``head`` starts with a mail header line."""
    first = head[:2048].decode("latin-1", errors="replace").lstrip().lower()
    return first.startswith(_MAIL_HEADERS)


def sniff(data: bytes, name: str = "") -> FileKind:
    """The kind of ``data``; ``name`` only tells an ``.eml`` apart (a mail has no magic).

    Given only a file's head, a ZIP is :attr:`FileKind.ZIP` (its directory is at
    the end); given the whole file, a Word document is :attr:`FileKind.DOCX`.
    """
    if is_pdf(data):
        return FileKind.PDF
    if data.startswith(ZIP_MAGIC):
        return FileKind.DOCX if _holds_word_document(data) else FileKind.ZIP
    if data.startswith(OLE_MAGIC):
        return FileKind.OLE
    if data.startswith(IMAGE_MAGICS):
        return FileKind.IMAGE
    if name.lower().endswith(".eml") or looks_like_mail(data):
        return FileKind.EML
    return FileKind.OTHER


def _holds_word_document(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, EOFError):
        return False


__all__ = ["HEAD_BYTES", "FileKind", "is_pdf", "looks_like_mail", "sniff"]
