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
    EscalatedTo,
    ReminderKind,
    ReminderSettings,
    due_reminders,
    escalation_target,
    record_sent,
)
from pipeline.ops.worktime import WorkingCalendar
from pipeline.resources import WORKSPACE
from pipeline.store import Store

PENGINGAT = ReminderKind.PENGINGAT
ESKALASI = ReminderKind.ESKALASI
PENGINGAT_TERIMA = ReminderKind.PENGINGAT_TERIMA
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
    # One working day from delivery (mail.receipt_first_reminder_hours), not the SOP's
    # 5 minutes for signing the receipt once the letter is in hand.
    assert s.receipt_standard_minutes == 8 * 60
    assert s.queued_is_delivered                            # no [mail.smtp]: outbox/ is it
    assert s.supervisors == {} and s.it_email is None
    assert "spt@diskopukm.kalbarprov.go.id" in s.own_addresses


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


def test_after_twice_the_standard_the_next_official_up_is_told(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    found = due(store, config, calendar, at(MON, 9, 21))
    assert summary(found) == [(case, "kasubag", ESKALASI, SEKRETARIS),
                              (case, "kasubag", PENGINGAT, KASUBAG)]
    escalation = next(r for r in found if r.kind is ESKALASI)
    reminder = next(r for r in found if r.kind is PENGINGAT)
    # One deadline for the case: the escalation names the reminder's, not its own moment.
    assert escalation.due_at == reminder.due_at == at(MON, 9, 10)
    assert escalation.escalated_to is EscalatedTo.NEXT_STAGE
    assert escalation.late_role == "Kepala Sub Bagian Administrasi dan Umum"
    assert escalation.late_person.name == "Hendra Wijaya, S.E."


def test_a_configured_supervisor_gets_the_escalation_instead(store, config, calendar, cases):
    case = cases.at_stage("kasubag", at(MON, 9))
    found = due(store, config, calendar, at(MON, 9, 21),
                supervisors={"kasubag": ("sekdis@x.go.id", "Sekretaris Dinas")})
    assert (case, "kasubag", ESKALASI, "sekdis@x.go.id") in summary(found)
    [escalation] = [r for r in found if r.kind is ESKALASI]
    assert (escalation.to_name, escalation.escalated_to) == ("Sekretaris Dinas",
                                                             EscalatedTo.SUPERVISOR)


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
    assert summary(found) == [(case, "kasubag", ESKALASI, SEKRETARIS)]
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


def deliver(config, store, case: str, moment: dt.datetime) -> None:
    """The issued SPT's mail, queued at ``moment`` (without SMTP: the delivery)."""
    from email.message import EmailMessage

    from pipeline.mail.outbox import Outbox

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "spt@x.go.id", "ani@x.go.id", f"[{case}] SPT"
    msg.set_content("SPT terlampir")
    Outbox(config, store, clock=lambda: moment).enqueue(msg, key=f"terbit:{case}",
                                                        case_id=case, kind="terbit")


WED = TUE + dt.timedelta(days=1)


def test_the_pemohon_has_a_working_day_from_delivery_before_a_receipt_reminder(
        store, config, calendar, cases):
    case = cases.at_stage("pemohon", at(MON, 15, 50), pemohon="ani@bappeda.example.go.id")
    # Issued at 15:50 but not delivered yet: no clock runs for the pemohon.
    assert due(store, config, calendar, at(WED, 10)) == []
    deliver(config, store, case, at(MON, 21))          # delivered at night
    assert due(store, config, calendar, at(TUE, 8, 30)) == []    # not "late" at 08:30
    assert due(store, config, calendar, at(TUE, 15, 59)) == []   # 7 h 59 min of office time
    [r] = due(store, config, calendar, at(WED, 8, 1))
    assert (r.kind, r.case_id, r.stage_key, r.to) == (
        PENGINGAT_TERIMA, case, "pemohon", "ani@bappeda.example.go.id")
    assert r.due_at == at(TUE, 16) and r.since == at(MON, 21)
    record_sent(store, r, at(WED, 8, 1))
    assert due(store, config, calendar, at(WED, 15)) == []   # receipt_reminder_hours = 24
    assert len(due(store, config, calendar, at(dt.date(2026, 3, 5), 8, 2))) == 1


def test_with_smtp_only_a_sent_mail_is_a_delivery(store, config, calendar, cases):
    case = cases.at_stage("pemohon", at(MON, 10))
    deliver(config, store, case, at(MON, 10))          # queued; SMTP has not sent it
    assert due(store, config, calendar, at(WED, 10), queued_is_delivered=False) == []
    assert len(due(store, config, calendar, at(WED, 10))) == 1


def test_a_receipt_with_no_known_pemohon_is_left_alone(store, config, calendar, cases):
    case = cases.at_stage("pemohon", at(MON, 10), pemohon=None)
    deliver(config, store, case, at(MON, 10))
    assert due(store, config, calendar, at(TUE, 10)) == []


def test_stuck_finalisation_goes_to_the_supervisor_only(store, config, calendar, cases):
    case = cases.at_stage("umum", at(MON, 9))
    assert due(store, config, calendar, at(MON, 11)) == []    # no person for the automatic step
    found = due(store, config, calendar, at(MON, 11), it_email="it@x.go.id")
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


def test_the_signatory_has_nobody_above_in_the_chain_so_it_goes_to_it(
        store, config, calendar, cases):
    case = cases.at_stage("gubernur", at(MON, 9))
    # Without an IT address there is nobody to escalate to: only the reminder.
    assert [r.kind for r in due(store, config, calendar, at(MON, 9, 25))] == [PENGINGAT]
    found = due(store, config, calendar, at(MON, 9, 25), it_email="ti@diskopukm.go.id")
    [escalation] = [r for r in found if r.kind is ESKALASI]
    assert (escalation.case_id, escalation.to, escalation.escalated_to) == (
        case, "ti@diskopukm.go.id", EscalatedTo.IT)


def test_no_escalation_of_the_default_chain_goes_down(config):
    """Every stage of the shipped chain escalates to someone above it (or IT), never below."""
    wf = config.workflow()
    settings = dataclasses.replace(ReminderSettings.from_config(config), it_email="ti@x.go.id")
    for stage in wf.stages:
        email, _, kind = escalation_target(stage, wf, settings)
        lower = {s.person.email for s in wf.stages[: stage.index + 1]}
        assert email not in lower, stage.key
        if stage.index < wf.last_index:
            assert email == wf.stages[stage.index + 1].person.email
        else:
            assert (email, kind) == ("ti@x.go.id", EscalatedTo.IT)


def test_a_subordinate_or_our_own_address_is_skipped(config):
    wf = config.workflow()
    sekda = wf.stage("sekda")
    settings = dataclasses.replace(
        ReminderSettings.from_config(config),
        # Misconfigured at run time (the configuration refuses this at load, see below).
        supervisors={"sekda": (KASUBAG, "Kasubag")}, it_email="spt@diskopukm.kalbarprov.go.id")
    email, _, kind = escalation_target(sekda, wf, settings)
    assert (email, kind) == (wf.stage("gubernur").person.email, EscalatedTo.NEXT_STAGE)
    gubernur = wf.stage("gubernur")
    assert escalation_target(gubernur, wf, settings) is None   # IT's address is our own


def test_the_configuration_refuses_a_supervisor_below_the_stage(tmp_path):
    from pipeline.config import ConfigError

    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8").replace(
        'folder = "06-sekda"\n',
        'folder = "06-sekda"\nsupervisor = { name = "Hendra", email = "' + KASUBAG + '" }\n', 1)
    (tmp_path / "spt.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "spt.toml")
    assert "an escalation must go up" in str(err.value)
    assert "'kasubag'" in str(err.value)


def test_the_generated_spt_toml_shows_every_reminder_and_escalation_key(tmp_path):
    """IT finds each key in the file `spt init` writes, in its section, with a comment."""
    import re

    from pipeline.config import EscalationConfig, StageConfig
    from pipeline.workspace_init import init_workspace

    text = init_workspace(tmp_path / "ws").read_text(encoding="utf-8")

    def section(name: str) -> str:
        start = re.search(rf"^\[{name}\]", text, re.M).start()
        nxt = re.search(r"^\[", text[start + 1:], re.M)
        return text[start: start + 1 + nxt.start()] if nxt else text[start:]

    def shown(body: str, key: str) -> bool:
        return re.search(rf"^#?\s*{key}\s*=", body, re.M) is not None

    for key in WorkingTimeConfig.model_fields:
        if key == "supervisor_email":   # the older name, explained under [escalation]
            assert "supervisor_email" in section("escalation")
            continue
        assert shown(section("working_time"), key), key
    for key in EscalationConfig.model_fields:
        assert shown(section("escalation"), key), key
    assert "supervisor" in StageConfig.model_fields
    assert re.search(r"^#\s+supervisor = \{ name = ", text, re.M)
    for key in ("receipt_reminder_hours", "receipt_first_reminder_hours"):
        assert shown(section("mail"), key), key
    assert "ABOVE" in section("working_time") and "Never to an official below" in text
    # And the file as written loads with those values.
    config = load_config(tmp_path / "ws" / "spt.toml")
    assert config.working_time == WorkingTimeConfig()
