"""Draw ``templates/cap-dinas.png``: a neutral round demo stamp (cap dinas) in purple-blue ink.

A double ring with the agency's name along the top and the province along
the bottom, a star in the middle and "CAP DINAS DEMO" across it, on a
transparent background, with a little uneven ink like a rubber stamp. It is
a demonstration image, not any real agency's seal:
``python scripts/make_stamp.py [--out PATH] [--size PX]``.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "cap-dinas.png"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

INK = (58, 46, 168)  # purple-blue stamp-pad ink
TOP_TEXT = "DEMO · DINAS KOPERASI USAHA KECIL DAN MENENGAH"
BOTTOM_TEXT = "PROVINSI KALIMANTAN BARAT"
CENTER_TEXT = "CAP DINAS DEMO"


def arc_text(layer: Image.Image, text: str, font: ImageFont.FreeTypeFont, center: float,
             radius: float, span: float, *, top: bool) -> None:
    """Letters spread over ``span`` degrees of a circle of ``radius``: over the top (upright
    outward) or under the bottom (upright inward), reading left to right either way."""
    glyphs = [font.getlength(ch) for ch in text]
    spacing = (math.radians(span) * radius - sum(glyphs)) / max(1, len(text) - 1)
    widths = [g + spacing for g in glyphs]
    theta = math.radians(-90 - span / 2) if top else math.radians(90 + span / 2)
    direction = 1 if top else -1
    for ch, w in zip(text, widths, strict=True):
        half = w / 2 / radius
        theta += direction * half
        x = center + radius * math.cos(theta)
        y = center + radius * math.sin(theta)
        size = int(font.size * 2)
        glyph = Image.new("L", (size, size), 0)
        ImageDraw.Draw(glyph).text((size / 2, size / 2), ch, font=font, fill=255, anchor="mm")
        turn = math.degrees(theta) + (90 if top else -90)
        glyph = glyph.rotate(-turn, resample=Image.BICUBIC, expand=True)
        layer.paste(255, (int(x - glyph.width / 2), int(y - glyph.height / 2)), glyph)
        theta += direction * half


def font_for(text: str, length: float, *, fill: float = 0.92) -> ImageFont.FreeTypeFont:
    """The bold font at the size that makes ``text`` about ``fill`` × ``length`` long."""
    probe = ImageFont.truetype(FONT, 100)
    return ImageFont.truetype(FONT, max(8, int(100 * fill * length / probe.getlength(text))))


def star(draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float,
         inner_ratio: float = 0.4) -> None:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else outer * inner_ratio
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=255)


def uneven_ink(mask: Image.Image, seed: int = 7) -> Image.Image:
    """Thin the ink here and there, as a rubber stamp does (deterministic)."""
    rng = random.Random(seed)
    w, h = mask.size
    noise = Image.new("L", (w // 8, h // 8))
    noise.putdata([rng.randint(150, 255) for _ in range(noise.width * noise.height)])
    noise = noise.resize((w, h), Image.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    speckle = Image.new("L", (w, h))
    speckle.putdata([255 if rng.random() > 0.04 else 90 for _ in range(w * h)])
    speckle = speckle.filter(ImageFilter.GaussianBlur(0.8))

    return ImageChops.multiply(ImageChops.multiply(mask, noise), speckle)


def draw_stamp(size: int = 600) -> Image.Image:
    c = size / 2
    r = size / 2 - size * 0.02
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    # Double outer ring, and the inner ring that frames the centre.
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=round(size * 0.022))
    r2 = r - size * 0.035
    draw.ellipse((c - r2, c - r2, c + r2, c + r2), outline=255, width=round(size * 0.007))
    r_inner = r * 0.66
    draw.ellipse((c - r_inner, c - r_inner, c + r_inner, c + r_inner), outline=255,
                 width=round(size * 0.012))
    # Ring texts: the agency over 215 degrees, the province under 125, a star in each gap.
    text_radius = (r2 + r_inner) / 2
    top_span, bottom_span = 215.0, 125.0
    ring_font = font_for(TOP_TEXT, math.radians(top_span) * text_radius)
    arc_text(mask, TOP_TEXT, ring_font, c, text_radius, top_span, top=True)
    arc_text(mask, BOTTOM_TEXT, ring_font, c, text_radius, bottom_span, top=False)
    gap = (360 - top_span - bottom_span) / 2
    for angle in (-90 + top_span / 2 + gap / 2, -90 - top_span / 2 - gap / 2):
        a = math.radians(angle)
        star(draw, c + text_radius * math.cos(a), c + text_radius * math.sin(a), size * 0.018)
    # The centre: a star, and the words across it between two lines.
    star(draw, c, c - r_inner * 0.36, r_inner * 0.34)
    band_h = size * 0.085
    top_y = c + r_inner * 0.08
    half = r_inner * 0.84
    for y in (top_y, top_y + band_h):
        draw.line((c - half, y, c + half, y), fill=255, width=round(size * 0.006))
    centre_font = font_for(CENTER_TEXT, 2 * half, fill=0.88)
    draw.text((c, top_y + band_h / 2), CENTER_TEXT, font=centre_font, fill=255, anchor="mm")
    alpha = uneven_ink(mask).point(lambda v: round(v * 0.9))
    stamp = Image.new("RGBA", (size, size), (*INK, 0))
    stamp.putalpha(alpha)
    # A stamp is never pressed perfectly straight.
    return stamp.rotate(-8, resample=Image.BICUBIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--size", type=int, default=600)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    draw_stamp(args.size).save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
