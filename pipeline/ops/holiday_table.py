"""Public holidays for a long-running service, looked up by a short-lived process.

The ``holidays`` library imports every one of its countries (302 modules,
about 15 MB that stay in memory) to answer for one, even when only Indonesia
is asked for. ``spt serve`` runs for months and needs one country's dates a
year at a time, so :class:`HolidayTable` asks a child process
(``python -m pipeline.ops.holiday_table``, about 0.4 s) for a few years at
once and keeps only the dates and their names. Short-lived commands
(``spt report``, ``spt doctor``) use the library directly: for them the import
is cheaper than a process.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays as holidays_lib

log = logging.getLogger(__name__)

YEARS_AHEAD = 2  # asked for a year, fetch it, the one before and this many after
FETCH_TIMEOUT = 60  # seconds


def public_holidays(
    country: str = "ID", subdivision: str | None = None,
    categories: Iterable[str] = ("public", "government"),
) -> holidays_lib.HolidayBase:
    """The holidays library's calendar, names in Indonesian where the library has them.

    Years are filled in lazily on first use, so the calendar works across year ends.
    """
    import holidays as holidays_lib  # here: importing it costs every command 70 ms and 8 MB

    return holidays_lib.country_holidays(
        country, subdiv=subdivision, categories=tuple(categories), language="id"
    )


class HolidayTable:
    """``day in table`` and ``table.get(day)``, like the library's calendar, for one country."""

    def __init__(self, country: str = "ID", subdivision: str | None = None,
                 categories: Iterable[str] = ("public", "government")):
        self.country = country
        self.subdivision = subdivision
        self.categories = tuple(categories)
        self._days: dict[dt.date, str] = {}
        self._years: set[int] = set()
        self._lock = threading.Lock()

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        return day in self._year(day.year)

    def get(self, day: dt.date, default: str | None = None) -> str | None:
        return self._year(day.year).get(day, default)

    def _year(self, year: int) -> dict[dt.date, str]:
        with self._lock:
            if year not in self._years:
                years = range(year - 1, year + YEARS_AHEAD + 1)
                self._days.update(self._fetch(years))
                self._years.update(years)
            return self._days

    def _fetch(self, years: Sequence[int]) -> dict[dt.date, str]:
        args = [sys.executable, "-m", "pipeline.ops.holiday_table", self.country,
                self.subdivision or "", ",".join(self.categories), *map(str, years)]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=FETCH_TIMEOUT,
                                  check=True)
            return {dt.date.fromisoformat(k): v for k, v in json.loads(proc.stdout).items()}
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            # Never go without holidays: the library in this process, whatever it costs.
            log.warning("holidays looked up in-process (the helper process failed: %s)",
                        exc.__class__.__name__)
            return holiday_names(self.country, self.subdivision, self.categories, years)


def holiday_names(country: str, subdivision: str | None, categories: Sequence[str],
                  years: Iterable[int]) -> dict[dt.date, str]:
    """Every holiday of ``years``, by date, named as the library names it (in Indonesian)."""
    calendar = public_holidays(country, subdivision, categories)
    wanted = set(years)
    for year in wanted:
        calendar.get(dt.date(year, 1, 1))  # fills in the whole year
    return {day: str(name) for day, name in sorted(calendar.items()) if day.year in wanted}


def main(argv: list[str]) -> int:
    country, subdivision, categories, *years = argv
    names = holiday_names(country, subdivision or None, tuple(filter(None, categories.split(","))),
                          [int(y) for y in years])
    json.dump({d.isoformat(): n for d, n in names.items()}, sys.stdout)  # ASCII: any locale
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
