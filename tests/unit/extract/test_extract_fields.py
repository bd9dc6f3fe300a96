"""The nine fields from a letter's text: labels, sentences, and null when unsure."""

from pipeline.extract.fields import FIELD_KEYS, NOT_INVITATION, read_fields

from .extract_helpers import placed_doc, text_doc

HEADER = [
    "PEMERINTAH PROVINSI KALIMANTAN BARAT",
    "DINAS PERINDUSTRIAN DAN PERDAGANGAN",
    "Jl. Sutan Syahrir No. 17, Pontianak 78116",
    "Pontianak, 28 September 2026",
    "Nomor : 500.2/2468/Disperindag-B/2026",
    "Sifat : Segera",
    "Lampiran : -",
    "Hal : Undangan Pelatihan Desain Kemasan Produk UMKM",
    "Yth. Kepala Dinas Koperasi, Usaha Kecil dan Menengah",
    "Provinsi Kalimantan Barat",
]


def read(*body: str, header: list[str] = HEADER):
    """Read a letter whose lines (one paragraph each) are the header then ``body``."""
    return read_fields(text_doc("\n".join([*header, *body])))


def test_a_letter_with_an_event_table():
    reading = read(
        "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada:",
        "Hari/Tanggal : Selasa s.d. Kamis, 10 s.d. 12 November 2026",
        "Waktu : Pukul 08.30 WIB s.d. selesai",
        "Tempat : Aula Disperindag, Jl. Sutan Syahrir No. 17, Pontianak",
        "Acara : Pelatihan Desain Kemasan Produk UMKM",
    )
    assert reading.fields == {
        "nomor": "500.2/2468/Disperindag-B/2026",
        "tanggal": "2026-09-28",
        "hal": "Undangan Pelatihan Desain Kemasan Produk UMKM",
        "pengirim": "Dinas Perindustrian dan Perdagangan Provinsi Kalimantan Barat",
        "acara": "Pelatihan Desain Kemasan Produk UMKM",
        "tanggal_mulai": "2026-11-10",
        "tanggal_selesai": "2026-11-12",
        "waktu": "08.30 WIB s.d. selesai",
        "tempat": "Aula Disperindag, Jl. Sutan Syahrir No. 17, Pontianak",
    }
    assert reading.explain["nomor"] == "label 'Nomor' line 5"
    assert reading.explain["tanggal"].startswith("date line 'Pontianak, 28 September 2026'")
    assert reading.explain["pengirim"] == "letterhead lines 1-2"


def test_a_letter_that_says_it_in_a_sentence():
    reading = read(
        "Sehubungan dengan upaya peningkatan kualitas produk, kami mengundang Bapak/Ibu untuk "
        "menghadiri Pelatihan Desain Kemasan Produk UMKM yang akan dilaksanakan pada hari Kamis "
        "tanggal 19 November 2026 pukul 13.00 WIB bertempat di Ballroom Hotel Mercure, "
        "Jl. Ahmad Yani No. 1, Pontianak. Atas perhatiannya kami ucapkan terima kasih."
    )
    f = reading.fields
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2026-11-19", "2026-11-19")
    assert f["waktu"] == "13.00 WIB"
    assert f["tempat"] == "Ballroom Hotel Mercure, Jl. Ahmad Yani No. 1, Pontianak"
    assert f["acara"] == "Pelatihan Desain Kemasan Produk UMKM"
    assert reading.explain["tempat"].startswith("prose 'bertempat di Ballroom")


def test_dalam_rangka_names_the_event_and_a_bare_di_names_the_place():
    reading = read(
        "Dalam rangka pelaksanaan Temu Bisnis Koperasi 2026, dengan hormat kami mengundang "
        "Bapak/Ibu untuk mengikuti kegiatan tersebut yang akan diselenggarakan pada tanggal "
        "30 November s.d. 2 Desember 2026 pukul 08.00 - 16.00 WITA di Hotel Claro Makassar, "
        "Jl. A. P. Pettarani No. 3, Makassar."
    )
    f = reading.fields
    assert f["acara"] == "Temu Bisnis Koperasi 2026"
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2026-11-30", "2026-12-02")
    assert f["waktu"] == "08.00 - 16.00 WITA"
    assert f["tempat"] == "Hotel Claro Makassar, Jl. A. P. Pettarani No. 3, Makassar"


def test_a_phrase_is_not_taken_for_the_events_name():
    reading = read(
        "Sehubungan dengan akan dilaksanakannya kegiatan sebagaimana tersebut di bawah ini, kami "
        "mengundang Bapak/Ibu untuk menghadiri kegiatan dimaksud yang akan dilaksanakan pada:",
        "Hari/Tanggal : Jumat, 9 Oktober 2026",
        "Tempat : Aula Disperindag",
    )
    # The subject names the event; the sentence's "kegiatan dimaksud" does not.
    assert reading.fields["acara"] == "Pelatihan Desain Kemasan Produk UMKM"
    assert reading.explain["acara"].startswith("derived from hal")


def test_a_deadline_in_the_letter_is_not_the_event_date():
    reading = read(
        "Kami mengundang Bapak/Ibu pada:",
        "Hari/Tanggal : Jumat, 9 Oktober 2026",
        "Tempat : Aula Disperindag",
        "Konfirmasi kehadiran paling lambat pada hari Rabu, 7 Oktober 2026.",
    )
    assert reading.fields["tanggal_mulai"] == "2026-10-09"


def test_two_sources_that_disagree_give_null_and_say_why():
    reading = read(
        "Kami mengundang Bapak/Ibu yang akan dilaksanakan pada hari Jumat, 9 Oktober 2026 "
        "pukul 09.00 WIB.",
        "Hari/Tanggal : Sabtu, 10 Oktober 2026",
        "Tempat : Aula Disperindag",
    )
    assert reading.fields["tanggal_mulai"] is None
    assert reading.fields["tanggal_selesai"] is None
    assert reading.explain["tanggal_mulai"].startswith("null: candidates disagree")
    assert "9 Oktober 2026" in reading.explain["tanggal_mulai"]
    assert "10 Oktober 2026" in reading.explain["tanggal_mulai"]


def test_two_letter_dates_that_disagree_give_null():
    header = [line.replace("Lampiran : -", "Tanggal : 29 September 2026") for line in HEADER]
    reading = read(
        "Kami mengundang Bapak/Ibu pada:",
        "Hari/Tanggal : Jumat, 9 Oktober 2026",
        "Tempat : Aula",
        header=header,
    )
    assert reading.fields["tanggal"] is None
    assert "disagree" in reading.explain["tanggal"]


def test_a_letter_without_a_number_says_so():
    header = [line.replace("500.2/2468/Disperindag-B/2026", "-") for line in HEADER]
    reading = read(
        "Kami mengundang Bapak/Ibu pada:",
        "Hari/Tanggal : Jumat, 9 Oktober 2026",
        "Tempat : Aula",
        header=header,
    )
    assert reading.fields["nomor"] is None
    assert reading.explain["nomor"].startswith("null: the letter has no number")


def test_a_weekday_that_does_not_fit_is_noted_for_the_drafter():
    reading = read(
        "Kami mengundang Bapak/Ibu pada:",
        "Hari/Tanggal : Senin, 9 Oktober 2026",
        "Tempat : Aula",
    )
    assert reading.fields["tanggal_mulai"] == "2026-10-09"
    assert any("tidak sesuai" in note for note in reading.notes)


def test_something_that_is_not_an_invitation_gives_nine_nulls_and_a_note():
    reading = read_fields(
        text_doc(
            "LAPORAN HASIL MONITORING DAN EVALUASI\n"
            "Nomor : 12/LAP/2026\n"
            "Kegiatan monitoring dilaksanakan pada 10 September 2026 di Pontianak.\n"
            "Pontianak, 30 September 2026"
        )
    )
    assert reading.is_invitation is False
    assert reading.fields == dict.fromkeys(FIELD_KEYS)
    assert reading.notes == [NOT_INVITATION]


def test_low_ocr_confidence_gives_null_rather_than_a_guess():
    rows = [
        [(200, "BADAN PUSAT STATISTIK")],
        [(200, "Jl. Sutoyo, Pontianak 78121")],
        [(57, "Nomor"), (122, ": 400.14.5.4/481/Bangda")],
        [(57, "Hal"), (122, ": Undangan Rapat Koordinasi")],
        [],
        [(57, "Kami mengundang Bapak/Ibu untuk hadir pada:")],
        [(80, "Hari/Tanggal"), (180, ": Senin, 12 Oktober 2026")],
        [(80, "Tempat"), (180, ": Aula BPS")],
    ]
    doubtful = read_fields(placed_doc(rows, source="ocr", conf=35.0))
    assert doubtful.fields["nomor"] is None
    assert "low confidence" in doubtful.explain["nomor"]
    confident = read_fields(placed_doc(rows, source="ocr", conf=92.0))
    assert confident.fields["nomor"] == "400.14.5.4/481/Bangda"
    assert confident.fields["tempat"] == "Aula BPS"
