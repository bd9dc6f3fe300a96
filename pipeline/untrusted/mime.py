"""Reading an untrusted e-mail (RFC 5322 / MIME): the one e-mail parser.

Both doors that take a mail read it here: the service's mail intake
(:mod:`pipeline.mail.incoming`, IMAP or an ``.eml`` in the inbox folder) and
``spt extract`` (:func:`pipeline.extract.carriers.read_eml`). What each then
does with it (refusals, attachment names on disk, which pictures count) is
theirs; what a mail *says* (its headers, sender, body text and parts) is
decided once, here.

Nothing here raises on broken input: an unreadable header is ``""``, an
unreadable part is skipped, an unreadable sender is ``None``. The MIME tree
is followed to :data:`MAX_DEPTH` levels and :data:`MAX_PARTS` leaves; a
forwarded message (``message/rfc822``) counts its parts as its own, marked
``nested``, and its body text is ignored (the outer body is the sender's).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses

from pipeline.untrusted.html_text import html_to_text
from pipeline.untrusted.names import decode_mime_words, undo_surrogates

MAX_DEPTH = 6              # MIME nesting followed (multiparts and forwarded messages)
MAX_PARTS = 500            # leaf parts looked at, at most

_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")


def parse(raw: bytes, *, headers_only: bool = False) -> Message:
    """``raw`` as a message (``policy.default``: an :class:`EmailMessage`). Broken MIME is
    read as far as it goes; only a failure of the parser itself raises."""
    return BytesParser(policy=policy.default).parsebytes(raw, headersonly=headers_only)


def header(msg: Message, name: str) -> str:
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


def clean_line(text: str) -> str:
    """``text`` on one line: control characters become spaces, white space is folded."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


def sender(msg: Message, field_name: str = "from") -> tuple[str, str] | None:
    """``(address, name)`` from ``From:`` (or ``field_name``): the address lowercased, the
    name on one line (at most 200 characters); ``None`` when no usable address is there."""
    text = header(msg, field_name)
    pairs = [(n, a) for n, a in getaddresses([text]) if a]
    if not pairs:
        match = _ADDRESS.search(text)
        pairs = [("", match.group(0))] if match else []
    for name, address in pairs:
        address = address.strip().lower()
        if _ADDRESS.fullmatch(address) and address.count("@") == 1:
            return address, clean_line(name)[:200]
    return None


@dataclass(frozen=True)
class Part:
    """A part that is not body text: a file, whatever its content type says."""

    name: str | None       # the file name as sent (untrusted: for display or sanitising)
    content_type: str
    data: bytes
    nested: bool = False   # found inside a forwarded (message/rfc822) message


@dataclass
class Contents:
    """What a mail carries: its first plain and HTML body texts and its other parts."""

    plain: str = ""
    html: str = ""
    parts: list[Part] = field(default_factory=list)
    leaves: int = 0        # leaf parts looked at

    def body(self, *, quote_marks: bool = True, max_html_chars: int | None = None) -> str:
        """The body as text: the plain one, else the HTML one made text (quoted history
        marked ``> `` unless ``quote_marks`` is false), else ``""``."""
        if self.plain:
            return self.plain
        if self.html:
            return html_to_text(self.html[:max_html_chars], quote_marks=quote_marks)
        return ""


def contents(msg: Message) -> Contents:
    """The body texts and parts of ``msg`` (bounded walk; broken parts are skipped)."""
    found = Contents()
    _walk(found, msg, depth=0, nested=False)
    return found


def _walk(found: Contents, part: Message, *, depth: int, nested: bool) -> None:
    if depth > MAX_DEPTH or found.leaves > MAX_PARTS:
        return
    ctype = _content_type(part)
    if ctype == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        subparts = payload if isinstance(payload, list) else []
        inner_nested = nested or ctype == "message/rfc822"
        for sub in subparts:
            if isinstance(sub, Message):
                _walk(found, sub, depth=depth + 1, nested=inner_nested)
        return
    found.leaves += 1
    _leaf(found, part, ctype, nested)


def _leaf(found: Contents, part: Message, ctype: str, nested: bool) -> None:
    raw_name = _filename(part)
    disposition = _disposition(part)
    if ctype.startswith("text/") and raw_name is None and disposition != "attachment":
        if nested:
            return
        if ctype == "text/plain" and not found.plain:
            found.plain = _text_of(part)
        elif ctype == "text/html" and not found.html:
            found.html = _text_of(part)
        return
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes) or not data:
        return
    found.parts.append(Part(raw_name, ctype, data, nested))


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


__all__ = ["MAX_DEPTH", "MAX_PARTS", "Contents", "Part", "clean_line", "contents", "header",
           "parse", "sender"]
