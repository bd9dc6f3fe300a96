"""Text from the invitation as the letter writes it: the sender as one phrase, times with s.d."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.drafting.letter import LetterContext
from pipeline.drafting.phrases import sender_phrase, time_phrase

WORKSPACE = Path(__file__).resolve().parents[2] / "pipeline" / "resources" / "workspace"


@pytest.mark.parametrize(("read", "printed"), [
    # The reported case: two letterhead lines joined, organisation first.
    ("Kementerian Koperasi dan UKM Republik Indonesia Deputi Bidang Perkoperasian",
     "Deputi Bidang Perkoperasian Kementerian Koperasi dan UKM Republik Indonesia"),
    ("KEMENTERIAN KOPERASI DAN UKM REPUBLIK INDONESIA DEPUTI BIDANG PERKOPERASIAN",
     "Deputi Bidang Perkoperasian Kementerian Koperasi dan UKM Republik Indonesia"),
    ("  Otoritas Jasa Keuangan Provinsi Kalimantan Barat. ",
     "Otoritas Jasa Keuangan Provinsi Kalimantan Barat"),
    ("Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri",
     "Direktorat Jenderal Bina Pembangunan Daerah Kementerian Dalam Negeri"),
    ("Badan Perencanaan Pembangunan Daerah Provinsi Kalimantan Barat",
     "Badan Perencanaan Pembangunan Daerah Provinsi Kalimantan Barat"),
    (None, None),
])
def test_sender_is_one_clean_phrase(read, printed):
    assert sender_phrase(read) == printed


@pytest.mark.parametrize(("read", "printed"), [
    ("13.30 - 16.00 WIB", "13.30 s.d. 16.00 WIB"),
    ("13:30-16:00", "13.30 s.d. 16.00 WIB"),
    ("pukul 9.00 s/d 12.00 WITA", "09.00 s.d. 12.00 WITA"),
    ("13.30 WIB – 16.00 WIB", "13.30 s.d. 16.00 WIB"),
    ("09.00 WIB s.d. selesai", "09.00 WIB s.d. selesai"),
    ("09.00 - selesai", "09.00 WIB s.d. selesai"),
    ("10.00", "10.00 WIB"),
    ("Menyesuaikan", "Menyesuaikan"),
])
def test_times_use_sd_and_the_zone(read, printed):
    assert time_phrase(read) == printed


def test_the_letter_says_it_so():
    config = load_config(WORKSPACE / "spt.toml")
    fields = {"pengirim": "KEMENTERIAN KOPERASI REPUBLIK INDONESIA DEPUTI BIDANG PERKOPERASIAN",
              "nomor": "B-12/DEP.1/XI/2026", "tanggal": "2026-11-20", "hal": "Undangan",
              "acara": "Rapat Koordinasi", "tanggal_mulai": "2026-12-03",
              "tanggal_selesai": "2026-12-05", "waktu": "13.30 - 16.00", "tempat": "Jakarta"}
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=[])
    assert ctx.dasar[-1].text == (
        "Surat Deputi Bidang Perkoperasian Kementerian Koperasi Republik Indonesia Nomor "
        "B-12/DEP.1/XI/2026 tanggal 20 November 2026 hal Undangan.")
    assert ctx.untuk[0].text == (
        "menghadiri Rapat Koordinasi pada tanggal 3 s.d. 5 Desember 2026, pukul 13.30 s.d. "
        "16.00 WIB, bertempat di Jakarta;")
