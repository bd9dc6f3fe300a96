"""``Label : value`` lines: the letter's header (Nomor, Sifat, Lampiran, Hal) and its event table.

Letters write the same label many ways (``Nomor``/``No.``, ``Hal``/``Perihal``,
``Hari/Tanggal``/``Hari, Tanggal``, ``Pukul``/``Waktu``, ``Acara``/``Agenda``)
and a value may wrap onto the next lines, aligned under its first word.
Every label is read into a :class:`Labeled` with the lines it came from.

Labels come in clusters: the header block (Nomor, Sifat, Lampiran, Hal,
perhaps Tanggal) and the event table (Hari/Tanggal, Pukul, Tempat, Acara).
A ``Tanggal`` in the header cluster is the letter's date; in the event
table it is the event's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.layout import Document, Line

HEADER_KEYS = frozenset({"nomor", "sifat", "lampiran", "hal"})
EVENT_KEYS = frozenset({"hari_tanggal", "hari", "waktu", "tempat", "acara"})

_LABELS: tuple[tuple[str, str], ...] = (
    ("hari_tanggal", r"hari\s*(?:/|,|dan|&|\\)?\s*(?:tanggal|tgl\.?)(?:\s+pelaksanaan)?"),
    ("hari_tanggal", r"(?:tanggal|waktu)\s+(?:pelaksanaan|kegiatan|acara)"),
    ("nomor", r"nomor(?:\s+surat)?|no\.?|nmr\.?"),
    ("sifat", r"sifat(?:\s+surat)?"),
    ("lampiran", r"lampiran|lamp\.?"),
    ("hal", r"perihal|hal|prihal|perihai|subjek|subject|pokok\s+surat"),
    ("tanggal", r"tanggal(?:\s+surat)?|tgl\.?"),
    ("waktu", r"waktu|pukul|jam|pkl\.?"),
    (
        "tempat",
        r"tempat(?:\s+(?:pelaksanaan|kegiatan|acara|rapat))?|lokasi(?:\s+kegiatan)?|bertempat(?:\s+di)?",
    ),
    ("acara", r"acara|agenda(?:\s+(?:rapat|kegiatan|acara))?|(?:nama\s+)?kegiatan|topik"),
    ("hari", r"hari"),
    (
        "other",
        r"kepada|dari|peserta|pakaian|narasumber|tema|catatan|keterangan|narahubung"
        r"|contact\s+person|cp|link(?:\s+zoom)?|meeting\s+id|passcode|kode\s+akses|dress\s*code"
        r"|penanggung\s+jawab|pembicara|moderator|fasilitator|sumber\s+dana|biaya",
    ),
)
_MARKER = r"(?:(?:\d{1,2}|[a-hA-H])\s*[.)]\s*|[-•·*]\s*)?"
_SEPARATOR = r"\s*[.,]?\s*[—–=~\-]{0,2}\s*[:;]\s*(?:[—–=~\-](?=\S))?\s*"
# OCR reads a colon as many things (">", "=", "-", "+", "«"); accepted only in OCR'd text.
_OCR_SEPARATOR = r"\s*[^\w\s(\[]{1,3}\s*"
_LABEL_RE = [
    (key, re.compile(rf"^\s*{_MARKER}(?P<label>{alts})\b{_SEPARATOR}(?P<value>.*)$", re.I))
    for key, alts in _LABELS
]
_OCR_LABEL_RE = [
    (key, re.compile(rf"^\s*{_MARKER}(?P<label>{alts})\b{_OCR_SEPARATOR}(?P<value>\S.*)$", re.I))
    for key, alts in _LABELS
    if key != "other"
]
# "Nomor 400.14.5.4/481/Bangda": OCR may drop the colon; accepted only before a letter number.
# "Hari, Tanggal Selasa, 31 Oktober 2023": a colon lost (a scan, a photo) before a weekday or a
# day number is still the event's date label; what follows must read as a date anyway.
_DAY_NO_COLON = re.compile(
    r"^\s*(?P<label>hari\s*(?:/|,|dan|&)\s*(?:tanggal|tgl\.?))\s+"
    r"(?P<value>(?:senin|selasa|rabu|kamis|jum.?at|sabtu|minggu|ahad|\d{1,2}\s)\S*.*)$",
    re.I,
)
_NOMOR_NO_COLON = re.compile(r"^\s*(?P<label>nomor|no\.?)\s+(?P<value>\S*\d\S*/\S+)\s*$", re.I)


@dataclass(frozen=True)
class Labeled:
    """A label and its value, with the lines it spans."""

    key: str
    label: str
    value: str
    lines: tuple[Line, ...]
    value_start: int  # index in lines[0].words of the value's first word

    @property
    def line(self) -> Line:
        return self.lines[0]

    @property
    def where(self) -> str:
        span = (
            f"line {self.lines[0].number}"
            if len(self.lines) == 1
            else f"lines {self.lines[0].number}-{self.lines[-1].number}"
        )
        return f"label '{self.label}' {span}"

    def min_conf(self, *, digits_only: bool = False) -> float | None:
        """The lowest OCR confidence of the value's words; with ``digits_only`` only words
        holding a digit count (a date's "s.d" or weekday read doubtfully does not make the
        date doubtful once the grammar has read it)."""
        words = list(self.lines[0].words[self.value_start :])
        for line in self.lines[1:]:
            words += line.words
        confs = [
            w.conf
            for w in words
            if w.conf is not None and (not digits_only or any(ch.isdigit() for ch in w.text))
        ]
        return min(confs) if confs else None


def _word_index(line: Line, offset: int) -> int:
    """Index of the word that starts at or after character ``offset`` of ``line.text``."""
    position = 0
    for index, word in enumerate(line.words):
        if position >= offset:
            return index
        position += len(word.text) + 1
    return len(line.words)


def match_label(line: Line, *, ocr: bool = False) -> tuple[str, str, str, int] | None:
    """``(key, label as written, value, index of the value's first word)`` or None."""
    text = line.text
    m = _DAY_NO_COLON.match(text)
    if m:  # before the OCR forms, which would take "Hari" + "," as the label
        return (
            "hari_tanggal",
            m.group("label"),
            m.group("value"),
            _word_index(line, m.start("value")),
        )
    for patterns in (_LABEL_RE, _OCR_LABEL_RE) if ocr else (_LABEL_RE,):
        for key, pattern in patterns:
            m = pattern.match(text)
            if m:
                value = m.group("value").strip()
                if key == "hari" and re.match(r"(?:tanggal|tgl)\b", value, re.I):
                    # "Hari, Tanggal $ …" read as "Hari" + ",": the day-and-date label
                    rest = re.sub(r"^(?:tanggal|tgl\.?)\s*[^\w\s]{0,3}\s*", "", value, flags=re.I)
                    offset = m.start("value") + len(value) - len(rest)
                    return "hari_tanggal", text[:offset].strip(), rest, _word_index(line, offset)
                return (key, m.group("label"), value, _word_index(line, m.start("value")))
    m = _NOMOR_NO_COLON.match(text)
    if m:
        return "nomor", m.group("label"), m.group("value"), _word_index(line, m.start("value"))
    return None


_STOP_CONTINUATION = re.compile(
    # … or a heading of its own ("Agenda RUPSLB :", "Mata acara Rapat:")
    r"^\s*(?:yth\b|kepada\b|dengan hormat|di\s*-?\s*$|demikian\b|.{1,40}:\s*$)",
    re.I,
)


def _continues(prev: Line, nxt: Line, value_x: float | None, ocr: bool) -> bool:
    if nxt.page != prev.page or nxt.column != prev.column:
        return False
    if match_label(nxt, ocr=ocr) or _STOP_CONTINUATION.match(nxt.text):
        return False
    if nxt.top - prev.bottom > 0.9 * max(prev.height, nxt.height):
        return False
    if value_x is None or nxt.x0 is None:
        return False
    return abs(nxt.x0 - value_x) <= (12.0 if ocr else 6.0)


def collect(doc: Document) -> list[Labeled]:
    """Every label line with its value, continuation lines joined (in reading order)."""
    lines = doc.lines
    ocr = doc.source == "ocr"
    found: list[Labeled] = []
    used: set[int] = set()
    for i, line in enumerate(lines):
        if line.number in used:
            continue
        hit = match_label(line, ocr=ocr)
        bare = False
        if hit is None and doc.geometric and line.column == 0:
            # A table whose colon column a scan lost: "Tempat" alone in its cell.
            hit, bare = _bare_label(line.text), True
        if hit is None:
            continue
        key, label, value, start = hit
        spanned = [line]
        if not value and doc.geometric and key != "other" and line.column == 0:
            # The label alone in its cell, the value in the next one ("Hotel Indonesia …").
            beside = _value_beside(lines, i)
            if beside:
                used.update(ln.number for ln in beside)
                text = " ".join(ln.text for ln in beside)
                found.append(Labeled(key, label.strip(), text, (line, *beside), len(line.words)))
            if beside or bare:  # a bare word with nothing beside it is no label
                continue
        if doc.geometric and start < len(line.words):
            value_x = line.words[start].x0
            last = line
            for nxt in lines[i + 1 :]:
                if nxt.column != line.column:
                    continue
                if len(spanned) > 4 or not _continues(last, nxt, value_x, ocr):
                    break
                spanned.append(nxt)
                used.add(nxt.number)
                last = nxt
        if doc.geometric and len(spanned) == 1 and start < len(line.words):
            at = i
            while len(spanned) <= 4 and (wrapped := _hanging_wrap(lines, at, ocr)) is not None:
                spanned.append(wrapped)
                used.add(wrapped.number)
                at = lines.index(wrapped)
        text = " ".join([value] + [ln.text for ln in spanned[1:]]).strip()
        found.append(Labeled(key, label.strip(), text, tuple(spanned), start))
    return found


_BARE_LABELS = [
    (key, re.compile(rf"^\s*{_MARKER}(?P<label>{alts})\s*[^\w\s]{{0,2}}\s*$", re.I))
    for key, alts in _LABELS
    if key in EVENT_KEYS
]


def _bare_label(text: str) -> tuple[str, str, str, int] | None:
    """An event label standing alone on its line ("Tempat", "Hari, Tanggal $"), as
    :func:`match_label` gives it, with an empty value."""
    for key, pattern in _BARE_LABELS:
        m = pattern.match(text)
        if m:
            return key, m.group("label"), "", len(text.split())
    return None


def _value_beside(lines: tuple[Line, ...], index: int) -> list[Line]:
    """A label alone in its cell ("Hari, Tanggal :") with its value in the table's next cell:
    the right-hand line on the same row, and the lines under it in that cell."""
    line = lines[index]
    row = [
        ln
        for ln in lines
        if ln.column == 1 and ln.page == line.page and abs(ln.top - line.top) <= 0.6 * line.height
    ]
    if len(row) != 1:
        return []
    value = [row[0]]
    at = lines.index(row[0])
    for nxt in lines[at + 1 :]:
        if nxt.page != line.page or nxt.column != 1:
            if nxt.column == 0 and nxt.top <= value[-1].bottom + 0.9 * value[-1].height:
                break  # the next row's label: the cell ended
            continue
        if abs((nxt.x0 or 0) - (row[0].x0 or 0)) > 3.0:
            break
        if nxt.top - value[-1].bottom > 0.9 * max(value[-1].height, nxt.height):
            break
        value.append(nxt)
    return value


def _hanging_wrap(lines: tuple[Line, ...], index: int, ocr: bool) -> Line | None:
    """The next line when a value ran to the end of a full line and wrapped back under its
    label (a table cell: "Tempat : Boardroom …, Grha" / "CIMB Niaga, Jl. …"), else None.

    Evidence needed: the label line is full (the next line's first word would not have
    fitted after it, up to the fullest line starting where it starts), the next line
    starts where the label starts,
    directly below (no paragraph gap), and is neither a label nor a new part of the letter.
    """
    line = lines[index]
    nxt = next((ln for ln in lines[index + 1 :] if ln.column == line.column), None)
    if nxt is None or nxt.page != line.page or line.x0 is None or nxt.x0 is None:
        return None
    tolerance = 12.0 if ocr else 3.0
    if abs(nxt.x0 - line.x0) > tolerance or nxt.top - line.bottom > 0.5 * line.height:
        return None
    if match_label(nxt, ocr=ocr) or _STOP_CONTINUATION.match(nxt.text):
        return None
    same_start = [
        ln.x1
        for ln in lines
        if ln.page == line.page
        and ln.column == line.column
        and ln.x0 is not None
        and ln.x1 is not None
        and abs(ln.x0 - line.x0) <= tolerance
    ]
    right = max(same_start)
    first = nxt.words[0]
    if line.x1 is None or len(same_start) < 3 or first.x0 is None or first.x1 is None:
        return None
    # Wrapped: the next line's first word would not have fitted at the end of this one.
    if line.x1 + 0.5 * line.height + (first.x1 - first.x0) < right - 1.0:
        return None
    return nxt


def continuation_numbers(labeled: list[Labeled]) -> set[int]:
    return {ln.number for item in labeled for ln in item.lines}


def clusters(doc: Document, labeled: list[Labeled]) -> list[list[Labeled]]:
    """Labels grouped into blocks: consecutive label lines with no other main-flow line between."""
    position = {ln.number: i for i, ln in enumerate(ln for ln in doc.lines if ln.column == 0)}
    groups: list[list[Labeled]] = []
    last_end: int | None = None
    for item in labeled:
        if item.line.column != 0:
            groups.append([item])
            last_end = None
            continue
        start = position[item.line.number]
        end = position.get(item.lines[-1].number, start)
        if groups and last_end is not None and start == last_end + 1:
            groups[-1].append(item)
        else:
            groups.append([item])
        last_end = end
    return groups


def split_header_event(
    doc: Document, labeled: list[Labeled]
) -> tuple[list[Labeled], list[Labeled]]:
    """The header block's labels and the event table's labels.

    A cluster holding Nomor, Sifat, Lampiran or Hal is the header; one holding
    Hari/Tanggal, Waktu, Tempat or Acara is an event table. A lone ``Tanggal``
    cluster counts as the header when it comes before any event table and
    before the salutation; after those, it is an event date.
    """
    header: list[Labeled] = []
    event: list[Labeled] = []
    salutation = next(
        (
            ln.number
            for ln in doc.lines
            if re.match(r"^\s*(?:yth\b|kepada\s+yth|dengan hormat)", ln.text, re.I)
        ),
        None,
    )
    seen_event = False
    for group in clusters(doc, labeled):
        keys = {item.key for item in group}
        if keys & HEADER_KEYS and keys & (EVENT_KEYS - {"hari"}):
            # One block holding both: an event table with a "Perihal" row of its own (a
            # students' notice: "Hari/Tanggal / Waktu / Tempat / Perihal : Pemaparan …").
            # Each label counts where its kind belongs.
            header.extend(item for item in group if item.key in HEADER_KEYS)
            event.extend(item for item in group if item.key not in HEADER_KEYS)
            seen_event = True
        elif keys & HEADER_KEYS:
            header.extend(group)
        elif keys & EVENT_KEYS:
            event.extend(group)
            seen_event = True
        elif "tanggal" in keys:
            first = group[0].line.number
            if not seen_event and (salutation is None or first < salutation):
                header.extend(group)
            else:
                event.extend(group)
    return header, event
