"""Cases: their machine state (see :mod:`pipeline.core.machine`) and what we know of them."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from pipeline.core.machine import CaseState, Status
from pipeline.store.db import Repository, iso, parse_iso


@dataclass(frozen=True)
class CaseRecord:
    id: str
    state: CaseState
    source_sha256: str
    source_name: str
    pemohon: str | None
    fields: dict[str, Any]
    assignees: list[dict[str, Any]]
    verify_token: str
    opened_at: dt.datetime
    stage_since: dt.datetime
    updated_at: dt.datetime
    issued_sha256: str | None = None
    source_ext: str = "pdf"
    source_done: bool = False

    @property
    def drafted(self) -> bool:
        return bool(self.state.pdf_sha256)


def case_id(year: int, seq: int) -> str:
    return f"SPT-{year}-{seq:04d}"


class CaseRepo(Repository):
    def open(
        self, *, now: dt.datetime, tz: dt.tzinfo, source_sha256: str, source_name: str,
        source_ext: str, pemohon: str | None, assignees: list[dict[str, Any]],
    ) -> CaseRecord:
        """A new case with the next readable id of ``now``'s year (inside a transaction).

        It has no draft yet (empty hashes): drafting is an effect that runs after
        the case is safely recorded, and is retried until it succeeds.
        """
        conn = self.store.conn
        if not conn.in_transaction:
            raise RuntimeError("cases are opened inside a write transaction")
        year = now.astimezone(tz).year
        seq = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM cases WHERE year = ?", (year,)
        ).fetchone()[0]
        record = CaseRecord(
            id=case_id(year, seq),
            state=CaseState.opened("", ""),
            source_sha256=source_sha256, source_name=source_name, pemohon=pemohon,
            fields={}, assignees=assignees, verify_token=secrets.token_urlsafe(24),
            opened_at=now, stage_since=now, updated_at=now, source_ext=source_ext,
        )
        conn.execute(
            "INSERT INTO cases (id, year, seq, status, stage, version, docx_sha256, pdf_sha256,"
            " marked, source_sha256, source_name, source_ext, pemohon, fields, assignees,"
            " verify_token, opened_at, stage_since, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.id, year, seq, record.state.status.value, 0, 1, "", "", "[]",
             source_sha256, source_name, source_ext, pemohon, "{}",
             json.dumps(assignees, ensure_ascii=False), record.verify_token,
             iso(now), iso(now), iso(now)),
        )
        return record

    def mark_source_done(self, case: str) -> None:
        self.store.execute("UPDATE cases SET source_done = 1 WHERE id = ?", (case,))

    def add_version(self, case: str, version: int, docx: str, pdf: str, now: dt.datetime) -> None:
        self.store.execute(
            "INSERT OR IGNORE INTO versions (case_id, version, docx_sha256, pdf_sha256, created_at)"
            " VALUES (?,?,?,?,?)", (case, version, docx, pdf, iso(now)),
        )

    def save_state(
        self, case: str, state: CaseState, *, now: dt.datetime, stage_changed: bool,
        assignees: list[dict[str, Any]] | None = None,
    ) -> None:
        sets = ["status = ?", "stage = ?", "version = ?", "docx_sha256 = ?", "pdf_sha256 = ?",
                "marked = ?", "updated_at = ?"]
        params: list[Any] = [state.status.value, state.stage, state.version, state.docx_sha256,
                             state.pdf_sha256, json.dumps(sorted(state.marked)), iso(now)]
        if stage_changed:
            sets.append("stage_since = ?")
            params.append(iso(now))
        if assignees is not None:
            sets.append("assignees = ?")
            params.append(json.dumps(assignees, ensure_ascii=False))
        if state.status is Status.ISSUED:
            sets.append("issued_sha256 = ?")
            params.append(state.pdf_sha256)
        params.append(case)
        self.store.execute(f"UPDATE cases SET {', '.join(sets)} WHERE id = ?", tuple(params))

    def update_fields(self, case: str, fields: dict[str, Any]) -> None:
        self.store.execute(
            "UPDATE cases SET fields = ? WHERE id = ?",
            (json.dumps(fields, ensure_ascii=False), case),
        )

    def get(self, case: str) -> CaseRecord | None:
        return self._one("id", case)

    def by_source(self, source_sha256: str) -> CaseRecord | None:
        return self._one("source_sha256", source_sha256)

    def by_token(self, token: str) -> CaseRecord | None:
        return self._one("verify_token", token)

    def _one(self, column: str, value: str) -> CaseRecord | None:
        """The case whose ``column`` (a name written in this module, never input) is ``value``."""
        row = self.store.execute(f"SELECT * FROM cases WHERE {column} = ?", (value,)).fetchone()
        return _record(row) if row else None

    def by_published_file(self, sha256: str) -> CaseRecord | None:
        """The active case whose current PDF or DOCX has this hash."""
        row = self.store.execute(
            "SELECT * FROM cases WHERE (pdf_sha256 = ? OR docx_sha256 = ?) AND status = ?",
            (sha256, sha256, Status.IN_CHAIN.value),
        ).fetchone()
        return _record(row) if row else None

    def active(self) -> list[CaseRecord]:
        rows = self.store.execute(
            "SELECT * FROM cases WHERE status IN (?, ?) ORDER BY year, seq",
            (Status.IN_CHAIN.value, Status.FINALIZING.value),
        ).fetchall()
        return [_record(r) for r in rows]

    def with_status(self, *statuses: Status) -> list[CaseRecord]:
        marks = ",".join("?" * len(statuses))
        rows = self.store.execute(
            f"SELECT * FROM cases WHERE status IN ({marks}) ORDER BY year, seq",
            tuple(s.value for s in statuses),
        ).fetchall()
        return [_record(r) for r in rows]

    def all(self, *, limit: int | None = None, newest_first: bool = False) -> list[CaseRecord]:
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT * FROM cases ORDER BY year {order}, seq {order}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_record(r) for r in self.store.execute(sql)]

    def has_issued_for(self, pemohon: str) -> bool:
        """Whether a letter issued to ``pemohon`` (an address, any case) awaits its receipt."""
        row = self.store.execute(
            "SELECT 1 FROM cases WHERE lower(pemohon) = ? AND status = ? LIMIT 1",
            (pemohon.lower(), Status.ISSUED)).fetchone()
        return row is not None

    def status_counts(self) -> dict[str, int]:
        """How many cases are in each status (statuses with none are absent)."""
        rows = self.store.execute("SELECT status, COUNT(*) FROM cases GROUP BY status")
        return {status: count for status, count in rows.fetchall()}

    def count(self) -> int:
        return self.store.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    # --- stage visits (mutu baku) ---------------------------------------------

    def arrive(
        self, case: str, stage_key: str, version: int, now: dt.datetime, *,
        came_back: bool = False, note: str | None = None,
    ) -> int:
        cur = self.store.execute(
            "INSERT INTO stage_visits (case_id, stage_key, version, arrived_at, came_back, note)"
            " VALUES (?,?,?,?,?,?)",
            (case, stage_key, version, iso(now), int(came_back), note),
        )
        return int(cur.lastrowid)

    def open_visit(self, case: str) -> StageVisit | None:
        row = self.store.execute(
            "SELECT * FROM stage_visits WHERE case_id = ? AND left_at IS NULL"
            " ORDER BY id DESC LIMIT 1", (case,),
        ).fetchone()
        return _visit(row) if row else None

    def visits(self, case: str) -> list[StageVisit]:
        rows = self.store.execute(
            "SELECT * FROM stage_visits WHERE case_id = ? ORDER BY id", (case,)
        ).fetchall()
        return [_visit(r) for r in rows]

    def note_open_visit(self, case: str, note: str | None) -> None:
        """Say why the case waits at its current step (``spt status`` shows it)."""
        self.store.execute(
            "UPDATE stage_visits SET note = ? WHERE case_id = ? AND left_at IS NULL",
            (note, case),
        )

    def leave(self, case: str, outcome: str, now: dt.datetime) -> None:
        self.store.execute(
            "UPDATE stage_visits SET left_at = ?, outcome = ?"
            " WHERE case_id = ? AND left_at IS NULL",
            (iso(now), outcome, case),
        )


@dataclass(frozen=True)
class StageVisit:
    id: int
    case_id: str
    stage_key: str
    version: int
    arrived_at: dt.datetime
    came_back: bool
    note: str | None
    left_at: dt.datetime | None
    outcome: str | None


def _visit(row) -> StageVisit:
    return StageVisit(
        row["id"], row["case_id"], row["stage_key"], row["version"],
        parse_iso(row["arrived_at"]), bool(row["came_back"]), row["note"],
        parse_iso(row["left_at"]) if row["left_at"] else None, row["outcome"],
    )


def _record(row) -> CaseRecord:
    state = CaseState(
        status=Status(row["status"]), stage=row["stage"], version=row["version"],
        docx_sha256=row["docx_sha256"], pdf_sha256=row["pdf_sha256"],
        marked=frozenset(json.loads(row["marked"])),
    )
    return CaseRecord(
        id=row["id"], state=state, source_sha256=row["source_sha256"],
        source_name=row["source_name"], pemohon=row["pemohon"],
        fields=json.loads(row["fields"]), assignees=json.loads(row["assignees"]),
        verify_token=row["verify_token"], opened_at=parse_iso(row["opened_at"]),
        stage_since=parse_iso(row["stage_since"]), updated_at=parse_iso(row["updated_at"]),
        issued_sha256=row["issued_sha256"], source_ext=row["source_ext"],
        source_done=bool(row["source_done"]),
    )
