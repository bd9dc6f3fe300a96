"""Event details written as a sentence instead of a table.

    Dalam rangka pelaksanaan Workshop Digitalisasi UMKM, dengan hormat kami
    mengundang Bapak/Ibu … yang akan dilaksanakan pada hari Kamis tanggal
    19 November 2026 pukul 13.00 WIB bertempat di Aula Kantor Gubernur,
    Jl. Ahmad Yani, Pontianak.

The body is cut into paragraphs (lines close together, outside any label
block; a hyphen at a line's end joins the word), and a few anchored patterns
read them: the event's dates after "dilaksanakan/diselenggarakan … pada" or
"pada hari", the time after "pukul", the place after "bertempat di" up to the
end of the sentence (``Jl.``, ``No.`` and initials do not end it), the event's
name after "dalam rangka (pelaksanaan)" or "menghadiri/mengikuti". A pattern
that would take a phrase such as "kegiatan sebagaimana tersebut di bawah ini"
as the event's name refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.dates import DateRange, TimeSpan, find_dates, find_times
from pipeline.extract.layout import Document, Line


@dataclass(frozen=True)
class Paragraph:
    text: str
    lines: tuple[Line, ...]
    starts: tuple[int, ...]  # character offset of each line in ``text``

    def line_at(self, offset: int) -> int:
        number = self.lines[0].number
        for line, start in zip(self.lines, self.starts, strict=True):
            if start <= offset:
                number = line.number
        return number


@dataclass(frozen=True)
class Found:
    value: object
    where: str
    conf: float | None = None
    line: int = 0  # where it was read (the line number)
    held: bool = True  # a date read after "dilaksanakan … pada" (not a bare "pada hari")
    rank: int = 2  # how directly the sentence names it (3: the reason clause "sehubungan …")


@dataclass
class ProseFindings:
    dates: list[Found] = field(default_factory=list)
    times: list[Found] = field(default_factory=list)
    places: list[Found] = field(default_factory=list)
    events: list[Found] = field(default_factory=list)


def paragraphs(doc: Document, skip: set[int]) -> list[Paragraph]:
    """The letter's main-flow paragraphs, leaving out the lines in ``skip`` (label blocks)."""
    out: list[Paragraph] = []
    current: list[Line] = []

    def flush() -> None:
        if not current:
            return
        text, starts = "", []
        for line in current:
            piece = line.text
            if text.endswith("-") and piece[:1].islower() and not text.endswith(" -"):
                text = text[:-1]
                starts.append(len(text))
                text += piece
            else:
                if text:
                    text += " "
                starts.append(len(text))
                text += piece
        out.append(Paragraph(text, tuple(current), tuple(starts)))
        current.clear()

    for line in doc.lines:
        if line.column != 0:
            continue
        if line.number in skip:
            flush()
            continue
        if current:
            prev = current[-1]
            gap = line.top - prev.bottom
            if (
                not doc.geometric
                or line.page != prev.page
                or gap > 0.75 * max(prev.height, line.height)
            ):
                flush()
        current.append(line)
    flush()
    return out


def _conf(paragraph: Paragraph, start: int, end: int, *, digits_only: bool = False) -> float | None:
    """The lowest OCR confidence among the words that make up ``text[start:end]``.

    With ``digits_only`` only words holding a digit count: for a date, a speck on
    "s.d." does not make "3 s.d. 5 November 2026" doubtful once the grammar has read it.
    """
    confs = []
    position = 0
    for line, line_start in zip(paragraph.lines, paragraph.starts, strict=True):
        position = line_start
        for word in line.words:
            w_start, w_end = position, position + len(word.text)
            if (
                w_end > start
                and w_start < end
                and word.conf is not None
                and (not digits_only or any(ch.isdigit() for ch in word.text))
            ):
                confs.append(word.conf)
            position = w_end + 1
    return min(confs) if confs else None


def _snippet(text: str, start: int, length: int = 40) -> str:
    piece = " ".join(text[start : start + length].split())
    return piece + ("…" if len(text) > start + length else "")


# --- event dates and times ---------------------------------------------------------------

_DATE_TRIGGER = re.compile(
    r"\b(?:(?:dilaksanakan|diselenggarakan|diadakan|berlangsung|digelar|dilangsungkan)\b"
    r"(?:\s+\w+){0,3}?\s+pada\b|pada\s+hari\b|hari\s*/\s*tanggal\b|hari\s*,\s*tanggal\b"
    # "… akan mengadakan Webinar Kefarmasian “…” pada:" and the date on the next line: a colon
    # after "pada" announces the date, however long the name before it
    r"|pada(?=\s*:))"
    r"\s*(?:hari\b)?\s*(?:/\s*tanggal\b)?\s*:?",
    re.I,
)
_HELD = re.compile(
    r"(?:dilaksanakan|diselenggarakan|diadakan|berlangsung|digelar|dilangsungkan)\b", re.I
)
_DEADLINE = re.compile(
    r"(?:paling\s+lambat|selambat-lambatnya|batas|sebelum|sampai\s+dengan)\s*$", re.I
)
_TIME_TRIGGER = re.compile(r"\b(?:pukul|jam|pkl\.?)\s*:?\s*", re.I)


def _time_on_the_next_line(
    p: Paragraph, after: int, following: Paragraph, into: ProseFindings, held: bool
) -> None:
    """A date that ends its paragraph, and the time alone on the very next line, set apart
    only by the uneven line spacing of a straightened photo ("Sabtu, 11 Februari 2023" /
    "09.00-12.30 WIB")."""
    if p.text[after:].strip():
        return
    last, first = p.lines[-1], following.lines[0]
    if first.page != last.page or first.top - last.bottom > 1.5 * max(last.height, first.height):
        return
    text = first.text
    times = find_times(text)
    if len(times) != 1:
        return
    rest = text[: times[0].span[0]] + text[times[0].span[1] :]
    if not re.fullmatch(r"\s*(?:(?:pukul|jam)\s*:?)?\s*(?:WIB|WITA|WIT)?\s*\.?\s*", rest, re.I):
        return
    into.times.append(
        Found(
            times[0],
            f"line below the date '{text.strip()}' line {first.number}",
            _conf(following, times[0].span[0], times[0].span[1]),
            line=first.number,
            held=held,
        )
    )


def _event_dates(
    p: Paragraph, into: ProseFindings, following: Paragraph | None = None
) -> None:
    for trig in _DATE_TRIGGER.finditer(p.text):
        if _DEADLINE.search(p.text[max(0, trig.start() - 30) : trig.start()]):
            continue
        window = p.text[trig.end() : trig.end() + 160]
        found = find_dates(window)
        if not found or found[0].span[0] > 12:
            continue
        rng: DateRange = found[0]
        start = trig.end() + rng.span[0]
        into.dates.append(
            Found(
                rng,
                f"prose '{_snippet(p.text, trig.start())}' line {p.line_at(start)}",
                _conf(p, start, trig.end() + rng.span[1], digits_only=True),
                line=p.line_at(start),
                held=bool(_HELD.match(trig.group(0))),
            )
        )
        date_end = trig.end() + rng.span[1]
        after = _event_time(p, date_end, into, held=into.dates[-1].held)
        if after == date_end and following is not None:
            _time_on_the_next_line(p, after, following, into, into.dates[-1].held)
        if not _bare_place(p, after, into):
            _place_line_below(p, after, into)


def _event_time(p: Paragraph, after: int, into: ProseFindings, *, held: bool = True) -> int:
    """Read "pukul 13.00 WIB" right after the date; return where the time ends (or ``after``)."""
    window = p.text[after : after + 80]
    trig = _TIME_TRIGGER.search(window)
    if trig and trig.start() > 12:
        trig = None
    base = after + (trig.end() if trig else 0)
    times = find_times(p.text[base : base + 60])
    if not times or times[0].span[0] > (2 if trig else 3):
        return after
    t: TimeSpan = times[0]
    into.times.append(
        Found(
            t,
            f"prose '{_snippet(p.text, base, 30)}' line {p.line_at(base)}",
            _conf(p, base + t.span[0], base + t.span[1]),
            line=p.line_at(base),
            held=held,
        )
    )
    return base + t.span[1]


_BARE_PLACE = re.compile(r"\s*,?\s*di\s+(?=[A-Z0-9])")


def _bare_place(p: Paragraph, after: int, into: ProseFindings) -> bool:
    """A place named right after the date or time: "… pukul 08.00 WIB di Hotel Ibis …"."""
    m = _BARE_PLACE.match(p.text, after)
    if not m:
        return False
    end = clause_end(p.text, m.end())
    # Unanchored by a word such as "bertempat", the place ends where the sentence turns to
    # something else: a comma before a lowercase word ("di Putussibau, para kepala …").
    turn = re.search(r",\s+(?=[a-z])", p.text[m.end() : end])
    if turn:
        end = m.end() + turn.start()
    value = p.text[m.end() : end].strip(" ,;:")
    if 3 <= len(value) <= 150:
        into.places.append(
            Found(
                value,
                f"prose '{_snippet(p.text, m.start() + 1)}' line {p.line_at(m.end())}",
                _conf(p, m.end(), end),
            )
        )
        return True
    return False


# A venue or an online room, as a line of its own names it.
VENUE = re.compile(
    r"\b(?:zoom|google\s+meet|youtube|webex|microsoft\s+teams|aula|gedung|hotel|ruang|auditorium"
    r"|balai|pendopo|pendapa|masjid|lapangan|convention|hall)\b",
    re.I,
)


def _place_line_below(p: Paragraph, after: int, into: ProseFindings) -> None:
    """A post that sets date, time and place each on a line of its own, without labels
    ("Senin, 03 Agustus 2020" / "15.00 - 16.30 Wib" / "Aplikasi Zoom Meeting"): the line
    right after the date's or time's line is the place when it is short, holds no digit,
    and names a venue or an online room."""
    index = next((i for i, start in enumerate(p.starts) if start >= after), None)
    if index is None or p.text[after : p.starts[index]].strip():
        return  # the date or time does not end its line
    end = p.starts[index + 1] - 1 if index + 1 < len(p.starts) else len(p.text)
    value = p.text[p.starts[index] : end].strip(" ,;:")
    if (
        len(value.split()) <= 6
        and not re.search(r"\d|:", value)
        and VENUE.search(value)
        and value[:1].isupper()
    ):
        into.places.append(
            Found(
                value,
                f"line below the date '{value}' line {p.lines[index].number}",
                _conf(p, p.starts[index], end),
            )
        )


# --- the place ---------------------------------------------------------------------------

_PLACE_TRIGGER = re.compile(
    r"\b(?:bertempat|berlokasi|tempat\s+pelaksanaan)\b[\s.,]*(?:di\b)?\s*:?\s*", re.I
)
_ABBREVIATIONS = frozenset(
    {
        "jl",
        "jln",
        "no",
        "nomor",
        "kav",
        "gd",
        "lt",
        "dr",
        "ir",
        "h",
        "hj",
        "st",
        "prof",
        "kec",
        "kel",
        "kab",
        "prov",
        "komp",
        "blok",
        "rt",
        "rw",
        "raya",
        "drs",
        "kh",
        "tgk",
        "mt",
        "ds",
        "ruko",
        "km",
        "ji",
        "j1",
        "ii",
        "n0",  # OCR's readings of "Jl" and "No"
    }
)
_PLACE_END = re.compile(
    r"\s*(?:;|,?\s+(?:dengan\s+(?:agenda|acara|materi)|untuk\s|guna\s|yang\s+akan|pukul\b|pada\s+hari\b)"
    r"|,\s*(?:dengan|untuk|guna|serta|sedangkan|adapun|mengingat|dan\s+(?:dihadiri|diharapkan))\b)",
    re.I,
)


def clause_end(text: str, start: int) -> int:
    """Where the sentence running from ``start`` ends: a ``.`` (not after an abbreviation),
    a ``;``, or the start of a new clause."""
    end = len(text)
    m = _PLACE_END.search(text, start)
    if m:
        end = m.start()
    for dot in re.finditer(r"\.", text[start:end]):
        at = start + dot.start()
        word = re.search(r"([A-Za-z]+)$", text[start:at])
        after = text[at + 1 : at + 3]
        if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        if after[:1].isdigit():
            continue
        if after.strip() == "" or after.strip()[:1].isupper() or after[:1] in "\"'(":
            return at
    return end


def _place(p: Paragraph, into: ProseFindings) -> None:
    for trig in _PLACE_TRIGGER.finditer(p.text):
        start = trig.end()
        end = clause_end(p.text, start)
        value = p.text[start:end].strip(" ,;:")
        if len(value) < 3 or not value[:1].isalnum():
            continue
        into.places.append(
            Found(
                value,
                f"prose '{_snippet(p.text, trig.start())}' line {p.line_at(start)}",
                _conf(p, start, end),
            )
        )


# --- the event's name ----------------------------------------------------------------------

# "kegiatan Temu Inovator dengan tema “Sosialisasi …”": the theme is not part of the name.
_THEME = r"\s*,?\s+dengan\s+tema\b"
# The occasion: "Dalam rangka pelaksanaan X, kami …".
_OCCASION_EVENT = re.compile(
    r"\bdalam\s+rangka\s+(?:pelaksanaan|penyelenggaraan|kegiatan|memperingati)?\s*"
    r"(?P<v>.+?)(?=\s*,\s*(?:dengan\s+hormat|kami|bersama|maka|perkenankan|mohon|bapak|"
    r"kiranya|dimohon|diharapkan|sehubungan|kepada|berikut)\b|\s*[.;]\s"
    r"|\s+yang\s+(?:akan\s+)?(?:di)?(?:laksanakan|selenggarakan|adakan)\b"
    rf"|{_THEME})",
    re.I,
)
_EVENT_PATTERNS = (
    # The name in quotes after the verb or "kegiatan": "akan menyelenggarakan kegiatan “Bimtek …”",
    # "hadir pada kegiatan “RAPAT KERJA …”". The quotes bound it exactly.
    re.compile(
        r"\b(?:kegiatan|acara|menghadiri|mengikuti|menyelenggarakan|melaksanakan|mengadakan)"
        r"\s+(?:kegiatan\s+|acara\s+)?[“\"](?P<v>[^“”\"]{4,200}?)[”\"]",
        re.I,
    ),
    _OCCASION_EVENT,
    re.compile(
        r"\b(?:untuk\s+)?(?:menghadiri|mengikuti|(?<=dan\s)ikuti)\s+(?:kegiatan\s+|acara\s+)?"
        r"(?P<v>.+?)"
        r"(?=\s*,|\s+yang\s+akan|\s+yang\s+(?:di)?(?:laksanakan|selenggarakan)|\s+pada\s+hari"
        rf"|\s+pada\s+tanggal|\s+pada\s*:|\s*[.;]\s|{_THEME})",
        re.I,
    ),
    re.compile(
        r"\b(?:akan\s+(?:menyelenggarakan|melaksanakan|mengadakan)\s+(?:kegiatan\s+|acara\s+)?"
        # without "akan" only with the word "kegiatan"/"acara": "HIMA BARTIM … melaksanakan
        # kegiatan Diskusi Online dengan tema …"
        r"|(?:menyelenggarakan|melaksanakan|mengadakan)\s+(?:kegiatan|acara)\s+)"
        rf"(?P<v>.+?)(?=\s*,|\s+yang\s|\s+pada\s|\s+bertempat|\s*[.;:]\s|{_THEME})",
        re.I,
    ),
    # "Bersama ini disampaikan undangan Silaturahmi Syawal 1443 H, yang akan diselenggarakan
    # pada tanggal 8 Mei 2022" (a consulate's mail): the invitation names the event it is for.
    re.compile(
        r"\bundangan\s+(?:kegiatan\s+|acara\s+)?(?![“\"])(?P<v>[^.;:“\"]{3,120}?)"
        r"(?=\s*,?\s+yang\s+akan\s+(?:di)?(?:laksanakan|selenggarakan|adakan|gelar)\b)",
        re.I,
    ),
    # "… untuk hadir pada Sidang Umum II DPM 2022/2023 yang akan dilaksanakan pada:",
    # "… hadir dalam acara Technical Meeting." (a quoted name: the first pattern)
    # "… bekerjasama dengan PT. … menyelenggarakan Seminar Online pada:", "… menyelenggarakan
    # Seminar Online dengan tema …": without "akan" or "kegiatan", only when "pada:" or the
    # theme follows the name directly.
    re.compile(
        r"\b(?:menyelenggarakan|mengadakan)\s+(?![“\"])(?P<v>[^.;:,“\"]{3,100}?)"
        rf"(?=\s+pada\s*:|{_THEME})",
        re.I,
    ),
    re.compile(
        r"\bhadir\s+(?:pada|dalam)\s+(?:acara\s+|kegiatan\s+)?(?![“\"])"
        rf"(?P<v>.+?)(?=\s*,|\s+yang\s|\s+pada\s|\s+bertempat|\s*[.;:](?:\s|$)|{_THEME})",
        re.I,
    ),
)
# The reason clause names the event less directly than the sentence that invites to it
# ("Sehubungan dengan akan diadakannya Rapat Kerja Zona … ke III, kami … hadir pada kegiatan
# “RAPAT KERJA ZONA KE III …”"): a weaker reading (rank 3), used when nothing names it better.
_REASON_EVENT = re.compile(
    r"\bsehubungan\s+dengan\s+(?:akan\s+)?(?:di)?(?:adakan|laksanakan|selenggarakan|gelar)nya"
    r"\s+(?:kegiatan\s+|acara\s+)?(?![“\"])"
    rf"(?P<v>.+?)(?=\s*,|\s+yang\s|\s+pada\s|\s+bertempat|\s*[.;:](?:\s|$)|{_THEME})",
    re.I,
)
# "… Rapat Umum Pemegang Saham Tahunan (Rapat)", "… (selanjutnya disebut “Rapat”)": the short
# name a letter defines for the event is not part of the event's name.
_DEFINED_TERM = re.compile(
    r"\s*\((?:selanjutnya\s+disebut\s+)?[“\"]?(?:rapat|acara|kegiatan|pertemuan)[”\"]?\)"
    # "… Tahunan (“Rapat”) Perseroan": "Perseroan" is the company, not part of the name
    r"(?=\s*(?:perseroan\s*)?$)|\s+perseroan\s*$",
    re.I,
)
_NOT_A_NAME = re.compile(
    r"\b(?:sebagaimana|tersebut|dimaksud|di\s*bawah\s+ini|berikut|ini|itu|bapak|ibu|saudara"
    r"|kegiatan\s+kami|kami|acara\s+kami)\b",
    re.I,
)


# After the word "acara" or "kegiatan" a name may start in lower case when it holds a proper
# name: "mengadakan acara penutupan dan juga perpisahan KKN IAIT Tasikmalaya Tahun 2022".
def _holds_proper_name(value: str) -> bool:
    words = value.split()
    return len(words) >= 3 and any(w[:1].isupper() for w in words[1:])


def _closing_quote(text: str, value: str, end: int) -> tuple[str, int]:
    """``value`` (ending at ``end`` in ``text``) run on to its closing quote when it opened one:
    a colon inside the quoted title ("“… Cancer Care: Taking Action …”") cut it short."""
    if value.count("“") > value.count("”"):
        close = text.find("”", end)
        if close != -1 and close - end <= 200:
            return text[end - len(value) : close + 1], close + 1
    return value, end


def _event_name(p: Paragraph, into: ProseFindings) -> None:
    # "Dalam rangka X, kami mengundang …" gives the occasion, read after the sentence that
    # invites, which names the event itself: when one reading holds the other ("hadir pada
    # Sidang Umum II DPM …" under "Dalam rangka Penetapan Anggaran … dalam Sidang Umum II
    # DPM …"), the first read is the one given. "Sehubungan dengan diadakannya X" is weaker.
    patterns = [(pattern, 2) for pattern in _EVENT_PATTERNS if pattern is not _OCCASION_EVENT]
    patterns += [(_OCCASION_EVENT, 2), (_REASON_EVENT, 3)]
    for pattern, rank in patterns:
        for m in pattern.finditer(p.text):
            raw, end = _closing_quote(p.text, m.group("v"), m.end("v"))
            value = _DEFINED_TERM.sub("", raw).strip(' ,;:“”"‘’')
            if value.count("“") > value.count("”"):
                value += "”"  # the name ends with its quoted title: "Webinar Kefarmasian “…”"
            named = re.search(r"\b(?:acara|kegiatan)\s+$", p.text[: m.start("v")], re.I)
            if (
                len(value.split()) < 2
                or not (value[:1].isupper() or (named and _holds_proper_name(value)))
                or _NOT_A_NAME.search(value)
                or len(value) > 200
            ):
                continue
            into.events.append(
                Found(
                    value,
                    f"prose '{_snippet(p.text, m.start())}' line {p.line_at(m.start('v'))}",
                    _conf(p, m.start("v"), end),
                    rank=rank,
                )
            )


# --- a table run into a sentence ---------------------------------------------------------

# "… dilaksanakan pada: Hari,Tanggal: Senin, … 2023 Waktu: 16.15 WIB - selesai Tempat :
# Auditorium Polstat STIS DC : PDA Diwajibkan …" (a post whose line breaks were lost).
_INLINE_LABEL = re.compile(
    r"(?<![\w/])(?P<label>hari\s*[,/]\s*tanggal|waktu|pukul|tempat|lokasi)\s*:\s*", re.I
)
# Where an inline value ends: the next "Word :" (another label, known or not).
_NEXT_LABEL = re.compile(r"\s+(?=[A-Za-z][\w.]*\s*:)")


def _inline_labels(p: Paragraph, into: ProseFindings) -> None:
    """The date, time and place of an event table run into a paragraph: two labels or more,
    each followed by a colon and its value up to the next label."""
    hits = list(_INLINE_LABEL.finditer(p.text))
    if len(hits) < 2:
        return
    for index, m in enumerate(hits):
        stop = hits[index + 1].start() if index + 1 < len(hits) else len(p.text)
        value = p.text[m.end() : stop]
        nxt = _NEXT_LABEL.search(value)
        if nxt:
            value = value[: nxt.start()]
        value = value.strip(" ,;")
        where = f"inline label '{m.group('label')}' line {p.line_at(m.start())}"
        conf = _conf(p, m.end(), m.end() + len(value))
        label = m.group("label").lower()
        if label.startswith("hari"):
            found = find_dates(value)
            if len(found) == 1:
                into.dates.append(Found(found[0], where, conf, line=p.line_at(m.start())))
        elif label in ("waktu", "pukul"):
            times = find_times(value)
            if len(times) == 1:
                into.times.append(Found(times[0], where, conf, line=p.line_at(m.start())))
        elif 3 <= len(value) <= 150 and not re.search(r"\d{1,2}[.:]\d\d", value):
            into.places.append(Found(value, where, conf))


def read(doc: Document, skip: set[int]) -> ProseFindings:
    """Everything the prose says about the event (each with where it was read)."""
    findings = ProseFindings()
    found = paragraphs(doc, skip)
    for index, p in enumerate(found):
        following = found[index + 1] if doc.geometric and index + 1 < len(found) else None
        _event_dates(p, findings, following)
        _place(p, findings)
        _event_name(p, findings)
        if doc.source != "ocr":
            # Inline labels hang on exact colons and word breaks, which OCR misreads (a colon
            # lost, "Auditorium-Polstat"): in a scan the run-on table is left unread.
            _inline_labels(p, findings)
    return findings
