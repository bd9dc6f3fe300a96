"""Mutu baku reminders: who gets mailed about which case, and when not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import Config, WorkingTimeConfig, load_config
from pipeline.core.machine import CaseState, Status
from pipeline.ops.reminders import (
    ESKALASI,
    PENGINGAT,
    PENGINGAT_TERIMA,
    ReminderSettings,
    due_reminders,
    record_sent,
)
from pipeline.ops.worktime import WorkingCalendar
from pipeline.resources import WORKSPACE
from pipeline.store import Store

WIB = ZoneInfo("Asia/Pontianak")
MON = dt.date(2026, 3, 2)  # an ordinary Monday
TUE = MON + dt.timedelta(days=1)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=WIB)


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Config:
    root = tmp_path_factory.mktemp("ws")
    shutil.copy(WORKSPACE / "spt.toml", root / "spt.toml")
    return load_config(root / "spt.toml")


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_settings(WorkingTimeConfig(), WIB)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "spt.sqlite3")


class Cases:
    """Puts cases at a stage, as the service would have."""

    def __init__(self, store: Store, config: Config):
        self.store = store
        self.wf = config.workflow()
        self.n = 0

    def at_stage(self, key: str, since: dt.datetime, *, drafted: bool = True,
                 pemohon: str | None = "pemohon@opd.example.go.id",
                 status: Status | None = None) -> str:
        self.n += 1
        with self.store.transaction():
            case = self.store.cases.open(
                now=since, tz=WIB, source_sha256=f"{self.n:064x}", source_name="u.pdf",
                source_ext="pdf", pemohon=pemohon, assignees=[])
            if status is None:
                status = {"umum": Status.FINALIZING, "pemohon": Status.ISSUED}.get(
                    key, Status.IN_CHAIN)
            index = next((s.index for s in self.wf.stages if s.key == key), self.wf.last_index)
            state = CaseState(status, index, 1, "d" if drafted else "", "p" if drafted else "")
            self.store.cases.save_state(case.id, state, now=since, stage_changed=True)
            self.store.cases.arrive(case.id, key, 1, since)
        return case.id


@pytest.fixture
def cases(store, config) -> Cases:
    return Cases(store, config)


def due(store, config, calendar, now, **overrides):
    settings = dataclasses.replace(ReminderSettings.from_config(config), **overrides)
    return due_reminders(store, config.workflow(), calendar, now, settings)


def summary(reminders):
    return sorted((r.case_id, r.stage_key, r.kind, r.to) for r in reminders)


KASUBAG = "kasubag@diskopukm.kalbarprov.go.id"
KEPEGAWAIAN = "kepegawaian@diskopukm.kalbarprov.go.id"
SEKRETARIS = "sekretaris@diskopukm.kalbarprov.go.id"


def test_settings_from_the_default_config(config):
    s = ReminderSettings.from_config(config)
    assert s.interval == dt.timedelta(hours=24)
    assert s.receipt_interval == dt.timedelta(hours=24)   # mail.receipt_reminder_hours
    assert s.receipt_standard_minutes == 5                  # the SOP's step 11
    assert s.supervisor_email is None


def test_no_reminder_within_the_mutu_baku(store, config, calendar, cases):
    cases.at_stage("kasubag", at(MON, 9))
    assert due(store, config, calendar, at(MON, 9, 10)) == []


def test_the_official_is_reminded_once_overdue(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    [r] = due(store, config, calendar, at(MON, 9, 11))
    assert (r.kind, r.case_id, r.stage_key, r.to) == (PENGINGAT, case, "kasubag", KASUBAG)
    assert r.to_name == "Hendra Wijaya, S.E."
    assert r.due_at == at(MON, 9, 10)
    assert r.since == at(MON, 9)
    assert r.minutes == 11 and r.standard_minutes == 10
    assert r.stage is not None and r.stage.folder == "02-kasubag"


def test_after_twice_the_standard_the_previous_official_is_told(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    found = due(store, config, calendar, at(MON, 9, 21))
    assert summary(found) == [(case, "kasubag", ESKALASI, KEPEGAWAIAN),
                              (case, "kasubag", PENGINGAT, KASUBAG)]
    escalation = next(r for r in found if r.kind == ESKALASI)
    assert escalation.due_at == at(MON, 9, 20)
    assert escalation.late_role == "Kepala Sub Bagian Administrasi dan Umum"
    assert escalation.late_person.name == "Hendra Wijaya, S.E."


def test_a_configured_supervisor_gets_the_escalation_instead(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    found = due(store, config, calendar, at(MON, 9, 21), supervisor_email="sekdis@x.go.id")
    assert (case, "kasubag", ESKALASI, "sekdis@x.go.id") in summary(found)


def test_overdue_is_counted_in_office_minutes_overnight(store, config, calendar, cases):
    cases.at_stage("kasubag", at(MON, 15, 55))
    assert due(store, config, calendar, at(TUE, 8, 4)) == []      # 5 + 4 = 9 minutes
    assert [r.kind for r in due(store, config, calendar, at(TUE, 8, 6))] == [PENGINGAT]


def test_nobody_is_mailed_outside_office_hours(store, config, calendar, cases):
    cases.at_stage("kasubag", at(MON, 9))
    assert due(store, config, calendar, at(MON, 18)) == []
    assert due(store, config, calendar, at(dt.date(2026, 3, 7), 10)) == []   # Saturday
    assert len(due(store, config, calendar, at(TUE, 8))) == 2


def test_one_reminder_per_case_stage_and_kind_per_interval(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    for r in due(store, config, calendar, at(MON, 9, 11)):
        record_sent(store, r, at(MON, 9, 11))
    # The escalation is new at 09:21; the reminder was sent ten minutes ago.
    found = due(store, config, calendar, at(MON, 9, 21))
    assert summary(found) == [(case, "kasubag", ESKALASI, KEPEGAWAIAN)]
    record_sent(store, found[0], at(MON, 9, 21))
    assert due(store, config, calendar, at(MON, 15)) == []
    # 24 hours after the reminder: it is due again; the escalation not yet (sent at 09:21).
    assert summary(due(store, config, calendar, at(TUE, 9, 12))) == [
        (case, "kasubag", PENGINGAT, KASUBAG)]
    assert len(due(store, config, calendar, at(TUE, 9, 22))) == 2


def test_a_shorter_interval_allows_reminders_sooner(store, config, calendar, cases):
    cases.at_stage("kasubag", at(MON, 9))
    [r, *_] = due(store, config, calendar, at(MON, 9, 11))
    record_sent(store, r, at(MON, 9, 11))
    hourly = {"interval": dt.timedelta(hours=1)}
    assert PENGINGAT not in [x.kind for x in due(store, config, calendar, at(MON, 10), **hourly)]
    assert PENGINGAT in [x.kind for x in due(store, config, calendar, at(MON, 10, 12), **hourly)]


def test_another_case_is_not_held_back_by_a_sent_reminder(store, config, calendar, cases):
    first = cases.at_stage("kasubag", at(MON, 9))
    second = cases.at_stage("kasubag", at(MON, 9, 5))
    [r] = [x for x in due(store, config, calendar, at(MON, 9, 16)) if x.case_id == first]
    record_sent(store, r, at(MON, 9, 16))
    assert summary(due(store, config, calendar, at(MON, 9, 16))) == [
        (second, "kasubag", PENGINGAT, KASUBAG)]


def test_a_stage_without_mutu_baku_has_no_deadline(store, config, calendar, cases):
    cases.at_stage("sekretaris", at(MON, 9))   # the SOP left its standard blank
    assert due(store, config, calendar, at(dt.date(2026, 3, 13), 10)) == []


def test_drafting_stage_escalates_to_the_first_reviewer(store, config, calendar, cases):
    case = cases.at_stage("kepegawaian", at(MON, 9))
    assert [r.kind for r in due(store, config, calendar, at(MON, 9, 16))] == [PENGINGAT]
    assert summary(due(store, config, calendar, at(MON, 9, 31))) == [
        (case, "kepegawaian", ESKALASI, KASUBAG),
        (case, "kepegawaian", PENGINGAT, KEPEGAWAIAN)]


def test_no_reminder_while_the_service_is_still_drafting(store, config, calendar, cases):
    cases.at_stage("kepegawaian", at(MON, 9), drafted=False)
    assert due(store, config, calendar, at(MON, 11)) == []


def test_a_returned_case_starts_a_new_clock(store, config, calendar, cases):
    case = cases.at_stage("sekretaris", at(MON, 9))
    with store.transaction():
        store.cases.leave(case, "returned", at(MON, 9, 30))
        store.cases.arrive(case, "kasubag", 1, at(MON, 9, 30), came_back=True, note="perbaiki")
    assert due(store, config, calendar, at(MON, 9, 39)) == []
    [r] = due(store, config, calendar, at(MON, 9, 41))
    assert (r.stage_key, r.to, r.since) == ("kasubag", KASUBAG, at(MON, 9, 30))


def test_the_pemohon_is_reminded_of_the_receipt(store, config, calendar, cases):
    case = cases.at_stage("pemohon", at(MON, 10), pemohon="ani@bappeda.example.go.id")
    assert due(store, config, calendar, at(MON, 10, 5)) == []
    [r] = due(store, config, calendar, at(MON, 10, 6))
    assert (r.kind, r.case_id, r.stage_key, r.to) == (
        PENGINGAT_TERIMA, case, "pemohon", "ani@bappeda.example.go.id")
    assert r.due_at == at(MON, 10, 5)
    record_sent(store, r, at(MON, 10, 6))
    assert due(store, config, calendar, at(MON, 15)) == []   # receipt_reminder_hours = 24
    assert len(due(store, config, calendar, at(TUE, 10, 7))) == 1


def test_receipt_without_a_mutu_baku_waits_receipt_reminder_hours(store, config, calendar, cases):
    cases.at_stage("pemohon", at(MON, 10))
    hours = {"receipt_standard_minutes": 24 * 60.0}
    # 24 office hours = three working days: Monday 10:00 -> Thursday 10:00.
    assert due(store, config, calendar, at(dt.date(2026, 3, 5), 9, 59), **hours) == []
    assert len(due(store, config, calendar, at(dt.date(2026, 3, 5), 10, 1), **hours)) == 1


def test_a_receipt_with_no_known_pemohon_is_left_alone(store, config, calendar, cases):
    cases.at_stage("pemohon", at(MON, 10), pemohon=None)
    assert due(store, config, calendar, at(TUE, 10)) == []


def test_stuck_finalisation_goes_to_the_supervisor_only(store, config, calendar, cases):
    case = cases.at_stage("umum", at(MON, 9))
    assert due(store, config, calendar, at(MON, 11)) == []    # no person for the automatic step
    found = due(store, config, calendar, at(MON, 11), supervisor_email="it@x.go.id")
    assert summary(found) == [(case, "umum", ESKALASI, "it@x.go.id")]


def test_finished_and_cancelled_cases_are_not_reminded(store, config, calendar, cases):
    done = cases.at_stage("kasubag", at(MON, 9))
    with store.transaction():
        store.cases.leave(done, "agreed", at(MON, 9, 5))
    cases.at_stage("gubernur", at(MON, 9), status=Status.CANCELLED)
    assert due(store, config, calendar, at(MON, 12)) == []


def test_sending_is_in_the_audit_log(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    [r] = due(store, config, calendar, at(MON, 9, 11))
    record_sent(store, r, at(MON, 9, 11))
    [entry] = [e for e in store.audit.for_case(case) if e.action.startswith("reminder.")]
    assert (entry.action, entry.stage, entry.detail["to"]) == ("reminder.pengingat", "kasubag",
                                                              KASUBAG)
