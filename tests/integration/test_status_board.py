"""The status board in the share: what the drafter sees, in a real browser on a phone.

Real parts: a workspace from ``spt init``, the store with cases as the service leaves
them, the working calendar, and Debian's headless Chromium (Selenium) that opens the
written file. Screenshots (phone 390 px, desktop 1280 px) are kept in the test's
``tmp_path`` and their paths printed, for a person to look at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import WorkingTimeConfig, load_config
from pipeline.core.machine import CaseState, Status
from pipeline.folders.layout import Workspace
from pipeline.ops.worktime import WorkingCalendar
from pipeline.reports.board import StatusBoard
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.workspace_init import init_workspace
from tests.e2e.web.test_browser import PHONE, requested_urls, screenshot
from tests.e2e.web.test_browser import browser as browser  # the fixture, reused

WIB = ZoneInfo("Asia/Pontianak")
MON = dt.date(2026, 12, 7)


def at(hh: int, mm: int = 0, day: dt.date = MON) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=WIB)


@pytest.fixture
def office(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    ws = Workspace(config)
    ws.ensure()
    store = Store(ws.database)
    calendar = WorkingCalendar.from_settings(WorkingTimeConfig(), WIB)
    # Every refresh renders (the service renders a burst once: see the throttle test).
    config = config.model_copy(update={"board": config.board.model_copy(
        update={"min_interval_seconds": 0.0})})
    return config, ws, store, StatusBoard(config, config.workflow(), store, calendar)


def put(store, stage: int, since: dt.datetime, hal: str, *, status=Status.IN_CHAIN,
        returned: str | None = None, key: str | None = None, version: int = 1) -> str:
    with store.transaction():
        case = store.cases.open(now=since, tz=WIB, source_sha256=f"{hash(hal) & 0xFFFF:064x}",
                                source_name="undangan.pdf", source_ext="pdf",
                                pemohon=None, assignees=[])
        store.cases.update_fields(case.id, {"hal": hal})
        state = replace(CaseState.opened("d" * 64, "p" * 64), stage=stage, status=status,
                        version=version)
        store.cases.save_state(case.id, state, now=since, stage_changed=True)
        store.cases.arrive(case.id, key or ["kepegawaian", "kasubag", "sekretaris"][stage],
                           version, since, came_back=returned is not None, note=returned)
    return case.id


def issued(config, store, case: str, *, received: bool) -> str:
    with store.transaction():
        number = store.register.assign(
            case, now=at(8, 30), tz=WIB, fmt=config.numbering.format,
            klasifikasi=config.numbering.klasifikasi, unit=config.agency.unit).number
        store.agenda.record(AgendaEntry(
            number=number, case_id=case, letter_date=MON, hal="Undangan Bimtek Koperasi",
            assignees=[], pemohon=None, file_sha256="f" * 64, archive_path="arsip/x.pdf",
            recorded_at=at(8, 30).isoformat()))
        if received:
            store.agenda.mark_received(case, by="rina@x.go.id", at=at(9))
    return number


def test_the_board_shows_open_cases_late_ones_returns_and_issued_letters(office, browser,
                                                                        tmp_path):
    from selenium.webdriver.common.by import By

    config, ws, store, board = office
    late = put(store, 1, at(9), "Undangan Rapat Koordinasi Pengawasan Koperasi")
    back = put(store, 0, at(10, 30), "Undangan Workshop OJK <b>&</b>", version=2,
               returned="NIP Budi salah; mohon diperbaiki.")
    with store.transaction():
        store.audit.append("stage.returned", case_id=back, stage="kasubag",
                           actor="Hendra Wijaya, S.E. (kasubag)", at=at(10, 30),
                           detail={"to": "kepegawaian", "reason": "NIP Budi salah; mohon diperbaiki."})
    waiting = put(store, 2, at(10, 40), "Undangan tanpa mutu baku")
    done = put(store, 2, at(8), "Undangan Bimtek Koperasi", status=Status.ISSUED,
               key="pemohon")
    number = issued(config, store, done, received=False)
    now = at(10, 45)

    assert board.refresh(now)
    page = board.path
    assert page == ws.stages_root / "status-spt.html"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html            # a hal from outside stays text
    assert "Senin, 7 Desember 2026 pukul 10.45 WIB" in html

    browser.get(page.as_uri())
    body = browser.find_element(By.TAG_NAME, "body").text
    cards = {c.find_element(By.CLASS_NAME, "cid").text: c
             for c in browser.find_elements(By.CLASS_NAME, "case")}
    assert set(cards) == {late, back, waiting, done}
    # The kasubag had 10 minutes from 09:00: late, shown in red, listed first.
    assert "TERLAMBAT" in cards[late].text and "late" in cards[late].get_attribute("class")
    assert cards[late].value_of_css_property("border-left-color") == "rgba(185, 28, 28, 1)"
    assert next(iter(cards)) == late
    assert "pukul 09.10 WIB (terlampaui)" in cards[late].text
    assert "Kepala Sub Bagian Administrasi dan Umum (Hendra Wijaya, S.E.)" in cards[late].text
    # Returned to the drafter: who returned it and why.
    assert "DIKEMBALIKAN" in cards[back].text and "TERLAMBAT" not in cards[back].text
    assert ("Dikembalikan oleh Kepala Sub Bagian Administrasi dan Umum (Hendra Wijaya, S.E.):"
            in cards[back].text)
    assert "NIP Budi salah; mohon diperbaiki." in cards[back].text
    assert "tidak ada mutu baku" in cards[waiting].text
    # The last returns, with who, to whom and why (also once the case has moved on).
    [ret] = browser.find_elements(By.CLASS_NAME, "ret")
    assert back in ret.text and "NIP Budi salah; mohon diperbaiki." in ret.text
    assert "Kepala Sub Bagian Administrasi dan Umum (Hendra Wijaya, S.E.)" in ret.text
    assert "Pengadministrasi Kepegawaian (Dewi Lestari, S.Kom.)" in ret.text
    assert "Senin, 7 Desember 2026 pukul 10.30 WIB" in ret.text
    assert "menunggu tanda terima" in cards[done].text
    assert number == "800.1.11.1/0001/DISKOPUKM/2026"
    assert number in body and "Terlambat: 1" in body
    # Nothing but the file itself was loaded: no script, font or picture from outside.
    urls = requested_urls(browser)
    assert page.as_uri() in urls
    assert [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")] == []
    # Readable on a phone: nothing wider than the screen.
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    shots = {"phone": tmp_path / "papan-status-ponsel.png",
             "desktop": tmp_path / "papan-status-desktop.png"}
    screenshot(browser, shots["phone"], full=True)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                             "mobile": False})
    browser.get(page.as_uri())
    browser.save_screenshot(str(shots["desktop"]))
    for path in shots.values():
        assert path.stat().st_size > 10_000
        print(f"status board screenshot: {path}")


def test_the_board_is_rewritten_only_when_what_it_shows_changes(office):
    _, _, store, board = office
    case = put(store, 1, at(9), "Undangan Rapat")
    assert board.refresh(at(9, 5))
    first = board.path.stat().st_mtime_ns
    assert not board.refresh(at(9, 6))               # same picture: the file is left alone
    assert board.path.stat().st_mtime_ns == first
    assert board.refresh(at(9, 11))                  # the case became late
    assert "TERLAMBAT" in board.path.read_text(encoding="utf-8")
    with store.transaction():
        store.cases.save_state(case, replace(store.cases.get(case).state, stage=2),
                               now=at(9, 12), stage_changed=True)
        store.cases.leave(case, "agreed", at(9, 12))
        store.cases.arrive(case, "sekretaris", 1, at(9, 12))
    assert board.refresh(at(9, 12))
    assert "Drs. Agus Salim" in board.path.read_text(encoding="utf-8")
    # No temp file is ever left beside it.
    assert sorted(p.name for p in board.path.parent.iterdir() if p.is_file()) == [
        "status-spt.html"]


def test_no_board_when_switched_off(tmp_path):
    path = init_workspace(tmp_path / "ws")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[board]                  # the status board: one page in the share for the drafter\n"
        "enabled = true", "[board]\nenabled = false", 1), encoding="utf-8")
    config = load_config(path)
    store = Store(Workspace(config).database)
    board = StatusBoard(config, config.workflow(), store,
                        WorkingCalendar.from_settings(WorkingTimeConfig(), WIB))
    assert not board.refresh(at(9)) and not board.path.exists()


def test_a_burst_of_changes_is_rendered_once_then_caught_up(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    config = config.model_copy(update={"board": config.board.model_copy(
        update={"min_interval_seconds": 0.3})})
    store = Store(Workspace(config).database)
    board = StatusBoard(config, config.workflow(), store,
                        WorkingCalendar.from_settings(WorkingTimeConfig(), WIB))
    assert board.refresh(at(9)) and board.next_due() is None
    put(store, 1, at(9), "Undangan Rapat")
    assert not board.refresh(at(9))                 # too soon: remembered, not lost
    due = board.next_due()
    assert due is not None and 0 < due <= 0.3
    import time

    time.sleep(due)                                 # the service's loop waits exactly this
    assert board.refresh(at(9)) and "Undangan Rapat" in board.path.read_text(encoding="utf-8")
    assert board.next_due() is None
