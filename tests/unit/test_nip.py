import datetime as dt

import pytest

from pipeline.core.nip import InvalidNip, parse_nip

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize("text", [
    "196508091986031012", "19650809 198603 1 012", "19780312-200501-2-004", "19900512.201503.2.003",
])
def test_valid_nips_in_their_usual_spellings(text):
    nip = parse_nip(text, today=TODAY)
    assert len(nip.digits) == 18
    assert nip.formatted().replace(" ", "") == nip.digits


def test_parts_are_read():
    nip = parse_nip("19650809 198603 1 012", today=TODAY)
    assert nip.birth_date == dt.date(1965, 8, 9)
    assert nip.appointed == (1986, 3)
    assert nip.sex == 1
    assert nip.masked() == "19****** 198603 1 ***"


@pytest.mark.parametrize(("text", "why"), [
    ("12345", "18 angka"),
    ("1965080919860310121", "18 angka"),
    ("19650230 198603 1 012", "tanggal lahir"),      # 30 February
    ("19651309 198603 1 012", "tanggal lahir"),      # month 13
    ("19650809 198613 1 012", "bulan pengangkatan"),
    ("19650809 198600 1 012", "bulan pengangkatan"),
    ("19650809 198603 3 012", "jenis kelamin"),
    ("19650809 198603 0 012", "jenis kelamin"),
    ("20300101 205001 1 001", "tahun lahir"),        # born in the future
    ("19900101 202701 1 001", "belum terjadi"),      # appointed in the future
    ("19900101 199501 1 001", "usia 15"),            # appointed at 5
    ("1965080919860310AB", "18 angka"),
])
def test_invalid_nips_say_why(text, why):
    with pytest.raises(InvalidNip, match=why):
        parse_nip(text, today=TODAY)
