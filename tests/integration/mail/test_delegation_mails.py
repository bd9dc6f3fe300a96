"""A delegation that starts or ends while a case waits: the new holder is told, once.

Real parts: a workspace from ``spt init``, the store with its delegations, the notifier and
its outbox; the clock is the tests' FixedClock, moved rather than slept on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pipeline.core.delegation import Delegation, DelegationKind
from pipeline.core.workflow import Person
from pipeline.ops.reminders import ReminderKind
from pipeline.reports.status import where
from pipeline.service.clock import FixedClock
from pipeline.service.notify import Notifier
from pipeline.service.office import Office
from pipeline.store import Store

from .test_stage_mails import ARRIVED, case_at, mails, text_of, workspace

ASISTEN = Person(name="Dr. Rahmat Hidayat, S.H., M.H.", nip="196805141993031009",
                 jabatan="Asisten Pemerintahan dan Kesejahteraan Rakyat",
                 email="asisten1@kalbarprov.go.id")
KABID = Person(name="Drs. Yohanes Kristian, M.Si.", nip="196508091986031012",
               jabatan="Kepala Bidang Kelembagaan Koperasi",
               email="yohanes.k@diskopukm.kalbarprov.go.id")


def _set(store, stage: str, deputy: Person, start: dt.datetime, hours: float, *,
         case_id: str | None = None) -> int:
    d = Delegation(stage_key=stage, deputy=deputy, kind=DelegationKind.PLH, start=start,
                   end=start + dt.timedelta(hours=hours), case_id=case_id)
    with store.transaction():
        return store.delegations.add(d, by="test", at=start)


def _recipients(ws) -> Counter:
    """How many stage mails each address got (the outbox names files by hash, not time)."""
    return Counter(a.addr_spec.split("@")[0] for m in mails(ws, "tahap")
                   for a in m["To"].addresses)


def test_the_stage_mail_follows_the_holder_when_a_delegation_starts_and_ends(tmp_path):
    config, ws = workspace(tmp_path)
    store = Store(ws.database)
    clock = FixedClock(ARRIVED)
    notifier = Notifier(Office(config, config.workflow(), ws, store, clock))
    sekda = config.workflow().stage("sekda").index
    case, _ = case_at(config, ws, store, sekda)
    visit = store.cases.open_visit(case.id)

    notifier.stage_arrival(case, visit)
    notifier.stage_arrival(case, visit)              # asked again: nothing new
    assert _recipients(ws) == {"sekda": 1}

    # The Sekda leaves at 10:00 for two hours while the case waits: the Asisten is told.
    _set(store, "sekda", ASISTEN, ARRIVED + dt.timedelta(hours=1), 2)
    clock.advance(hours=1, minutes=5)
    notifier.stage_arrival(case, visit)
    notifier.stage_arrival(case, visit)
    assert _recipients(ws) == {"sekda": 1, "asisten1": 1}
    [deputy_mail] = [m for m in mails(ws, "tahap") if "asisten1@" in str(m["To"])]
    assert "tahap Anda (Plh. Sekretaris Daerah)" in text_of(deputy_mail)
    # spt status names who holds it now.
    now = clock.now()
    shown, _ = where(config, case, store, delegations=store.delegations.current(now), now=now)
    assert shown == f"{ASISTEN.name} sebagai Plh. Sekretaris Daerah (06-sekda)"

    # The delegation ends by itself at 12:00: the Sekda holds the stage again and is told.
    clock.advance(hours=2)
    notifier.stage_arrival(case, visit)
    notifier.stage_arrival(case, visit)
    assert _recipients(ws) == {"sekda": 2, "asisten1": 1}
    now = clock.now()
    shown, _ = where(config, case, store, delegations=store.delegations.current(now), now=now)
    assert shown == "Sekretaris Daerah (06-sekda)"


def test_a_delegation_for_another_case_changes_nothing_here(tmp_path):
    config, ws = workspace(tmp_path)
    store = Store(ws.database)
    clock = FixedClock(ARRIVED)
    notifier = Notifier(Office(config, config.workflow(), ws, store, clock))
    case, _ = case_at(config, ws, store, config.workflow().stage("kasubag").index)
    visit = store.cases.open_visit(case.id)
    _set(store, "kasubag", KABID, ARRIVED - dt.timedelta(hours=1), 8, case_id="SPT-2026-9999")
    notifier.stage_arrival(case, visit)
    assert _recipients(ws) == {"kasubag": 1}


def test_reminders_and_escalations_go_to_whoever_holds_the_stages(tmp_path):
    config, ws = workspace(tmp_path)
    store = Store(ws.database)
    clock = FixedClock(ARRIVED)
    notifier = Notifier(Office(config, config.workflow(), ws, store, clock))
    kasubag = config.workflow().stage("kasubag")
    case, _ = case_at(config, ws, store, kasubag.index)
    # The Kasubag is away all day (a Plh. reminded), so is the Sekretaris above (the
    # escalation goes to the Sekretaris's Plh.).
    _set(store, "kasubag", KABID, ARRIVED - dt.timedelta(hours=1), 10)
    _set(store, "sekretaris", ASISTEN, ARRIVED - dt.timedelta(hours=1), 10)
    clock.advance(minutes=3 * kasubag.mutu_baku_minutes)
    assert notifier.send_reminders() == 2
    sent = {m["X-SPT-Kind"]: m for m in mails(ws, ReminderKind.PENGINGAT) + mails(ws, ReminderKind.ESKALASI)}
    assert "yohanes.k@" in str(sent[ReminderKind.PENGINGAT]["To"])
    assert "Plh. Kepala Sub Bagian" in text_of(sent[ReminderKind.PENGINGAT])
    assert "asisten1@" in str(sent[ReminderKind.ESKALASI]["To"])
    assert KABID.name in text_of(sent[ReminderKind.ESKALASI])    # the late holder is named
    assert case.id in text_of(sent[ReminderKind.ESKALASI])
