"""Indonesian dates, date ranges and clock times, as letters write them.

Pure functions over text. A letter writes one event date in many ways::

    Selasa, 10 November 2026
    Selasa s.d. Kamis, 10 s.d. 12 November 2026
    Sabtu - Senin / 26 - 28 September 2026
    30 November s.d. 2 Desember 2026
    30 Desember 2026 s.d. 2 Januari 2027
    hari Kamis tanggal 19 November 2026

and a time as ``pukul 13.30 - 16.00 WIB``, ``08.00 WITA s.d. selesai`` or
``09:00 WIT``. :func:`find_dates` and :func:`find_times` locate these in
running text; nothing is guessed: a day that does not exist or a range that
ends before it starts is not a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipeline.core.dates_id import WEEKDAYS as WEEKDAY_NAMES
from pipeline.core.dates_id import format_date

MONTHS: dict[str, int] = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agust": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
}

WEEKDAYS: dict[str, int] = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}

MAX_RANGE_DAYS = 366

_DAY = r"(?:senin|selasa|rabu|kamis|jum[’'`]?at|sabtu|minggu|ahad)"
_MON = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_D = r"(?<![\d.])(?:[0-3]?\d)(?!\d)"
_Y = r"(?:19|20)\d\d(?!\d)"
_MY = r"\s*[-.,]?\s*"  # between month and year: "5 November 2026", "5 November, 2026", a scan's "-"
# Range separators: "s.d.", "s/d", "sd", "sampai dengan", "hingga", dashes; "dan" for two days.
_SEP = (
    r"\s*(?:s\s?\.\s?d\s?\.?|s\s?/\s?d\.?|\bsd\b\.?|\bsampai\s+dengan\b|\bsampai\b|\bhingga\b"
    r"|[-–—]|\bdan\b|&)\s*"
)
_TSEP = (  # the same without "dan": "08.00 dan 13.00" are two times, not a range
    r"\s*(?:s\s?\.\s?d\s?\.?|s\s?/\s?d\.?|\bsd\b\.?|\bsampai\s+dengan\b|\bsampai\b|\bhingga\b"
    r"|[-–—])\s*"
)
# "Kamis - Sabtu / ", "Selasa s.d. Kamis, ", "Kamis tanggal ", "Rabu,"
_WD_PREFIX = (
    rf"(?:(?P<wd1>{_DAY})(?:{_SEP}(?P<wd2>{_DAY}))?\s*[,/]?\s*"
    r"(?:(?:tanggal|tgl\.?)\s*:?\s*)?)?"
)
_WD_MID = rf"(?:(?P<wdm>{_DAY})\s*,?\s*(?:(?:tanggal|tgl\.?)\s*)?)?"

_FORMS = (
    # 30 Desember 2026 s.d. (Sabtu,) 2 Januari 2027
    rf"(?P<d1>{_D})\s+(?P<m1>{_MON}){_MY}(?P<y1>{_Y}){_SEP}{_WD_MID}(?P<d2>{_D})\s+(?P<m2>{_MON}){_MY}(?P<y2>{_Y})",
    # 30 November s.d. 2 Desember 2026
    rf"(?P<d1>{_D})\s+(?P<m1>{_MON}){_SEP}{_WD_MID}(?P<d2>{_D})\s+(?P<m2>{_MON}){_MY}(?P<y2>{_Y})",
    # 10 s.d. 12 November 2026
    rf"(?P<d1>{_D}){_SEP}{_WD_MID}(?P<d2>{_D})\s+(?P<m2>{_MON}){_MY}(?P<y2>{_Y})",
    # 10 November 2026
    rf"(?P<d2>{_D})\s+(?P<m2>{_MON}){_MY}(?P<y2>{_Y})",
    # 10/11/2026, 10-11-2026, 10.11.2026
    rf"(?P<d2>{_D})(?P<ns>[/.-])(?P<n2>[01]?\d)(?P=ns)(?P<y2>{_Y})",
)
_PATTERNS = tuple(re.compile(_WD_PREFIX + form, re.IGNORECASE) for form in _FORMS)


@dataclass(frozen=True)
class DateRange:
    """A date or a range of dates found in text, with the weekday names written beside it."""

    start: dt.date
    end: dt.date
    text: str
    span: tuple[int, int]
    weekday_start: str | None = None
    weekday_end: str | None = None

    @property
    def single(self) -> bool:
        return self.start == self.end

    def weekday_mismatch(self) -> str | None:
        """A description of a written weekday that disagrees with its date, or ``None``."""
        problems: list[str] = []
        for name, day in ((self.weekday_start, self.start), (self.weekday_end, self.end)):
            if name and WEEKDAYS.get(_weekday_key(name)) != day.weekday():
                problem = f"{name} ≠ {format_date(day)} ({WEEKDAY_NAMES[day.weekday()]})"
                if problem not in problems:
                    problems.append(problem)
        return "; ".join(problems) or None


@dataclass(frozen=True)
class TimeSpan:
    """A clock time or time range as written (``13.30 - 16.00 WIB``)."""

    text: str
    span: tuple[int, int]
    start: dt.time
    end: dt.time | None
    until_done: bool
    zone: str | None


def month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def _weekday_key(name: str) -> str:
    return re.sub(r"[’'`]", "", name.lower())


def _build(m: re.Match[str]) -> DateRange | None:
    g = m.groupdict()
    try:
        y2 = int(g["y2"])
        m2 = int(g["n2"]) if g.get("n2") else month_number(g["m2"])
        if m2 is None:
            return None
        end = dt.date(y2, m2, int(g["d2"]))
        if g.get("d1") is None:
            start = end
        else:
            m1 = month_number(g["m1"]) if g.get("m1") else m2
            if m1 is None:
                return None
            # "28 Desember s.d. 2 Januari 2027": the first date is in the year before.
            y1 = int(g["y1"]) if g.get("y1") else (y2 - 1 if m1 > m2 else y2)
            start = dt.date(y1, m1, int(g["d1"]))
    except ValueError:  # 31 September, 30 Februari ...
        return None
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        return None
    wd_start = g.get("wd1")
    wd_end = g.get("wdm") or g.get("wd2") or (wd_start if start == end else None)
    return DateRange(start, end, m.group(0).strip(), m.span(), wd_start, wd_end)


_STRAY_QUOTE = re.compile(r"(?<![A-Za-z])[’'`\"“”‘]|[’'`\"“”‘](?![A-Za-z])")


_LISTED_BEFORE = re.compile(rf"(?:(?<![\d.:/]){_D}|{_MON})\s*(?:,|{_SEP})\s*$", re.I)


def find_dates(text: str) -> list[DateRange]:
    """Every date or date range in ``text``, in order, without overlaps (longest first)."""
    # A quote mark that is not inside a word (Jum'at) is a scan's speck: blank it, keeping offsets.
    text = _STRAY_QUOTE.sub(" ", text)
    found: list[DateRange] = []
    broken: list[tuple[int, int]] = []  # text shaped like a date that is not one
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            rng = _build(m)
            if rng is not None:
                found.append(rng)
            else:
                broken.append(m.span())
    # "12 s.d. 10 November 2026" is a broken range, not the date "10 November 2026".
    found = [
        r
        for r in found
        if not any(
            b[0] <= r.span[0] and r.span[1] <= b[1] and b[1] - b[0] > r.span[1] - r.span[0]
            for b in broken
        )
    ]
    # "27-28 Februari dan 2 Maret 2023" (three days) is not "28 Februari - 2 Maret", nor "2
    # Maret": a date that follows a day or a month and a separator ("27-", "Februari dan",
    # "2, ") is only the tail of a list, which is no one date.
    found = [r for r in found if not _LISTED_BEFORE.search(text[: r.span[0]])]
    found.sort(key=lambda r: (r.span[0], -(r.span[1] - r.span[0])))
    chosen: list[DateRange] = []
    for rng in found:
        if chosen and rng.span[0] < chosen[-1].span[1]:
            continue
        chosen.append(rng)
    return chosen


def parse_date(text: str) -> DateRange | None:
    """The one date (or range) ``text`` consists of, or ``None`` when it holds none or several."""
    found = find_dates(text)
    if len(found) != 1:
        return None
    rest = (text[: found[0].span[0]] + text[found[0].span[1] :]).strip(" \t,.;:-/")
    return found[0] if not re.search(r"\d", rest) else None


_HM = r"(?<![\d.:,/])(?:[01]?\d|2[0-3])\s?[.:]\s?[0-5]\d(?![\d.:]\d)"
_ZONE = r"(?:WITA|WIB|WIT)\b"
_TIME_RE = re.compile(
    rf"(?P<t1>{_HM})(?:\s*(?P<z1>{_ZONE}))?"
    rf"(?:{_TSEP}(?:(?P<t2>{_HM})|(?P<done>sel[ae]?s[ae]?i\b))(?:\s*(?P<z2>{_ZONE}))?)?",
    re.IGNORECASE,
)


def _clock(text: str) -> dt.time:
    hours, minutes = re.split(r"\s?[.:]\s?", text.strip())
    return dt.time(int(hours), int(minutes))


def find_times(text: str) -> list[TimeSpan]:
    """Every clock time or time range in ``text``.

    ``08.00``, ``13.30 - 16.00 WIB``, ``09.00 WIB s.d. selesai``; "selesai" misspelt
    ("selasai", "selsai", "Selesi" in a village's notice) still closes the range.
    """
    # "08.30's.d selesai": a speck read as a quote after the time (a scan) is a space.
    text = re.sub(r"(?<=\d)['’`]", " ", text)
    found = []
    doubtful_until = -1
    for m in _TIME_RE.finditer(text):
        if m.start() < doubtful_until:
            continue
        if not (m.group("t2") or m.group("done")):
            follows = re.match(rf"\s*{_HM}", text[m.end() :])
            if follows:  # "08.00 15.30": a separator lost (a scan); neither time alone is the truth
                doubtful_until = m.end() + follows.end()
                continue
        zone = (m.group("z2") or m.group("z1") or "").upper() or None
        written = " ".join(m.group(0).split()).rstrip(" -–—")
        found.append(
            TimeSpan(
                # "08:00" and "08.00" are the same time; letters (and PUEBI) write "08.00", and OCR
                # confuses the two marks, so the output always uses the full stop.
                text=re.sub(r"(\d)\s?[.:]\s?(\d\d)", r"\1.\2", written),
                span=m.span(),
                start=_clock(m.group("t1")),
                end=_clock(m.group("t2")) if m.group("t2") else None,
                until_done=bool(m.group("done")),
                zone=zone,
            )
        )
    return found
