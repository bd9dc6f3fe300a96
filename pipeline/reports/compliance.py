"""``spt report``: how well the chain keeps the SOP's mutu baku, in numbers.

Per step of the SOP (each configured stage, then the finalisation by the
Pengadministrasi Umum and the pemohon's receipt), for a period: how many
cases passed, the median and 90th-percentile time they stayed, the share of
stays within the mutu baku, and how many cases are overdue right now. Per
month: SPTs issued and returns made by each stage.

Every duration is counted in office time (:mod:`pipeline.ops.worktime`),
because that is how the SOP's standard is meant. A *stay* is one visit of a
case at a step (a case returned and sent again visits a step twice: each
stay is one performance of the step and is measured on its own). A stay
belongs to the period in which it began; only finished stays enter the
median, the 90th percentile and the share, while open stays count as
"overdue now" when they already exceed the standard.

The 90th percentile is the nearest-rank one: "90 % of stays took at most
this long", a value that actually occurred.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.core.dates_id import MONTHS, MONTHS_SHORT
from pipeline.core.machine import Status
from pipeline.core.workflow import AutomaticStep, Stage, Workflow
from pipeline.ops.worktime import WorkingCalendar
from pipeline.store.visits import TimedVisit

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store.db import Store

_WAITING = (Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)


class ReportError(Exception):
    """The report cannot be made; ``str()`` says why, for the user."""


@dataclass(frozen=True)
class StageStats:
    """One step of the SOP over the period."""

    key: str
    role: str
    standard: int | None          # mutu baku, office minutes (None: the SOP sets none)
    cases: int                    # distinct cases whose stay here began in the period
    stays: int                    # finished stays measured
    median: float | None          # office minutes
    p90: float | None
    within: int                   # finished stays within the mutu baku
    overdue_now: int              # open stays beyond the mutu baku at ``now``
    delegated: int = 0            # finished stays acted on by a Plh./Plt. (not the official)

    @property
    def within_share(self) -> float | None:
        """Share (0..1) of finished stays within the mutu baku; None without a standard."""
        if self.standard is None or not self.stays:
            return None
        return self.within / self.stays


@dataclass(frozen=True)
class MonthStats:
    year: int
    month: int
    issued: int
    returns: dict[str, int] = field(default_factory=dict)   # stage key -> returns made
    cancelled: int = 0                                      # cases cancelled (batal)

    @property
    def label(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def short_label(self) -> str:
        return f"{MONTHS_SHORT[self.month - 1]} {self.year % 100:02d}"


@dataclass(frozen=True)
class Report:
    since: dt.date
    until: dt.date
    now: dt.datetime
    stages: list[StageStats]
    months: list[MonthStats]
    lead_time_median: float | None      # office minutes from intake to issue, cases issued
    calendar: WorkingCalendar
    delegations: tuple = ()             # Plh./Plt. in force at some time of the period

    @property
    def issued(self) -> int:
        return sum(m.issued for m in self.months)

    @property
    def returns(self) -> int:
        return sum(sum(m.returns.values()) for m in self.months)

    @property
    def cancelled(self) -> int:
        return sum(m.cancelled for m in self.months)

    @property
    def overdue_now(self) -> int:
        return sum(s.overdue_now for s in self.stages)

    @property
    def within_share(self) -> float | None:
        """Share of all finished stays with a standard that kept it."""
        measured = [s for s in self.stages if s.standard is not None]
        stays = sum(s.stays for s in measured)
        return sum(s.within for s in measured) / stays if stays else None


# --- the numbers --------------------------------------------------------------------


def steps(workflow: Workflow) -> list[Stage | AutomaticStep]:
    """The SOP's measured steps in order: every stage, the finalisation, the receipt."""
    return [*workflow.stages, workflow.finalization, workflow.receipt]


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``q`` of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def stage_stats(
    store: Store, workflow: Workflow, calendar: WorkingCalendar, since: dt.date,
    until: dt.date, now: dt.datetime, delegations: tuple = (),
) -> list[StageStats]:
    """Per step: cases, median and p90 office minutes, share within mutu baku, overdue now,
    and how many stays a Plh./Plt. ended (``delegations``: those of the period)."""
    from pipeline.core.delegation import holder
    from pipeline.core.workflow import Stage

    lo, hi = _bounds(calendar, since, until)
    by_step: dict[str, list[TimedVisit]] = defaultdict(list)
    for visit in store.visits.arrived_between_or_open(lo, hi):
        by_step[visit.stage_key].append(visit)
    out = []
    for step in steps(workflow):
        standard = step.mutu_baku_minutes
        cases: set[str] = set()
        durations: list[float] = []
        overdue = 0
        delegated = 0
        for visit in by_step.get(step.key, []):
            arrived = visit.arrived_at
            if lo <= arrived < hi:
                cases.add(visit.case_id)
                if visit.left_at is not None:
                    durations.append(calendar.working_minutes(arrived, visit.left_at))
                    if isinstance(step, Stage) and holder(step, visit.left_at, visit.case_id,
                                                          delegations) is not None:
                        delegated += 1
            if (visit.left_at is None and visit.status in _WAITING and standard is not None
                    and calendar.working_minutes(arrived, now) > standard):
                overdue += 1
        within = sum(1 for d in durations if standard is not None and d <= standard)
        out.append(StageStats(
            key=step.key, role=step.role, standard=standard, cases=len(cases),
            stays=len(durations),
            median=statistics.median(durations) if durations else None,
            p90=percentile(durations, 0.9), within=within, overdue_now=overdue,
            delegated=delegated,
        ))
    return out


def monthly(
    store: Store, workflow: Workflow, tz: dt.tzinfo, since: dt.date, until: dt.date
) -> list[MonthStats]:
    """Per calendar month of the period: SPTs issued, and returns made by each stage."""
    lo = dt.datetime.combine(since, dt.time(), tzinfo=tz)
    hi = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    issued: dict[tuple[int, int], int] = defaultdict(int)
    cancelled: dict[tuple[int, int], int] = defaultdict(int)
    returns: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for left in store.visits.departures(lo, hi, ("issued", "returned", "cancelled")):
        local = left.left_at.astimezone(tz)
        month = (local.year, local.month)
        if left.outcome == "issued" and left.stage_key == workflow.finalization.key:
            issued[month] += 1
        elif left.outcome == "returned":
            returns[month][left.stage_key] += 1
        elif left.outcome == "cancelled":
            cancelled[month] += 1
    out = []
    for year, month in _months(since, until):
        out.append(MonthStats(year, month, issued.get((year, month), 0),
                              dict(returns.get((year, month), {})),
                              cancelled.get((year, month), 0)))
    return out


def lead_times(
    store: Store, workflow: Workflow, calendar: WorkingCalendar, since: dt.date, until: dt.date
) -> list[float]:
    """Office minutes from a case's first arrival to its issue, for cases issued in the period."""
    lo, hi = _bounds(calendar, since, until)
    return [calendar.working_minutes(opened, issued)
            for opened, issued in store.visits.issue_spans(workflow.finalization.key, lo, hi)]


def build_report(
    store: Store, workflow: Workflow, calendar: WorkingCalendar, since: dt.date,
    until: dt.date, now: dt.datetime,
) -> Report:
    leads = lead_times(store, workflow, calendar, since, until)
    delegations = tuple(store.delegations.touching(*_bounds(calendar, since, until)))
    return Report(
        since=since, until=until, now=now, delegations=delegations,
        stages=stage_stats(store, workflow, calendar, since, until, now, delegations),
        months=monthly(store, workflow, calendar.tz, since, until),
        lead_time_median=statistics.median(leads) if leads else None,
        calendar=calendar,
    )


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve calendar months, this one included."""
    month_index = today.year * 12 + today.month - 1 - 11
    return dt.date(month_index // 12, month_index % 12 + 1, 1), today


def report_for_config(
    config: Config, since: dt.date | None = None, until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """The report of a workspace (its store, workflow and working calendar)."""
    from pipeline.folders.layout import Workspace
    from pipeline.store import Store

    now = now or dt.datetime.now(dt.UTC)
    default_since, default_until = default_period(now.astimezone(config.tz).date())
    since, until = since or default_since, until or default_until
    if until < since:
        raise ReportError(f"--until ({until}) lebih awal dari --since ({since})")
    calendar = WorkingCalendar.from_config(config)
    database = Workspace(config).database
    if not database.exists():
        # A new workspace: no case yet. The report is empty, as `spt status` and
        # `spt agenda` are, built over an empty store outside the workspace (a report
        # never creates the service's database).
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory(prefix="spt-report-") as tmp:
            store = Store(Path(tmp) / "kosong.sqlite3")
            try:
                return build_report(store, config.workflow(), calendar, since, until, now)
            finally:
                store.close()
    store = Store(database, create=False)
    try:
        return build_report(store, config.workflow(), calendar, since, until, now)
    finally:
        store.close()


# --- showing it -----------------------------------------------------------------------


def format_minutes(minutes: float | None, day_minutes: float = 480) -> str:
    """Office minutes in words: ``"12 mnt"``, ``"1 j 05 mnt"``, ``"2 hari 1 j"`` (office days)."""
    if minutes is None:
        return "-"
    if minutes < 60:
        text = f"{minutes:.1f}".rstrip("0").rstrip(".")
        return f"{text.replace('.', ',')} mnt"
    whole = round(minutes)
    if whole < day_minutes:
        return f"{whole // 60} j {whole % 60:02d} mnt"
    days, rest = divmod(whole, int(day_minutes))
    return f"{days} hari {rest // 60} j" if rest >= 60 else f"{days} hari {rest} mnt"


def format_share(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def format_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def step_label(step: StageStats, workflow: Workflow) -> str:
    """A step's name as a head of office knows it."""
    if step.key == workflow.finalization.key:
        return f"{step.role} (penomoran, cap, agenda)"
    if step.key == workflow.receipt.key:
        return f"{step.role} (tanda terima)"
    return step.role


def print_report(config: Config, since: dt.date | None = None, until: dt.date | None = None,
                 *, now: dt.datetime | None = None, console: Any = None) -> Report:
    """The report as tables in the terminal (returns the numbers too)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    report = report_for_config(config, since, until, now)
    workflow = config.workflow()
    console = console or Console()
    day = report.calendar.minutes_per_day
    console.print(
        f"[bold]Kepatuhan mutu baku SOP Penerbitan SPT[/] — {config.agency.name}\n"
        f"Periode {format_date(report.since)} s.d. {format_date(report.until)}; "
        "waktu dihitung dalam jam kerja."
    )
    table = Table(title="Per tahap (jam kerja)", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Tahap")
    for col in ("Mutu\nbaku", "Kasus", "Median", "P90", "Dalam\nmutu baku", "Terlambat\nkini",
                "Oleh\nPlh./Plt."):
        table.add_column(col, justify="right", no_wrap=True)
    for s in report.stages:
        share = s.within_share
        style = "red" if (share is not None and share < 0.8) or s.overdue_now else None
        table.add_row(
            step_label(s, workflow), f"{s.standard} mnt" if s.standard else "-", str(s.cases),
            format_minutes(s.median, day), format_minutes(s.p90, day),
            format_share(share), str(s.overdue_now), str(s.delegated) if s.delegated else "-",
            style=style,
        )
    console.print(table)
    for d in report.delegations:
        scope = f", hanya kasus {d.case_id}" if d.case_id else ""
        console.print(
            f"Pelimpahan #{d.id}: {d.deputy.name} sebagai {d.kind.prefix} "
            f"{_role(workflow, d.stage_key)}{scope}, "
            f"{format_date(d.start.astimezone(config.tz).date())} s.d. "
            f"{format_date((d.until - dt.timedelta(seconds=1)).astimezone(config.tz).date())}",
            highlight=False)

    keys = [s.key for s in report.stages if any(m.returns.get(s.key) for m in report.months)]
    months = Table(title="Per bulan: SPT terbit, dan draf dikembalikan oleh tiap tahap",
                   box=box.SIMPLE_HEAD, pad_edge=False)
    months.add_column("Bulan", no_wrap=True)
    months.add_column("Terbit", justify="right")
    months.add_column("Batal", justify="right")
    for key in keys:
        months.add_column(key, justify="right", no_wrap=True)
    for m in report.months:
        months.add_row(f"{MONTHS_SHORT[m.month - 1]} {m.year}", str(m.issued),
                       str(m.cancelled), *(str(m.returns.get(k, 0)) for k in keys))
    console.print(months)
    if keys:
        console.print("Tahap: " + "; ".join(f"{k} = {_role(workflow, k)}" for k in keys))
    console.print(
        f"SPT terbit: {report.issued}; dibatalkan: {report.cancelled}; "
        f"dikembalikan: {report.returns}; "
        f"dalam mutu baku: {format_share(report.within_share)}; "
        f"terlambat saat ini: {report.overdue_now}; median masuk s.d. terbit: "
        f"{format_minutes(report.lead_time_median, day)} jam kerja."
    )
    return report


# --- helpers ------------------------------------------------------------------------


def _role(workflow: Workflow, key: str) -> str:
    for step in steps(workflow):
        if step.key == key:
            return step.role
    return key


def _bounds(calendar: WorkingCalendar, since: dt.date, until: dt.date
            ) -> tuple[dt.datetime, dt.datetime]:
    lo = dt.datetime.combine(since, dt.time(), tzinfo=calendar.tz).astimezone(dt.UTC)
    hi = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(),
                             tzinfo=calendar.tz).astimezone(dt.UTC)
    return lo, hi


def _months(since: dt.date, until: dt.date) -> list[tuple[int, int]]:
    out = []
    year, month = since.year, since.month
    while (year, month) <= (until.year, until.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
