"""Telling people: each mail is keyed by what it is about, so it is queued exactly once.

The engine calls these after a transition (and :meth:`Engine.reconcile` calls
them again after a crash): the key (``tahap:<case>:<visit>``,
``terbit:<case>`` …) decides the Message-ID, and the outbox queues a key
only once.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pipeline.core.workflow import Stage
from pipeline.directory import DirectoryError, EmployeeDirectory
from pipeline.folders.layout import Workspace
from pipeline.mail.compose import (
    Attachment,
    MailComposer,
    OpenedCase,
    RefusedFile,
    StageFiles,
)
from pipeline.mail.outbox import Outbox
from pipeline.mail.replies import load_or_create_secret, make_token
from pipeline.mail.smtp import SmtpDelivery
from pipeline.ops.reminders import (
    EscalatedTo,
    Reminder,
    ReminderKind,
    ReminderSettings,
    due_reminders,
    record_sent,
)
from pipeline.ops.worktime import WorkingCalendar
from pipeline.service.holders import Holders
from pipeline.service.office import InOffice, Office
from pipeline.service.publisher import invitation_for_stage
from pipeline.store.agenda import AgendaEntry
from pipeline.store.cases import CaseRecord, StageVisit
from pipeline.store.db import thread_store

log = logging.getLogger("spt.notify")

# An attachment's MIME type by the file's extension (the letter, the invitation).
_SUBTYPES = {
    "pdf": ("application", "pdf"),
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


class Notifier(InOffice):
    def __init__(self, office: Office):
        super().__init__(office)
        config, now = office.config, office.clock.now
        self.composer = MailComposer(config, now=now)
        self.outbox = Outbox(config, office.store, clock=now)
        self.secret = load_or_create_secret(office.ws.state)
        database = office.ws.database
        self.smtp = SmtpDelivery(config, lambda: thread_store(database), clock=now)
        self.calendar = WorkingCalendar.from_config(config, long_running=True)
        self.reminder_settings = ReminderSettings.from_config(config)
        self.holders = Holders(office.store, office.workflow)

    def background_workers(self, wake) -> list:
        """Threads the runner starts and stops: SMTP delivery (when configured)."""
        return [self.smtp] if self.smtp.configured else []

    def queued(self, key: str) -> bool:
        return self.outbox.get(self.outbox.message_id(key)) is not None

    def own(self, address: str | None) -> bool:
        """``address`` is the service's own (a mail to it would only come back to us)."""
        return (address or "").strip().lower() in self.reminder_settings.own_addresses

    def send(self, msg, *, key: str, case_id: str | None, kind: str) -> None:
        to = [a.addr_spec for a in msg["To"].addresses] if msg["To"] else []
        if not to or all(self.own(a) for a in to):
            log.warning("%s: %s mail not queued: it would go to our own address %s",
                        case_id or "-", kind, ", ".join(to) or "(none)")
            return
        self.outbox.enqueue(msg, key=key, case_id=case_id, kind=kind)
        self.deliver_soon()

    def deliver_soon(self) -> None:
        """Start a delivery round now: after queueing, and again once a transaction that
        queued mail has committed (a round started inside it does not see that mail)."""
        if self.smtp.configured:
            self.smtp.wake()

    # --- officials -------------------------------------------------------------

    def token(self, case_id: str, stage_key: str, visit_id: int) -> str:
        return make_token(self.secret, case_id, stage_key, visit_id)

    def stage_arrival(self, case: CaseRecord, visit: StageVisit) -> None:
        """Whoever holds the case's stage learns it waits for them (once per visit and
        holder): the official, or their Plh./Plt.; when a delegation starts or ends while
        the case waits, the new holder is told too."""
        try:
            stage = self.workflow.stage(visit.stage_key)
        except KeyError:
            return  # an automatic step (umum, pemohon): nobody to tell here
        now = self.clock.now()
        stage = self.holders.stage(stage, case.id, now)
        key = f"tahap:{case.id}:{visit.id}"
        if stage.acting is not None:
            key += f":d{stage.acting.delegation.id}"
        else:
            ended = self.holders.ended_during(stage, case.id, visit.arrived_at, now)
            if ended is not None:
                key += f":setelah-d{ended.id}"  # the official again, after a deputy
        if self.queued(key):
            return
        fields = case.fields or {}
        due = (self.calendar.add_working_minutes(visit.arrived_at, stage.mutu_baku_minutes)
               if stage.mutu_baku_minutes else None)
        common = dict(case_id=case.id, hal=fields.get("hal"), pengirim=fields.get("pengirim"),
                      folder=self.shown_folder(stage), due_at=due,
                      token=self.token(case.id, stage.key, visit.id),
                      nomor_undangan=fields.get("nomor"),
                      files=self.stage_files(case, attach=True))
        if visit.came_back:
            nxt = self.workflow.stages[min(stage.index + 1, self.workflow.last_index)]
            by = self.store.audit.returned_by(case.id, stage.key)  # the service itself
            msg = self.composer.dikembalikan(
                stage, alasan=visit.note or "tanpa alasan",
                dikembalikan_oleh=by or f"{nxt.role} ({nxt.person.name})", **common)
        else:
            msg = self.composer.tahap(_as_acting(stage), catatan=visit.note, **common)
        self.send(msg, key=key, case_id=case.id, kind="tahap")

    def refused_move(self, case: CaseRecord, stage: Stage, note: str, file_sha256: str, *,
                     refusal: int, back_to_drafting: bool = False) -> None:
        """A file the official moved was refused: the note they may never open, by mail too
        (``back_to_drafting``: the case went back to the drafter, nothing to do now).

        One mail per refusal (``refusal``: its audit entry's number): finishing the same
        refusal again after a crash queues nothing new, while the same bytes moved in and
        refused again later are a new refusal, told again."""
        key = f"tidak_diproses:{case.id}:{stage.key}:{file_sha256}:{refusal}"
        if self.queued(key):
            return
        msg = self.composer.tidak_diproses(
            stage, case_id=case.id, hal=(case.fields or {}).get("hal"),
            folder=self.shown_folder(stage), catatan=note,
            files=self.stage_files(case, attach=False), back_to_drafting=back_to_drafting)
        self.send(msg, key=key, case_id=case.id, kind="tidak_diproses")

    def shown_folder(self, stage: Stage) -> str:
        """The stage folder as its official sees it: under ``mail.share_path`` when set."""
        share = self.config.mail.share_path
        if not share:
            return _shown(self.ws.folder(stage.index).root, self.ws)
        windows = share.startswith("\\\\") or re.match(r"^[A-Za-z]:", share) is not None
        sep = "\\" if windows else "/"
        return share.rstrip("\\/") + sep + stage.folder

    def stage_files(self, case: CaseRecord, *, attach: bool) -> StageFiles:
        """The invitation's name in the folder and, when configured, the files to attach.

        The letter to review comes first, then the invitation; a file that would
        take the total above ``mail.attachment_max_mb`` is left out and the mail
        names it (so the letter is never dropped for the invitation's sake).
        """
        undangan = f"{case.id}-undangan.{case.source_ext}"
        if not (attach and self.config.mail.attach_review_pdf and case.state.pdf_sha256):
            return StageFiles(undangan=undangan)
        limit = self.config.mail.attachment_max_mb * 1024 * 1024
        wanted = [(f"{case.id}.pdf", self.ws.case_file(case.id, case.state.pdf_sha256, "pdf"),
                   "pdf"),
                  (undangan, invitation_for_stage(self.ws, case), case.source_ext)]
        attached: list[Attachment] = []
        left_out: list[tuple[str, float]] = []
        total = 0
        for name, path, ext in wanted:
            subtype = _SUBTYPES.get(ext.lower())
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if subtype is None:
                continue
            if total + size > limit:
                left_out.append((name, size / 1024 / 1024))
                continue
            attached.append(Attachment(name, path.read_bytes(), *subtype))
            total += size
        return StageFiles(undangan=undangan, lampiran=tuple(attached),
                          tertinggal=tuple(left_out))

    # --- the pemohon -----------------------------------------------------------

    def pemohon_address(self, case: CaseRecord) -> str:
        """Who receives the issued SPT: the pemohon, else the drafter (never our own address).

        Without a pemohon (an invitation dropped with no note naming one) the drafting
        official gets it, as the SOP's Pengadministrasi who hands letters over.
        """
        if case.pemohon and not self.own(case.pemohon):
            return case.pemohon
        return self.workflow.drafting.person.email

    def pemohon_name(self, case: CaseRecord) -> str:
        """The pemohon's name when known: from pegawai.csv, else as their mail signed it."""
        if not case.pemohon:
            return ""
        for employee in self._directory_employees():
            if employee.email and employee.email.lower() == case.pemohon.lower():
                return employee.nama
        for entry in self.store.audit.for_case(case.id):
            if entry.action == "case.opened":
                return str(entry.detail.get("pemohon_name") or "")
        return ""

    def acknowledge(self, case: CaseRecord) -> None:
        """An invitation dropped with a note naming the pemohon: tell them it arrived."""
        if not case.pemohon or self.own(case.pemohon):
            return
        key = f"intake:{case.id}"
        if self.queued(key):
            return
        msg = self.composer.diterima(
            to=case.pemohon, to_name=self.pemohon_name(case),
            kasus=[OpenedCase(case.id, case.source_name)], lewat="berkas")
        self.send(msg, key=key, case_id=case.id, kind="diterima")

    def issued(self, case: CaseRecord, entry: AgendaEntry, pdf: Path) -> None:
        """The issued SPT, attached, to the pemohon (SOP step 10 → 11), then to each assignee."""
        key = f"terbit:{case.id}"
        data = pdf.read_bytes()
        fields = case.fields or {}
        to = self.pemohon_address(case)
        known = bool(case.pemohon) and to == case.pemohon
        name = self.pemohon_name(case) if known else self.workflow.drafting.person.name
        if not self.queued(key):
            msg = self.composer.terbit(
                to=to, to_name=name,
                case_id=case.id, nomor=entry.number, tanggal=entry.letter_date, hal=entry.hal,
                pdf=data, token=self.token(case.id, "pemohon", 0), pdf_name=pdf.name,
                pegawai=entry.assignees, kegiatan=_event(fields), tanpa_pemohon=not known,
            )
            self.send(msg, key=key, case_id=case.id, kind="terbit")
        if self.config.mail.send_to_assignees:
            self._to_assignees(case, entry, pdf.name, data, fields, skip={to.lower()})

    def _to_assignees(self, case: CaseRecord, entry: AgendaEntry, name: str, data: bytes,
                      fields: dict, *, skip: set[str]) -> None:
        """Each assignee with an address in pegawai.csv gets their SPT (once each)."""
        directory = {e.nip: e for e in self._directory_employees()}
        for row in entry.assignees:
            employee = directory.get(str(row.get("nip", "")))
            address = (employee.email if employee else "").strip()
            if not address or address.lower() in skip or self.own(address):
                continue
            skip.add(address.lower())
            key = f"pegawai:{case.id}:{employee.nip}"
            if self.queued(key):
                continue
            msg = self.composer.spt_pegawai(
                to=address, to_name=employee.nama, case_id=case.id, nomor=entry.number,
                tanggal=entry.letter_date, hal=entry.hal, pdf=data, pdf_name=name,
                pegawai=entry.assignees, kegiatan=_event(fields))
            self.send(msg, key=key, case_id=case.id, kind="spt_pegawai")

    def _directory_employees(self) -> list:
        try:
            return EmployeeDirectory.load(self.config.pegawai_csv).employees
        except DirectoryError as exc:
            log.warning("pegawai.csv unusable for addresses: %s", exc)
            return []

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
                                      self.reminder_settings,
                                      held=lambda case_id: self.holders.chain(case_id, now)):
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
        if r.kind is ReminderKind.PENGINGAT_TERIMA:
            entry = self.store.agenda.for_case(case.id)
            name = self.pemohon_name(case) if r.to == case.pemohon else r.to_name
            return self.composer.pengingat_terima(
                to=r.to, to_name=name, case_id=case.id,
                nomor=entry.number if entry else "-", hal=entry.hal if entry else hal,
                issued_at=r.since, token=self.token(case.id, "pemohon", 0))
        if r.kind is not ReminderKind.ESKALASI and r.stage is not None:
            visit = self.store.cases.open_visit(case.id)
            return self.composer.pengingat(
                _as_acting(r.stage), case_id=case.id, hal=hal, folder=self.shown_folder(r.stage),
                since=r.since, due_at=r.due_at, files=self.stage_files(case, attach=False),
                token=self.token(case.id, r.stage.key, visit.id) if visit else None)
        return self.composer.eskalasi(
            to=r.to, to_name=r.to_name, case_id=case.id, hal=hal, tahap=r.late_role,
            pejabat=r.late_person.name if r.late_person else None, since=r.since,
            due_at=r.due_at, minutes=r.minutes, standard_minutes=r.standard_minutes,
            peran=(r.escalated_to or EscalatedTo.IT).value, otomatis=r.stage is None)


def _as_acting(stage: Stage) -> Stage:
    """For a mail's words: a held stage's role as ``Plh. <role>``."""
    from dataclasses import replace

    from pipeline.core.delegation import acting_role

    return stage if stage.acting is None else replace(stage, role=acting_role(stage))


def _event(fields: dict) -> dict:
    """The event the SPT assigns people to, as the invitation gave it (absent parts: None)."""
    return {k: fields.get(k) for k in ("acara", "tanggal_mulai", "tanggal_selesai", "waktu",
                                       "tempat")}


def _shown(folder: Path, ws: Workspace) -> str:
    """The folder as officials know it on the shared drive: relative to the workspace."""
    try:
        return str(folder.relative_to(ws.root))
    except ValueError:
        return str(folder)
