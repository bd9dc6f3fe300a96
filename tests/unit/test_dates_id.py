"""Indonesian dates as letters print them."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.core.dates_id import MONTHS, WEEKDAYS, format_date, format_range, weekday_name


def test_single_date():
    assert format_date(dt.date(2026, 9, 5)) == "5 September 2026"
    assert format_date("2026-01-31") == "31 Januari 2026"
    assert format_date(dt.datetime(2026, 5, 1, 23, 59)) == "1 Mei 2026"


def test_single_date_with_weekday():
    assert format_date("2026-09-05", weekday=True) == "Sabtu, 5 September 2026"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-10", "2026-11-12", "10 s.d. 12 November 2026"),
        ("2026-11-30", "2026-12-02", "30 November s.d. 2 Desember 2026"),
        ("2026-12-31", "2027-01-02", "31 Desember 2026 s.d. 2 Januari 2027"),
        ("2026-12-03", "2026-12-03", "3 Desember 2026"),
        ("2026-12-03", None, "3 Desember 2026"),
    ],
)
def test_ranges(start, end, expected):
    assert format_range(start, end) == expected


def test_range_with_weekdays():
    assert format_range("2026-12-03", "2026-12-05", weekday=True) == (
        "Kamis, 3 s.d. Sabtu, 5 Desember 2026"
    )
    assert format_range("2026-11-30", "2026-12-02", weekday=True) == (
        "Senin, 30 November s.d. Rabu, 2 Desember 2026"
    )


def test_range_backwards_is_an_error():
    with pytest.raises(ValueError):
        format_range("2026-12-05", "2026-12-03")


def test_not_a_date():
    with pytest.raises(ValueError):
        format_date("5/9/2026")


def test_names():
    assert len(MONTHS) == 12 and MONTHS[7] == "Agustus"
    assert WEEKDAYS[4] == "Jumat"
    # 17 August 1945 was a Friday.
    assert weekday_name(dt.date(1945, 8, 17)) == "Jumat"
    assert [weekday_name(dt.date(2026, 11, 30) + dt.timedelta(days=i)) for i in range(7)] == [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"
    ]


def test_a_moment_is_written_with_its_zone():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from pipeline.core.dates_id import format_moment

    moment = dt.datetime(2026, 12, 7, 1, 4, tzinfo=dt.UTC)
    assert format_moment(moment, ZoneInfo("Asia/Pontianak")) == (
        "Senin, 7 Desember 2026 pukul 08.04 WIB")
    assert format_moment(moment, ZoneInfo("Asia/Makassar")).endswith("09.04 WITA")
    assert format_moment(moment, dt.timezone(dt.timedelta(hours=7))).endswith("08.04 UTC+0700")
