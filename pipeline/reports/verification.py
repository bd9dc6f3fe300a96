"""``spt verify``: every signature, then the number against the register.

The same check serves the command line, ``spt demo`` and the verification
web page: signatures by :func:`pipeline.signing.verify.verify_pdf`, then
whether the buku agenda holds this number with this very file's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pipeline.config import Config
from pipeline.core.dates_id import format_date, format_moment
from pipeline.core.delegation import Delegation
from pipeline.core.workflow import Action
from pipeline.folders.layout import Workspace
from pipeline.signing.bounded import CheckGate, CheckRefused, Limit, limit_message, run_bounded
from pipeline.signing.seal import SEAL_FIELD
from pipeline.signing.verify import VerificationReport
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry


@dataclass(frozen=True)
class IssuedVerification:
    signatures_report: VerificationReport
    sha256: str
    number: str | None
    entry: AgendaEntry | None       # the agenda entry for the number in the letter
    labels: dict[str, str] = field(default_factory=dict)   # signature field -> clerk's name
    tz: dt.tzinfo | None = None
    demo: bool = False              # signed with DEMO certificates (``spt init --demo``)
    issued_prefix_sha256: str | None = None   # the issued revision's hash, if renewed since
    refused: Limit | None = None    # the check stopped at this limit (nothing was judged)

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
            "demo": self.demo,
        }

    def render(self, tz=None) -> str:
        """The result in a clerk's words (``--json`` keeps pyHanko's technical names)."""
        rep = self.signatures_report
        zone = tz or self.tz
        lines = ["Tanda tangan elektronik pada surat ini:"]
        if not rep.signatures:
            lines.append("  (tidak ada)")
        for i, sig in enumerate(rep.signatures, start=1):
            when = (format_moment(sig.signing_time, zone or sig.signing_time.tzinfo)
                    if sig.signing_time else "waktu tidak diketahui")
            lines.append(f"  {i}. {self._label(sig.field_name, sig.role)}: {sig.signer or '?'}"
                         f", {when}")
            lines.append("     " + "; ".join([
                "isi tidak berubah sejak ditandatangani" if sig.intact
                else "ISI BERUBAH sejak ditandatangani",
                "tanda tangan sah" if sig.valid and sig.bottom_line else "tanda tangan TIDAK SAH",
                "sertifikat dari penerbit tepercaya" if sig.trusted
                else "sertifikat TIDAK dari penerbit tepercaya",
            ]) + ".")
            lines.append(f"     {_AFTER.get(sig.modification_level or '', _AFTER[''])}.")
            lines += [f"     - {p}" for p in sig.problems]
        for missing in rep.missing:
            lines.append(f"  Belum ditandatangani: {self._label(missing, None)}")
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
        lines += [f"  ! {p}" for p in rep.document_problems]
        if self.refused is not None:
            lines.append("Nomor surat: tidak dibaca (pemeriksaan dihentikan)")
        elif self.number is None:
            lines.append("Nomor surat: tidak ada nomor pada surat")
        elif self.entry is None:
            lines.append(f"Nomor surat: {self.number}: TIDAK tercatat di buku agenda")
        else:
            same = ("berkas ini sama persis dengan yang diterbitkan" if self.sha256 ==
                    self.entry.file_sha256 else
                    "berkas yang diterbitkan, ditambah cap waktu arsip (spt perpanjang)"
                    if self.same_file else "BERKAS INI BERBEDA dari yang diterbitkan")
            lines.append(f"Nomor surat: {self.number}: tercatat di buku agenda tanggal "
                         f"{format_date(self.entry.letter_date)}; {same}")
            if self.revoked:
                lines.append(f"DICABUT: {self.entry.revoked_reason}")
        lines.append(f"Sidik berkas (SHA-256): {self.sha256}")
        if self.demo:
            lines.append("PERHATIAN: surat ini ditandatangani dengan sertifikat DEMO (spt init "
                         "--demo), bukan sertifikat resmi: SURAT DEMO, bukan surat dinas yang sah")
        lines.append("HASIL: SAH — semua pemeriksaan terpenuhi" if self.ok
                     else "HASIL: TIDAK SAH — lihat rincian di atas")
        return "\n".join(lines)

    def _label(self, field_name: str, role: str | None) -> str:
        """``Paraf Sekretaris``, ``Tanda tangan Gubernur``, ``Cap dinas``: never a field name."""
        if field_name in self.labels:
            return self.labels[field_name]
        if role:
            return role
        return f"tanda tangan di luar alur SPT (kolom {field_name})"


# What a later revision did after a signature, by pyHanko's modification level.
_AFTER = {
    "NONE": "Sesudahnya tidak ada perubahan",
    "LTA_UPDATES": "Sesudahnya hanya ditambah data validasi (diizinkan)",
    "FORM_FILLING": "Sesudahnya hanya diisi nomor/tanggal atau ditambah tanda tangan "
                    "berikutnya (diizinkan)",
    "ANNOTATIONS": "Sesudahnya ditambah catatan/anotasi pada halaman",
    "OTHER": "SESUDAHNYA ISI SURAT DIUBAH",
    "": "Perubahan sesudahnya tidak dapat dinilai",
}


def field_labels(config: Config) -> dict[str, str]:
    """Each signature field of the letter, as a clerk names it."""
    labels = {s.field_name: f"{'Paraf' if s.action is Action.PARAF else 'Tanda tangan'} "
                            f"{s.role}" for s in config.workflow().reviewers}
    labels[SEAL_FIELD] = "Cap Dinas (segel elektronik instansi)"
    return labels


def verify_issued(config: Config, pdf: bytes, *, store: Store | None = None,
                  gate: CheckGate | None = None,
                  at: dt.datetime | None = None) -> IssuedVerification:
    """Signatures of ``pdf``, and whether the register holds its number with this file
    (or with the file it renews: :func:`_issued_prefix`).

    The file's SHA-256 is looked up first; the signatures are then checked in a bounded
    child process (:func:`check_signatures`). A check that hits a limit is a failure with
    the limit's reason, never a crash and never a cost without bound. ``at``: also the
    long-term verdict at that date (``spt verify --pada``).
    """
    sha = hashlib.sha256(pdf).hexdigest()
    store = store or Store(Workspace(config).database)
    entry = store.agenda.by_sha256(sha)
    # The very file issued: judge certificates as of the day it was issued (a two-year
    # certificate that expired since does not make last year's letter false).
    moment = dt.datetime.fromisoformat(entry.recorded_at) if entry else None
    try:
        report = check_signatures(config, pdf, moment=moment, gate=gate, at=at,
                                  delegations=store.delegations.all(),
                                  case_id=entry.case_id if entry else None)
    except CheckRefused as exc:
        report = VerificationReport((), {}, (), (), (str(exc),))
        return IssuedVerification(report, sha, None, entry, labels=field_labels(config),
                                  tz=config.tz, refused=exc.limit)
    number = report.nomor
    if entry is None and number:
        entry = store.agenda.by_number(number)
    prefix = None
    if entry is not None and entry.file_sha256 != sha and _only_lta_after_seal(report):
        prefix = _issued_prefix(pdf, entry.file_sha256)
    return IssuedVerification(report, sha, number, entry, labels=field_labels(config),
                              tz=config.tz, demo=report.demo, issued_prefix_sha256=prefix)


def check_signatures(config: Config, pdf: bytes, *, moment: dt.datetime | None = None,
                     gate: CheckGate | None = None,
                     at: dt.datetime | None = None,
                     delegations: Sequence[Delegation] = (),
                     case_id: str | None = None) -> VerificationReport:
    """:func:`pipeline.signing.verify.verify_pdf` with the workflow's rules, in a child
    process bounded by ``[signature_check]``; :class:`CheckRefused` when a limit is hit.

    With ``at`` (``spt verify --pada``, asked by an operator), the child also runs one
    AdES-LTA validation per signature: it gets ``long_term_seconds`` more processor time
    (a seven-signature letter took 1.7 s for the ordinary check plus 2.6-3.5 s for the
    long-term one, too close to the 5 s meant for refusing a hostile upload)."""
    limits = config.signature_check.limits()
    if at is not None:
        limits = replace(limits, seconds=limits.seconds + config.signature_check.long_term_seconds)
    if len(pdf) > limits.max_bytes:
        raise CheckRefused(Limit.SIZE, limit_message(Limit.SIZE, limits))
    value = run_bounded(
        "pipeline.signing.verify:verify_in_child",
        (pdf, [str(p) for p in config.trust.roots], config.workflow(), config.agency.timezone,
         moment.isoformat() if moment else None, at.isoformat() if at else None,
         tuple(delegations), case_id),
        limits, gate=gate)
    return VerificationReport.from_dict(value)


@dataclass(frozen=True)
class LongTermCheck:
    """The long-term (PAdES B-LTA) verdict a day after every signer's certificate expired,
    from the file's own data; ``refused``: the bounded check's reason when a limit was hit."""

    at: dt.datetime | None
    results: tuple = ()
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None and bool(self.results) and all(r.ok for r in self.results)


def check_long_term(config: Config, pdf: bytes, *,
                    gate: CheckGate | None = None) -> LongTermCheck:
    """:func:`pipeline.signing.longterm.long_term_in_child` in a child bounded by
    ``[signature_check]``, like :func:`check_signatures` (the web page's long-term check)."""
    from pipeline.signing.longterm import LongTermResult

    # One AdES-LTA validation per signature: seconds of its own ([signature_check]
    # long_term_seconds); the page asks only about a file it already recognised as ours.
    limits = replace(config.signature_check.limits(),
                     seconds=config.signature_check.long_term_seconds)
    if len(pdf) > limits.max_bytes:
        return LongTermCheck(None, refused=limit_message(Limit.SIZE, limits))
    try:
        value = run_bounded("pipeline.signing.longterm:long_term_in_child",
                            (pdf, [str(p) for p in config.trust.roots]), limits, gate=gate)
    except CheckRefused as exc:
        return LongTermCheck(None, refused=str(exc))
    return LongTermCheck(dt.datetime.fromisoformat(value["at"]),
                         tuple(LongTermResult.from_dict(r) for r in value["results"]))


def _only_lta_after_seal(report: VerificationReport) -> bool:
    sigs = report.signatures
    return bool(sigs) and sigs[-1].modification_level in ("NONE", "LTA_UPDATES")


def _issued_prefix(pdf: bytes, issued_sha256: str) -> str | None:
    """``issued_sha256`` if the file begins with exactly the issued bytes (an incremental
    update of it: the archive renewal appends revisions), else ``None``."""
    # One running hash over the file (a copy at each cut): linear in the file's size
    # however many "%%EOF" a hostile file holds.
    running = hashlib.sha256()
    done = 0
    start = 0
    while (i := pdf.find(b"%%EOF", start)) != -1:
        end = i + 5
        for cut in (end, end + 1, end + 2):
            if cut > len(pdf):
                break
            running.update(pdf[done:cut])
            done = cut
            if running.copy().hexdigest() == issued_sha256:
                return issued_sha256
        start = end
    return None
