"""Positioned words become lines: skew undone, right-hand columns kept apart."""

import math

from pipeline.extract.layout import PlacedWord, build_lines, deskew


def _row(y: float, x: float, text: str, group: int, angle: float = 0.0) -> list[PlacedWord]:
    words, position = [], x
    slope = math.tan(math.radians(angle))
    for token in text.split():
        width = 6.0 * len(token)
        dy = slope * (position + width / 2)
        words.append(
            PlacedWord(
                token,
                position,
                position + width,
                y + dy,
                y + dy + 10,
                conf=90.0,
                group=(1, 1, group),
            )
        )
        position += width + 4.0
    return words


LINES = [
    "Nomor : 400.14.5.4/481/Bangda tanggal",
    "Sifat : Penting untuk segera dibaca",
    "Lampiran : satu berkas dokumen rapat",
    "Perihal : Undangan Rapat Teknis Pendataan Koperasi",
]


def test_a_page_skewed_by_two_degrees_still_reads_line_by_line():
    words = [w for i, text in enumerate(LINES) for w in _row(100 + 14 * i, 60, text, i, angle=2.0)]
    flat = build_lines([words], [595.0])
    assert len(flat) > len(LINES)  # unskewed, the rows run into each other
    lines = build_lines([deskew(words)], [595.0])
    assert [line.text for line in lines] == LINES


def test_a_date_at_the_right_of_the_number_is_a_line_of_its_own():
    words = _row(100, 57, "Nomor : 005/1/Dinas/2026", 0) + _row(
        100, 420, "Pontianak, 5 Oktober 2026", 0
    )
    lines = build_lines([words], [595.0])
    assert [(line.text, line.column) for line in lines] == [
        ("Nomor : 005/1/Dinas/2026", 0),
        ("Pontianak, 5 Oktober 2026", 1),
    ]


def test_justified_prose_is_not_split_into_columns():
    text = "dengan hormat kami mengundang Bapak/Ibu atau pejabat yang ditunjuk untuk hadir pada"
    words, position = [], 57.0
    for token in text.split():
        width = 5.0 * len(token)
        words.append(PlacedWord(token, position, position + width, 100, 110))
        position += width + 9.0  # wide but even spaces
    lines = build_lines([words], [595.0])
    assert len(lines) == 1
