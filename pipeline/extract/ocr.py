"""OCR of a scanned PDF: poppler renders each page, Tesseract reads it; bounded in time.

Tesseract runs as a library in one child process that keeps its models loaded
(:mod:`pipeline.extract.ocr_engine`): started as a program it loaded them again for
every reading, a quarter of a scan's OCR time.

Why not OCRmyPDF: we need the words and their boxes, not a new PDF. Measured
on a 200 dpi A4 scan here (2 cores), ``pdftoppm`` + ``tesseract … tsv`` took
1.4 s against 4.3 s for ``ocrmypdf --deskew --sidecar`` with the same words
read: OCRmyPDF's start-up and PDF rewriting is most of its time. Rendering
at the scan's own resolution matters: resampling a noisy 200 dpi image to
300 dpi cost accuracy (a letter number misread) and time. Skew is handled
on the words' boxes afterwards (:func:`pipeline.extract.layout.deskew`);
Tesseract itself reads lines skewed by a few degrees well.

Two checks follow the page's reading, each one more Tesseract run at most:

- a band of text-like ink that no word covers (Tesseract's layout analysis
  sometimes drops a whole paragraph of a noisy scan) is read again as one
  block (:func:`_missed_bands`);
- every word read with a confidence under :data:`VERIFY_BELOW` is read a second
  time, cut out on its own; a word whose two readings differ is marked
  doubtful, so that a field resting on it comes out null, not wrong
  (:func:`_verify`).

Every external program (poppler) and the engine's child run in their own process
group under one deadline for the whole file; at the deadline the group is killed
(SIGKILL) and :class:`OcrTimeout` raised, so a hanging OCR never holds a worker.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract import ocr_engine
from pipeline.extract.layout import PlacedWord

MAX_PIXELS = 45_000_000  # per rendered page (A4 at 400 dpi is 15.5 MP)
MIN_DPI, MAX_DPI, DEFAULT_DPI = 150, 400, 300
VERIFY_BELOW = 85.0  # words Tesseract is less sure of than this are read a second time
MAX_VERIFY = 80  # per page
DOUBTFUL = 20.0  # the confidence of a word whose two readings differ
_DASHES = frozenset({"-", "–", "—", ":", "."})
# Tesseract's usual readings of the street abbreviation "Jl." (never words of their own).
_KNOWN_MISREADS = {"JI.": "Jl.", "J1.": "Jl.", "Jl,": "Jl.", "JI,": "Jl."}


class OcrError(Exception):
    """OCR could not read the file; ``str()`` says why (for logs and explanations)."""


class OcrTimeout(OcrError):
    pass


class OcrUnavailable(OcrError):
    pass


@dataclass(frozen=True)
class OcrPages:
    words: list[list[PlacedWord]]  # per page, in points, top-down
    widths: list[float]  # page widths in points
    seconds: float


def available(languages: str = "ind+eng") -> bool:
    return bool(shutil.which("pdftoppm")) and ocr_engine.available(languages)


def _tesseract(image: Path, psm: int, deadline: float, languages: str) -> str:
    """Tesseract's TSV for ``image`` (page segmentation mode ``psm``), from the engine kept
    loaded (:mod:`pipeline.extract.ocr_engine`), within ``deadline``."""
    try:
        return ocr_engine.read_tsv(image, psm=psm, languages=languages, deadline=deadline)
    except ocr_engine.EngineTimeout:
        raise OcrTimeout("tesseract dihentikan pada batas waktu") from None
    except ocr_engine.EngineError as exc:
        raise OcrError(f"tesseract gagal: {exc}") from None


def _run(cmd: list[str], deadline: float, env: dict[str, str] | None = None) -> bytes:
    """Run ``cmd`` in a new process group; kill the whole group at ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("batas waktu OCR habis")
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    try:
        out, err = proc.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the program and anything it started
        proc.communicate()
        raise OcrTimeout(f"{Path(cmd[0]).name} dihentikan pada batas waktu") from None
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise OcrError(f"{Path(cmd[0]).name} gagal: {message[0][:200]}")
    return out


def _page_sizes(path: Path, count: int) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    sizes = []
    for page in reader.pages[:count]:
        box = page.mediabox
        w, h = float(box.width), float(box.height)
        if int(page.get("/Rotate", 0) or 0) % 180:
            w, h = h, w
        sizes.append((w, h))
    return sizes


def _image_dpi(path: Path, count: int, deadline: float) -> dict[int, float]:
    """The resolution of the largest image on each page (a scan's own dpi), when poppler says."""
    if not shutil.which("pdfimages"):
        return {}
    out = _run(["pdfimages", "-list", "-f", "1", "-l", str(count), str(path)], deadline)
    best: dict[int, tuple[int, float]] = {}
    for line in out.decode("latin-1").splitlines()[2:]:
        cols = line.split()
        if len(cols) < 14 or not cols[0].isdigit():
            continue
        try:
            page, pixels, ppi = int(cols[0]), int(cols[3]) * int(cols[4]), float(cols[12])
        except ValueError:
            continue
        if pixels > best.get(page, (0, 0.0))[0]:
            best[page] = (pixels, ppi)
    return {page: ppi for page, (_, ppi) in best.items()}


def _dpi_for(native: float | None, size: tuple[float, float]) -> int:
    dpi = float(native) if native else DEFAULT_DPI
    dpi = min(max(dpi, MIN_DPI), MAX_DPI)
    w_in, h_in = size[0] / 72.0, size[1] / 72.0
    if w_in * h_in * dpi * dpi > MAX_PIXELS:
        dpi = (MAX_PIXELS / (w_in * h_in)) ** 0.5
    return max(round(dpi), 30)


@dataclass(frozen=True)
class _Box:
    text: str
    left: float
    top: float
    width: float
    height: float
    conf: float
    group: tuple[int, int, int]


def _parse_tsv(tsv: str, *, dy: float = 0.0, block_offset: int = 0) -> list[_Box]:
    """Tesseract's words (level 5) in pixels; specks read as punctuation are dropped."""
    boxes = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        if re.fullmatch(r"[|_~—–\-=.,:;'\"`]+", text) and text not in _DASHES:
            continue
        text = _KNOWN_MISREADS.get(text, text)
        try:
            box = _Box(
                text,
                float(row["left"]),
                float(row["top"]) + dy,
                float(row["width"]),
                float(row["height"]),
                float(row["conf"]),
                (int(row["block_num"]) + block_offset, int(row["par_num"]), int(row["line_num"])),
            )
        except (KeyError, TypeError, ValueError):
            continue
        boxes.append(box)
    heights = sorted(b.height for b in boxes)
    if heights:
        median = heights[len(heights) // 2]
        boxes = [
            b
            for b in boxes
            if b.height >= 0.35 * median
            or (b.text in _DASHES and max(b.height, b.width) >= 0.15 * median)
        ]
    return _join_split_words(boxes)


def _join_split_words(boxes: list[_Box]) -> list[_Box]:
    """Join a word Tesseract cut in two with no real space between (``PERDAGAN`` ``GAN``)."""
    out: list[_Box] = []
    for box in sorted(boxes, key=lambda b: (b.group, b.left)):
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.group == box.group
            and 0
            <= box.left - (prev.left + prev.width)
            <= max(1.0, 0.06 * max(prev.height, box.height))
            and prev.text[-1:].isalpha()
            and box.text[:1].isalpha()
        ):
            top = min(prev.top, box.top)
            out[-1] = _Box(
                prev.text + box.text,
                prev.left,
                top,
                box.left + box.width - prev.left,
                max(prev.top + prev.height, box.top + box.height) - top,
                min(prev.conf, box.conf),
                prev.group,
            )
        else:
            out.append(box)
    return out


def _missed_bands(image: Path, boxes: list[_Box], dpi: int) -> list[tuple[int, int]]:
    """Horizontal bands with text-like ink that no recognised word covers.

    Tesseract's page segmentation sometimes drops a whole paragraph of a
    noisy, skewed scan (it takes it for an image). Such a band is read again
    as one uniform block.
    """
    from PIL import Image

    with Image.open(image) as im:
        gray = im.convert("L")
        width, height = gray.size
        ink = gray.point(lambda v: 255 if v < 128 else 0)
        profile = list(ink.resize((1, height), Image.Resampling.BOX).tobytes())
        pixels = ink.tobytes()
    covered = [False] * height
    for b in boxes:
        for y in range(max(0, int(b.top) - 2), min(height, int(b.top + b.height) + 3)):
            covered[y] = True
    gap_limit = int(0.12 * dpi)
    bands: list[list[int]] = []
    for y, value in enumerate(profile):
        if covered[y] or value < 6:  # under ~2.5 % ink: empty or specks
            continue
        if bands and y - bands[-1][1] <= gap_limit:
            bands[-1][1] = y
        else:
            bands.append([y, y])
    found = []
    for top, bottom in bands:
        rows = [profile[y] for y in range(top, bottom + 1) if profile[y] >= 6]
        if bottom - top < 0.1 * dpi or len(rows) < 0.05 * dpi or sum(rows) / len(rows) > 150:
            continue  # a solid rule, or too thin for text
        if _runs_per_row(pixels, width, top, bottom) < 12:
            continue  # long strokes (a skewed rule, a signature), not letters
        pad = int(0.05 * dpi)
        found.append((max(0, top - pad), min(height, bottom + pad)))
    return found


def _runs_per_row(pixels: bytes, width: int, top: int, bottom: int) -> float:
    """Median number of separate ink runs in the band's inked rows: letters make many."""
    counts = []
    for y in range(top, bottom + 1):
        row = pixels[y * width : (y + 1) * width]
        runs = row.count(b"\x00\xff")
        if runs:
            counts.append(runs)
    counts.sort()
    return counts[len(counts) // 2] if counts else 0.0


def _read_band(
    image: Path,
    band: tuple[int, int],
    index: int,
    deadline: float,
    languages: str,
) -> list[_Box]:
    from PIL import Image

    crop = image.with_name(f"{image.stem}-band{index}.pgm")
    with Image.open(image) as im:
        im.crop((0, band[0], im.size[0], band[1])).save(crop)
    try:
        tsv = _tesseract(crop, 6, deadline, languages)
    finally:
        crop.unlink(missing_ok=True)
    return _parse_tsv(tsv, dy=band[0], block_offset=1000 * (index + 1))


def _raw_words(tsv: str) -> list[tuple[str, float, float, float]]:
    """``(text, top, bottom, conf)`` of every word Tesseract reports, unfiltered."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        try:
            top = float(row["top"])
            words.append((text, top, top + float(row["height"]), float(row["conf"])))
        except (KeyError, TypeError, ValueError):
            continue
    return words


def _same_reading(a: str, b: str) -> bool:
    """The same word: letters and digits alike; for a letter number (with "/") its inner
    marks too. What a crop cuts or adds at the edges does not count ("2026," and "2026")."""

    def core(text: str) -> str:
        text = re.sub(r"^\W+|\W+$", "", re.sub(r"\s+", "", text))
        return text if "/" in text else re.sub(r"\W+", "", text)

    return core(a) == core(b) != ""


def _verify(image: Path, boxes: list[_Box], deadline: float, languages: str) -> list[_Box]:
    """Read every doubtful word a second time, cut out on its own; keep what both readings say.

    Tesseract's confidence is a poor judge on its own: it doubts many words it
    read right ("Undangan" at 28) and is sure of some it misread ("Ikpp26" for
    "lkpp26" at 78). A second reading of the word alone (one batch: the words
    stacked on one sheet) settles it: the same text confirms the word; another
    text marks it doubtful, so a field resting on it is null rather than wrong.
    """
    from PIL import Image

    doubtful = sorted(
        (
            i
            for i, b in enumerate(boxes)
            if b.conf < VERIFY_BELOW and any(ch.isalnum() for ch in b.text)
        ),
        key=lambda i: boxes[i].conf,
    )[:MAX_VERIFY]
    if not doubtful or time.monotonic() >= deadline:
        return boxes
    with Image.open(image) as im:
        page = im.convert("L")
    crops = []
    for i in doubtful:
        b = boxes[i]
        mx, my = max(2, int(0.15 * b.height)), max(2, int(0.35 * b.height))
        crops.append(
            page.crop(
                (
                    max(0, int(b.left) - mx),
                    max(0, int(b.top) - my),
                    min(page.width, int(b.left + b.width) + mx),
                    min(page.height, int(b.top + b.height) + my),
                )
            )
        )
    pad = max(c.height for c in crops)
    sheet = Image.new(
        "L", (max(c.width for c in crops) + 2 * pad, sum(c.height + pad for c in crops) + pad), 255
    )
    rows, y = [], pad
    for crop in crops:
        sheet.paste(crop, (pad, y))
        rows.append((y, y + crop.height))
        y += crop.height + pad
    path = image.with_name(f"{image.stem}-verify.pgm")
    sheet.save(path)
    try:
        tsv = _tesseract(path, 6, deadline, languages)
    except OcrError:
        return boxes  # no second reading (time is up or it failed): keep the first
    finally:
        path.unlink(missing_ok=True)
    second: list[list[tuple[str, float]]] = [[] for _ in rows]
    for text, top, bottom, conf in _raw_words(tsv):
        centre = (top + bottom) / 2
        for index, (r_top, r_bottom) in enumerate(rows):
            if r_top - pad / 2 <= centre <= r_bottom + pad / 2:
                second[index].append((text, conf))
                break
    out = list(boxes)
    for index, i in zip(range(len(rows)), doubtful, strict=True):
        first = boxes[i]
        again = "".join(text for text, _ in second[index])
        confs = [conf for _, conf in second[index]]
        if again and _same_reading(first.text, again):
            conf = max(first.conf, min(confs))
        else:
            conf = min(first.conf, DOUBTFUL)
        out[i] = _Box(
            first.text, first.left, first.top, first.width, first.height, conf, first.group
        )
    return out


def _placed(boxes: list[_Box], scale: float) -> list[PlacedWord]:
    return [
        PlacedWord(
            text=b.text,
            x0=b.left * scale,
            x1=(b.left + b.width) * scale,
            top=b.top * scale,
            bottom=(b.top + b.height) * scale,
            conf=b.conf,
            group=b.group,
        )
        for b in boxes
    ]


def ocr_pdf(path: Path, *, pages: int, timeout: float, languages: str = "ind+eng") -> OcrPages:
    """OCR the first ``pages`` pages of the PDF at ``path`` within ``timeout`` seconds."""
    if not available(languages):
        raise OcrUnavailable("tesseract/pdftoppm tidak terpasang")
    started = time.monotonic()
    deadline = started + timeout
    ocr_engine.start(languages)  # loads its models while poppler renders the page
    try:
        return _ocr_pages(path, pages, started, deadline, languages)
    except OcrTimeout:
        ocr_engine.stop(blocking=False)  # nothing of a file past its time stays running
        raise


def _ocr_pages(path: Path, pages: int, started: float, deadline: float, languages: str) -> OcrPages:
    sizes = _page_sizes(path, pages)
    native = _image_dpi(path, len(sizes), deadline)
    all_words: list[list[PlacedWord]] = []
    with tempfile.TemporaryDirectory(prefix="spt-ocr-") as tmp:
        for index, size in enumerate(sizes):
            dpi = _dpi_for(native.get(index + 1), size)
            stem = Path(tmp) / f"p{index + 1}"
            _run(
                [
                    "pdftoppm",
                    "-r",
                    str(dpi),
                    "-gray",
                    "-f",
                    str(index + 1),
                    "-l",
                    str(index + 1),
                    "-singlefile",
                    str(path),
                    str(stem),
                ],
                deadline,
            )
            image = stem.with_suffix(".pgm")
            boxes = _parse_tsv(_tesseract(image, 3, deadline, languages))
            for number, band in enumerate(_missed_bands(image, boxes, dpi)[:4]):
                boxes += _read_band(image, band, number, deadline, languages)
            boxes = _verify(image, boxes, deadline, languages)
            image.unlink(missing_ok=True)
            all_words.append(_placed(boxes, 72.0 / dpi))
    return OcrPages(all_words, [w for w, _ in sizes], time.monotonic() - started)
