"""SOP steps 9-10 after the last signature: number, date, QR, cap dinas, agenda, archive, mail.

Crash-safe in this order: (1) the number is given in its own transaction and
reused on every retry; (2) the final PDF is computed and stored (nothing
visible yet); (3) it is copied to ``arsip/<year>/``; (4) the agenda entry and
the ``issued`` state are committed together; (5) the visible effects (stage
folders emptied, mail to the pemohon) run and are redone after a restart.
"""

from __future__ import annotations

import logging

from pipeline.config import Config
from pipeline.core import machine
from pipeline.core.dates_id import format_date
from pipeline.core.machine import Status
from pipeline.core.numbering import archive_name
from pipeline.core.workflow import Workflow
from pipeline.folders.atomic import PRIVATE, copy_atomic, sha256_bytes, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.service.clock import Clock
from pipeline.service.faults import crash_point
from pipeline.service.publisher import StagePublisher
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord
from pipeline.store.db import iso

log = logging.getLogger("spt.finalize")


def qr_payload(config: Config, case: CaseRecord, number: str, signed_sha256: str) -> str:
    """What the QR code says: the verification URL, or the number and the document's hash.

    Without a URL, the hash is that of the document as the officials signed it
    (before the number and seal): the issued file's own hash cannot be written
    inside itself. ``spt verify`` and the agenda hold the issued file's hash.
    """
    if config.letter.verify_url:
        return f"{config.letter.verify_url.rstrip('/')}/v/{case.verify_token}"
    return f"SPT {number}\nSHA-256 {signed_sha256}"


class Finalizer:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, store: Store,
                 keyring, notifier, clock: Clock):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.store = store
        self.keyring = keyring
        self.notifier = notifier
        self.clock = clock
        self.publisher = StagePublisher(ws)

    def run(self, case: CaseRecord) -> None:
        if case.state.status is not Status.FINALIZING:
            return
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
        )
        sealed = apply_seal(filled, signer=self.keyring.seal_signer(),
                            image=self.config.seal.image, when=self.clock.now())
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
                recorded_at=iso(done),
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
