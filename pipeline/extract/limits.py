"""How much work reading one invitation may take, and the refusal when a file is beyond it.

An invitation is a letter of one or two pages; anything far larger is
refused before it is parsed, so a hostile or mistaken file (a 300-page
report, a 100 MB scan) costs a stat() and a page count, never the service's
memory or time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ExtractionRefused(Exception):
    """The file is beyond the configured limits or cannot be read at all.

    ``str()`` (and ``reason``) is a sentence in Indonesian for the drafter or
    the requester; nothing was extracted.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ExtractLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_pages: int = 300
    ocr_timeout: float = 120.0  # seconds for the whole OCR of one file
    read_pages: int = 3  # pages read for fields: the letter, not its attachments
    ocr_pages: int = 2  # pages OCR'd from a scan
    ocr: bool = True  # False: never OCR (tests, or a machine without Tesseract)
    ocr_languages: str = "ind+eng"
    max_docx_uncompressed: int = 100 * 1024 * 1024
    max_email_parts: int = 50
    # Characters of an e-mail body read for fields when the invitation is the body itself:
    # some 25 pages of text, far beyond any invitation (a PDF is read for read_pages pages).
    max_body_chars: int = 100_000

    @classmethod
    def from_config(cls, config: Any) -> ExtractLimits:
        """From the workspace's ``[limits]`` (``pipeline.config.LimitsConfig``), or defaults."""
        if config is None:
            return cls()
        values: dict[str, Any] = {}
        if getattr(config, "max_file_mb", None):
            values["max_bytes"] = int(float(config.max_file_mb) * 1024 * 1024)
        if getattr(config, "max_pages", None):
            values["max_pages"] = int(config.max_pages)
        if getattr(config, "ocr_timeout", None):
            values["ocr_timeout"] = float(config.ocr_timeout)
        return cls(**values)


def refuse_size(size: int, limits: ExtractLimits) -> None:
    if size > limits.max_bytes:
        raise ExtractionRefused(
            f"Berkas terlalu besar untuk dibaca ({size / 1048576:.1f} MB; batas "
            f"{limits.max_bytes / 1048576:g} MB). Kirim surat undangannya saja."
        )
    if size == 0:
        raise ExtractionRefused("Berkas kosong (0 byte).")
