"""The inviting body's name from the letterhead, as a letter citing it would write it."""

import pytest

from pipeline.extract.letterhead import compose, pengirim, title_case

from .extract_helpers import text_doc


@pytest.mark.parametrize(
    ("kop", "name"),
    [
        (["KEMENTERIAN KOPERASI REPUBLIK INDONESIA"], "KEMENTERIAN KOPERASI REPUBLIK INDONESIA"),
        (
            [
                "KEMENTERIAN DALAM NEGERI",
                "REPUBLIK INDONESIA",
                "DIREKTORAT JENDERAL BINA PEMBANGUNAN DAERAH",
            ],
            "DIREKTORAT JENDERAL BINA PEMBANGUNAN DAERAH KEMENTERIAN DALAM NEGERI",
        ),
        (
            ["KEMENTERIAN PERDAGANGAN REPUBLIK INDONESIA", "SEKRETARIAT JENDERAL"],
            "SEKRETARIAT JENDERAL KEMENTERIAN PERDAGANGAN REPUBLIK INDONESIA",
        ),
        (
            ["PEMERINTAH PROVINSI KALIMANTAN BARAT", "BADAN PERENCANAAN PEMBANGUNAN DAERAH"],
            "BADAN PERENCANAAN PEMBANGUNAN DAERAH PROVINSI KALIMANTAN BARAT",
        ),
        (
            ["UNIVERSITAS TANJUNGPURA", "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT"],
            "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT UNIVERSITAS TANJUNGPURA",
        ),
        (
            ["OTORITAS JASA KEUANGAN", "KANTOR OJK PROVINSI KALIMANTAN BARAT"],
            "OTORITAS JASA KEUANGAN PROVINSI KALIMANTAN BARAT",
        ),
        (
            ["BANK INDONESIA", "KANTOR PERWAKILAN PROVINSI KALIMANTAN BARAT"],
            "BANK INDONESIA KANTOR PERWAKILAN PROVINSI KALIMANTAN BARAT",
        ),
        (
            ["PT PLN (PERSERO)", "UNIT INDUK WILAYAH KALIMANTAN BARAT"],
            "PT PLN (PERSERO) UNIT INDUK WILAYAH KALIMANTAN BARAT",
        ),
        (
            ["DEWAN PERWAKILAN RAKYAT DAERAH", "PROVINSI KALIMANTAN BARAT"],
            "DEWAN PERWAKILAN RAKYAT DAERAH PROVINSI KALIMANTAN BARAT",
        ),
        (
            [
                "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
                "DIREKTORAT JENDERAL PERBENDAHARAAN",
                "KANTOR WILAYAH DIREKTORAT JENDERAL PERBENDAHARAAN PROVINSI KALIMANTAN BARAT",
            ],
            "KANTOR WILAYAH DIREKTORAT JENDERAL PERBENDAHARAAN PROVINSI KALIMANTAN BARAT",
        ),
        (
            ["PEMERINTAH PROVINSI KALIMANTAN BARAT", "SEKRETARIAT DAERAH", "BIRO PEREKONOMIAN"],
            "BIRO PEREKONOMIAN SEKRETARIAT DAERAH PROVINSI KALIMANTAN BARAT",
        ),
        (
            [
                "KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI",
                "UNIVERSITAS CENDERAWASIH",
                "FAKULTAS EKONOMI DAN BISNIS",
            ],
            "FAKULTAS EKONOMI DAN BISNIS UNIVERSITAS CENDERAWASIH",
        ),
        # a name wrapped over two lines
        (
            [
                "PEMERINTAH PROVINSI KALIMANTAN BARAT",
                "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU",
                "SATU PINTU",
            ],
            "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU PROVINSI KALIMANTAN BARAT",
        ),
        (
            [
                "KEMENTERIAN DESA, PEMBANGUNAN DAERAH TERTINGGAL, DAN",
                "TRANSMIGRASI",
                "REPUBLIK INDONESIA",
                "SEKRETARIAT JENDERAL",
            ],
            "SEKRETARIAT JENDERAL KEMENTERIAN DESA, PEMBANGUNAN DAERAH TERTINGGAL, "
            "DAN TRANSMIGRASI",
        ),
    ],
)
def test_the_body_is_named_from_the_most_specific_line_outwards(kop, name):
    assert compose(kop) == name


@pytest.mark.parametrize(
    ("upper", "cased"),
    [
        (
            "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT UNIVERSITAS TANJUNGPURA",
            "Lembaga Penelitian dan Pengabdian kepada Masyarakat Universitas Tanjungpura",
        ),
        (
            "PT BANK RAKYAT INDONESIA (PERSERO) TBK KANTOR WILAYAH PONTIANAK",
            "PT Bank Rakyat Indonesia (Persero) Tbk Kantor Wilayah Pontianak",
        ),
        (
            "DINAS KOPERASI DAN UKM PROVINSI SULAWESI SELATAN",
            "Dinas Koperasi dan UKM Provinsi Sulawesi Selatan",
        ),
        ("Bank Indonesia", "Bank Indonesia"),
    ],
)
def test_capitals_become_a_name_with_acronyms_kept(upper, cased):
    assert title_case(upper) == cased


def test_the_address_and_the_letters_title_are_not_the_name():
    doc = text_doc("""
        PEMERINTAH KOTA PONTIANAK
        DINAS KOPERASI, USAHA MIKRO DAN PERDAGANGAN
        Jl. Letjen Sutoyo No. 1, Pontianak 78121, Telp. (0561) 733012
        P O N T I A N A K
        SURAT UNDANGAN
        Nomor : 005/1842/DKUMP-B/2026
    """)
    name, why, _ = pengirim(doc, stop_at=6)
    assert name == "Dinas Koperasi, Usaha Mikro dan Perdagangan Kota Pontianak"
    assert why == "letterhead lines 1-2"


def test_no_letterhead_gives_null():
    doc = text_doc("""
        Nomor : 005/1842/DKUMP-B/2026
        Hal : Undangan
    """)
    name, why, _ = pengirim(doc, stop_at=1)
    assert name is None
    assert why.startswith("null:")
