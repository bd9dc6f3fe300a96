"""Render one complete example SPT, to look at: draft → PDF → fields → marks → number → seal.

Uses the default workspace configuration, the sample invitation
``undangan-dev-01.json`` and two employees from ``pegawai.csv``; signs every
field with throwaway keys (visible stamps), fills the number, date and QR
code, seals with ``templates/cap-dinas.png``, validates every signature with
pyHanko, and renders page 1 to PNG (``pdftoppm -r 80``):

    python scripts/render_example.py [--out DIR] [--samples DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.convert import SofficeConverter  # noqa: E402
from pipeline.core.dates_id import format_date  # noqa: E402
from pipeline.core.workflow import Action  # noqa: E402
from pipeline.drafting.letter import LetterContext, render_draft  # noqa: E402
from pipeline.pdf.fill import fill_number  # noqa: E402
from pipeline.pdf.prepare import prepare_for_signing  # noqa: E402
from pipeline.signing.appearance import SANS, font_engine  # noqa: E402
from pipeline.signing.seal import SEAL_FIELD  # noqa: E402
from tests.support.pdf import ThrowawayPki, pyhanko_checks, sign  # noqa: E402

WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLES = Path("/work/shared/samples/invitations")


def mark_style(lines: str, size: int) -> TextStampStyle:
    font = font_engine(SANS, size)
    return TextStampStyle(
        stamp_text=lines,
        text_box_style=TextBoxStyle(**({"font": font} if font else {}), font_size=size,
                                    leading=size + 1),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/spt-example"))
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    config = load_config(WORKSPACE / "spt.toml")
    workflow = config.workflow()
    fields = json.loads((args.samples / "undangan-dev-01.json").read_text(encoding="utf-8"))
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        assignees = list(csv.DictReader(fh))[:2]

    timings: dict[str, float] = {}

    def timed(label, fn, *a, **kw):
        start = time.monotonic()
        result = fn(*a, **kw)
        timings[label] = time.monotonic() - start
        return result

    ctx = LetterContext.build(config=config, workflow=workflow, fields=fields,
                              assignees=assignees)
    docx, pdf_path = out / "spt-example.docx", out / "spt-example.pdf"
    timed("render", render_draft, ROOT / "templates" / "spt.docx", ctx, docx)
    timed("convert (cold soffice)", SofficeConverter(out / "lo").convert, docx, pdf_path)
    pdf = timed("prepare", prepare_for_signing, pdf_path.read_bytes(), workflow)
    (out / "spt-example-prepared.pdf").write_bytes(pdf)

    pki = ThrowawayPki(out / "pki")
    now = dt.datetime.now(ZoneInfo(config.agency.timezone))
    when = f"{format_date(now.date())} {now:%H.%M} WIB"
    start = time.monotonic()
    for stage in workflow.reviewers:
        person = stage.person
        if stage.action is Action.PARAF:
            style = mark_style(f"Diparaf secara elektronik\n{person.name}\n{when}", 6)
        elif stage is workflow.signatory:
            style = mark_style(f"Ditandatangani secara elektronik oleh\n{person.name}\n"
                               f"{person.jabatan}\n{when}", 8)
        else:
            style = mark_style(f"Ditandatangani secara elektronik\n{person.name}\n{when}", 6)
        pdf = sign(pdf, stage.field_name, pki.signer(person.name), stamp=style,
                   reason=f"{stage.action.value} {person.jabatan}")
    timings[f"{len(workflow.reviewers)} signatures"] = time.monotonic() - start

    number = f"{config.numbering.klasifikasi}/0042/{config.agency.unit}/{now.year}"
    payload = f"SPT {number}\nSHA-256 {'0' * 64}"
    pdf = timed("fill", fill_number, pdf, number, format_date(now.date()), payload)
    seal = TextStampStyle(stamp_text="", border_width=0, background_opacity=1.0,
                          background=PdfImage(str(ROOT / "templates" / "cap-dinas.png")))
    pdf = timed("seal", sign, pdf, SEAL_FIELD, pki.signer(f"Cap Dinas {config.agency.unit}"),
                stamp=seal, reason="Cap dinas")
    final = out / "spt-example-final.pdf"
    final.write_bytes(pdf)

    for check in pyhanko_checks(pdf, pki):
        print(f"  {check.field:18} bottom_line={check.bottom_line} "
              f"level={check.modification_level}")
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(final), str(out / "spt-example")],
                   check=True)
    for label, seconds in timings.items():
        print(f"  {label:24} {seconds:.2f} s")
    for png in sorted(out.glob("spt-example-*.png")):
        print(png)


if __name__ == "__main__":
    main()
