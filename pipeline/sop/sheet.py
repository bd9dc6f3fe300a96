"""``spt sop --pdf FILE``: the SOP sheet of the configured chain, in the government's form.

Two A4 landscape pages, as SOP sheets of Indonesian regional government
(SOP Administrasi Pemerintahan, Permenpan RB 35/2012) are laid out:

1. the identity: the agency and unit beside the table of Nomor SOP,
   Tanggal Pembuatan / Revisi / Efektif, Disahkan oleh (with room for the
   signature) and Nama SOP; below it Dasar Hukum, Kualifikasi Pelaksana,
   Keterkaitan, Peralatan/Perlengkapan, Peringatan, Pencatatan dan Pendataan;
2. the flow: No | Aktivitas | one column per role (Pelaksana) | Mutu Baku
   (Kelengkapan, Waktu, Output) | Keterangan, each step's symbol in its
   performer's column: a rounded terminator for the start and the end, a
   rectangle for a process, a diamond for a decision with a "Ya" arrow
   forward and a "Tidak" arrow back to the previous performer.

Drawn with matplotlib (its PDF backend, TrueType fonts embedded so the text
is selectable and searchable), in millimetres from the top-left corner.
Text is measured and wrapped to its cell; when the chain is long the type
gets smaller until the table fits one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath

from pipeline.core.dates_id import format_date
from pipeline.sop.flow import SopError, SopSheet, derive

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from pipeline.config import Config

__all__ = ["SopError", "print_sop", "render_sop_pdf", "render_sop_png"]

PAGE_W, PAGE_H = 297.0, 210.0          # A4 landscape, mm
MARGIN = 10.0
MM_PER_PT = 25.4 / 72
LINE = 1.22                            # line height, in font sizes
INK = "#000000"
_FONTS = ("Arial", "Liberation Sans", "Helvetica", "DejaVu Sans")


# --- text: measuring and wrapping ------------------------------------------------------


@lru_cache(maxsize=1)
def _family() -> str:
    """The first of Arial and its metric twins that is installed (DejaVu ships with matplotlib)."""
    for family in _FONTS:
        try:
            findfont(FontProperties(family=family), fallback_to_default=False)
            return family
        except ValueError:
            continue
    return "DejaVu Sans"


@lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    return RendererAgg(10, 10, 72)      # at 72 dpi one pixel is one point


def _font(size: float, bold: bool = False, italic: bool = False) -> FontProperties:
    return FontProperties(family=_family(), size=size, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")


@lru_cache(maxsize=20000)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in mm."""
    width, _h, _d = _renderer().get_text_width_height_descent(text, _font(size, bold),
                                                               ismath=False)
    return width * MM_PER_PT


def line_height(size: float) -> float:
    return size * LINE * MM_PER_PT


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` mm; a word longer than the line is hyphenated."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while text_width(current, size, bold) > width and len(current) > 2:
                head, current = _hyphenate(current, width, size, bold)
                lines.append(head)
        lines.append(current)
    return lines


_VOWELS = set("aeiouAEIOU")
# Indonesian prefixes, with the letters that may follow each for the break to fall between
# prefix and root (Peng-administrasi, Ke-sejahteraan, Pem-bangunan; but Peme-rintahan).
_VOWEL = "aeiou"
_PREFIXES = (
    ("peng", _VOWEL + "kgh"), ("meng", _VOWEL + "kgh"), ("peny", _VOWEL), ("meny", _VOWEL),
    ("pem", "bpfv"), ("mem", "bpfv"), ("pen", "dtcjz"), ("men", "dtcjz"),
    ("per", "bcdfghjklmnpstvwyz"), ("ber", "bcdfghjklmnpstvwyz"),
    ("ter", "bcdfghjklmnpstvwyz"), ("ke", ""), ("se", ""), ("di", ""),
)


def _hyphenate(word: str, width: float, size: float, bold: bool) -> tuple[str, str]:
    """Split ``word`` so that ``head-`` fits: after a prefix, else between syllables (V-CV)."""
    fits = [i for i in range(2, len(word) - 1) if text_width(word[:i] + "-", size, bold) <= width]
    if not fits:
        return word[:1] + "-", word[1:]
    lower = word.lower()
    for prefix, after in _PREFIXES:
        i = len(prefix)
        if not lower.startswith(prefix) or i not in fits or len(word) - i < 4:
            continue
        # ke-/se-/di- only before consonant + vowel (Ke-pegawaian, not Se-kretaris).
        ok = (lower[i] in after if after
              else lower[i] not in _VOWEL and lower[i + 1] in _VOWEL)
        if ok:
            return word[:i] + "-", word[i:]
    for i in reversed(fits):
        if word[i] not in _VOWELS and word[i + 1] in _VOWELS and word[i - 1] in _VOWELS:
            return word[:i] + "-", word[i:]
    i = fits[-1]
    return word[:i] + "-", word[i:]


def fit_size(text: str, width: float, start: float, smallest: float, max_lines: int,
             bold: bool = False) -> float:
    """The largest size (steps of 0.25 pt) at which ``text`` wraps into ``max_lines`` unbroken."""
    size = start
    while size > smallest:
        lines = wrap(text, width, size, bold)
        if len(lines) <= max_lines and not any(line.endswith("-") for line in lines):
            return size
        size -= 0.25
    return smallest


# --- drawing in millimetres ------------------------------------------------------------


class _Page:
    """One A4 landscape page; coordinates in mm, origin at the top-left corner."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=(PAGE_W / 25.4, PAGE_H / 25.4))
        self.fig.set_facecolor("white")
        ax: Axes = self.fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, PAGE_W)
        ax.set_ylim(PAGE_H, 0)
        ax.axis("off")
        self.ax = ax

    def rect(self, x: float, y: float, w: float, h: float, lw: float = 0.5,
             fill: str | None = None) -> None:
        self.ax.add_patch(Rectangle((x, y), w, h, lw=lw, edgecolor=INK,
                                    facecolor=fill or "none", zorder=1))

    def hline(self, x0: float, x1: float, y: float, lw: float = 0.5) -> None:
        self.ax.plot([x0, x1], [y, y], color=INK, lw=lw, zorder=1, solid_capstyle="butt")

    def vline(self, x: float, y0: float, y1: float, lw: float = 0.5) -> None:
        self.ax.plot([x, x], [y0, y1], color=INK, lw=lw, zorder=1, solid_capstyle="butt")

    def lines(self, lines: list[str], x: float, y: float, size: float, *, bold: bool = False,
              italic: bool = False, ha: str = "left", underline_last: bool = False) -> float:
        """Draw ``lines`` with the first line's top at ``y``; return the height used."""
        lh = line_height(size)
        ascent = size * 0.80 * MM_PER_PT
        for i, text in enumerate(lines):
            base = y + ascent + i * lh + (lh - size * MM_PER_PT) / 2
            self.ax.text(x, base, text, fontproperties=_font(size, bold, italic), ha=ha,
                         va="baseline", color=INK, zorder=5)
            if underline_last and i == len(lines) - 1 and text:
                width = text_width(text, size, bold)
                left = x - (width / 2 if ha == "center" else width if ha == "right" else 0)
                self.hline(left, left + width, base + 0.5, lw=0.5)
        return lh * len(lines)

    def cell(self, text: str, x: float, y: float, w: float, h: float, size: float, *,
             bold: bool = False, align: str = "left", valign: str = "middle",
             pad: float = 1.2) -> None:
        """Text wrapped inside the cell ``x, y, w, h``."""
        lines = wrap(text, w - 2 * pad, size, bold) if text else []
        height = line_height(size) * len(lines)
        top = y + pad if valign == "top" else y + (h - height) / 2
        anchor = {"left": x + pad, "center": x + w / 2, "right": x + w - pad}[align]
        self.lines(lines, anchor, top, size, bold=bold, ha=align)

    def arrow(self, points: list[tuple[float, float]], lw: float = 0.6) -> None:
        codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1)
        self.ax.add_patch(FancyArrowPatch(
            path=MplPath(points, codes), arrowstyle="-|>,head_length=0.5,head_width=0.22",
            mutation_scale=9, lw=lw, color=INK, zorder=3, joinstyle="miter",
        ))


def _tanggal(day: dt.date | None) -> str:
    return format_date(day) if day else "-"


# --- page 1: the identity --------------------------------------------------------------


def _identity_page(config: Config, sheet: SopSheet, pages: int) -> Figure:
    sop = sheet.settings
    agency = config.agency
    page = _Page()
    x0, x1 = MARGIN, PAGE_W - MARGIN
    top = MARGIN + 2
    left_w = 118.0
    label_w = 42.0
    xl, xv = x0 + left_w, x0 + left_w + label_w
    value_w = x1 - xv
    size = 10.0
    row_h = 9.5

    approve_lines = wrap(sop.disahkan_jabatan.upper(), value_w - 4, size, True)
    sign_space = 18.0
    name = sop.disahkan_nama or "(" + "." * 40 + ")"
    approve_h = 2 + line_height(size) * (len(approve_lines) + 2) + sign_space + 2
    name_lines = wrap(sop.nama.upper(), value_w - 4, 12.0, True)
    name_h = max(row_h + 4, line_height(12.0) * len(name_lines) + 6)
    rows = [("Nomor SOP", row_h), ("Tanggal Pembuatan", row_h), ("Tanggal Revisi", row_h),
            ("Tanggal Efektif", row_h), ("Disahkan oleh", approve_h), ("Nama SOP", name_h)]
    block_h = sum(h for _label, h in rows)

    # Left: emblem, government, agency, unit.
    page.rect(x0, top, x1 - x0, block_h, lw=0.9)
    page.vline(xl, top, top + block_h, lw=0.9)
    page.vline(xv, top, top + block_h)
    head: list[tuple[list[str], float]] = []
    for text, tsize in ((agency.government, 12.5), (agency.name, 12.5),
                        *((u, 11.0) for u in sop.unit)):
        head.append((wrap(text.upper(), left_w - 10, tsize, True), tsize))
    logo_h = 24.0 if agency.logo and Path(agency.logo).is_file() else 0.0
    text_h = sum(line_height(s) * len(lines) for lines, s in head) + 1.5 * (len(head) - 1)
    y = top + (block_h - text_h - (logo_h + 4 if logo_h else 0)) / 2
    if logo_h:
        _draw_logo(page, Path(agency.logo), x0 + left_w / 2, y, logo_h)  # type: ignore[arg-type]
        y += logo_h + 4
    for lines, tsize in head:
        y += page.lines(lines, x0 + left_w / 2, y, tsize, bold=True, ha="center") + 1.5

    # Right: the identity table.
    values = {
        "Nomor SOP": sop.nomor, "Tanggal Pembuatan": _tanggal(sop.tanggal_pembuatan),
        "Tanggal Revisi": _tanggal(sop.tanggal_revisi),
        "Tanggal Efektif": _tanggal(sop.tanggal_efektif),
    }
    y = top
    for label, h in rows:
        if y > top:
            page.hline(xl, x1, y)
        page.cell(label, xl, y, label_w, h, size, bold=True)
        if label in values:
            page.cell(values[label], xv, y, value_w, h, size)
        elif label == "Disahkan oleh":
            yy = y + 2
            yy += page.lines(approve_lines, xv + value_w / 2, yy, size, bold=True, ha="center")
            yy += sign_space
            yy += page.lines([name], xv + value_w / 2, yy, size, bold=True, ha="center",
                             underline_last=bool(sop.disahkan_nama))
            nip = f"NIP. {sop.disahkan_nip}" if sop.disahkan_nip else "NIP."
            page.lines([nip], xv + value_w / 2, yy, size, ha="center")
        else:
            page.lines(name_lines, xv + value_w / 2, y + (h - line_height(12.0) *
                       len(name_lines)) / 2, 12.0, bold=True, ha="center")
        y += h

    # Below: the six fields, two per row.
    pairs = [(("Dasar Hukum", sop.dasar_hukum), ("Kualifikasi Pelaksana",
                                                  sop.kualifikasi_pelaksana)),
             (("Keterkaitan", sop.keterkaitan), ("Peralatan/Perlengkapan", sop.peralatan)),
             (("Peringatan", sop.peringatan), ("Pencatatan dan Pendataan", sop.pencatatan))]
    half = (x1 - x0) / 2
    y = top + block_h
    body = 10.0
    all_blocks = [[_list_block(title, items, half - 6, body) for title, items in pair]
                  for pair in pairs]
    needed = [max(b[2] for b in blocks) + 5 for blocks in all_blocks]
    # The three rows share the rest of the page, each at least as tall as its text.
    spare = max(0.0, PAGE_H - MARGIN - 6 - y - sum(needed))
    for blocks, need in zip(all_blocks, needed, strict=True):
        h = need + spare / len(needed)
        page.rect(x0, y, x1 - x0, h, lw=0.9)
        page.vline(x0 + half, y, y + h)
        for col, (title_lines, items, _height) in enumerate(blocks):
            bx = x0 + col * half + 3
            yy = y + 2.5
            yy += page.lines(title_lines, bx, yy, 10.0, bold=True) + 1.0
            for number, lines in items:
                if number:
                    page.lines([number], bx, yy, body)
                yy += page.lines(lines, bx + (6.0 if number else 0), yy, body) + 0.8
        y += h
    _footer(page, 1, pages, sop.nomor)
    return page.fig


def _list_block(title: str, items: list[str], width: float, size: float
                ) -> tuple[list[str], list[tuple[str, list[str]]], float]:
    title_lines = [f"{title}:"]
    if not items:
        out = [("", ["-"])]
    elif len(items) == 1:
        out = [("", wrap(items[0], width, size))]
    else:
        out = [(f"{i}.", wrap(item, width - 6, size)) for i, item in enumerate(items, 1)]
    height = line_height(10.0) + 1.0 + sum(line_height(size) * len(lines) + 0.8 for _n, lines
                                           in out)
    return title_lines, out, height


def _draw_logo(page: _Page, path: Path, cx: float, y: float, h: float) -> None:
    import matplotlib.image as mpimg

    try:
        image = mpimg.imread(str(path))
    except (OSError, ValueError, SyntaxError):
        return
    ratio = image.shape[1] / image.shape[0]
    w = h * ratio
    page.ax.imshow(image, extent=(cx - w / 2, cx + w / 2, y + h, y), zorder=2,
                   interpolation="antialiased")
    page.ax.set_xlim(0, PAGE_W)
    page.ax.set_ylim(PAGE_H, 0)


def _footer(page: _Page, number: int, pages: int, nomor: str) -> None:
    y = PAGE_H - MARGIN + 2.5
    page.lines([f"SOP Nomor {nomor}"], MARGIN, y, 7.0)
    page.lines([f"Halaman {number} dari {pages}"], PAGE_W - MARGIN, y, 7.0, ha="right")


# --- page 2: the flow ------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    no: float
    activity: float
    role: float
    kelengkapan: float
    waktu: float
    output: float
    keterangan: float
    n_roles: int

    @property
    def x_roles(self) -> float:
        return MARGIN + self.no + self.activity

    @property
    def x_mutu(self) -> float:
        return self.x_roles + self.role * self.n_roles

    def role_x(self, index: int) -> float:
        return self.x_roles + self.role * index

    def role_cx(self, index: int) -> float:
        return self.role_x(index) + self.role / 2


def _columns(n_roles: int) -> _Columns:
    total = PAGE_W - 2 * MARGIN
    no, activity, kel, waktu, output, ket = 7.0, 56.0, 25.0, 13.5, 23.0, 21.0
    room = total - (no + activity + kel + waktu + output + ket)
    role = room / n_roles
    if role < 13.0:               # a long chain: take room from the text columns
        need = 13.0 * n_roles - room
        activity -= need * 0.5
        kel -= need * 0.2
        output -= need * 0.2
        ket -= need * 0.1
        role = 13.0
    elif role > 26.0:             # a short chain: give the text columns room instead
        extra = (role - 26.0) * n_roles
        role = 26.0
        activity += extra * 0.5
        kel += extra * 0.15
        output += extra * 0.15
        ket += extra * 0.2
    return _Columns(no, activity, role, kel, waktu, output, ket, n_roles)


@dataclass(frozen=True)
class _Layout:
    size: float
    header1: float
    header2: float
    heights: list[float]
    role_size: float


def _text_height(text: str, width: float, size: float, pad: float = 1.2) -> float:
    return line_height(size) * len(wrap(text, width - 2 * pad, size)) + 2 * pad if text else 0


def _layout(sheet: SopSheet, cols: _Columns, available: float) -> _Layout:
    role_size = min(fit_size(r.label, cols.role - 2.4, 6.5, 5.75, 5) for r in sheet.roles)
    header2 = max(len(wrap(r.label, cols.role - 2.4, role_size)) for r in sheet.roles)
    header2 = max(header2 * line_height(role_size) + 3, 9.0)
    header1 = 6.0
    size = 7.0
    while True:
        heights = []
        for step in sheet.steps:
            texts = ((step.activity, cols.activity), (step.kelengkapan, cols.kelengkapan),
                     (step.waktu, cols.waktu), (step.output, cols.output),
                     (step.keterangan, cols.keterangan))
            heights.append(max(12.0, *(_text_height(t, w, size) for t, w in texts)))
        if sum(heights) + header1 + header2 <= available or size <= 5.0:
            break
        size -= 0.25
    total = sum(heights) + header1 + header2
    if total > available:
        raise SopError(
            f"rantai {len(sheet.roles)} pelaksana dan {len(sheet.steps)} langkah tidak muat "
            "pada satu halaman A4; persingkat teks [sop.steps] atau kurangi tahap"
        )
    # Fill the page: spare height goes to every row alike, up to a comfortable row.
    spare = available - total
    grow = min(spare / len(heights), max(0.0, 22.0 - min(heights)))
    heights = [h + grow for h in heights]
    return _Layout(size, header1, header2, heights, role_size)


def _flow_page(config: Config, sheet: SopSheet, number: int, pages: int) -> Figure:
    sop = sheet.settings
    page = _Page()
    cols = _columns(len(sheet.roles))
    x0, x1 = MARGIN, PAGE_W - MARGIN
    title_y = MARGIN
    page.lines([f"Nama SOP: {sop.nama}"], x0, title_y, 9.0, bold=True)
    page.lines([f"Nomor SOP: {sop.nomor}"], x1, title_y, 9.0, bold=True, ha="right")
    top = title_y + 6.5
    available = PAGE_H - MARGIN - 4 - top
    lay = _layout(sheet, cols, available)
    size = lay.size

    # Header.
    hy, h1, h2 = top, lay.header1, lay.header2
    xr, xm = cols.x_roles, cols.x_mutu
    xk = xm + cols.kelengkapan + cols.waktu + cols.output
    page.cell("No", x0, hy, cols.no, h1 + h2, 7.0, bold=True, align="center")
    page.cell("Aktivitas", x0 + cols.no, hy, cols.activity, h1 + h2, 7.0, bold=True,
              align="center")
    page.cell("Pelaksana", xr, hy, xm - xr, h1, 7.0, bold=True, align="center")
    page.cell("Mutu Baku", xm, hy, xk - xm, h1, 7.0, bold=True, align="center")
    page.cell("Keterangan", xk, hy, cols.keterangan, h1 + h2, 7.0, bold=True, align="center")
    for i, role in enumerate(sheet.roles):
        page.cell(role.label, cols.role_x(i), hy + h1, cols.role, h2, lay.role_size,
                  align="center")
    xx = xm
    for label, w in (("Kelengkapan", cols.kelengkapan), ("Waktu", cols.waktu),
                     ("Output", cols.output)):
        page.cell(label, xx, hy + h1, w, h2, 7.0, bold=True, align="center")
        xx += w
    page.rect(x0, hy, x1 - x0, h1 + h2, lw=0.9, fill="#e8e8e8")
    page.hline(xr, xk, hy + h1)
    for x in (x0 + cols.no, xr, xm, xk):
        page.vline(x, hy, hy + h1 + h2)
    for i in range(1, len(sheet.roles)):
        page.vline(cols.role_x(i), hy + h1, hy + h1 + h2)
    for x in (xm + cols.kelengkapan, xm + cols.kelengkapan + cols.waktu):
        page.vline(x, hy + h1, hy + h1 + h2)

    # Rows.
    body_top = hy + h1 + h2
    ys = [body_top]
    for h in lay.heights:
        ys.append(ys[-1] + h)
    body_bottom = ys[-1]
    for i, step in enumerate(sheet.steps):
        y, h = ys[i], lay.heights[i]
        page.cell(str(step.number), x0, y, cols.no, h, size, align="center")
        page.cell(step.activity, x0 + cols.no, y, cols.activity, h, size)
        xx = xm
        for text, w, align in ((step.kelengkapan, cols.kelengkapan, "left"),
                               (step.waktu or "-", cols.waktu, "center"),
                               (step.output, cols.output, "left")):
            page.cell(text, xx, y, w, h, size, align=align)
            xx += w
        page.cell(step.keterangan or "", xk, y, cols.keterangan, h, size)
        if i:
            page.hline(x0, x1, y, lw=0.4)
    page.rect(x0, body_top, x1 - x0, body_bottom - body_top, lw=0.9)
    for x in (x0 + cols.no, xr, xm, xk, xm + cols.kelengkapan,
              xm + cols.kelengkapan + cols.waktu):
        page.vline(x, body_top, body_bottom, lw=0.5)
    for i in range(1, len(sheet.roles)):
        page.vline(cols.role_x(i), body_top, body_bottom, lw=0.3)

    _draw_flow(page, sheet, cols, ys, lay.heights)
    _footer(page, number, pages, sop.nomor)
    return page.fig


@dataclass(frozen=True)
class _Symbol:
    cx: float
    cy: float
    w: float
    h: float
    row_bottom: float

    def side(self, direction: int) -> tuple[float, float]:
        return (self.cx + direction * self.w / 2, self.cy)

    @property
    def top(self) -> tuple[float, float]:
        return (self.cx, self.cy - self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.cx, self.cy + self.h / 2)


def _draw_flow(page: _Page, sheet: SopSheet, cols: _Columns, ys: list[float],
               heights: list[float]) -> None:
    column = {r.key: i for i, r in enumerate(sheet.roles)}
    low = min(heights)
    box_w = min(cols.role * 0.74, 17.0)
    box_h = min(5.6, low * 0.38)
    dia_w = min(cols.role * 0.84, 19.0)
    dia_h = min(9.0, low * 0.62)
    symbols: list[_Symbol] = []
    for i, step in enumerate(sheet.steps):
        cx = cols.role_cx(column[step.performer])
        cy = ys[i] + heights[i] / 2
        decision = step.kind == "decision"
        w, h = (dia_w, dia_h) if decision else (box_w, box_h)
        symbols.append(_Symbol(cx, cy, w, h, ys[i + 1]))
        if decision:
            page.ax.add_patch(Polygon([(cx, cy - h / 2), (cx + w / 2, cy), (cx, cy + h / 2),
                                       (cx - w / 2, cy)], closed=True, lw=0.7, edgecolor=INK,
                                      facecolor="white", zorder=4))
        elif step.kind in ("start", "end"):
            page.ax.add_patch(FancyBboxPatch(
                (cx - w / 2, cy - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={h / 2}",
                lw=0.7, edgecolor=INK, facecolor="white", zorder=4, mutation_aspect=1))
        else:
            page.ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, lw=0.7, edgecolor=INK,
                                        facecolor="white", zorder=4))

    label = 5.5
    for i, step in enumerate(sheet.steps):
        here = symbols[i]
        back = None
        if step.no_to is not None:
            there = symbols[step.no_to]
            back = -1 if there.cx < here.cx else 1
            start = here.side(back)
            page.arrow([start, (there.cx, here.cy), there.bottom])
            page.lines(["Tidak"], start[0] + back * 1.0, here.cy - 3.1, label, italic=True,
                       ha="left" if back > 0 else "right")
        if step.yes_to is None:
            continue
        there = symbols[step.yes_to]
        ya = step.kind == "decision"
        if abs(there.cx - here.cx) < 0.01:
            page.arrow([here.bottom, there.top])
            if ya:
                page.lines(["Ya"], here.cx + 1.0, here.bottom[1] + 0.2, label, italic=True)
            continue
        direction = 1 if there.cx > here.cx else -1
        if back == direction:
            # Both ways leave on the same side: "Ya" goes out of the bottom instead.
            lane = (here.bottom[1] + here.row_bottom) / 2
            page.arrow([here.bottom, (here.cx, lane), (there.cx, lane), there.top])
            if ya:
                page.lines(["Ya"], here.cx + 1.0, here.bottom[1] - 0.2, label, italic=True)
        else:
            start = here.side(direction)
            page.arrow([start, (there.cx, here.cy), there.top])
            if ya:
                page.lines(["Ya"], start[0] + direction * 1.0, here.cy - 3.1, label,
                           italic=True, ha="left" if direction > 0 else "right")


# --- entry points ----------------------------------------------------------------------


def _figures(config: Config, delegations: Sequence = ()) -> Iterator[Figure]:
    sheet = derive(config, delegations)
    pages = 2
    yield _identity_page(config, sheet, pages)
    yield _flow_page(config, sheet, 2, pages)


def render_sop_pdf(config: Config, out: Path, delegations: Sequence = ()) -> Path:
    """Write the SOP sheet of ``config``'s chain to ``out`` (PDF, two A4 landscape pages);
    ``delegations``: Plh./Plt. in force or to come, shown on their steps."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sop = derive(config).settings
    figures = list(_figures(config, delegations))
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none"}), PdfPages(
        out, metadata={
            "Title": f"SOP {sop.nama}", "Subject": f"Nomor SOP {sop.nomor}",
            "Author": config.agency.name, "Creator": "spt sop", "Keywords": "SOP, SPT",
        },
    ) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return out


def render_sop_png(config: Config, out: Path, dpi: int = 110, delegations: Sequence = ()
                   ) -> Path:
    """Write the sheet as one PNG: its pages one below the other, on a grey gap."""
    import numpy as np

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    images = []
    for fig in _figures(config, delegations):
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba())[..., :3])
    gap = np.full((int(dpi * 0.25), images[0].shape[1], 3), 170, dtype=np.uint8)
    stacked = [images[0]]
    for image in images[1:]:
        stacked += [gap, image]
    import matplotlib.image as mpimg

    mpimg.imsave(str(out), np.vstack(stacked))
    return out


def print_sop(config: Config, echo: Any = None, delegations: Sequence = ()) -> None:
    """The SOP's steps as text in the terminal (what ``--pdf`` draws)."""
    import click

    out = echo or click.echo
    sheet = derive(config, delegations)
    labels = {r.key: r.label for r in sheet.roles}
    sop = sheet.settings
    kinds = {"start": "mulai", "end": "selesai", "process": "proses", "decision": "keputusan"}
    out(f"SOP {sop.nama} — Nomor {sop.nomor}")
    out("Pelaksana: " + " | ".join(r.label for r in sheet.roles))
    for step in sheet.steps:
        out("")
        out(f"{step.number:>2}. {labels[step.performer]} ({kinds[step.kind]}): {step.activity}")
        out(f"    Kelengkapan: {step.kelengkapan}; Waktu: {step.waktu or '-'}; "
            f"Output: {step.output}")
        if "Plh.: " in step.keterangan or "Plt.: " in step.keterangan:  # a deputy holds it
            out(f"    Keterangan: {step.keterangan}")
        if step.no_to is not None:
            back = sheet.steps[step.no_to]
            out(f"    Tidak → {back.number}. {labels[back.performer]}")
        if step.yes_to is not None:
            nxt = sheet.steps[step.yes_to]
            out(f"    {'Ya' if step.kind == 'decision' else 'Lalu'} → {nxt.number}. "
                f"{labels[nxt.performer]}")
