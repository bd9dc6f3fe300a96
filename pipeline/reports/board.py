"""The status board: one HTML page in the shared folder that shows the whole picture.

The drafter (and anyone who may open the share) sees which cases are open, where
each one is and since when, which are late (in red, against the mutu baku in
working time, the same deadline the reminders use), which came back and why, and
the last letters issued, without the command line. The page is plain HTML with
inline styles: no script, no outside resource, readable on a phone; it asks the
browser to reload itself every minute (a ``<meta http-equiv="refresh">``, not a
script).

:class:`StatusBoard` renders the page from the store and writes it atomically
(``pipeline.folders.atomic.write_atomic``: a reader never sees half a page), and
only when what it shows changed: the "keadaan per" time is left out of that
comparison, so a quiet service does not rewrite the file on every round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.config import Config
from pipeline.core.machine import Status
from pipeline.core.workflow import Workflow
from pipeline.folders.atomic import write_atomic
from pipeline.mail.compose import format_judul, format_tanggal, format_waktu
from pipeline.ops.worktime import WorkingCalendar
from pipeline.store import Store
from pipeline.store.cases import CaseRecord
from pipeline.store.recent import latest_issued, latest_returns

log = logging.getLogger(__name__)

OPEN = (Status.IN_CHAIN, Status.FINALIZING, Status.ISSUED)
RETURNS_SHOWN = 10
# Marks where the time of the page sits; what surrounds it is what is compared.
_STAMP = "\x00stamp\x00"


@dataclass(frozen=True)
class OpenCase:
    """One open case as the board shows it."""

    case_id: str
    hal: str
    tahap: str                     # the role (and official) the case waits on
    sejak: dt.datetime
    batas: dt.datetime | None      # end of the mutu baku in working time; None: no standard
    terlambat: bool
    versi: int
    dikembalikan_oleh: str | None  # set when the case came back to this stage
    alasan: str | None


@dataclass(frozen=True)
class IssuedLetter:
    nomor: str
    tanggal: dt.date
    hal: str
    case_id: str
    diterima: bool
    dicabut: bool


@dataclass(frozen=True)
class ReturnedLately:
    """One return of the last days: who returned which case to whom, and why."""

    case_id: str
    at: dt.datetime
    oleh: str                      # the returning stage's role (and official)
    kepada: str                    # the stage it went back to
    alasan: str


@dataclass(frozen=True)
class BoardData:
    cases: tuple[OpenCase, ...]
    hidden: int                    # open cases beyond ``board.open_shown``
    issued: tuple[IssuedLetter, ...]
    returns: tuple[ReturnedLately, ...] = ()

    @property
    def late(self) -> int:
        return sum(1 for c in self.cases if c.terlambat)

    @property
    def returned(self) -> int:
        return sum(1 for c in self.cases if c.dikembalikan_oleh)


def collect(config: Config, workflow: Workflow, store: Store, calendar: WorkingCalendar,
            now: dt.datetime) -> BoardData:
    """What the board shows at ``now``: oldest waiting first, late ones on top."""
    cases = store.cases.with_status(*OPEN)
    rows = [_open_case(workflow, store, calendar, now, c) for c in cases]
    rows.sort(key=lambda r: (not r.terlambat, r.sejak))
    shown = rows[: config.board.open_shown]
    issued = tuple(
        IssuedLetter(e.number, e.letter_date, e.hal, e.case_id, e.received_at is not None,
                     e.revoked_at is not None)
        for e in latest_issued(store, config.board.issued_shown)
    ) if config.board.issued_shown else ()
    returns = tuple(_returned(workflow, e) for e in latest_returns(store, RETURNS_SHOWN))
    return BoardData(tuple(shown), len(rows) - len(shown), issued, returns)


def _returned(workflow: Workflow, entry) -> ReturnedLately:
    def who(key: str | None) -> str:
        try:
            stage = workflow.stage(key or "")
        except KeyError:
            return key or "-"
        return f"{stage.role} ({stage.person.name})"

    return ReturnedLately(
        case_id=entry.case_id or "-", at=dt.datetime.fromisoformat(entry.at),
        oleh=who(entry.stage), kepada=who(entry.detail.get("to")),
        alasan=str(entry.detail.get("reason") or "tanpa alasan"))


def _open_case(workflow: Workflow, store: Store, calendar: WorkingCalendar,
               now: dt.datetime, case: CaseRecord) -> OpenCase:
    state = case.state
    standard: int | None = None
    if state.status is Status.IN_CHAIN:
        stage = workflow.stages[state.stage]
        if case.drafted:
            tahap = f"{stage.role} ({stage.person.name})"
            standard = stage.mutu_baku_minutes
        else:
            tahap = "Sistem sedang menyiapkan draf"
    elif state.status is Status.FINALIZING:
        tahap = f"{workflow.finalization.role}: penomoran dan cap dinas (otomatis)"
        standard = workflow.finalization.mutu_baku_minutes
    else:
        tahap = "Pemohon: menunggu tanda terima"
    visit = store.cases.open_visit(case.id) if state.status is Status.IN_CHAIN else None
    since = case.stage_since
    batas = calendar.add_working_minutes(since, standard) if standard else None
    returned_by = None
    if visit is not None and visit.came_back:
        nxt = workflow.stages[min(state.stage + 1, workflow.last_index)]
        returned_by = f"{nxt.role} ({nxt.person.name})"
    return OpenCase(
        case_id=case.id, hal=str((case.fields or {}).get("hal") or case.source_name),
        tahap=tahap, sejak=since, batas=batas, terlambat=bool(batas and now > batas),
        versi=state.version, dikembalikan_oleh=returned_by,
        alasan=(visit.note or "tanpa alasan") if returned_by and visit else None,
    )


class StatusBoard:
    """Renders the board and keeps its file in the share up to date."""

    def __init__(self, config: Config, workflow: Workflow, store: Store,
                 calendar: WorkingCalendar, templates_dir: Path | None = None):
        self.config = config
        self.workflow = workflow
        self.store = store
        self.calendar = calendar
        self.path = (config.path(config.board.file) if config.board.file
                     else config.stages_dir / "status-spt.html")
        folder = templates_dir or default_board_templates(config)
        self.env = Environment(
            loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["waktu"] = lambda moment: format_waktu(moment, config)
        self.env.filters["tanggal"] = format_tanggal
        self.env.filters["judul"] = format_judul
        self._shown: str | None = None
        self._rendered_at: float | None = None     # time.monotonic() of the last render
        self._pending = False

    def render(self, now: dt.datetime) -> str:
        """The page at ``now``, with the stamp marker in place of the time."""
        data = collect(self.config, self.workflow, self.store, self.calendar, now)
        return self.env.get_template("status.html").render(
            agency=self.config.agency, data=data, stamp=_STAMP,
            share=self.config.mail.share_path)

    def refresh(self, now: dt.datetime) -> bool:
        """Rewrite the page if what it shows changed; True when it was written.

        Renders at most once every ``board.min_interval_seconds``: a burst of moves
        (a hundred cases at once) costs one render, not one per move; a refresh asked
        for sooner is remembered and :meth:`next_due` says when to run it.
        """
        if not self.config.board.enabled:
            return False
        clock = time.monotonic()
        wait = self.config.board.min_interval_seconds
        if self._rendered_at is not None and clock - self._rendered_at < wait:
            self._pending = True
            return False
        self._rendered_at, self._pending = clock, False
        page = self.render(now)
        digest = hashlib.sha256(page.encode("utf-8")).hexdigest()
        if digest == self._shown and self.path.exists():
            return False
        try:
            # Not recreating a vanished share: the next round tries again.
            write_atomic(self.path, page.replace(_STAMP, format_waktu(now, self.config)),
                         make_parents=False)
        except FileNotFoundError:
            log.warning("status board folder %s is missing; not written", self.path.parent)
            return False
        self._shown = digest
        return True


    def next_due(self) -> float | None:
        """Seconds until a remembered refresh may run, or None when none is waiting."""
        if not self._pending or self._rendered_at is None:
            return None
        wait = self.config.board.min_interval_seconds
        return max(0.0, self._rendered_at + wait - time.monotonic())


def default_board_templates(config: Config) -> Path:
    """The workspace's ``templates/board`` if present, else the repository's."""
    own = config.templates_dir / "board"
    if own.is_dir():
        return own
    from pipeline.resources import templates_source

    return templates_source() / "board"


__all__ = ["BoardData", "StatusBoard", "collect"]
