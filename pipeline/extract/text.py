"""A PDF's text layer as positioned lines, read within limits.

pypdf opens the file first (cheap, lazy): encryption and the page count are
checked before any page is parsed, so a 300-page report is refused after
reading its page tree only. pdfplumber (pdfminer.six) then reads words with
their boxes, font size and weight from the first few pages: a letter's fields
are on its first page or two, what follows is attachments.

A PDF whose pages carry (almost) no text, or only glyph ids without a
Unicode mapping (``(cid:12)``), has no usable text layer: the caller OCRs it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract.layout import Document, PlacedWord, build_lines
from pipeline.extract.limits import ExtractionRefused, ExtractLimits

MIN_TEXT_CHARS = 60  # fewer letters and digits than this: a scan (perhaps with a stamp)
MAX_CHARS_PER_PAGE = 200_000

_ENCRYPTED = (
    "Berkas PDF terkunci dengan kata sandi (terenkripsi) sehingga tidak dapat dibaca. "
    "Kirim salinan tanpa kata sandi."
)
_BROKEN = "Berkas PDF rusak atau tidak dapat dibaca. Kirim ulang berkas aslinya."

for _name in ("pdfminer", "pypdf"):
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfText:
    pages: int
    document: Document | None  # None: no usable text layer
    why_not: str = ""  # when document is None: "no text" / "garbled"


def count_pages(path: Path, limits: ExtractLimits) -> int:
    """The PDF's page count, or :class:`ExtractionRefused` (encrypted, broken, too long)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise ExtractionRefused(_ENCRYPTED)
        pages = len(reader.pages)
    except ExtractionRefused:
        raise
    except Exception:  # pypdf raises many kinds on hostile input
        raise ExtractionRefused(_BROKEN) from None
    if pages == 0:
        raise ExtractionRefused("Berkas PDF tidak berisi halaman.")
    if pages > limits.max_pages:
        raise ExtractionRefused(
            f"Berkas PDF terlalu panjang ({pages} halaman; batas {limits.max_pages} halaman). "
            "Kirim surat undangannya saja."
        )
    return pages


def read_pdf(path: Path, limits: ExtractLimits) -> PdfText:
    """The page count and, when the PDF has one, its text layer as a :class:`Document`."""
    pages = count_pages(path, limits)
    import pdfplumber

    placed: list[list[PlacedWord]] = []
    widths: list[float] = []
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages[: limits.read_pages]:
                widths.append(float(page.width))
                if len(page.chars) > MAX_CHARS_PER_PAGE:
                    raise ExtractionRefused("Halaman PDF berisi teks yang tidak wajar banyaknya.")
                words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)
                placed.append(
                    [
                        PlacedWord(
                            text=w["text"],
                            x0=float(w["x0"]),
                            x1=float(w["x1"]),
                            top=float(w["top"]),
                            bottom=float(w["bottom"]),
                            size=round(float(w["size"]), 1),
                            bold=bool(re.search(r"bold|black|heavy", str(w["fontname"]), re.I)),
                        )
                        for w in words
                        if w["text"].strip()
                    ]
                )
                page.flush_cache()
    except ExtractionRefused:
        raise
    except Exception:
        raise ExtractionRefused(_BROKEN) from None
    # The letter is the first page: a scanned letter followed by typed attachments is a scan.
    text = " ".join(w.text for w in placed[0]) if placed else ""
    letters = sum(ch.isalnum() for ch in text)
    if letters < MIN_TEXT_CHARS:
        return PdfText(pages, None, "no text")
    if len(re.findall(r"\(cid:\d+\)", text)) * 6 > letters:
        return PdfText(pages, None, "garbled")
    lines = build_lines(placed, widths)
    return PdfText(pages, Document(tuple(lines), "text layer", True, tuple(widths)))
