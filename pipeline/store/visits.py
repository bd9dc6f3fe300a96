"""Stage visits read across cases: the timings the reminders and the SOP report are built on.

:class:`~pipeline.store.cases.CaseRepo` writes a case's visits; these
queries read many cases' visits at once, each returning plain rows of
what a caller needs, so the reports and reminders hold no SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.core.machine import Status
from pipeline.store.db import Repository, iso, parse_iso


@dataclass(frozen=True)
class OpenVisit:
    """A case waiting at a step: the latest, still open visit of a waiting case."""

    case_id: str
    stage_key: str
    arrived_at: dt.datetime
    pemohon: str | None
    drafted: bool


@dataclass(frozen=True)
class TimedVisit:
    """A visit with its case's status, for per-step timing."""

    case_id: str
    stage_key: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    status: Status


@dataclass(frozen=True)
class Departure:
    """A visit that ended with ``outcome`` at ``left_at``."""

    stage_key: str
    left_at: dt.datetime
    outcome: str


class VisitLog(Repository):
    """Queries over ``stage_visits`` (joined with ``cases`` where a status matters)."""

    def open_visits(self, statuses: tuple[Status, ...]) -> list[OpenVisit]:
        """The open, latest visit of every case in one of ``statuses``, by case id."""
        marks = ",".join("?" * len(statuses))
        rows = self.store.execute(
            "SELECT v.case_id, v.stage_key, v.arrived_at, c.pemohon, c.pdf_sha256"
            " FROM stage_visits v JOIN cases c ON c.id = v.case_id"
            f" WHERE v.left_at IS NULL AND c.status IN ({marks})"
            " AND v.id = (SELECT MAX(id) FROM stage_visits w WHERE w.case_id = v.case_id)"
            " ORDER BY v.case_id",
            tuple(statuses),
        ).fetchall()
        return [
            OpenVisit(r["case_id"], r["stage_key"], parse_iso(r["arrived_at"]), r["pemohon"],
                      bool(r["pdf_sha256"]))
            for r in rows
        ]

    def arrived_between_or_open(self, lo: dt.datetime, hi: dt.datetime) -> list[TimedVisit]:
        """Visits that began in ``[lo, hi)``, and every visit still open."""
        rows = self.store.execute(
            "SELECT v.case_id, v.stage_key, v.arrived_at, v.left_at, c.status"
            " FROM stage_visits v JOIN cases c ON c.id = v.case_id"
            " WHERE (v.arrived_at >= ? AND v.arrived_at < ?) OR v.left_at IS NULL",
            (iso(lo), iso(hi)),
        ).fetchall()
        return [
            TimedVisit(r["case_id"], r["stage_key"], parse_iso(r["arrived_at"]),
                       parse_iso(r["left_at"]) if r["left_at"] else None, Status(r["status"]))
            for r in rows
        ]

    def departures(self, lo: dt.datetime, hi: dt.datetime,
                   outcomes: tuple[str, ...]) -> list[Departure]:
        """Visits that ended in ``[lo, hi)`` with one of ``outcomes``."""
        marks = ",".join("?" * len(outcomes))
        rows = self.store.execute(
            "SELECT stage_key, left_at, outcome FROM stage_visits"
            f" WHERE left_at >= ? AND left_at < ? AND outcome IN ({marks})",
            (iso(lo), iso(hi), *outcomes),
        ).fetchall()
        return [Departure(r["stage_key"], parse_iso(r["left_at"]), r["outcome"]) for r in rows]

    def issue_spans(self, issue_step: str, lo: dt.datetime,
                    hi: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """(first arrival, issue) of every case issued at ``issue_step`` in ``[lo, hi)``."""
        rows = self.store.execute(
            "SELECT v.left_at AS issued_at,"
            " (SELECT MIN(w.arrived_at) FROM stage_visits w WHERE w.case_id = v.case_id)"
            " AS opened"
            " FROM stage_visits v WHERE v.stage_key = ? AND v.outcome = 'issued'"
            " AND v.left_at >= ? AND v.left_at < ?",
            (issue_step, iso(lo), iso(hi)),
        ).fetchall()
        return [(parse_iso(r["opened"]), parse_iso(r["issued_at"])) for r in rows]


__all__ = ["Departure", "OpenVisit", "TimedVisit", "VisitLog"]
