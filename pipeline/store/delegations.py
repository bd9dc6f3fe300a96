"""Delegations (``delegations``): the records behind Plh./Plt. (pipeline.core.delegation)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipeline.core.delegation import Delegation, DelegationKind
from pipeline.core.workflow import Person
from pipeline.store.db import Repository, iso, parse_iso

if TYPE_CHECKING:
    import sqlite3


class DelegationBook(Repository):
    """The ``delegations`` table; nothing is ever deleted (ending one sets ``ended_at``)."""

    def add(self, d: Delegation, *, by: str, at: dt.datetime) -> int:
        """Record ``d``; its id. Runs inside the caller's transaction (with the checks)."""
        cur = self.store.execute(
            "INSERT INTO delegations (stage_key, kind, deputy_name, deputy_nip, deputy_jabatan,"
            " deputy_pangkat, deputy_email, starts_at, ends_at, case_id, created_at, created_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (d.stage_key, d.kind.value, d.deputy.name, d.deputy.nip, d.deputy.jabatan,
             d.deputy.pangkat, d.deputy.email, iso(d.start), iso(d.end), d.case_id, iso(at),
             by))
        return int(cur.lastrowid)

    def end(self, delegation_id: int, *, at: dt.datetime, reason: str) -> bool:
        """End one early at ``at``; False if unknown or already over by then."""
        cur = self.store.execute(
            "UPDATE delegations SET ended_at = ?, end_reason = ? WHERE id = ? AND"
            " ended_at IS NULL AND ends_at > ?",
            (iso(at), reason, delegation_id, iso(at)))
        return cur.rowcount == 1

    def get(self, delegation_id: int) -> Delegation | None:
        row = self.store.execute("SELECT * FROM delegations WHERE id = ?",
                                 (delegation_id,)).fetchone()
        return _row(row) if row else None

    def all(self) -> list[Delegation]:
        """Every delegation ever set, oldest first."""
        rows = self.store.execute("SELECT * FROM delegations ORDER BY starts_at, id").fetchall()
        return [_row(r) for r in rows]

    def current(self, at: dt.datetime) -> list[Delegation]:
        """Those not over at ``at`` (in force now, or still to come)."""
        rows = self.store.execute(
            "SELECT * FROM delegations WHERE ends_at > ? AND (ended_at IS NULL OR ended_at > ?)"
            " ORDER BY starts_at, id", (iso(at), iso(at))).fetchall()
        return [_row(r) for r in rows]

    def touching(self, start: dt.datetime, end: dt.datetime) -> list[Delegation]:
        """Those in force at some moment of ``[start, end)`` (for reports over a period)."""
        rows = self.store.execute(
            "SELECT * FROM delegations WHERE starts_at < ? AND ends_at > ?"
            " ORDER BY starts_at, id", (iso(end), iso(start))).fetchall()
        return [d for d in (_row(r) for r in rows) if d.until > start]


def _row(r: sqlite3.Row) -> Delegation:
    return Delegation(
        id=r["id"], stage_key=r["stage_key"], kind=DelegationKind(r["kind"]),
        deputy=Person(name=r["deputy_name"], nip=r["deputy_nip"], jabatan=r["deputy_jabatan"],
                      email=r["deputy_email"], pangkat=r["deputy_pangkat"]),
        start=parse_iso(r["starts_at"]), end=parse_iso(r["ends_at"]), case_id=r["case_id"],
        ended_at=parse_iso(r["ended_at"]) if r["ended_at"] else None,
        reason=r["end_reason"] or "")


__all__ = ["DelegationBook"]
