"""What an uploaded PDF is, said plainly: the very file issued, another file, or not ours.

The check is :func:`pipeline.reports.verification.verify_issued`, the code
behind ``spt verify``; this module only turns its result into one of three
answers a hotel clerk or an auditor can act on:

- ``ISSUED``: the file's SHA-256 is the one the buku agenda recorded when the
  letter was issued. (If the letter was revoked since, the answer says so.)
- ``OTHER_FILE``: the file carries one of our letter numbers and signatures in
  the fields of our chain, but it is not the issued file: re-saved, edited,
  or damaged, so its signatures no longer hold. Its content cannot be relied
  on; the visitor is sent to the letter's own page (the QR code) or to the
  employee for the original file. Nothing of the registered letter is shown
  here: a crafted file naming a number must not reveal that letter.
- ``NOT_OURS``: nothing links the file to a letter we issued.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.core.dates_id import format_date
from pipeline.reports.verification import IssuedVerification, verify_issued
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.store.db import parse_iso
from pipeline.web.letters import SignatoryView, signatory_views

log = logging.getLogger("spt.web")


class Verdict(enum.StrEnum):
    ISSUED = "diterbitkan"
    OTHER_FILE = "berkas-lain"
    NOT_OURS = "bukan"


class Tone(enum.StrEnum):
    GOOD = "baik"
    WARN = "waspada"
    BAD = "buruk"


@dataclass(frozen=True)
class UploadCheck:
    verdict: Verdict
    tone: Tone
    headline: str
    notes: tuple[str, ...]
    number: str | None                    # as read from the uploaded file
    signatures: tuple[SignatoryView, ...]  # as found in the uploaded file
    sha256: str


def classify(result: IssuedVerification) -> Verdict:
    if result.same_file:
        return Verdict.ISSUED
    if result.registered and any(sig.role for sig in result.signatures):
        return Verdict.OTHER_FILE
    return Verdict.NOT_OURS


def check_upload(config: Config, data: bytes, store: Store, *,
                 page_entry: AgendaEntry | None = None) -> UploadCheck:
    """Verify ``data`` and say what it is (``page_entry``: the letter whose page sent it)."""
    try:
        result = verify_issued(config, data, store=store)
    except Exception as exc:  # a PDF no parser makes sense of is simply not one of ours
        log.info("upload check: unreadable PDF (%s)", exc.__class__.__name__)
        return _not_ours(config, hashlib.sha256(data).hexdigest(), (), None, unreadable=True)
    verdict = classify(result)
    signatures = signatory_views(config, result.signatures)
    if verdict is Verdict.NOT_OURS:
        return _not_ours(config, result.sha256, signatures, result.number)
    entry = result.entry
    assert entry is not None
    notes: list[str] = []
    if verdict is Verdict.ISSUED:
        headline = "Berkas ini adalah SPT asli yang diterbitkan"
        renewed = result.sha256 != entry.file_sha256
        notes.append(
            ("Berkas ini memuat utuh berkas yang tercatat dalam buku agenda " if renewed else
             "Berkas ini sama persis dengan berkas yang tercatat dalam buku agenda ")
            + f"{config.agency.name} untuk surat nomor {entry.number} tanggal "
            f"{format_date(entry.letter_date)}.")
        complete = result.signatures_report.complete
        tone = Tone.GOOD if complete else Tone.WARN
        if complete:
            notes.append("Semua tanda tangan elektronik di dalamnya utuh dan sah.")
        else:
            notes.append("Namun pemeriksaan tanda tangan elektroniknya saat ini tidak lengkap; "
                         f"hubungi {config.agency.name}.")
        notes += _long_term_notes(config, data, renewed=renewed)
    else:
        headline = ("Surat ini asli, tetapi berkas ini bukan berkas yang diterbitkan "
                    "(misalnya disimpan ulang; tanda tangan elektronik rusak)")
        tone = Tone.BAD
        notes.append(
            f"Nomor {entry.number} tercatat dalam buku agenda {config.agency.name}, tetapi "
            "berkas ini telah berubah sejak diterbitkan, sehingga isinya tidak dapat dijamin "
            "sama dengan surat aslinya.")
        notes.append(
            "Mintalah berkas PDF asli kepada pegawai yang bersangkutan, atau pindai kode QR "
            "pada surat untuk melihat data surat yang asli.")
    if result.demo and verdict is Verdict.ISSUED:
        # Signed with the DEMO certificates of `spt init --demo`: never "asli".
        headline = "Berkas ini adalah SURAT DEMO – bukan surat dinas yang sah"
        tone = Tone.BAD if tone is Tone.BAD else Tone.WARN
        notes.insert(0, "Surat ini ditandatangani dengan sertifikat DEMO yang dibuat untuk "
                        f"mencoba aplikasi, bukan dengan sertifikat resmi {config.agency.name}.")
    if entry.revoked_at:
        tone = Tone.BAD
        revoked_on = format_date(parse_iso(entry.revoked_at).astimezone(config.tz).date())
        notes.insert(0, f"SURAT INI TELAH DICABUT pada {revoked_on} dan tidak berlaku lagi. "
                        f"Alasan: {entry.revoked_reason}")
    if page_entry is not None and page_entry.number != entry.number:
        tone = Tone.BAD if tone is Tone.BAD else Tone.WARN
        notes.append(f"Perhatian: berkas ini adalah surat nomor {entry.number}, bukan surat "
                     f"pada halaman ini (nomor {page_entry.number}).")
    return UploadCheck(verdict, tone, headline, tuple(notes), result.number, signatures,
                       result.sha256)


def _long_term_notes(config: Config, data: bytes, *, renewed: bool) -> list[str]:
    """Whether the letter carries what proves it after its certificates expire (PAdES LTA)."""
    from pipeline.signing.ltv import archive_timestamps, has_long_term_data

    notes = []
    if renewed:
        notes.append("Berkas ini telah diberi cap waktu arsip tambahan sejak diterbitkan; "
                     "isi surat dan tanda tangannya tidak berubah.")
    try:
        ltv = has_long_term_data(data)
        stamps = archive_timestamps(data)
    except Exception:  # unreadable validation data proves nothing: say nothing about it
        return notes
    if ltv and stamps:
        until = format_date(stamps[-1][1].astimezone(config.tz).date())
        notes.append("Surat ini memuat data validasi jangka panjang (PAdES B-LTA): tanda "
                     "tangannya tetap dapat dibuktikan setelah sertifikat penanda tangan "
                     f"kedaluwarsa. Cap waktu arsipnya berlaku sampai {until}.")
    elif not ltv:
        notes.append("Surat ini tidak memuat data validasi jangka panjang: setelah sertifikat "
                     "penanda tangan kedaluwarsa, tanda tangannya tidak lagi dapat dibuktikan "
                     "dari berkas ini saja.")
    return notes


def _not_ours(config: Config, sha256: str, signatures: tuple[SignatoryView, ...],
              number: str | None, *, unreadable: bool = False) -> UploadCheck:
    notes = []
    if unreadable:
        notes.append("Berkas PDF ini tidak dapat dibaca.")
    notes.append(f"Tidak ada surat dalam buku agenda {config.agency.name} yang cocok dengan "
                 "berkas ini.")
    notes.append("Jika Anda memegang salinan cetak atau hasil pindai, pindai kode QR pada "
                 "surat untuk membuka halaman verifikasinya.")
    return UploadCheck(
        Verdict.NOT_OURS, Tone.BAD,
        f"Berkas ini bukan SPT yang diterbitkan oleh {config.agency.name}",
        tuple(notes), number, signatures, sha256,
    )
