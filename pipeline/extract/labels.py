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

    def min_conf(self) -> float | None:
        confs = [
            c
            for c in [self.lines[0].min_conf(self.value_start)]
            + [ln.min_conf() for ln in self.lines[1:]]
            if c is not None
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
    for patterns in (_LABEL_RE, _OCR_LABEL_RE) if ocr else (_LABEL_RE,):
        for key, pattern in patterns:
            m = pattern.match(text)
            if m:
                return (
                    key,
                    m.group("label"),
                    m.group("value").strip(),
                    _word_index(line, m.start("value")),
                )
    m = _NOMOR_NO_COLON.match(text)
    if m:
        return "nomor", m.group("label"), m.group("value"), _word_index(line, m.start("value"))
    return None


_STOP_CONTINUATION = re.compile(
    r"^\s*(?:yth\b|kepada\b|dengan hormat|di\s*-?\s*$|demikian\b)", re.I
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
        if hit is None:
            continue
        key, label, value, start = hit
        spanned = [line]
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
        text = " ".join([value] + [ln.text for ln in spanned[1:]]).strip()
        found.append(Labeled(key, label.strip(), text, tuple(spanned), start))
    return found


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
        if keys & HEADER_KEYS:
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
