"""The "Kepada" table: the employees an SPT assigns, written into the draft and read back.

The drafter may edit the DOCX in Word or LibreOffice: add or delete rows,
retype a NIP, accept tracked changes or not. :func:`read_assignees` reads
what the table says now: it finds the table by its header (Nama, NIP), maps
columns by their header text, reads cell text from the XML (so text inside
tracked insertions counts and deleted text does not), and skips the header,
empty rows and the yellow ``[isi …]`` placeholders.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.core.nip import InvalidNip, normalize, parse_nip

MAX_DOCUMENT_XML = 20 * 1024 * 1024  # bytes, uncompressed: refuse zip bombs
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_GOLONGAN = re.compile(r"\b(I{1,3}|IV)\s*/\s*([a-eA-E])\b")
_PLACEHOLDER = re.compile(r"^\[[^\]]*\]$")


class AssigneeError(Exception):
    """The draft cannot be read; ``str()`` tells the drafter why (Indonesian)."""


@dataclass(frozen=True)
class AssigneeRow:
    """One row of the "Kepada" table, as printed: ``pangkat_gol`` is ``Pembina (IV/a)``."""

    nama: str
    nip: str
    pangkat_gol: str
    jabatan: str

    @classmethod
    def from_employee(cls, a: Mapping[str, Any]) -> AssigneeRow:
        """From an employee record (``pegawai.csv`` keys: nama, nip, pangkat, golongan, jabatan)."""
        return cls(
            nama=_clean(a.get("nama")),
            nip=format_nip(_clean(a.get("nip"))),
            pangkat_gol=join_pangkat_gol(_clean(a.get("pangkat")), _clean(a.get("golongan"))),
            jabatan=_clean(a.get("jabatan")),
        )

    def as_dict(self) -> dict[str, str]:
        """As an employee record: the NIP without separators, pangkat and golongan apart."""
        pangkat, golongan = split_pangkat_gol(self.pangkat_gol)
        return {"nama": self.nama, "nip": normalize(self.nip), "pangkat": pangkat,
                "golongan": golongan, "jabatan": self.jabatan}


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def format_nip(nip: str) -> str:
    """``19650809 198603 1 012``; text that is not a valid NIP is kept as given."""
    try:
        return parse_nip(nip).formatted()
    except InvalidNip:
        return nip.strip()


def join_pangkat_gol(pangkat: str, golongan: str) -> str:
    if pangkat and golongan:
        return f"{pangkat} ({golongan})"
    return pangkat or golongan


def split_pangkat_gol(text: str) -> tuple[str, str]:
    """``Pembina (IV/a)``, ``Pembina, IV/a`` or ``Pembina - IV/a`` -> ``("Pembina", "IV/a")``."""
    text = _clean(text)
    match = _GOLONGAN.search(text)
    if not match:
        return text, ""
    golongan = f"{match.group(1)}/{match.group(2).lower()}"
    pangkat = (text[:match.start()] + text[match.end():]).replace("()", "")
    pangkat = pangkat.strip(" ,/-–()")
    return _clean(pangkat), golongan


# --- reading a draft ---------------------------------------------------------------------


def read_assignees(docx: Path) -> list[AssigneeRow]:
    """The rows of the draft's "Kepada" table, in order (empty if none is filled in).

    Raises :class:`AssigneeError` if the file is not a readable DOCX or has
    no table with "Nama" and "NIP" columns.
    """
    body = _open_body(Path(docx))
    for table in body.iterchildren(qn("w:tbl")):  # the body's own tables, as Word lists them
        rows = list(table.iterchildren(qn("w:tr")))
        if not rows:
            continue
        columns = _columns([_cell_text(tc) for tc in _cells(rows[0])])
        if columns is None:
            continue
        result = []
        for tr in rows[1:]:
            row = _row(tr, columns)
            if row is not None:
                result.append(row)
        return result
    raise AssigneeError(
        f"{Path(docx).name}: tabel \"Kepada\" (dengan kolom Nama dan NIP) tidak ditemukan"
    )


def qn(tag: str) -> str:
    """``w:tbl`` -> lxml's ``{namespace}tbl``."""
    return f"{{{_W}}}{tag.partition(':')[2]}"


# The draft is untrusted input: no entities, no DTD, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                          huge_tree=False, remove_comments=True)


def _open_body(path: Path):
    """The ``w:body`` of the draft's main document part, read straight from the package.

    Read with lxml rather than python-docx: the service reads every draft the
    drafter approves, and python-docx (94 modules, about 8 MB) is otherwise
    only needed to render the draft, in the drafting worker.
    """
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_DOCUMENT_XML:
                raise AssigneeError(f"{name}: isi dokumen terlalu besar untuk dibaca")
            xml = zf.read(info)
    except FileNotFoundError:
        raise AssigneeError(f"{name}: berkas tidak ditemukan") from None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError, ValueError):
        raise AssigneeError(
            f"{name}: bukan berkas Word (.docx) yang valid; simpan ulang sebagai .docx"
        ) from None
    try:
        root = etree.fromstring(xml, parser=_PARSER)
    except etree.XMLSyntaxError:
        root = None
    body = root.find(qn("w:body")) if root is not None and root.tag == qn("w:document") else None
    if body is None:
        raise AssigneeError(
            f"{name}: berkas Word (.docx) rusak atau tidak dapat dibaca; simpan ulang sebagai .docx"
        )
    return body


def _cells(tr) -> list:
    return list(tr.iterchildren(qn("w:tc")))


def _cell_text(tc) -> str:
    """A cell's visible text: every ``w:t`` (deleted text is ``w:delText``), tabs as spaces."""
    parts = []
    for p in tc.iter(qn("w:p")):
        parts.append("".join(
            (node.text or "") if node.tag == qn("w:t") else " "
            for node in p.iter(qn("w:t"), qn("w:tab"))
        ))
    return _clean(" ".join(parts))


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column index per field, from the header's words; ``None`` if not the Kepada table."""
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        t = text.lower()
        if "nama" in t:
            found.setdefault("nama", i)
        elif re.search(r"\bnip\b", t):
            found.setdefault("nip", i)
        elif "pangkat" in t or "gol" in t:
            found.setdefault("pangkat_gol", i)
        elif "jabatan" in t:
            found.setdefault("jabatan", i)
    return found if "nama" in found and "nip" in found else None


def _row(tr, columns: dict[str, int]) -> AssigneeRow | None:
    texts = [_cell_text(tc) for tc in _cells(tr)]

    def value(key: str) -> str:
        i = columns.get(key)
        if i is None or i >= len(texts):
            return ""
        text = texts[i]
        return "" if _PLACEHOLDER.match(text) else text

    row = AssigneeRow(nama=value("nama"), nip=value("nip"), pangkat_gol=value("pangkat_gol"),
                      jabatan=value("jabatan"))
    if not any((row.nama, row.nip, row.pangkat_gol, row.jabatan)):
        return None  # empty, or still the placeholder
    if row.nama.lower() == "nama" and row.nip.lower() == "nip":
        return None  # a repeated header
    return row
