#!/usr/bin/env python3
"""Generate the test corpus of invitation letters in ``tests/data/invitations/own/``.

Each letter is written as a DOCX with python-docx and converted to PDF by
LibreOffice (realistic fonts and layout, no PDF library needed); some are then
rasterised with poppler and degraded with Pillow (grain, specks, skew, JPEG)
into image-only PDFs, the way a scanner or a phone delivers them; two stay
DOCX; two travel as the PDF attachment of an email. Two files are not
invitations at all (a photo, a monitoring report). Next to every file goes
``<name>.json`` with the true fields (``null`` where the letter does not
state one).

The letters vary what real invitations vary: letterheads (ministry, province
and city agencies, university, Bank Indonesia, state companies), number
shapes, label spellings, the letter date as a label, at the top right, on the
number line or above the signature, event details in a table or in a
sentence, ranges across months and years, WIB/WITA/WIT, subjects and places
that wrap.

    python scripts/make_invitations.py [OUT_DIR]

The letters themselves are data: ``invitation_letters.json`` beside this
script, one object a letter (the fields of :class:`Letter`, defaults left
out), grouped in the batches they joined the corpus in. This file is the
writer: letterheads, layouts, scans and mails.

Deterministic: the same specs and seeds give the same letters and truths.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFilter

from pipeline.extract.fields import FIELD_KEYS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "invitations" / "own"

WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
RECIPIENT = [
    "Yth. Kepala Dinas Koperasi, Usaha Kecil dan Menengah",
    "Provinsi Kalimantan Barat",
    "di -",
    "Pontianak",
]
CLOSING = (
    "Mengingat pentingnya kegiatan tersebut, kami mengharapkan kehadiran Bapak/Ibu tepat pada "
    "waktunya. Atas perhatian dan kerja sama Bapak/Ibu, kami ucapkan terima kasih."
)


@dataclass
class Event:
    acara: str
    dates: str  # as written in the letter
    start: str  # ISO truth
    end: str
    time: str | None  # as written
    tempat: str


@dataclass
class Scan:
    dpi: int
    angle: float
    grain: float  # 0..1 blend of Gaussian noise
    specks: float  # share of pixels turned into specks
    blur: float = 0.0
    quality: int = 60
    seed: int = 1


@dataclass
class Letter:
    name: str
    kop: list[str]
    address: str
    pengirim: str
    nomor: str
    hal: str
    city: str
    tanggal: str  # ISO
    event: Event
    signer: tuple[str, str]
    nomor_label: str = "Nomor"
    hal_label: str = "Hal"
    sifat: str | None = "Biasa"
    lampiran: str | None = "-"
    date_style: str = "top"  # top | label | nomor_line | bottom | number_line
    header: str = "tabs"  # tabs | table | twocol
    body: str = "prose_rangka"  # prose_rangka | prose_menghadiri | prose_akan | prose_di
    # | table | table_numbered | table_split_day
    labels: dict[str, str] = field(default_factory=dict)  # event-table label spellings
    font: str = "Liberation Serif"
    size: float = 11.5
    carrier: str = "pdf"  # pdf | scan | docx | eml | docx_header
    scan: Scan | None = None
    email: dict[str, str] | None = None
    extra_truth: dict[str, str | None] = field(default_factory=dict)
    zero_pad: bool = False  # "05 Oktober 2026"
    reference: str | None = None  # another letter cited in the body (its number and date)

    def truth(self) -> dict[str, str | None]:
        ev = self.event
        truth = {
            "nomor": self.nomor,
            "tanggal": self.tanggal,
            "hal": self.hal,
            "pengirim": self.pengirim,
            "acara": ev.acara,
            "tanggal_mulai": ev.start,
            "tanggal_selesai": ev.end,
            "waktu": ev.time,
            "tempat": ev.tempat,
        }
        truth.update(self.extra_truth)
        return truth


MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def indo(iso: str, zero_pad: bool = False) -> str:
    d = dt.date.fromisoformat(iso)
    return (
        f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"
        if zero_pad
        else f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    )


LETTERS_FILE = Path(__file__).with_name("invitation_letters.json")


def load_letters(path: Path = LETTERS_FILE) -> list[Letter]:
    """The letters of ``path``, batch after batch, in the order written there."""
    data = json.loads(path.read_text(encoding="utf-8"))
    letters = []
    for batch in data["batches"].values():
        for spec in batch:
            spec = dict(spec)
            spec["event"] = Event(**spec["event"])
            spec["signer"] = tuple(spec["signer"])
            if "scan" in spec:
                spec["scan"] = Scan(**spec["scan"])
            letters.append(Letter(**spec))
    return letters


LETTERS: list[Letter] = load_letters()


# --- DOCX writing ------------------------------------------------------------------------------


def _border_bottom(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thick"), ("sz", "18"), ("space", "4"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _para(
    container,
    text="",
    *,
    align=None,
    bold=False,
    size=None,
    after=0.0,
    left=None,
    first=None,
    tabs=(),
    keep=False,
):
    p = container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    if align:
        p.alignment = align
    if left is not None:
        fmt.left_indent = left
    if first is not None:
        fmt.first_line_indent = first
    for position, alignment in tabs:
        fmt.tab_stops.add_tab_stop(position, alignment)
    if keep:
        fmt.keep_with_next = True
    return p


def _kop(container, letter: Letter) -> None:
    for i, line in enumerate(letter.kop):
        size = 14 if i == len(letter.kop) - 1 and len(letter.kop) > 1 else 13
        _para(container, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size)
    p = _para(container, letter.address, align=WD_ALIGN_PARAGRAPH.CENTER, size=9, after=10)
    _border_bottom(p)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _widths(table, widths) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width


def _label_rows(letter: Letter) -> list[tuple[str, str]]:
    rows = [(letter.nomor_label, letter.nomor)]
    if letter.sifat:
        rows.append(("Sifat", letter.sifat))
    if letter.lampiran:
        rows.append(("Lampiran", letter.lampiran))
    rows.append((letter.hal_label, letter.hal))
    if letter.date_style == "label":
        rows.append(("Tanggal", indo(letter.tanggal, letter.zero_pad)))
    return rows


TEXT_WIDTH = Cm(16.5)


def _header(doc, letter: Letter) -> None:
    date_line = f"{letter.city}, {indo(letter.tanggal, letter.zero_pad)}"
    if letter.date_style == "top":
        _para(doc, date_line, align=WD_ALIGN_PARAGRAPH.RIGHT, after=6)
    if letter.date_style == "number_line":
        _para(
            doc,
            f"{letter.nomor}\t{date_line}",
            tabs=[(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)],
            after=2,
        )
    rows = _label_rows(letter)
    if letter.date_style == "number_line":
        rows = rows[1:]
    if letter.header == "table":
        table = doc.add_table(rows=len(rows), cols=3)
        _no_borders(table)
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
        _widths(table, [Cm(2.6), Cm(0.5), Cm(13.4)])
        _para(doc, "", after=4)
    elif letter.header == "twocol":
        table = doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, [Cm(9.5), Cm(7.0)])
        left, right = table.rows[0].cells
        left.paragraphs[0].text = ""
        for i, (label, value) in enumerate(rows):
            p = left.paragraphs[0] if i == 0 else left.add_paragraph()
            p.add_run(f"{label}\t:\t{value}")
            fmt = p.paragraph_format
            fmt.left_indent, fmt.first_line_indent = Cm(2.5), Cm(-2.5)
            fmt.tab_stops.add_tab_stop(Cm(2.1))
            fmt.tab_stops.add_tab_stop(Cm(2.5))
            fmt.space_after = Pt(0)
        right.paragraphs[0].text = date_line if letter.date_style == "nomor_line" else ""
        right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        right.add_paragraph("")
        for line in ["Kepada", *RECIPIENT]:
            right.add_paragraph(line)
        _para(doc, "", after=6)
        return
    elif letter.header == "compact":
        for label, value in rows:
            _para(doc, f"{label}: {value}")
        _para(doc, "", after=4)
    else:
        for i, (label, value) in enumerate(rows):
            text = f"{label}\t:\t{value}"
            tabs = [(Cm(2.6), WD_TAB_ALIGNMENT.LEFT), (Cm(3.0), WD_TAB_ALIGNMENT.LEFT)]
            if i == 0 and letter.date_style == "nomor_line":
                text += f"\t{date_line}"
                tabs.append((TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT))
            _para(doc, text, left=Cm(3.0), first=Cm(-3.0), tabs=tabs)
        _para(doc, "", after=4)
    for line in RECIPIENT:
        _para(doc, line, left=Cm(0.8) if line == "Pontianak" else None)
    _para(doc, "", after=4)


def _event_rows(letter: Letter) -> list[tuple[str, str]]:
    ev, lab = letter.event, letter.labels
    rows = []
    if letter.body == "table_split_day":
        weekday = WEEKDAYS[dt.date.fromisoformat(ev.start).weekday()].capitalize()
        rows.append((lab.get("day", "Hari"), weekday))
        rows.append((lab.get("date", "Tanggal"), ev.dates))
    elif letter.body == "table_waktu":
        rows.append((lab.get("date", "Waktu"), f"{ev.dates}, pukul {ev.time}"))
    else:
        rows.append((lab.get("date", "Hari/Tanggal"), ev.dates))
    if ev.time and letter.body != "table_waktu":
        rows.append((lab.get("time", "Waktu"), ev.time))
    rows.append((lab.get("place", "Tempat"), ev.tempat))
    if letter.body not in ("prose_mixed", "prose_reference"):
        rows.append((lab.get("event", "Acara"), ev.acara))
    if letter.body == "table_numbered":
        rows = [(f"{i}. {label}", value) for i, (label, value) in enumerate(rows, 1)]
    if letter.body == "table_lettered":
        rows = [(f"{chr(96 + i)}. {label}", value) for i, (label, value) in enumerate(rows, 1)]
    return rows


def _body(doc, letter: Letter) -> None:
    ev = letter.event
    justify = dict(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first=Cm(1.25), after=6)
    time = f", pukul {ev.time}" if ev.time else ""
    if letter.body.startswith("table") or letter.body in ("prose_mixed", "prose_reference"):
        intro = (
            "Sehubungan dengan akan dilaksanakannya kegiatan sebagaimana tersebut pada pokok "
            "surat, "
            "dengan hormat kami mengundang Bapak/Ibu atau pejabat yang ditunjuk untuk hadir pada:"
        )
        if letter.body == "prose_mixed":
            intro = (
                f"Dalam rangka {ev.acara}, bersama ini kami mengundang Saudara untuk hadir pada "
                "acara tersebut yang akan diselenggarakan pada:"
            )
        if letter.body == "prose_reference":
            intro = (
                f"Menindaklanjuti {letter.reference}, dengan ini kami mengundang Bapak/Ibu untuk "
                f"menghadiri {ev.acara} yang akan dilaksanakan pada:"
            )
        _para(doc, intro, **justify)
        rows = _event_rows(letter)
        if letter.carrier in ("docx", "docx_header"):
            table = doc.add_table(rows=len(rows), cols=3)
            _no_borders(table)
            for row, (label, value) in zip(table.rows, rows, strict=True):
                row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
            _widths(table, [Cm(3.5), Cm(0.5), Cm(12.0)])
        else:
            for label, value in rows:
                _para(
                    doc,
                    f"{label}\t:\t{value}",
                    left=Cm(5.4),
                    first=Cm(-4.0),
                    tabs=[(Cm(5.0), WD_TAB_ALIGNMENT.LEFT), (Cm(5.4), WD_TAB_ALIGNMENT.LEFT)],
                )
        _para(doc, "", after=4)
    elif letter.body == "prose_rangka":
        _para(
            doc,
            (
                f"Dalam rangka pelaksanaan {ev.acara}, dengan hormat kami mengundang "
                "Bapak/Ibu atau "
                f"pejabat yang ditunjuk untuk hadir pada kegiatan dimaksud yang akan dilaksanakan "
                f"pada hari {ev.dates}{time}, bertempat di {ev.tempat}."
            ),
            **justify,
        )
    elif letter.body == "prose_menghadiri":
        _para(
            doc,
            (
                "Sehubungan dengan upaya peningkatan koordinasi antarinstansi, kami mengundang "
                f"Bapak/Ibu untuk menghadiri {ev.acara} yang akan dilaksanakan pada hari "
                f"{ev.dates} "
                f"pukul {ev.time} bertempat di {ev.tempat}."
            ),
            **justify,
        )
    elif letter.body == "prose_akan":
        _para(
            doc,
            (
                f"Bersama ini kami sampaikan bahwa {letter.pengirim} akan menyelenggarakan "
                f"{ev.acara} "
                f"pada hari {ev.dates} pukul {ev.time} bertempat di {ev.tempat}."
            ),
            **justify,
        )
        _para(
            doc,
            (
                "Sehubungan dengan hal tersebut, kami mengundang Bapak/Ibu atau perwakilan yang "
                "ditunjuk untuk hadir pada kegiatan dimaksud."
            ),
            **justify,
        )
    elif letter.body == "prose_mengikuti":
        _para(
            doc,
            (
                f"Kami mengundang Bapak/Ibu untuk mengikuti kegiatan {ev.acara} pada hari "
                f"{ev.dates}, "
                f"pukul {ev.time}, di {ev.tempat}. Peserta diharapkan membawa laptop dan data "
                "koperasi binaan masing-masing."
            ),
            **justify,
        )
    elif letter.body == "prose_di":
        _para(
            doc,
            (
                "Dalam rangka persiapan Pendataan Lengkap Koperasi dan UMKM Tahun 2026, kami mohon "
                "Bapak/Ibu berkenan menugaskan 2 (dua) orang staf untuk mengikuti "
                f"{ev.acara} yang akan diselenggarakan pada tanggal {ev.dates} pukul {ev.time} di "
                f"{ev.tempat}."
            ),
            **justify,
        )
    _para(doc, CLOSING, **justify)
    _para(doc, "Demikian disampaikan, atas perhatian Bapak/Ibu diucapkan terima kasih.", **justify)


def _signature(doc, letter: Letter) -> None:
    left = Cm(9.0)
    _para(doc, "", after=6)
    if letter.date_style == "bottom":
        _para(doc, f"{letter.city}, {indo(letter.tanggal, letter.zero_pad)}", left=left)
    _para(doc, letter.signer[0], left=left, after=40)
    _para(doc, letter.signer[1], left=left, bold=True)
    _para(doc, "", after=6)
    _para(doc, "Tembusan:")
    _para(doc, "1. Gubernur Kalimantan Barat (sebagai laporan);")
    _para(doc, "2. Arsip.")


def write_docx(letter: Letter, path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = letter.font
    normal.font.size = Pt(letter.size)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), letter.font)
    normal.paragraph_format.space_after = Pt(0)
    if letter.carrier == "docx_header":
        section.header_distance = Cm(0.8)
        header = section.header
        header.paragraphs[0].text = ""
        _kop(header, letter)
    else:
        _kop(doc, letter)
    _header(doc, letter)
    _body(doc, letter)
    _signature(doc, letter)
    doc.save(path)


# --- non-invitations ---------------------------------------------------------------------------


def write_report(path: Path) -> None:
    """A monitoring report: a letter's vocabulary (dates, a city and date), no invitation."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    doc.styles["Normal"].font.name = "Liberation Sans"
    doc.styles["Normal"].font.size = Pt(11)
    _para(
        doc,
        "LAPORAN HASIL MONITORING DAN EVALUASI",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        size=14,
    )
    _para(
        doc,
        "PENYALURAN DANA BERGULIR TRIWULAN III TAHUN 2026",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        size=13,
        after=12,
    )
    _para(doc, "BAB I PENDAHULUAN", bold=True, after=6)
    text = (
        "Monitoring dan evaluasi penyaluran dana bergulir dilaksanakan untuk memastikan bahwa dana "
        "yang disalurkan kepada koperasi dan usaha mikro digunakan sesuai dengan peruntukannya. "
        "Kegiatan lapangan berlangsung dari bulan Juli sampai dengan September 2026 di 14 "
        "kabupaten/kota, dengan sampel 120 koperasi penerima. Data dikumpulkan melalui wawancara, "
        "pemeriksaan dokumen, dan kunjungan ke lokasi usaha."
    )
    for _ in range(3):
        _para(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first=Cm(1.0), after=6)
    _para(doc, "BAB II HASIL", bold=True, after=6)
    table = doc.add_table(rows=6, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    data = [
        ("No", "Kabupaten/Kota", "Penerima", "Realisasi (Rp)"),
        ("1", "Pontianak", "24", "1.250.000.000"),
        ("2", "Kubu Raya", "18", "940.000.000"),
        ("3", "Singkawang", "15", "780.500.000"),
        ("4", "Sanggau", "12", "610.000.000"),
        ("5", "Ketapang", "11", "575.250.000"),
    ]
    for row, values in zip(table.rows, data, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    _para(doc, "", after=6)
    for _ in range(4):
        _para(
            doc,
            (
                "Tingkat pengembalian pinjaman pada triwulan ini mencapai 87,4 persen, "
                "naik 3,1 poin "
                "dibandingkan triwulan sebelumnya. Tunggakan terbesar terdapat pada sektor "
                "perdagangan eceran yang terdampak penurunan daya beli masyarakat."
            ),
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            first=Cm(1.0),
            after=6,
        )
    _para(doc, "Pontianak, 30 September 2026", left=Cm(9.0))
    _para(doc, "Tim Monitoring dan Evaluasi,", left=Cm(9.0), after=30)
    _para(doc, "Ketua Tim", left=Cm(9.0))
    doc.save(path)


def write_photo(path: Path) -> None:
    """A photo (no text at all) saved as a PDF, as a phone's scanner app might."""
    rng = random.Random(7)
    w, h = 1600, 1200
    image = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(image)
    for y in range(h):
        shade = int(150 + 80 * y / h)
        draw.line([(0, y), (w, y)], fill=(shade - 60, shade - 30, shade))
    for _ in range(40):
        x, y, r = rng.randrange(w), rng.randrange(h // 2, h), rng.randrange(20, 160)
        color = (rng.randrange(40, 120), rng.randrange(80, 160), rng.randrange(30, 90))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    draw.rectangle([600, 500, 1000, 900], fill=(150, 110, 80))
    draw.polygon([(560, 500), (800, 330), (1040, 500)], fill=(120, 40, 30))
    image = image.filter(ImageFilter.GaussianBlur(2))
    image.save(path, "PDF", resolution=150, quality=55)


# --- conversion and scanning ---------------------------------------------------------------------


def convert(docx_files: list[Path], outdir: Path) -> None:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, docx_files),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    for docx in docx_files:
        pdf = outdir / (docx.stem + ".pdf")
        if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF-"):
            raise SystemExit(f"LibreOffice wrote no PDF for {docx.name}")


def _noise(size: tuple[int, int], rng: random.Random, tile: int = 384) -> Image.Image:
    """Seeded Gaussian grain (mean 128, sigma 40): a tile of it laid at random offsets."""
    pixels = bytes(min(255, max(0, int(rng.gauss(128, 40)))) for _ in range(tile * tile))
    patch = Image.frombytes("L", (tile, tile), pixels)
    noise = Image.new("L", size, 128)
    for y in range(0, size[1], tile):
        for x in range(0, size[0], tile):
            shift = rng.randrange(tile)
            noise.paste(
                patch.transform(
                    (tile, tile), Image.Transform.AFFINE, (1, 0, shift, 0, 1, 0), fillcolor=128
                ),
                (x, y),
            )
    return noise


def scan(pdf: Path, target: Path, params: Scan, work: Path) -> None:
    rng = random.Random(params.seed)
    stem = work / f"{pdf.stem}-raster"
    subprocess.run(["pdftoppm", "-r", str(params.dpi), "-gray", str(pdf), str(stem)], check=True)
    pages = []
    for raster in sorted(work.glob(f"{stem.name}*.pgm")):
        image = Image.open(raster).convert("L")
        image = image.rotate(params.angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        image = Image.blend(image, _noise(image.size, rng), params.grain)
        pixels = image.load()
        width, height = image.size
        for _ in range(int(width * height * params.specks)):
            x, y = rng.randrange(width), rng.randrange(height)
            pixels[x, y] = rng.choice((0, 30, 60))
        if params.blur:
            image = image.filter(ImageFilter.GaussianBlur(params.blur))
        pages.append(image)
    pages[0].save(
        target,
        "PDF",
        resolution=params.dpi,
        quality=params.quality,
        save_all=True,
        append_images=pages[1:],
    )


def check_spec(letter: Letter) -> None:
    """The spec's date text must name the weekdays its ISO truth has (catches typos in specs)."""
    ev = letter.event
    named = re.findall(r"\b(senin|selasa|rabu|kamis|jumat|sabtu|minggu)\b", ev.dates.lower())
    days = [dt.date.fromisoformat(ev.start), dt.date.fromisoformat(ev.end)]
    if named:
        expected = {WEEKDAYS[d.weekday()] for d in days}
        if not set(named) <= expected | {
            WEEKDAYS[(days[0] + dt.timedelta(i)).weekday()]
            for i in range((days[1] - days[0]).days + 1)
        }:
            raise SystemExit(f"{letter.name}: weekdays {named} do not match {ev.start}..{ev.end}")


def write_email(letter: Letter, pdf_bytes: bytes, path: Path) -> None:
    info = letter.email or {}
    msg = EmailMessage()
    msg["From"] = info["from"]
    msg["To"] = "spt@diskopukm.kalbarprov.go.id"
    msg["Subject"] = info["subject"]
    msg["Date"] = format_datetime(
        dt.datetime(2026, 10, 20, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    msg["Message-ID"] = f"<{letter.name}@mail.kalbarprov.go.id>"
    body = (
        "Yth. Pengadministrasi Kepegawaian,\n\nBersama ini kami teruskan surat undangan terlampir. "
        "Mohon dibuatkan SPT untuk:\n1. 19650809 198603 1 012\n2. 19780312 200501 2 004\n\n"
        "Terima kasih.\n"
    )
    if info.get("body") == "html":
        msg.set_content(body)
        msg.add_alternative(
            "<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>", subtype="html"
        )
        logo = Image.new("RGB", (40, 40), (20, 90, 160))
        buf = io.BytesIO()
        logo.save(buf, "PNG")
        msg.add_attachment(buf.getvalue(), maintype="image", subtype="png", filename="logo.png")
    else:
        msg.set_content(body)
    msg.add_attachment(
        pdf_bytes, maintype="application", subtype="pdf", filename=info["attachment"]
    )
    path.write_bytes(bytes(msg))


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for letter in LETTERS:
        check_spec(letter)
    with tempfile.TemporaryDirectory(prefix="spt-corpus-") as tmp:
        work = Path(tmp)
        docx_files = []
        for letter in LETTERS:
            path = work / f"{letter.name}.docx"
            write_docx(letter, path)
            docx_files.append(path)
        report = work / "n02-laporan-bukan-undangan.docx"
        write_report(report)
        convert([*docx_files, report], work)
        for letter in LETTERS:
            pdf = work / f"{letter.name}.pdf"
            if letter.carrier == "pdf":
                shutil.copyfile(pdf, out / f"{letter.name}.pdf")
            elif letter.carrier == "scan":
                assert letter.scan is not None
                scan(pdf, out / f"{letter.name}.pdf", letter.scan, work)
            elif letter.carrier in ("docx", "docx_header"):
                shutil.copyfile(work / f"{letter.name}.docx", out / f"{letter.name}.docx")
            elif letter.carrier == "eml":
                write_email(letter, pdf.read_bytes(), out / f"{letter.name}.eml")
            (out / f"{letter.name}.json").write_text(
                json.dumps(letter.truth(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        shutil.copyfile(
            work / "n02-laporan-bukan-undangan.pdf", out / "n02-laporan-bukan-undangan.pdf"
        )
        write_photo(out / "n01-foto-bukan-undangan.pdf")
        empty = dict.fromkeys(FIELD_KEYS)
        for name in ("n01-foto-bukan-undangan", "n02-laporan-bukan-undangan"):
            (out / f"{name}.json").write_text(json.dumps(empty, indent=2) + "\n", encoding="utf-8")
    total = sum(f.stat().st_size for f in out.iterdir())
    print(f"wrote {len(list(out.glob('*.json')))} letters to {out} ({total / 1048576:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
