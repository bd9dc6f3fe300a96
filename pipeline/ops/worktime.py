"""Working time: the clock the SOP's mutu baku runs on.

A mutu baku of "10 menit" means ten minutes of office time: a draft that
arrives at 15:55 on a Friday before a public holiday is not late at 08:00 on
the next working day. :class:`WorkingCalendar` counts minutes only inside the
office hours (default 08:00-16:00 in the agency's time zone, Monday to
Friday) and skips Indonesian public holidays and the government's *cuti
bersama* days, taken from the maintained ``holidays`` library (so Idul Fitri,
whose date moves every year, needs no upkeep here), plus any extra dates the
agency configures (a regional holiday, an office closure).

Pure: no clock, no I/O. Every datetime given must be timezone-aware; the
arithmetic runs in UTC, so it stays right in a zone with daylight saving too
(WIB has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from typing import TYPE_CHECKING

from pipeline.ops.holiday_table import HolidayTable, public_holidays

if TYPE_CHECKING:
    from pipeline.config import Config, WorkingTimeConfig

UTC = dt.UTC
# No office is closed for this long: a calendar that finds no working day within it is broken.
_MAX_SEARCH_DAYS = 3 * 366

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


class WorkingCalendar:
    """Office hours in one time zone: counts working minutes and finds deadlines."""

    def __init__(
        self,
        tz: dt.tzinfo,
        start: dt.time = dt.time(8, 0),
        end: dt.time = dt.time(16, 0),
        weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        holidays: Container[dt.date] | None = None,
        extra_holidays: Iterable[dt.date] = (),
    ):
        if end <= start:
            raise ValueError("the office must close after it opens")
        self.tz = tz
        self.start = start
        self.end = end
        self.weekdays = frozenset(weekdays)
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty subset of 0..6 (0 = Monday)")
        self.holidays: Container[dt.date] = public_holidays() if holidays is None else holidays
        self.extra_holidays = frozenset(extra_holidays)

    @classmethod
    def from_settings(cls, settings: WorkingTimeConfig, tz: dt.tzinfo, *,
                      long_running: bool = False) -> WorkingCalendar:
        """``long_running``: for the service, holidays from a child process (see
        :mod:`pipeline.ops.holiday_table`), not the library loaded for good."""
        if long_running:
            holidays: Container[dt.date] = HolidayTable(
                settings.country, settings.subdivision, settings.holiday_categories)
        else:
            holidays = public_holidays(settings.country, settings.subdivision,
                                       settings.holiday_categories)
        return cls(tz, settings.start, settings.end, settings.weekdays, holidays,
                   settings.extra_holidays)

    @classmethod
    def from_config(cls, config: Config, *, long_running: bool = False) -> WorkingCalendar:
        """The calendar of ``config``: its ``[working_time]`` in the agency's time zone."""
        return cls.from_settings(config.working_time, config.tz, long_running=long_running)

    # --- days -----------------------------------------------------------------------

    def holiday_name(self, day: dt.date) -> str | None:
        """Why ``day`` is closed, if it is a holiday (not merely a weekend)."""
        if day in self.extra_holidays:
            return "hari libur (konfigurasi)"
        if day in self.holidays:
            get = getattr(self.holidays, "get", None)
            return str(get(day)) if get else "hari libur"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in self.extra_holidays
            and day not in self.holidays
        )

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Opening and closing moment of ``day`` (UTC), whether or not it is a working day."""
        opens = dt.datetime.combine(day, self.start, tzinfo=self.tz).astimezone(UTC)
        closes = dt.datetime.combine(day, self.end, tzinfo=self.tz).astimezone(UTC)
        return opens, closes

    @property
    def minutes_per_day(self) -> float:
        """Length of a working day in minutes (480 for 08:00-16:00)."""
        day = dt.date(2000, 1, 3)
        opens, closes = self.window(day)
        return (closes - opens).total_seconds() / 60

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether the office is open at ``moment``."""
        moment = _utc(moment)
        day = moment.astimezone(self.tz).date()
        if not self.is_working_day(day):
            return False
        opens, closes = self.window(day)
        return opens <= moment < closes

    # --- minutes --------------------------------------------------------------------

    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> float:
        """Office minutes between ``start`` and ``end`` (0 when ``end`` is not after ``start``)."""
        a, b = _utc(start), _utc(end)
        if b <= a:
            return 0.0
        total = dt.timedelta()
        day = a.astimezone(self.tz).date()
        last = b.astimezone(self.tz).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self.window(day)
                lo, hi = max(opens, a), min(closes, b)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 60

    def add_working_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment ``minutes`` office minutes after ``start`` (a deadline), in local time.

        A standard that is used up exactly at closing time ends at closing time,
        not at the next opening.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        cursor = _utc(start)
        remaining = dt.timedelta(minutes=minutes)
        if not remaining:
            return cursor.astimezone(self.tz)
        day = cursor.astimezone(self.tz).date()
        for _ in range(_MAX_SEARCH_DAYS + int(minutes // max(self.minutes_per_day, 1)) + 1):
            if self.is_working_day(day):
                opens, closes = self.window(day)
                lo = max(opens, cursor)
                if lo < closes:
                    available = closes - lo
                    if remaining <= available:
                        return (lo + remaining).astimezone(self.tz)
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("no working day found: check [working_time] weekdays and holidays")


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time needs timezone-aware datetimes")
    return moment.astimezone(UTC)
