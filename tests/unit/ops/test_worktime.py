"""Working time: what an official would count as "office minutes" on a WIB calendar."""

from __future__ import annotations

import datetime as dt
import random
import re
import tomllib
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from pipeline.config import WorkingTimeConfig, load_config
from pipeline.ops.holiday_table import public_holidays
from pipeline.ops.worktime import WorkingCalendar
from pipeline.resources import WORKSPACE

WIB = ZoneInfo("Asia/Pontianak")


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=WIB)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.from_settings(WorkingTimeConfig(), WIB)


# --- counting ---------------------------------------------------------------------


def test_minutes_inside_one_working_day(cal):
    assert cal.working_minutes(wib(2026, 3, 2, 9, 0), wib(2026, 3, 2, 9, 10)) == 10


def test_minutes_before_opening_and_after_closing_do_not_count(cal):
    assert cal.working_minutes(wib(2026, 3, 2, 6, 30), wib(2026, 3, 2, 9, 0)) == 60
    assert cal.working_minutes(wib(2026, 3, 2, 15, 0), wib(2026, 3, 2, 22, 0)) == 60
    assert cal.working_minutes(wib(2026, 3, 2, 17, 0), wib(2026, 3, 2, 23, 0)) == 0


def test_overnight_counts_the_evening_and_the_morning_only(cal):
    # Monday 15:50 -> Tuesday 08:20: 10 minutes before closing + 20 after opening.
    assert cal.working_minutes(wib(2026, 3, 2, 15, 50), wib(2026, 3, 3, 8, 20)) == 30


def test_a_weekend_does_not_count(cal):
    # Friday 15:30 -> Monday 08:30.
    assert cal.working_minutes(wib(2026, 3, 6, 15, 30), wib(2026, 3, 9, 8, 30)) == 60


def test_a_full_working_day_is_eight_hours(cal):
    assert cal.minutes_per_day == 480
    assert cal.working_minutes(wib(2026, 3, 2), wib(2026, 3, 3)) == 480
    # A whole ordinary week: five days.
    assert cal.working_minutes(wib(2026, 3, 2), wib(2026, 3, 9)) == 5 * 480


def test_independence_day_is_not_a_working_day(cal):
    # 17 August 2026 is a Monday: Friday 15:00 -> Tuesday 09:00 is 60 + 60 minutes.
    assert not cal.is_working_day(dt.date(2026, 8, 17))
    assert cal.holiday_name(dt.date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert cal.working_minutes(wib(2026, 8, 14, 15, 0), wib(2026, 8, 18, 9, 0)) == 120


def test_idul_fitri_and_cuti_bersama_2026_from_the_holidays_library(cal):
    # Nyepi 19 Mar (Thu) with cuti bersama 18 Mar; Idul Fitri 21-22 Mar (Sat-Sun) with cuti
    # bersama 20, 23 and 24 Mar: after Tuesday 17 Mar the office reopens on Wednesday 25 Mar.
    for day in (18, 19, 20, 23, 24):
        assert not cal.is_working_day(dt.date(2026, 3, day)), day
    assert cal.working_minutes(wib(2026, 3, 17, 15, 0), wib(2026, 3, 25, 9, 0)) == 120


def test_idul_fitri_2025_falls_on_other_dates(cal):
    # 2025: Nyepi 29 Mar, Idul Fitri 31 Mar-1 Apr, cuti bersama 28 Mar and 2-4, 7 Apr.
    assert cal.working_minutes(wib(2025, 3, 27, 15, 0), wib(2025, 4, 8, 9, 0)) == 120


def test_cuti_bersama_can_be_left_out():
    public_only = WorkingCalendar.from_settings(
        WorkingTimeConfig(holiday_categories=["public"]), WIB)
    # Without cuti bersama, 18, 20, 23 and 24 March 2026 are four more working days.
    assert public_only.working_minutes(
        wib(2026, 3, 17, 15, 0), wib(2026, 3, 25, 9, 0)) == 120 + 4 * 480


def test_across_the_year_end(cal):
    # Wednesday 31 Dec 2025 15:00 -> Friday 2 Jan 2026 09:00; New Year's Day is closed.
    assert cal.working_minutes(wib(2025, 12, 31, 15, 0), wib(2026, 1, 2, 9, 0)) == 120
    assert cal.add_working_minutes(wib(2025, 12, 31, 15, 30), 45) == wib(2026, 1, 2, 8, 15)


def test_extra_configured_holidays_are_closed():
    settings = WorkingTimeConfig(extra_holidays=[dt.date(2026, 10, 23)])  # a Friday
    cal = WorkingCalendar.from_settings(settings, WIB)
    assert cal.holiday_name(dt.date(2026, 10, 23)) == "hari libur (konfigurasi)"
    assert cal.working_minutes(wib(2026, 10, 22, 15, 0), wib(2026, 10, 26, 9, 0)) == 120


def test_the_zone_of_the_input_does_not_matter(cal):
    start_utc = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)     # 08:00 WIB
    end_jakarta = dt.datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert cal.working_minutes(start_utc, end_jakarta) == 90
    assert cal.add_working_minutes(start_utc, 90) == end_jakarta


def test_wib_has_no_daylight_saving_all_year(cal):
    for month in range(1, 13):
        assert wib(2026, month, 1).utcoffset() == dt.timedelta(hours=7)
    # A window in June is 08:00-16:00 WIB = 01:00-09:00 UTC, as in January.
    opens, closes = cal.window(dt.date(2026, 6, 2))
    assert (opens.hour, closes.hour) == (1, 9)


def test_end_before_start_is_zero(cal):
    assert cal.working_minutes(wib(2026, 3, 3, 10), wib(2026, 3, 2, 10)) == 0


def test_naive_datetimes_are_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_minutes(dt.datetime(2026, 3, 2, 9), wib(2026, 3, 2, 10))


# --- deadlines --------------------------------------------------------------------


def test_deadline_inside_the_day(cal):
    assert cal.add_working_minutes(wib(2026, 3, 2, 9, 0), 15) == wib(2026, 3, 2, 9, 15)


def test_deadline_runs_over_into_the_next_morning(cal):
    assert cal.add_working_minutes(wib(2026, 3, 2, 15, 55), 10) == wib(2026, 3, 3, 8, 5)


def test_deadline_used_up_exactly_at_closing_time_is_closing_time(cal):
    assert cal.add_working_minutes(wib(2026, 3, 2, 15, 50), 10) == wib(2026, 3, 2, 16, 0)


def test_deadline_of_work_arriving_at_night_counts_from_opening(cal):
    assert cal.add_working_minutes(wib(2026, 3, 2, 21, 0), 10) == wib(2026, 3, 3, 8, 10)
    # Saturday arrival: Monday 08:05.
    assert cal.add_working_minutes(wib(2026, 3, 7, 10, 0), 5) == wib(2026, 3, 9, 8, 5)


def test_deadline_skips_independence_day(cal):
    assert cal.add_working_minutes(wib(2026, 8, 14, 15, 55), 10) == wib(2026, 8, 18, 8, 5)


def test_deadline_of_several_days(cal):
    # 2 working days and 30 minutes from Thursday 10:00 -> Monday 10:30.
    assert cal.add_working_minutes(wib(2026, 3, 5, 10, 0), 2 * 480 + 30) == wib(2026, 3, 9, 10, 30)


def test_zero_minutes_is_the_start_itself(cal):
    assert cal.add_working_minutes(wib(2026, 3, 7, 22, 0), 0) == wib(2026, 3, 7, 22, 0)


def test_negative_minutes_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_minutes(wib(2026, 3, 2, 9), -1)


def test_deadline_and_count_agree_everywhere(cal):
    rng = random.Random(8)
    base = wib(2025, 12, 1)
    for _ in range(300):
        start = base + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 150))
        minutes = rng.choice([1, 5, 10, 15, 479, 480, 481, 2000, rng.uniform(0, 5000)])
        deadline = cal.add_working_minutes(start, minutes)
        assert cal.working_minutes(start, deadline) == pytest.approx(minutes, abs=1e-6)
        assert cal.is_working_time(deadline - dt.timedelta(seconds=1))


def test_working_time_of_a_moment(cal):
    assert cal.is_working_time(wib(2026, 3, 2, 8, 0))
    assert not cal.is_working_time(wib(2026, 3, 2, 16, 0))
    assert not cal.is_working_time(wib(2026, 3, 7, 10, 0))    # Saturday
    assert not cal.is_working_time(wib(2026, 8, 17, 10, 0))   # holiday


# --- configuration ----------------------------------------------------------------


def test_configured_hours_and_saturdays_from_toml():
    raw = tomllib.loads(
        'start = 07:30:00\nend = "15:30"\nweekdays = [0, 1, 2, 3, 4, 5]\n'
        'extra_holidays = [2026-06-02]\nreminder_interval_hours = 4\n'
    )
    settings = WorkingTimeConfig.model_validate(raw)
    cal = WorkingCalendar.from_settings(settings, WIB)
    assert cal.minutes_per_day == 480
    # Saturday is now a working day: Friday 15:00 -> Saturday 08:00 = 30 + 30.
    assert cal.working_minutes(wib(2026, 3, 6, 15, 0), wib(2026, 3, 7, 8, 0)) == 60
    assert not cal.is_working_day(dt.date(2026, 6, 2))
    assert settings.reminder_interval_hours == 4


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"start": "16:00", "end": "08:00"}, "must be after start"),
        ({"weekdays": [0, 7]}, "not days"),
        ({"weekdays": []}, "at least one working day"),
        ({"country": "XX"}, "holidays for country 'XX'"),
        ({"holiday_categories": ["libur"]}, "Category is not supported"),
        ({"supervisor_email": "not-an-address"}, "supervisor_email"),
        ({"jam_kerja": "08-16"}, "jam_kerja"),
    ],
)
def test_bad_settings_are_named(raw, needle):
    with pytest.raises(ValidationError) as info:
        WorkingTimeConfig.model_validate(raw)
    assert needle in str(info.value)


def test_calendar_from_a_config_without_working_time_uses_defaults(tmp_path):
    # The shipped spt.toml shows [working_time] (issue 20); an older one has none.
    shipped = re.sub(r"(?ms)^\[working_time\].*?(?=^\[)", "",
                     (WORKSPACE / "spt.toml").read_text(encoding="utf-8"))
    assert "working_time" not in tomllib.loads(shipped)
    (tmp_path / "spt.toml").write_text(shipped, encoding="utf-8")
    config = load_config(tmp_path / "spt.toml")
    assert config.tz == WIB
    cal = WorkingCalendar.from_config(config)
    assert (cal.start, cal.end) == (dt.time(8), dt.time(16))
    assert not cal.is_working_day(dt.date(2026, 8, 17))


def test_the_default_calendar_skipped_at_load_is_valid():
    """The shipped calendar is not re-checked at each config load: it must itself be valid."""
    from pipeline.config import DEFAULT_CALENDAR

    assert WorkingTimeConfig().model_dump()["country"] == DEFAULT_CALENDAR[0]
    calendar = public_holidays(*DEFAULT_CALENDAR)
    assert dt.date(2026, 8, 17) in calendar
