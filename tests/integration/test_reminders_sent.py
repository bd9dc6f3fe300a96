"""Mutu baku reminders through the notifier: who is told, once per interval, in working time."""

import datetime as dt
from dataclasses import replace
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from pipeline.config import load_config
from pipeline.core.machine import CaseState
from pipeline.folders.layout import Workspace
from pipeline.service.clock import FixedClock
from pipeline.service.notify import Notifier
from pipeline.service.office import Office
from pipeline.store import Store
from pipeline.workspace_init import init_workspace

WIB = ZoneInfo("Asia/Pontianak")
AT_KASUBAG = replace(CaseState.opened("d" * 64, "p" * 64), stage=1)


def test_an_overdue_case_reminds_its_official_then_the_next_one_up(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    ws = Workspace(config)
    ws.ensure()
    store = Store(ws.database)
    arrived = dt.datetime(2026, 12, 7, 9, 0, tzinfo=WIB)          # a Monday, office hours
    clock = FixedClock(arrived)
    with store.transaction():
        case = store.cases.open(now=arrived, tz=WIB, source_sha256="a" * 64,
                                source_name="u.pdf", source_ext="pdf", pemohon=None,
                                assignees=[])
        store.cases.save_state(case.id, AT_KASUBAG, now=arrived, stage_changed=True)
        store.cases.arrive(case.id, "kasubag", 1, arrived)
    notifier = Notifier(Office(config, config.workflow(), ws, store, clock))

    clock.current = arrived + dt.timedelta(minutes=9)             # within 10 minutes
    assert notifier.send_reminders() == 0
    clock.current = arrived + dt.timedelta(minutes=12)            # overdue
    assert notifier.send_reminders() == 1
    clock.current = arrived + dt.timedelta(minutes=25)            # twice the standard
    assert notifier.send_reminders() == 1                         # only the escalation is new
    clock.current = arrived + dt.timedelta(minutes=40)
    assert notifier.send_reminders() == 0                         # once per interval

    mails = {}
    for path in ws.outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        mails[msg["X-SPT-Kind"]] = msg
    assert set(mails) == {"pengingat", "eskalasi"}
    assert "kasubag@" in str(mails["pengingat"]["To"])
    assert "sekretaris@" in str(mails["eskalasi"]["To"])          # the next stage UP
    assert case.id in str(mails["eskalasi"]["Subject"])
    reminder = mails["pengingat"].get_body(("plain",)).get_content()
    escalation = " ".join(mails["eskalasi"].get_body(("plain",)).get_content().split())
    # Both name the same deadline: 09:00 + 10 office minutes.
    deadline = "Senin, 7 Desember 2026 pukul 09.10 WIB"
    assert deadline in reminder and deadline in escalation
    assert "tahap berikutnya" in escalation and "dalam jam kerja" in escalation
    assert "menit jam kerja" not in escalation
    kinds = [e.action for e in store.audit.for_case(case.id)]
    assert kinds.count("reminder.pengingat") == 1 and kinds.count("reminder.eskalasi") == 1


def test_no_reminder_outside_working_hours(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    ws = Workspace(config)
    ws.ensure()
    store = Store(ws.database)
    friday_late = dt.datetime(2026, 12, 4, 15, 55, tzinfo=WIB)
    clock = FixedClock(friday_late)
    with store.transaction():
        case = store.cases.open(now=friday_late, tz=WIB, source_sha256="b" * 64,
                                source_name="u.pdf", source_ext="pdf", pemohon=None,
                                assignees=[])
        store.cases.save_state(case.id, AT_KASUBAG, now=friday_late, stage_changed=True)
        store.cases.arrive(case.id, "kasubag", 1, friday_late)
    notifier = Notifier(Office(config, config.workflow(), ws, store, clock))
    clock.current = dt.datetime(2026, 12, 6, 11, 0, tzinfo=WIB)   # Sunday: only 5 office minutes
    assert notifier.send_reminders() == 0
    clock.current = dt.datetime(2026, 12, 7, 8, 6, tzinfo=WIB)    # Monday 08:06: 11 minutes
    assert notifier.send_reminders() == 1
