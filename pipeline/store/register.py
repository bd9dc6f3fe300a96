"""The number register (*nomor surat keluar*): no gap, no repeat, one number per case.

A number is given inside the caller's transaction (``BEGIN IMMEDIATE``, so
two finishing cases cannot read the same last sequence), guarded by UNIQUE
constraints on the number, on (year, seq) and on the case. Asking again for a
case that already has a number returns that number: a retry after a crash
between giving the number and writing the PDF reuses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.core.numbering import NumberParts, format_number
from pipeline.store.db import Repository, iso


@dataclass(frozen=True)
class AssignedNumber:
    number: str
    year: int
    seq: int
    case_id: str
    letter_date: dt.date
    assigned_at: str
    reused: bool = False


class NumberRegister(Repository):
    def for_case(self, case_id: str) -> AssignedNumber | None:
        row = self.store.execute(
            "SELECT * FROM number_register WHERE case_id = ?", (case_id,)
        ).fetchone()
        return _assigned(row, reused=True) if row else None

    def by_number(self, number: str) -> AssignedNumber | None:
        row = self.store.execute(
            "SELECT * FROM number_register WHERE number = ?", (number,)
        ).fetchone()
        return _assigned(row) if row else None

    def assign(
        self, case_id: str, *, now: dt.datetime, tz: dt.tzinfo, fmt: str,
        klasifikasi: str, unit: str,
    ) -> AssignedNumber:
        """The case's number: the one already given, or the next of ``now``'s year."""
        conn = self.store.conn
        if not conn.in_transaction:
            raise RuntimeError("numbers are given inside a write transaction")
        existing = self.for_case(case_id)
        if existing:
            return existing
        local = now.astimezone(tz)
        year = local.year
        last = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM number_register WHERE year = ?", (year,)
        ).fetchone()[0]
        seq = last + 1
        number = format_number(fmt, NumberParts(klasifikasi, seq, unit, year, local.month))
        conn.execute(
            "INSERT INTO number_register (year, seq, number, case_id, assigned_at, letter_date)"
            " VALUES (?,?,?,?,?,?)",
            (year, seq, number, case_id, iso(now), local.date().isoformat()),
        )
        return AssignedNumber(number, year, seq, case_id, local.date(), iso(now))

    def year(self, year: int) -> list[AssignedNumber]:
        sql = "SELECT * FROM number_register WHERE year = ? ORDER BY seq"
        return [_assigned(r) for r in self.store.execute(sql, (year,))]

    def all(self) -> list[AssignedNumber]:
        rows = self.store.execute("SELECT * FROM number_register ORDER BY year, seq").fetchall()
        return [_assigned(r) for r in rows]


def _assigned(row, *, reused: bool = False) -> AssignedNumber:
    return AssignedNumber(
        row["number"], row["year"], row["seq"], row["case_id"],
        dt.date.fromisoformat(row["letter_date"]), row["assigned_at"], reused,
    )
