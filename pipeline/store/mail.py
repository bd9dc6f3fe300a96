"""Mail in the store: the outgoing queue (``mail``) and the incoming mail handled (``mail_seen``).

The adapters in :mod:`pipeline.mail` own the files, the SMTP and IMAP
sessions and the retry policy; these repositories own the SQL. A queued
mail's life is :class:`MailStatus`: ``queued`` → ``sending`` → ``sent`` /
``failed`` (``sending`` goes back to ``queued`` after a crash).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from pipeline.store.db import Repository, iso, parse_iso

if TYPE_CHECKING:
    import sqlite3


class MailStatus(StrEnum):
    """Where an outgoing mail stands; stored as its value."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class MailRecord:
    """One outgoing mail's delivery state."""

    message_id: str
    case_id: str | None
    kind: str
    recipients: list[str]
    file_name: str
    status: MailStatus
    attempts: int
    next_try_at: dt.datetime
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MailRecord:
        return cls(
            message_id=row["message_id"], case_id=row["case_id"], kind=row["kind"],
            recipients=json.loads(row["recipients"]), file_name=row["file_name"],
            status=MailStatus(row["status"]), attempts=row["attempts"],
            next_try_at=parse_iso(row["next_try_at"]), queued_at=parse_iso(row["queued_at"]),
            sent_at=parse_iso(row["sent_at"]) if row["sent_at"] else None,
            last_error=row["last_error"],
        )


class MailQueue(Repository):
    """The ``mail`` table: one row per outgoing mail, keyed by its Message-ID."""

    # --- writing (callers hold the transaction where they need one) ----------------

    def insert(self, message_id: str, *, case_id: str | None, kind: str,
               recipients: list[str], file_name: str, now: dt.datetime) -> None:
        """Queue a mail, due at once; a second insert of the same Message-ID changes nothing."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO mail (message_id, case_id, kind, recipients, file_name, "
                "status, attempts, next_try_at, queued_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (message_id, case_id, kind, json.dumps(recipients), file_name,
                 MailStatus.QUEUED, iso(now), iso(now)),
            )

    def claim(self, message_id: str) -> MailRecord | None:
        """``queued`` → ``sending`` for one mail; ``None`` if another round took it."""
        with self.store.transaction() as conn:
            taken = conn.execute(
                "UPDATE mail SET status = ? WHERE message_id = ? AND status = ?",
                (MailStatus.SENDING, message_id, MailStatus.QUEUED)).rowcount
            if not taken:
                return None
            row = conn.execute("SELECT * FROM mail WHERE message_id = ?",
                               (message_id,)).fetchone()
        return MailRecord.from_row(row)

    def requeue_sending(self, now: dt.datetime) -> int:
        """Every mail left ``sending`` by a crash is due again; return how many."""
        with self.store.transaction() as conn:
            return conn.execute(
                "UPDATE mail SET status = ?, next_try_at = ? WHERE status = ?",
                (MailStatus.QUEUED, iso(now), MailStatus.SENDING)).rowcount

    def reschedule(self, message_id: str, *, attempts: int, next_try: dt.datetime,
                   error: str) -> None:
        """Back to ``queued``, to be tried again at ``next_try``."""
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE mail SET status = ?, attempts = ?, next_try_at = ?, last_error = ? "
                "WHERE message_id = ?",
                (MailStatus.QUEUED, attempts, iso(next_try), error, message_id))

    def settle(self, message_id: str, status: MailStatus, *, error: str | None,
               attempted: bool, now: dt.datetime) -> None:
        """Record an outcome (``sent`` also stamps ``sent_at``); inside the caller's transaction."""
        self.store.execute(
            "UPDATE mail SET status = ?, attempts = attempts + ?, last_error = ?, "
            "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE message_id = ?",
            (status, 1 if attempted else 0, error, status, iso(now), message_id))

    # --- reading ----------------------------------------------------------------------

    def get(self, message_id: str) -> MailRecord | None:
        row = self.store.execute("SELECT * FROM mail WHERE message_id = ?",
                                 (message_id,)).fetchone()
        return MailRecord.from_row(row) if row else None

    def with_status(self, *statuses: MailStatus) -> list[MailRecord]:
        """Mail in any of ``statuses``, oldest first."""
        marks = ",".join("?" * len(statuses))
        return self._where(f"status IN ({marks})", tuple(statuses))

    def for_case(self, case_id: str) -> list[MailRecord]:
        return self._where("case_id = ?", (case_id,))

    def sending(self, message_id: str) -> list[MailRecord]:
        """The mail ``message_id`` if it is (still) ``sending``."""
        return self._where("status = ? AND message_id = ?", (MailStatus.SENDING, message_id))

    def due(self, now: dt.datetime, limit: int | None = None) -> list[MailRecord]:
        """Queued mail whose time has come, the longest waiting first."""
        sql = ("SELECT * FROM mail WHERE status = ? AND next_try_at <= ? "
               "ORDER BY next_try_at, queued_at")
        params: tuple = (MailStatus.QUEUED, iso(now))
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [MailRecord.from_row(r) for r in self.store.execute(sql, params).fetchall()]

    def next_due_at(self) -> dt.datetime | None:
        """When the next queued mail is due, or ``None`` with nothing queued."""
        row = self.store.execute(
            "SELECT MIN(next_try_at) FROM mail WHERE status = ?", (MailStatus.QUEUED,)).fetchone()
        return parse_iso(row[0]) if row and row[0] is not None else None

    def counts(self) -> dict[str, int]:
        """How many mails are in each status (statuses with none are absent)."""
        rows = self.store.execute("SELECT status, COUNT(*) FROM mail GROUP BY status").fetchall()
        return {status: count for status, count in rows}

    def _where(self, clause: str, params: tuple) -> list[MailRecord]:
        rows = self.store.execute(
            f"SELECT * FROM mail WHERE {clause} ORDER BY queued_at, message_id", params
        ).fetchall()
        return [MailRecord.from_row(r) for r in rows]


class MailSeen(Repository):
    """The ``mail_seen`` table: incoming mail already handled, by Message-ID and content hash."""

    def remember(self, message_key: str, content_sha: str, outcome_json: str,
                 now: dt.datetime) -> None:
        """Record how a message was handled; the first record of a message stands."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO mail_seen (message_key, content_sha, outcome, seen_at) "
                "VALUES (?, ?, ?, ?)", (message_key, content_sha, outcome_json, iso(now)))

    def outcome(self, message_key: str, content_sha: str | None = None) -> str | None:
        """The recorded outcome (JSON) of the message with this key, or with this content."""
        if content_sha is None:
            row = self.store.execute("SELECT outcome FROM mail_seen WHERE message_key = ?",
                                     (message_key,)).fetchone()
        else:
            row = self.store.execute(
                "SELECT outcome FROM mail_seen WHERE message_key = ? OR content_sha = ? LIMIT 1",
                (message_key, content_sha)).fetchone()
        return row["outcome"] if row else None


__all__ = ["MailQueue", "MailRecord", "MailSeen", "MailStatus"]
