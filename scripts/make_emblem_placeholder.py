"""Draw ``templates/lambang-negara-contoh.png``: a plainly-labelled PLACEHOLDER for the
national emblem (Garuda Pancasila) on the head of region's kop.

The real emblem is a state symbol whose form is fixed by law (UU 24/2009); the
project does not ship a copy. The placeholder says what it is in words, so a
letter printed with it can never pass for a real one. Put the official image's
path in ``spt.toml``, ``[letter] national_emblem``:
``python scripts/make_emblem_placeholder.py [--out PATH]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "lambang-negara-contoh.png"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
GREY = (110, 110, 110, 255)
LINES = ("LAMBANG", "NEGARA", "(CONTOH)", "ganti dengan", "berkas resmi")


def draw(size: int = 300) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pad = size // 30
    d.ellipse((pad, pad, size - pad, size - pad), outline=GREY, width=size // 40)
    sizes = (size // 9, size // 9, size // 11, size // 14, size // 14)
    fonts = [ImageFont.truetype(FONT, s) for s in sizes]
    heights = [f.getbbox(t)[3] - f.getbbox(t)[1] for f, t in zip(fonts, LINES, strict=True)]
    gap = size // 40
    y = (size - sum(heights) - gap * (len(LINES) - 1)) // 2
    for font, text, h in zip(fonts, LINES, heights, strict=True):
        w = font.getlength(text)
        d.text(((size - w) / 2, y - font.getbbox(text)[1]), text, font=font, fill=GREY)
        y += h + gap
    return img


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    draw().save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
