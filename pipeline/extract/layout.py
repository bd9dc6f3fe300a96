"""The text of a letter as lines with positions: what every reader produces, what fields parse.

A PDF text layer and an OCR'd scan both give positioned words; they are
grouped here into lines the same way, so the field rules see one shape of
input whatever the carrier. A DOCX gives paragraphs and table rows without
positions (``Document.geometric`` is then false).

Where a line has a wide gap with text beginning right of the page's middle,
it is split into two *columns*: the right part (``Pontianak, 5 September 2026``
beside ``Nomor : …``, or the ``Kepada Yth.`` block beside ``Hal : …``) is a
line of its own, so that a value never swallows its neighbour.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Word:
    text: str
    x0: float | None = None
    x1: float | None = None
    conf: float | None = None  # OCR confidence 0-100; None for a text layer


@dataclass(frozen=True)
class Line:
    """One line of text (or one column of it) in reading order."""

    number: int  # 1-based, in reading order: used in explanations
    page: int  # 0-based
    words: tuple[Word, ...]
    top: float = 0.0
    bottom: float = 0.0
    column: int = 0  # 0 = main flow, 1 = a right-hand column
    size: float | None = None  # font size (text layer only)
    bold: bool = False
    align: str | None = None  # "center" / "right" when known (DOCX)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float | None:
        return self.words[0].x0 if self.words else None

    @property
    def x1(self) -> float | None:
        return self.words[-1].x1 if self.words else None

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    def min_conf(self, start: int = 0) -> float | None:
        confs = [w.conf for w in self.words[start:] if w.conf is not None]
        return min(confs) if confs else None


@dataclass(frozen=True)
class Document:
    lines: tuple[Line, ...]
    source: str  # "text layer" | "ocr" | "docx" | "email body"
    geometric: bool  # lines carry positions
    page_widths: tuple[float, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def width(self, page: int) -> float:
        return self.page_widths[page] if page < len(self.page_widths) else 595.0


@dataclass(frozen=True)
class PlacedWord:
    """A word as a reader finds it: text and box in points, page-relative, top-down."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float | None = None
    bold: bool = False
    conf: float | None = None
    group: tuple[int, ...] | None = None  # OCR's own line id (block, paragraph, line)


def deskew(words: Sequence[PlacedWord]) -> list[PlacedWord]:
    """Words rotated so that text lines run horizontally.

    The slope is measured on OCR's own lines (words sharing ``group``): the
    median over lines of at least four words. A scan skewed by 1-2° drifts by
    a whole line height across the page, which would otherwise split or merge
    lines.
    """
    groups: dict[tuple[int, ...], list[PlacedWord]] = {}
    for w in words:
        if w.group is not None:
            groups.setdefault(w.group, []).append(w)
    slopes = []
    for members in groups.values():
        if len(members) < 4:
            continue
        xs = [(w.x0 + w.x1) / 2 for w in members]
        ys = [w.bottom for w in members]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        var = sum((x - mx) ** 2 for x in xs)
        if var < 100.0**2:
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var)
    if len(slopes) < 3:
        return list(words)
    angle = math.atan(statistics.median(slopes))
    if abs(angle) < math.radians(0.05):
        return list(words)
    cos, sin = math.cos(angle), math.sin(angle)

    def turn(x: float, y: float) -> tuple[float, float]:
        return x * cos + y * sin, -x * sin + y * cos

    out = []
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        nx, ny = turn(cx, cy)
        half_w, half_h = (w.x1 - w.x0) / 2, (w.bottom - w.top) / 2
        out.append(replace(w, x0=nx - half_w, x1=nx + half_w, top=ny - half_h, bottom=ny + half_h))
    return out


def _rows(words: Iterable[PlacedWord]) -> list[list[PlacedWord]]:
    """Words grouped into rows by vertical overlap, each row sorted left to right."""
    rows: list[list[PlacedWord]] = []
    bands: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        centre = (w.top + w.bottom) / 2
        if rows:
            top, bottom = bands[-1]
            if top <= centre <= bottom:
                rows[-1].append(w)
                continue
        rows.append([w])
        bands.append((w.top, w.bottom))
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def _split_column(row: list[PlacedWord], page_width: float) -> int | None:
    """Index where a right-hand column starts in ``row``, or None."""
    heights = [w.bottom - w.top for w in row]
    height = statistics.median(heights) if heights else 10.0
    best, best_gap = None, max(24.0, 2.2 * height)
    for i in range(1, len(row)):
        gap = row[i].x0 - row[i - 1].x1
        if gap > best_gap and row[i].x0 > 0.45 * page_width:
            best, best_gap = i, gap
    return best


def _column_edges(rows: list[list[PlacedWord]], width: float) -> list[float]:
    """Left edges shared by at least two right-hand segments: a right column's alignment."""
    starts = []
    for row in rows:
        cut = _split_column(row, width)
        if cut is not None:
            starts.append(row[cut].x0)
        elif row[0].x0 > 0.45 * width and (row[0].x0 + row[-1].x1) / 2 > 0.6 * width:
            starts.append(row[0].x0)
    edges: list[float] = []
    for x in sorted(starts):
        if sum(abs(x - other) <= 2.5 for other in starts) >= 2 and not any(
            abs(x - e) <= 2.5 for e in edges
        ):
            edges.append(x)
    return edges


def _parts(
    row: list[PlacedWord], width: float, edges: list[float]
) -> list[tuple[list[PlacedWord], int]]:
    cut = _split_column(row, width)
    if cut is None and len(row) > 1:
        # A narrower gap still separates columns where it falls on a right column's edge
        # (a wrapped subject running close to the "Kepada Yth." block beside it), as long as
        # it is clearly wider than the row's spaces between words (justified prose is even).
        gaps = sorted(row[i].x0 - row[i - 1].x1 for i in range(1, len(row)))
        usual = gaps[len(gaps) // 2]
        for i in range(1, len(row)):
            gap = row[i].x0 - row[i - 1].x1
            if (
                gap >= max(8.0, 2.5 * usual)
                and row[i].x0 > 0.45 * width
                and any(abs(row[i].x0 - edge) <= 2.5 for edge in edges)
            ):
                cut = i
                break
    if cut is not None:
        return [(row[:cut], 0), (row[cut:], 1)]
    on_edge = any(abs(row[0].x0 - edge) <= 2.5 for edge in edges)
    if row[0].x0 > 0.45 * width and (on_edge or (row[0].x0 + row[-1].x1) / 2 > 0.6 * width):
        return [(row, 1)]  # right-hand on its own: date line, Kepada block, signature
    return [(row, 0)]


def build_lines(pages: Sequence[Sequence[PlacedWord]], page_widths: Sequence[float]) -> list[Line]:
    """Numbered lines, in reading order, from each page's positioned words."""
    lines: list[Line] = []
    for page_no, words in enumerate(pages):
        width = page_widths[page_no] if page_no < len(page_widths) else 595.0
        rows = _rows(words)
        edges = _column_edges(rows, width)
        for row in rows:
            for part, column in _parts(row, width, edges):
                sizes = [w.size for w in part if w.size]
                lines.append(
                    Line(
                        number=len(lines) + 1,
                        page=page_no,
                        words=tuple(Word(w.text, w.x0, w.x1, w.conf) for w in part),
                        top=min(w.top for w in part),
                        bottom=max(w.bottom for w in part),
                        column=column,
                        size=statistics.median(sizes) if sizes else None,
                        bold=sum(w.bold for w in part) * 2 > len(part),
                    )
                )
    return lines


def plain_lines(
    paragraphs: Iterable[tuple[str, str | None, int]], start_page: int = 0
) -> list[Line]:
    """Lines without positions from ``(text, align, column)`` paragraphs (DOCX, email body)."""
    lines: list[Line] = []
    for text, align, column in paragraphs:
        tokens = text.split()
        if not tokens:
            continue
        n = len(lines)
        lines.append(
            Line(
                number=n + 1,
                page=start_page,
                words=tuple(Word(t) for t in tokens),
                top=float(n),
                bottom=float(n) + 0.8,
                column=column,
                align=align,
            )
        )
    return lines
