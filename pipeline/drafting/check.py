"""The draft check: what the drafter hands on must be complete, and what it shows is all it holds.

Run on the drafter's DOCX when it is moved to ``disetujui/``, before the
chain starts (:meth:`pipeline.service.engine.Engine._draft_problems`). Each
finding is one line of the refusal note, in the drafter's words (Indonesian):

* unfilled placeholders (the template's ``[isi …]`` hints) and any text
  still highlighted (typing over a yellow hint in Word keeps the yellow);
* text the letter does not show but the XML holds: hidden (``w:vanish``,
  ``w:specVanish``, ``w:webHidden``, directly or through a style), smaller
  than 6 pt, white, or in a table row squeezed to almost nothing;
* unaccepted tracked changes (LibreOffice prints them as marked-up text);
* not exactly one "Kepada" table, rows or the table inside content controls
  (the reader would not see them, the letter would), a row partly filled;
* no "Dasar" item, no "Untuk" item, no event date in "Untuk".

:func:`name_problems` checks each row's name against the directory entry
of its NIP (the record takes the directory's data by NIP, so a retyped name
would be printed but not recorded), and :func:`pdf_rows_problems` compares
the Kepada rows read back from the converted PDF with those read from the
DOCX.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pipeline.drafting.assignees import (
    AssigneeError,
    AssigneeRow,
    _cell_text,
    _cells,
    _columns,
    _open_body,
    _row,
    qn,
)

MIN_FONT_HALF_POINTS = 12  # 6 pt: anything smaller is not text a reader can check
MIN_ROW_TWIPS = 200        # 10 pt: an exact row height below this hides its text
_PLACEHOLDER = re.compile(r"\[\s*isi\b[^\]]*\]", re.IGNORECASE)
_MONTHS = ("Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|"
           "November|Desember")
LONG_DATE = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})\b", re.IGNORECASE)
_REVISIONS = ("w:ins", "w:del", "w:moveFrom", "w:moveTo", "w:rPrChange", "w:pPrChange",
              "w:tblPrChange", "w:trPrChange", "w:tcPrChange", "w:sectPrChange")
_HIDING = ("w:vanish", "w:specVanish", "w:webHidden")


def draft_problems(docx: Path) -> list[str]:
    """Everything that keeps the draft from going on (Indonesian); empty if it may go on."""
    try:
        body = _open_body(Path(docx))
    except AssigneeError as exc:
        return [str(exc)]
    styles = _Styles.load(Path(docx))
    problems: list[str] = []

    def add(text: str) -> None:
        if text not in problems:
            problems.append(text)

    if any(True for _ in body.iter(*(qn(t) for t in _REVISIONS))):
        add("Draf masih memuat perubahan terlacak (Track Changes) yang belum diterima atau "
            "ditolak. Di Word: Review > Accept > Accept All Changes (atau Reject), matikan "
            "Track Changes, lalu simpan.")
    if _floating(body):
        add("Draf memuat gambar melayang, kotak teks, atau bentuk (shape) yang dapat menutupi "
            "isi surat. Hapus, atau sisipkan gambar dengan tata letak \"In Line with Text\" "
            "(Sejajar dengan teks).")
    for text in _placeholders(body):
        add(f"Isian belum diisi: \"{text}\". Ganti dengan isi yang benar.")
    for why, text in _grouped(_invisible_runs(body, styles)):
        add(f"Teks yang tidak tampak di surat ({why}): \"{text}\". Surat hanya boleh "
            "memuat teks yang terlihat; hapus teks itu atau tampilkan sebagaimana mestinya.")
    for text in _highlighted(body, styles):
        add(f"Teks masih ditandai stabilo (highlight): \"{_short(text)}\". Periksa isinya, "
            "lalu hapus tanda stabilo (Home > Text Highlight Color > No Color).")
    problems.extend(_kepada_problems(body))
    problems.extend(_sections_problems(body))
    for name, part in _headers_and_footers(Path(docx)):  # printed on every page
        if _floating(part):
            add(f"Kepala/kaki halaman ({name}) memuat gambar melayang, kotak teks, atau bentuk "
                "(shape); hapus.")
        if kepada_tables(part):
            add(f"Kepala/kaki halaman ({name}) memuat tabel pegawai (Nama, NIP): daftar "
                "pegawai hanya boleh ada di tabel \"Kepada\". Hapus tabel itu.")
        for text in _placeholders(part):
            add(f"Isian belum diisi: \"{text}\" (di kepala/kaki halaman).")
        for why, text in _grouped(_invisible_runs(part, styles)):
            add(f"Teks yang tidak tampak di surat ({why}, di kepala/kaki halaman): "
                f"\"{text}\". Hapus teks itu.")
        for text in _highlighted(part, styles):
            add(f"Teks masih ditandai stabilo (highlight) di kepala/kaki halaman: "
                f"\"{_short(text)}\". Hapus tanda stabilo.")
    return problems


_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _floating(root) -> bool:
    """Anything drawn over the text: floating drawings (``wp:anchor``), VML shapes
    (``w:pict``), text boxes, alternate content (how Word stores shapes). An inline picture
    (the kop's logo, the emblem) takes its place in the text and hides nothing."""
    tags = (f"{{{_WP}}}anchor", qn("w:pict"), qn("w:txbxContent"), f"{{{_MC}}}AlternateContent")
    return any(True for _ in root.iter(*tags))


def _grouped(found: Iterable[tuple[str, str]], limit: int = 160) -> list[tuple[str, str]]:
    """One line per reason: the hidden pieces joined (``No · Nama · NIP · …``), shortened."""
    by_why: dict[str, list[str]] = {}
    for text, why in found:
        by_why.setdefault(why, []).append(" ".join(text.split()))
    return [(why, _short(" · ".join(texts), limit)) for why, texts in by_why.items()]


def _headers_and_footers(docx: Path) -> list[tuple[str, object]]:
    """The parsed ``word/header*.xml`` and ``word/footer*.xml`` parts (bounded, untrusted)."""
    import zipfile

    from lxml import etree

    from pipeline.drafting.assignees import _PARSER

    parts = []
    try:
        with zipfile.ZipFile(docx) as zf:
            for info in zf.infolist():
                if re.fullmatch(r"word/(header|footer)\d*\.xml", info.filename) and \
                        info.file_size <= 5 * 1024 * 1024:
                    try:
                        parts.append((info.filename.removeprefix("word/"),
                                      etree.fromstring(zf.read(info), parser=_PARSER)))
                    except etree.XMLSyntaxError:
                        continue
    except (OSError, zipfile.BadZipFile, ValueError):
        return []
    return parts


# --- run properties, with styles ---------------------------------------------------------


class _Styles:
    """The properties that matter here, per style id, inheritance (``basedOn``) resolved."""

    def __init__(self, props: dict[str, dict[str, str]], defaults: dict[str, str]):
        self._props = props
        self.defaults = defaults

    @classmethod
    def load(cls, docx: Path) -> _Styles:
        import zipfile

        from lxml import etree

        from pipeline.drafting.assignees import _PARSER

        try:
            with zipfile.ZipFile(docx) as zf:
                info = zf.getinfo("word/styles.xml")
                if info.file_size > 5 * 1024 * 1024:
                    return cls({}, {})
                root = etree.fromstring(zf.read(info), parser=_PARSER)
        except (KeyError, OSError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
            return cls({}, {})
        raw: dict[str, tuple[dict[str, str], str | None]] = {}
        for style in root.iter(qn("w:style")):
            sid = style.get(qn("w:styleId")) or ""
            based = style.find(qn("w:basedOn"))
            raw[sid] = (_props_of(style.find(qn("w:rPr"))),
                        based.get(qn("w:val")) if based is not None else None)
        resolved: dict[str, dict[str, str]] = {}

        def resolve(sid: str, depth: int = 0) -> dict[str, str]:
            if sid in resolved or sid not in raw or depth > 20:
                return resolved.get(sid, {})
            own, base = raw[sid]
            merged = {**(resolve(base, depth + 1) if base else {}), **own}
            resolved[sid] = merged
            return merged

        for sid in raw:
            resolve(sid)
        defaults = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        return cls(resolved, _props_of(defaults))

    def of(self, sid: str | None) -> dict[str, str]:
        return self._props.get(sid or "", {})


def _props_of(rpr) -> dict[str, str]:
    """``{"vanish": "1", "sz": "24", "color": "FFFFFF", "highlight": "yellow", …}``."""
    if rpr is None:
        return {}
    out: dict[str, str] = {}
    for tag in (*_HIDING, "w:sz", "w:color", "w:highlight", "w:shd"):
        el = rpr.find(qn(tag))
        if el is None:
            continue
        name = tag[2:]
        if tag in _HIDING:
            val = (el.get(qn("w:val")) or "1").lower()
            out[name] = "0" if val in ("0", "false", "off") else "1"
        elif tag == "w:shd":
            out[name] = (el.get(qn("w:fill")) or "auto").upper()
        elif tag == "w:color":
            out[name] = ((el.get(qn("w:themeColor")) or "").lower()
                         or (el.get(qn("w:val")) or "auto").upper())
        else:
            out[name] = el.get(qn("w:val")) or ""
    return out


def _effective(run, styles: _Styles) -> dict[str, str]:
    p = next((a for a in run.iterancestors(qn("w:p"))), None)
    pstyle = None
    if p is not None:
        ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        pstyle = ps.get(qn("w:val")) if ps is not None else None
    rpr = run.find(qn("w:rPr"))
    rs = rpr.find(qn("w:rStyle")) if rpr is not None else None
    return {**styles.defaults, **styles.of(pstyle or "Normal"),
            **styles.of(rs.get(qn("w:val")) if rs is not None else None), **_props_of(rpr)}


def _run_text(run) -> str:
    return "".join(t.text or "" for t in run.iter(qn("w:t")))


def _is_white(color: str) -> bool:
    if color in ("background1", "light1"):
        return True
    return bool(re.fullmatch(r"[0-9A-F]{6}", color)) and all(
        int(color[i:i + 2], 16) >= 0xF0 for i in (0, 2, 4))


def _invisible_runs(body, styles: _Styles) -> Iterable[tuple[str, str]]:
    for run in body.iter(qn("w:r")):
        text = _run_text(run)
        if not text.strip():
            continue
        props = _effective(run, styles)
        if any(props.get(t[2:]) == "1" for t in _HIDING):
            yield text, "teks tersembunyi/hidden"
        elif props.get("sz", "").isdigit() and int(props["sz"]) < MIN_FONT_HALF_POINTS:
            yield text, f"huruf {int(props['sz']) / 2:g} pt, terlalu kecil untuk dibaca"
        elif _is_white(props.get("color", "")):
            yield text, "teks berwarna putih"
    for tr in body.iter(qn("w:tr")):
        height = tr.find(f"{qn('w:trPr')}/{qn('w:trHeight')}")
        if height is None or (height.get(qn("w:hRule")) or "") != "exact":
            continue
        try:
            twips = int(height.get(qn("w:val")) or "0")
        except ValueError:
            continue
        text = " ".join(_cell_text(tc) for tc in _cells(tr)).strip()
        if twips < MIN_ROW_TWIPS and text:
            yield text, f"baris tabel setinggi {twips / 20:g} pt"


def _highlighted(body, styles: _Styles) -> Iterable[str]:
    for p in body.iter(qn("w:p")):
        marked = []
        for run in p.iter(qn("w:r")):
            props = _effective(run, styles)
            hl = props.get("highlight", "none").lower()
            shd = props.get("shd", "AUTO")
            if (hl not in ("", "none") or shd not in ("AUTO", "FFFFFF", "")) and \
                    _run_text(run).strip():
                marked.append(_run_text(run))
        text = " ".join("".join(marked).split())
        if _PLACEHOLDER.sub("", text).strip():  # a marked hint is reported as a hint
            yield text


def _placeholders(body) -> list[str]:
    found: list[str] = []
    for p in body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        for m in _PLACEHOLDER.finditer(text):
            if m.group(0) not in found:
                found.append(" ".join(m.group(0).split()))
    return found


# --- the Kepada table ----------------------------------------------------------------------


def kepada_tables(body) -> list:
    """Every table, nested or not, inside content controls or not, headed Nama and NIP."""
    found = []
    for tbl in body.iter(qn("w:tbl")):
        first = next(tbl.iter(qn("w:tr")), None)
        if first is not None and _columns([_cell_text(tc) for tc in _cells(first)]):
            found.append(tbl)
    return found


def _kepada_problems(body) -> list[str]:
    tables = kepada_tables(body)
    if len(tables) > 1:
        return [f"Draf memuat {len(tables)} tabel pegawai (berkolom Nama dan NIP); hanya satu "
                "tabel \"Kepada\" yang boleh ada. Hapus tabel lainnya."]
    if not tables:
        return []  # the reader says so (pipeline.drafting.assignees)
    (table,) = tables
    problems = []
    if any(a.tag == qn("w:sdt") for a in table.iterancestors()) or \
            any(True for _ in table.iter(qn("w:sdt"))):
        problems.append("Tabel \"Kepada\" (atau barisnya) berada di dalam kontrol isian "
                        "(content control). Hapus kontrol isian itu (Developer > Design Mode, "
                        "lalu Remove Content Control) dan biarkan barisnya sebagai teks biasa.")
    if table.getparent() is not None and table.getparent().tag != qn("w:body"):
        problems.append("Tabel \"Kepada\" harus berdiri sendiri di badan surat, tidak di dalam "
                        "tabel atau bingkai lain.")
    rows = list(table.iterchildren(qn("w:tr")))
    columns = _columns([_cell_text(tc) for tc in _cells(rows[0])]) if rows else None
    if columns is None:
        return problems
    for i, tr in enumerate(rows[1:], start=1):
        row = _row(tr, columns)
        if row is None:
            continue
        missing = [label for key, label in (("nama", "Nama"), ("nip", "NIP"),
                                            ("pangkat_gol", "Pangkat/Gol."),
                                            ("jabatan", "Jabatan"))
                   if key in columns and not getattr(row, key)]
        if missing:
            problems.append(f"Kepada, baris {i} ({row.nama or row.nip or 'tanpa nama'}): "
                            f"kolom {', '.join(missing)} belum diisi.")
    return problems


def name_problems(rows: list[AssigneeRow], names_by_nip: dict[str, str]) -> list[str]:
    """Rows whose name is not the name the directory has for their NIP."""
    from pipeline.core.nip import normalize

    problems = []
    for i, row in enumerate(rows, start=1):
        known = names_by_nip.get(normalize(row.nip))
        if known is not None and _name_key(known) != _name_key(row.nama):
            problems.append(
                f"Kepada, baris {i}: nama \"{row.nama}\" tidak sesuai dengan NIP {row.nip}, "
                f"yang terdaftar atas nama \"{known}\". Perbaiki nama atau NIP-nya.")
    return problems


def _name_key(name: str) -> str:
    """The name without academic titles and punctuation: ``Budi Santoso`` and ``Budi
    Santoso, S.T.`` are one person (the record keeps the directory's full name)."""
    from pipeline.directory import core_name

    return " ".join(re.sub(r"[^\w]+", " ", core_name(name)).split())


def pdf_rows_problems(docx_rows: list[AssigneeRow], pdf_rows: list[list[str]]) -> list[str]:
    """The Kepada rows the converted letter shows must be the rows the DOCX holds."""

    def key(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(" ".join(v.split()) for v in values)

    shown = [key(r) for r in pdf_rows]
    held = [key((r.nama, r.nip, r.pangkat_gol, r.jabatan)) for r in docx_rows]
    if shown == held:
        return []
    return ["Tabel \"Kepada\" yang tampil di surat (PDF) tidak sama dengan isi tabel di "
            f"berkas Word: tampil {len(shown)} baris, tercatat {len(held)} baris"
            + (f" (tampil: {', '.join(r[0] for r in shown) or '-'}; tercatat: "
               f"{', '.join(r[0] for r in held) or '-'})" if shown != held else "")
            + ". Simpan ulang draf tanpa teks tersembunyi atau bingkai, lalu coba lagi."]


# --- Dasar, Untuk, the event's date ----------------------------------------------------------


def _body_paragraphs(body) -> list[tuple[str, bool]]:
    """``(text, is_table)`` for each top-level block of the body, in order."""
    out = []
    for child in body:
        if child.tag == qn("w:p"):
            out.append((" ".join("".join(t.text or "" for t in child.iter(qn("w:t"))).split()),
                        False))
        elif child.tag in (qn("w:tbl"), qn("w:sdt")):
            out.append(("", True))
    return out


def section_items(body, label: str, stop: re.Pattern[str]) -> list[str] | None:
    """The numbered items of the "Dasar"/"Untuk" list; ``None`` if the label is missing."""
    blocks = _body_paragraphs(body)
    head = re.compile(rf"^{label}\b\s*:?", re.IGNORECASE)
    start = next((i for i, (t, tbl) in enumerate(blocks) if not tbl and head.match(t)), None)
    if start is None:
        return None
    items = []
    for i in range(start, len(blocks)):
        text, is_table = blocks[i]
        if is_table or (i > start and (stop.search(text) or head.match(text))):
            break
        if i == start:
            text = head.sub("", text, count=1)
        text = re.sub(r"^\s*:?\s*\d+\s*[.)]\s*", "", text).strip()
        if text:
            items.append(text)
    return items


_STOP_DASAR = re.compile(r"^(MEMERINTAHKAN|Kepada)\b", re.IGNORECASE)
_STOP_UNTUK = re.compile(r"^(Ditetapkan|Tembusan)\b", re.IGNORECASE)


def _sections_problems(body) -> list[str]:
    problems = []
    dasar = section_items(body, "Dasar", _STOP_DASAR)
    if not dasar:
        problems.append("Bagian \"Dasar\" belum berisi: tuliskan dasar penugasan (misalnya "
                        "surat undangan yang menjadi dasar SPT ini).")
    untuk = section_items(body, "Untuk", _STOP_UNTUK)
    if not untuk:
        problems.append("Bagian \"Untuk\" belum berisi: tuliskan tugas yang diperintahkan.")
    elif not any(LONG_DATE.search(item) for item in untuk):
        problems.append("Bagian \"Untuk\" belum menyebut tanggal kegiatan; tulis tanggalnya "
                        "lengkap, misalnya \"3 s.d. 5 Desember 2026\".")
    return problems


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- warnings: the event's dates against the SOP's standard times -----------------------------


def timing_warnings(start: str | None, end: str | None, *, today, earliest_issue) -> list[str]:
    """Warnings (not refusals) for the drafter when the event is over, or starts before the
    letter can be issued if every stage takes its standard time (``earliest_issue``, a date).

    ``start``/``end`` are ISO dates as extraction gives them (``None``: unknown, no warning).
    """
    from pipeline.core.dates_id import format_date, parse_iso

    try:
        first = parse_iso(start) if start else None
        last = parse_iso(end) if end else first
    except ValueError:
        return []
    if first is None or last is None:
        return []
    if last < today:
        return [f"PERHATIAN: kegiatan sudah berakhir ({format_date(last)}), sebelum SPT ini "
                "disusun. Periksa apakah SPT masih diperlukan, atau batalkan kasus ini."]
    if first < earliest_issue:
        return [f"PERHATIAN: kegiatan dimulai {format_date(first)}, sedangkan menurut waktu baku "
                f"(mutu baku) SOP SPT paling cepat terbit {format_date(earliest_issue)}. "
                "Segerakan penyusunan dan persetujuannya, atau beri tahu pemohon."]
    return []
