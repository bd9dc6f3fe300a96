"""A phone photo of an invitation (JPG/PNG) made into the scanned PDF the rest of the chain reads.

A requester often photographs the paper letter instead of scanning it. The photo
becomes a one-page image PDF (``photo_to_pdf``) that is kept as the case's
invitation, shown to every official beside the draft, and read by the same OCR
as any scan. What makes a photo harder than a scan is undone first, with Pillow
only (no OpenCV):

- the orientation the phone recorded (EXIF) is applied; a landscape picture of a
  portrait letter is turned upright, the direction chosen by Tesseract's
  orientation detection (OSD). Whether the text rows run across or down the
  picture is measured first on a small copy (a few hundredths of a second): a
  landscape picture whose rows already run across (a wide letter, a letter with
  the table around it) is upright and is neither turned nor shown to the OSD
  (about half a second);
- uneven light (a shadow across the page, a darker corner) is flattened by
  subtracting the page's own blurred background;
- a tilt of up to 8 degrees is measured on a small copy (the angle at which the
  rows of text are sharpest) and rotated away;
- the page is scaled to about 200 dpi for an A4 sheet: enough for Tesseract,
  and what keeps OCR within its time budget.

A perspective (the phone held at an angle) is not corrected: Tesseract reads
mildly keystoned text, and a strong one gives low-confidence words whose fields
come out null, never wrong.

The conversion is deterministic (fixed PDF dates), so the same photo dropped twice
is recognised as the same invitation.
"""

from __future__ import annotations

import io
import itertools
import tempfile
import time
from enum import StrEnum
from pathlib import Path

from pipeline.extract.limits import ExtractionRefused

MAX_PIXELS = 50_000_000  # a 48 MP phone picture; beyond that the file is refused unread
MIN_SIDE = 500  # pixels: smaller is a logo or an icon, not a letter
TARGET_WIDTH = 1650  # pixels across the page: ~200 dpi for A4
MAX_TILT = 8.0  # degrees
# How much sharper the rows must be one way than the other to tell which way the text runs
# (ratio of row-to-row contrast; measured on the photos of tests/data/real_letters: upright
# 2.1-2.9, turned a quarter 0.34-0.5).
ROWS_RATIO = 1.5
_FIXED_DATE = time.gmtime(946_684_800)  # 2000-01-01: no clock in the bytes

NOT_A_PICTURE = "Berkas gambar rusak atau tidak dapat dibuka. Kirim ulang foto surat undangannya."


def check_picture(data: bytes) -> tuple[int, int]:
    """The picture's size in pixels, read from its header only; :class:`ExtractionRefused`
    (Indonesian reason) for a broken, tiny or oversized picture."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
            im.verify()
    except Exception:
        raise ExtractionRefused(NOT_A_PICTURE) from None
    if width * height > MAX_PIXELS:
        raise ExtractionRefused(
            f"Foto terlalu besar ({width}×{height} piksel; batas {MAX_PIXELS // 1_000_000} MP). "
            "Kirim foto dengan resolusi lebih kecil."
        )
    if min(width, height) < MIN_SIDE:
        raise ExtractionRefused(
            f"Gambar terlalu kecil untuk dibaca sebagai surat ({width}×{height} piksel). "
            "Kirim foto surat undangan yang utuh dan jelas."
        )
    return width, height


def page_sized(data: bytes) -> bool:
    """Whether a picture is large enough to be a photographed page (not a logo or an icon).
    A picture whose header cannot be read counts as one: the intake then refuses it with
    the reason, rather than dropping it unseen."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return min(im.size) >= MIN_SIDE
    except Exception:
        return True


def photo_to_pdf(data: bytes, *, osd_timeout: float = 10.0) -> bytes:
    """A one-page PDF of the straightened, evened-out photo in ``data`` (JPEG or PNG)."""
    from PIL import Image, ImageOps

    check_picture(data)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            # A JPEG decodes straight to grey at a reduced scale (its DCT allows it): most of
            # a 12 MP photo's decoding is never done.
            side = round(TARGET_WIDTH * max(opened.size) / min(opened.size))
            opened.draft("L", (side, side))
            im = ImageOps.exif_transpose(opened).convert("L")
    except Exception:
        raise ExtractionRefused(NOT_A_PICTURE) from None
    scale = TARGET_WIDTH / min(im.size)
    if scale < 1.0:
        im = im.resize(
            (round(im.width * scale), round(im.height * scale)), Image.Resampling.BILINEAR
        )
    if im.width > im.height * 1.15 and text_rows(im) is not TextRows.ACROSS:
        im = im.rotate(_upright_turn(im, osd_timeout), expand=True, fillcolor=255)
    im = _even_light(im)
    angle = _tilt(im)
    if abs(angle) >= 0.2:
        im = im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    dpi = max(72, round(im.width / 8.27))  # the letter is an A4 sheet across its width
    out = io.BytesIO()
    im.save(
        out,
        "PDF",
        resolution=dpi,
        quality=80,
        creationDate=_FIXED_DATE,
        modDate=_FIXED_DATE,
        producer="spt",
    )
    return out.getvalue()


def _even_light(im):
    """The page with its background lifted to white: ink relative to the paper around it."""
    from PIL import ImageChops, ImageFilter, ImageOps

    small = im.reduce(8)
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(6))
    background = background.resize(im.size)
    ink = ImageChops.subtract(background, im)  # 0 on paper, high on ink
    return ImageOps.autocontrast(ImageOps.invert(ink), cutoff=(1, 0))


def _tilt(im) -> float:
    """Degrees to rotate ``im`` by so that its text rows run level (0 when unsure)."""
    from PIL import Image

    small = im.copy()
    small.thumbnail((700, 700))
    ink = small.point(lambda v: 255 if v < 140 else 0)

    def sharpness(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
        mean = sum(rows) / len(rows)
        return sum((r - mean) ** 2 for r in rows)  # sharp rows: text lines and gaps alternate

    # Whole degrees first, then quarter degrees around the best.
    best = max(range(-int(MAX_TILT), int(MAX_TILT) + 1), key=sharpness)
    return max((best + d / 4 for d in range(-3, 4)), key=sharpness)


class TextRows(StrEnum):
    """Which way a picture's lines of text run."""

    ACROSS = "across"  # upright (or upside down): no quarter turn needed
    DOWN = "down"  # the page lies sideways in the picture
    UNCLEAR = "unclear"  # too little text, or as much structure both ways


def text_rows(im) -> TextRows:
    """Whether the lines of text in ``im`` run across or down, from a small copy.

    Lines of text make the ink's profile along the page jump from row to row (a line, a
    gap, a line); across them, the profile is smooth (letters average out). The
    row-to-row contrast is compared both ways, at the tilt (whole steps up to
    :data:`MAX_TILT`) where each is sharpest. Each step is capped, so that a page's edge
    or a dark table beside it (one large jump) does not outweigh many lines.
    """
    from PIL import Image

    scale = 600 / min(im.size)
    small = im.resize(
        (max(1, round(im.width * scale)), max(1, round(im.height * scale))),
        Image.Resampling.BOX,
    )
    ink = _even_light(small).point(lambda v: 255 if v < 140 else 0)

    def contrast(picture, angle: int) -> float:
        turned = picture.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        rows = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
        return sum(min(abs(a - b), 20) ** 2 for a, b in itertools.pairwise(rows))

    angles = range(-int(MAX_TILT), int(MAX_TILT) + 1, 2)
    across = max(contrast(ink, a) for a in angles) / ink.height
    sideways = ink.transpose(Image.Transpose.ROTATE_90)
    down = max(contrast(sideways, a) for a in angles) / sideways.height
    if across >= ROWS_RATIO * down and across > 0:
        return TextRows.ACROSS
    if down >= ROWS_RATIO * across and down > 0:
        return TextRows.DOWN
    return TextRows.UNCLEAR


def _upright_turn(im, timeout: float) -> int:
    """Degrees (90 or 270) that turn a sideways page upright, by Tesseract's orientation
    detection in the OCR engine (:func:`pipeline.extract.ocr_engine.orientation`, no
    program start); 90 when Tesseract cannot tell (a portrait letter photographed
    sideways is usually turned left)."""
    from pipeline.extract import ocr_engine

    if not ocr_engine.available("osd"):
        return 90
    with tempfile.TemporaryDirectory(prefix="spt-osd-") as tmp:
        path = Path(tmp) / "page.pgm"
        small = im.copy()
        small.thumbnail((1400, 1400))
        small.save(path)
        try:
            rotate = ocr_engine.orientation(path, deadline=time.monotonic() + timeout)
        except ocr_engine.EngineError:
            return 90
    # Tesseract says how far clockwise to turn; PIL's rotate() turns counter-clockwise.
    return {90: 270, 270: 90}.get(rotate, 90)
