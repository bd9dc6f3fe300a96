"""The drafter's edited DOCX, checked before LibreOffice or anyone reads it.

A draft comes back from a person's Word over a share: it is input from
outside, like an invitation, and gets the inbox's checks
(:func:`pipeline.untrusted.files.check_bytes`: size, parts, encryption,
DTD/entities, macros) and more, because this file is *converted* and its
output signed:

* no relationship with ``TargetMode="External"`` (a linked image
  ``file:///etc/…`` is embedded into the letter; ``http://…`` makes the
  server send requests) — hyperlinks included: an SPT has no use for them;
* no field that fetches or runs something (``INCLUDETEXT``,
  ``INCLUDEPICTURE``, ``LINK``, ``DDE``, ``DDEAUTO``, ``IMPORT``,
  ``INCLUDE``), whether written as ``w:fldSimple`` or as ``w:instrText`` runs
  (a field code split over several runs is joined first);
* no embedded objects (OLE, ``w:object``, ``w:embed*``, ActiveX controls) and
  no ``w:altChunk`` (a whole foreign document LibreOffice imports);
* no macros (``vbaProject``, a ``macroEnabled`` content type: ``.docm``).

LibreOffice itself also runs with link updating and macros off
(:mod:`pipeline.convert.hardening`): these checks say *why* to the drafter,
the settings hold if a check misses something.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from pipeline.untrusted.files import Unusable, check_bytes

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_PART_BYTES = 20 * 1024 * 1024  # one XML part, uncompressed

# Field types that fetch content, run a program or pull another file in.
FETCHING_FIELDS = frozenset({"INCLUDETEXT", "INCLUDEPICTURE", "LINK", "DDE", "DDEAUTO",
                             "IMPORT", "INCLUDE", "RD"})
_EMBEDDED_TAGS = {f"{{{_W}}}{t}" for t in ("object", "embedRegular", "embedBold",
                                           "embedItalic", "embedBoldItalic", "control")}
_ALTCHUNK = f"{{{_W}}}altChunk"
_RELTYPE_EMBED = ("/oleObject", "/package", "/aFChunk", "/control", "/activeXControlBinary",
                  "/vbaProject", "/attachedTemplate", "/subDocument", "/frame")

_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                          huge_tree=False)


def draft_docx_problems(path: Path, limits) -> list[str]:
    """What makes the drafter's DOCX unsafe to convert (Indonesian); empty if none.

    ``limits`` is the :class:`~pipeline.extract.ExtractLimits` the inbox uses.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return [f"{path.name}: berkas tidak dapat dibaca."]
    try:
        check_bytes(data, path.name, limits)
    except Unusable as exc:
        return [str(exc)]
    try:
        with zipfile.ZipFile(path) as zf:
            return _package_problems(zf)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
        return ["Berkas DOCX rusak atau tidak lengkap; simpan ulang dari Word sebagai .docx."]


def _package_problems(zf: zipfile.ZipFile) -> list[str]:
    problems: list[str] = []

    def add(text: str) -> None:
        if text not in problems:
            problems.append(text)

    names = [i.filename for i in zf.infolist()]
    lowered = [n.lower() for n in names]
    if any(n.startswith("word/embeddings/") for n in lowered):
        add(_EMBEDDED)
    if any(n.startswith("word/activex/") for n in lowered):
        add(_EMBEDDED)
    for name in names:
        low = name.lower()
        if not low.endswith((".xml", ".rels")):
            continue
        info = zf.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            add("Berkas DOCX memuat bagian yang terlalu besar untuk diperiksa.")
            continue
        try:
            root = etree.fromstring(zf.read(info), parser=_PARSER)
        except etree.XMLSyntaxError:
            add(f"Bagian {name} dalam berkas DOCX rusak; simpan ulang dari Word sebagai .docx.")
            continue
        if low.endswith(".rels"):
            for text in _relationship_problems(root):
                add(text)
        elif low.startswith("word/"):
            for text in _part_problems(root):
                add(text)
    return problems


def _relationship_problems(root) -> list[str]:
    found = []
    for rel in root.iter(f"{{{_REL}}}Relationship"):
        rtype = rel.get("Type") or ""
        target = rel.get("Target") or ""
        if (rel.get("TargetMode") or "").lower() == "external":
            kind = PurePosixPath(rtype).name or "relationship"
            if kind == "hyperlink":  # Word makes one of a typed e-mail address or URL
                found.append(
                    f"Dokumen memuat tautan (hyperlink) ke {_shorten(target)}. Surat yang "
                    "ditandatangani tidak boleh berisi tautan yang dapat diklik: klik kanan "
                    "pada tautan itu > Remove Hyperlink (Hapus Tautan), lalu simpan."
                )
                continue
            if kind == "attachedTemplate":  # Word loads it on opening: a known injection path
                found.append(
                    f"Dokumen terhubung ke templat lain di luar berkas ({_shorten(target)}). "
                    "Sunting draf yang dikirim sistem, bukan dokumen baru dari templat lain; "
                    "atau di Word: Developer > Document Template, kosongkan templatnya, lalu "
                    "simpan."
                )
                continue
            found.append(
                f"Dokumen memuat tautan ke luar berkas ({_KIND_ID.get(kind, kind)} → "
                f"{_shorten(target)}). Draf hanya boleh berisi teks dan gambar yang tersimpan "
                "di dalam berkas: hapus tautan itu, atau sisipkan gambarnya langsung "
                "(Insert > Pictures, tanpa \"Link to File\")."
            )
        elif rtype.endswith(_RELTYPE_EMBED):
            found.append(_EMBEDDED)
    return found


def _part_problems(root) -> list[str]:
    found = []
    for code in field_codes(root):
        kind = code.split(maxsplit=1)[0].upper() if code.split() else ""
        if kind in FETCHING_FIELDS:
            found.append(
                f"Dokumen memuat kolom (field) {kind} yang mengambil isi dari luar berkas "
                f"(\"{_shorten(code)}\"). Hapus kolom itu (atau ubah menjadi teks biasa: "
                "pilih lalu tekan Ctrl+Shift+F9) sebelum draf diteruskan."
            )
    for el in root.iter(_ALTCHUNK, *_EMBEDDED_TAGS):
        found.append(_ALTCHUNK_TEXT if el.tag == _ALTCHUNK else _EMBEDDED)
    return found


def field_codes(root) -> list[str]:
    """Every field code in a part: ``w:fldSimple/@w:instr`` and the ``w:instrText`` runs
    between a ``begin`` and its ``separate``/``end`` joined (nested fields each apart)."""
    codes = [el.get(f"{{{_W}}}instr") or "" for el in root.iter(f"{{{_W}}}fldSimple")]
    stack: list[list[str] | None] = []  # None: the field's code is complete (past separate)
    for el in root.iter(f"{{{_W}}}fldChar", f"{{{_W}}}instrText"):
        if el.tag == f"{{{_W}}}instrText":
            if stack and stack[-1] is not None:
                stack[-1].append(el.text or "")
            elif not stack:  # an instruction outside any field: read it as one anyway
                codes.append(el.text or "")
            continue
        kind = el.get(f"{{{_W}}}fldCharType")
        if kind == "begin":
            stack.append([])
        elif kind in ("separate", "end") and stack:
            parts = stack.pop()
            if parts is not None:
                codes.append("".join(parts))
            if kind == "separate":
                stack.append(None)
    return [" ".join(c.split()) for c in codes if c.strip()]


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(re.sub(r"[\x00-\x1f]", " ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KIND_ID = {"image": "gambar tertaut", "hyperlink": "hyperlink", "oleObject": "objek tertaut",
            "attachedTemplate": "templat tertaut", "subDocument": "subdokumen",
            "frame": "bingkai tertaut"}
_EMBEDDED = (
    "Dokumen memuat objek tersemat (OLE/ActiveX, misalnya lembar Excel atau berkas lain di "
    "dalam dokumen). Hapus objek itu; tempel isinya sebagai teks atau gambar biasa."
)
_ALTCHUNK_TEXT = (
    "Dokumen memuat dokumen lain yang disisipkan utuh (altChunk). Salin isinya sebagai teks "
    "biasa lalu simpan ulang."
)
