"""``spt verify``: every signature, then the number against the register.

The same check serves the command line, ``spt demo`` and the verification
web page: signatures by :func:`pipeline.signing.verify.verify_pdf`, then
whether the buku agenda holds this number with this very file's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.signing.verify import VerificationReport, verify_pdf
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry


@dataclass(frozen=True)
class IssuedVerification:
    signatures_report: VerificationReport
    sha256: str
    number: str | None
    entry: AgendaEntry | None       # the agenda entry for the number in the letter
    issued_prefix_sha256: str | None = None   # the issued revision's hash, if renewed since

    @property
    def signatures(self):
        return self.signatures_report.signatures

    @property
    def registered(self) -> bool:
        return self.entry is not None

    @property
    def same_file(self) -> bool:
        """The issued file, or the issued file plus only archive renewals (``spt perpanjang``:
        its bytes start with the issued file's, and what follows is rated LTA_UPDATES)."""
        if self.entry is None:
            return False
        return self.entry.file_sha256 in (self.sha256, self.issued_prefix_sha256)

    @property
    def revoked(self) -> bool:
        return self.entry is not None and self.entry.revoked_at is not None

    @property
    def ok(self) -> bool:
        return self.signatures_report.complete and self.same_file and not self.revoked

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "sha256": self.sha256,
            "number": self.number,
            "registered": self.registered,
            "same_file": self.same_file,
            "revoked": self.revoked,
            "revoked_reason": self.entry.revoked_reason if self.revoked else None,
            "signatures": self.signatures_report.to_dict(),
        }

    def render(self, tz=None) -> str:
        rep = self.signatures_report
        lines = ["Tanda tangan elektronik:"]
        if not rep.signatures:
            lines.append("  (tidak ada)")
        for i, sig in enumerate(rep.signatures, start=1):
            when = sig.signing_time.strftime("%d-%m-%Y %H:%M %Z") if sig.signing_time else "?"
            verdict = ", ".join([
                "utuh" if sig.intact else "BERUBAH",
                "sah" if sig.valid and sig.bottom_line else "TIDAK SAH",
                "terpercaya" if sig.trusted else "TIDAK TERPERCAYA",
            ])
            lines.append(f"  {i}. {sig.role or sig.field_name}: {sig.signer}, {when}; {verdict}"
                         f" [{sig.modification_level or '-'}]")
            lines += [f"       - {p}" for p in sig.problems]
        for missing in rep.missing:
            lines.append(f"  belum ditandatangani: {missing}")
        if rep.long_term_at is not None:
            day = rep.long_term_at.strftime("%d-%m-%Y")
            lines.append(f"Verifikasi jangka panjang pada {day} (dari data validasi di berkas):")
            for r in rep.long_term:
                lines.append(f"  {r.field_name}: " + ("dapat diverifikasi" if r.ok else
                             f"TIDAK DAPAT DIVERIFIKASI ({r.status}: {r.reason})"))
            if rep.archive_until is not None:
                until = rep.archive_until.strftime("%d-%m-%Y")
                note = (f"  Cap waktu arsip terakhir berlaku sampai {until}"
                        + ("; tanggal itu terlewati: hasil di atas berlaku HANYA bila arsip "
                           "diperpanjang sebelumnya (spt perpanjang)"
                           if rep.archive_until < rep.long_term_at else
                           "; perpanjang sebelum tanggal itu (spt perpanjang)"))
                lines.append(note)
        lines += [f"  ! {p}" for p in rep.problems if ":" not in p]
        if self.number is None:
            lines.append("Nomor: (tidak ada nomor pada surat)")
        elif self.entry is None:
            lines.append(f"Nomor: {self.number}: TIDAK tercatat di buku agenda")
        else:
            same = ("berkas sama persis dengan yang diterbitkan" if self.sha256 ==
                    self.entry.file_sha256 else
                    "berkas yang diterbitkan, ditambah cap waktu arsip (spt perpanjang)"
                    if self.same_file else "BERKAS BERBEDA dari yang diterbitkan")
            lines.append(f"Nomor: {self.number}: tercatat di buku agenda "
                         f"({self.entry.letter_date.isoformat()}); {same}")
            if self.revoked:
                lines.append(f"DICABUT: {self.entry.revoked_reason}")
        lines.append(f"SHA-256: {self.sha256}")
        lines.append("HASIL: SAH — semua pemeriksaan terpenuhi" if self.ok
                     else "HASIL: TIDAK SAH — lihat rincian di atas")
        return "\n".join(lines)


def verify_issued(config: Config, pdf: bytes, *, store: Store | None = None,
                  at: dt.datetime | None = None) -> IssuedVerification:
    """Signatures of ``pdf``, and whether the register holds its number with this file."""
    sha = hashlib.sha256(pdf).hexdigest()
    store = store or Store(Workspace(config).database)
    entry = store.agenda.by_sha256(sha)
    # The very file issued: judge certificates as of the day it was issued (a two-year
    # certificate that expired since does not make last year's letter false).
    moment = dt.datetime.fromisoformat(entry.recorded_at) if entry else None
    report = verify_pdf(pdf, trust_roots=config.trust.roots, workflow=config.workflow(),
                        tz=config.tz, moment=moment, at=at)
    number = report.nomor
    if entry is None and number:
        entry = store.agenda.by_number(number)
    prefix = None
    if entry is not None and entry.file_sha256 != sha and _only_lta_after_seal(report):
        prefix = _issued_prefix(pdf, entry.file_sha256)
    return IssuedVerification(report, sha, number, entry, prefix)


def _only_lta_after_seal(report: VerificationReport) -> bool:
    sigs = report.signatures
    return bool(sigs) and sigs[-1].modification_level in ("NONE", "LTA_UPDATES")


def _issued_prefix(pdf: bytes, issued_sha256: str) -> str | None:
    """``issued_sha256`` if the file begins with exactly the issued bytes (an incremental
    update of it: the archive renewal appends revisions), else ``None``."""
    start = 0
    while (i := pdf.find(b"%%EOF", start)) != -1:
        end = i + 5
        for cut in (end, end + 1, end + 2):
            if cut <= len(pdf) and hashlib.sha256(pdf[:cut]).hexdigest() == issued_sha256:
                return issued_sha256
        start = end
    return None
