"""Mutu baku reminders: who should be reminded of which case, now.

The SOP gives every step a standard time (mutu baku) in office minutes. When
a case overstays its step:

- ``pengingat``: the official of that step gets a reminder, once the working
  minutes spent exceed the standard;
- ``eskalasi``: after twice the standard, someone who can chase it is told
  too: the configured supervisor (``[working_time] supervisor_email``), or
  else the official of the stage before, the one who handed the case over
  (for the drafting stage, which has no stage before, the first reviewer,
  who directs the drafter). For the automatic finalisation step only the
  supervisor is told: a stuck numbering is a matter for IT, not for the
  signatory;
- ``pengingat_terima``: the pemohon who has not confirmed receipt of the
  issued SPT is reminded once the receipt's standard has passed.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pipeline.core.machine import Status
from pipeline.core.workflow import AutomaticStep, Person, Stage, Workflow
from pipeline.ops.worktime import WorkingCalendar
from pipeline.store.audit import AuditAction
from pipeline.store.visits import OpenVisit

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store.db import Store

Kind = Literal["pengingat", "eskalasi", "pengingat_terima"]
PENGINGAT: Kind = "pengingat"
ESKALASI: Kind = "eskalasi"
PENGINGAT_TERIMA: Kind = "pengingat_terima"

# Case statuses whose open stage visit is waiting on someone.
_WAITING = (Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)


@dataclass(frozen=True)
class ReminderSettings:
    """The reminder rules of one configuration."""

    interval: dt.timedelta = dt.timedelta(hours=24)
    receipt_interval: dt.timedelta = dt.timedelta(hours=24)
    # Office minutes the pemohon has for the receipt (the SOP's 5 menit, else the mail setting).
    receipt_standard_minutes: float | None = 5
    supervisor_email: str | None = None
    supervisor_name: str = "Atasan"
    only_in_working_time: bool = True

    @classmethod
    def from_config(cls, config: Config) -> ReminderSettings:
        wt = config.working_time
        receipt_hours = float(config.mail.receipt_reminder_hours)
        standard = config.receipt.mutu_baku
        return cls(
            interval=dt.timedelta(hours=wt.reminder_interval_hours),
            receipt_interval=dt.timedelta(hours=receipt_hours),
            receipt_standard_minutes=float(standard) if standard else receipt_hours * 60,
            supervisor_email=wt.supervisor_email,
        )


@dataclass(frozen=True)
class Reminder:
    """One mail to send: ``to`` is told that ``case_id`` overstays ``stage_key``."""

    kind: Kind
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

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.case_id, self.stage_key, self.kind)


def due_reminders(
    store: Store, workflow: Workflow, calendar: WorkingCalendar, now: dt.datetime,
    settings: ReminderSettings,
) -> list[Reminder]:
    """Every reminder that is due at ``now`` and not sent within its interval."""
    if settings.only_in_working_time and not calendar.is_working_time(now):
        return []
    last_sent = store.reminders.last_sent()
    due: list[Reminder] = []
    for visit in store.visits.open_visits(_WAITING):
        for reminder in _reminders_for(visit, workflow, calendar, now, settings):
            interval = (settings.receipt_interval if reminder.kind == PENGINGAT_TERIMA
                        else settings.interval)
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

    def make(kind: Kind, standard: float, factor: int, to: str, to_name: str) -> Reminder:
        return Reminder(
            kind=kind, case_id=visit.case_id, stage_key=visit.stage_key, to=to,
            to_name=to_name, since=visit.arrived_at,
            due_at=calendar.add_working_minutes(visit.arrived_at, standard * factor),
            minutes=minutes, standard_minutes=standard,
            late_role=step.role, late_person=step.person,
            stage=step if isinstance(step, Stage) else None,
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
        return [make(PENGINGAT_TERIMA, standard, 1, to, name)]

    if step.mutu_baku_minutes is None:
        return []
    if isinstance(step, Stage) and step.index == 0 and not visit.drafted:
        return []  # the service has not produced the draft yet: nothing to act on
    standard = float(step.mutu_baku_minutes)
    out: list[Reminder] = []
    if minutes > standard and step.person is not None:
        out.append(make(PENGINGAT, standard, 1, step.person.email, step.person.name))
    if minutes > 2 * standard:
        target = _escalation_target(step, workflow, settings)
        if target is not None:
            out.append(make(ESKALASI, standard, 2, *target))
    return out


def _escalation_target(
    step: Stage | AutomaticStep, workflow: Workflow, settings: ReminderSettings
) -> tuple[str, str] | None:
    if settings.supervisor_email:
        return settings.supervisor_email, settings.supervisor_name
    if not isinstance(step, Stage):
        return None
    other = workflow.stages[step.index - 1] if step.index > 0 else workflow.stages[1]
    return other.person.email, other.person.name


def _step(workflow: Workflow, key: str) -> Stage | AutomaticStep | None:
    if key == workflow.finalization.key:
        return workflow.finalization
    if key == workflow.receipt.key:
        return workflow.receipt
    try:
        return workflow.stage(key)
    except KeyError:
        return None
