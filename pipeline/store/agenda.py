"""The buku agenda (register of outgoing letters), with the pemohon's receipt."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from pipeline.store.db import Repository, iso


@dataclass(frozen=True)
class AgendaEntry:
    number: str
    case_id: str
    letter_date: dt.date
    hal: str
    assignees: list[dict]
    pemohon: str | None
    file_sha256: str
    archive_path: str
    recorded_at: str
    received_at: str | None = None
    received_by: str | None = None
    revoked_at: str | None = None
    revoked_reason: str | None = None
    signed_by: str | None = None     # the signatory as they signed: "X (Y)" or "X sebagai Plh. Y"

    @property
    def assignee_names(self) -> str:
        return "; ".join(a.get("nama", "") for a in self.assignees)


class AgendaBook(Repository):
    def record(self, entry: AgendaEntry) -> AgendaEntry:
        """Record an issued letter; idempotent for the same case and number."""
        existing = self.for_case(entry.case_id)
        if existing:
            if existing.number != entry.number:
                raise ValueError(f"{entry.case_id} is already in the agenda as {existing.number}")
            return existing
        self.store.execute(
            "INSERT INTO agenda (number, case_id, letter_date, hal, assignees, pemohon,"
            " file_sha256, archive_path, recorded_at, signed_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (entry.number, entry.case_id, entry.letter_date.isoformat(), entry.hal,
             json.dumps(entry.assignees, ensure_ascii=False), entry.pemohon, entry.file_sha256,
             entry.archive_path, entry.recorded_at, entry.signed_by),
        )
        return entry

    def mark_received(self, case_id: str, *, by: str, at: dt.datetime) -> None:
        self.store.execute(
            "UPDATE agenda SET received_at = ?, received_by = ? WHERE case_id = ?"
            " AND received_at IS NULL",
            (iso(at), by, case_id),
        )

    def revoke(self, number: str, *, reason: str, at: dt.datetime) -> bool:
        cur = self.store.execute(
            "UPDATE agenda SET revoked_at = ?, revoked_reason = ? WHERE number = ?"
            " AND revoked_at IS NULL",
            (iso(at), reason, number),
        )
        return cur.rowcount == 1

    def for_case(self, case_id: str) -> AgendaEntry | None:
        return self._one("case_id", case_id)

    def by_number(self, number: str) -> AgendaEntry | None:
        return self._one("number", number)

    def by_sha256(self, sha: str) -> AgendaEntry | None:
        return self._one("file_sha256", sha)

    def _one(self, column: str, value: str) -> AgendaEntry | None:
        """The entry whose ``column`` (a name written in this module, never input) is ``value``."""
        row = self.store.execute(f"SELECT * FROM agenda WHERE {column} = ?", (value,)).fetchone()
        return _entry(row) if row else None

    def entries(
        self, *, since: dt.date | None = None, until: dt.date | None = None,
        limit: int | None = None,
    ) -> list[AgendaEntry]:
        sql = "SELECT * FROM agenda WHERE 1=1"
        params: list[object] = []
        if since:
            sql += " AND letter_date >= ?"
            params.append(since.isoformat())
        if until:
            sql += " AND letter_date <= ?"
            params.append(until.isoformat())
        sql += " ORDER BY letter_date, number"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(r) for r in self.store.execute(sql, tuple(params))]

    def latest(self, *, year: int | None = None, limit: int) -> tuple[list[AgendaEntry], int]:
        """The last ``limit`` entries (of ``year``) in book order, and how many there are.

        Only those rows are read (newest first through ``agenda_by_date``, then
        put back in order): the cost does not grow with the size of the book.
        """
        where, params = "", ()
        if year:
            where = " WHERE letter_date BETWEEN ? AND ?"
            params = (f"{year}-01-01", f"{year}-12-31")
        total = self.store.execute(f"SELECT COUNT(*) FROM agenda{where}", params).fetchone()[0]
        rows = self.store.execute(
            f"SELECT * FROM agenda{where} ORDER BY letter_date DESC, number DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [_entry(r) for r in reversed(rows)], total

    def change_mark(self) -> int | None:
        """A number that changes whenever an entry is added (``None``: the book is empty)."""
        return self.store.execute("SELECT MAX(rowid) FROM agenda").fetchone()[0]

    def tokens(self) -> list[tuple[str, str]]:
        """(verification token, case id) of every letter in the book."""
        rows = self.store.execute(
            "SELECT c.verify_token AS token, a.case_id AS case_id"
            " FROM agenda a JOIN cases c ON c.id = a.case_id"
        ).fetchall()
        return [(row["token"], row["case_id"]) for row in rows]


def _entry(row) -> AgendaEntry:
    return AgendaEntry(
        number=row["number"], case_id=row["case_id"],
        letter_date=dt.date.fromisoformat(row["letter_date"]), hal=row["hal"],
        assignees=json.loads(row["assignees"]), pemohon=row["pemohon"],
        file_sha256=row["file_sha256"], archive_path=row["archive_path"],
        recorded_at=row["recorded_at"], received_at=row["received_at"],
        received_by=row["received_by"], revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"],
        signed_by=row["signed_by"],
    )
