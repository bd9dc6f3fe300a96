#!/usr/bin/env python3
"""Re-typeset invitation letters that others published into ``tests/data/real_letters/``.

The texts in ``tests/data/real_letters/src/*.txt`` are copied from letters published by
their senders (ministries, a student association, listed companies, the Attorney
General's Office), as reproduced on the public pages named in each letter's ``source``,
or posted on the senders' own websites (schools, a village, a university, student and
religious associations, a company) whose content public repositories keep as SQL dumps
of the sites' posts. We did not write them; we only re-typeset them (DOCX with
python-docx, PDF by LibreOffice), keeping the layout as far as the source shows it: kop
lines centred, ``Label : value`` blocks on tab stops, a right-hand column where the
source has one. Where the source leaves a part out (a kop, a date line), it is left out
here too, and the truth file says null for it, unless ``added`` says what we completed
from the source's own words. Each letter's truth (``<name>.json``) follows the labelling
rules of DESIGN.md.

Some are also delivered the way they reach an office: a scan (rasterised, skewed,
noisy: ``scripts/make_invitations.py``'s ``scan``) or a phone photo (a JPG with a
tilt, perspective, a shadow across the page and a table around it). An invitation that
was sent as an e-mail body (carrier ``eml``) is written as the message itself
(:func:`write_eml`), not typeset: its body exactly as published, its headers as the
source shows them (``mail_from``, ``mail_to``, ``mail_subject``, ``mail_date``). The sources,
and how each file was made, are listed in ``SOURCES.md`` beside the letters.

    python scripts/make_real_letters.py [OUT_DIR] [--only NAME ...]

``--only`` typesets just the named letters (``r14``, or a whole stem), so that adding a
letter does not rewrite the files of the others (LibreOffice stamps each PDF anew).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_invitations import Scan, _border_bottom, _para, convert, scan

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "real_letters"


@dataclass
class RealLetter:
    name: str
    source: str  # where the text was published
    sender_kind: str  # government (central / regional) | university | company | association
    layout: str  # what the letter shows: label block, prose, table, two columns ...
    text: str  # the letter, one paragraph a line; markup below
    truth: dict[str, str | None]
    carriers: tuple[str, ...] = ("pdf",)  # pdf | scan | photo | eml
    added: str = ""  # what we completed that the source page left out, and from what
    scan: Scan = field(default_factory=lambda: Scan(200, 1.3, 0.30, 0.0015, seed=7))
    mail: dict[str, str] = field(default_factory=dict)  # an e-mail's headers: from, to ...


# A letter's file in src/:  "key: value" lines (source, sender, layout, added, carriers,
# scan; for an e-mail mail_from, mail_to, mail_subject, mail_date as the source shows
# them), "---", its truth as JSON, "---", its text (an e-mail's body, as it is). The
# text's markup, one paragraph a line:
# "^ " kop line (centred, bold);  "= " address (centred, small, ruled below);  "> "
# right-aligned;  "A || B" B in a right-hand column;  "Label : value" on a tab stop;
# "| a | b |" a two-column table row;  "" an empty line;  anything else justified.
SRC = ROOT / "tests" / "data" / "real_letters" / "src"


def load(path: Path) -> RealLetter:
    head, truth, text = path.read_text(encoding="utf-8").split("\n---\n", 2)
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    scan_params = Scan(200, 1.3, 0.30, 0.0015, seed=7)
    if "scan" in meta:
        values = dict(item.split("=") for item in meta["scan"].split())
        scan_params = Scan(
            int(values["dpi"]),
            float(values["angle"]),
            float(values["grain"]),
            float(values["specks"]),
            seed=int(values["seed"]),
        )
    return RealLetter(
        name=path.stem,
        source=meta["source"],
        sender_kind=meta["sender"],
        layout=meta["layout"],
        text=text,
        truth=json.loads(truth),
        carriers=tuple(c.strip() for c in meta.get("carriers", "pdf").split(",")),
        added=meta.get("added", ""),
        scan=scan_params,
        mail={k.removeprefix("mail_"): v for k, v in meta.items() if k.startswith("mail_")},
    )


def letters() -> list[RealLetter]:
    return [load(path) for path in sorted(SRC.glob("*.txt"))]


# --- typesetting ---------------------------------------------------------------------------


def write_docx(letter: RealLetter, path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)
    label_tab = [(Cm(2.8), WD_TAB_ALIGNMENT.LEFT)]
    right_tab = [(Cm(10.5), WD_TAB_ALIGNMENT.LEFT)]
    lines = letter.text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("^ "):
            _para(doc, line[2:], align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13)
        elif line.startswith("= "):
            p = _para(doc, line[2:], align=WD_ALIGN_PARAGRAPH.CENTER, size=8.5, after=8)
            _border_bottom(p)
        elif line.startswith("> "):
            _para(doc, line[2:], align=WD_ALIGN_PARAGRAPH.RIGHT, after=2)
        elif line.startswith("| "):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            table = doc.add_table(rows=1, cols=len(cells))
            for cell, text in zip(table.rows[0].cells, cells, strict=True):
                cell.paragraphs[0].add_run(text).font.size = Pt(10)
        elif " || " in line or line.startswith("|| "):
            left, _, right = (part.strip() for part in line.partition("||"))
            if not left:  # the right-hand column alone (an address block under "Yth.")
                _para(doc, "\t" + right, tabs=right_tab, after=0)
            elif _is_label(left):
                _para(doc, _label_text(left) + "\t" + right, tabs=label_tab + right_tab, after=0)
            else:
                _para(doc, left + "\t" + right, tabs=right_tab, after=0)
        elif not line.strip():
            _para(doc, "", after=2)
        elif _is_label(line):
            _para(doc, _label_text(line), tabs=label_tab, left=Cm(0), after=0)
        else:
            p = _para(doc, line, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=4)
            p.paragraph_format.first_line_indent = Cm(0) if index else None
    doc.save(path)


def _is_label(line: str) -> bool:
    head, sep, _ = line.partition(" : ")
    return bool(sep) and 0 < len(head) <= 18


def _label_text(text: str) -> str:
    head, sep, tail = text.partition(" : ")
    return f"{head}\t: {tail}" if sep else text


# --- an e-mail body ---------------------------------------------------------------------


MAIL_HEADERS = ("from", "to", "subject", "date")


def write_eml(letter: RealLetter, path: Path) -> None:
    """The invitation as the e-mail it was: a text/plain UTF-8 message whose body is the
    source's text exactly (line breaks, trailing spaces and typos kept), with only the
    headers the source shows (a masked address as the source masks it). No Date or
    Message-ID of our own: the file is the same every time it is written."""
    msg = EmailMessage(policy=default_policy)
    for name in MAIL_HEADERS:
        if name in letter.mail:
            msg[name.capitalize()] = letter.mail[name]
    msg.set_content(letter.text, charset="utf-8", cte="8bit")
    path.write_bytes(msg.as_bytes())


# --- a phone photo -------------------------------------------------------------------------


def _perspective(size: tuple[int, int], inset: float) -> tuple[float, ...]:
    """Coefficients that narrow the top of the picture by ``inset`` of its width (a phone
    held slightly above the page)."""
    w, h = size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(w * inset, 0), (w * (1 - inset), 0), (w, h), (0, h)]
    # Solve the 8 coefficients of PIL's PERSPECTIVE transform (maps output to input).
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    return tuple(_solve(rows, rhs))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def photograph(pdf: Path, target: Path, work: Path, seed: int) -> None:
    """A JPG of the letter as a phone takes it: on a wooden table, tilted, keystoned, a shadow."""
    import subprocess

    rng = random.Random(seed)
    stem = work / f"{pdf.stem}-photo"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-singlefile", "-png", str(pdf), str(stem)], check=True
    )
    page = Image.open(stem.with_suffix(".png")).convert("RGB")
    w, h = page.size
    table = (118 + rng.randrange(20), 92 + rng.randrange(15), 66)
    canvas = Image.new("RGB", (int(w * 1.22), int(h * 1.16)), table)
    canvas.paste(page, (int(w * 0.11), int(h * 0.08)))
    canvas = canvas.rotate(
        rng.uniform(2.5, 4.5) * rng.choice((-1, 1)),
        resample=Image.Resampling.BICUBIC,
        fillcolor=table,
    )
    canvas = canvas.transform(
        canvas.size,
        Image.Transform.PERSPECTIVE,
        _perspective(canvas.size, 0.03),
        Image.Resampling.BICUBIC,
        fillcolor=table,
    )
    cw, ch = canvas.size
    shade = Image.new("L", (cw, ch), 0)
    draw = ImageDraw.Draw(shade)
    for x in range(0, cw, 4):
        draw.rectangle([x, 0, x + 4, ch], fill=int(95 * max(0.0, 1 - x / (cw * 0.55))))
    shade = shade.filter(ImageFilter.GaussianBlur(35))
    canvas = Image.composite(Image.new("RGB", (cw, ch), (10, 10, 20)), canvas, shade)
    canvas = canvas.resize((int(cw * 1.6), int(ch * 1.6)), Image.Resampling.BICUBIC)
    canvas.save(target, "JPEG", quality=82)


# --- sources ------------------------------------------------------------------------------


def write_sources(out: Path) -> None:
    rows = [
        "# Real letters: where each came from\n",
        "The texts were published by their senders and reproduced on the pages below, or "
        "posted on their own websites whose content public GitHub repositories keep (SQL "
        "dumps of a site's posts and agenda tables; the file search names the file's id, not "
        "always its repository); we re-typeset them (`scripts/make_real_letters.py`) and "
        "labelled them by the rules of `../shared/DESIGN.md`. Nothing in a letter was written "
        "by us except what the 'added' column says.\n",
        "| file(s) | sender | source | layout | added by us |",
        "| --- | --- | --- | --- | --- |",
    ]
    for letter in letters():
        files = ", ".join(_file_name(letter, carrier) for carrier in letter.carriers)
        rows.append(
            f"| {files} | {letter.sender_kind} | {letter.source} | {letter.layout} | "
            f"{letter.added or '-'} |"
        )
    (out / "SOURCES.md").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _file_name(letter: RealLetter, carrier: str) -> str:
    suffix = {"pdf": ".pdf", "scan": "-scan.pdf", "photo": "-foto.jpg", "eml": ".eml"}[carrier]
    return letter.name + suffix


def main(argv: list[str]) -> int:
    args = argv[1:]
    only: list[str] = []
    if "--only" in args:
        at = args.index("--only")
        args, only = args[:at], args[at + 1 :]
    out = Path(args[0]) if args else OUT
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="spt-real-") as tmp:
        work = Path(tmp)
        docx_files = []
        every = letters()
        corpus = [
            letter
            for letter in every
            if not only or any(letter.name == o or letter.name.startswith(o + "-") for o in only)
        ]
        for letter in corpus:
            if set(letter.carriers) - {"eml"}:  # an e-mail is written, not typeset
                path = work / f"{letter.name}.docx"
                write_docx(letter, path)
                docx_files.append(path)
        if docx_files:
            convert(docx_files, work)
        for letter in corpus:
            number = every.index(letter)  # the photo's seed does not depend on --only
            pdf = work / f"{letter.name}.pdf"
            for carrier in letter.carriers:
                target = out / _file_name(letter, carrier)
                if carrier == "eml":
                    write_eml(letter, target)
                elif carrier == "pdf":
                    shutil.copyfile(pdf, target)
                elif carrier == "scan":
                    scan(pdf, target, letter.scan, work)
                else:
                    photograph(pdf, target, work, seed=100 + number)
                target.with_suffix(".json").write_text(
                    json.dumps(letter.truth, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8",
                )
    write_sources(out)
    print(f"wrote {len(list(out.glob('*.json')))} files of {len(corpus)} letters to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
