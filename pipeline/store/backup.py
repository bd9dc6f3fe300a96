"""The database side of a backup: a consistent copy, and what that copy refers to.

The live database is copied only through SQLite (the online backup API, in one step,
inside one read transaction), never by opening the file: closing any descriptor of the
database file drops every POSIX lock the process holds on it (docs: PITFALLS.md,
"SQLite and POSIX locks"). In WAL mode the copy does not block the service's writers.

The copy is then made self-contained (``journal_mode=DELETE``: one file, no ``-wal``)
and checked (``PRAGMA integrity_check``). :func:`snapshot_facts` reads from the copy
what the backup must carry besides it (the files of each case it knows, the archived
letters its agenda lists, the mails still to send) and the figures the manifest
records (cases, letters, the audit chain's head, the last number of each year).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.machine import Status
from pipeline.store.db import Store
from pipeline.store.mail import MailStatus


class SnapshotError(Exception):
    """The copy of the database is not usable. ``str()`` is a message for IT."""


@dataclass(frozen=True)
class SnapshotFacts:
    """What a copy of the database holds and refers to."""

    schema_version: int
    cases: int
    issued: int
    in_flight: int
    audit_entries: int
    audit_head: str | None
    last_numbers: dict[str, str] = field(default_factory=dict)   # year -> last number
    case_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)             # "<sha256>.<ext>"
    archives: dict[str, str] = field(default_factory=dict)       # case -> path from root
    unsent_mail: list[str] = field(default_factory=list)         # outbox file names
    last_backup_note: str | None = None

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version, "cases": self.cases, "issued": self.issued,
            "in_flight": self.in_flight, "audit_entries": self.audit_entries,
            "audit_head": self.audit_head, "last_numbers": self.last_numbers,
        }


def snapshot_database(source: Path, target: Path) -> None:
    """Copy the live database at ``source`` into the new file ``target``, consistently.

    ``source`` is opened through :class:`Store` without creating anything; the copy is
    :meth:`Store.backup_to`, one ``sqlite3_backup_step(-1)``: every page as of one moment,
    while the service keeps writing (WAL readers do not block writers).
    """
    if target.exists():
        raise FileExistsError(target)
    live = Store(source, create=False)
    try:
        live.backup_to(target)
    finally:
        live.close()
    target.chmod(0o600)   # personal data and evidence, as the live file
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    if result != "ok":
        raise SnapshotError(f"salinan basis data tidak utuh: {result}")


def check_integrity(path: Path) -> str | None:
    """``None`` if the database file at ``path`` is sound, else what SQLite says is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if result == "ok" else str(result)


def snapshot_facts(path: Path) -> SnapshotFacts:
    """What the (copied, closed) database at ``path`` holds and refers to; read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
        head = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        last_numbers = {
            str(r["year"]): r["number"] for r in conn.execute(
                "SELECT r.year, r.number FROM number_register r JOIN"
                " (SELECT year, MAX(seq) AS seq FROM number_register GROUP BY year) m"
                " ON r.year = m.year AND r.seq = m.seq ORDER BY r.year")
        }
        unsent = [r[0] for r in conn.execute(
            "SELECT file_name FROM mail WHERE status != ? ORDER BY queued_at",
            (MailStatus.SENT,))]
        return SnapshotFacts(
            schema_version=one("PRAGMA user_version"),
            cases=one("SELECT COUNT(*) FROM cases"),
            issued=one("SELECT COUNT(*) FROM agenda"),
            in_flight=one("SELECT COUNT(*) FROM cases WHERE status IN (?, ?)",
                          Status.IN_CHAIN, Status.FINALIZING),
            audit_entries=one("SELECT COUNT(*) FROM audit"),
            audit_head=f"{head['seq']}:{head['hash']}" if head else None,
            last_numbers=last_numbers,
            case_ids=[r[0] for r in conn.execute("SELECT id FROM cases ORDER BY year, seq")],
            sources=[f"{r[0]}.{r[1]}" for r in conn.execute(
                "SELECT source_sha256, source_ext FROM cases ORDER BY year, seq")],
            archives={r[0]: r[1] for r in conn.execute(
                "SELECT case_id, archive_path FROM agenda ORDER BY letter_date, number")},
            unsent_mail=unsent,
        )
    finally:
        conn.close()


__all__ = ["SnapshotError", "SnapshotFacts", "check_integrity", "snapshot_database",
           "snapshot_facts"]
