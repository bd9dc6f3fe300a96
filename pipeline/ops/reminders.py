"""Mutu baku reminders: who should be reminded of which case, now.

The SOP gives every step a standard time (mutu baku) in office minutes. When
a case overstays its step:

- ``pengingat``: the official of that step gets a reminder, once the working
  minutes spent exceed the standard;
- ``eskalasi``: after twice the standard, someone above the late official is
  told too, never someone below: the stage's own ``supervisor`` (``[[stage]]``),
  else the official of the next stage up the chain, else IT
  (``[escalation] it_email``; the older ``[working_time] supervisor_email`` is
  read as the same address). The signatory has nobody above them in the chain,
  and a stuck automatic step (numbering) is IT's matter, so both go to IT. An
  address that is the late official's own, a lower stage's official's, or the
  service's own is skipped;
- ``pengingat_terima``: the pemohon who has not confirmed receipt of the
  issued SPT is reminded once they have had ``mail.receipt_first_reminder_hours``
  of working time (at least the SOP's receipt standard) since the SPT was
  delivered to them (sent by SMTP; without SMTP, written to ``outbox/``). Not
  before delivery: a letter issued at night and sent in the morning is not
  "late" at 08:05.

Never more than one reminder of a kind per case and stage per interval
(``reminder_interval_hours``; the pemohon's: ``mail.receipt_reminder_hours``),
and none outside office hours, so nobody is mailed at night or on a holiday
about a clock that is not running then. Steps without a mutu baku have no
deadline and get no reminder.

:func:`due_reminders` only decides (it reads the store, writes nothing);
the service composes and queues the mail, then calls :func:`record_sent` in
the same transaction, so a crash between the two cannot send twice.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pipeline.core.machine import Status
from pipeline.core.workflow import AutomaticStep, Person, Stage, Workflow
from pipeline.ops.worktime import WorkingCalendar
from pipeline.store.audit import AuditAction
from pipeline.store.deliveries import delivered_at
from pipeline.store.visits import OpenVisit

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store.db import Store

class ReminderKind(enum.StrEnum):
    """Which reminder a mail is; the values are stored in ``reminders.kind`` and name the
    audit action ``reminder.<kind>``."""

    PENGINGAT = "pengingat"                # to the official the case waits on
    ESKALASI = "eskalasi"                  # to whoever is above them, at twice the standard
    PENGINGAT_TERIMA = "pengingat_terima"  # to the pemohon, to confirm receipt


class EscalatedTo(enum.StrEnum):
    """Who an escalation went to; the mail's closing sentence depends on it."""

    SUPERVISOR = "atasan"        # the late stage's configured supervisor
    NEXT_STAGE = "tahap_atas"    # the official of the next stage up the chain
    IT = "ti"                    # IT: the top of the chain, the automatic steps


# Case statuses whose open stage visit is waiting on someone.
_WAITING = (Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)


@dataclass(frozen=True)
class ReminderSettings:
    """The reminder rules of one configuration."""

    interval: dt.timedelta = dt.timedelta(hours=24)
    receipt_interval: dt.timedelta = dt.timedelta(hours=24)
    # Office minutes the pemohon has for the receipt, from delivery.
    receipt_standard_minutes: float | None = 8 * 60
    # No SMTP server: the .eml written to outbox/ is the delivery.
    queued_is_delivered: bool = True
    # stage key -> (email, name) of its configured supervisor
    supervisors: dict[str, tuple[str, str]] = field(default_factory=dict)
    it_email: str | None = None
    it_name: str = "Pengelola Layanan SPT"
    # The service's own addresses: never mailed (a mail to ourselves helps nobody).
    own_addresses: frozenset[str] = frozenset()
    only_in_working_time: bool = True

    @classmethod
    def from_config(cls, config: Config) -> ReminderSettings:
        wt = config.working_time
        receipt_hours = float(config.mail.receipt_reminder_hours)
        standard = max(float(config.receipt.mutu_baku or 0),
                       float(config.mail.receipt_first_reminder_hours) * 60)
        escalation = config.escalation
        it_email = escalation.it_email or wt.supervisor_email
        return cls(
            interval=dt.timedelta(hours=wt.reminder_interval_hours),
            receipt_interval=dt.timedelta(hours=receipt_hours),
            receipt_standard_minutes=standard,
            queued_is_delivered=config.mail.smtp is None,
            supervisors={s.key: (s.supervisor.email, s.supervisor.name)
                         for s in config.stage if s.supervisor is not None},
            it_email=it_email,
            it_name=escalation.it_name,
            own_addresses=frozenset(a.lower() for a in (config.mail.from_address,
                                                        config.agency.email)),
        )


@dataclass(frozen=True)
class Reminder:
    """One mail to send: ``to`` is told that ``case_id`` overstays ``stage_key``."""

    kind: ReminderKind
    case_id: str
    stage_key: str                # the step overstayed (a stage key, "umum" or "pemohon")
    to: str                       # email address
    to_name: str
    since: dt.datetime            # the case arrived at the step
    due_at: dt.datetime           # the standard (for eskalasi: twice it) ran out
    minutes: float                # office minutes spent so far
    standard_minutes: float
    late_role: str                # the role that overstays, e.g. "Sekretaris"
    late_person: Person | None    # its official, when known
    stage: Stage | None = None    # the chain stage overstayed (None for automatic steps)
    escalated_to: EscalatedTo | None = None   # for eskalasi: whose address ``to`` is

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.case_id, self.stage_key, self.kind)


def due_reminders(
    store: Store, workflow: Workflow, calendar: WorkingCalendar, now: dt.datetime,
    settings: ReminderSettings, held=None,
) -> list[Reminder]:
    """Every reminder that is due at ``now`` and not sent within its interval.

    ``held(case_id)``: the chain as held now for that case (pipeline.service.holders): a
    stage's Plh./Plt. is reminded in the official's place, and an escalation goes to whoever
    holds the stage above."""
    if settings.only_in_working_time and not calendar.is_working_time(now):
        return []
    last_sent = store.reminders.last_sent()
    delivered = delivered_at(store, "terbit", queued_is_delivered=settings.queued_is_delivered)
    due: list[Reminder] = []
    for visit in store.visits.open_visits(_WAITING):
        if visit.stage_key == workflow.receipt.key:
            if visit.case_id not in delivered:
                continue  # not delivered yet: the pemohon's clock has not started
            visit = replace(visit, arrived_at=max(visit.arrived_at, delivered[visit.case_id]))
        chain = held(visit.case_id) if held is not None else workflow
        for reminder in _reminders_for(visit, chain, calendar, now, settings):
            receipt = reminder.kind is ReminderKind.PENGINGAT_TERIMA
            interval = settings.receipt_interval if receipt else settings.interval
            previous = last_sent.get(reminder.key)
            if previous is not None and now - previous < interval:
                continue
            due.append(reminder)
    return due


def record_sent(store: Store, reminder: Reminder, now: dt.datetime) -> None:
    """Remember that ``reminder`` went out (and say so in the audit log)."""
    with store.transaction():
        store.reminders.record(reminder.case_id, reminder.stage_key, reminder.kind, now)
        store.audit.append(
            AuditAction(f"reminder.{reminder.kind}"), case_id=reminder.case_id,
            stage=reminder.stage_key, at=now,
            detail={"to": reminder.to, "minutes": round(reminder.minutes, 1),
                    "mutu_baku": reminder.standard_minutes},
        )


# --- deciding ---------------------------------------------------------------------


def _reminders_for(
    visit: OpenVisit, workflow: Workflow, calendar: WorkingCalendar, now: dt.datetime,
    settings: ReminderSettings,
) -> list[Reminder]:
    step = _step(workflow, visit.stage_key)
    if step is None:
        return []  # a stage no longer configured: nobody to remind
    minutes = calendar.working_minutes(visit.arrived_at, now)

    def make(kind: ReminderKind, standard: float, to: str, to_name: str,
             escalated_to: EscalatedTo | None = None) -> Reminder:
        # One deadline per case and step: the escalation names the same one as the
        # reminder (the standard's end), not the moment it was escalated.
        return Reminder(
            kind=kind, case_id=visit.case_id, stage_key=visit.stage_key, to=to,
            to_name=to_name, since=visit.arrived_at,
            due_at=calendar.add_working_minutes(visit.arrived_at, standard),
            minutes=minutes, standard_minutes=standard,
            late_role=step.role, late_person=step.person,
            stage=step if isinstance(step, Stage) else None, escalated_to=escalated_to,
        )

    if visit.stage_key == workflow.receipt.key:
        standard = settings.receipt_standard_minutes
        if standard is None or minutes <= standard:
            return []
        if visit.pemohon:
            to, name = visit.pemohon, ""
        elif step.person is not None:
            to, name = step.person.email, step.person.name
        else:
            return []  # nobody to ask for the receipt
        return [make(ReminderKind.PENGINGAT_TERIMA, standard, to, name)]

    if step.mutu_baku_minutes is None:
        return []
    if isinstance(step, Stage) and step.index == 0 and not visit.drafted:
        return []  # the service has not produced the draft yet: nothing to act on
    standard = float(step.mutu_baku_minutes)
    out: list[Reminder] = []
    if minutes > standard and step.person is not None:
        out.append(make(ReminderKind.PENGINGAT, standard, step.person.email, step.person.name))
    if minutes > 2 * standard:
        target = escalation_target(step, workflow, settings)
        if target is not None:
            out.append(make(ReminderKind.ESKALASI, standard, *target))
    return out


def escalation_target(
    step: Stage | AutomaticStep, workflow: Workflow, settings: ReminderSettings
) -> tuple[str, str, EscalatedTo] | None:
    """``(email, name, kind)`` of whoever is above ``step``, or None when nobody is.

    In order: the stage's supervisor, the next stage up, IT. Never the late
    official, an official at or below the late stage, or the service itself.
    """
    candidates: list[tuple[str, str, EscalatedTo]] = []
    below: set[str] = set()
    if isinstance(step, Stage):
        below = {s.person.email.lower() for s in workflow.stages[: step.index + 1]}
        if step.key in settings.supervisors:
            email, name = settings.supervisors[step.key]
            candidates.append((email, name, EscalatedTo.SUPERVISOR))
        if step.index < workflow.last_index:
            up = workflow.stages[step.index + 1].person
            candidates.append((up.email, up.name, EscalatedTo.NEXT_STAGE))
    elif step.person is not None:
        below = {step.person.email.lower()}
    if settings.it_email:
        candidates.append((settings.it_email, settings.it_name, EscalatedTo.IT))
    for email, name, kind in candidates:
        address = email.strip().lower()
        if address in below or address in settings.own_addresses:
            continue
        return email, name, kind
    return None


def _step(workflow: Workflow, key: str) -> Stage | AutomaticStep | None:
    if key == workflow.finalization.key:
        return workflow.finalization
    if key == workflow.receipt.key:
        return workflow.receipt
    try:
        return workflow.stage(key)
    except KeyError:
        return None
