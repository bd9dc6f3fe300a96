"""Dates written the Indonesian way, as letters print them.

``5 September 2026``; ranges share what they can: ``10 s.d. 12 November 2026``,
``30 November s.d. 2 Desember 2026``, ``31 Desember 2026 s.d. 2 Januari 2027``.
Pure functions, no locale: the system locale of a server is never Indonesian.
"""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
RANGE_SEPARATOR = "s.d."


def parse_iso(value: str | dt.date) -> dt.date:
    """A date from ``YYYY-MM-DD`` (or a date, returned as is); ``ValueError`` otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value.strip())


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def weekday_name(day: dt.date) -> str:
    """``Senin`` … ``Minggu``."""
    return WEEKDAYS[day.weekday()]


def format_date(day: dt.date | str, *, weekday: bool = False) -> str:
    """``5 September 2026``; with ``weekday``: ``Sabtu, 5 September 2026``."""
    day = parse_iso(day)
    text = f"{day.day} {month_name(day.month)} {day.year}"
    return f"{weekday_name(day)}, {text}" if weekday else text


def format_range(start: dt.date | str, end: dt.date | str | None, *, weekday: bool = False) -> str:
    """A period of days, naming the month and year once where both ends share them.

    ``end`` ``None`` or equal to ``start`` gives a single date. With ``weekday``,
    both ends carry their day name (``Kamis s.d. Sabtu, 3 s.d. 5 Desember 2026``
    reads badly, so the form is ``Kamis, 3 s.d. Sabtu, 5 Desember 2026``).
    """
    start = parse_iso(start)
    end = parse_iso(end) if end is not None else start
    if end < start:
        raise ValueError(f"range ends ({end}) before it starts ({start})")
    if end == start:
        return format_date(start, weekday=weekday)
    if start.year != end.year:
        head = format_date(start)
    elif start.month != end.month:
        head = f"{start.day} {month_name(start.month)}"
    else:
        head = str(start.day)
    if weekday:
        head = f"{weekday_name(start)}, {head}"
    return f"{head} {RANGE_SEPARATOR} {format_date(end, weekday=weekday)}"


def format_moment(moment: dt.datetime, tz: dt.tzinfo, *, weekday: bool = True) -> str:
    """``Senin, 7 Desember 2026 pukul 08.04 WIB``: a moment in ``tz``, always with its zone.

    A naive ``moment`` is taken as being in ``tz`` already. Zones without a short
    name (``+07``) are written ``UTC+0700``.
    """
    local = moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)
    zone = local.tzname() or ""
    if not (2 <= len(zone) <= 5 and zone.isalpha() and zone.isupper()):
        zone = f"UTC{local.strftime('%z')}"
    return (f"{format_date(local.date(), weekday=weekday)} pukul "
            f"{local.hour:02d}.{local.minute:02d} {zone}")

