"""``spt report`` on a store filled with known stays: the numbers a head of office would check."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from rich.console import Console

from pipeline.config import Config, load_config
from pipeline.core.machine import CaseState, Status
from pipeline.folders.layout import Workspace
from pipeline.reports.cli import report_command
from pipeline.reports.compliance import (
    format_minutes,
    percentile,
    print_report,
    report_for_config,
)
from pipeline.reports.compliance_html import write_html
from pipeline.resources import WORKSPACE
from pipeline.store import Store

WIB = ZoneInfo("Asia/Pontianak")
SINCE, UNTIL = dt.date(2026, 3, 1), dt.date(2026, 4, 30)
NOW = dt.datetime(2026, 4, 30, 10, 0, tzinfo=WIB)   # a Thursday


def at(month: int, day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, tzinfo=WIB)


class Filler:
    """Writes cases and their stays exactly as the service records them."""

    def __init__(self, store: Store):
        self.store = store
        self.n = 0

    def case(self, opened: dt.datetime, status: Status = Status.CLOSED) -> str:
        self.n += 1
        with self.store.transaction():
            case = self.store.cases.open(
                now=opened, tz=WIB, source_sha256=f"{self.n:064x}", source_name="u.pdf",
                source_ext="pdf", pemohon="pemohon@opd.example.go.id", assignees=[])
            self.store.cases.save_state(case.id, CaseState(status, 0, 1, "d", "p"),
                                        now=opened, stage_changed=True)
        return case.id

    def stay(self, case: str, key: str, arrive: dt.datetime, minutes: float | None = None,
             outcome: str = "agreed", *, leave: dt.datetime | None = None) -> None:
        """A stay of ``minutes`` wall minutes from ``arrive`` (or until ``leave``); None: open."""
        with self.store.transaction():
            self.store.cases.arrive(case, key, 1, arrive)
            end = leave or (arrive + dt.timedelta(minutes=minutes) if minutes is not None
                            else None)
            if end is not None:
                self.store.cases.leave(case, outcome, end)

    def chain(self, case: str, start: dt.datetime, *steps: tuple) -> None:
        """Consecutive stays: ``(key, minutes[, outcome])``; the last may have minutes None."""
        moment = start
        for key, minutes, *outcome in steps:
            self.stay(case, key, moment, minutes, *(outcome or ["agreed"]))
            if minutes is not None:
                moment += dt.timedelta(minutes=minutes)


@pytest.fixture
def config(tmp_path) -> Config:
    shutil.copy(WORKSPACE / "spt.toml", tmp_path / "spt.toml")
    return load_config(tmp_path / "spt.toml")


@pytest.fixture
def filled(config) -> Config:
    ws = Workspace(config)
    ws.state.mkdir(parents=True, exist_ok=True)
    store = Store(ws.database)
    f = Filler(store)
    # Case 1 (Monday 2 March): returned once by the kasubag, then issued and received.
    c1 = f.case(at(3, 2, 9))
    f.chain(c1, at(3, 2, 9), ("kepegawaian", 10), ("kasubag", 12, "returned"),
            ("kepegawaian", 15), ("kasubag", 5), ("sekretaris", 40), ("inspektur", 10),
            ("umum", 2, "issued"), ("pemohon", 6, "received"))
    # Case 2 (Tuesday 3 March): issued; the pemohon has not confirmed receipt yet.
    c2 = f.case(at(3, 3, 9), Status.ISSUED)
    f.chain(c2, at(3, 3, 9), ("kepegawaian", 20), ("kasubag", 8), ("sekretaris", 60),
            ("umum", 4, "issued"), ("pemohon", None))
    # Case 3: the kasubag's stay runs overnight: 15:55 -> 08:05 is ten office minutes.
    c3 = f.case(at(3, 9, 15, 55), Status.IN_CHAIN)
    f.stay(c3, "kasubag", at(3, 9, 15, 55), leave=at(3, 10, 8, 5))
    # Case 4 (6 April): the sekretaris returns it; it now waits at the kasubag, overdue.
    c4 = f.case(at(4, 6, 9), Status.IN_CHAIN)
    f.chain(c4, at(4, 6, 9), ("kasubag", 30), ("sekretaris", 20, "returned"), ("kasubag", None))
    # Case 5: returned by the sekretaris too, then cancelled (its open stay is not "overdue").
    c5 = f.case(at(4, 8, 9), Status.CANCELLED)
    f.chain(c5, at(4, 8, 9), ("sekretaris", 20, "returned"), ("kasubag", None))
    # Case 6: finalised in April, received within the 5 minutes.
    c6 = f.case(at(4, 7, 9))
    f.chain(c6, at(4, 7, 9), ("umum", 20, "issued"), ("pemohon", 5, "received"))
    # Case 7: at the governor for 30 office minutes now.
    c7 = f.case(at(4, 30, 9, 30), Status.IN_CHAIN)
    f.stay(c7, "gubernur", at(4, 30, 9, 30))
    # Case 8: February, before the period: counted nowhere.
    c8 = f.case(at(2, 2, 9))
    f.chain(c8, at(2, 2, 9), ("gubernur", 100), ("umum", 3, "issued"))
    store.close()
    return config


@pytest.fixture
def report(filled):
    return report_for_config(filled, SINCE, UNTIL, NOW)


def by_key(report):
    return {s.key: s for s in report.stages}


def test_steps_are_listed_in_the_sop_order(report):
    assert [s.key for s in report.stages] == [
        "kepegawaian", "kasubag", "sekretaris", "inspektur", "asisten1", "sekda", "gubernur",
        "umum", "pemohon"]


def test_drafting_stage(report):
    s = by_key(report)["kepegawaian"]
    assert (s.standard, s.cases, s.stays) == (15, 2, 3)        # 10, 15 (after return), 20
    assert (s.median, s.p90) == (15, 20)
    assert (s.within, s.within_share) == (2, pytest.approx(2 / 3))
    assert s.overdue_now == 0


def test_kasubag_counts_office_minutes_and_each_stay(report):
    s = by_key(report)["kasubag"]
    # Stays 12 and 5 (case 1), 8, 10 (overnight), 30; cases 4 and 5 also arrived back here.
    assert (s.cases, s.stays) == (5, 5)
    assert (s.median, s.p90) == (10, 30)
    assert (s.within, s.within_share) == (3, 0.6)
    assert s.overdue_now == 1          # case 4; case 5 is cancelled


def test_a_stage_without_mutu_baku_has_times_but_no_share(report):
    s = by_key(report)["sekretaris"]
    assert (s.standard, s.cases, s.stays) == (None, 4, 4)
    assert (s.median, s.p90) == (30, 60)       # 20, 20, 40, 60
    assert s.within_share is None and s.overdue_now == 0


def test_stages_nobody_reached(report):
    for key in ("asisten1", "sekda"):
        s = by_key(report)[key]
        assert (s.cases, s.stays, s.median, s.p90, s.within_share) == (0, 0, None, None, None)


def test_open_stays_count_as_overdue_now_not_in_the_times(report):
    s = by_key(report)["gubernur"]            # February's 100 minutes are outside the period
    assert (s.cases, s.stays, s.median, s.overdue_now) == (1, 0, None, 1)


def test_finalisation_and_receipt(report):
    umum, pemohon = by_key(report)["umum"], by_key(report)["pemohon"]
    assert (umum.cases, umum.stays, umum.median, umum.p90, umum.within) == (3, 3, 4, 20, 2)
    assert (pemohon.cases, pemohon.stays, pemohon.median, pemohon.p90) == (3, 2, 5.5, 6)
    assert (pemohon.within, pemohon.overdue_now) == (1, 1)   # case 2 has not confirmed


def test_per_month_issued_and_returns(report):
    months = [(m.label, m.issued, m.returns) for m in report.months]
    assert months == [("Maret 2026", 2, {"kasubag": 1}), ("April 2026", 1, {"sekretaris": 2})]


def test_totals(report):
    assert report.issued == 3 and report.returns == 3
    assert report.overdue_now == 3
    assert report.within_share == pytest.approx(9 / 14)
    # Intake to issue: 94, 92 and 20 office minutes.
    assert report.lead_time_median == 92


def test_the_period_filters_by_the_day_a_stay_began(filled):
    march = report_for_config(filled, SINCE, dt.date(2026, 3, 31), NOW)
    s = by_key(march)["kasubag"]
    assert (s.cases, s.stays, s.median) == (3, 4, 9)          # 5, 8, 10, 12
    assert [m.label for m in march.months] == ["Maret 2026"]
    february = report_for_config(filled, dt.date(2026, 2, 1), dt.date(2026, 2, 28), NOW)
    assert by_key(february)["gubernur"].median == 100
    assert february.issued == 1


def test_default_period_is_the_last_twelve_months(filled):
    r = report_for_config(filled, now=NOW)
    assert (r.since, r.until) == (dt.date(2025, 5, 1), dt.date(2026, 4, 30))
    assert len(r.months) == 12


def test_percentile_is_nearest_rank():
    assert percentile([5, 8, 10, 12, 30], 0.9) == 30
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.9) is None


def test_durations_in_words():
    assert format_minutes(12) == "12 mnt"
    assert format_minutes(5.5) == "5,5 mnt"
    assert format_minutes(65) == "1 j 05 mnt"
    assert format_minutes(480 * 2 + 90) == "2 hari 1 j"
    assert format_minutes(None) == "-"


def test_terminal_table(filled):
    buffer = io.StringIO()
    print_report(filled, SINCE, UNTIL, now=NOW,
                 console=Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    assert "Periode 1 Maret 2026 s.d. 30 April 2026" in text
    row = next(line for line in text.splitlines() if "Kepala Sub Bagian" in line)
    assert re.search(r"10 mnt +5 +10 mnt +30 mnt +60% +1", row)
    assert "Mar 2026" in text and "sekretaris = Sekretaris" in text
    assert "SPT terbit: 3" in text


def test_html_page_with_charts(filled, tmp_path):
    page = write_html(filled, tmp_path / "laporan", SINCE, UNTIL, now=NOW)
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == 4
    for name in images:
        data = (page.parent / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name
    assert not re.search(r'(src|href)="(https?:)?//', text)     # nothing fetched from outside
    assert '<html lang="id">' in text
    for label in ("SPT terbit dalam periode", "Waktu per tahap dibanding mutu baku",
                  "Selesai dalam mutu baku", "Pengembalian per tahap", "Terlambat saat ini",
                  "Kepala Sub Bagian Administrasi dan Umum", "April 2026"):
        assert label in text, label
    assert "64%" in text                # 9 of 14 stays within the mutu baku


def test_cli_report(filled, tmp_path):
    runner = CliRunner()
    out = tmp_path / "html"
    result = runner.invoke(report_command, [
        "--config", str(filled.root / "spt.toml"), "--since", "2026-03-01",
        "--until", "2026-04-30", "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    assert "Per tahap" in result.output
    bad = runner.invoke(report_command, [
        "--config", str(filled.root / "spt.toml"), "--since", "2026-05-01",
        "--until", "2026-04-01"])
    assert bad.exit_code != 0 and "--until" in bad.output


def test_a_workspace_without_cases_says_so(config):
    result = CliRunner().invoke(report_command, ["--config", str(config.root / "spt.toml")])
    assert result.exit_code == 1
    assert "belum ada basis data" in result.output and "spt serve" in result.output
