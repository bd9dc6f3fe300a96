"""The letter's form fields: their names and the boxes they go in.

Shared by the three steps that handle them, each in the process that suits it:
:mod:`pipeline.pdf.anchors` measures the boxes on the rendered letter
(pdfplumber, in the drafting worker), :mod:`pipeline.pdf.prepare` creates the
fields there and :mod:`pipeline.pdf.fill` fills them (pyHanko, in the service).
Plain data, so that a measured :class:`LetterLayout` crosses from the worker to
the service as it is, and so that importing it loads neither library.
"""

from __future__ import annotations

from dataclasses import dataclass

NOMOR_FIELD = "Nomor"
TANGGAL_FIELD = "Tanggal"
QR_FIELD = "QR"
# The Lampiran's head repeats the letter's number and date (a letter with a Lampiran only).
LAMPIRAN_NOMOR_FIELD = "Nomor_Lampiran"
LAMPIRAN_TANGGAL_FIELD = "Tanggal_Lampiran"

# Text fields: the box reaches this far below the line's baseline (room for descenders)
# and this far above it; pipeline.pdf.fill puts its text's baseline TEXT_BASELINE up.
TEXT_BASELINE = 4.0
TEXT_ABOVE = 12.0


@dataclass(frozen=True)
class Box:
    """A rectangle on page ``page`` (0-based), PDF coordinates (y up)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 2), round(self.y0, 2), round(self.x1, 2), round(self.y1, 2))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class LetterLayout:
    """Every box the later steps need."""

    nomor: Box
    tanggal: Box
    signature: Box          # the signatory's signature
    paraf: tuple[Box, ...]  # the "Paraf" cells, top to bottom
    seal: Box
    qr: Box
    lampiran_nomor: Box | None = None    # "NOMOR :" at the head of the Lampiran
    lampiran_tanggal: Box | None = None  # "TANGGAL :" there


class PlacementError(ValueError):
    """An anchor the fields need is missing from the rendered letter (message in Indonesian:
    it usually follows from an edit of the draft, which the drafter can undo)."""
