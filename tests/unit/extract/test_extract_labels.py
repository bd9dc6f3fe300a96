"""``Label : value`` lines: their spellings, values that wrap, the block each belongs to."""

import pytest

from pipeline.extract.labels import collect, match_label, split_header_event
from pipeline.extract.layout import Line, Word

from .extract_helpers import placed_doc, text_doc


def _line(text: str) -> Line:
    return Line(number=1, page=0, words=tuple(Word(t) for t in text.split()))


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Nomor : 400.14.5.4/481/Bangda", "nomor", "400.14.5.4/481/Bangda"),
        ("Nomor: 005/12/Diskop/2026", "nomor", "005/12/Diskop/2026"),
        ("No. : B-1234/DEP.3/X/2026", "nomor", "B-1234/DEP.3/X/2026"),
        ("Nomor Surat : 12/ABC/2026", "nomor", "12/ABC/2026"),
        ("Nomor 400.14.5.4/481/Bangda", "nomor", "400.14.5.4/481/Bangda"),  # colon lost in a scan
        ("Sifat : Segera", "sifat", "Segera"),
        ("Lampiran : 1 (satu) berkas", "lampiran", "1 (satu) berkas"),
        ("Lamp. : -", "lampiran", "-"),
        ("Hal : Undangan Rapat", "hal", "Undangan Rapat"),
        ("Perihal : Undangan Rapat", "hal", "Undangan Rapat"),
        ("Tanggal : 25 November 2026", "tanggal", "25 November 2026"),
        ("Hari/Tanggal : Senin, 12 Oktober 2026", "hari_tanggal", "Senin, 12 Oktober 2026"),
        ("Hari, Tanggal : Senin, 12 Oktober 2026", "hari_tanggal", "Senin, 12 Oktober 2026"),
        ("Hari / Tanggal : Senin, 12 Oktober 2026", "hari_tanggal", "Senin, 12 Oktober 2026"),
        ("Hari dan Tanggal : Senin, 12 Oktober 2026", "hari_tanggal", "Senin, 12 Oktober 2026"),
        ("1. Hari, Tanggal : Senin, 12 Oktober 2026", "hari_tanggal", "Senin, 12 Oktober 2026"),
        ("b. Waktu : 09.00 WIB", "waktu", "09.00 WIB"),
        ("Pukul : 13.30 - 16.00 WIB", "waktu", "13.30 - 16.00 WIB"),
        ("Jam : 19.00 WIT", "waktu", "19.00 WIT"),
        ("Tempat : Aula Bappeda", "tempat", "Aula Bappeda"),
        ("Lokasi : Hotel Aston", "tempat", "Hotel Aston"),
        ("Acara : Rapat Teknis", "acara", "Rapat Teknis"),
        ("Agenda : Rapat Teknis", "acara", "Rapat Teknis"),
        ("Agenda Kegiatan : Rapat Teknis", "acara", "Rapat Teknis"),
        ("Kegiatan : Pelatihan", "acara", "Pelatihan"),
        ("Hari : Kamis", "hari", "Kamis"),
    ],
)
def test_label_spellings(text, key, value):
    hit = match_label(_line(text))
    assert hit is not None
    assert (hit[0], hit[2]) == (key, value)


@pytest.mark.parametrize(
    "text",
    [
        "Hal tersebut kami sampaikan untuk diketahui",
        "Tempat yang disediakan terbatas",
        "Nomor 5 Tahun 2014 tentang Aparatur Sipil Negara",
    ],
)
def test_prose_is_not_a_label(text):
    assert match_label(_line(text)) is None


def test_a_scans_odd_colon_counts_only_in_ocr_text():
    line = _line("Tempat - Zoom Meeting")
    assert match_label(line) is None
    assert match_label(line, ocr=True)[2] == "Zoom Meeting"
    assert match_label(_line("Perihal « Undangan Rapat"), ocr=True)[0] == "hal"


def test_a_value_that_wraps_continues_under_its_first_word():
    doc = placed_doc(
        [
            [(57, "Nomor"), (122, ": 400.14.5.4/481/Bangda")],
            [
                (57, "Perihal"),
                (122, ": Undangan Kegiatan Rapat Teknis Pendataan Lengkap Koperasi dan"),
            ],
            [(130.5, "UMKM")],
            [],
            [(57, "Yth. Kepala Dinas Koperasi")],
        ]
    )
    hal = next(item for item in collect(doc) if item.key == "hal")
    assert hal.value.endswith("Koperasi dan UMKM")
    assert hal.where.startswith("label 'Perihal' lines")


def test_text_under_the_label_column_is_not_a_continuation():
    doc = placed_doc(
        [
            [(57, "Hal"), (122, ": Undangan Rapat")],
            [(57, "Kamis depan rapat")],
        ]
    )
    hal = next(item for item in collect(doc) if item.key == "hal")
    assert hal.value == "Undangan Rapat"


def test_a_right_column_beside_the_header_stays_out_of_its_values():
    doc = placed_doc(
        [
            [(57, "Nomor"), (122, ": 005/1/Dinas/2026"), (400, "Pontianak, 5 Oktober 2026")],
            [(57, "Hal"), (122, ": Undangan Rapat"), (340, "Kepada")],
            [(130.5, "Koordinasi"), (340, "Yth. Kepala Dinas")],
        ]
    )
    values = {item.key: item.value for item in collect(doc)}
    assert values["nomor"] == "005/1/Dinas/2026"
    assert values["hal"] == "Undangan Rapat Koordinasi"


def test_tanggal_in_the_header_is_the_letters_date_and_in_the_table_the_events():
    doc = text_doc("""
        Nomor : 1/ABC/2026
        Hal : Undangan
        Tanggal : 1 Oktober 2026
        Yth. Kepala Dinas
        Dengan hormat, kami mengundang Bapak/Ibu pada:
        Hari : Senin
        Tanggal : 12 Oktober 2026
        Tempat : Aula
    """)
    header, event = split_header_event(doc, collect(doc))
    assert [i.value for i in header if i.key == "tanggal"] == ["1 Oktober 2026"]
    assert [i.value for i in event if i.key == "tanggal"] == ["12 Oktober 2026"]
