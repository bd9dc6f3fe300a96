"""What a mark looks like on the page: the paraf box, the signature block, their font and time.

pyHanko draws a signature's appearance from a :class:`TextStampStyle`. Two
things needed care (see VERIFIED.md):

- **Fonts.** pyHanko writes glyph widths in font units, so a TrueType font
  with 2048 units per em (Liberation, DejaVu) comes out stretched. We rescale
  a copy to 1000 units per em with fontTools once per process, keep only the
  Latin glyphs an Indonesian name or title needs and no layout tables
  (about 15 KB compressed), and hand pyHanko the bytes from memory. Each mark
  embeds that cut font as it is, compressed once per process: pyHanko's own
  way, subsetting and re-serialising the font with fontTools for every mark,
  took about a third of a mark's time. The font size in the
  :class:`TextBoxStyle` and in the font engine must match. Without a usable
  font file the stamp falls back to pyHanko's built-in font.
- **Time.** pyHanko renders its ``%(ts)s`` in UTC or the machine's zone; we
  render the time ourselves in the agency's zone (WIB for Pontianak), in
  Indonesian: ``12 Mei 2026 10.05 WIB``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from pipeline.config import Config
from pipeline.core.dates_id import MONTHS_SHORT, format_date
from pipeline.core.workflow import Action, Stage

log = logging.getLogger("spt.signing.appearance")

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
SANS = ("LiberationSans-Regular.ttf", "DejaVuSans.ttf")
SERIF = ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf")

# Glyphs kept in the embedded font: ASCII, Latin-1, Latin Extended-A, dashes and quotes.
_KEPT_CODEPOINTS = (
    list(range(0x20, 0x7F)) + list(range(0xA0, 0x180)) + list(range(0x2010, 0x2027))
)

PARAF_FONT_SIZE = 7   # every mark in the Paraf table: one look, never below 6 pt printed
TTD_FONT_SIZE = 9
PARAF_LINE_CHARS = 22  # a paraf line: what 7 pt fits in the template's 3.4 cm Paraf cell


def format_when(when: dt.datetime, tz: ZoneInfo, *, short: bool = False) -> str:
    """``12 Mei 2026 10.05 WIB``: a moment as an Indonesian reader expects it, in ``tz``;
    ``short``: the month abbreviated (``30 Sep 2026 10.05 WIB``, for a paraf box)."""
    if when.tzinfo is None:
        raise ValueError("the signing time needs a time zone (an aware datetime)")
    local = when.astimezone(tz)
    zone = local.tzname() or tz.key
    if zone.startswith(("+", "-")):  # zones without an abbreviation
        zone = "UTC" + zone
    day = (f"{local.day} {MONTHS_SHORT[local.month - 1]} {local.year}" if short
           else format_date(local.date()))
    return f"{day} {local:%H.%M} {zone}"


@dataclass(frozen=True)
class MarkAppearance:
    """The visible part of one stage's mark, and the words of its signature dictionary."""

    action: Action                 # PARAF or TANDATANGAN
    name: str                      # the person, as configured
    role: str                      # the stage's role, e.g. "Sekretaris"
    location: str                  # the agency's city (the signature's /Location)
    tz: ZoneInfo                   # the agency's zone, for the time shown
    # In the Paraf table (every reviewer before the signatory, whatever its action): the
    # paraf's look, so that all the table's marks look alike and stay readable.
    in_paraf_table: bool = False

    @classmethod
    def for_stage(cls, stage: Stage, config: Config) -> MarkAppearance:
        if stage.action is Action.DRAFT:
            raise ValueError(f"stage '{stage.key}' drafts; it does not mark the letter")
        from pipeline.core.delegation import acting_role

        return cls(
            action=stage.action, name=stage.person.name, role=acting_role(stage),
            location=config.agency.city, tz=config.tz,
            in_paraf_table=stage.key != config.workflow().signatory.key,
        )

    @property
    def paraf_look(self) -> bool:
        return self.action is Action.PARAF or self.in_paraf_table

    @property
    def reason(self) -> str:
        """The signature's /Reason: what this mark means."""
        if self.action is Action.PARAF:
            return f"Paraf {self.role}"
        return f"Tanda tangan {self.role}"

    def text(self, when: dt.datetime) -> str:
        """A paraf: the name (wrapped), the date, the time; the role is in the row already.
        The signature: that it is signed electronically, by whom, as what, when."""
        waktu = format_when(when, self.tz)
        if self.paraf_look:
            name = "\n".join(textwrap.wrap(self.name, PARAF_LINE_CHARS)) or self.name
            return f"{name}\n{format_when(when, self.tz, short=True)}"
        return (f"Ditandatangani secara\nelektronik oleh\n{self.name}\n{self.role}\n{waktu}")

    def stamp_style(self) -> TextStampStyle:
        """The pyHanko style: a boxed compact paraf, or an open, serif signature block."""
        if self.paraf_look:  # the table's cell is its frame; small margins keep it 7 pt
            return _style(SANS, PARAF_FONT_SIZE, border_width=0, leading=PARAF_FONT_SIZE + 1,
                          margin=1)
        return _style(SERIF, TTD_FONT_SIZE, border_width=0, leading=TTD_FONT_SIZE + 2)


# The stamp text is passed whole, as one parameter: a name with a '%' in it stays literal.
STAMP_TEXT = "%(spt_text)s"


@functools.lru_cache(maxsize=8)
def _style(candidates: tuple[str, ...], size: int, *, border_width: int,
           leading: int, margin: int = 2) -> TextStampStyle:
    font = font_engine(candidates, size)
    # pyHanko pads a text box by 10 pt on every side; in a 40 pt paraf box that shrinks the
    # text to unreadable. ``margin`` pt, plus the stamp's own ``margin + 1``, is enough.
    tight = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(margin),
    )
    box_style = (
        TextBoxStyle(font=font, font_size=size, leading=leading, box_layout_rule=tight)
        if font is not None
        else TextBoxStyle(font_size=size, leading=leading, box_layout_rule=tight)
    )
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=box_style,
        border_width=border_width,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(margin + 1),
        ),
    )


class MemoryFontFactory(FontEngineFactory):
    """A pyHanko font engine factory over a prepared font held in memory (no file per mark)."""

    def __init__(self, font_bytes: bytes, font_size: int):
        self.font_bytes = font_bytes
        self.font_size = font_size
        self.program = zlib.compress(font_bytes)  # the embedded FontFile2, compressed once

    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _prepared_accumulator_class()(
            self, writer=writer, font_handle=io.BytesIO(self.font_bytes),
            font_size=self.font_size, obj_stream=obj_stream,
        )


@functools.cache
def _prepared_accumulator_class() -> type:
    """pyHanko's glyph accumulator, embedding a :func:`prepared_font` as it is.

    pyHanko subsets the font to the glyphs of each stamp and serialises it anew
    with fontTools for every mark. Our font is already cut to the Latin glyphs
    once per process, so each mark embeds the same compressed program: no
    fontTools work per mark, at about 11 KB more per mark in the PDF. Glyph ids
    are kept either way (pyHanko subsets TrueType with ``retain_gids``), so the
    text is encoded the same. Built on first use: the font modules load with it.
    """
    from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator

    class PreparedCIDFontType2(CIDFontType2):
        def __init__(self, tt, base_ps_name: str, subset_prefix: str, program: bytes,
                     length: int):
            super().__init__(tt, base_ps_name, subset_prefix)
            self._program, self._length = program, length

        def set_font_file(self, writer):
            stream = generic.StreamObject(
                {generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode"),
                 generic.pdf_name("/Length1"): generic.NumberObject(self._length)},
                encoded_data=self._program,
            )
            ref = writer.add_object(stream)
            self._font_descriptor[generic.pdf_name("/FontFile2")] = ref
            return ref

    class PreparedGlyphAccumulator(GlyphAccumulator):
        def __init__(self, factory: MemoryFontFactory, **kwargs):
            super().__init__(**kwargs)
            if type(self.cidfont_obj) is CIDFontType2:  # TrueType outlines: ours always are
                base_ps_name = self.cidfont_obj.name.partition("+")[2]
                self.cidfont_obj = PreparedCIDFontType2(
                    self.tt, base_ps_name, self.subset_prefix, factory.program,
                    len(factory.font_bytes),
                )

        def _extract_subset(self, options=None):
            if not isinstance(self.cidfont_obj, PreparedCIDFontType2):
                super()._extract_subset(options)

    return PreparedGlyphAccumulator


def font_engine(candidates: tuple[str, ...], size: int) -> MemoryFontFactory | None:
    """A font engine for the first available font among ``candidates``, or ``None``."""
    for name in candidates:
        for folder in FONT_DIRS:
            path = folder / name
            if path.is_file():
                data = prepared_font(path)
                if data is not None:
                    return MemoryFontFactory(data, size)
    return None


@functools.lru_cache(maxsize=8)
def prepared_font(path: Path) -> bytes | None:
    """``path`` rescaled to 1000 units/em and cut to Latin glyphs (once per process)."""
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
        from fontTools.ttLib.scaleUpem import scale_upem

        font = TTFont(str(path))
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        options = subset.Options()
        # No OpenType layout (kerning, ligatures): invisible at 8 pt, and without it
        # pyHanko's per-mark shaping and subsetting is ~5 ms faster.
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=_KEPT_CODEPOINTS)
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    except Exception:  # any font trouble: fall back to the built-in font
        log.warning("font %s unusable; using pyHanko's built-in font", path, exc_info=True)
        return None


def warm_up() -> None:
    """Prepare the fonts now (about half a second) rather than during the first mark."""
    for action in (Action.PARAF, Action.TANDATANGAN):
        MarkAppearance(action, "", "", "", ZoneInfo("UTC")).stamp_style()
