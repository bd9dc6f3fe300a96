"""Letter numbers (``nomor surat``): recognising one and taking it exactly as written.

Numbers come in many shapes (``B-1234/DEP.3/X/2026``, ``000.1.2.3/123/BAPPEDA-B/2026``,
``400.14.5.4/2345/Bangda``, ``No.8680/KPw-KB/Srt/B``, ``S-55/KO.0701/2026``) but
share a form: parts joined by ``/``, at least one with a digit, no spaces.
The number is copied character for character into the SPT's "Dasar", so it
is never "repaired": a value that does not have that form is not a number.
"""

from __future__ import annotations

import re

_PART = r"[A-Za-z0-9][A-Za-z0-9.\-_()&]*"
_NUMBER = re.compile(
    rf"^(?:No\.)?{_PART}(?:/{_PART})+$"  # 400.14.5.4/481/Bangda, No.8680/KPw-KB/Srt/B
    r"|^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+){2,}$"  # W.15-UM.01.01-1234: dots and dashes only
)
# What may follow a number on its line: another label or a lowercase continuation ("tanggal …").
_TRAILING_OK = re.compile(
    r"^(?:[Tt]anggal|[Tt]gl\.?|[Tt]ertanggal|[Pp]erihal|[Hh]al|[Ss]ifat|[Ll]ampiran)\b|^[a-z]"
)


def clean_number(value: str) -> tuple[str | None, str]:
    """``(number, why)``: the letter number at the start of ``value``, or None and the reason."""
    text = " ".join((value or "").split())
    text = re.sub(r"\s*/\s*", "/", text)  # "005/ 123 /Bappeda" as typed
    text = text.strip(" ,;:").lstrip("-–—.>=|\"”“'’`")  # OCR: a colon read as "-.", ">", a quote
    text = text.strip()
    if not text or re.fullmatch(r"[-–—.…_ ]+", text):
        return None, "the letter has no number (blank or '-')"
    token, _, rest = text.partition(" ")
    token = token.rstrip(".,;:")
    if rest and not _TRAILING_OK.match(rest):
        return None, f"unexpected text after the number: '{text}'"
    if not _NUMBER.match(token) or not re.search(r"\d", token) or len(token) > 80:
        return None, f"'{token}' does not have the form of a letter number"
    return token, ""

