"""Short texts people write on Windows: a return's reason, a cancellation's, an inbox note.

People do not write ``<case>.txt`` in UTF-8 the way a script does. Notepad saves
"Unicode" as UTF-16LE with a BOM, "ANSI" as cp1252, UTF-8 with or without a BOM;
Explorer with hidden extensions turns ``SPT-2026-0003.txt`` into
``SPT-2026-0003.txt.txt``; some type the reason in Word (``.docx``) or LibreOffice
(``.odt``); "New Text Document.txt" is created empty and renamed and filled later.

This module only reads: which names count as a case's reason file
(:func:`is_reason_name`), and what one says (:func:`read_reason`, decoded by
:func:`decode_text`: BOM first, then UTF-8, then cp1252). Reading goes through
:mod:`pipeline.untrusted.reading` (no links, no pipes, bounded), and a DOCX/ODT is
read with a parser that refuses DTDs and entities, within a size bound.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.untrusted.reading import Untrusted, read_untrusted

REASON_EXTS = ("txt", "docx", "odt")
MAX_TEXT_BYTES = 64 * 1024           # a reason typed by hand is far shorter
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a reason typed in Word, on disk
MAX_XML_BYTES = 5 * 1024 * 1024       # its document part, uncompressed
MAX_REASON_CHARS = 4000               # what is kept of one reason

# Our own notes, never a reason: "<case>.galat.txt", "<case>-catatan.txt".
_OWN_NOTE = re.compile(r"(\.galat\.txt|-catatan\.txt|\.alasan\.txt)$", re.I)
# Word's and LibreOffice's working files beside a document being edited.
_WORKING = re.compile(r"^(~\$|~WRL|\.~lock\.|\.spt-tmp-)", re.I)
# "<case><anything>.<ext>[.<ext>…]" with a reason extension last, any case.
_REASON = re.compile(r"^(?P<case>SPT-\d{4}-\d{4,})(?P<rest>.*?)\.(?P<ext>txt|docx|odt)$", re.I)
# A text file named by Explorer or a person, not after any case.
_GENERIC = re.compile(r"^(?!SPT-\d{4}-\d{4,}).+\.(txt|docx|odt)$", re.I)


def is_working_file(name: str) -> bool:
    """Word/LibreOffice owner and temporary files, and our own temporaries."""
    return bool(_WORKING.match(name))


def reason_case(name: str, *, exact_docx: bool = True) -> str | None:
    """The case a reason file names (``SPT-2026-0003.txt``, ``spt-2026-0003.TXT``,
    ``SPT-2026-0003.txt.txt``, ``SPT-2026-0003 alasan.docx``), or ``None``.

    ``exact_docx`` false: ``<case>.docx`` itself is not a reason (in ``batal/`` it is the
    draft being cancelled; in ``dikembalikan/``, where the case file is the PDF, it is)."""
    if _OWN_NOTE.search(name) or is_working_file(name):
        return None
    m = _REASON.match(name)
    if m is None:
        return None
    rest = m.group("rest")
    if not exact_docx and not rest and m.group("ext").lower() == "docx":
        return None
    # "<case>.pdf.txt" is a reason too; "<case>.pdf" never matches (extension).
    if rest and not re.fullmatch(r"[\s._()\-\w]*", rest):
        return None
    return m.group("case").upper()


def is_reason_name(name: str, case: str) -> bool:
    return reason_case(name) == case.upper()


def is_unnamed_text(name: str) -> bool:
    """A text a person made without naming it after a case (``New Text Document.txt``,
    ``alasan.txt``): the reason of the only case waiting beside it."""
    return (not _OWN_NOTE.search(name) and not is_working_file(name)
            and bool(_GENERIC.match(name)))


def decode_text(data: bytes) -> str:
    """Text from bytes as Windows writes them: by BOM (UTF-8, UTF-16 LE/BE, UTF-32), then
    UTF-8, then cp1252 (Notepad's "ANSI"; its five unused bytes become U+FFFD)."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def looks_binary(text: str) -> bool:
    """Control characters other than tab/newline: not something a person typed."""
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch == "\ufffd")
    return bad > max(2, len(text) // 50)


@dataclass(frozen=True)
class ReasonText:
    """What a reason file says; ``problem`` (Indonesian) when it cannot be used as written."""

    text: str
    problem: str | None = None


def read_reason(path: Path) -> ReasonText:
    """The reason written in ``path`` (.txt any encoding, .docx, .odt), whitespace-trimmed.

    An empty text is returned as ``""`` (the caller waits: Explorer creates the file
    before it is typed). A link, a pipe, a binary or huge file gives a ``problem``.
    """
    ext = path.name.rsplit(".", 1)[-1].lower()
    limit = MAX_TEXT_BYTES if ext == "txt" else MAX_DOCUMENT_BYTES
    try:
        data = read_untrusted(path, limit)
    except Untrusted as exc:
        if exc.kind == "too large":
            return ReasonText("", f"berkas {path.name} terlalu besar untuk sebuah alasan "
                                  f"(paling besar {limit // 1024} KB)")
        return ReasonText("", f"{path.name} bukan berkas biasa (pintasan, tautan, atau pipa); "
                              "isinya tidak dibaca")
    if not data:
        return ReasonText("")
    if ext == "txt":
        text = decode_text(data)
    else:
        try:
            text = _document_text(data, ext)
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError):
            return ReasonText("", f"{path.name} tidak dapat dibaca sebagai dokumen "
                                  f"{ext.upper()}; tulis alasannya di berkas .txt")
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if looks_binary(text):
        return ReasonText("", f"{path.name} tidak berisi teks yang dapat dibaca")
    if len(text) > MAX_REASON_CHARS:
        text = text[:MAX_REASON_CHARS].rstrip() + " […]"
    return ReasonText(text)


def _document_text(data: bytes, ext: str) -> str:
    """The paragraphs of a DOCX (``word/document.xml``) or ODT (``content.xml``)."""
    part = "word/document.xml" if ext == "docx" else "content.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(part)
        if info.file_size > MAX_XML_BYTES:
            raise ValueError("document part too large")
        with zf.open(info) as fh:
            xml = fh.read(MAX_XML_BYTES + 1)
    if len(xml) > MAX_XML_BYTES or b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ValueError("refused document part")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    root = etree.fromstring(xml, parser)
    if ext == "docx":
        w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        paras = root.iter(f"{w}p")
        texts = ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in paras]
    else:
        t = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
        texts = ["".join(p.itertext()) for p in root.iter(f"{t}p", f"{t}h")]
    return "\n".join(x for x in texts if x.strip())


# --- is a file complete? ------------------------------------------------------------------

def looks_complete(path: Path) -> bool:
    """A PDF ends with ``%%EOF`` (within its last KB); a DOCX/ODT/zip has its central
    directory (end record found and readable). Other files: true. Reads only the tail."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(0, io.SEEK_END)
            size = fh.tell()
            if head.startswith(b"%PDF") or path.suffix.lower() == ".pdf":
                fh.seek(max(0, size - 1024))
                return b"%%EOF" in fh.read()
            if head.startswith(b"PK") or path.suffix.lower() in (".docx", ".odt"):
                tail_len = min(size, 65557)  # the end record and the longest comment
                fh.seek(size - tail_len)
                tail = fh.read()
                at = tail.rfind(b"PK\x05\x06")
                if at < 0 or len(tail) - at < 22:
                    return False
                cd_size = int.from_bytes(tail[at + 12:at + 16], "little")
                cd_offset = int.from_bytes(tail[at + 16:at + 20], "little")
                if cd_offset + cd_size > size - (len(tail) - at):
                    return False
                fh.seek(cd_offset)
                return fh.read(4) == b"PK\x01\x02" or cd_size == 0
    except OSError:
        return False
    return True


__all__ = ["ReasonText", "decode_text", "is_reason_name", "is_unnamed_text",
           "is_working_file", "looks_binary", "looks_complete", "read_reason", "reason_case"]
