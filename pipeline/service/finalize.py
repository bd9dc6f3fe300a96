"""SOP steps 9-10 after the last signature: number, date, QR, cap dinas, agenda, archive, mail.

Crash-safe in this order: (1) the number is given in its own transaction and
reused on every retry; (2) the final PDF is computed and stored (nothing
visible yet); (3) it is copied to ``arsip/<year>/``; (4) the agenda entry and
the ``issued`` state are committed together; (5) the visible effects (stage
folders emptied, mail to the pemohon) run and are redone after a restart.

Between (1) and (2) the letter is sealed and given its validation data and archive
timestamp (B-LT/B-LTA, :mod:`pipeline.signing.ltv`). When a CA or TSA cannot be reached
the case waits at finalisation with its number reserved, says why (``spt status``), and
is tried again at a later scan, after a pause that doubles from ``watch.rescan_seconds``
up to 10 minutes (so a CA that is down does not hold the engine for its timeouts at
every scan): nothing visible was made, so nothing is skipped or repeated.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from pipeline.config import Config
from pipeline.core import machine
from pipeline.core.dates_id import format_date
from pipeline.core.machine import Status
from pipeline.core.numbering import archive_name
from pipeline.folders.atomic import PRIVATE, copy_atomic, sha256_bytes, write_atomic
from pipeline.service.faults import crash_point
from pipeline.service.office import InOffice, Office
from pipeline.service.publisher import StagePublisher
from pipeline.store.agenda import AgendaEntry
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord
from pipeline.store.db import iso

if TYPE_CHECKING:
    from pipeline.service.notify import Notifier
    from pipeline.signing.keys import KeyRing

log = logging.getLogger("spt.finalize")
# The longest pause between two tries of a letter waiting for validation data.
MAX_RETRY_SECONDS = 600.0


class WaitForValidation(Exception):
    """The letter cannot be issued yet: validation data or a timestamp cannot be had."""


def qr_payload(config: Config, case: CaseRecord, number: str, signed_sha256: str) -> str:
    """What the QR code says: the verification URL, or the number and the document's hash.

    Without a URL, the hash is that of the document as the officials signed it
    (before the number and seal): the issued file's own hash cannot be written
    inside itself. ``spt verify`` and the agenda hold the issued file's hash.
    """
    if config.letter.verify_url:
        return f"{config.letter.verify_url.rstrip('/')}/v/{case.verify_token}"
    return f"SPT {number}\nSHA-256 {signed_sha256}"


class Finalizer(InOffice):
    def __init__(self, office: Office, *, keyring: KeyRing, notifier: Notifier):
        super().__init__(office)
        self.keyring = keyring
        self.notifier = notifier
        self.publisher = StagePublisher(office.ws)
        # case -> (consecutive waits, monotonic time of the next try): a CA that is down
        # must not make every scan block the engine for the fetch timeouts again.
        self._waiting: dict[str, tuple[int, float]] = {}
        self._ts: object | None = None
        self._ts_made = False

    def run(self, case: CaseRecord) -> None:
        if case.state.status is not Status.FINALIZING:
            return
        retry = self._waiting.get(case.id)
        if retry is not None and time.monotonic() < retry[1]:
            return  # waiting for validation data: not before its next try
        from pipeline.pdf.fill import fill_number
        from pipeline.signing.seal import apply_seal

        now = self.clock.now()
        with self.store.transaction():
            number = self.store.register.assign(
                case.id, now=now, tz=self.config.tz, fmt=self.config.numbering.format,
                klasifikasi=self.config.numbering.klasifikasi, unit=self.config.agency.unit,
            )
            if not number.reused:
                self.store.audit.append(
                    AuditAction.NUMBER_ASSIGNED, case_id=case.id, stage="umum", at=now,
                    detail={"number": number.number, "year": number.year, "seq": number.seq,
                            "letter_date": number.letter_date.isoformat()})
        crash_point("finalize.numbered")
        signed = self.ws.case_file(case.id, case.state.pdf_sha256, "pdf").read_bytes()
        filled = fill_number(
            signed, nomor=number.number, tanggal=format_date(number.letter_date),
            qr_payload=qr_payload(self.config, case, number.number, case.state.pdf_sha256),
            claim=self.config.letter.footer,
        )
        timestamper = self._timestamper()
        try:
            sealed = apply_seal(filled, signer=self.keyring.seal_signer(),
                                image=self.config.seal.image, when=self.clock.now(),
                                timestamper=timestamper,
                                expected_fields=expected_fields(self.config))
            if self.config.trust.long_term:
                sealed = self._long_term(sealed, timestamper)
        except WaitForValidation as wait:
            self._wait(case, str(wait))
            return
        self._waiting.pop(case.id, None)
        sha = sha256_bytes(sealed)
        final = self.ws.case_file(case.id, sha, "pdf")
        write_atomic(final, sealed)
        archive = self.ws.arsip / str(number.year) / archive_name(number.number)
        copy_atomic(final, archive, mode=PRIVATE)
        crash_point("finalize.archived")

        done = self.clock.now()
        with self.store.transaction():
            current = self.store.cases.get(case.id)
            if current is None or current.state != case.state:
                return
            self.store.agenda.record(AgendaEntry(
                number=number.number, case_id=case.id, letter_date=number.letter_date,
                hal=_hal(case), assignees=case.assignees, pemohon=case.pemohon,
                file_sha256=sha, archive_path=str(archive.relative_to(self.ws.root)),
                recorded_at=iso(done), signed_by=self._signed_by(case),
            ))
            self.store.cases.save_state(case.id, machine.issued(case.state, sha), now=done,
                                        stage_changed=True)
            self.store.cases.leave(case.id, "issued", done)
            self.store.cases.arrive(case.id, self.workflow.receipt.key, case.state.version, done)
            self.store.audit.append(AuditAction.CASE_ISSUED, case_id=case.id, stage="umum", at=done,
                                    file_sha256=sha,
                                    detail={"number": number.number,
                                            "archive": str(archive.relative_to(self.ws.root))})
        log.info("%s issued as %s", case.id, number.number)
        crash_point("finalize.issued")
        self.complete_effects(self.store.cases.get(case.id))

    def _signed_by(self, case: CaseRecord) -> str:
        """The buku agenda's signatory: ``X (Y)``, or ``X sebagai Plh. Y`` when a deputy
        made the signature (as the audit entry of that mark recorded it)."""
        signatory = self.workflow.signatory
        marks = [e for e in self.store.audit.for_case(case.id)
                 if e.action is AuditAction.MARK_APPLIED and e.stage == signatory.key]
        if marks and marks[-1].detail.get("acting"):
            return str(marks[-1].detail["acting"])
        return f"{signatory.person.name} ({signatory.role})"

    def _timestamper(self):
        """The configured timestamper (TSA URL or the demo's in-process key), made once."""
        if not self._ts_made:
            self._ts_made = True
            if self.config.trust.tsa_url or self.config.trust.tsa_key is not None:
                from pipeline.signing.ltv import timestamper_for_config

                self._ts = timestamper_for_config(self.config)
        return self._ts

    def _long_term(self, sealed: bytes, timestamper) -> bytes:
        """The sealed letter with its validation data and archive timestamp (B-LT/B-LTA)."""
        from pipeline.signing.ltv import (
            CertificateRevoked,
            LtvSettings,
            ValidationDataUnavailable,
            add_long_term_data,
        )

        try:
            return add_long_term_data(sealed, LtvSettings.from_config(self.config), timestamper)
        except (ValidationDataUnavailable, CertificateRevoked) as exc:
            raise WaitForValidation(str(exc)) from exc

    def _wait(self, case: CaseRecord, reason: str) -> None:
        """Leave the case at finalisation, numbered, saying why; the next scan tries again.

        Nothing visible was made: the number stays reserved for this case (reused on the
        retry), the archive and agenda are untouched. The reason is recorded once per
        change (not at every scan) in the audit log, and always as the visit's note.
        """
        count = self._waiting.get(case.id, (0, 0.0))[0] + 1
        delay = min(MAX_RETRY_SECONDS, self.config.watch.rescan_seconds * 2 ** (count - 1))
        self._waiting[case.id] = (count, time.monotonic() + delay)
        note = f"menunggu data validasi: {reason}"[:500]
        visit = self.store.cases.open_visit(case.id)
        if visit is not None and visit.note == note:
            return
        log.warning("%s waits before issuing: %s", case.id, reason)
        with self.store.transaction():
            self.store.cases.note_open_visit(case.id, note)
            self.store.audit.append(AuditAction.FINALIZE_WAITING, case_id=case.id, stage="umum",
                                    at=self.clock.now(), detail={"reason": note})

    def complete_effects(self, case: CaseRecord | None) -> None:
        """What follows issuing, redone safely after a restart."""
        if case is None or case.state.status not in (Status.ISSUED, Status.CLOSED):
            return
        self.publisher.sweep_all(case)
        entry = self.store.agenda.for_case(case.id)
        if entry is not None and case.state.status is Status.ISSUED:
            self.notifier.issued(case, entry, self.ws.root / entry.archive_path)


def _hal(case: CaseRecord) -> str:
    fields = case.fields or {}
    acara = fields.get("acara") or fields.get("hal")
    return f"Perintah tugas menghadiri {acara}" if acara else "Surat Perintah Tugas"


def expected_fields(config: Config) -> frozenset[str]:
    """Every field an SPT of the configured chain has: a signature field per marking stage,
    the seal, the number, the date, the QR code, the claim beside it and the Lampiran's
    number and date (:mod:`pipeline.pdf.prepare`); the DRAF bands ``Draf_<page>`` are
    recognised by name (:func:`pipeline.pdf.review.is_draf_field`)."""
    from pipeline.signing.seal import SEAL_FIELD
    from pipeline.signing.verify import ISSUE_FIELDS

    marks = [s.field_name for s in config.workflow().reviewers]
    return frozenset([*marks, SEAL_FIELD, *ISSUE_FIELDS])
