"""Indonesian dates, ranges and times as invitation letters write them."""

import datetime as dt

import pytest

from pipeline.extract.dates import find_dates, find_times, format_date, parse_date

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Selasa, 10 November 2026", D(2026, 11, 10), D(2026, 11, 10)),
        ("Selasa s.d. Kamis, 10 s.d. 12 November 2026", D(2026, 11, 10), D(2026, 11, 12)),
        ("Sabtu - Senin / 26 - 28 September 2026", D(2026, 9, 26), D(2026, 9, 28)),
        ("Kamis - Sabtu / 3 - 5 Desember 2026", D(2026, 12, 3), D(2026, 12, 5)),
        ("30 November s.d. 2 Desember 2026", D(2026, 11, 30), D(2026, 12, 2)),
        ("Senin, 30 November s.d. Rabu, 2 Desember 2026", D(2026, 11, 30), D(2026, 12, 2)),
        ("1 November 2026 s.d. 2 November 2026", D(2026, 11, 1), D(2026, 11, 2)),
        ("30 Desember 2026 s.d. 2 Januari 2027", D(2026, 12, 30), D(2027, 1, 2)),
        ("Selasa, 29 Desember 2026 s.d. Sabtu, 2 Januari 2027", D(2026, 12, 29), D(2027, 1, 2)),
        ("28 Desember s.d. 2 Januari 2027", D(2026, 12, 28), D(2027, 1, 2)),
        ("Rabu s/d Jumat, 18 s/d 20 November 2026", D(2026, 11, 18), D(2026, 11, 20)),
        ("Senin dan Selasa, 19 dan 20 Oktober 2026", D(2026, 10, 19), D(2026, 10, 20)),
        ("1 - 3 Desember 2026", D(2026, 12, 1), D(2026, 12, 3)),
        ("10 sampai dengan 12 November 2026", D(2026, 11, 10), D(2026, 11, 12)),
        ("Kamis tanggal 19 November 2026", D(2026, 11, 19), D(2026, 11, 19)),
        ("Jum'at, 13 November 2026", D(2026, 11, 13), D(2026, 11, 13)),
        ("Jumat, 13 Nop. 2026", D(2026, 11, 13), D(2026, 11, 13)),
        ("05 Oktober 2026", D(2026, 10, 5), D(2026, 10, 5)),
        ("5 Pebruari 2027", D(2027, 2, 5), D(2027, 2, 5)),
        ("05/10/2026", D(2026, 10, 5), D(2026, 10, 5)),
        ("Senin,12 Oktober 2026", D(2026, 10, 12), D(2026, 10, 12)),
    ],
)
def test_a_date_or_range_is_read_with_its_first_and_last_day(text, start, end):
    found = find_dates(text)
    assert len(found) == 1
    assert (found[0].start, found[0].end) == (start, end)


def test_the_date_is_found_inside_a_sentence():
    text = (
        "yang akan dilaksanakan pada hari Kamis tanggal 19 November 2026 pukul 13.00 WIB "
        "bertempat di Aula"
    )
    (found,) = find_dates(text)
    assert found.start == D(2026, 11, 19)
    assert found.weekday_start == "Kamis"
    assert found.weekday_mismatch() is None


@pytest.mark.parametrize(
    "text",
    [
        "31 September 2026",
        "30 Februari 2026",
        "12 s.d. 10 November 2026",
        "Nomor 400.14.5.4/481/Bangda",
        "tahun 2026",
        "13 Brumaire 2026",
    ],
)
def test_no_date_is_invented(text):
    assert find_dates(text) == []


def test_a_weekday_that_does_not_fit_its_date_is_reported():
    (found,) = find_dates("Senin, 13 November 2026")
    assert "Jumat" in found.weekday_mismatch()


def test_parse_date_wants_exactly_one_date():
    assert parse_date("25 November 2026").start == D(2026, 11, 25)
    assert parse_date("  25 November 2026. ") is not None
    assert parse_date("1 Oktober 2026 dan 5 Desember 2026") is not None  # one range, read as such
    assert parse_date("25 November 2026, lampiran 3") is None
    assert parse_date("tidak ada") is None


def test_a_speck_beside_a_range_separator_does_not_hide_the_date():
    (found,) = find_dates("pada hari Selasa s.d. Kamis, 3 's.d. 5 November 2026")
    assert (found.start, found.end) == (D(2026, 11, 3), D(2026, 11, 5))


def test_dates_are_written_the_indonesian_way():
    assert format_date(D(2026, 9, 5)) == "5 September 2026"


@pytest.mark.parametrize(
    ("text", "written", "zone", "until_done"),
    [
        ("pukul 13.30 - 16.00 WIB, bertempat", "13.30 - 16.00 WIB", "WIB", False),
        ("Pukul : 09.00 WIB s.d. selesai", "09.00 WIB s.d. selesai", "WIB", True),
        ("08.00 WITA s.d. selesai", "08.00 WITA s.d. selesai", "WITA", True),
        ("Pukul 19.00 - 21.30 WIT", "19.00 - 21.30 WIT", "WIT", False),
        ("13.00 WIB - Selesai", "13.00 WIB - Selesai", "WIB", True),
        ("09:00 – 12:00 WIB", "09.00 – 12.00 WIB", "WIB", False),
        ("jam 10.00", "10.00", None, False),
    ],
)
def test_times_keep_their_time_zone_and_use_the_full_stop(text, written, zone, until_done):
    (found,) = find_times(text)
    assert found.text == written
    assert found.zone == zone
    assert found.until_done is until_done


@pytest.mark.parametrize(
    "text", ["400.14.5.4/481/Bangda", "12.11.2026", "Rp 1.500.000", "25.00 WIB"]
)
def test_numbers_that_are_not_times(text):
    assert find_times(text) == []


def test_a_lost_separator_makes_the_time_doubtful_rather_than_half_read():
    assert find_times("pukul 08.00 15.30 WIB") == []
