"""Reading an incoming email: who sent it, what it says, and which invitations it carries.

Everything in an incoming message is untrusted. :func:`parse_message` checks
the size before parsing anything, never raises anything but
:class:`IncomingRefused` (with a reason in Indonesian the sender can act on),
decides an attachment's kind from its bytes rather than its name, and gives
every attachment a harmless, still readable file name
(:func:`sanitize_filename`).

Forwarded messages: an email that carries another email as an attachment
(``message/rfc822``, Outlook's "forward as attachment") counts the
invitations inside it as its own, marked ``nested=True``; their own body
text is ignored (the outer message's body is the pemohon's note). Nesting is
followed to :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import contextlib
import hashlib
import html.parser
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from typing import ClassVar, Literal

from pipeline.untrusted.names import decode_mime_words, sanitize_filename, undo_surrogates
from pipeline.untrusted.sniff import FileKind, sniff

log = logging.getLogger("spt.mail.incoming")

AttachmentKind = Literal["pdf", "docx", "image", "other"]

MAX_DEPTH = 6              # MIME nesting followed (multiparts and forwarded messages)
MAX_PARTS = 500            # leaf parts looked at, at most
MAX_BODY_CHARS = 100_000   # body text kept
MAX_SUBJECT_CHARS = 500
HEADER_SCAN_BYTES = 256 * 1024  # how much of an oversized message is read for its headers

_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")
_MSGID = re.compile(r"<([^<>\s]{1,900})>")


class IncomingRefused(Exception):
    """The message cannot be used. ``reason`` is Indonesian, for a reply to the sender.

    ``message`` is what could still be read (headers only: sender, subject,
    Message-ID), so the sender can be answered; ``None`` when even that failed.
    """

    def __init__(self, reason: str, message: IncomingMessage | None = None):
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Attachment:
    """One attached file. ``name`` is already sanitised; ``kind`` comes from the bytes."""

    name: str
    content_type: str
    data: bytes
    kind: AttachmentKind
    nested: bool = False  # found inside a forwarded (message/rfc822) message

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class IncomingMessage:
    """An incoming email, parsed. ``message_key`` identifies it for "seen before" checks."""

    sender: str                 # lowercased address from From:
    sender_name: str
    subject: str
    message_id: str             # "<...>", or a synthetic one from the content hash
    sha256: str                 # of the raw message
    size: int
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    date: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    token_header: str | None = None   # X-SPT-Token, if a client kept it
    automatic: bool = False           # auto-reply, bounce or bulk mail: never answer it
    headers_only: bool = False        # only the header block was read (a refusal)

    @property
    def message_key(self) -> str:
        return self.message_id

    @property
    def invitations(self) -> list[Attachment]:
        documents = [a for a in self.attachments if a.kind in ("pdf", "docx")]
        # A photo of the letter counts only when no document came with it, and only a picture
        # large enough to be a page: logos and signature pictures travel with most mails.
        return documents or [
            a for a in self.attachments if a.kind == "image" and _page_sized(a.data)
        ]


# --- file names ------------------------------------------------------------


# --- senders ------------------------------------------------------------


def sender_allowed(address: str, allow_list: Iterable[str]) -> bool:
    """Whether ``address`` may open cases. An empty list allows everyone.

    Entries are full addresses (``rina@dinas.go.id``) or domains, written
    ``@dinas.go.id`` or ``dinas.go.id``; a domain matches exactly, not its
    subdomains. Comparison ignores case. The check trusts the From header:
    whether that header is genuine is for the mail server (SPF/DKIM/DMARC).
    """
    entries = [e.strip().lower() for e in allow_list if e and e.strip()]
    if not entries:
        return True
    address = (address or "").strip().lower()
    if address.count("@") != 1:
        return False
    domain = address.rsplit("@", 1)[1]
    for entry in entries:
        if "@" in entry.lstrip("@"):
            if entry == address:
                return True
        elif entry.lstrip("@") == domain:
            return True
    return False


# --- parsing ------------------------------------------------------------


def parse_message(raw: bytes, *, max_bytes: int, max_attachments: int = 20) -> IncomingMessage:
    """Parse ``raw`` (a whole RFC 5322 message) or raise :class:`IncomingRefused`.

    The size is checked before any parsing: an oversized message has only
    its header block read (for the reply), never its attachments.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise IncomingRefused("Surel tidak dapat dibaca.")
    raw = bytes(raw)
    size = len(raw)
    if size == 0:
        raise IncomingRefused("Surel kosong.")
    if size > max_bytes:
        raise IncomingRefused(too_large_reason(size, max_bytes),
                              message=parse_headers(raw, size=size))
    try:
        return _parse(raw, max_attachments)
    except IncomingRefused:
        raise
    except Exception as exc:  # broken MIME must never escape as anything else
        log.warning("unreadable message (%s)", exc.__class__.__name__)
        raise IncomingRefused(
            "Surel tidak dapat dibaca (struktur MIME rusak). Kirim ulang surelnya, dengan surat "
            "undangan sebagai lampiran PDF atau DOCX.",
            message=parse_headers(raw, size=size),
        ) from None


def too_large_reason(size: int, max_bytes: int) -> str:
    """The refusal of a message of ``size`` bytes over the ``max_bytes`` limit."""
    return (f"Surel terlalu besar ({_mb(size)} MB; batas {_mb(max_bytes)} MB). "
            "Kirim ulang dengan melampirkan surat undangannya saja (PDF atau DOCX).")


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f}".replace(".", ",")


def parse_headers(raw: bytes, *, size: int | None = None) -> IncomingMessage | None:
    """The header block of ``raw`` alone (at most :data:`HEADER_SCAN_BYTES`), or ``None``.

    For answering a message that will not be parsed whole. The content hash
    covers all of ``raw`` when it is the whole message.
    """
    try:
        head = raw[:HEADER_SCAN_BYTES]
        end = _header_end(head)
        block = head[:end] if end is not None else head
        msg = BytesParser(policy=policy.default).parsebytes(block, headersonly=True)
        sha = hashlib.sha256(raw).hexdigest()
        return _envelope(msg, sha, size if size is not None else len(raw), headers_only=True)
    except Exception as exc:
        log.warning("unreadable message headers (%s)", exc.__class__.__name__)
        return None


def _header_end(data: bytes) -> int | None:
    positions = [p for p in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if p >= 0]
    return min(positions) + 2 if positions else None


def _parse(raw: bytes, max_attachments: int) -> IncomingMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    envelope = _envelope(msg, sha, len(raw), headers_only=False)
    collector = _Collector()
    collector.walk(msg, depth=0, nested=False)
    if len(collector.attachments) > max_attachments:
        raise IncomingRefused(
            f"Surel membawa terlalu banyak lampiran ({len(collector.attachments)}; batas "
            f"{max_attachments}). Kirim surat undangannya saja, paling banyak {max_attachments} "
            "berkas per surel.",
            message=envelope,
        )
    if collector.plain:
        body = collector.plain
    elif collector.html:
        body = html_to_text(collector.html)
    else:
        body = ""
    return IncomingMessage(
        sender=envelope.sender, sender_name=envelope.sender_name, subject=envelope.subject,
        message_id=envelope.message_id, sha256=sha, size=len(raw),
        body_text=body[:MAX_BODY_CHARS], attachments=collector.attachments,
        date=envelope.date, in_reply_to=envelope.in_reply_to, references=envelope.references,
        token_header=envelope.token_header, automatic=envelope.automatic,
    )


def _envelope(msg: Message, sha: str, size: int, *, headers_only: bool) -> IncomingMessage:
    sender, name = _sender(msg)
    message_id = _first_msgid(_header(msg, "message-id")) or f"<{sha[:40]}@sintetis.spt.invalid>"
    refs = tuple(_MSGID.findall(_header(msg, "references")))[-20:]
    token = _header(msg, "x-spt-token").strip()[:64] or None
    return IncomingMessage(
        sender=sender, sender_name=name, subject=_clean_line(_header(msg, "subject"))[
            :MAX_SUBJECT_CHARS],
        message_id=message_id, sha256=sha, size=size, date=_date(_header(msg, "date")),
        in_reply_to=_first_msgid(_header(msg, "in-reply-to")), references=tuple(
            f"<{r}>" for r in refs), token_header=token, automatic=_automatic(msg, sender),
        headers_only=headers_only,
    )


def _header(msg: Message, name: str) -> str:
    """A header's decoded text; ``""`` if absent or unreadable."""
    try:
        value = msg.get(name)
    except Exception:
        try:
            value = msg.get_all(name, [""])[0] if hasattr(msg, "get_all") else ""
        except Exception:
            return ""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        return ""
    text = undo_surrogates(text)
    if "=?" in text:
        text = decode_mime_words(text)
    return text


def _clean_line(text: str) -> str:
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def _sender(msg: Message) -> tuple[str, str]:
    text = _header(msg, "from")
    pairs = [(n, a) for n, a in getaddresses([text]) if a]
    if not pairs:
        match = _ADDRESS.search(text)
        pairs = [("", match.group(0))] if match else []
    for name, address in pairs:
        address = address.strip().lower()
        if _ADDRESS.fullmatch(address) and address.count("@") == 1:
            return address, _clean_line(name)[:200]
    raise IncomingRefused("Alamat pengirim (From) tidak terbaca.")


def _first_msgid(text: str) -> str | None:
    match = _MSGID.search(text or "")
    if match:
        return f"<{match.group(1)}>"
    bare = (text or "").strip()
    if bare and " " not in bare and "@" in bare and len(bare) < 900:
        return f"<{bare}>"
    return None


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _automatic(msg: Message, sender: str) -> bool:
    """RFC 3834 auto-replies, bounces, lists and bulk mail: must not be answered."""
    auto = _header(msg, "auto-submitted").strip().lower()
    if auto and auto != "no":
        return True
    if _header(msg, "precedence").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if any(_header(msg, h) for h in ("list-id", "x-autoreply", "x-autorespond")):
        return True
    if _header(msg, "x-auto-response-suppress").strip().lower() in ("all", "oof"):
        return True
    local = sender.split("@", 1)[0]
    return local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply")


class _Collector:
    """Walks the MIME tree (bounded) collecting body text and attachments."""

    def __init__(self) -> None:
        self.attachments: list[Attachment] = []
        self.plain = ""
        self.html = ""
        self.parts_seen = 0

    def walk(self, part: Message, *, depth: int, nested: bool) -> None:
        if depth > MAX_DEPTH or self.parts_seen > MAX_PARTS:
            return
        ctype = _content_type(part)
        if ctype == "message/rfc822" or part.is_multipart():
            payload = part.get_payload()
            subparts = payload if isinstance(payload, list) else []
            inner_nested = nested or ctype == "message/rfc822"
            for sub in subparts:
                if isinstance(sub, Message):
                    self.walk(sub, depth=depth + 1, nested=inner_nested)
            return
        self.parts_seen += 1
        self.leaf(part, ctype, nested)

    def leaf(self, part: Message, ctype: str, nested: bool) -> None:
        raw_name = _filename(part)
        disposition = _disposition(part)
        if ctype.startswith("text/") and raw_name is None and disposition != "attachment":
            if nested:
                return
            if ctype == "text/plain" and not self.plain:
                self.plain = _text_of(part)
            elif ctype == "text/html" and not self.html:
                self.html = _text_of(part)
            return
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes) or not data:
            return
        kind = sniff_kind(data)
        index = len(self.attachments) + 1
        default = f"lampiran-{index}" + {"pdf": ".pdf", "docx": ".docx", "image": ".jpg"}.get(
            kind, "")
        self.attachments.append(Attachment(
            name=sanitize_filename(raw_name, default=default), content_type=ctype, data=data,
            kind=kind, nested=nested,
        ))


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name", None)
            if isinstance(name, tuple):
                name = collapse_rfc2231_value(name)
        except Exception:
            name = None
    return str(name) if name else None


def _text_of(part: Message) -> str:
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str):
                return content
    except Exception:
        pass
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        return ""
    charset = "utf-8"
    with contextlib.suppress(Exception):
        charset = part.get_content_charset() or "utf-8"
    for enc in (charset, "utf-8", "cp1252"):
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _page_sized(data: bytes) -> bool:
    from pipeline.extract.photo import page_sized

    return page_sized(data)


def sniff_kind(data: bytes) -> AttachmentKind:
    """``pdf``, ``docx`` or ``image`` (JPG/PNG: perhaps a photo of the letter) from the bytes
    (never the name); anything else is ``other``."""
    kind = sniff(data)
    if kind is FileKind.PDF or kind is FileKind.DOCX or kind is FileKind.IMAGE:
        return kind.value
    return "other"


# --- HTML to text ------------------------------------------------------------


class _TextExtractor(html.parser.HTMLParser):
    """Visible text with line breaks; lines inside ``<blockquote>`` get ``> `` (quoted history).

    Line-level tags (``br``, ``li``, ``tr``) end a line; block-level tags
    (``p``, ``div``, ``blockquote``, tables, lists) also leave one blank line.
    """

    _LINE: ClassVar[frozenset[str]] = frozenset({"br", "li", "tr", "hr", "pre"})
    _BLOCK: ClassVar[frozenset[str]] = frozenset({
        "p", "div", "table", "blockquote", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current: list[str] = []
        self.quote = 0
        self.skip = 0
        self.paragraph = False

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if not text:
            return
        if self.paragraph and self.lines:
            self.lines.append((min(self.lines[-1][0], self.quote), ""))
        self.paragraph = False
        self.lines.append((self.quote, text))

    def _tag(self, tag: str, opening: bool) -> None:
        if tag in self._SKIP:
            self.skip = self.skip + 1 if opening else max(0, self.skip - 1)
        elif tag in self._LINE:
            self._flush()
        elif tag in self._BLOCK:
            self._flush()
            self.paragraph = True
            if tag == "blockquote":
                self.quote = self.quote + 1 if opening else max(0, self.quote - 1)

    def handle_starttag(self, tag: str, attrs) -> None:
        self._tag(tag, True)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, False)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        return "\n".join(("> " * depth + line) if line else ">" * depth
                         for depth, line in self.lines).strip()


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body (scripts and styles dropped, quotes marked)."""
    parser = _TextExtractor()
    try:
        parser.feed(markup[: MAX_BODY_CHARS * 4])
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", markup)[:MAX_BODY_CHARS]
    return parser.text()


__all__ = [
    "Attachment",
    "AttachmentKind",
    "IncomingMessage",
    "IncomingRefused",
    "html_to_text",
    "parse_headers",
    "parse_message",
    "sanitize_filename",
    "sender_allowed",
    "sniff_kind",
    "too_large_reason",
]
