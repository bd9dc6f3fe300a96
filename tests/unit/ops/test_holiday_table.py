"""The service's holiday table agrees with the holidays library, without loading it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from pipeline.config import WorkingTimeConfig
from pipeline.ops import holiday_table
from pipeline.ops.holiday_table import HolidayTable, public_holidays
from pipeline.ops.worktime import WorkingCalendar

WIB = dt.timezone(dt.timedelta(hours=7))


def test_same_days_and_names_as_the_library_across_three_years():
    table, library = HolidayTable(), public_holidays()
    day, end = dt.date(2025, 1, 1), dt.date(2028, 1, 1)
    while day < end:
        assert (day in table) == (day in library), day
        assert table.get(day) == (str(library.get(day)) if day in library else None), day
        day += dt.timedelta(days=1)
    assert table.get(dt.date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"


def test_years_are_fetched_on_demand_a_few_at_a_time(monkeypatch):
    calls = []
    real = HolidayTable._fetch

    def counting(self, years):
        calls.append(list(years))
        return real(self, years)

    monkeypatch.setattr(HolidayTable, "_fetch", counting)
    table = HolidayTable()
    assert dt.date(2026, 3, 21) in table      # Idul Fitri 2026
    assert dt.date(2027, 8, 17) in table      # already fetched with 2026
    assert calls == [[2025, 2026, 2027, 2028]]
    assert dt.date(2031, 1, 1) in table       # a new year: one more lookup
    assert len(calls) == 2


def test_the_service_calendar_does_not_load_the_library():
    probe = (
        "import sys, datetime as dt\n"
        "from pipeline.config import WorkingTimeConfig\n"
        "from pipeline.ops.worktime import WorkingCalendar\n"
        "cal = WorkingCalendar.from_settings(WorkingTimeConfig(), dt.timezone.utc,"
        " long_running=True)\n"
        "assert not cal.is_working_day(dt.date(2026, 8, 17))\n"
        "assert cal.is_working_day(dt.date(2026, 8, 18))\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "False"


def test_a_failing_helper_falls_back_to_the_library(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("no python here")

    monkeypatch.setattr(holiday_table.subprocess, "run", broken)
    cal = WorkingCalendar.from_settings(WorkingTimeConfig(), WIB, long_running=True)
    assert not cal.is_working_day(dt.date(2026, 3, 20))  # cuti bersama Idul Fitri
    assert cal.holiday_name(dt.date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert "in-process" in caplog.text
