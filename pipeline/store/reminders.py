"""Reminders sent (``reminders``): so that none is sent twice within its interval."""

from __future__ import annotations

import datetime as dt

from pipeline.store.db import Repository, iso, parse_iso

# (case id, step key, reminder kind)
ReminderKey = tuple[str, str, str]


class ReminderLog(Repository):
    """The ``reminders`` table: one row per reminder mailed."""

    def record(self, case_id: str, stage_key: str, kind: str, at: dt.datetime) -> None:
        """Remember one reminder; runs inside the caller's transaction."""
        self.store.execute(
            "INSERT OR IGNORE INTO reminders (case_id, stage_key, kind, sent_at)"
            " VALUES (?,?,?,?)",
            (case_id, stage_key, kind, iso(at)),
        )

    def last_sent(self) -> dict[ReminderKey, dt.datetime]:
        """The latest reminder of every (case, step, kind)."""
        rows = self.store.execute(
            "SELECT case_id, stage_key, kind, MAX(sent_at) AS last FROM reminders"
            " GROUP BY case_id, stage_key, kind"
        ).fetchall()
        return {(r["case_id"], r["stage_key"], r["kind"]): parse_iso(r["last"]) for r in rows}

    def count(self, key: ReminderKey) -> int:
        """How many reminders of this (case, step, kind) went out before."""
        return self.store.execute(
            "SELECT COUNT(*) FROM reminders WHERE case_id = ? AND stage_key = ? AND kind = ?",
            key).fetchone()[0]


__all__ = ["ReminderKey", "ReminderLog"]
