"""What an uploaded PDF is, said plainly and honestly.

The file's SHA-256 is looked up in the buku agenda before anything parses it;
only a file that is not the issued one is checked, by the code behind ``spt
verify`` (:func:`pipeline.reports.verification.verify_issued`) in a bounded child
process. The answer is one of:

- ``ISSUED``: the very file the buku agenda recorded when the letter was issued.
  (If the letter was revoked since, or its signatures no longer hold, it says so.)
- ``SIGNED_COPY``: not byte for byte the issued file, but every signature of the
  chain and the cap dinas are valid and trusted, the letter has exactly our fields,
  nothing but validation data was added after the seal, and its number is
  registered: the letter is genuine ("asli") in another file.
- ``OTHER_FILE``: the file carries a registered number and signatures made with
  certificates chaining to our roots, but they no longer hold (re-saved, edited,
  damaged): the content cannot be relied on. Nothing of the registered letter is
  shown.
- ``UNPROVEN``: the file names a letter number but carries none of our valid,
  trusted signatures (a forgery, or a draft with a number written in): it is called
  what it is, without saying whether the number exists, and the visitor is told to
  ask the issuing office.
- ``UNCHECKED``: the check stopped at a limit (time, memory, size, revisions,
  fields) or the service was busy: nothing is claimed.
- ``NOT_OURS``: nothing links the file to a letter of ours.

"Asli" is said only of ``ISSUED`` (signatures holding) and ``SIGNED_COPY``.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.core.dates_id import format_date
from pipeline.reports.verification import IssuedVerification, verify_issued
from pipeline.signing.bounded import CheckGate
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.store.db import parse_iso
from pipeline.web.letters import SignatoryView, signatory_views


class Verdict(enum.StrEnum):
    ISSUED = "diterbitkan"
    SIGNED_COPY = "salinan-sah"
    OTHER_FILE = "berkas-lain"
    UNPROVEN = "tidak-terbukti"
    UNCHECKED = "tidak-diperiksa"
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
    problems: tuple[str, ...] = ()       # what the check found, for a file that is not genuine


MAX_PROBLEMS_SHOWN = 6


def classify(result: IssuedVerification) -> Verdict:
    if result.same_file:
        return Verdict.ISSUED
    if result.refused is not None:
        return Verdict.UNCHECKED
    report = result.signatures_report
    if result.registered and report.complete and result.entry is not None \
            and result.entry.number == result.number:
        return Verdict.SIGNED_COPY
    if result.registered and any(sig.role and sig.certificate_ours
                                 for sig in result.signatures):
        return Verdict.OTHER_FILE
    if result.number:
        return Verdict.UNPROVEN
    return Verdict.NOT_OURS


def check_upload(config: Config, data: bytes, store: Store, *,
                 page_entry: AgendaEntry | None = None, archived=None,
                 gate: CheckGate | None = None) -> UploadCheck:
    """Say what ``data`` is (``page_entry``: the letter whose page sent it; ``archived``: a
    callable giving the :class:`~pipeline.web.signatories.ArchivedCheck` of an entry)."""
    sha = hashlib.sha256(data).hexdigest()
    entry = store.agenda.by_sha256(sha)
    if entry is not None:  # the very file issued: recognised before anything parses it
        return _issued(config, entry, sha, archived(store, entry) if archived else None,
                       page_entry, data, gate)
    result = verify_issued(config, data, store=store, gate=gate)
    verdict = classify(result)
    signatures = signatory_views(config, result.signatures,
                                 altered=bool(result.signatures_report.document_problems))
    problems = tuple(result.signatures_report.problems[:MAX_PROBLEMS_SHOWN])
    if verdict is Verdict.UNCHECKED:
        return UploadCheck(verdict, Tone.BAD, "Berkas ini tidak dapat diperiksa",
                           (_sentence(result.signatures_report.problems[0]),
                            _ask_office(config)), None, (), sha)
    if verdict is Verdict.UNPROVEN:
        return UploadCheck(
            verdict, Tone.BAD,
            f"Berkas ini tidak dapat dinyatakan sebagai SPT asli {config.agency.name}",
            (f"Berkas ini mencantumkan nomor surat {result.number}, tetapi tidak memuat tanda "
             f"tangan elektronik {config.agency.name} yang sah dan tepercaya. Jangan "
             "mengandalkan isi berkas ini.", _ask_office(config)),
            result.number, signatures, sha, problems)
    if verdict is Verdict.NOT_OURS:
        return _not_ours(config, sha, signatures, result.number)
    entry = result.entry
    assert entry is not None
    notes: list[str] = []
    if verdict is Verdict.ISSUED:  # the issued file plus archive renewals (spt perpanjang)
        return _renewed(config, entry, result, data, signatures, problems, page_entry, gate)
    if verdict is Verdict.SIGNED_COPY:
        headline = "Surat ini asli, dalam berkas yang tidak persis sama dengan yang diterbitkan"
        tone = Tone.WARN
        notes.append(
            f"Nomor {entry.number} tercatat dalam buku agenda {config.agency.name}, dan semua "
            "tanda tangan elektronik serta cap dinas di dalam berkas ini utuh, sah, dan "
            "tepercaya. Berkas ini berbeda dari berkas yang diterbitkan hanya karena data "
            "validasi yang ditambahkan sesudahnya.")
        # Checked in the bounded child first; whether this copy proves itself later too.
        notes += _long_term_notes(config, data, renewed=False, gate=gate)
        if result.demo:
            headline, tone = _demo(config, tone, notes)
    else:
        headline = ("Berkas ini bukan berkas yang diterbitkan; isinya tidak dapat dipastikan "
                    "asli")
        tone = Tone.BAD
        notes.append(
            f"Berkas ini mencantumkan nomor {entry.number} yang tercatat dalam buku agenda "
            f"{config.agency.name}, tetapi tanda tangan elektroniknya tidak lagi utuh dan sah: "
            "berkas ini telah diubah atau disimpan ulang sejak diterbitkan, sehingga isinya "
            "mungkin tidak sama dengan surat aslinya.")
        notes.append(
            "Mintalah berkas PDF asli kepada pegawai yang bersangkutan, atau pindai kode QR "
            "pada surat untuk melihat data surat yang asli. " + _ask_office(config))
    _revoked_and_page(config, entry, page_entry, notes)
    if entry.revoked_at or (page_entry is not None and page_entry.number != entry.number):
        tone = Tone.BAD if tone is Tone.BAD or entry.revoked_at else Tone.WARN
    return UploadCheck(verdict, tone, headline, tuple(notes), result.number, signatures, sha,
                       () if verdict is Verdict.SIGNED_COPY else problems)


def _issued(config: Config, entry: AgendaEntry, sha: str, archived,
            page_entry: AgendaEntry | None, data: bytes,
            gate: CheckGate | None = None) -> UploadCheck:
    notes = [f"Berkas ini sama persis dengan berkas yang tercatat dalam buku agenda "
             f"{config.agency.name} untuk surat nomor {entry.number} tanggal "
             f"{format_date(entry.letter_date)}."]
    complete = archived is not None and archived.complete
    if complete:
        headline = "Berkas ini adalah SPT asli yang diterbitkan"
        tone = Tone.GOOD
        notes.append("Semua tanda tangan elektronik di dalamnya utuh dan sah.")
        # Byte for byte our own issued file: reading its validation data here is safe.
        notes += _long_term_notes(config, data, renewed=False, gate=gate)
        problems: tuple[str, ...] = ()
    else:
        headline = ("Berkas ini tercatat sebagai berkas yang diterbitkan, tetapi tanda tangan "
                    "elektroniknya tidak lolos pemeriksaan")
        tone = Tone.BAD
        notes.append("Keaslian isinya tidak dapat dipastikan. " + _ask_office(config))
        problems = tuple(archived.problems[:MAX_PROBLEMS_SHOWN]) if archived else ()
    _revoked_and_page(config, entry, page_entry, notes)
    if entry.revoked_at:
        tone = Tone.BAD
    elif page_entry is not None and page_entry.number != entry.number and tone is Tone.GOOD:
        tone = Tone.WARN
    if archived is not None and archived.demo:
        headline, tone = _demo(config, tone, notes)
    signatures = archived.signatories if archived is not None else ()
    return UploadCheck(Verdict.ISSUED, tone, headline, tuple(notes), entry.number, signatures,
                       sha, problems)


def _renewed(config: Config, entry: AgendaEntry, result: IssuedVerification, data: bytes,
             signatures, problems, page_entry: AgendaEntry | None,
             gate: CheckGate | None = None) -> UploadCheck:
    """The issued file with archive timestamps added since (issue 23's renewal): its bytes
    begin with the issued file's, and the bounded check found only validation data and
    trusted archive timestamps after the seal."""
    notes = [f"Berkas ini memuat utuh berkas yang tercatat dalam buku agenda "
             f"{config.agency.name} untuk surat nomor {entry.number} tanggal "
             f"{format_date(entry.letter_date)}."]
    complete = result.signatures_report.complete
    if complete:
        headline = "Berkas ini adalah SPT asli yang diterbitkan"
        tone = Tone.GOOD
        notes.append("Semua tanda tangan elektronik di dalamnya utuh dan sah.")
        # Checked in the bounded child first (within its revision and field limits).
        notes += _long_term_notes(config, data, renewed=True, gate=gate)
        problems = ()
    else:
        headline = ("Berkas ini tercatat sebagai berkas yang diterbitkan, tetapi tanda tangan "
                    "elektroniknya tidak lolos pemeriksaan")
        tone = Tone.BAD
        notes.append("Keaslian isinya tidak dapat dipastikan. " + _ask_office(config))
    _revoked_and_page(config, entry, page_entry, notes)
    if entry.revoked_at:
        tone = Tone.BAD
    elif page_entry is not None and page_entry.number != entry.number and tone is Tone.GOOD:
        tone = Tone.WARN
    if result.demo:
        headline, tone = _demo(config, tone, notes)
    return UploadCheck(Verdict.ISSUED, tone, headline, tuple(notes), result.number, signatures,
                       result.sha256, problems)


def _demo(config: Config, tone: Tone, notes: list[str]) -> tuple[str, Tone]:
    """Signed with the DEMO certificates of `spt init --demo`: never "asli"."""
    notes.insert(0, "Surat ini ditandatangani dengan sertifikat DEMO yang dibuat untuk "
                    f"mencoba aplikasi, bukan dengan sertifikat resmi {config.agency.name}.")
    return ("Berkas ini adalah SURAT DEMO – bukan surat dinas yang sah",
            Tone.BAD if tone is Tone.BAD else Tone.WARN)


def _revoked_and_page(config: Config, entry: AgendaEntry, page_entry: AgendaEntry | None,
                      notes: list[str]) -> None:
    if entry.revoked_at:
        revoked_on = format_date(parse_iso(entry.revoked_at).astimezone(config.tz).date())
        notes.insert(0, f"SURAT INI TELAH DICABUT pada {revoked_on} dan tidak berlaku lagi. "
                        f"Alasan: {entry.revoked_reason}")
    if page_entry is not None and page_entry.number != entry.number:
        notes.append(f"Perhatian: berkas ini adalah surat nomor {entry.number}, bukan surat "
                     f"pada halaman ini (nomor {page_entry.number}).")


def _ask_office(config: Config) -> str:
    """What to do when in doubt: ask the office that issues the letters."""
    where = f" ({config.agency.contact})" if config.agency.contact else ""
    return f"Jika ragu, tanyakan keaslian surat ini langsung kepada {config.agency.name}{where}."


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _long_term_notes(config: Config, data: bytes, *, renewed: bool,
                     gate: CheckGate | None = None) -> list[str]:
    """Whether the letter carries what proves it after its certificates expire (PAdES LTA),
    and whether it does prove it: the long-term validation at a day after the last
    signer's certificate expires, from the file alone, in a bounded child
    (:func:`pipeline.reports.verification.check_long_term`)."""
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
    notes.append(_long_term_check_note(config, data, gate))
    return notes


def _long_term_check_note(config: Config, data: bytes, gate: CheckGate | None) -> str:
    """What the long-term validation found, in one sentence for the page."""
    from pipeline.reports.verification import check_long_term, field_labels

    check = check_long_term(config, data, gate=gate)
    if check.refused is not None or check.at is None:
        return ("Pemeriksaan jangka panjang tidak dapat diselesaikan: "
                + _sentence(check.refused or "tidak ada tanda tangan"))
    day = format_date(check.at.astimezone(config.tz).date())
    if check.ok:
        return (f"Pemeriksaan jangka panjang: pada {day}, sesudah sertifikat penanda tangan "
                "terakhir kedaluwarsa, semua tanda tangan masih terbukti sah dari data di "
                "dalam berkas ini saja.")
    labels = field_labels(config)
    failed = [r for r in check.results if not r.ok]
    names = ", ".join(labels.get(r.field_name, r.field_name) for r in failed)
    return (f"Pemeriksaan jangka panjang: pada {day}, sesudah sertifikat penanda tangan "
            f"terakhir kedaluwarsa, {names} tidak dapat dibuktikan dari data di dalam berkas "
            f"ini saja (kode pemeriksaan: {failed[0].reason or failed[0].status}).")


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
