"""Terminal tables wrap long cells onto more lines of the row; nothing is cut."""

from __future__ import annotations

import io

from rich.console import Console

from pipeline.reports.tables import print_table, render_lines

HAL = ("Surat Perintah Tugas menghadiri Rapat Teknis Pendataan Lengkap Koperasi dan UMKM "
       "di Jakarta")
NAMES = "Drs. Yohanes Kristian, M.Si.; Budi Santoso, S.T."
ROW = ("800.1.11.1/0042/DISKOPUKM/2026", "2026-12-07", HAL, NAMES, "siti@x.go.id")
HEADERS = ("Nomor", "Tanggal", "Hal", "Pegawai", "Pemohon")


def words_in(lines: list[str]) -> list[str]:
    return " ".join(line.strip("│┃ ").replace("│", " ") for line in lines).split()


def test_a_long_hal_wraps_whole_at_140_columns():
    lines = render_lines(HEADERS, [ROW], width=140, max_widths=(None, None, 50, 45, 30),
                         keep=(0, 1))
    assert all(len(line) <= 140 for line in lines)
    text = words_in(lines[3:-1])
    for word in HAL.split() + NAMES.split():
        assert word in text, word
    assert "…" not in "".join(lines)
    assert "800.1.11.1/0042/DISKOPUKM/2026" in lines[3]      # kept whole on the first line


def test_words_are_not_split_unless_wider_than_the_column():
    lines = render_lines(HEADERS, [ROW], width=80, keep=(0, 1))
    hal_width = len(lines[0].split("┳")[2]) - 2
    body = words_in(lines[3:-1])
    for word in HAL.split():
        if len(word) <= hal_width:
            assert word in body, word


def test_row_styles_cover_every_line_of_a_wrapped_row():
    out = io.StringIO()
    console = Console(file=out, width=90, force_terminal=True, color_system="standard")
    print_table(console, "Buku Agenda", HEADERS, [ROW, (*ROW[:2], "Seminar", "Budi", "-")],
                row_styles=["bold red", None], keep=(0, 1))
    lines = out.getvalue().splitlines()
    red = [line for line in lines if "\x1b[1;31m" in line]
    assert len(red) > 1                                       # the wrapped row, every line
    [other] = [line for line in lines if "Seminar" in line]
    assert "\x1b[1;31m" not in other
