"""Letter numbers (``nomor surat``): recognising one and taking it exactly as written.

Numbers come in many shapes (``B-1234/DEP.3/X/2026``, ``000.1.2.3/123/BAPPEDA-B/2026``,
``400.14.5.4/2345/Bangda``, ``No.8680/KPw-KB/Srt/B``, ``S-55/KO.0701/2026``) but
share a form: parts joined by ``/``, at least one with a digit, no spaces.
The number is copied character for character into the SPT's "Dasar", so it
is never "repaired": a value that does not have that form is not a number.
"""

from __future__ import annotations

import re

from pipeline.extract.dates import parse_date

# Arabic-Indic and Persian digits (letters of religious bodies write numbers in them): the SPT's
# "Dasar" cites the number in Latin digits, the same number.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

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
    number, why, _ = number_and_rest(value)
    return number, why


def number_and_rest(value: str) -> tuple[str | None, str, str]:
    """``(number, why, what follows it on the line)``; see :func:`clean_number`."""
    text = " ".join((value or "").translate(_DIGITS).split())
    text = re.sub(r"\s*/\s*", "/", text)  # "005/ 123 /Bappeda" as typed
    text = re.sub(r"^([A-Za-z]{1,3})\s*-\s+(?=\d)|^([A-Za-z]{1,3})\s+-\s*(?=\d)", r"\1\2-", text)
    text = text.strip(" ,;:").lstrip("-–—.>=|\"”“'’`")  # OCR: a colon read as "-.", ">", a quote
    text = text.strip()
    if not text or re.fullmatch(r"[-–—.…_ ]+", text):
        return None, "the letter has no number (blank or '-')", ""
    token, _, rest = text.partition(" ")
    token = token.rstrip(".,;:")
    # Kemendikbud and Kemenag put the letter's date on the number's line: "… 19 Oktober 2023".
    if rest and not _TRAILING_OK.match(rest) and parse_date(rest) is None:
        return None, f"unexpected text after the number: '{text}'", rest
    if not _NUMBER.match(token) or not re.search(r"\d", token) or len(token) > 80:
        return None, f"'{token}' does not have the form of a letter number", rest
    return token, "", rest

