"""The invitation's fields, read from its lines, with where each came from.

Each field gathers *candidates* from every place a letter may state it: a
label in the header or event table (rank 1), a sentence of the body or the
date line ``Kota, 5 September 2026`` (rank 1 or 2), or a derivation such as
the event's name from the subject "Undangan Rapat …" (rank 3). The best rank
wins; explicit candidates (ranks 1-2) that disagree give ``null`` with both
named in the explanation, never a pick between them. An OCR'd value whose
words Tesseract read with low confidence is ``null`` too: a wrong number in
an SPT's "Dasar" costs more than typing it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.extract import labels as label_rules
from pipeline.extract import letterhead, prose
from pipeline.extract.dates import (
    DateRange,
    TimeSpan,
    find_dates,
    find_times,
    format_date,
    parse_date,
)
from pipeline.extract.labels import Labeled
from pipeline.extract.layout import Document, Line
from pipeline.extract.numbers import clean_number, number_and_rest

FIELD_KEYS = (
    "nomor",
    "tanggal",
    "hal",
    "pengirim",
    "acara",
    "tanggal_mulai",
    "tanggal_selesai",
    "waktu",
    "tempat",
)
MIN_OCR_CONF = 50.0  # below this, an OCR'd value is not trusted

NOT_INVITATION = "Berkas tidak tampak seperti surat undangan; isian perlu dilengkapi manual."

_INVITING = re.compile(
    r"\b(?:undangan|mengundang|diundang|kehadiran(?:nya)?|menghadiri|hadir\s+pada|untuk\s+hadir"
    r"|dapat\s+hadir|mengikuti\s+kegiatan"
    # asked to come: "Mohon Alumni … untuk datang pada :", "mohon datang tepat waktu",
    # "Kami tunggu partisipasinya"
    r"|mohon\s+datang|(?<=\s)untuk\s+datang\s+pada|(?:kami\s+)?tunggu\s+(?:kehadiran|partisipasi)\w*"
    # an events page's imperative: "Hadirilah kuliah tamu …", "datang dan ikuti …", "Jangan
    # lupa hadir"
    r"|hadirilah|(?:datang|hadir)\s+dan\s+ikuti|jangan\s+lupa\s+(?:hadir|datang)"
    # an open event that asks people to sign up: "Save the date!", "Peserta maksimal 1000
    # orang", "Link Pendaftaran: …" (a webinar's post; a test told to applicants has none)
    r"|save\s+the\s+date|peserta\s+maksimal|link\s+pendaftaran"
    # what to wear is told to those who come: "Pakaian: Dress Code Almamater"
    r"|(?:pakaian|dress\s*code)(?=\s*:)"
    # a request to send people: "kami mohon … untuk dapat menugaskan / mengutus …"
    r"|menugaskan|mengutus|mendelegasikan|mengirimkan\s+(?:peserta|utusan|wakil))\b"
    # weaker words count only when they are asked of the addressee: "Bapak/Ibu … sebagai
    # narasumber", "kesediaan Saudara"; a circular's "guru terlibat sebagai peserta" invites no one
    r"|\b(?:bapak|ibu|saudara|sdr\.?|anda)\b[^.]{0,80}?\b(?:sebagai\s+(?:narasumber|peserta|"
    r"pembicara|pemateri)|narasumber)\b|\bkesediaan\s+(?:bapak|ibu|saudara|sdr\.?|anda)\b",
    re.I,
)
_DATE_LINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z.'’\- ]{1,40}?)\s*[,.]\s*"
    r"(?P<date>(?:\d{1,2}\s+)?[A-Za-z]+\.?\s+\d{4}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s*\.?\s*$"
)
_WEEKDAY = re.compile(
    r"^(?:senin|selasa|rabu|kamis|jum.?at|sabtu|minggu|ahad|hari|tanggal)\b", re.I
)
# The letter's opening: the addressee, or a greeting ("Dear HIMASTI,", "Assalamu'alaikum").
_SALUTATION = re.compile(
    r"^\s*(?:yth\b|kepada\b|dengan hormat|dear\b|halo\b|hai\b|assalamu|salam\s+sejahtera)",
    re.I,
)
# A title is the weakest evidence of the event's name: any sentence or subject naming it wins.
_TITLE_RANK = 4
_KINDS_OF_GATHERING = frozenset(
    {"rapat", "pertemuan", "acara", "kegiatan", "resmi", "peserta", "narasumber", "kehadiran"}
)
# An "Acara"/"Kegiatan" row that describes what happens ("Sharing session mengenai perilaku
# berkendaraan …, Fenomena Malaria, Transportasi … dll.") rather than naming the event.
_DESCRIBES = re.compile(r"\b(?:dll|dsb|dan\s+lain-lain)\b|(?:[^,]*,){3}")
_HAL_TO_EVENT = re.compile(
    r"^\s*undangan\s*[:\-–]?\s*(?:terbuka\s+)?(?:(?:sebagai\s+)?(?:peserta|narasumber|pembicara|pemateri"
    r"|moderator)\s+)?(?:untuk\s+)?(?:(?:menghadiri|mengikuti|pelaksanaan|penyelenggaraan)\s+)?"
    r"(?:(?:kegiatan|acara)\s+)?",
    re.I,
)


# An "Acara" whose value is a schedule ("08.00 - 08.30 Registrasi"), a pointer ("terlampir",
# "sebagaimana terlampir") or a dash is not the event's name: null rather than the times.
_NOT_AN_EVENT = re.compile(
    r"^\s*(?:(?:pukul\s*)?\d{1,2}\s?[.:]\s?\d\d|[-–—]+\s*$|(?:sebagaimana\s+|seperti\s+)?"
    r"(?:terlampir|(?:di\s*)?bawah\s+ini|berikut)\b)",
    re.I,
)


_BOARD_INVITES = re.compile(
    r"\bDireksi\s+(?P<n>(?:PT|Perum|Perusahaan\s+Perseroan)\s[^\n“\"]{2,80}?)\s*"
    r"(?:\(\s*[“\"]|,?\s+berkedudukan|,?\s+dengan\s+ini)"
)


@dataclass(frozen=True)
class Candidate:
    value: object  # str, or DateRange / TimeSpan for dates and times
    where: str
    rank: int
    conf: float | None = None


@dataclass
class Reading:
    fields: dict[str, str | None]
    explain: dict[str, str]
    notes: list[str] = field(default_factory=list)
    is_invitation: bool = True


def norm_text(text: str) -> str:
    """A comparison key: case, spacing, dashes and outer punctuation do not matter."""
    text = text.replace("–", "-").replace("—", "-").replace("’", "'")
    text = re.sub(r"\s*([/&(),:-])\s*", r"\1", text)
    return " ".join(text.casefold().split()).strip(" .,;:")


def _same(a: object, b: object) -> bool:
    if isinstance(a, DateRange) and isinstance(b, DateRange):
        return (a.start, a.end) == (b.start, b.end)
    if isinstance(a, TimeSpan) and isinstance(b, TimeSpan):
        return (a.start, a.end, a.until_done) == (b.start, b.end, b.until_done)
    x, y = norm_text(str(a)), norm_text(str(b))
    return x == y or (len(x) > 8 and len(y) > 8 and (x in y or y in x))


def _show(value: object) -> str:
    if isinstance(value, DateRange):
        return (
            format_date(value.start)
            if value.single
            else f"{format_date(value.start)} - {format_date(value.end)}"
        )
    if isinstance(value, TimeSpan):
        return value.text
    return str(value)


def decide(candidates: list[Candidate], *, what: str = "") -> tuple[object | None, str]:
    """The value the candidates support, or ``None`` with the reason."""
    if not candidates:
        return None, f"null: {what or 'not found'}"
    best = min(c.rank for c in candidates)
    pool = (
        [c for c in candidates if c.rank == best]
        if best >= 3
        else [c for c in candidates if c.rank <= 2]
    )
    chosen = min(pool, key=lambda c: c.rank)
    for other in pool:
        if not _same(chosen.value, other.value):
            return None, (
                f"null: candidates disagree: '{_show(chosen.value)}' ({chosen.where}) vs "
                f"'{_show(other.value)}' ({other.where})"
            )
    low = [c for c in pool if c.conf is not None and c.conf < MIN_OCR_CONF]
    if low:
        return None, (
            f"null: OCR read '{_show(low[0].value)}' with low confidence "
            f"({low[0].conf:.0f}) ({low[0].where})"
        )
    agreeing = [c.where for c in pool if c is not chosen and c.where != chosen.where]
    extra = f"; agrees with {', '.join(agreeing)}" if agreeing else ""
    return chosen.value, chosen.where + extra


_TIME_JOINERS = re.compile(r"^(?:[\s&,;/+]|\bdan\b|\bserta\b)*$", re.I)


def _only_times(value: str, times: list[TimeSpan]) -> str | None:
    """``value`` with its times written the usual way, when it holds nothing but the times
    and the words joining them ("&", "dan", a comma); else ``None``."""
    rest, out, at = [], [], 0
    for t in times:
        rest.append(value[at : t.span[0]])
        out.append(value[at : t.span[0]] if at else "")
        out.append(t.text)
        at = t.span[1]
    rest.append(value[at:])
    if not all(_TIME_JOINERS.match(piece) for piece in rest):
        return None
    return " ".join("".join(out).split()).strip(" ,;")


def rest_mentions(text: str, words: list[str]) -> bool:
    """``text`` holds ``words`` as a phrase, whatever their case."""
    phrase = r"\s+".join(re.escape(w) for w in words)
    return bool(re.search(rf"(?<!\w){phrase}(?!\w)", text, re.I))


def _near_miss(a: str, b: str) -> bool:
    """Different, but only by a character or two: one reading of the same words is wrong."""
    x, y = norm_text(a), norm_text(b)
    return x != y and difflib.SequenceMatcher(None, x, y).ratio() >= 0.9


def _clean_text(value: str) -> str:
    value = " ".join(value.split()).strip(" ,;:")
    return value.rstrip(".") if not re.search(r"\b(?:[A-Z]|No|Jl|Kav|Tbk)\.$", value) else value


_HIJRI_LINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Za-z.'’\- ]{1,40}?)\s*,\s*\d{1,2}\s+[A-Za-z'’ ]{3,30}?\s+1[3-5]\d\d"
    r"\s*H\.?\s*$"
)
_MASEHI_BELOW = re.compile(r"^\s*(?P<date>\d{1,2}\s+[A-Za-z]+\.?\s+\d{4})\s*M?\.?\s*$")


def _date_lines(doc: Document, skip: set[int]) -> list[tuple[Line, DateRange | None]]:
    """``Kota, 5 September 2026`` lines, and a Hijri date line's Masehi line below it
    (``Surabaya, 4 Rabiul Awal 1445 H`` / ``20 September 2023 M``): the Masehi date is the
    letter's date, on the line that states it."""
    found = []
    lines = doc.lines
    for index, line in enumerate(lines):
        if line.number in skip:
            continue
        hijri = _HIJRI_LINE.match(line.text)
        if hijri and not _WEEKDAY.match(hijri.group("place")):
            below = next(
                (ln for ln in lines[index + 1 : index + 3] if ln.column == line.column), None
            )
            m = _MASEHI_BELOW.match(below.text) if below is not None else None
            if below is not None and m:
                found.append((below, parse_date(m.group("date"))))
            continue
        m = _DATE_LINE.match(line.text)
        if not m or _WEEKDAY.match(m.group("place")) or len(m.group("place").split()) > 4:
            continue
        found.append((line, parse_date(m.group("date"))))
    return found


def _hijri_lines(doc: Document) -> set[int]:
    return {ln.number for ln in doc.lines if _HIJRI_LINE.match(ln.text)}


def _is_number_line(line: Line) -> str | None:
    token = line.text.strip()
    if re.match(r"^No\.\S+/", token) and " " not in token:
        number, _ = clean_number(token)
        return number
    return None


# A mail's subject carries its list's tag and the marks of replies and forwards: "[ac-i] Fwd:
# Undangan …" is the subject "Undangan …".
_MAIL_SUBJECT_MARKS = re.compile(r"^(?:\[[^\]]{1,40}\]\s*|(?:re|fwd?|fw|tr)\s*:\s*)+", re.I)


def _subject(item: Labeled) -> str:
    value = _clean_text(item.value)
    if item.label.lower() in ("subject", "subjek"):
        value = _MAIL_SUBJECT_MARKS.sub("", value).strip()
    return value


# Mail programs print a forwarded message's headers in English or in Indonesian.
_MAIL_DATE = re.compile(r"^\s*(?:date|sent|dikirim)\s*:\s*(?P<v>\S.*)$", re.I)
_MAIL_FROM = re.compile(r"^\s*(?:from|dari)\s*:", re.I)
_MAIL_SUBJECT = re.compile(r"^\s*(?:subject|subjek)\s*:", re.I)
_ENGLISH_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}


def _mail_date(text: str) -> DateRange | None:
    """The day a mail was sent, as mail programs print it: "2008/7/2", "Wednesday, July 2,
    2008, 9:08 PM", "Wed, 2 Jul 2008 10:00:00 +0700", or an Indonesian date."""

    def day(y: int, mo: int, d: int) -> DateRange | None:
        try:
            when = dt.date(y, mo, d)
        except ValueError:
            return None
        return DateRange(when, when, text.strip(), (0, len(text)))

    m = re.match(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})\b", text)
    if m:
        return day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.search(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b", text)
    if m and m.group(1).lower() in _ENGLISH_MONTHS:
        return day(int(m.group(3)), _ENGLISH_MONTHS[m.group(1).lower()], int(m.group(2)))
    m = re.search(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})\b", text)
    if m and m.group(2).lower() in _ENGLISH_MONTHS:
        return day(int(m.group(3)), _ENGLISH_MONTHS[m.group(2).lower()], int(m.group(1)))
    found = find_dates(text)
    return found[0] if len(found) == 1 and found[0].single else None


@dataclass(frozen=True)
class _Stated:
    name: str
    where: str
    date: DateRange | None = None
    time: TimeSpan | None = None
    place: str | None = None


def _stated(rest: str, where: str) -> _Stated | None:
    """``rest`` ("Sarasehan Budaya di Studio-B RRI Jkt, Sabtu 5 Juli 2008, pkl 11.00-13.00")
    split into the event's name and the place, date and time it states: one date, after a
    comma; the place as "di <Place>" right before it; the time after "pukul"/"pkl"/"jam"."""
    dates = find_dates(rest)
    if len(dates) != 1:
        return None
    date = dates[0]
    head = re.match(r"^(?P<head>.+?)\s*,\s*$", rest[: date.span[0]])
    if head is None:
        return None
    name, place = head.group("head"), None
    at = re.match(r"^(?P<name>.+?)\s+di\s+(?P<place>[A-Z][^,]{1,60}?)\s*$", name)
    if at is not None:
        name, place = at.group("name"), at.group("place")
    tail = rest[date.span[1] :]
    times = find_times(tail)
    time = None
    if len(times) == 1 and re.fullmatch(
        r"\s*,?\s*(?:pukul|pkl\.?|jam)\s*:?\s*", tail[: times[0].span[0]], re.I
    ):
        time = times[0]
    return _Stated(_clean_text(name), where, date, time, place and _clean_text(place))


class _Reader:
    def __init__(self, doc: Document):
        self.doc = doc
        self.labeled = label_rules.collect(doc)
        self.header, self.event = label_rules.split_header_event(doc, self.labeled)
        self.label_lines = label_rules.continuation_numbers(self.labeled)
        self.date_lines = _date_lines(doc, self.label_lines)
        date_line_numbers = {ln.number for ln, _ in self.date_lines} | _hijri_lines(doc)
        self.prose = prose.read(doc, self.label_lines | date_line_numbers)
        self.fields: dict[str, str | None] = {}
        self.explain: dict[str, str] = {}
        self.table_end: int | None = None  # the event table's last line (event_dates sets it)
        self.notes: list[str] = []

    def _labels(self, source: list[Labeled], *keys: str) -> list[Labeled]:
        return [item for item in source if item.key in keys]

    def _set(
        self,
        key: str,
        value: object | None,
        why: str,
        show: Callable[[object], str | None] = lambda v: str(v),
    ) -> None:
        self.fields[key] = None if value is None else show(value)
        self.explain[key] = why

    # --- header ---------------------------------------------------------------------------

    def nomor(self) -> None:
        candidates, problems = [], []
        for item in self._labels(self.header, "nomor"):
            number, why = clean_number(item.value)
            if number:
                candidates.append(Candidate(number, item.where, 1, item.min_conf()))
            else:
                problems.append(f"{why} ({item.where})")
        for line in self.doc.lines[:40]:
            number = _is_number_line(line)
            if number:
                candidates.append(
                    Candidate(number, f"number line {line.number}", 1, line.min_conf())
                )
        what = problems[0] if problems else "no 'Nomor' label found"
        self._set("nomor", *decide(candidates, what=what))

    def hal(self) -> None:
        candidates = [
            Candidate(_subject(item), item.where, 1, item.min_conf())
            for item in self._labels(self.header, "hal")
            if _subject(item) not in ("", "-")
        ]
        self._set("hal", *decide(candidates, what="no 'Hal'/'Perihal' label found"))

    def tanggal(self) -> None:
        candidates, problems = [], []
        for item in self._labels(self.header, "tanggal"):
            rng = parse_date(item.value)
            if rng and rng.single:
                candidates.append(Candidate(rng, item.where, 1, item.min_conf()))
            else:
                problems.append(f"'{item.value}' is not one date ({item.where})")
        for line, rng in self.date_lines:
            if rng and rng.single:
                candidates.append(
                    Candidate(
                        rng, f"date line '{line.text}' line {line.number}", 1, line.min_conf()
                    )
                )
            else:
                problems.append(f"date line '{line.text}' has no full date (line {line.number})")
        candidates += self._dates_on_number_line()
        candidates += self._forwarded_mail_date()
        what = problems[0] if problems else "no letter date found"
        value, why = decide(candidates, what=what)
        self._set("tanggal", value, why, lambda v: v.start.isoformat())

    def _forwarded_mail_date(self) -> list[Candidate]:
        """An invitation sent as a mail and forwarded (or quoted) in a mail's body: the header
        blocks printed into the body ("From: …" / "Date: 2008/7/2" / "Subject: …") whose
        subject is the invitation's (the Hal read) belong to its message and the mails that
        passed it on; the last of them, the innermost, is the original, and the day it was
        sent is the letter's date. A block of another subject (older history under a reply)
        says nothing. A weaker reading (rank 2) than a date line the invitation writes."""
        hal = self.fields.get("hal")
        if self.doc.source != "email body" or not hal:
            return []
        lines = self.doc.lines
        found = []
        for index, line in enumerate(lines):
            m = _MAIL_DATE.match(line.text)
            if not m:
                continue
            block = lines[max(0, index - 3) : index + 4]
            subjects = [
                _MAIL_SUBJECT_MARKS.sub("", _clean_text(hit[2])).strip()
                for ln in block
                if _MAIL_SUBJECT.match(ln.text) and (hit := label_rules.match_label(ln)) is not None
            ]
            if not any(_MAIL_FROM.match(ln.text) for ln in block) or not any(
                norm_text(subject) == norm_text(hal) for subject in subjects
            ):
                continue
            day = _mail_date(m.group("v"))
            if day is not None:
                found.append(Candidate(day, f"date of the forwarded mail line {line.number}", 2))
        return found[-1:]

    @staticmethod
    def _counts(found: prose.Found, table_end: int | None) -> bool:
        """Below the event's table, a date (and its time) read after a bare "pada hari" is
        another date (shareholders of record, a deadline), not the event's."""
        return table_end is None or found.line < table_end or found.held

    def _dates_on_number_line(self) -> list[Candidate]:
        """The letter's date written without a place on the number's line (Kemendikbud,
        Kemenag): after the number in the same value, or alone in the right-hand column of
        that row."""
        found = []
        for item in self._labels(self.header, "nomor"):
            number, _, rest = number_and_rest(item.value)
            if number:
                rng = parse_date(rest) if re.search(r"\d{4}", rest) else None
                if rng and rng.single:
                    found.append(
                        Candidate(rng, f"date after the number ({item.where})", 1, item.min_conf())
                    )
            if not self.doc.geometric:
                continue
            row = item.line
            for line in self.doc.lines:
                if (
                    line.column == 1
                    and line.page == row.page
                    and abs(line.top - row.top) <= 0.6 * row.height
                ):
                    rng = parse_date(line.text)
                    if rng and rng.single and not re.search(r"[A-Za-z]{3,}\s*,", line.text):
                        found.append(
                            Candidate(
                                rng,
                                f"date beside the number '{line.text}' line {line.number}",
                                1,
                                line.min_conf(),
                            )
                        )
        return found

    # --- the event ------------------------------------------------------------------------

    def event_dates(self) -> None:
        candidates: list[Candidate] = []
        problems = []
        dated_labels = []
        # A "Hari" row counts when it carries the date too ("Hari : Kamis, Tanggal 9 Agustus
        # 2018"); alone ("Hari : Senin") it says nothing about the date, like "Waktu".
        for item in self._labels(self.event, "hari_tanggal", "tanggal", "waktu", "hari"):
            found = find_dates(item.value)
            if found:
                dated_labels.append(item)
            if len(found) == 1:
                conf = item.min_conf(digits_only=True)
                candidates.append(Candidate(found[0], item.where, 1, conf))
            elif len(found) > 1:
                why = f"null: several separate dates in '{item.value}' ({item.where})"
                self._set("tanggal_mulai", None, why)
                self._set("tanggal_selesai", None, why)
                return
            elif item.key not in ("waktu", "hari"):
                problems.append(f"no date in '{item.value}' ({item.where})")
        self.table_end = max((item.lines[-1].number for item in dated_labels), default=None)
        candidates += [
            Candidate(f.value, f.where, 2, f.conf)
            for f in self.prose.dates
            if self._counts(f, self.table_end)
        ]
        stated = self._stated_in_subject()
        if stated is not None and stated.date is not None:
            candidates.append(Candidate(stated.date, stated.where, 3))
        what = problems[0] if problems else "no event date found"
        value, why = decide(candidates, what=what)
        if isinstance(value, DateRange):
            mismatch = value.weekday_mismatch()
            if mismatch:
                self.notes.append(
                    f"Nama hari pada surat tidak sesuai dengan tanggalnya ({mismatch}); "
                    "periksa kembali tanggal kegiatan."
                )
                why += f"; weekday disagrees: {mismatch}"
        self._set("tanggal_mulai", value, why, lambda v: v.start.isoformat())
        self._set("tanggal_selesai", value, why, lambda v: v.end.isoformat())

    def waktu(self) -> None:
        candidates = []
        for item in self._labels(self.event, "waktu", "hari_tanggal"):
            times = find_times(item.value)
            if not times:
                continue
            conf = item.min_conf(digits_only=True)  # a doubtful "-" or "WIB" changes nothing
            if item.key == "waktu" and len(times) > 1:
                # "15.00 WIB s/d Selesai & 19.00 s/d selesai": two sessions. The first alone
                # would be a confident half-truth; the whole value is the time only when it
                # holds nothing but the times and the words joining them.
                joined = _only_times(item.value, times)
                if joined is None:
                    self._set("waktu", None, f"null: several times in '{item.value}' "
                              f"({item.where})")
                    return
                candidates.append(Candidate(joined, item.where, 1, conf))
                continue
            candidates.append(Candidate(times[0], item.where, 1, conf))
        candidates += [
            Candidate(f.value, f.where, 2, f.conf)
            for f in self.prose.times
            if self._counts(f, self.table_end)
        ]
        stated = self._stated_in_subject()
        if stated is not None and stated.time is not None:
            candidates.append(Candidate(stated.time, stated.where, 3))
        self._set(
            "waktu",
            *decide(candidates, what="no time found"),
            show=lambda v: v.text if isinstance(v, TimeSpan) else str(v),
        )

    def tempat(self) -> None:
        candidates = [
            Candidate(_clean_text(item.value), item.where, 1, item.min_conf())
            for item in self._labels(self.event, "tempat")
            # a place's own short name in capitals ("Tempat: OT") counts; other scraps do not
            if len(_clean_text(item.value)) > 2 or re.fullmatch(r"[A-Z]{2}", item.value.strip())
        ]
        candidates += [
            Candidate(_clean_text(str(f.value)), f.where, 2, f.conf) for f in self.prose.places
        ]
        candidates += self._via_line()
        stated = self._stated_in_subject()
        if stated is not None and stated.place is not None:
            candidates.append(Candidate(stated.place, stated.where, 3))
        for item in self._labels(self.event, "tempat"):
            below = self._runs_on(item)
            if below is not None:
                # "Tempat : Senggigi Ballroom (Lantai 2)" / "Aston Inn Mataram" / "Jl. Panca
                # Usaha No.1, …, Nusa Tenggara" / "Barat" / "Link Zoom : …": the place goes on
                # under its label, broken where the sender broke it; how its pieces join
                # ("Nusa Tenggara" + "Barat") is not on the page. The first line alone would be
                # half the place.
                self._set(
                    "tempat",
                    None,
                    f"null: the place runs on below its label to line {below} ({item.where})",
                )
                return
        self._set("tempat", *decide(candidates, what="no place found"))

    _WORD_COLON = re.compile(r"^\s*[A-Za-z][\w .]{0,25}:")

    def _runs_on(self, item: Labeled) -> int | None:
        """The last line of unlabelled lines that carry a value on under its label, up to the
        event table's next row ("Word :"), else None. Lines that end a sentence, or run
        long, are the letter going on, not the value."""
        lines = self.doc.lines
        at = lines.index(item.lines[-1])
        between: list[Line] = []
        for line in lines[at + 1 : at + 7]:
            if line.column != item.line.column:
                continue
            labelled = label_rules.match_label(line, ocr=self.doc.source == "ocr")
            if labelled or self._WORD_COLON.match(line.text):
                return between[-1].number if between else None
            text = line.text.strip()
            if not text or text.endswith((".", "!", "?")) or len(text.split()) > 14:
                return None
            between.append(line)
        return None

    def _via_line(self) -> list[Candidate]:
        """"Via Zoom Live" on a line of its own right after the event table: the place of an
        online event."""
        if not self.event:
            return []
        last = max(item.lines[-1].number for item in self.event)
        after = [ln for ln in self.doc.lines if ln.number > last and ln.column == 0][:2]
        for line in after:
            m = re.match(r"^\s*via\s+(?P<v>\S.*?)\s*$", line.text, re.I)
            if m and len(m.group("v").split()) <= 4 and prose.VENUE.search(m.group("v")):
                where = f"line after the event table '{line.text.strip()}' line {line.number}"
                return [Candidate(_clean_text(m.group("v")), where, 2, line.min_conf())]
        return []

    def acara(self) -> None:
        candidates = [
            Candidate(_clean_text(item.value), item.where, 1, item.min_conf())
            for item in self._labels(self.event, "acara")
            if len(_clean_text(item.value)) > 2
            and not _NOT_AN_EVENT.match(item.value)
            and not _DESCRIBES.search(item.value)
        ]
        candidates += [
            Candidate(_clean_text(str(f.value)), f.where, f.rank, f.conf)
            for f in self.prose.events
        ]
        derived = None
        hal = self.fields.get("hal")
        if hal:
            m = _HAL_TO_EVENT.match(hal)
            rest = hal[m.end() :].strip() if m else ""
            stated = self._stated_in_subject()
            if stated is not None:
                rest = stated.name
            if m and len(rest.split()) >= 2:
                derived = Candidate(rest, f"derived from hal ({self.explain['hal']})", 3)
                candidates.append(derived)
        titled = self._title_event()
        if titled is not None:
            candidates.append(titled)
        value, why = decide(candidates, what="no event name found")
        fuller = next(
            (
                c
                for c in (derived, titled)
                if c is not None
                and value is not None
                and value is not c.value
                and norm_text(c.value).startswith(norm_text(str(value)) + " ")
            ),
            None,
        )
        if fuller is not None:
            # The sentence was cut short (a line break, a stray OCR full stop), or the body
            # names the event by its first words ("hadir dalam acara Technical Meeting" under
            # the title "Technical Meeting MABIM 2021"): the subject or title names the same
            # event in full.
            value, why = fuller.value, f"{fuller.where}; completes {why}"
        elif (
            self.doc.source == "ocr"
            and value is not None
            and derived is not None
            and value is not derived.value
            and _near_miss(str(value), derived.value)
        ):
            # Two OCR readings of the same words that differ by a letter or two: one of them
            # is misread and nothing says which. Neither is given as fact.
            why = (
                f"null: OCR readings of the event's name disagree: '{value}' ({why}) vs "
                f"'{derived.value}' (from hal)"
            )
            self._set("hal", None, why)
            value = None
        self._set("acara", value, why)

    def _stated_in_subject(self) -> _Stated | None:
        """What an "Undangan …" subject says besides the event's name: "Undangan Sarasehan
        Budaya di Studio-B RRI Jkt, Sabtu 5 Juli 2008, pkl 11.00-13.00" (a mail's subject
        often carries the whole invitation). The weakest readings of the date, time and place
        (rank 3): the table or the body's sentences win over them."""
        hal = self.fields.get("hal")
        m = _HAL_TO_EVENT.match(hal) if hal else None
        if not hal or not m or not hal.lower().startswith("undangan"):
            return None
        return _stated(hal[m.end() :].strip(), f"stated in the subject ({self.explain['hal']})")

    def _title_event(self) -> Candidate | None:
        """A notice posted as a web page or sent as a message starts with its title, set apart
        from the body: "Undangan Silaturahmi", "Technical Meeting MABIM 2021", "[Diskusi
        Online]". The title names the event when it says so ("Undangan <event>", at least two
        words) or when the body speaks of the event by the title's first two words ("… hadir
        dalam acara Technical Meeting"). A letter with a number has a subject of its own, and
        a kop line is a body's name, not a title: neither counts."""
        if self._labels(self.header, "nomor"):
            return None
        first_paragraphs = prose.paragraphs(self.doc, set())[:2]
        if not first_paragraphs:
            return None
        lines = first_paragraphs[0].lines
        if (
            len(lines) == 1
            and len(first_paragraphs) == 2
            and len(first_paragraphs[1].lines) == 1
            and lines[0].text.strip().rstrip(":").lower() == "undangan"
        ):
            lines = (lines[0], first_paragraphs[1].lines[0])  # a gap under the heading (a scan)
        if len(lines) == 2 and lines[0].text.strip().rstrip(":").lower() == "undangan":
            # "UNDANGAN" / "Webinar Kesatriaan Seri #01": the heading and the name below it
            line = lines[1]
            heading = f"Undangan {line.text.strip()}"
        elif len(lines) == 1 or (
            len(lines) == 2 and _HAL_TO_EVENT.match(lines[0].text)
        ):
            # one line, or "Undangan …" wrapped onto a second line (a long event's name)
            line = lines[0]
            heading = " ".join(ln.text.strip() for ln in lines)
        else:
            return None
        if line.page != 0 or lines[0] is not next(iter(self.doc.lines), None):
            return None
        # "[Diskusi Online]"; "[Lain-lain] Kuliah Tamu …" (a site's category before the title)
        title = re.sub(r"^\[[^\]]*\]\s+(?=\S)", "", heading).strip("[] ")
        # A title that says "Undangan …" may name a long event ("Undangan Pembukaan FGD
        # Sinkronisasi dan Inventarisasi Program … TA 2024"); any other is a heading of ten
        # words at most.
        longest = 20 if _HAL_TO_EVENT.match(title) and title.lower().startswith("undangan") else 10
        if (
            ":" in title
            or len(title.split()) > longest
            or find_dates(title)
            or find_times(title)
            or letterhead.starts_like_a_body(title)
            or line in letterhead.kop_lines(self.doc, len(self.doc.lines) + 1)
        ):
            return None
        where = f"title '{title}' line {line.number}"
        m = _HAL_TO_EVENT.match(title)
        if m:
            rest = title[m.end() :].strip()
            # A title is the name itself, so one word will do ("Undangan Silaturahmi"), but not
            # a kind of gathering ("Undangan Rapat") that any letter could say.
            if rest[:1].isupper() and (
                len(rest.split()) >= 2 or rest.lower() not in _KINDS_OF_GATHERING
            ):
                return Candidate(_clean_text(rest), where, _TITLE_RANK, line.min_conf())
            return None
        words = title.split()
        body = " ".join(ln.text for ln in self.doc.lines[1:])
        if len(words) >= 2 and rest_mentions(body, words[:2]):
            return Candidate(_clean_text(title), where, _TITLE_RANK, line.min_conf())
        return None

    def pengirim(self) -> None:
        stops = [item.line.number for item in self.header]
        stops += [ln.number for ln, _ in self.date_lines if ln.page == 0]
        stops += [ln.number for ln in self.doc.lines if _SALUTATION.match(ln.text)]
        stops += [
            p.lines[0].number
            for p in prose.paragraphs(self.doc, self.label_lines)
            if len(p.text.split()) > 12 and letterhead.upper_share(p.text) < 0.5
        ]
        stop = min(stops) if stops else len(self.doc.lines) + 1
        name, why, conf = letterhead.pengirim(self.doc, stop)
        candidates = [Candidate(name, why, 1, conf)] if name else []
        # A company's notice names its board as the one inviting: "Direksi PT Adhi Karya
        # (Persero) Tbk. (“Perseroan”) … dengan ini mengundang". Without a kop that is the
        # sender; under a kop it is a second reading of the same name, and two readings that
        # differ (a speck read as a comma in the kop's "PT Sky, Energy …") give null, not
        # one of them.
        m = _BOARD_INVITES.search(self.doc.text)
        if m:
            candidates.append(Candidate(m.group("n").strip(), "prose 'Direksi …'", 2))
        self._set("pengirim", *decide(candidates, what=why.removeprefix("null: ")))

    # --- the whole letter ---------------------------------------------------------------

    def looks_like_invitation(self) -> bool:
        text = self.doc.text
        structured = bool(
            self._labels(self.header, "nomor", "hal")
            or self._labels(self.event, "tempat")
            or self.prose.dates
            or self.prose.places
            or self._labels(self.event, "hari_tanggal")
        )
        return bool(_INVITING.search(text)) and structured

    def read(self) -> Reading:
        if not self.looks_like_invitation():
            return Reading(
                dict.fromkeys(FIELD_KEYS),
                dict.fromkeys(FIELD_KEYS, "null: the file does not look like an invitation"),
                [NOT_INVITATION],
                is_invitation=False,
            )
        self.nomor()
        self.hal()
        self.tanggal()
        self.pengirim()
        self.event_dates()
        self.waktu()
        self.tempat()
        self.acara()
        fields = {key: self.fields.get(key) for key in FIELD_KEYS}
        explain = {key: self.explain.get(key, "null: not read") for key in FIELD_KEYS}
        return Reading(fields, explain, self.notes)


def read_fields(doc: Document) -> Reading:
    """The nine fields of DESIGN.md read from ``doc``, with explanations and notes."""
    return _Reader(doc).read()
