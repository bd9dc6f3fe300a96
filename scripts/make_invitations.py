#!/usr/bin/env python3
"""Generate the test corpus of invitation letters in ``tests/data/invitations/own/``.

Each letter is written as a DOCX with python-docx and converted to PDF by
LibreOffice (realistic fonts and layout, no PDF library needed); some are then
rasterised with poppler and degraded with Pillow (grain, specks, skew, JPEG)
into image-only PDFs, the way a scanner or a phone delivers them; two stay
DOCX; two travel as the PDF attachment of an email. Two files are not
invitations at all (a photo, a monitoring report). Next to every file goes
``<name>.json`` with the true fields (``null`` where the letter does not
state one).

The letters vary what real invitations vary: letterheads (ministry, province
and city agencies, university, Bank Indonesia, state companies), number
shapes, label spellings, the letter date as a label, at the top right, on the
number line or above the signature, event details in a table or in a
sentence, ranges across months and years, WIB/WITA/WIT, subjects and places
that wrap.

    python scripts/make_invitations.py [OUT_DIR]

Deterministic: the same specs and seeds give the same letters and truths.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFilter

from pipeline.extract.fields import FIELD_KEYS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "invitations" / "own"

WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
RECIPIENT = [
    "Yth. Kepala Dinas Koperasi, Usaha Kecil dan Menengah",
    "Provinsi Kalimantan Barat",
    "di -",
    "Pontianak",
]
CLOSING = (
    "Mengingat pentingnya kegiatan tersebut, kami mengharapkan kehadiran Bapak/Ibu tepat pada "
    "waktunya. Atas perhatian dan kerja sama Bapak/Ibu, kami ucapkan terima kasih."
)


@dataclass
class Event:
    acara: str
    dates: str  # as written in the letter
    start: str  # ISO truth
    end: str
    time: str | None  # as written
    tempat: str


@dataclass
class Scan:
    dpi: int
    angle: float
    grain: float  # 0..1 blend of Gaussian noise
    specks: float  # share of pixels turned into specks
    blur: float = 0.0
    quality: int = 60
    seed: int = 1


@dataclass
class Letter:
    name: str
    kop: list[str]
    address: str
    pengirim: str
    nomor: str
    hal: str
    city: str
    tanggal: str  # ISO
    event: Event
    signer: tuple[str, str]
    nomor_label: str = "Nomor"
    hal_label: str = "Hal"
    sifat: str | None = "Biasa"
    lampiran: str | None = "-"
    date_style: str = "top"  # top | label | nomor_line | bottom | number_line
    header: str = "tabs"  # tabs | table | twocol
    body: str = "prose_rangka"  # prose_rangka | prose_menghadiri | prose_akan | prose_di
    # | table | table_numbered | table_split_day
    labels: dict[str, str] = field(default_factory=dict)  # event-table label spellings
    font: str = "Liberation Serif"
    size: float = 11.5
    carrier: str = "pdf"  # pdf | scan | docx | eml | docx_header
    scan: Scan | None = None
    email: dict[str, str] | None = None
    extra_truth: dict[str, str | None] = field(default_factory=dict)
    zero_pad: bool = False  # "05 Oktober 2026"
    reference: str | None = None  # another letter cited in the body (its number and date)

    def truth(self) -> dict[str, str | None]:
        ev = self.event
        truth = {
            "nomor": self.nomor,
            "tanggal": self.tanggal,
            "hal": self.hal,
            "pengirim": self.pengirim,
            "acara": ev.acara,
            "tanggal_mulai": ev.start,
            "tanggal_selesai": ev.end,
            "waktu": ev.time,
            "tempat": ev.tempat,
        }
        truth.update(self.extra_truth)
        return truth


MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def indo(iso: str, zero_pad: bool = False) -> str:
    d = dt.date.fromisoformat(iso)
    return (
        f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"
        if zero_pad
        else f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    )


LETTERS: list[Letter] = [
    Letter(
        name="t01-bi-prose-nomorline",
        kop=["BANK INDONESIA", "KANTOR PERWAKILAN PROVINSI KALIMANTAN BARAT"],
        address="Jl. Rahadi Usman No. 2, Pontianak 78111, Telp. (0561) 732350",
        pengirim="Bank Indonesia Kantor Perwakilan Provinsi Kalimantan Barat",
        nomor="No.8680/KPw-KB/Srt/B",
        date_style="number_line",
        sifat=None,
        lampiran="1 (satu) lembar",
        hal_label="Perihal",
        hal=(
            "Undangan Diseminasi Laporan Perekonomian Provinsi Kalimantan Barat "
            "Periode November 2026"
        ),
        city="Pontianak",
        tanggal="2026-11-02",
        event=Event(
            "Diseminasi Laporan Perekonomian Provinsi Kalimantan Barat Periode November 2026",
            "Kamis tanggal 19 November 2026",
            "2026-11-19",
            "2026-11-19",
            "13.00 WIB",
            "Ballroom Hotel Mercure Pontianak, Jl. Ahmad Yani No. 1, Pontianak",
        ),
        body="prose_menghadiri",
        signer=("Kepala Perwakilan,", "Doni Septadijaya"),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="t02-djpb-table-wrap",
        kop=[
            "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
            "DIREKTORAT JENDERAL PERBENDAHARAAN",
            "KANTOR WILAYAH DIREKTORAT JENDERAL PERBENDAHARAAN PROVINSI KALIMANTAN BARAT",
        ],
        address=(
            "Jl. Sultan Abdurrahman No. 27, Pontianak 78116, Telepon (0561) 736851, "
            "Laman djpb.kemenkeu.go.id"
        ),
        pengirim="Kantor Wilayah Direktorat Jenderal Perbendaharaan Provinsi Kalimantan Barat",
        nomor="S-55/KO.0701/2026",
        sifat="Segera",
        city="Pontianak",
        tanggal="2026-10-26",
        hal="Undangan Bimbingan Teknis Aplikasi SAKTI bagi Satuan Kerja Perangkat Daerah",
        event=Event(
            "Bimbingan Teknis Aplikasi SAKTI bagi Satuan Kerja Perangkat Daerah",
            "Selasa s.d. Kamis, 10 s.d. 12 November 2026",
            "2026-11-10",
            "2026-11-12",
            "08.00 - 16.00 WIB",
            "Aula Kantor Wilayah Direktorat Jenderal Perbendaharaan Provinsi Kalimantan Barat, "
            "Jl. Sultan Abdurrahman No. 27, Pontianak",
        ),
        body="table",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Kantor Wilayah,", "Imik Eko Putro"),
    ),
    Letter(
        name="t03-pemkot-labeldate-table-header",
        kop=["PEMERINTAH KOTA PONTIANAK", "DINAS KOPERASI, USAHA MIKRO DAN PERDAGANGAN"],
        address=(
            "Jl. Letjen Sutoyo No. 1, Pontianak 78121, Telp. (0561) 733012, "
            "Pos-el diskumdag@pontianak.go.id"
        ),
        pengirim="Dinas Koperasi, Usaha Mikro dan Perdagangan Kota Pontianak",
        nomor="005/1842/DKUMP-B/2026",
        date_style="label",
        header="table",
        city="Pontianak",
        tanggal="2026-09-14",
        hal_label="Perihal",
        hal="Undangan Pameran Produk Unggulan UMKM Kota Pontianak 2026",
        event=Event(
            "Pameran Produk Unggulan UMKM Kota Pontianak 2026",
            "Sabtu - Senin / 26 - 28 September 2026",
            "2026-09-26",
            "2026-09-28",
            "08.00 - 12.00 WIB",
            "Gedung Pontianak Convention Center, Jl. Sutan Syahrir, Pontianak",
        ),
        body="prose_rangka",
        signer=("Kepala Dinas,", "Ningsih, S.E., M.M."),
        font="DejaVu Serif",
        size=10.5,
    ),
    Letter(
        name="t04-untan-bottomdate-numbered",
        kop=["UNIVERSITAS TANJUNGPURA", "FAKULTAS EKONOMI DAN BISNIS"],
        address="Jl. Prof. Dr. H. Hadari Nawawi, Pontianak 78124, Laman feb.untan.ac.id",
        pengirim="Fakultas Ekonomi dan Bisnis Universitas Tanjungpura",
        nomor="27/UN22.9/KS/2026",
        date_style="bottom",
        hal_label="Perihal",
        lampiran=None,
        city="Pontianak",
        tanggal="2026-11-16",
        hal="Undangan Seminar Nasional Ekonomi Kerakyatan dan Koperasi",
        event=Event(
            "Seminar Nasional Ekonomi Kerakyatan dan Koperasi",
            "Senin, 30 November s.d. Rabu, 2 Desember 2026",
            "2026-11-30",
            "2026-12-02",
            "09:00 – 12:00 WIB",
            "Ruang Sidang Dekanat Fakultas Ekonomi dan Bisnis Universitas Tanjungpura",
        ),
        body="table_numbered",
        labels={"date": "Hari, Tanggal", "time": "Pukul", "place": "Tempat", "event": "Acara"},
        signer=("Dekan,", "Prof. Dr. Barkah, S.E., M.Si."),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="t05-bri-prose-akan",
        kop=["PT BANK RAKYAT INDONESIA (PERSERO) Tbk", "KANTOR WILAYAH PONTIANAK"],
        address="Jl. Tanjungpura No. 2, Pontianak 78117, Telp. (0561) 734455",
        pengirim="PT Bank Rakyat Indonesia (Persero) Tbk Kantor Wilayah Pontianak",
        nomor="B-1234/DEP.3/X/2026",
        nomor_label="No.",
        sifat=None,
        lampiran=None,
        city="Pontianak",
        tanggal="2026-10-01",
        hal="Undangan Temu Bisnis UMKM Naik Kelas",
        event=Event(
            "Temu Bisnis UMKM Naik Kelas",
            "Rabu, 14 Oktober 2026",
            "2026-10-14",
            "2026-10-14",
            "09.00 WIB s.d. selesai",
            "Hotel Golden Tulip Pontianak, Jl. Teuku Umar No. 39, Pontianak",
        ),
        body="prose_akan",
        signer=("Regional CEO,", "Hadi Santoso"),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="t06-pln-twocol-splitday",
        kop=["PT PLN (PERSERO)", "UNIT INDUK WILAYAH KALIMANTAN BARAT"],
        address="Jl. Adisucipto Km. 7,3, Sungai Raya, Kubu Raya 78391, Telp. (0561) 721140",
        pengirim="PT PLN (Persero) Unit Induk Wilayah Kalimantan Barat",
        nomor="0123/KOM.00.01/UIWKB/2026",
        date_style="nomor_line",
        header="twocol",
        city="Sungai Raya",
        tanggal="2026-10-07",
        hal="Undangan Sosialisasi Program Electrifying Agriculture bagi Pelaku UMKM",
        event=Event(
            "Sosialisasi Program Electrifying Agriculture bagi Pelaku UMKM",
            "22 Oktober 2026",
            "2026-10-22",
            "2026-10-22",
            "13.30 WIB s.d. selesai",
            "Kantor PT PLN (Persero) UIW Kalimantan Barat, Jl. Adisucipto Km. 7,3, Sungai Raya",
        ),
        body="table_split_day",
        labels={
            "day": "Hari",
            "date": "Tanggal",
            "time": "Pukul",
            "place": "Tempat",
            "event": "Agenda",
        },
        signer=("General Manager,", "Joice Lanny Wantania"),
        font="Liberation Sans",
        size=10,
    ),
    Letter(
        name="t07-kemenkop-deputi-wraphal",
        kop=[
            "KEMENTERIAN KOPERASI DAN USAHA KECIL DAN MENENGAH",
            "REPUBLIK INDONESIA",
            "DEPUTI BIDANG USAHA MIKRO",
        ],
        address="Jl. H.R. Rasuna Said Kav. 3-4, Kuningan, Jakarta Selatan 12940",
        pengirim="Deputi Bidang Usaha Mikro Kementerian Koperasi dan Usaha Kecil dan Menengah",
        nomor="B-445/DEP.1/IX/2026",
        sifat="Penting",
        lampiran="1 (satu) berkas",
        hal_label="Perihal",
        city="Jakarta",
        tanggal="2026-09-15",
        hal=(
            "Undangan Rapat Koordinasi Nasional Percepatan Transformasi Usaha Mikro ke Sektor "
            "Formal Tahun 2026"
        ),
        event=Event(
            "Rapat Koordinasi Nasional Percepatan Transformasi Usaha Mikro ke Sektor Formal "
            "Tahun 2026",
            "Selasa, 29 September s.d. Kamis, 1 Oktober 2026",
            "2026-09-29",
            "2026-10-01",
            "13.00 WIB s.d. selesai",
            "Hotel Bidakara, Jl. Gatot Subroto Kav. 71-73, Pancoran, Jakarta Selatan",
        ),
        body="prose_rangka",
        signer=("Deputi Bidang Usaha Mikro,", "Dr. Yulius, M.A."),
    ),
    Letter(
        name="t08-disperindag-labeldate-kegiatan",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "DINAS PERINDUSTRIAN DAN PERDAGANGAN"],
        address="Jl. Sutan Syahrir No. 17, Pontianak 78116, Telepon (0561) 734505",
        pengirim="Dinas Perindustrian dan Perdagangan Provinsi Kalimantan Barat",
        nomor="500.2/2468/Disperindag-B/2026",
        date_style="label",
        sifat="Segera",
        city="Pontianak",
        tanggal="2026-09-28",
        hal="Undangan Pelatihan Desain Kemasan Produk UMKM",
        event=Event(
            "Pelatihan Desain Kemasan Produk UMKM",
            "Jumat, 9 Oktober 2026",
            "2026-10-09",
            "2026-10-09",
            "Pukul 08.30 WIB s.d. selesai",
            "Aula Dinas Perindustrian dan Perdagangan Provinsi Kalimantan Barat",
        ),
        body="table",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Kegiatan"},
        signer=("Kepala Dinas,", "Ir. Syarif Kamaruzaman, M.T."),
        font="URW Bookman",
        size=10,
        extra_truth={"waktu": "08.30 WIB s.d. selesai"},
    ),
    Letter(
        name="t09-bps-prose-di",
        kop=["BADAN PUSAT STATISTIK", "PROVINSI KALIMANTAN BARAT"],
        address="Jl. Sutoyo, Pontianak 78121, Telp. (0561) 735666, E-mail bps6100@bps.go.id",
        pengirim="Badan Pusat Statistik Provinsi Kalimantan Barat",
        nomor="B-112/61000/HM.340/10/2026",
        city="Pontianak",
        tanggal="2026-11-09",
        hal="Undangan Pelatihan Petugas Pendataan Lengkap Koperasi dan UMKM",
        event=Event(
            "Pelatihan Petugas Pendataan Lengkap Koperasi dan UMKM",
            "1 - 3 Desember 2026",
            "2026-12-01",
            "2026-12-03",
            "08.00 - 16.00 WIB",
            "Hotel Ibis Pontianak City Center, Jl. Gajah Mada No. 1, Pontianak",
        ),
        body="prose_di",
        signer=("Kepala Badan Pusat Statistik Provinsi Kalimantan Barat,", "Muhammad Saichudin"),
    ),
    Letter(
        name="t10-bappeda-kuburaya-twoday",
        kop=["PEMERINTAH KABUPATEN KUBU RAYA", "BADAN PERENCANAAN PEMBANGUNAN DAERAH"],
        address="Jl. Arteri Supadio Km. 17, Sungai Raya 78391, Telp. (0561) 6729901",
        pengirim="Badan Perencanaan Pembangunan Daerah Kabupaten Kubu Raya",
        nomor="050/789/BAPPEDA/2026",
        city="Sungai Raya",
        tanggal="2026-10-05",
        hal="Undangan Musyawarah Perencanaan Pembangunan Sektor Ekonomi",
        event=Event(
            "Musyawarah Perencanaan Pembangunan Sektor Ekonomi",
            "Senin dan Selasa, 19 dan 20 Oktober 2026",
            "2026-10-19",
            "2026-10-20",
            "09.00 - 15.00 WIB",
            "Aula Kantor Bupati Kubu Raya, Jl. Arteri Supadio, Sungai Raya",
        ),
        body="prose_rangka",
        signer=("Kepala Bappeda,", "Dr. Amirullah, S.T., M.T."),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="t11-dprd-menghadiri",
        kop=["DEWAN PERWAKILAN RAKYAT DAERAH", "PROVINSI KALIMANTAN BARAT"],
        address="Jl. Ahmad Yani, Pontianak 78124, Telp. (0561) 736540",
        pengirim="Dewan Perwakilan Rakyat Daerah Provinsi Kalimantan Barat",
        nomor="005/567/DPRD/2026",
        hal_label="Perihal",
        sifat="Penting",
        city="Pontianak",
        tanggal="2026-10-12",
        hal=(
            "Undangan Rapat Dengar Pendapat Umum tentang Rancangan Peraturan Daerah "
            "Pemberdayaan Koperasi dan Usaha Mikro"
        ),
        event=Event(
            "Rapat Dengar Pendapat Umum tentang Rancangan Peraturan Daerah Pemberdayaan "
            "Koperasi dan Usaha Mikro",
            "Rabu, 21 Oktober 2026",
            "2026-10-21",
            "2026-10-21",
            "10.00 WIB",
            "Ruang Rapat Paripurna DPRD Provinsi Kalimantan Barat, Jl. Ahmad Yani, Pontianak",
        ),
        body="prose_menghadiri",
        signer=("Ketua DPRD Provinsi Kalimantan Barat,", "Aloysius, S.H."),
    ),
    Letter(
        name="t12-kemendes-longkop-slashdays",
        kop=[
            "KEMENTERIAN DESA, PEMBANGUNAN DAERAH TERTINGGAL, DAN TRANSMIGRASI",
            "REPUBLIK INDONESIA",
            "SEKRETARIAT JENDERAL",
        ],
        address="Jl. TMP Kalibata No. 17, Jakarta Selatan 12750, Laman www.kemendesa.go.id",
        pengirim=(
            "Sekretariat Jenderal Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi"
        ),
        nomor="UND-112/SJ.03/XII/2026",
        city="Jakarta",
        tanggal="2026-12-10",
        hal="Undangan Evaluasi Kinerja Badan Usaha Milik Desa Bersama Tahun 2026",
        event=Event(
            "Evaluasi Kinerja Badan Usaha Milik Desa Bersama Tahun 2026",
            "Senin s.d. Rabu / 28 - 30 Desember 2026",
            "2026-12-28",
            "2026-12-30",
            "08.00 - 17.00 WIB",
            "Hotel Santika Pontianak, Jl. Diponegoro No. 46, Pontianak",
        ),
        body="table",
        labels={"date": "Hari / Tanggal", "time": "Waktu", "place": "Tempat", "event": "Agenda"},
        signer=("Sekretaris Jenderal,", "Taufik Madjid"),
        font="Liberation Serif",
    ),
    Letter(
        name="t13-biro-crossyear",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "SEKRETARIAT DAERAH", "BIRO PEREKONOMIAN"],
        address="Jl. Ahmad Yani, Pontianak 78124, Telp. (0561) 736541",
        pengirim="Biro Perekonomian Sekretariat Daerah Provinsi Kalimantan Barat",
        nomor="500/3141/Ek/2026",
        date_style="label",
        city="Pontianak",
        tanggal="2026-12-17",
        hal="Undangan Pemantauan Harga dan Ketersediaan Bahan Pokok Menjelang Tahun Baru",
        event=Event(
            "Pemantauan Harga dan Ketersediaan Bahan Pokok Menjelang Tahun Baru",
            "Selasa, 29 Desember 2026 s.d. Sabtu, 2 Januari 2027",
            "2026-12-29",
            "2027-01-02",
            "08.00 - 12.00 WIB",
            "Pasar Flamboyan dan Pasar Kemuning, Pontianak",
        ),
        body="table",
        labels={"date": "Hari, Tanggal", "time": "Pukul", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Biro Perekonomian,", "Dra. Ita Roswita"),
        font="DejaVu Serif",
        size=10,
    ),
    Letter(
        name="t14-sulsel-wita",
        kop=["PEMERINTAH PROVINSI SULAWESI SELATAN", "DINAS KOPERASI DAN USAHA KECIL MENENGAH"],
        address="Jl. A. P. Pettarani No. 8, Makassar 90222, Telp. (0411) 452315",
        pengirim="Dinas Koperasi dan Usaha Kecil Menengah Provinsi Sulawesi Selatan",
        nomor="518/4521/DKUKM/2026",
        city="Makassar",
        tanggal="2026-10-08",
        hal_label="Perihal",
        hal="Undangan Temu Koordinasi Pendamping Koperasi Se-Kawasan Timur Indonesia",
        event=Event(
            "Temu Koordinasi Pendamping Koperasi Se-Kawasan Timur Indonesia",
            "Kamis, 22 Oktober 2026",
            "2026-10-22",
            "2026-10-22",
            "08.00 WITA s.d. selesai",
            "Hotel Claro Makassar, Jl. A. P. Pettarani No. 3, Makassar",
        ),
        body="table",
        labels={"date": "Hari, Tanggal", "time": "Pukul", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Dinas,", "Ashari Fakhsirie Radjamilo"),
    ),
    Letter(
        name="t15-uncen-wit-bottom",
        kop=["UNIVERSITAS CENDERAWASIH", "LEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT"],
        address="Jl. Kamp Wolker, Waena, Jayapura 99358, Laman lppm.uncen.ac.id",
        pengirim="Lembaga Penelitian dan Pengabdian kepada Masyarakat Universitas Cenderawasih",
        nomor="1234/UN20.9/PM/2026",
        date_style="bottom",
        city="Jayapura",
        tanggal="2026-10-12",
        hal="Undangan Lokakarya Hilirisasi Hasil Penelitian Pangan Lokal",
        event=Event(
            "Lokakarya Hilirisasi Hasil Penelitian Pangan Lokal",
            "Sabtu, 31 Oktober 2026",
            "2026-10-31",
            "2026-10-31",
            "19.30 WIT - selesai",
            "Auditorium Universitas Cenderawasih, Abepura, Jayapura",
        ),
        body="prose_rangka",
        signer=("Ketua LPPM,", "Dr. Ir. Hendrik Rumere, M.Si."),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="t16-jamkrindo-lettered",
        kop=["PT JAMINAN KREDIT INDONESIA", "KANTOR CABANG PONTIANAK"],
        address="Jl. Gajah Mada No. 68, Pontianak 78121, Telp. (0561) 766123",
        pengirim="PT Jaminan Kredit Indonesia Kantor Cabang Pontianak",
        nomor="KU.02.01/4567/KC-PTK/2026",
        city="Pontianak",
        tanggal="2026-11-03",
        hal="Undangan Sosialisasi Penjaminan Kredit Usaha Rakyat",
        event=Event(
            "Sosialisasi Penjaminan Kredit Usaha Rakyat",
            "Rabu s/d Jumat, 18 s/d 20 November 2026",
            "2026-11-18",
            "2026-11-20",
            "Pukul 09.00 s.d. 12.00 WIB",
            "Hotel Aston Pontianak, Jl. Gajah Mada No. 301, Pontianak",
        ),
        body="table_lettered",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Pemimpin Cabang,", "Rudi Hartono"),
        font="Liberation Sans",
        size=10,
        extra_truth={"waktu": "09.00 s.d. 12.00 WIB"},
    ),
    Letter(
        name="t17-gubernur-single-kop",
        kop=["GUBERNUR KALIMANTAN BARAT"],
        address="Jl. Ahmad Yani, Pontianak 78124",
        pengirim="Gubernur Kalimantan Barat",
        nomor="800.1.6/1234/Ek-A/2026",
        sifat="Penting",
        city="Pontianak",
        tanggal="2026-10-20",
        hal="Undangan Rapat Koordinasi Pengendalian Inflasi Daerah",
        event=Event(
            "Rapat Koordinasi Pengendalian Inflasi Daerah",
            "Kamis, 5 November 2026",
            "2026-11-05",
            "2026-11-05",
            "09:00 WIB",
            "Balai Petitih Kantor Gubernur Kalimantan Barat, Jl. Ahmad Yani, Pontianak",
        ),
        body="prose_rangka",
        signer=("GUBERNUR KALIMANTAN BARAT,", "RIA NORSAN"),
    ),
    # --- scans ---------------------------------------------------------------------------------
    Letter(
        name="s01-polnep-table-scan",
        kop=["POLITEKNIK NEGERI PONTIANAK"],
        address="Jl. Jenderal Ahmad Yani, Pontianak 78124, Telp. (0561) 736180",
        pengirim="Politeknik Negeri Pontianak",
        nomor="3321/PL16/KM/2026",
        city="Pontianak",
        tanggal="2026-09-21",
        hal_label="Perihal",
        hal="Undangan Gelar Inovasi Teknologi Tepat Guna bagi UMKM",
        event=Event(
            "Gelar Inovasi Teknologi Tepat Guna bagi UMKM",
            "Kamis, 8 Oktober 2026",
            "2026-10-08",
            "2026-10-08",
            "08.00 - 13.00 WIB",
            "Gedung Serbaguna Politeknik Negeri Pontianak",
        ),
        body="table",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Direktur,", "Ir. Muhammad Toasin Asha, M.Si."),
        carrier="scan",
        size=12,
        scan=Scan(dpi=200, angle=1.5, grain=0.10, specks=0.0008, seed=11),
    ),
    Letter(
        name="s02-kemendag-prose-scan",
        kop=[
            "KEMENTERIAN PERDAGANGAN REPUBLIK INDONESIA",
            "DIREKTORAT JENDERAL PERDAGANGAN DALAM NEGERI",
        ],
        address="Jl. M.I. Ridwan Rais No. 5, Jakarta Pusat 10110",
        pengirim=(
            "Direktorat Jenderal Perdagangan Dalam Negeri Kementerian Perdagangan Republik "
            "Indonesia"
        ),
        nomor="1456/PDN.2/UND/10/2026",
        city="Jakarta",
        tanggal="2026-10-09",
        hal="Undangan Rapat Teknis Stabilisasi Harga Barang Kebutuhan Pokok",
        event=Event(
            "Rapat Teknis Stabilisasi Harga Barang Kebutuhan Pokok",
            "29 Oktober s.d. 1 November 2026",
            "2026-10-29",
            "2026-11-01",
            "09.00 - 16.00 WIB",
            "Hotel Grand Mahkota Pontianak, Jl. Sidas No. 8, Pontianak",
        ),
        body="prose_rangka",
        signer=("Direktur Jenderal,", "Moga Simatupang"),
        carrier="scan",
        size=12,
        scan=Scan(dpi=300, angle=-1.2, grain=0.08, specks=0.0005, seed=12),
    ),
    Letter(
        name="s03-sanggau-table-scan",
        kop=["PEMERINTAH KABUPATEN SANGGAU", "DINAS KOPERASI DAN USAHA MIKRO"],
        address="Jl. Jenderal Sudirman No. 12, Sanggau 78512, Telp. (0564) 21045",
        pengirim="Dinas Koperasi dan Usaha Mikro Kabupaten Sanggau",
        nomor="518/245/DKUM-C/2026",
        date_style="label",
        city="Sanggau",
        tanggal="2026-10-14",
        hal="Undangan Rapat Anggota Tahunan Koperasi Se-Kabupaten Sanggau",
        event=Event(
            "Rapat Anggota Tahunan Koperasi Se-Kabupaten Sanggau",
            "Rabu, 28 Oktober 2026",
            "2026-10-28",
            "2026-10-28",
            "09.00 WIB s.d. selesai",
            "Aula Kantor Bupati Sanggau, Jl. Jenderal Sudirman No. 1, Sanggau",
        ),
        body="table",
        labels={"date": "Hari, Tanggal", "time": "Pukul", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Dinas,", "Yohanes Ontot, S.Sos."),
        carrier="scan",
        size=12,
        scan=Scan(dpi=200, angle=2.0, grain=0.12, specks=0.0015, seed=13),
    ),
    Letter(
        name="s04-ojk-prose-scan",
        kop=["OTORITAS JASA KEUANGAN", "KANTOR OJK PROVINSI KALIMANTAN BARAT"],
        address="Jl. Sultan Abdurrahman No. 101, Pontianak 78116",
        pengirim="Otoritas Jasa Keuangan Provinsi Kalimantan Barat",
        nomor="S-207/KO.0701/2026",
        city="Pontianak",
        tanggal="2026-11-04",
        hal_label="Perihal",
        hal="Undangan Edukasi Keuangan bagi Pelaku Usaha Mikro",
        event=Event(
            "Edukasi Keuangan bagi Pelaku Usaha Mikro",
            "Selasa, 17 November 2026",
            "2026-11-17",
            "2026-11-17",
            "13.00 - 16.00 WIB",
            "Aula Kantor OJK Provinsi Kalimantan Barat, Jl. Sultan Abdurrahman No. 101, Pontianak",
        ),
        body="prose_rangka",
        signer=("Kepala Kantor OJK Provinsi Kalimantan Barat,", "Rochma Hidayati"),
        carrier="scan",
        size=12,
        font="Liberation Sans",
        scan=Scan(dpi=250, angle=-1.8, grain=0.10, specks=0.001, seed=14),
    ),
    Letter(
        name="s05-bpkp-table-scan",
        kop=["BADAN PENGAWASAN KEUANGAN DAN PEMBANGUNAN", "PERWAKILAN PROVINSI KALIMANTAN BARAT"],
        address="Jl. Abdul Rahman Saleh No. 5, Pontianak 78124, Telp. (0561) 735130",
        pengirim="Badan Pengawasan Keuangan dan Pembangunan Perwakilan Provinsi Kalimantan Barat",
        nomor="PE.03.03/S-889/PW14/3/2026",
        city="Pontianak",
        tanggal="2026-11-20",
        hal="Undangan Asistensi Penyusunan Laporan Keuangan Dana Bergulir",
        event=Event(
            "Asistensi Penyusunan Laporan Keuangan Dana Bergulir",
            "30 November s.d. 2 Desember 2026",
            "2026-11-30",
            "2026-12-02",
            "08.00 - 16.00 WIB",
            "Ruang Rapat Lantai 2 Kantor BPKP Perwakilan Provinsi Kalimantan Barat",
        ),
        body="table",
        labels={"date": "Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Perwakilan,", "Rudy Mahani Harahap"),
        carrier="scan",
        size=12,
        scan=Scan(dpi=200, angle=1.0, grain=0.10, specks=0.001, blur=0.5, seed=15),
    ),
    Letter(
        name="s06-diskominfo-prose-scan",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "DINAS KOMUNIKASI DAN INFORMATIKA"],
        address="Jl. Ahmad Yani No. 1, Pontianak 78124, Laman diskominfo.kalbarprov.go.id",
        pengirim="Dinas Komunikasi dan Informatika Provinsi Kalimantan Barat",
        nomor="400.14.5.4/2345/Diskominfo",
        city="Pontianak",
        tanggal="2026-10-19",
        hal="Undangan Sosialisasi Tanda Tangan Elektronik bagi Perangkat Daerah",
        event=Event(
            "Sosialisasi Tanda Tangan Elektronik bagi Perangkat Daerah",
            "Kamis, 29 Oktober 2026",
            "2026-10-29",
            "2026-10-29",
            "09.00 WIB s.d. selesai",
            "Ruang Rapat Diskominfo Provinsi Kalimantan Barat, Jl. Ahmad Yani No. 1, Pontianak",
        ),
        body="prose_menghadiri",
        signer=("Kepala Dinas,", "Samuel, S.E., M.Si."),
        carrier="scan",
        size=12,
        scan=Scan(dpi=200, angle=-0.8, grain=0.14, specks=0.0008, blur=0.4, seed=16),
    ),
    # --- validation batch: phrasings and layouts the rules were not written against ----------
    Letter(
        name="v01-bankkalbar-mixed",
        kop=["PT BANK PEMBANGUNAN DAERAH KALIMANTAN BARAT", "KANTOR PUSAT"],
        address=(
            "Jl. Rahadi Usman No. 8, Pontianak 78111, Telp. (0561) 733377, www.bankkalbar.co.id"
        ),
        pengirim="PT Bank Pembangunan Daerah Kalimantan Barat Kantor Pusat",
        nomor="0412/DIR-UMKM/2026",
        city="Pontianak",
        tanggal="2026-10-05",
        zero_pad=True,
        hal="Undangan Penandatanganan Nota Kesepahaman Pembiayaan Koperasi",
        event=Event(
            "Penandatanganan Nota Kesepahaman Pembiayaan Koperasi",
            "Kamis, 15 Oktober 2026",
            "2026-10-15",
            "2026-10-15",
            "10.00 WIB s.d. selesai",
            "Lantai 5 Gedung Kantor Pusat Bank Kalbar, Jl. Rahadi Usman No. 8, Pontianak",
        ),
        body="prose_mixed",
        labels={"date": "Hari, Tanggal", "time": "Pukul", "place": "Tempat"},
        signer=("Direktur Utama,", "Rokidi"),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="v02-bapanas-mengikuti-wita",
        kop=["BADAN PANGAN NASIONAL", "REPUBLIK INDONESIA"],
        address="Jl. Harsono RM No. 3, Ragunan, Jakarta Selatan 12550",
        pengirim="Badan Pangan Nasional",
        nomor="B-321/TS.02.02/K/10/2026",
        city="Jakarta",
        tanggal="2026-10-13",
        header="compact",
        sifat=None,
        lampiran=None,
        hal="Undangan Bimbingan Teknis Sistem Informasi Cadangan Pangan",
        event=Event(
            "Bimbingan Teknis Sistem Informasi Cadangan Pangan",
            "Selasa, 10 November 2026",
            "2026-11-10",
            "2026-11-10",
            "08.00 s.d. 16.00 WITA",
            "Ballroom Hotel Novotel Balikpapan, Jl. Brigjend Ery Suparjan No. 2, Balikpapan",
        ),
        body="prose_mengikuti",
        signer=("Deputi Bidang Ketersediaan dan Stabilisasi Pangan,", "I Gusti Ketut Astawa"),
    ),
    Letter(
        name="v03-dinkop-reference-table",
        kop=["PEMERINTAH KABUPATEN KETAPANG", "DINAS KOPERASI, USAHA KECIL DAN MENENGAH"],
        address="Jl. Jenderal Sudirman No. 44, Ketapang 78811, Telp. (0534) 32101",
        pengirim="Dinas Koperasi, Usaha Kecil dan Menengah Kabupaten Ketapang",
        nomor="518/0917/DKUKM-B/2026",
        city="Ketapang",
        tanggal="2026-11-09",
        date_style="label",
        hal="Undangan Rapat Koordinasi Pengembangan Koperasi Produsen",
        reference=(
            "surat Deputi Bidang Kelembagaan Kementerian Koperasi Nomor B-210/DEP.2/X/2026 "
            "tanggal 2 Oktober 2026 perihal Penguatan Koperasi Produsen"
        ),
        event=Event(
            "Rapat Koordinasi Pengembangan Koperasi Produsen",
            "Senin, 23 November 2026",
            "2026-11-23",
            "2026-11-23",
            "08.30 WIB sampai dengan selesai",
            "Aula Dinas Koperasi, Usaha Kecil dan Menengah Kabupaten Ketapang",
        ),
        body="prose_reference",
        labels={"date": "Hari/Tanggal", "time": "Pukul", "place": "Tempat"},
        signer=("Kepala Dinas,", "Drs. Heryandi, M.Si."),
    ),
    Letter(
        name="v04-kemenkumham-waktu-crossyear",
        kop=["KEMENTERIAN HUKUM REPUBLIK INDONESIA", "KANTOR WILAYAH KALIMANTAN BARAT"],
        address="Jl. Sultan Syahrir No. 3, Pontianak 78116, Laman kalbar.kemenkum.go.id",
        pengirim="Kementerian Hukum Republik Indonesia Kantor Wilayah Kalimantan Barat",
        nomor="W.15-UM.01.01-1234",
        city="Pontianak",
        tanggal="2026-12-14",
        hal="Undangan Layanan Jemput Bola Pendaftaran Merek Kolektif UMKM",
        event=Event(
            "Layanan Jemput Bola Pendaftaran Merek Kolektif UMKM",
            "30 Desember 2026 s.d. 2 Januari 2027",
            "2026-12-30",
            "2027-01-02",
            "09.00 WIB",
            "Mal Pelayanan Publik Kota Pontianak, Jl. Rahadi Usman, Pontianak",
        ),
        body="table_waktu",
        labels={"date": "Waktu", "place": "Tempat", "event": "Kegiatan"},
        signer=("Kepala Kantor Wilayah,", "Jonny Pesta Simamora"),
    ),
    Letter(
        name="v05-uncen-twocol-jam-wit",
        kop=[
            "KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI",
            "UNIVERSITAS CENDERAWASIH",
            "FAKULTAS EKONOMI DAN BISNIS",
        ],
        address="Jl. Raya Sentani, Abepura, Jayapura 99351",
        pengirim="Fakultas Ekonomi dan Bisnis Universitas Cenderawasih",
        nomor="2210/UN20.2/KM/2026",
        city="Jayapura",
        tanggal="2026-11-02",
        header="twocol",
        date_style="nomor_line",
        hal="Undangan Kuliah Umum Kewirausahaan dan Ekonomi Kreatif Papua",
        event=Event(
            "Kuliah Umum Kewirausahaan dan Ekonomi Kreatif Papua",
            "Jumat, 13 November 2026",
            "2026-11-13",
            "2026-11-13",
            "Pukul 13.00 – 15.00 WIT",
            "Auditorium Fakultas Ekonomi dan Bisnis Universitas Cenderawasih, Abepura",
        ),
        body="table",
        labels={"date": "Hari/Tgl", "time": "Jam", "place": "Tempat", "event": "Acara"},
        signer=("Dekan,", "Dr. Julius Ary Mollet, S.E., M.B.A."),
        font="Liberation Sans",
        size=10,
        extra_truth={"waktu": "13.00 – 15.00 WIT"},
    ),
    Letter(
        name="v06-bkpm-bottom-agree",
        kop=[
            "PEMERINTAH PROVINSI KALIMANTAN BARAT",
            "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU",
        ],
        address="Jl. Ahmad Yani No. 2, Pontianak 78124, Telp. (0561) 741911",
        pengirim="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Kalimantan Barat",
        nomor="503/2771/DPMPTSP-C/2026",
        city="Pontianak",
        tanggal="2026-10-28",
        date_style="bottom",
        hal_label="Perihal",
        hal="Undangan Forum Kemitraan Penanaman Modal dengan UMKM",
        event=Event(
            "Forum Kemitraan Penanaman Modal dengan UMKM",
            "Rabu s.d. Kamis, 11 s.d. 12 November 2026",
            "2026-11-11",
            "2026-11-12",
            "08.00 - 17.00 WIB",
            "Hotel Harris Pontianak, Jl. Gajah Mada No. 150, Pontianak",
        ),
        body="prose_rangka",
        signer=("Kepala Dinas,", "Drs. Uray Wisata"),
        font="DejaVu Serif",
        size=10,
    ),
    Letter(
        name="v07-lkpp-splitday-scan150",
        kop=["LEMBAGA KEBIJAKAN PENGADAAN BARANG/JASA PEMERINTAH", "REPUBLIK INDONESIA"],
        address="Jl. Epicentrum Tengah Lot 11B, Jakarta Selatan 12940",
        pengirim="Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah",
        nomor="5512/D.3/11/2026",
        city="Jakarta",
        tanggal="2026-11-06",
        hal_label="Perihal",
        hal="Undangan Sosialisasi Katalog Elektronik Produk Usaha Mikro dan Kecil",
        event=Event(
            "Sosialisasi Katalog Elektronik Produk Usaha Mikro dan Kecil",
            "24 November 2026",
            "2026-11-24",
            "2026-11-24",
            "09.00 - 12.00 WIB",
            "Zoom Meeting (Meeting ID: 998 1234 5566, Passcode: lkpp26)",
        ),
        body="table_split_day",
        labels={
            "day": "Hari",
            "date": "Tanggal",
            "time": "Pukul",
            "place": "Tempat",
            "event": "Acara",
        },
        signer=("Direktur Pengembangan Sistem Katalog,", "Dwi Satya Ramadhana"),
        carrier="scan",
        size=12,
        scan=Scan(dpi=150, angle=1.3, grain=0.12, specks=0.001, seed=21),
    ),
    Letter(
        name="v08-kominfo-kab-prose-scan-wrapplace",
        kop=["PEMERINTAH KABUPATEN MEMPAWAH", "DINAS KOMUNIKASI DAN INFORMATIKA"],
        address="Jl. Gusti Muhammad Taufik, Mempawah 78912, Telp. (0561) 691004",
        pengirim="Dinas Komunikasi dan Informatika Kabupaten Mempawah",
        nomor="555/318/Diskominfo/2026",
        city="Mempawah",
        tanggal="2026-10-21",
        hal_label="Perihal",
        hal=(
            "Undangan Pelatihan Pemasaran Digital bagi Koperasi dan Usaha Mikro "
            "Se-Kabupaten Mempawah"
        ),
        event=Event(
            "Pelatihan Pemasaran Digital bagi Koperasi dan Usaha Mikro Se-Kabupaten Mempawah",
            "Selasa s.d. Kamis, 3 s.d. 5 November 2026",
            "2026-11-03",
            "2026-11-05",
            "08.00 - 15.30 WIB",
            "Ruang Pertemuan Lantai 2 Kantor Dinas Komunikasi dan Informatika Kabupaten "
            "Mempawah, Jl. Gusti Muhammad Taufik, Mempawah",
        ),
        body="prose_rangka",
        signer=("Kepala Dinas,", "Kamaruzzaman, S.Sos."),
        carrier="scan",
        size=12,
        font="Liberation Sans",
        scan=Scan(dpi=200, angle=-1.6, grain=0.15, specks=0.0012, blur=0.3, seed=22),
    ),
    Letter(
        name="v09-kemenparekraf-labelhari",
        kop=[
            "KEMENTERIAN EKONOMI KREATIF",
            "REPUBLIK INDONESIA",
            "DEPUTI BIDANG KREATIVITAS MEDIA",
        ],
        address="Gedung Sapta Pesona, Jl. Medan Merdeka Barat No. 17, Jakarta Pusat 10110",
        pengirim="Deputi Bidang Kreativitas Media Kementerian Ekonomi Kreatif",
        nomor="UND/45/KM.02.00/D4/2026",
        nomor_label="No",
        city="Jakarta",
        tanggal="2026-09-30",
        hal="Undangan Temu Kreator Konten dan Pelaku Usaha Kuliner",
        event=Event(
            "Temu Kreator Konten dan Pelaku Usaha Kuliner",
            "Sabtu, 17 Oktober 2026",
            "2026-10-17",
            "2026-10-17",
            "15.00 - 21.00 WIB",
            "Rumah Radakng, Jl. Sultan Syahrir, Pontianak",
        ),
        body="table_numbered",
        labels={
            "date": "Hari dan Tanggal",
            "time": "Waktu",
            "place": "Lokasi",
            "event": "Agenda Kegiatan",
        },
        signer=("Deputi Bidang Kreativitas Media,", "Agustini Rahayu"),
    ),
    Letter(
        name="v10-kab-sintang-akan-menyelenggarakan",
        kop=["PEMERINTAH KABUPATEN SINTANG", "SEKRETARIAT DAERAH"],
        address="Jl. Pattimura No. 1, Sintang 78611, Telp. (0565) 21001",
        pengirim="Sekretariat Daerah Kabupaten Sintang",
        nomor="000.1.2.3/412/Ekon/2026",
        city="Sintang",
        tanggal="2026-10-30",
        date_style="label",
        hal="Undangan Gelar Produk Unggulan Daerah",
        event=Event(
            "Gelar Produk Unggulan Daerah",
            "Sabtu - Senin / 21 - 23 November 2026",
            "2026-11-21",
            "2026-11-23",
            "08.00 - 22.00 WIB",
            "Stadion Baning, Jl. Lintas Melawi, Sintang",
        ),
        body="prose_akan",
        signer=("Sekretaris Daerah,", "Kartiyus, S.H., M.Si."),
        font="URW Bookman",
        size=10,
    ),
    # --- second validation batch, read blind once before joining the corpus ------------------
    Letter(
        name="w01-sambas-mengikuti",
        kop=["PEMERINTAH KABUPATEN SAMBAS", "DINAS PERDAGANGAN, PERINDUSTRIAN, KOPERASI DAN UKM"],
        address="Jl. Pembangunan No. 3, Sambas 79462, Telp. (0562) 391122",
        pengirim="Dinas Perdagangan, Perindustrian, Koperasi dan UKM Kabupaten Sambas",
        nomor="510/1122/DPPKUKM-B/2026",
        city="Sambas",
        tanggal="2026-10-19",
        hal="Undangan Pelatihan Manajemen Keuangan Koperasi Simpan Pinjam",
        event=Event(
            "Pelatihan Manajemen Keuangan Koperasi Simpan Pinjam",
            "Rabu, 4 November 2026",
            "2026-11-04",
            "2026-11-04",
            "08.00 WIB s.d. selesai",
            "Aula Kantor Bupati Sambas, Jl. Pembangunan, Sambas",
        ),
        body="prose_mengikuti",
        signer=("Kepala Dinas,", "Drs. Jamilah"),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="w02-bumn-compact-waktu-wita",
        kop=["KEMENTERIAN BADAN USAHA MILIK NEGARA", "REPUBLIK INDONESIA"],
        address="Jl. Medan Merdeka Selatan No. 13, Jakarta 10110",
        pengirim="Kementerian Badan Usaha Milik Negara",
        nomor="S-601/MBU/11/2026",
        city="Jakarta",
        tanggal="2026-11-12",
        header="compact",
        sifat=None,
        lampiran=None,
        hal="Undangan Temu Mitra Binaan BUMN Wilayah Kalimantan",
        event=Event(
            "Temu Mitra Binaan BUMN Wilayah Kalimantan",
            "Senin, 7 Desember 2026",
            "2026-12-07",
            "2026-12-07",
            "10.00 WITA",
            "Hotel Mercure Samarinda, Jl. Mulawarman No. 93, Samarinda",
        ),
        body="table_waktu",
        labels={"date": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Deputi Bidang Sumber Daya Manusia,", "Tedi Bharata"),
    ),
    Letter(
        name="w03-bapenda-scan300-zeropad",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "BADAN PENDAPATAN DAERAH"],
        address="Jl. Sutan Syahrir No. 5, Pontianak 78116",
        pengirim="Badan Pendapatan Daerah Provinsi Kalimantan Barat",
        nomor="900.1.13.1/3377/Bapenda-C/2026",
        city="Pontianak",
        tanggal="2026-10-02",
        zero_pad=True,
        hal_label="Perihal",
        hal="Undangan Sosialisasi Pajak Kendaraan Bermotor bagi Koperasi",
        event=Event(
            "Sosialisasi Pajak Kendaraan Bermotor bagi Koperasi",
            "Selasa, 13 Oktober 2026",
            "2026-10-13",
            "2026-10-13",
            "09.00 - 12.00 WIB",
            "Aula Bapenda Provinsi Kalimantan Barat, Jl. Sutan Syahrir No. 5, Pontianak",
        ),
        body="table",
        labels={"date": "Hari dan Tanggal", "time": "Pukul", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Badan,", "Dr. Samuel, S.E."),
        carrier="scan",
        size=12,
        scan=Scan(dpi=300, angle=-2.0, grain=0.12, specks=0.001, seed=41),
    ),
    Letter(
        name="w04-bi-akan-crossmonth",
        kop=["BANK INDONESIA", "KANTOR PERWAKILAN PROVINSI KALIMANTAN BARAT"],
        address="Jl. Rahadi Usman No. 2, Pontianak 78111",
        pengirim="Bank Indonesia Kantor Perwakilan Provinsi Kalimantan Barat",
        nomor="No.26/145/Ptk/Srt/B",
        date_style="number_line",
        sifat=None,
        lampiran=None,
        hal_label="Perihal",
        city="Pontianak",
        tanggal="2026-11-16",
        hal="Undangan Festival Ekonomi Syariah Kalimantan Barat",
        event=Event(
            "Festival Ekonomi Syariah Kalimantan Barat",
            "Senin, 30 November s.d. Selasa, 1 Desember 2026",
            "2026-11-30",
            "2026-12-01",
            "09.00 WIB",
            "Pontianak Convention Center, Jl. Sutan Syahrir, Pontianak",
        ),
        body="prose_akan",
        signer=("Kepala Perwakilan,", "Doni Septadijaya"),
        font="Liberation Sans",
        size=10.5,
    ),
    Letter(
        name="w05-bappeda-docx-twocol-reference",
        kop=["PEMERINTAH KOTA PONTIANAK", "BADAN PERENCANAAN PEMBANGUNAN DAERAH"],
        address="Jl. Rahadi Usman No. 3, Pontianak 78111",
        pengirim="Badan Perencanaan Pembangunan Daerah Kota Pontianak",
        nomor="050/1456/Bappeda-A/2026",
        city="Pontianak",
        tanggal="2026-11-02",
        header="twocol",
        date_style="nomor_line",
        hal="Undangan Forum Perangkat Daerah Bidang Ekonomi",
        reference=(
            "surat Wali Kota Pontianak Nomor 050/1200/Bappeda/2026 tanggal 20 Oktober 2026 "
            "perihal Jadwal Forum Perangkat Daerah"
        ),
        event=Event(
            "Forum Perangkat Daerah Bidang Ekonomi",
            "Kamis, 12 November 2026",
            "2026-11-12",
            "2026-11-12",
            "08.30 WIB s.d. selesai",
            "Ruang Rapat Bappeda Kota Pontianak",
        ),
        body="prose_reference",
        labels={"date": "Hari/Tanggal", "time": "Pukul", "place": "Tempat"},
        signer=("Kepala Bappeda,", "Sidiq Handanu"),
        carrier="docx",
    ),
    Letter(
        name="w06-disparbud-scan-crossyear",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "DINAS PARIWISATA DAN KEBUDAYAAN"],
        address="Jl. Ahmad Yani No. 8, Pontianak 78124",
        pengirim="Dinas Pariwisata dan Kebudayaan Provinsi Kalimantan Barat",
        nomor="556/2890/Disparbud/2026",
        city="Pontianak",
        tanggal="2026-12-08",
        hal="Undangan Pameran Kriya UMKM Menyambut Tahun Baru 2027",
        event=Event(
            "Pameran Kriya UMKM Menyambut Tahun Baru 2027",
            "Kamis - Sabtu / 31 Desember 2026 - 2 Januari 2027",
            "2026-12-31",
            "2027-01-02",
            "16.00 - 23.00 WIB",
            "Taman Alun Kapuas, Jl. Rahadi Usman, Pontianak",
        ),
        body="prose_rangka",
        signer=("Kepala Dinas,", "Windy Prihastari"),
        carrier="scan",
        size=12,
        scan=Scan(dpi=200, angle=1.7, grain=0.13, specks=0.0012, blur=0.3, seed=42),
    ),
    # --- DOCX --------------------------------------------------------------------------------
    Letter(
        name="d01-kemenkop-docx-table",
        kop=[
            "KEMENTERIAN KOPERASI REPUBLIK INDONESIA",
            "DEPUTI BIDANG PENGEMBANGAN TALENTA DAN DAYA SAING KOPERASI",
        ],
        address="Jl. H.R. Rasuna Said Kav. 3-4, Kuningan, Jakarta Selatan 12940",
        pengirim=(
            "Deputi Bidang Pengembangan Talenta dan Daya Saing Koperasi Kementerian Koperasi "
            "Republik Indonesia"
        ),
        nomor="B-778/DEP.4/XI/2026",
        city="Jakarta",
        tanggal="2026-11-11",
        header="twocol",
        date_style="nomor_line",
        hal_label="Perihal",
        hal="Undangan Pelatihan Manajemen Koperasi Modern",
        event=Event(
            "Pelatihan Manajemen Koperasi Modern",
            "Senin s.d. Rabu, 23 s.d. 25 November 2026",
            "2026-11-23",
            "2026-11-25",
            "08.00 - 17.00 WIB",
            "Hotel Kapuas Palace, Jl. Imam Bonjol No. 1, Pontianak",
        ),
        body="table",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Deputi,", "Destry Anna Sari"),
        carrier="docx",
    ),
    Letter(
        name="d02-disnaker-docx-header",
        kop=["PEMERINTAH PROVINSI KALIMANTAN BARAT", "DINAS TENAGA KERJA DAN TRANSMIGRASI"],
        address="Jl. Sutan Syahrir No. 2, Pontianak 78116",
        pengirim="Dinas Tenaga Kerja dan Transmigrasi Provinsi Kalimantan Barat",
        nomor="560/1190/Disnakertrans-C/2026",
        city="Pontianak",
        tanggal="2026-10-22",
        hal="Undangan Job Fair dan Pelatihan Kewirausahaan",
        event=Event(
            "Job Fair dan Pelatihan Kewirausahaan",
            "Selasa, 3 November 2026",
            "2026-11-03",
            "2026-11-03",
            "08.00 - 14.00 WIB",
            "Taman Digulis Untan, Jl. Ahmad Yani, Pontianak",
        ),
        body="prose_rangka",
        signer=("Kepala Dinas,", "Manto, S.H., M.H."),
        carrier="docx_header",
    ),
    # --- emails (the truth is the attachment's) ------------------------------------------------
    Letter(
        name="e01-email-pdf",
        kop=["PEMERINTAH KOTA SINGKAWANG", "DINAS PERDAGANGAN DAN PERINDUSTRIAN"],
        address="Jl. Firdaus No. 1, Singkawang 79123, Telp. (0562) 631234",
        pengirim="Dinas Perdagangan dan Perindustrian Kota Singkawang",
        nomor="510/876/Disdagperin/2026",
        city="Singkawang",
        tanggal="2026-10-16",
        hal_label="Perihal",
        hal="Undangan Festival Kuliner UMKM Singkawang",
        event=Event(
            "Festival Kuliner UMKM Singkawang",
            "Jumat s.d. Minggu, 6 s.d. 8 November 2026",
            "2026-11-06",
            "2026-11-08",
            "16.00 - 22.00 WIB",
            "Lapangan Kridasana, Jl. Merdeka, Singkawang",
        ),
        body="table",
        labels={"date": "Hari/Tanggal", "time": "Waktu", "place": "Tempat", "event": "Acara"},
        signer=("Kepala Dinas,", "Muslimin, S.Sos."),
        carrier="eml",
        email={
            "from": "Rina Agendaris <rina.agenda@diskopukm.kalbarprov.go.id>",
            "subject": "Fwd: Undangan Festival Kuliner UMKM Singkawang",
            "attachment": "undangan festival.pdf",
            "body": "plain",
        },
    ),
    Letter(
        name="e02-email-pdf-oddname",
        kop=[
            "KEMENTERIAN DALAM NEGERI",
            "REPUBLIK INDONESIA",
            "DIREKTORAT JENDERAL BINA PEMBANGUNAN DAERAH",
        ],
        address="Jl. Taman Makam Pahlawan No. 20, Kalibata, Jakarta Selatan 12750",
        pengirim="Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri",
        nomor="400.14.5.4/5120/Bangda",
        city="Jakarta",
        tanggal="2026-11-05",
        hal_label="Perihal",
        hal="Undangan Rapat Sinkronisasi Program Pemberdayaan Usaha Mikro Daerah",
        event=Event(
            "Rapat Sinkronisasi Program Pemberdayaan Usaha Mikro Daerah",
            "Rabu, 25 November 2026",
            "2026-11-25",
            "2026-11-25",
            "13.00 - 16.30 WIB",
            "Zoom Meeting (Meeting ID: 845 2211 0098, Passcode: bangda26)",
        ),
        body="prose_rangka",
        signer=("Direktur Jenderal,", "Restuardy Daud"),
        carrier="eml",
        email={
            "from": '"Yohanes (Sekretariat)" <yohanes@diskopukm.kalbarprov.go.id>',
            "subject": "Undangan rapat sinkronisasi",
            "attachment": "../../Undangan Rapat – Sinkronisasi.pdf",
            "body": "html",
        },
    ),
]


# --- DOCX writing ------------------------------------------------------------------------------


def _border_bottom(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thick"), ("sz", "18"), ("space", "4"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _para(
    container,
    text="",
    *,
    align=None,
    bold=False,
    size=None,
    after=0.0,
    left=None,
    first=None,
    tabs=(),
    keep=False,
):
    p = container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    if align:
        p.alignment = align
    if left is not None:
        fmt.left_indent = left
    if first is not None:
        fmt.first_line_indent = first
    for position, alignment in tabs:
        fmt.tab_stops.add_tab_stop(position, alignment)
    if keep:
        fmt.keep_with_next = True
    return p


def _kop(container, letter: Letter) -> None:
    for i, line in enumerate(letter.kop):
        size = 14 if i == len(letter.kop) - 1 and len(letter.kop) > 1 else 13
        _para(container, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size)
    p = _para(container, letter.address, align=WD_ALIGN_PARAGRAPH.CENTER, size=9, after=10)
    _border_bottom(p)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _widths(table, widths) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width


def _label_rows(letter: Letter) -> list[tuple[str, str]]:
    rows = [(letter.nomor_label, letter.nomor)]
    if letter.sifat:
        rows.append(("Sifat", letter.sifat))
    if letter.lampiran:
        rows.append(("Lampiran", letter.lampiran))
    rows.append((letter.hal_label, letter.hal))
    if letter.date_style == "label":
        rows.append(("Tanggal", indo(letter.tanggal, letter.zero_pad)))
    return rows


TEXT_WIDTH = Cm(16.5)


def _header(doc, letter: Letter) -> None:
    date_line = f"{letter.city}, {indo(letter.tanggal, letter.zero_pad)}"
    if letter.date_style == "top":
        _para(doc, date_line, align=WD_ALIGN_PARAGRAPH.RIGHT, after=6)
    if letter.date_style == "number_line":
        _para(
            doc,
            f"{letter.nomor}\t{date_line}",
            tabs=[(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)],
            after=2,
        )
    rows = _label_rows(letter)
    if letter.date_style == "number_line":
        rows = rows[1:]
    if letter.header == "table":
        table = doc.add_table(rows=len(rows), cols=3)
        _no_borders(table)
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
        _widths(table, [Cm(2.6), Cm(0.5), Cm(13.4)])
        _para(doc, "", after=4)
    elif letter.header == "twocol":
        table = doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, [Cm(9.5), Cm(7.0)])
        left, right = table.rows[0].cells
        left.paragraphs[0].text = ""
        for i, (label, value) in enumerate(rows):
            p = left.paragraphs[0] if i == 0 else left.add_paragraph()
            p.add_run(f"{label}\t:\t{value}")
            fmt = p.paragraph_format
            fmt.left_indent, fmt.first_line_indent = Cm(2.5), Cm(-2.5)
            fmt.tab_stops.add_tab_stop(Cm(2.1))
            fmt.tab_stops.add_tab_stop(Cm(2.5))
            fmt.space_after = Pt(0)
        right.paragraphs[0].text = date_line if letter.date_style == "nomor_line" else ""
        right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        right.add_paragraph("")
        for line in ["Kepada", *RECIPIENT]:
            right.add_paragraph(line)
        _para(doc, "", after=6)
        return
    elif letter.header == "compact":
        for label, value in rows:
            _para(doc, f"{label}: {value}")
        _para(doc, "", after=4)
    else:
        for i, (label, value) in enumerate(rows):
            text = f"{label}\t:\t{value}"
            tabs = [(Cm(2.6), WD_TAB_ALIGNMENT.LEFT), (Cm(3.0), WD_TAB_ALIGNMENT.LEFT)]
            if i == 0 and letter.date_style == "nomor_line":
                text += f"\t{date_line}"
                tabs.append((TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT))
            _para(doc, text, left=Cm(3.0), first=Cm(-3.0), tabs=tabs)
        _para(doc, "", after=4)
    for line in RECIPIENT:
        _para(doc, line, left=Cm(0.8) if line == "Pontianak" else None)
    _para(doc, "", after=4)


def _event_rows(letter: Letter) -> list[tuple[str, str]]:
    ev, lab = letter.event, letter.labels
    rows = []
    if letter.body == "table_split_day":
        weekday = WEEKDAYS[dt.date.fromisoformat(ev.start).weekday()].capitalize()
        rows.append((lab.get("day", "Hari"), weekday))
        rows.append((lab.get("date", "Tanggal"), ev.dates))
    elif letter.body == "table_waktu":
        rows.append((lab.get("date", "Waktu"), f"{ev.dates}, pukul {ev.time}"))
    else:
        rows.append((lab.get("date", "Hari/Tanggal"), ev.dates))
    if ev.time and letter.body != "table_waktu":
        rows.append((lab.get("time", "Waktu"), ev.time))
    rows.append((lab.get("place", "Tempat"), ev.tempat))
    if letter.body not in ("prose_mixed", "prose_reference"):
        rows.append((lab.get("event", "Acara"), ev.acara))
    if letter.body == "table_numbered":
        rows = [(f"{i}. {label}", value) for i, (label, value) in enumerate(rows, 1)]
    if letter.body == "table_lettered":
        rows = [(f"{chr(96 + i)}. {label}", value) for i, (label, value) in enumerate(rows, 1)]
    return rows


def _body(doc, letter: Letter) -> None:
    ev = letter.event
    justify = dict(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first=Cm(1.25), after=6)
    time = f", pukul {ev.time}" if ev.time else ""
    if letter.body.startswith("table") or letter.body in ("prose_mixed", "prose_reference"):
        intro = (
            "Sehubungan dengan akan dilaksanakannya kegiatan sebagaimana tersebut pada pokok "
            "surat, "
            "dengan hormat kami mengundang Bapak/Ibu atau pejabat yang ditunjuk untuk hadir pada:"
        )
        if letter.body == "prose_mixed":
            intro = (
                f"Dalam rangka {ev.acara}, bersama ini kami mengundang Saudara untuk hadir pada "
                "acara tersebut yang akan diselenggarakan pada:"
            )
        if letter.body == "prose_reference":
            intro = (
                f"Menindaklanjuti {letter.reference}, dengan ini kami mengundang Bapak/Ibu untuk "
                f"menghadiri {ev.acara} yang akan dilaksanakan pada:"
            )
        _para(doc, intro, **justify)
        rows = _event_rows(letter)
        if letter.carrier in ("docx", "docx_header"):
            table = doc.add_table(rows=len(rows), cols=3)
            _no_borders(table)
            for row, (label, value) in zip(table.rows, rows, strict=True):
                row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
            _widths(table, [Cm(3.5), Cm(0.5), Cm(12.0)])
        else:
            for label, value in rows:
                _para(
                    doc,
                    f"{label}\t:\t{value}",
                    left=Cm(5.4),
                    first=Cm(-4.0),
                    tabs=[(Cm(5.0), WD_TAB_ALIGNMENT.LEFT), (Cm(5.4), WD_TAB_ALIGNMENT.LEFT)],
                )
        _para(doc, "", after=4)
    elif letter.body == "prose_rangka":
        _para(
            doc,
            (
                f"Dalam rangka pelaksanaan {ev.acara}, dengan hormat kami mengundang "
                "Bapak/Ibu atau "
                f"pejabat yang ditunjuk untuk hadir pada kegiatan dimaksud yang akan dilaksanakan "
                f"pada hari {ev.dates}{time}, bertempat di {ev.tempat}."
            ),
            **justify,
        )
    elif letter.body == "prose_menghadiri":
        _para(
            doc,
            (
                "Sehubungan dengan upaya peningkatan koordinasi antarinstansi, kami mengundang "
                f"Bapak/Ibu untuk menghadiri {ev.acara} yang akan dilaksanakan pada hari "
                f"{ev.dates} "
                f"pukul {ev.time} bertempat di {ev.tempat}."
            ),
            **justify,
        )
    elif letter.body == "prose_akan":
        _para(
            doc,
            (
                f"Bersama ini kami sampaikan bahwa {letter.pengirim} akan menyelenggarakan "
                f"{ev.acara} "
                f"pada hari {ev.dates} pukul {ev.time} bertempat di {ev.tempat}."
            ),
            **justify,
        )
        _para(
            doc,
            (
                "Sehubungan dengan hal tersebut, kami mengundang Bapak/Ibu atau perwakilan yang "
                "ditunjuk untuk hadir pada kegiatan dimaksud."
            ),
            **justify,
        )
    elif letter.body == "prose_mengikuti":
        _para(
            doc,
            (
                f"Kami mengundang Bapak/Ibu untuk mengikuti kegiatan {ev.acara} pada hari "
                f"{ev.dates}, "
                f"pukul {ev.time}, di {ev.tempat}. Peserta diharapkan membawa laptop dan data "
                "koperasi binaan masing-masing."
            ),
            **justify,
        )
    elif letter.body == "prose_di":
        _para(
            doc,
            (
                "Dalam rangka persiapan Pendataan Lengkap Koperasi dan UMKM Tahun 2026, kami mohon "
                "Bapak/Ibu berkenan menugaskan 2 (dua) orang staf untuk mengikuti "
                f"{ev.acara} yang akan diselenggarakan pada tanggal {ev.dates} pukul {ev.time} di "
                f"{ev.tempat}."
            ),
            **justify,
        )
    _para(doc, CLOSING, **justify)
    _para(doc, "Demikian disampaikan, atas perhatian Bapak/Ibu diucapkan terima kasih.", **justify)


def _signature(doc, letter: Letter) -> None:
    left = Cm(9.0)
    _para(doc, "", after=6)
    if letter.date_style == "bottom":
        _para(doc, f"{letter.city}, {indo(letter.tanggal, letter.zero_pad)}", left=left)
    _para(doc, letter.signer[0], left=left, after=40)
    _para(doc, letter.signer[1], left=left, bold=True)
    _para(doc, "", after=6)
    _para(doc, "Tembusan:")
    _para(doc, "1. Gubernur Kalimantan Barat (sebagai laporan);")
    _para(doc, "2. Arsip.")


def write_docx(letter: Letter, path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(1.5), Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = letter.font
    normal.font.size = Pt(letter.size)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), letter.font)
    normal.paragraph_format.space_after = Pt(0)
    if letter.carrier == "docx_header":
        section.header_distance = Cm(0.8)
        header = section.header
        header.paragraphs[0].text = ""
        _kop(header, letter)
    else:
        _kop(doc, letter)
    _header(doc, letter)
    _body(doc, letter)
    _signature(doc, letter)
    doc.save(path)


# --- non-invitations ---------------------------------------------------------------------------


def write_report(path: Path) -> None:
    """A monitoring report: a letter's vocabulary (dates, a city and date), no invitation."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    doc.styles["Normal"].font.name = "Liberation Sans"
    doc.styles["Normal"].font.size = Pt(11)
    _para(
        doc,
        "LAPORAN HASIL MONITORING DAN EVALUASI",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        size=14,
    )
    _para(
        doc,
        "PENYALURAN DANA BERGULIR TRIWULAN III TAHUN 2026",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        size=13,
        after=12,
    )
    _para(doc, "BAB I PENDAHULUAN", bold=True, after=6)
    text = (
        "Monitoring dan evaluasi penyaluran dana bergulir dilaksanakan untuk memastikan bahwa dana "
        "yang disalurkan kepada koperasi dan usaha mikro digunakan sesuai dengan peruntukannya. "
        "Kegiatan lapangan berlangsung dari bulan Juli sampai dengan September 2026 di 14 "
        "kabupaten/kota, dengan sampel 120 koperasi penerima. Data dikumpulkan melalui wawancara, "
        "pemeriksaan dokumen, dan kunjungan ke lokasi usaha."
    )
    for _ in range(3):
        _para(doc, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first=Cm(1.0), after=6)
    _para(doc, "BAB II HASIL", bold=True, after=6)
    table = doc.add_table(rows=6, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    data = [
        ("No", "Kabupaten/Kota", "Penerima", "Realisasi (Rp)"),
        ("1", "Pontianak", "24", "1.250.000.000"),
        ("2", "Kubu Raya", "18", "940.000.000"),
        ("3", "Singkawang", "15", "780.500.000"),
        ("4", "Sanggau", "12", "610.000.000"),
        ("5", "Ketapang", "11", "575.250.000"),
    ]
    for row, values in zip(table.rows, data, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    _para(doc, "", after=6)
    for _ in range(4):
        _para(
            doc,
            (
                "Tingkat pengembalian pinjaman pada triwulan ini mencapai 87,4 persen, "
                "naik 3,1 poin "
                "dibandingkan triwulan sebelumnya. Tunggakan terbesar terdapat pada sektor "
                "perdagangan eceran yang terdampak penurunan daya beli masyarakat."
            ),
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            first=Cm(1.0),
            after=6,
        )
    _para(doc, "Pontianak, 30 September 2026", left=Cm(9.0))
    _para(doc, "Tim Monitoring dan Evaluasi,", left=Cm(9.0), after=30)
    _para(doc, "Ketua Tim", left=Cm(9.0))
    doc.save(path)


def write_photo(path: Path) -> None:
    """A photo (no text at all) saved as a PDF, as a phone's scanner app might."""
    rng = random.Random(7)
    w, h = 1600, 1200
    image = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(image)
    for y in range(h):
        shade = int(150 + 80 * y / h)
        draw.line([(0, y), (w, y)], fill=(shade - 60, shade - 30, shade))
    for _ in range(40):
        x, y, r = rng.randrange(w), rng.randrange(h // 2, h), rng.randrange(20, 160)
        color = (rng.randrange(40, 120), rng.randrange(80, 160), rng.randrange(30, 90))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    draw.rectangle([600, 500, 1000, 900], fill=(150, 110, 80))
    draw.polygon([(560, 500), (800, 330), (1040, 500)], fill=(120, 40, 30))
    image = image.filter(ImageFilter.GaussianBlur(2))
    image.save(path, "PDF", resolution=150, quality=55)


# --- conversion and scanning ---------------------------------------------------------------------


def convert(docx_files: list[Path], outdir: Path) -> None:
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                *map(str, docx_files),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    for docx in docx_files:
        pdf = outdir / (docx.stem + ".pdf")
        if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF-"):
            raise SystemExit(f"LibreOffice wrote no PDF for {docx.name}")


def _noise(size: tuple[int, int], rng: random.Random, tile: int = 384) -> Image.Image:
    """Seeded Gaussian grain (mean 128, sigma 40): a tile of it laid at random offsets."""
    pixels = bytes(min(255, max(0, int(rng.gauss(128, 40)))) for _ in range(tile * tile))
    patch = Image.frombytes("L", (tile, tile), pixels)
    noise = Image.new("L", size, 128)
    for y in range(0, size[1], tile):
        for x in range(0, size[0], tile):
            shift = rng.randrange(tile)
            noise.paste(
                patch.transform(
                    (tile, tile), Image.Transform.AFFINE, (1, 0, shift, 0, 1, 0), fillcolor=128
                ),
                (x, y),
            )
    return noise


def scan(pdf: Path, target: Path, params: Scan, work: Path) -> None:
    rng = random.Random(params.seed)
    stem = work / f"{pdf.stem}-raster"
    subprocess.run(["pdftoppm", "-r", str(params.dpi), "-gray", str(pdf), str(stem)], check=True)
    pages = []
    for raster in sorted(work.glob(f"{stem.name}*.pgm")):
        image = Image.open(raster).convert("L")
        image = image.rotate(params.angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        image = Image.blend(image, _noise(image.size, rng), params.grain)
        pixels = image.load()
        width, height = image.size
        for _ in range(int(width * height * params.specks)):
            x, y = rng.randrange(width), rng.randrange(height)
            pixels[x, y] = rng.choice((0, 30, 60))
        if params.blur:
            image = image.filter(ImageFilter.GaussianBlur(params.blur))
        pages.append(image)
    pages[0].save(
        target,
        "PDF",
        resolution=params.dpi,
        quality=params.quality,
        save_all=True,
        append_images=pages[1:],
    )


def check_spec(letter: Letter) -> None:
    """The spec's date text must name the weekdays its ISO truth has (catches typos in specs)."""
    ev = letter.event
    named = re.findall(r"\b(senin|selasa|rabu|kamis|jumat|sabtu|minggu)\b", ev.dates.lower())
    days = [dt.date.fromisoformat(ev.start), dt.date.fromisoformat(ev.end)]
    if named:
        expected = {WEEKDAYS[d.weekday()] for d in days}
        if not set(named) <= expected | {
            WEEKDAYS[(days[0] + dt.timedelta(i)).weekday()]
            for i in range((days[1] - days[0]).days + 1)
        }:
            raise SystemExit(f"{letter.name}: weekdays {named} do not match {ev.start}..{ev.end}")


def write_email(letter: Letter, pdf_bytes: bytes, path: Path) -> None:
    info = letter.email or {}
    msg = EmailMessage()
    msg["From"] = info["from"]
    msg["To"] = "spt@diskopukm.kalbarprov.go.id"
    msg["Subject"] = info["subject"]
    msg["Date"] = format_datetime(
        dt.datetime(2026, 10, 20, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    msg["Message-ID"] = f"<{letter.name}@mail.kalbarprov.go.id>"
    body = (
        "Yth. Pengadministrasi Kepegawaian,\n\nBersama ini kami teruskan surat undangan terlampir. "
        "Mohon dibuatkan SPT untuk:\n1. 19650809 198603 1 012\n2. 19780312 200501 2 004\n\n"
        "Terima kasih.\n"
    )
    if info.get("body") == "html":
        msg.set_content(body)
        msg.add_alternative(
            "<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>", subtype="html"
        )
        logo = Image.new("RGB", (40, 40), (20, 90, 160))
        buf = io.BytesIO()
        logo.save(buf, "PNG")
        msg.add_attachment(buf.getvalue(), maintype="image", subtype="png", filename="logo.png")
    else:
        msg.set_content(body)
    msg.add_attachment(
        pdf_bytes, maintype="application", subtype="pdf", filename=info["attachment"]
    )
    path.write_bytes(bytes(msg))


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for letter in LETTERS:
        check_spec(letter)
    with tempfile.TemporaryDirectory(prefix="spt-corpus-") as tmp:
        work = Path(tmp)
        docx_files = []
        for letter in LETTERS:
            path = work / f"{letter.name}.docx"
            write_docx(letter, path)
            docx_files.append(path)
        report = work / "n02-laporan-bukan-undangan.docx"
        write_report(report)
        convert([*docx_files, report], work)
        for letter in LETTERS:
            pdf = work / f"{letter.name}.pdf"
            if letter.carrier == "pdf":
                shutil.copyfile(pdf, out / f"{letter.name}.pdf")
            elif letter.carrier == "scan":
                assert letter.scan is not None
                scan(pdf, out / f"{letter.name}.pdf", letter.scan, work)
            elif letter.carrier in ("docx", "docx_header"):
                shutil.copyfile(work / f"{letter.name}.docx", out / f"{letter.name}.docx")
            elif letter.carrier == "eml":
                write_email(letter, pdf.read_bytes(), out / f"{letter.name}.eml")
            (out / f"{letter.name}.json").write_text(
                json.dumps(letter.truth(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        shutil.copyfile(
            work / "n02-laporan-bukan-undangan.pdf", out / "n02-laporan-bukan-undangan.pdf"
        )
        write_photo(out / "n01-foto-bukan-undangan.pdf")
        empty = dict.fromkeys(FIELD_KEYS)
        for name in ("n01-foto-bukan-undangan", "n02-laporan-bukan-undangan"):
            (out / f"{name}.json").write_text(json.dumps(empty, indent=2) + "\n", encoding="utf-8")
    total = sum(f.stat().st_size for f in out.iterdir())
    print(f"wrote {len(list(out.glob('*.json')))} letters to {out} ({total / 1048576:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
