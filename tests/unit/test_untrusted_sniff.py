"""The one file sniffer: every door (inbox, mail, upload, spt extract) agrees on what a file is."""

from __future__ import annotations

import io
import zipfile

from pipeline.extract.carriers import sniff as carrier_kind
from pipeline.mail.incoming import sniff_kind as attachment_kind
from pipeline.untrusted.sniff import FileKind, is_pdf, sniff


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buf.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64
MAIL = b"Received: from x\r\nFrom: a@b.c\r\nSubject: Undangan\r\n\r\nisi"


def test_kinds_from_the_bytes_never_from_the_name():
    assert sniff(b"%PDF-1.7\n", "undangan.docx") is FileKind.PDF
    assert sniff(b"\xef\xbb\xbfjunk\n%PDF-1.4") is FileKind.PDF
    assert sniff(b"\n\n" + b" " * 2000 + b"%PDF-1.4") is FileKind.PDF     # leading blanks
    assert sniff(b"x" * 2000 + b"%PDF-1.7") is FileKind.OTHER
    assert sniff(DOCX, "surat.pdf") is FileKind.DOCX
    assert sniff(XLSX) is FileKind.ZIP
    assert sniff(DOCX[:30]) is FileKind.ZIP          # only the head: a ZIP, contents unknown
    assert sniff(b"PK\x03\x04 not a zip") is FileKind.ZIP
    assert sniff(OLE, "lama.doc") is FileKind.OLE
    assert sniff(MAIL) is FileKind.EML
    assert sniff(b"isi bebas", "pesan.EML") is FileKind.EML
    assert sniff(b"\x89PNG\r\n\x1a\n", "foto.pdf") is FileKind.IMAGE  # a photo (issue 21)
    assert sniff(b"\xff\xd8\xff\xe0", "undangan.pdf") is FileKind.IMAGE
    assert sniff(b"GIF89a", "foto.png") is FileKind.OTHER


def test_every_door_answers_the_same():
    samples = [b"%PDF-1.7\n", DOCX, XLSX, OLE, MAIL, b"\x89PNG\r\n", b""]
    for data in samples:
        kind = sniff(data)
        expected = kind.value if kind in (FileKind.PDF, FileKind.DOCX) else None
        assert carrier_kind(data) == expected
        # A mail's picture is named as one: it is the letter when no document came with it.
        mail_kinds = (FileKind.PDF, FileKind.DOCX, FileKind.IMAGE)
        assert attachment_kind(data) == (kind.value if kind in mail_kinds else "other")
        assert is_pdf(data) == (kind is FileKind.PDF)
