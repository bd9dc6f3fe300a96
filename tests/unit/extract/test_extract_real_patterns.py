"""The layouts that real, published invitations use and our generated ones did not (issue 21).

Each test is one pattern seen on letters others wrote, reduced to its text; the corpus
tests (tests/integration/test_extract_real_letters.py) then read the letters themselves.
"""

from pipeline.extract.dates import find_dates, find_times
from pipeline.extract.fields import read_fields
from pipeline.extract.layout import Document, PlacedWord, build_lines
from pipeline.extract.letterhead import compose
from pipeline.extract.numbers import clean_number

from .extract_helpers import placed_doc, text_doc

KEMENAG_KOP = [
    "KEMENTERIAN AGAMA REPUBLIK INDONESIA",
    "DIREKTORAT JENDERAL PENDIDIKAN ISLAM",
    "Jalan Lapangan Banteng Barat Nomor 3-4 Jakarta 10710",
]


def test_letter_date_on_the_nomor_line_without_a_place():
    """Kemendikbud and Kemenag write 'Nomor : …' with the bare date at the right."""
    doc = placed_doc(
        [
            [(200, KEMENAG_KOP[0])],
            [(190, KEMENAG_KOP[1])],
            [(150, KEMENAG_KOP[2])],
            [(72, "Nomor : 1460.1/PMU.MEQR/HM/X/2023"), (430, "19 Oktober 2023")],
            [(72, "Sifat : Penting")],
            [(72, "Hal : Undangan Peserta Bimtek Fasilitator Daerah")],
            [(72, "Yth. Kepala Kantor Wilayah Kementerian Agama Provinsi")],
            [(72, "Kami mengundang Saudara untuk hadir pada:")],
            [(72, "Hari, Tanggal : Selasa, 31 Oktober 2023")],
            [(72, "Tempat : Harris Hotel & Conventions Gubeng")],
        ]
    )
    fields = read_fields(doc).fields
    assert fields["nomor"] == "1460.1/PMU.MEQR/HM/X/2023"
    assert fields["tanggal"] == "2023-10-19"


def test_letter_date_run_into_the_nomor_value():
    """Without a column gap the date is read as part of the number's value."""
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    *KEMENAG_KOP,
                    "Nomor : B-2345/Dt.I.I/PP.00/10/2023 19 Oktober 2023",
                    "Hal : Undangan Rapat Koordinasi",
                    "Kami mengundang Saudara untuk hadir pada:",
                    "Hari/Tanggal : Kamis, 2 November 2023",
                    "Tempat : Aula Ditjen Pendis",
                ]
            )
        )
    )
    assert reading.fields["nomor"] == "B-2345/Dt.I.I/PP.00/10/2023"
    assert reading.fields["tanggal"] == "2023-10-19"


def test_hijri_date_with_the_masehi_date_below():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "PIMPINAN WILAYAH MUHAMMADIYAH JAWA TIMUR",
                    "Jalan Kertomenanggal IV/1 Surabaya",
                    "Nomor : 123/UND/II.0/D/2023",
                    "Hal : Undangan Musyawarah Kerja Wilayah",
                    "Surabaya, 4 Rabiul Awal 1445 H",
                    "20 September 2023 M",
                    "Kepada Yth. Pimpinan Daerah Muhammadiyah se-Jawa Timur",
                    "Dengan hormat, kami mengundang Saudara untuk menghadiri Musyawarah Kerja "
                    "Wilayah yang akan dilaksanakan pada hari Ahad, 8 Oktober 2023 pukul 08.00 WIB "
                    "bertempat di Gedung Dakwah Muhammadiyah Surabaya.",
                ]
            )
        )
    )
    assert reading.fields["tanggal"] == "2023-09-20"
    assert reading.fields["tanggal_mulai"] == "2023-10-08"


def test_a_request_to_send_participants_is_an_invitation():
    """'kami mohon … untuk dapat menugaskan …' with a schedule and none of the usual words."""
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    *KEMENAG_KOP,
                    "Nomor : B-77/Dt.I.III/KP.01/03/2024",
                    "Hal : Pelatihan Pengelola Keuangan Madrasah",
                    "Yth. Kepala Kantor Kementerian Agama Kabupaten/Kota",
                    "Sehubungan dengan pelaksanaan Pelatihan Pengelola Keuangan Madrasah, kami mohon "
                    "Saudara untuk dapat menugaskan 2 (dua) orang pegawai pada:",
                    "Hari/Tanggal : Senin s.d. Rabu, 18 s.d. 20 Maret 2024",
                    "Waktu : 13.00 WIB s.d. selesai",
                    "Tempat : Hotel Santika Bogor",
                ]
            )
        )
    )
    assert reading.is_invitation
    f = reading.fields
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2024-03-18", "2024-03-20")
    assert f["tempat"] == "Hotel Santika Bogor"
    assert f["nomor"] == "B-77/Dt.I.III/KP.01/03/2024"


def test_a_number_with_spaces_around_its_slashes():
    assert clean_number("005 / 123 / Bappeda / 2024") == ("005/123/Bappeda/2024", "")
    assert clean_number(" B - 12 / UN7.F4 / KM / 2024")[0] == "B-12/UN7.F4/KM/2024"


def test_a_number_in_arabic_indic_digits_is_read_in_latin_digits():
    assert clean_number("١٢/PW/٩/٢٠٢٣")[0] == "12/PW/9/2023"
    assert clean_number("۱۲/PW/۹/۲۰۲۳")[0] == "12/PW/9/2023"  # the Persian forms


def test_an_event_named_only_in_quotes_in_the_prose():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    *KEMENAG_KOP,
                    "Nomor : 1460.1/PMU.MEQR/HM/X/2023",
                    "Hal : Undangan Peserta",
                    "Dengan hormat, Direktorat Jenderal Pendidikan Islam Kementerian Agama akan "
                    "menyelenggarakan kegiatan “Bimtek Fasilitator Daerah PKB Guru dan Tendik "
                    "Madrasah Zona 2” pada:",
                    "Hari, Tanggal : Selasa s.d Sabtu, 31 Oktober - 4 November 2023",
                    "Tempat : Harris Hotel & Conventions Gubeng",
                ]
            )
        )
    )
    f = reading.fields
    assert f["acara"] == "Bimtek Fasilitator Daerah PKB Guru dan Tendik Madrasah Zona 2"
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2023-10-31", "2023-11-04")


def test_a_schedule_under_acara_is_not_the_events_name():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "PEMERINTAH KOTA MALANG",
                    "DINAS KOMUNIKASI DAN INFORMATIKA",
                    "Nomor : 005/321/35.73.406/2024",
                    "Hal : Undangan",
                    "Kami mengundang Bapak/Ibu untuk hadir pada:",
                    "Hari/Tanggal : Rabu, 5 Juni 2024",
                    "Tempat : Ruang Sidang Balai Kota Malang",
                    "Acara : 08.00 - 08.30 Registrasi peserta",
                    "08.30 - 10.00 Paparan Kepala Dinas",
                ]
            )
        )
    )
    assert reading.fields["acara"] is None  # null, never the times


def test_undangan_peserta_in_the_subject_names_the_event_without_peserta():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    *KEMENAG_KOP,
                    "Nomor : 1460.1/PMU.MEQR/HM/X/2023",
                    "Hal : Undangan Peserta Bimtek Fasilitator Daerah PKB Guru",
                    "Kami mengundang Saudara untuk hadir pada:",
                    "Hari, Tanggal : Selasa, 31 Oktober 2023",
                    "Tempat : Harris Hotel & Conventions Gubeng",
                ]
            )
        )
    )
    assert reading.fields["acara"] == "Bimtek Fasilitator Daerah PKB Guru"


def test_a_misspelt_selesai_keeps_the_times_tail():
    (span,) = find_times("Pukul 08.00 WIB s.d selasai")
    assert span.text == "08.00 WIB s.d selasai"
    assert span.until_done


def test_a_unit_that_names_its_parent_is_not_prefixed_again():
    assert (
        compose(
            [
                "KEMENTERIAN AGAMA REPUBLIK INDONESIA",
                "KANTOR WILAYAH KEMENTERIAN AGAMA PROVINSI SUMATERA SELATAN",
            ]
        )
        == "KANTOR WILAYAH KEMENTERIAN AGAMA PROVINSI SUMATERA SELATAN"
    )


def test_an_invitation_in_an_email_body_with_a_subjek_line():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "Subjek: Undangan Rapat Koordinasi Persiapan Pameran UMKM",
                    "Yth. Kepala Dinas Koperasi dan UKM",
                    "Dengan hormat, kami mengundang Bapak/Ibu untuk menghadiri Rapat Koordinasi "
                    "Persiapan Pameran UMKM yang akan dilaksanakan pada hari Selasa, 14 Mei 2024 "
                    "pukul 09.00 WIB bertempat di Ruang Rapat Lantai 2 Gedung Smesco.",
                ]
            ),
            source="email body",
        )
    )
    f = reading.fields
    assert f["hal"] == "Undangan Rapat Koordinasi Persiapan Pameran UMKM"
    assert f["acara"] == "Rapat Koordinasi Persiapan Pameran UMKM"
    assert f["tanggal_mulai"] == "2024-05-14"


def test_a_value_wrapped_back_under_its_label_in_a_table_cell():
    """'Tempat : Boardroom …, Grha' / 'CIMB Niaga, Jl. …' / '12190.': the cell wraps under the
    label, not under the value; the line was full, so the value goes on."""
    doc = placed_doc(
        [
            [(62, "Direksi Perseroan dengan ini mengundang para")],
            [(62, "Pemegang Saham untuk menghadiri Rapat Umum")],
            [(62, "Pemegang Saham Luar Biasa pada:")],
            [(62, "Hari/Tanggal : Kamis / 27 Agustus 2020")],
            [(62, "Tempat : Boardroom Ranupani 27th Floor, Grha")],
            [(62, "CIMB Niaga, Jl. Jend. Sudirman Kav 58, Jakarta")],
            [(62, "12190.")],
        ],
        line_height=12.0,
    )
    reading = read_fields(doc)
    assert reading.fields["tempat"] == (
        "Boardroom Ranupani 27th Floor, Grha CIMB Niaga, Jl. Jend. Sudirman Kav 58, Jakarta 12190"
    )


def test_a_short_value_is_not_joined_to_the_line_below_it():
    doc = placed_doc(
        [
            [(62, "Kami mengundang Bapak/Ibu untuk hadir pada rapat yang akan dilaksanakan pada:")],
            [(62, "Hari/Tanggal : Kamis, 27 Agustus 2020")],
            [(62, "Tempat : Aula Kantor Gubernur")],
            [(62, "Demikian kami sampaikan, atas perhatiannya diucapkan terima kasih.")],
        ],
        line_height=12.0,
    )
    assert read_fields(doc).fields["tempat"] == "Aula Kantor Gubernur"


def test_a_committees_kop_reads_top_down():
    assert compose(
        [
            "PANITIA PELAKSANA RAPAT KERJA ZONA KE-III",
            "IKATAN MAHASISWA TEKNIK INDUSTRI INDONESIA",
            "ZONA SUMATERA BAGIAN SELATAN",
        ]
    ) == (
        "PANITIA PELAKSANA RAPAT KERJA ZONA KE-III IKATAN MAHASISWA TEKNIK INDUSTRI INDONESIA "
        "ZONA SUMATERA BAGIAN SELATAN"
    )


def test_a_notice_without_a_kop_names_the_board_that_invites():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "PEMANGGILAN",
                    "RAPAT UMUM PEMEGANG SAHAM TAHUNAN PT ADHI KARYA",
                    "(PERSERO) TBK.",
                    "Direksi PT Adhi Karya (Persero) Tbk. (“Perseroan”) berkedudukan di Jakarta, "
                    "dengan ini mengundang para Pemegang Saham Perseroan untuk menghadiri Rapat "
                    "Umum Pemegang Saham Tahunan (Rapat) yang akan diselenggarakan pada:",
                    "Hari/Tanggal : Kamis, 7 April 2022",
                    "Waktu : 14.00 – Selesai",
                    "Tempat : Ruang Auditorium Adaptif PT Adhi Karya (Persero) Tbk.",
                ]
            )
        )
    )
    f = reading.fields
    assert f["pengirim"] == "PT Adhi Karya (Persero) Tbk."  # not the title's last line
    assert f["acara"] == "Rapat Umum Pemegang Saham Tahunan"  # "(Rapat)" is its short name
    assert f["waktu"] == "14.00 – Selesai"


def test_a_scan_that_lost_the_colon_after_hari_tanggal():
    doc = placed_doc(
        [
            [(72, "Kami mengundang Saudara untuk hadir pada:")],
            [(72, "Hari, Tanggal Selasa s.d Sabtu, 31 Oktober - 4 November 2023")],
            [(72, "Tempat : Harris Hotel & Conventions Gubeng")],
        ],
        source="ocr",
        conf=95.0,
    )
    f = read_fields(doc).fields
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2023-10-31", "2023-11-04")


def test_a_table_with_the_value_in_the_next_cell():
    """'Hari, Tanggal | : | Selasa, 25 Juni 2024': the label alone in its cell, the value in the
    right-hand one, wrapped over several lines; a scan may lose the colon column."""
    for colon in (" :", ""):
        doc = placed_doc(
            [
                [(62, "Direksi Perseroan dengan ini mengundang para pemegang saham Perseroan")],
                [(62, "untuk menghadiri Rapat Umum Pemegang Saham Tahunan pada:")],
                [(62, "Hari, Tanggal" + colon), (376, "Selasa, 25 Juni 2024")],
                [(62, "Waktu" + colon), (376, "14.00 WIB – selesai")],
                [(62, "Tempat" + colon), (376, "Hotel Indonesia Kempinski Jakarta,")],
                [(376, "Jl. M.H. Thamrin No. 1, Jakarta")],
                [(62, "Mata acara Rapat adalah sebagai berikut:")],
            ]
        )
        f = read_fields(doc).fields
        assert f["tanggal_mulai"] == "2024-06-25", colon
        assert f["waktu"] == "14.00 WIB – selesai", colon
        assert f["tempat"] == "Hotel Indonesia Kempinski Jakarta, Jl. M.H. Thamrin No. 1, Jakarta"


def test_a_record_date_below_the_event_table_is_not_the_events_date():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "Direksi Perseroan dengan ini mengundang para Pemegang Saham untuk menghadiri "
                    "Rapat Umum Pemegang Saham Luar Biasa yang akan diselenggarakan pada:",
                    "Hari, Tanggal : Jumat, 19 Januari 2024",
                    "Waktu : 10.00 WIB - selesai",
                    "Tempat : Friendly Room, FX Sudirman, Jakarta Pusat",
                    "2. Pemegang Saham yang berhak hadir adalah yang tercatat dalam Daftar Pemegang "
                    "Saham pada hari Rabu, tanggal 27 Desember 2023, pukul 16:00 WIB.",
                ]
            )
        )
    )
    f = reading.fields
    assert (f["tanggal_mulai"], f["waktu"]) == ("2024-01-19", "10.00 WIB - selesai")


def test_a_companys_defined_term_is_not_part_of_its_name():
    reading = read_fields(
        text_doc(
            "\n".join(
                [
                    "PT Sky Energy Indonesia Tbk (“Perseroan”)",
                    "PANGGILAN RUPSLB",
                    "No: 771/SKY/IIX/2020",
                    "Direksi PT Sky Energy Indonesia Tbk (“Perseroan”) dengan ini mengundang Para "
                    "Pemegang Saham untuk menghadiri Rapat Umum Pemegang Saham Tahunan (“Rapat”) "
                    "Perseroan yang akan diselenggarakan pada:",
                    "Hari / Tanggal : Kamis, 24 September 2020",
                    "Tempat : Jl. Raya Cicadas No. 258, Gunung Putri, Kab. Bogor",
                ]
            )
        )
    )
    f = reading.fields
    assert f["pengirim"] == "PT Sky Energy Indonesia Tbk"
    assert f["acara"] == "Rapat Umum Pemegang Saham Tahunan"
    assert f["nomor"] == "771/SKY/IIX/2020"


def test_a_virtual_meeting_keeps_its_link_out_of_the_place():
    doc = placed_doc(
        [
            [(200, "BADAN PUSAT STATISTIK")],
            [(180, "PROVINSI KALIMANTAN BARAT")],
            [(72, "Nomor : B-123/61000/HM.100/05/2024"), (400, "Pontianak, 2 Mei 2024")],
            [(72, "Hal : Undangan Rapat Koordinasi Sensus Ekonomi")],
            [(72, "Dengan hormat, kami mengundang Bapak/Ibu untuk mengikuti rapat secara daring:")],
            [(72, "Hari/Tanggal : Selasa, 7 Mei 2024")],
            [(72, "Pukul : 09.00 WIB s.d. selesai")],
            [(72, "Tempat : Daring melalui Zoom Meeting")],
            [(72, "Meeting ID : 812 3456 7890")],
            [(72, "Passcode : 123456")],
        ]
    )
    f = read_fields(doc).fields
    assert f["tempat"] == "Daring melalui Zoom Meeting"
    assert (f["tanggal_mulai"], f["waktu"]) == ("2024-05-07", "09.00 WIB s.d. selesai")
    assert f["tanggal"] == "2024-05-02"


def test_a_company_named_differently_in_its_kop_and_by_its_board_gives_no_sender():
    """Seen on a scan of PT Sky Energy's notice: a speck after "Sky" read as a comma in the
    kop. The board's sentence names the company again; two readings that disagree are no
    evidence for either, so the sender is left for the drafter."""
    lines = [
        "PT SKY, ENERGY INDONESIA TBK (“PERSEROAN”)",
        "PANGGILAN RUPSLB",
        "Direksi PT Sky Energy Indonesia Tbk (“Perseroan”) dengan ini mengundang Para "
        "Pemegang Saham untuk menghadiri Rapat Umum Pemegang Saham Luar Biasa (“Rapat”) "
        "Perseroan yang akan diselenggarakan pada:",
        "Hari / Tanggal : Kamis, 24 September 2020",
        "Tempat : Jl. Raya Cicadas No. 258, Gunung Putri, Kab. Bogor",
    ]
    reading = read_fields(text_doc("\n".join(lines)))
    assert reading.fields["pengirim"] is None
    assert "disagree" in reading.explain["pengirim"], reading.explain["pengirim"]
    lines[0] = "PT SKY ENERGY INDONESIA TBK (“PERSEROAN”)"
    # (a kop in capitals: a three-letter word may stay in capitals, as an acronym would)
    sender = read_fields(text_doc("\n".join(lines))).fields["pengirim"]
    assert sender.casefold() == "pt sky energy indonesia tbk"


def test_a_company_naming_itself_above_its_notice_is_its_kop_even_unbolded():
    """A scan's words carry no bold: the notice's first line "PT … Tbk (“Perseroan”)" is still
    the company's name, and a second reading of it in the board's sentence that differs (a
    speck read as a comma) makes the sender null rather than the misread one."""
    lines = [
        "PT Sky Energy Indonesia Tbk (“Perseroan”)",
        "PANGGILAN RUPSLB",
        "Direksi PT Sky, Energy Indonesia Tbk (“Perseroan”) dengan ini mengundang Para "
        "Pemegang Saham untuk menghadiri Rapat Umum Pemegang Saham Luar Biasa (“Rapat”) "
        "Perseroan yang akan diselenggarakan pada:",
        "Hari / Tanggal : Kamis, 24 September 2020",
        "Tempat : Jl. Raya Cicadas No. 258, Gunung Putri, Kab. Bogor",
    ]
    reading = read_fields(text_doc("\n".join(lines), source="ocr"))
    assert reading.fields["pengirim"] is None, reading.explain["pengirim"]
    lines[2] = lines[2].replace("Sky,", "Sky")
    assert read_fields(text_doc("\n".join(lines), source="ocr")).fields["pengirim"] == (
        "PT Sky Energy Indonesia Tbk"
    )


def test_a_short_sentence_opening_with_the_company_is_not_its_kop():
    """Only a line that ends with the company's defined term names the company; a sentence
    that carries on after it is prose, and is no sender."""
    lines = [
        "PT Sky Energy Indonesia Tbk (“Perseroan”) berkedudukan di Bogor",
        "mengundang Para Pemegang Saham untuk menghadiri Rapat Umum Pemegang Saham Luar Biasa",
        "Hari / Tanggal : Kamis, 24 September 2020",
        "Tempat : Jl. Raya Cicadas No. 258, Gunung Putri, Kab. Bogor",
    ]
    assert read_fields(text_doc("\n".join(lines), source="ocr")).fields["pengirim"] is None


# --- website posts and messages (issue 21, second round of real letters) ------------------


def _read(*lines: str):
    return read_fields(text_doc("\n".join(lines)))


def test_kehadirannya_a_call_to_come_and_a_wait_for_participation_invite():
    """"Diharapkan kehadirannya", "Mohon … untuk datang pada :" and "Kami tunggu
    partisipasinya" ask the reader to attend; a schedule announced to pupils does not."""
    asked = [
        "Diharapkan kehadirannya untuk mendengarkan sharing session yang akan di adakan pada :",
        "Mohon Alumni Jurusan Administrasi Perkantoran untuk datang pada :",
        "Diskusi Online ini akan digelar pada sore hari. Kami tunggu partisipasinya...!!!!",
    ]
    for sentence in asked:
        reading = _read(sentence, "Hari/Tanggal : Selasa, 6 Juni 2017", "Tempat : Auditorium")
        assert reading.is_invitation, sentence
        assert reading.fields["tanggal_mulai"] == "2017-06-06"
    told = _read(
        "Tes Gelombang II akan diselenggarakan pada:",
        "Hari/Tanggal : Rabu, 20 Juli 2016",
        "Waktu : 08.00 s/d Selesai",
    )
    assert not told.is_invitation
    assert set(told.fields.values()) == {None}


def test_a_perihal_row_inside_the_event_table():
    """A students' notice puts "Perihal" among the event's rows: it is the subject, and the
    rows around it still describe the event."""
    f = _read(
        "Diberitahukan kepada seluruh Peserta MABIM 2021 bahwa akan diadakan Technical meeting pada :",
        "Hari/Tanggal : Sabtu , 23 Oktober 2021",
        "Waktu : 15.00 WIB s/d Selesai",
        "Tempat : STT Wastukancana Purwakarta",
        "Perihal : Pemaparan kebutuhan Masa Bimbingan (MABIM) HUMANIKA 2021",
        "Maka dari itu diharapkan untuk seluruh Peserta MABIM 2021 untuk hadir.",
    ).fields
    assert f["hal"] == "Pemaparan kebutuhan Masa Bimbingan (MABIM) HUMANIKA 2021"
    assert (f["tanggal_mulai"], f["waktu"]) == ("2021-10-23", "15.00 WIB s/d Selesai")
    assert f["tempat"] == "STT Wastukancana Purwakarta"


def test_a_hari_row_that_carries_the_date():
    f = _read(
        "Mohon Alumni untuk datang pada :",
        "Hari : Kamis, Tanggal 9 Agustus 2018",
        "Tempat : Aula SMK Puspabangsa 2",
        "Acara : Sosialisasi Perekrutan PJB anak Perusahaan PLN",
    ).fields
    assert (f["tanggal_mulai"], f["tanggal_selesai"]) == ("2018-08-09", "2018-08-09")
    assert f["acara"] == "Sosialisasi Perekrutan PJB anak Perusahaan PLN"
    # a "Hari" row with only the weekday, the date on its own row: the date row counts
    f = _read(
        "Kami memohon kehadirannya pada :",
        "Hari : Senin",
        "Tanggal : 13 November 2023",
        "Tempat : Aula Kantor Desa Tupa",
    ).fields
    assert f["tanggal_mulai"] == "2023-11-13"


def test_a_list_of_days_is_no_one_date():
    """"27-28 Februari dan 2 Maret 2023" names three days: neither "28 Februari - 2 Maret"
    nor "2 Maret" alone is the event's date."""
    assert find_dates("Senin, Selasa, dan Kamis, 27-28 Februari dan 2 Maret 2023") == []
    assert find_dates("2, 3 dan 5 Mei 2024") == []
    assert [(d.start.day, d.end.day) for d in find_dates("tanggal 1 - 2 April 2022")] == [(1, 2)]


def test_a_place_on_its_own_line_below_the_date_and_time():
    """A post without labels: date, time and the online room each on a line."""
    doc = placed_doc(
        [
            [(72, "Kami mengundang rekan-rekan dalam kegiatan Diskusi Online yang akan")],
            [(72, "dilaksanakan pada :")],
            [(72, "Senin, 03 Agustus 2020")],
            [(72, "15.00 - 16.30 Wib")],
            [(72, "Aplikasi Zoom Meeting")],
            [(72, "Dengan Narasumber : Ariantho S. Muler")],
        ]
    )
    f = read_fields(doc).fields
    assert (f["tanggal_mulai"], f["waktu"]) == ("2020-08-03", "15.00 - 16.30 Wib")
    assert f["tempat"] == "Aplikasi Zoom Meeting"


def test_a_two_letter_place_in_capitals_is_a_place():
    f = _read(
        "Kami mengundang rekan-rekan sekalian untuk pertemuan pertama, yang akan dilaksanakan pada:",
        "Hari/Tanggal : Sabtu, 10 Juni 2017",
        "Tempat: OT",
    ).fields
    assert f["tempat"] == "OT"


def test_two_sessions_in_the_time_label():
    """Two times joined by "&" are the time, whole; times mixed with other words ("Sesi I")
    give null rather than the first session alone."""
    both = _read(
        "Kami mengundang rekan-rekan untuk hadir pada :",
        "Hari/Tanggal : Sabtu, 23 Oktober 2021",
        "Waktu : 15.00 WIB s/d Selesai & 19.00 s/d selesai",
    )
    assert both.fields["waktu"] == "15.00 WIB s/d Selesai & 19.00 s/d selesai"
    mixed = _read(
        "Kami mengundang rekan-rekan untuk hadir pada :",
        "Hari/Tanggal : Sabtu, 23 Oktober 2021",
        "Waktu : Sesi I 08.00 - 10.00, Sesi II 13.00 - 15.00",
    )
    assert mixed.fields["waktu"] is None, mixed.explain["waktu"]


def test_the_theme_is_not_part_of_the_events_name():
    f = _read(
        "Direktorat Inovasi dan Inkubator Bisnis (DIIB) Universitas Indonesia akan "
        "menyelenggarakan kegiatan Temu Inovator dengan tema \"Sosialisasi dan Workshop "
        "Program 108 Inovasi Indonesia BIC\" yang akan diselenggarakan pada:",
        "Hari/Tanggal : Rabu, 1 Juni 2016",
        "Bersama ini, kami mengundang Bapak/Ibu untuk dapat hadir pada acara tersebut.",
    ).fields
    assert f["acara"] == "Temu Inovator"


def test_an_event_named_in_the_reason_clause_or_after_hadir_pada():
    f = _read(
        "Sehubungan dengan diadakannya HARLAH PK WAHID HASYIM KE-5, yang akan dilaksanakan pada :",
        "Tanggal : Selasa, 15 Desember 2020",
        "Tempat : SMK NU Tenggarang",
        "Kami mengharapkan kehadiran sahabat/i sekalian.",
    ).fields
    assert f["acara"] == "HARLAH PK WAHID HASYIM KE-5"
    f = _read(
        "Kami mengundang rekan-rekan sekalian untuk hadir pada Sidang Umum II DPM 2022/2023 "
        "yang akan dilaksanakan pada:",
        "Hari/Tanggal : Senin, 27 Februari 2023",
    ).fields
    assert f["acara"] == "Sidang Umum II DPM 2022/2023"


def test_the_reason_clause_yields_to_a_quoted_name():
    """"Sehubungan dengan akan diadakannya Rapat Kerja Zona … ke III, … hadir pada kegiatan
    “RAPAT KERJA ZONA KE III …”": two wordings of one event; the one the invitation quotes
    is its name, not a disagreement that leaves it null."""
    f = _read(
        "Sehubungan dengan akan diadakannya Rapat Kerja Zona Sumatera Bagian Selatan ke III, "
        "kami selaku panitia pelaksana mengharapkan kesediaan Saudara/i untuk dapat hadir pada "
        "kegiatan “RAPAT KERJA ZONA KE III IMTII ZONA SUMBAGSEL” di Aula C Institut Teknologi "
        "Sumatera",
        "Tanggal : 22 Maret 2020",
        "Tempat : Aula C Institut Teknologi Sumatera",
    ).fields
    assert f["acara"] == "RAPAT KERJA ZONA KE III IMTII ZONA SUMBAGSEL"


def test_melaksanakan_kegiatan_without_akan():
    f = _read(
        "HIMA BARTIM di Kota Palangka Raya melaksanakan kegiatan Diskusi Online dengan tema "
        "sangat menarik, yang akan dilaksanakan pada : Senin, 03 Agustus 2020 15.00 - 16.30 Wib",
        "Kami tunggu partisipasinya...!!!!",
    ).fields
    assert f["acara"] == "Diskusi Online"
    assert (f["tanggal_mulai"], f["waktu"]) == ("2020-08-03", "15.00 - 16.30 Wib")


def test_a_posts_title_names_the_event():
    """A web post or a message opens with its title. It names the event when the body speaks
    of the event by the title's first words, or says "Undangan <event>", and completes a
    shorter name read from the body; a title the body never mentions, "Undangan" with only a
    kind of gathering ("Undangan Rapat") and a kop are no name."""
    body = [
        "Diberitahukan kepada seluruh Peserta MABIM 2021 bahwa akan diadakan rapat pada :",
        "Hari/Tanggal : Sabtu, 23 Oktober 2021",
        "Diharapkan untuk hadir dalam acara Technical Meeting.",
    ]
    reading = _read("Technical Meeting MABIM 2021", *body)
    assert reading.fields["acara"] == "Technical Meeting MABIM 2021", reading.explain["acara"]
    assert _read("Undangan terbuka Harlah PMII Wahid Hasyim", *body[:2]).fields["acara"] == (
        "Harlah PMII Wahid Hasyim"
    )
    assert _read("Posyandu Tupa", *body[:2]).fields["acara"] is None
    assert _read("Undangan Silaturahmi", *body[:2]).fields["acara"] == "Silaturahmi"
    assert _read("Undangan Rapat", *body[:2]).fields["acara"] is None
    assert _read("DINAS PENDIDIKAN PROVINSI JAWA BARAT", *body[:2]).fields["acara"] is None


def test_an_acara_row_that_describes_is_not_a_name():
    """"Kegiatan : Sharing session mengenai perilaku berkendaraan …, Fenomena Malaria, … dll."
    lists what happens; the post's title names it."""
    reading = _read(
        "Sharing Session Berpikir Sistem",
        "Diharapkan kehadirannya untuk mendengarkan sharing session pada :",
        "Hari/Tanggal : Selasa, 6 Juni 2017",
        "Tempat : Auditorium Institut Teknologi Del",
        "Kegiatan : Sharing session mengenai perilaku berkendaraan di Toba Samosir, Tingginya "
        "penderita HIV Aids, Fenomena Malaria, Transportasi di Toba Samosir dll.",
    )
    assert reading.fields["acara"] == "Sharing Session Berpikir Sistem", reading.explain["acara"]


def test_a_heading_in_mixed_capitals_or_a_greeting_is_not_a_kop():
    """"NGOPI BARENG bersama KADISDIK dan KAKANWIL KEMENAG JABAR" is a post's heading (capitals
    mixed with lower-case words), and "Dear HIMASTI," opens a message: neither is a sender."""
    f = _read(
        "NGOPI BARENG bersama KADISDIK dan KAKANWIL KEMENAG JABAR",
        "Kepada Yth. Bapak/Ibu Guru",
        "Kami panitia mengundang Bapak/Ibu Guru pada NGOPI BARENG bersama KADISDIK, pada:",
        "Hari, tanggal : Jumat, 23 April 2021",
        "Tempat : YouTube live streaming",
    ).fields
    assert f["pengirim"] is None
    assert f["acara"] == "NGOPI BARENG bersama KADISDIK dan KAKANWIL KEMENAG JABAR"
    f = _read(
        "Dear HIMASTI,",
        "Kami mengundang rekan-rekan sekalian untuk mengadakan pertemuan pertama, pada:",
        "Hari/Tanggal : Sabtu, 10 Juni 2017",
        "Tempat : Auditorium",
    ).fields
    assert f["pengirim"] is None
    # a kop in capitals throughout is still one
    assert _read(
        "DINAS PENDIDIKAN DAN KEBUDAYAAN",
        "KABUPATEN KAPUAS HULU",
        "Kami mengundang Bapak/Ibu untuk hadir pada:",
        "Hari/Tanggal : Senin, 16 Oktober 2023",
        "Tempat : Aula Dinas",
    ).fields["pengirim"] == "Dinas Pendidikan dan Kebudayaan Kabupaten Kapuas Hulu"


def test_an_event_table_run_into_one_sentence():
    """A post whose line breaks were lost: the labels stand inside the sentence, each value
    ending at the next "Word :". The list of three days gives no date rather than a wrong one."""
    reading = _read(
        "SIDANG UMUM II DEWAN PERWAKILAN MAHASISWA POLSTAT STIS T.A. 2022/2023",
        "Dalam rangka Penetapan Anggaran Imapolstat dalam Sidang Umum II DPM 2022/2023, Kami "
        "mengundang rekan-rekan sekalian untuk hadir pada Sidang Umum II DPM 2022/2023 yang akan "
        "dilaksanakan pada: Hari,Tanggal: Senin, Selasa, dan Kamis, 27-28 Februari dan 2 Maret "
        "2023 Waktu: 16.15 WIB - selesai Tempat : Auditorium Polstat STIS DC : PDA Diwajibkan "
        "kepada seluruh anggota DPM 2022/2023",
    )
    f = reading.fields
    assert (f["waktu"], f["tempat"]) == ("16.15 WIB - selesai", "Auditorium Polstat STIS")
    assert f["acara"] == "Sidang Umum II DPM 2022/2023", reading.explain["acara"]
    assert f["tanggal_mulai"] is None
    # the post's heading in capitals, alone above the body and without an address, is no kop
    assert f["pengirim"] is None, reading.explain["pengirim"]


def test_one_inline_label_is_not_a_table():
    f = _read(
        "Kami mengundang Bapak/Ibu untuk hadir. Tempat : Aula Kantor Camat, pada hari Senin, "
        "5 Februari 2024 pukul 09.00 WIB."
    ).fields
    assert f["tempat"] is None
    assert f["tanggal_mulai"] == "2024-02-05"


def test_an_events_pages_imperative_invites():
    """"Hadirilah kuliah tamu …" and "Jadi datang dan ikuti Controlling BEM pada :" invite;
    the event is what to follow, and a site's category in brackets is not the title's."""
    reading = _read(
        "[Lain-lain] Kuliah Tamu dengan dosen dari Swinburn",
        "Hadirilah kuliah tamu yang akan diadakan pada:",
        "Hari/ Tanggal : Rabu / 09 Januari 2007",
        "Tempat : U-401",
    )
    assert reading.fields["acara"] == "Kuliah Tamu dengan dosen dari Swinburn"
    assert reading.fields["tanggal_mulai"] == "2007-01-09"
    assert any("tidak sesuai" in note for note in reading.notes)  # Rabu: it was a Tuesday
    f = _read(
        "Jadi datang dan ikuti Controlling BEM pada :",
        "Hari : Rabu , 25 Oktober 2017",
        "Tempat : Aula BSC",
        "Jangan lupa hadir yaa.",
    ).fields
    assert (f["acara"], f["tanggal_mulai"]) == ("Controlling BEM", "2017-10-25")


# --- the third round (r33-r42): village notices, an office's agenda, webinars -------------------


def _placed(*lines: str):
    """Lines set close together, as one paragraph each run of them makes on a page."""
    return read_fields(placed_doc([[(72, line)] for line in lines]))


def test_selesai_misspelt_selesi_still_closes_the_time():
    """A village's notice: "Waktu : 13.00 WIB s/d Selesi"."""
    (span,) = find_times("13.00 WIB s/d Selesi")
    assert (span.text, span.until_done) == ("13.00 WIB s/d Selesi", True)


def test_a_speck_read_as_a_quote_after_the_time_is_a_space():
    """A scan read "Waktu : 08.30 s.d selesai" as "08.30's.d selesai"."""
    (span,) = find_times("08.30's.d selesai")
    assert (span.text, span.until_done) == ("08.30 s.d selesai", True)


def test_pada_colon_then_date_and_time_on_lines_of_their_own():
    """HISFARSI: "… akan mengadakan Webinar Kefarmasian" / "“Indonesian … Care: Taking Action
    to Close the Care Gap” pada:" / "Sabtu, 11 Februari 2023" / "09.00-12.30 WIB". The colon
    inside the quoted title does not end the name; "pada:" announces the date."""
    reading = _placed(
        "Pengurus Pusat HISFARSI melalui Peer Group Apoteker Spesialis Onkologi akan mengadakan",
        "Webinar Kefarmasian “Indonesian Pharmacists in Cancer Care: Taking Action to Close",
        "the Care Gap” pada:",
        "Sabtu, 11 Februari 2023",
        "09.00-12.30 WIB",
        "Webinar ini akan mengupas peran Apoteker dalam Edukasi kepada Pasien Onkologi.",
        "Daftarkan kehadiran Anda melalui link berikut ini KLIK DISINI",
    )
    f = reading.fields
    assert f["acara"] == (
        "Webinar Kefarmasian “Indonesian Pharmacists in Cancer Care: Taking Action to Close "
        "the Care Gap”"
    ), reading.explain["acara"]
    assert (f["tanggal_mulai"], f["waktu"], f["tempat"]) == ("2023-02-11", "09.00-12.30 WIB", None)


def test_after_acara_a_name_in_lower_case_that_holds_a_proper_name():
    """Desa Mandalahayu: "… akan mengadakan acara penutupan dan juga perpisahan KKN IAIT
    Tasikmalaya Tahun 2022 yang insya Alloh akan dilaksanakan Pada :"; a lower-case phrase
    with no proper name after "acara" is still no name."""
    f = _read(
        "Kami atas Nama Pemerintah Desa Mandalahayu dan KKN IAIT akan mengadakan acara penutupan "
        "dan juga perpisahan KKN IAIT Tasikmalaya Tahun 2022 yang insya Alloh akan dilaksanakan "
        "Pada :",
        "Hari : Juam’at",
        "Tanggal : 26 Agustus 2022",
        "Waktu : 13.00 WIB s/d Selesi",
        "Tempat : Aula Desa Mandalahayu",
        "Kami sangat mengharapkan kehadiran Seluruh Warga Masyarakat Desa Mandalahayu.",
    ).fields
    assert f["acara"] == "penutupan dan juga perpisahan KKN IAIT Tasikmalaya Tahun 2022"
    assert (f["tanggal_mulai"], f["waktu"]) == ("2022-08-26", "13.00 WIB s/d Selesi")
    f = _read(
        "Kami akan mengadakan acara rutin bulanan yang akan dilaksanakan pada:",
        "Hari/Tanggal : Senin, 5 Februari 2024",
        "Tempat : Aula Desa",
        "Kami mengharapkan kehadiran Bapak/Ibu.",
    ).fields
    assert f["acara"] is None


def test_an_open_event_that_asks_to_sign_up_or_says_what_to_wear_invites():
    """"Save the date!", "Peserta maksimal 1000 orang", "Link Pendaftaran", "Pakaian: …" are
    said to those who will come; a test's schedule told to applicants still invites no one."""
    for asks in ("Save the date!", "Peserta maksimal 1000 orang", "Link Pendaftaran: KLIK DISINI"):
        f = _read(
            "Himpunan Seminat Farmasi Rumah Sakit PP IAI menyelenggarakan Seminar Online pada:",
            "Hari/Tanggal : Sabtu/ 10 Desember 2022",
            "Waktu : 10:00- 12:00 WIB",
            asks,
        ).fields
        assert (f["acara"], f["tanggal_mulai"], f["waktu"]) == (
            "Seminar Online",
            "2022-12-10",
            "10.00- 12.00 WIB",
        ), asks
    f = _read(
        "Kuliah Umum",
        "Kuliah Umum dari Universitas Indonesia",
        "Lokasi: AUDITORIUM",
        "Waktu: Selasa, 17.00",
        "Pakaian: Dress Code Almamater",
    ).fields
    assert (f["acara"], f["waktu"], f["tempat"]) == ("Kuliah Umum", "17.00", "AUDITORIUM")
    reading = _read(
        "Tes Gelombang II akan diselenggarakan pada:",
        "Hari/Tanggal : Rabu, 20 Juli 2016",
        "Waktu : 08.00 s/d Selesai",
    )
    assert not reading.is_invitation


def test_the_name_before_its_theme_after_menyelenggarakan():
    """"… menyelenggarakan Seminar Online dengan tema Teknik Penyuntikan Insulin …": the theme
    is not the name; and the post's title "WEBINAR : TEKNIK …", a heading with a colon, is no
    kop."""
    reading = _placed(
        "WEBINAR : TEKNIK PENYUNTIKAN INSULIN DALAM KEBERHASILAN TERAPI DIABETES MELITUS",
        "",
        "Himpunan Seminat Farmasi Rumah Sakit PP IAI bekerjasama dengan PT. Becton Dickinson",
        "menyelenggarakan Seminar Online dengan tema Teknik Penyuntikan Insulin dalam",
        "Keberhasilan Terapi Diabetes Melitus yang akan diselenggarakan pada :",
        "Hari/Tanggal : Sabtu, 29 Januari 2022",
        "Waktu : 10:00- 12:00 WIB",
        "Peserta maksimal 1000 orang, diutamakan Apoteker yang bekerja di Rumah Sakit",
    )
    assert reading.fields["acara"] == "Seminar Online", reading.explain["acara"]
    assert reading.fields["pengirim"] is None, reading.explain["pengirim"]


def test_undangan_heading_above_the_events_name():
    """"UNDANGAN" / "Webinar Kesatriaan Seri #01": the heading and the name below it are the
    title "Undangan Webinar Kesatriaan Seri #01"."""
    f = _read(
        "UNDANGAN",
        "Webinar Kesatriaan Seri #01",
        "”Tantangan Alih Generasi Peternak Muda Menuju Swasembada Daging Sapi Nasional”",
        "Bersama ini kami mengundang rekan-rekan muda untuk bergabung dalam webinar yang "
        "diselenggarakan pada :",
        "Hari/Tgl : Senin, 26 April 2021",
        "Waktu : 13.00 WIB",
        "ZOOM ID : 637 100 1919",
    ).fields
    assert (f["acara"], f["tanggal_mulai"], f["tempat"]) == (
        "Webinar Kesatriaan Seri #01",
        "2021-04-26",
        None,
    )


def test_a_long_undangan_title_wrapped_onto_a_second_line():
    """An agenda entry's title "Undangan Pembukaan FGD … Kompetensi" / "ASN TA 2024"."""
    reading = _placed(
        "Undangan Pembukaan FGD Sinkronisasi dan Inventarisasi Program Pelatihan Pengembangan",
        "Kompetensi ASN TA 2024",
        "",
        "Hari/Tanggal : Rabu, 16 November 2022",
        "Waktu : 08.30 s.d selesai",
        "Tempat : Senggigi Ballroom (Lantai 2)",
    )
    assert reading.fields["acara"] == (
        "Pembukaan FGD Sinkronisasi dan Inventarisasi Program Pelatihan Pengembangan Kompetensi "
        "ASN TA 2024"
    ), reading.explain["acara"]


def test_a_place_running_on_below_its_label_is_null_not_its_first_line():
    """"Tempat : Senggigi Ballroom (Lantai 2)" / "Aston Inn Mataram" / "Jl. …, Nusa Tenggara"
    / "Barat" / "Link Zoom : …": how the pieces join is not on the page. A "Zoom Meeting"
    with an "ID:" row under it is the whole place."""
    reading = _read(
        "Undangan Pembukaan FGD Sinkronisasi",
        "Hari/Tanggal : Rabu, 16 November 2022",
        "Waktu : 08.30 s.d selesai",
        "Tempat : Senggigi Ballroom (Lantai 2)",
        "Aston Inn Mataram",
        "Jl. Panca Usaha No.1, Cilinaya, Kec. Cakranegara, Kota Mataram, Nusa Tenggara",
        "Barat",
        "Link Zoom : https://us06web.zoom.us/j/86319038608",
    )
    assert reading.fields["tempat"] is None
    assert "runs on" in reading.explain["tempat"]
    f = _read(
        "Undangan Penutupan Latsar CPNS Gel I (Eksternal)",
        "hari, tanggal : Kamis, 4 Agustus 2022",
        "pukul : 15.00 WIB s.d. Selesai",
        "tempat : Zoom Meeting",
        "ID: 846 1464 3741",
        "Passcode: 241648",
    ).fields
    assert (f["acara"], f["tempat"], f["waktu"]) == (
        "Penutupan Latsar CPNS Gel I (Eksternal)",
        "Zoom Meeting",
        "15.00 WIB s.d. Selesai",
    )
    # a sentence after the place is the letter going on, not the place
    f = _read(
        "Kami mengundang Bapak/Ibu untuk hadir pada:",
        "Hari/Tanggal : Rabu, 16 November 2022",
        "Tempat : Aula Desa",
        "Mengingat pentingnya acara tersebut, mohon hadir tepat waktu.",
        "Catatan : membawa alat tulis",
    ).fields
    assert f["tempat"] == "Aula Desa"


def test_via_an_online_room_on_the_line_after_the_event_table():
    """HIMATEK: "Save the date!" / "Hari/tanggal : …" / "Waktu : …" / "Via Zoom Live"."""
    f = _read(
        "Kuliah Tamu Sustainable Textile",
        "[KULIAH TAMU]",
        "Mengangkat tema \"Sustainable Textile\"",
        "Save the date!",
        "Hari/tanggal : Senin, 10 Januari 2022",
        "Waktu : 18.30 WIB - Selesai",
        "Via Zoom Live",
    ).fields
    assert (f["acara"], f["tanggal_mulai"], f["waktu"], f["tempat"]) == (
        "Kuliah Tamu Sustainable Textile",
        "2022-01-10",
        "18.30 WIB - Selesai",
        "Zoom Live",
    )


def test_a_time_alone_on_the_line_below_the_date_set_apart_by_a_photos_spacing():
    """A straightened photo spaces lines unevenly: "… pada:" / "Sabtu, 11 Februari 2023" and,
    a little further down, "09.00-12.30 WIB" become paragraphs of their own. The time alone on
    the very next line is the event's; a time further down (another paragraph) is not."""

    def read(gap: float):
        rows = [
            (50.0, "Kami mengundang rekan-rekan untuk hadir pada Webinar Kefarmasian pada:"),
            (64.0, "Sabtu, 11 Februari 2023"),
            (64.0 + 11.0 + gap, "09.00-12.30 WIB"),
        ]
        words = []
        for top, text in rows:
            x = 72.0
            for token in text.split():
                words.append(PlacedWord(token, x, x + 5.5 * len(token), top, top + 11.0, size=11.0))
                x += 5.5 * len(token) + 3.0
        return read_fields(Document(tuple(build_lines([words], [595.0])), "ocr", True, (595.0,)))

    reading = read(gap=9.0)  # more than a paragraph's break, less than a line and a half
    assert reading.fields["tanggal_mulai"] == "2023-02-11"
    assert reading.fields["waktu"] == "09.00-12.30 WIB", reading.explain["waktu"]
    assert read(gap=30.0).fields["waktu"] is None
