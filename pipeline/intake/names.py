"""File names that come from outside (dropped files, email attachments) are untrusted."""

from __future__ import annotations

import os
import unicodedata

MAX_NAME = 150


def safe_name(name: str, *, default: str = "berkas") -> str:
    """A single, harmless path component that keeps the name readable.

    No directory parts of either kind (``/`` or ``\\``), no ``..``, no control
    characters or newlines, not hidden, at most :data:`MAX_NAME` characters
    (the extension kept).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in name)
    name = " ".join(name.split()).strip(" .")
    while name.startswith("."):
        name = name[1:]
    if not name or name in (".", ".."):
        name = default
    stem, ext = os.path.splitext(name)
    if len(ext) > 10:
        stem, ext = name, ""
    if len(name) > MAX_NAME:
        name = stem[: MAX_NAME - len(ext)].rstrip() + ext
    return name
