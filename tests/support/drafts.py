"""Edit a rendered SPT draft the way a careless or hostile drafter's Word file would look.

Each helper rewrites one part of the DOCX package (``word/document.xml``, a
``.rels`` part, ``[Content_Types].xml``) with lxml and saves a new file; the
draft check (:mod:`pipeline.drafting.check`, :mod:`pipeline.untrusted.draft_docx`)
must refuse every one of them.
"""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def rewrite(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes]],
            add: dict[str, bytes] | None = None) -> Path:
    """Copy the package ``src`` to ``dst`` with ``edits[part](bytes)`` applied and ``add`` added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def edit_document(src: Path, dst: Path, fn: Callable[[etree._Element], None]) -> Path:
    def apply(data: bytes) -> bytes:
        root = etree.fromstring(data)
        fn(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite(src, dst, {"word/document.xml": apply})


def kepada_table(root) -> etree._Element:
    for tbl in root.iter(w("tbl")):
        first = tbl.find(w("tr"))
        text = "".join(first.itertext()) if first is not None else ""
        if "Nama" in text and "NIP" in text:
            return tbl
    raise ValueError("no Kepada table")


def set_cell(tc, text: str) -> None:
    ts = list(tc.iter(w("t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""


def run_props(run) -> etree._Element:
    rpr = run.find(w("rPr"))
    if rpr is None:
        rpr = etree.Element(w("rPr"))
        run.insert(0, rpr)
    return rpr


def add_prop(run, tag: str, **attrs: str) -> None:
    el = etree.SubElement(run_props(run), w(tag))
    for k, v in attrs.items():
        el.set(w(k), v)


def paragraph_with(root, needle: str) -> etree._Element:
    for p in root.iter(w("p")):
        if needle in "".join(t.text or "" for t in p.iter(w("t"))):
            return p
    raise ValueError(needle)


def append_run(p, text: str, **props: dict[str, str]) -> etree._Element:
    r = etree.SubElement(p, w("r"))
    for tag, attrs in props.items():
        add_prop(r, tag, **attrs)
    t = etree.SubElement(r, w("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def hidden_first_table(src: Path, dst: Path, employee: dict[str, str], *,
                       how: str = "vanish") -> Path:
    """A copy of the Kepada table, naming ``employee``, put before the visible one and
    hidden (``vanish``: every run ``w:vanish``; ``rows``: rows 1 twip high, exact)."""

    def fn(root):
        visible = kepada_table(root)
        hidden = copy.deepcopy(visible)
        rows = hidden.findall(w("tr"))
        for tr in rows[2:]:
            hidden.remove(tr)
        cells = rows[1].findall(w("tc"))
        set_cell(cells[1], employee["nama"])
        set_cell(cells[2], employee["nip"])
        for run in hidden.iter(w("r")):
            if how == "vanish":
                add_prop(run, "vanish")
        if how == "rows":
            for tr in hidden.iter(w("tr")):
                trpr = tr.find(w("trPr"))
                if trpr is None:
                    trpr = etree.Element(w("trPr"))
                    tr.insert(0, trpr)
                h = etree.SubElement(trpr, w("trHeight"))
                h.set(w("val"), "20")
                h.set(w("hRule"), "exact")
        visible.addprevious(hidden)

    return edit_document(src, dst, fn)


def external_image(src: Path, dst: Path, target: str) -> Path:
    """The kop's logo replaced by an image *linked* (not embedded) to ``target``."""
    rid = "rIdEvil1"

    def rels(data: bytes) -> bytes:
        root = etree.fromstring(data)
        el = etree.SubElement(root, f"{{{REL}}}Relationship")
        el.set("Id", rid)
        el.set("Type", f"{R}/image")
        el.set("Target", target)
        el.set("TargetMode", "External")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    drawing = f"""<w:r xmlns:w="{W}" xmlns:r="{R}"
      xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
      xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
      xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:drawing>
      <wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="99" name="x"/>
      <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">
      <pic:pic><pic:nvPicPr><pic:cNvPr id="99" name="x"/><pic:cNvPicPr/></pic:nvPicPr>
      <pic:blipFill><a:blip r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
      <pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>
      <a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>
      </a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"""

    def doc(data: bytes) -> bytes:
        root = etree.fromstring(data)
        p = paragraph_with(root, "MEMERINTAHKAN")
        p.append(etree.fromstring(drawing))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite(src, dst, {"word/document.xml": doc, "word/_rels/document.xml.rels": rels})


def field(src: Path, dst: Path, code: str, *, simple: bool = False) -> Path:
    """A field with ``code`` in the paragraph of "MEMERINTAHKAN"; complex fields split the code
    over two ``w:instrText`` runs, as Word does."""

    def fn(root):
        p = paragraph_with(root, "MEMERINTAHKAN")
        if simple:
            fs = etree.SubElement(p, w("fldSimple"))
            fs.set(w("instr"), code)
            r = etree.SubElement(fs, w("r"))
            etree.SubElement(r, w("t")).text = "x"
            return
        half = len(code) // 2
        for kind, text in (("begin", None), (None, code[:half]), (None, code[half:]),
                           ("separate", None), (None, None), ("end", None)):
            r = etree.SubElement(p, w("r"))
            if kind:
                etree.SubElement(r, w("fldChar")).set(w("fldCharType"), kind)
            elif text is not None:
                it = etree.SubElement(r, w("instrText"))
                it.text = text
                it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            else:
                etree.SubElement(r, w("t")).text = "hasil"

    return edit_document(src, dst, fn)


def without_paraf_table(src: Path, dst: Path) -> Path:
    """The "No | Jabatan | Paraf" table deleted (its cell keeps an empty paragraph)."""

    def fn(root):
        for tbl in root.iter(w("tbl")):
            first = tbl.find(w("tr"))
            if first is not None and "Paraf" in "".join(first.itertext()):
                tbl.addprevious(etree.Element(w("p")))
                tbl.getparent().remove(tbl)
                return
        raise ValueError("no Paraf table")

    return edit_document(src, dst, fn)
