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
followed to :data:`pipeline.untrusted.mime.MAX_DEPTH` levels. Reading the
MIME tree itself (headers, sender, body text, parts) is
:mod:`pipeline.untrusted.mime`'s, shared with ``spt extract``; this module
adds the intake's rules: limits, refusals, attachment kinds and names.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Literal

from pipeline.untrusted import mime
from pipeline.untrusted.names import sanitize_filename
from pipeline.untrusted.sniff import FileKind, sniff

log = logging.getLogger("spt.mail.incoming")

AttachmentKind = Literal["pdf", "docx", "image", "other"]

MAX_BODY_CHARS = 100_000   # body text kept
MAX_SUBJECT_CHARS = 500
HEADER_SCAN_BYTES = 256 * 1024  # how much of an oversized message is read for its headers

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
        msg = mime.parse(block, headers_only=True)
        sha = hashlib.sha256(raw).hexdigest()
        return _envelope(msg, sha, size if size is not None else len(raw), headers_only=True)
    except Exception as exc:
        log.warning("unreadable message headers (%s)", exc.__class__.__name__)
        return None


def _header_end(data: bytes) -> int | None:
    positions = [p for p in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if p >= 0]
    return min(positions) + 2 if positions else None


def _parse(raw: bytes, max_attachments: int) -> IncomingMessage:
    msg = mime.parse(raw)
    sha = hashlib.sha256(raw).hexdigest()
    envelope = _envelope(msg, sha, len(raw), headers_only=False)
    found = mime.contents(msg)
    if len(found.parts) > max_attachments:
        raise IncomingRefused(
            f"Surel membawa terlalu banyak lampiran ({len(found.parts)}; batas "
            f"{max_attachments}). Kirim surat undangannya saja, paling banyak {max_attachments} "
            "berkas per surel.",
            message=envelope,
        )
    attachments = [_attachment(part, index) for index, part in enumerate(found.parts, 1)]
    body = found.body(max_html_chars=MAX_BODY_CHARS * 4)
    return IncomingMessage(
        sender=envelope.sender, sender_name=envelope.sender_name, subject=envelope.subject,
        message_id=envelope.message_id, sha256=sha, size=len(raw),
        body_text=body[:MAX_BODY_CHARS], attachments=attachments,
        date=envelope.date, in_reply_to=envelope.in_reply_to, references=envelope.references,
        token_header=envelope.token_header, automatic=envelope.automatic,
    )


def _attachment(part: mime.Part, index: int) -> Attachment:
    """``part`` as an attachment: its kind from the bytes, its name made harmless."""
    kind = sniff_kind(part.data)
    default = f"lampiran-{index}" + {"pdf": ".pdf", "docx": ".docx", "image": ".jpg"}.get(
        kind, "")
    return Attachment(name=sanitize_filename(part.name, default=default),
                      content_type=part.content_type, data=part.data, kind=kind,
                      nested=part.nested)


def _envelope(msg: Message, sha: str, size: int, *, headers_only: bool) -> IncomingMessage:
    sender, name = _sender(msg)
    message_id = (_first_msgid(mime.header(msg, "message-id"))
                  or f"<{sha[:40]}@sintetis.spt.invalid>")
    refs = tuple(_MSGID.findall(mime.header(msg, "references")))[-20:]
    token = mime.header(msg, "x-spt-token").strip()[:64] or None
    return IncomingMessage(
        sender=sender, sender_name=name, subject=mime.clean_line(mime.header(msg, "subject"))[
            :MAX_SUBJECT_CHARS],
        message_id=message_id, sha256=sha, size=size, date=_date(mime.header(msg, "date")),
        in_reply_to=_first_msgid(mime.header(msg, "in-reply-to")), references=tuple(
            f"<{r}>" for r in refs), token_header=token, automatic=_automatic(msg, sender),
        headers_only=headers_only,
    )


def _sender(msg: Message) -> tuple[str, str]:
    found = mime.sender(msg)
    if found is None:
        raise IncomingRefused("Alamat pengirim (From) tidak terbaca.")
    return found


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
    auto = mime.header(msg, "auto-submitted").strip().lower()
    if auto and auto != "no":
        return True
    if mime.header(msg, "precedence").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if any(mime.header(msg, h) for h in ("list-id", "x-autoreply", "x-autorespond")):
        return True
    if mime.header(msg, "x-auto-response-suppress").strip().lower() in ("all", "oof"):
        return True
    local = sender.split("@", 1)[0]
    return local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply")


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


__all__ = [
    "Attachment",
    "AttachmentKind",
    "IncomingMessage",
    "IncomingRefused",
    "parse_headers",
    "parse_message",
    "sanitize_filename",
    "sender_allowed",
    "sniff_kind",
    "too_large_reason",
]
