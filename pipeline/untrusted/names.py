"""File names that come from outside (dropped files, email attachments) are untrusted.

One function decides what such a name becomes on our disk: :func:`sanitize_filename`.
"""

from __future__ import annotations

import email.header
import os
import re
import unicodedata

MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200       # UTF-8 bytes; file systems allow 255
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                     *(f"lpt{i}" for i in range(10))}


def sanitize_filename(name: str | None, *, default: str = "lampiran") -> str:
    """A single harmless path component that keeps the name readable.

    Used for every name that comes from outside. The result has no directory
    part of either kind (``/`` or ``\\``), no ``..``, no control or
    formatting characters (newlines, bidi overrides), none of the characters
    Windows shares refuse, does not start with a dot, is not a Windows device
    name, and is at most :data:`MAX_NAME_CHARS` characters and
    :data:`MAX_NAME_BYTES` UTF-8 bytes, keeping the extension. RFC 2047
    encoded words and stray undecoded bytes are decoded so that a name like
    ``Undangan Bimtek – Koordinasi.pdf`` stays as the sender wrote it.
    """
    if not name:
        return default
    text = undo_surrogates(str(name))
    if "=?" in text and "?=" in text:
        text = decode_mime_words(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)
    text = _WINDOWS_FORBIDDEN.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = " ".join(text.split()).strip(" .")
    text = text.lstrip(". ")
    if not text.strip("._- "):
        return default
    stem, ext = os.path.splitext(text)
    if len(ext) > 10 or not re.fullmatch(r"\.[A-Za-z0-9]{1,9}", ext or ".x"):
        stem, ext = text, ""
    if stem.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        stem = "_" + stem
    stem = _truncate(stem, MAX_NAME_CHARS - len(ext), MAX_NAME_BYTES - len(ext.encode()))
    return (stem.rstrip(" .") or default) + ext


def _truncate(text: str, max_chars: int, max_bytes: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def undo_surrogates(text: str) -> str:
    """Undo ``surrogateescape`` left by the parser for raw 8-bit header bytes."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def decode_mime_words(text: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except Exception:
        return text
