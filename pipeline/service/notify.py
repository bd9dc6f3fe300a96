"""Telling people: each mail is keyed by what it is about, so it is queued exactly once.

The engine calls these after a transition (and :meth:`Engine.reconcile` calls
them again after a crash): the key (``tahap:<case>:<visit>``,
``terbit:<case>`` …) decides the Message-ID, and the outbox queues a key
only once.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.config import Config
from pipeline.core.workflow import Workflow
from pipeline.folders.layout import Workspace
from pipeline.mail.compose import MailComposer, OpenedCase, RefusedFile
from pipeline.mail.outbox import Outbox
from pipeline.mail.replies import load_or_create_secret, make_token
from pipeline.mail.smtp import SmtpDelivery
from pipeline.ops.reminders import (
    ESKALASI,
    PENGINGAT_TERIMA,
    Reminder,
    ReminderSettings,
    due_reminders,
    record_sent,
)
from pipeline.ops.worktime import WorkingCalendar
from pipeline.service.clock import Clock
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.store.cases import CaseRecord, StageVisit
from pipeline.store.db import thread_store

log = logging.getLogger("spt.notify")


class Notifier:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, store: Store,
                 clock: Clock):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.clock = clock
        self.composer = MailComposer(config, now=clock.now)
        self.outbox = Outbox(config, store, clock=clock.now)
        self.secret = load_or_create_secret(ws.state)
        self.smtp = SmtpDelivery(config, lambda: thread_store(ws.database), clock=clock.now)
        self.store = store
        self.calendar = WorkingCalendar.from_config(config, long_running=True)
        self.reminder_settings = ReminderSettings.from_config(config)

    def background_workers(self, wake) -> list:
        """Threads the runner starts and stops: SMTP delivery (when configured)."""
        return [self.smtp] if self.smtp.configured else []

    def queued(self, key: str) -> bool:
        return self.outbox.get(self.outbox.message_id(key)) is not None

    def send(self, msg, *, key: str, case_id: str | None, kind: str) -> None:
        self.outbox.enqueue(msg, key=key, case_id=case_id, kind=kind)
        if self.smtp.configured:
            self.smtp.wake()

    # --- officials -------------------------------------------------------------

    def token(self, case_id: str, stage_key: str, visit_id: int) -> str:
        return make_token(self.secret, case_id, stage_key, visit_id)

    def stage_arrival(self, case: CaseRecord, visit: StageVisit) -> None:
        """The official of the case's stage learns it waits for them (once per visit)."""
        key = f"tahap:{case.id}:{visit.id}"
        if self.queued(key):
            return
        try:
            stage = self.workflow.stage(visit.stage_key)
        except KeyError:
            return  # an automatic step (umum, pemohon): nobody to tell here
        fields = case.fields or {}
        folder = self.ws.folder(stage.index).root
        due = (self.calendar.add_working_minutes(visit.arrived_at, stage.mutu_baku_minutes)
               if stage.mutu_baku_minutes else None)
        common = dict(case_id=case.id, hal=fields.get("hal"), pengirim=fields.get("pengirim"),
                      folder=_shown(folder, self.ws), due_at=due,
                      token=self.token(case.id, stage.key, visit.id),
                      nomor_undangan=fields.get("nomor"))
        if visit.came_back:
            nxt = self.workflow.stages[min(stage.index + 1, self.workflow.last_index)]
            msg = self.composer.dikembalikan(
                stage, alasan=visit.note or "tanpa alasan",
                dikembalikan_oleh=f"{nxt.role} ({nxt.person.name})", **common)
        else:
            msg = self.composer.tahap(stage, catatan=visit.note, **common)
        self.send(msg, key=key, case_id=case.id, kind="tahap")

    # --- the pemohon -----------------------------------------------------------

    def pemohon_address(self, case: CaseRecord) -> str:
        return case.pemohon or self.config.agency.email

    def issued(self, case: CaseRecord, entry: AgendaEntry, pdf: Path) -> None:
        """The issued SPT, attached, to the pemohon (SOP step 10 → 11)."""
        key = f"terbit:{case.id}"
        if self.queued(key):
            return
        msg = self.composer.terbit(
            to=self.pemohon_address(case), case_id=case.id, nomor=entry.number,
            tanggal=entry.letter_date, hal=entry.hal, pdf=pdf.read_bytes(),
            token=self.token(case.id, "pemohon", 0), pdf_name=pdf.name,
        )
        self.send(msg, key=key, case_id=case.id, kind="terbit")

    def cancelled(self, case: CaseRecord, reason: str, by: str) -> None:
        """The pemohon learns the case was cancelled, by whom and why (once)."""
        key = f"batal:{case.id}"
        if self.queued(key):
            return
        fields = case.fields or {}
        msg = self.composer.batal(
            to=self.pemohon_address(case), case_id=case.id, hal=fields.get("hal"),
            pengirim=fields.get("pengirim"), nomor_undangan=fields.get("nomor"),
            alasan=reason, dibatalkan_oleh="Petugas TI" if by.startswith("cli:") else by)
        self.send(msg, key=key, case_id=case.id, kind="batal")

    def intake_reply(self, message, result) -> None:
        """Answer an emailed invitation: which cases it opened, what could not be used."""
        sender = getattr(message, "sender", None)
        if not sender:
            return
        key = f"intake:{message.message_id}"
        if self.queued(key):
            return
        refused = [RefusedFile(name or None, reason) for name, reason in result.refused]
        if result.opened:
            msg = self.composer.diterima(
                to=sender, to_name=message.sender_name or "",
                kasus=[OpenedCase(c.id, c.source_name) for c in result.opened],
                ditolak=refused, subjek_asli=message.subject or "",
                in_reply_to=message.message_id)
            case_id = result.opened[0].id
        else:
            if result.duplicates:
                _, existing = result.duplicates[0]
                reason = (f"Undangan ini sudah diterima sebelumnya sebagai kasus {existing.id}; "
                          "tidak dibuka dua kali.")
            else:
                reason = "\n".join(r.alasan for r in refused) or "Tidak ada undangan terlampir."
            msg = self.composer.ditolak(to=sender, to_name=message.sender_name or "",
                                        alasan=reason, subjek_asli=message.subject or "",
                                        in_reply_to=message.message_id)
            case_id = None
        self.send(msg, key=key, case_id=case_id,
                      kind="diterima" if result.opened else "ditolak")


    # --- mutu baku reminders -----------------------------------------------------

    def send_reminders(self) -> int:
        """Remind whoever a case overstays with (working time; once per interval)."""
        now = self.clock.now()
        sent = 0
        for reminder in due_reminders(self.store, self.workflow, self.calendar, now,
                                      self.reminder_settings):
            earlier = self.store.reminders.count(reminder.key)
            key = f"{reminder.kind}:{reminder.case_id}:{reminder.stage_key}:{earlier}"
            case = self.store.cases.get(reminder.case_id)
            if case is None:
                continue
            with self.store.transaction():
                if not self.queued(key):
                    self.send(self._reminder_mail(reminder, case), key=key, case_id=case.id,
                              kind=reminder.kind)
                record_sent(self.store, reminder, now)
            sent += 1
        return sent

    def _reminder_mail(self, r: Reminder, case: CaseRecord):
        hal = (case.fields or {}).get("hal")
        if r.kind == PENGINGAT_TERIMA:
            entry = self.store.agenda.for_case(case.id)
            return self.composer.pengingat_terima(
                to=r.to, to_name=r.to_name, case_id=case.id,
                nomor=entry.number if entry else "-", hal=entry.hal if entry else hal,
                issued_at=r.since, token=self.token(case.id, "pemohon", 0))
        if r.kind != ESKALASI and r.stage is not None:
            visit = self.store.cases.open_visit(case.id)
            return self.composer.pengingat(
                r.stage, case_id=case.id, hal=hal,
                folder=_shown(self.ws.folder(r.stage.index).root, self.ws), since=r.since,
                due_at=r.due_at,
                token=self.token(case.id, r.stage.key, visit.id) if visit else None)
        return self.composer.eskalasi(
            to=r.to, to_name=r.to_name, case_id=case.id, hal=hal, tahap=r.late_role,
            pejabat=r.late_person.name if r.late_person else None, since=r.since,
            due_at=r.due_at, minutes=r.minutes, standard_minutes=r.standard_minutes)


def _shown(folder: Path, ws: Workspace) -> str:
    """The folder as officials know it on the shared drive: relative to the workspace."""
    try:
        return str(folder.relative_to(ws.root))
    except ValueError:
        return str(folder)
