"""Letter numbers are taken exactly as written, or not at all."""

import pytest

from pipeline.extract.numbers import clean_number


@pytest.mark.parametrize(
    "number",
    [
        "B-1234/DEP.3/X/2026",
        "000.1.2.3/123/BAPPEDA-B/2026",
        "400.14.5.4/2345/Bangda",
        "No.8680/KPw-KB/Srt/B",
        "S-55/KO.0701/2026",
        "2815/UN22.9/KS/2026",
        "PE.03.03/S-889/PW14/3/2026",
        "W.15-UM.01.01-1234",
        "UND-112/SJ.03/XII/2026",
        "005/1842/DKUMP-B/2026",
    ],
)
def test_every_shape_of_number_is_kept_character_for_character(number):
    assert clean_number(number) == (number, "")


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("005/ 123 /Bappeda/2026", "005/123/Bappeda/2026"),  # typed with spaces
        ("400.14.5.4/481/Bangda.", "400.14.5.4/481/Bangda"),
        ("-.518/245/DKUM-C/2026", "518/245/DKUM-C/2026"),  # a scan's colon read as "-."
        ("”5512/D.3/11/2026", "5512/D.3/11/2026"),
        ("B-12/DEP.1/2026 tanggal 3 Oktober 2026", "B-12/DEP.1/2026"),
    ],
)
def test_what_surrounds_a_number_is_left_out(written, number):
    assert clean_number(written)[0] == number


@pytest.mark.parametrize(
    "written",
    [
        "-",
        "…",
        "",
        "   ",
        "Undangan",
        "2026",
        "400. 14.5.4/4884/Bangda",
        "123/ABC Jakarta Pusat",
        "Tahun 2026 Nomor 5",
    ],
)
def test_what_is_not_a_number_is_refused_with_a_reason(written):
    number, why = clean_number(written)
    assert number is None
    assert why
