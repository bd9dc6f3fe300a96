"""Invitations that are not PDFs: a DOCX letter, or an email (.eml) carrying the letter.

DOCX: the package is checked before python-docx opens it (member count,
declared uncompressed size, encryption flag) and every XML part that will be
parsed is first parsed with defusedxml, which refuses DTDs and entity tricks
(billion laughs, external entities). Then python-docx reads the header and
the body in order, tables included: a table row ``Hari/Tanggal | : | Senin, …``
becomes one ``label : value`` line; a layout table (letter header in the left
cell, date and addressee in the right) gives its cells' paragraphs one after
another, the right cell as a right-hand column.

Email: read by :mod:`pipeline.untrusted.mime`, the parser the mail intake uses. The invitation
is an attached PDF or DOCX, recognised by its bytes, not its name (names are
untrusted and never used as paths); the sender is the requester (pemohon).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage

from pipeline.extract.layout import Document, plain_lines
from pipeline.extract.limits import ExtractionRefused, ExtractLimits
from pipeline.untrusted import mime
from pipeline.untrusted.sniff import FileKind
from pipeline.untrusted.sniff import sniff as sniff_bytes

MAX_DOCX_MEMBERS = 2000

_DOCX_BROKEN = "Berkas DOCX rusak atau tidak dapat dibaca. Kirim ulang berkas aslinya."
_RIGHT_COLUMN = re.compile(
    r"^\s*(?:[A-Z][A-Za-z.' -]{1,40},\s*\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}|kepada\b|yth\b)", re.I
)


# --- DOCX -------------------------------------------------------------------------------------


def _check_package(data: bytes, limits: ExtractLimits) -> None:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_DOCX_MEMBERS:
                raise ExtractionRefused(
                    "Berkas DOCX berisi terlalu banyak bagian; kemungkinan rusak."
                )
            if sum(i.file_size for i in infos) > limits.max_docx_uncompressed:
                raise ExtractionRefused("Berkas DOCX tidak wajar (isi terkompresi terlalu besar).")
            if any(i.flag_bits & 0x1 for i in infos):
                raise ExtractionRefused("Berkas DOCX terkunci dengan kata sandi (terenkripsi).")
            names = {i.filename for i in infos}
            if "word/document.xml" not in names:
                raise ExtractionRefused("Berkas ini bukan dokumen Word (DOCX).")
            for name in sorted(names):
                if name.endswith(".xml") or name.endswith(".rels"):
                    SafeET.fromstring(zf.read(name), forbid_dtd=True)
    except ExtractionRefused:
        raise
    except DefusedXmlException:
        raise ExtractionRefused("Berkas DOCX berisi XML yang tidak aman; tidak diproses.") from None
    except Exception:
        raise ExtractionRefused(_DOCX_BROKEN) from None


def _cell_text(cell) -> str:
    return " ".join(" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip())


def _paragraph_rows(paragraph, column: int) -> list[tuple[str, str | None, int]]:
    text = paragraph.text
    align = None
    if paragraph.alignment is not None:
        align = {1: "center", 2: "right"}.get(int(paragraph.alignment))
    right = 1 if align == "right" else column
    parts = re.split(r"\t+", text)
    if len(parts) > 1:
        for cut in range(1, len(parts)):
            tail = " ".join(" ".join(parts[cut:]).split())
            if _RIGHT_COLUMN.match(tail):
                head = " ".join(" ".join(parts[:cut]).split())
                return [(head, align, column), (tail, "right", 1)]
    return [(" ".join(text.split()), align, right)]


def _table_rows(table, column: int, depth: int = 0) -> list[tuple[str, str | None, int]]:
    rows: list[tuple[str, str | None, int]] = []
    if depth > 3:
        return rows
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell)
        texts = [_cell_text(c) for c in cells]
        filled = [t for t in texts if t]
        single = all(
            len(c.paragraphs) <= 1 or sum(bool(p.text.strip()) for p in c.paragraphs) <= 1
            for c in cells[:1]
        )
        nested = any(c.tables for c in cells)
        if (
            not nested
            and 2 <= len(filled) <= 4
            and single
            and len(filled[0]) <= 40
            and (":" in filled[1][:1] or filled[0].endswith(":") or ":" in filled)
        ):
            rows.append((" ".join(filled).replace(" : :", " :"), None, column))
            continue
        for index, cell in enumerate(cells):
            cell_column = column if index == 0 else 1
            for block in cell.iter_inner_content():
                if hasattr(block, "rows"):
                    rows += _table_rows(block, cell_column, depth + 1)
                else:
                    rows += _paragraph_rows(block, cell_column)
    return rows


def read_docx(data: bytes, limits: ExtractLimits) -> Document:
    """The DOCX's text (header, then body, tables included) as lines without positions."""
    _check_package(data, limits)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        rows: list[tuple[str, str | None, int]] = []
        seen_headers = set()
        for section in document.sections[:1]:
            header = (
                section.first_page_header
                if section.different_first_page_header_footer
                else section.header
            )
            if header.is_linked_to_previous and id(header) in seen_headers:
                continue
            seen_headers.add(id(header))
            for block in header.iter_inner_content():
                rows += (
                    _table_rows(block, 0) if hasattr(block, "rows") else _paragraph_rows(block, 0)
                )
        for block in document.iter_inner_content():
            rows += _table_rows(block, 0) if hasattr(block, "rows") else _paragraph_rows(block, 0)
    except ExtractionRefused:
        raise
    except Exception:
        raise ExtractionRefused(_DOCX_BROKEN) from None
    return Document(tuple(plain_lines(rows)), "docx", False)


# --- email -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str  # as sent: for display only, never a path
    content_type: str
    kind: str  # "pdf" | "docx" | "image" (a photo of the letter, JPG/PNG)
    data: bytes


@dataclass(frozen=True)
class EmailInvitation:
    sender: str | None  # the requester's address (From)
    sender_name: str
    subject: str
    body: str
    attachments: list[Attachment]


def sniff(data: bytes) -> str | None:
    """``"pdf"``, ``"docx"`` (a ZIP with ``word/document.xml``) or None, from the bytes."""
    kind = sniff_bytes(data)
    return kind.value if kind in (FileKind.PDF, FileKind.DOCX) else None


def read_eml(data: bytes, limits: ExtractLimits) -> EmailInvitation:
    """The email's sender, subject, body text and attached PDF/DOCX files (read by
    :mod:`pipeline.untrusted.mime`, as the mail intake reads it)."""
    try:
        msg = mime.parse(data)
    except Exception:
        raise ExtractionRefused("Surel (.eml) rusak atau tidak dapat dibaca.") from None
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise ExtractionRefused("Berkas ini bukan surel (.eml) yang dapat dibaca.")
    if sum(1 for _ in msg.walk()) > limits.max_email_parts:
        raise ExtractionRefused("Surel berisi terlalu banyak bagian; tidak diproses.")
    found = mime.contents(msg)
    attachments = []
    pictures = []
    for part in found.parts:
        kind = sniff(part.data)
        if kind:
            attachments.append(Attachment(part.name or "", part.content_type, kind, part.data))
        elif _is_photo(part.data):
            pictures.append(Attachment(part.name or "", part.content_type, "image", part.data))
    # A photo of the letter counts only when no PDF/DOCX came with it (logos and signature
    # pictures travel with most mails).
    attachments = attachments or pictures
    # Quoted history as plain lines: a forwarded invitation is often quoted whole.
    body = found.body(quote_marks=False)
    address, name = mime.sender(msg) or mime.sender(msg, "sender") or (None, "")
    return EmailInvitation(address, name, mime.header(msg, "subject"), body, attachments)


def _is_photo(data: bytes) -> bool:
    from pipeline.extract import photo

    if sniff_bytes(data) is not FileKind.IMAGE:
        return False
    try:
        photo.check_picture(data)
    except ExtractionRefused:
        return False
    return True


def body_document(body: str) -> Document:
    """An email body as lines: quoted history read as plain lines, and what a plain-text
    mail shows by its columns (a value wrapped under itself, a folded subject) joined."""
    lines = [_unquoted(ln.expandtabs(8)) for ln in body.splitlines()]
    lines = _unwrapped(_unfolded(lines))
    return Document(tuple(plain_lines((ln, None, 0) for ln in lines)), "email body", False)


# A plain-text reply marks the history it quotes at each line's start: "> " (nested "> > "),
# AOL's "<< … >>". The quoted invitation is read like any other (the HTML body's quotes are
# dropped the same way, see :func:`read_eml`); the marks become spaces so that columns stay.
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:(?:>|<<)[ \t]?)+")


def _unquoted(line: str) -> str:
    m = _QUOTE_MARKS.match(line)
    return " " * m.end() + line[m.end() :] if m else line


# A forwarded message's header block, as mail programs print it into the body.
_MAIL_HEADER = re.compile(
    r"^\s*(?:from|dari|date|sent|dikirim|to|kepada|cc|subject|subjek)\s*:", re.I
)
_MAIL_SUBJECT = re.compile(r"^\s*(?:subject|subjek)\s*:", re.I)


def _unfolded(lines: list[str]) -> list[str]:
    """A long subject folded onto the next line inside a forwarded header block ("Subject:
    Undangan … Sabtu 5" / "Juli 2008, pkl 11.00-13.00" / "To: …"): the line between the
    subject and the block's next header is the subject going on."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if (
            _MAIL_SUBJECT.match(line)
            and index + 2 < len(lines)
            and lines[index + 1].strip()
            and not _MAIL_HEADER.match(lines[index + 1])
            and _MAIL_HEADER.match(lines[index + 2])
        ):
            out.append(f"{line.rstrip()} {lines[index + 1].strip()}")
            index += 2
            continue
        out.append(line)
        index += 1
    return out


def _value_column(line: str) -> tuple[str, int] | None:
    """``(label key, column where the value starts)`` for a ``Label : value`` line."""
    from pipeline.extract.labels import match_label

    stripped = line.strip()
    if not stripped:
        return None
    hit = match_label(plain_lines([(stripped, None, 0)])[0])
    if hit is None or not hit[2]:
        return None
    key, _, value, _ = hit
    indent = len(line) - len(line.lstrip())
    column = indent + len(stripped) - len(value)
    return (key, column) if stripped.endswith(value) else None


def _unwrapped(lines: list[str]) -> list[str]:
    """A value that a plain-text mail wraps onto the next lines, each starting exactly under
    the value's first character ("Acara     :   Tatap muka dengan Rombongan Badan" /
    "                Pekerja MPR (BP-MPR) RI"): in a fixed-width text that column is the
    evidence, and the pieces join with a space. A place is left as it is: its lines (a room,
    a building, a street) join in a way the mail does not show, and the place read from its
    first line alone would be half of it (the field rules give null)."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        found = _value_column(line)
        if found is None or found[0] == "tempat":
            out.append(line)
            continue
        pieces = [line.rstrip()]
        while index < len(lines) and len(pieces) <= 4:
            nxt = lines[index]
            if (
                not nxt.strip()
                or len(nxt) - len(nxt.lstrip()) != found[1]
                or _value_column(nxt) is not None
            ):
                break
            pieces.append(nxt.strip())
            index += 1
        out.append(" ".join(pieces))
    return out
