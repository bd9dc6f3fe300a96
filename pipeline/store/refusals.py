"""Files the service did not take, whose effects are not all done yet (``pending_refusals``).

Such a decision is recorded first (its audit entry and a row here, in one transaction);
then its visible effects follow: a refused file taken out of the action folder, the note,
the mail. The row is deleted once those are done, so a crash in between leaves a row that
says exactly which file, where, and why: the restart finishes it, and never records the
decision a second time. Three kinds (:class:`RefusalKind`): a refused move, an agreement
sent back to drafting (the printed signature block names someone else), an unknown file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pipeline.store.db import Repository, iso, parse_iso


class RefusalKind(StrEnum):
    """What was not taken, which decides its effects (:meth:`pipeline.service.not_taken.
    NotTaken.finish`)."""

    REFUSED = "refused"                    # a refused move: file kept, note, mail
    BACK_TO_DRAFTING = "back_to_drafting"  # agreed, not signed: note and mail to the holder
    UNKNOWN = "unknown"                    # no case's file: a note beside it, left in place


class KeptIn(StrEnum):
    """Where a refused file is kept."""

    STAGE = "stage"  # the stage folder's root, beside its note (the official can take it)
    SISA = "sisa"    # the case's sisa/ under state/ (a file of a case that is elsewhere)


@dataclass(frozen=True)
class PendingRefusal:
    audit_seq: int       # the decision's audit entry (STAGE_REFUSED, STAGE_RETURNED, ...)
    case_id: str | None  # None: an unknown file
    stage_key: str
    source_dir: str      # the action folder's name under the stage folder (disetujui, ...)
    source_name: str     # the refused file's name there
    file_sha256: str
    kept_in: KeptIn
    kept_name: str       # its name there
    returned: bool       # moved into dikembalikan/ (the note's wording)
    message: str         # why it was refused (the note's reason)
    note: str | None = None  # the note as written, when it does not name the kept file
    kind: RefusalKind = RefusalKind.REFUSED
    at: dt.datetime | None = None  # when it was recorded (read back; set from ``add``'s now)


class RefusalLog(Repository):
    """The ``pending_refusals`` table: one row per decision whose effects may be unfinished."""

    def add(self, p: PendingRefusal, *, now: dt.datetime) -> None:
        """Runs inside the transaction that records the refusal's audit entry."""
        if not self.store.conn.in_transaction:
            raise RuntimeError("a pending refusal is written with its audit entry")
        self.store.execute(
            "INSERT INTO pending_refusals (audit_seq, kind, case_id, stage_key, source_dir,"
            " source_name, file_sha256, kept_in, kept_name, returned, message, note,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (p.audit_seq, p.kind.value, p.case_id, p.stage_key, p.source_dir, p.source_name,
             p.file_sha256, p.kept_in.value, p.kept_name, int(p.returned), p.message, p.note,
             iso(now)))

    def pending(self) -> list[PendingRefusal]:
        """Every one still to finish, oldest first."""
        rows = self.store.execute(
            "SELECT * FROM pending_refusals ORDER BY audit_seq").fetchall()
        return [_row(r) for r in rows]

    def for_file(self, stage_key: str, source_dir: str, source_name: str,
                 file_sha256: str) -> PendingRefusal | None:
        """The unfinished one of exactly this file (these bytes at this place)."""
        row = self.store.execute(
            "SELECT * FROM pending_refusals WHERE stage_key = ? AND source_dir = ?"
            " AND source_name = ? AND file_sha256 = ? ORDER BY audit_seq LIMIT 1",
            (stage_key, source_dir, source_name, file_sha256)).fetchone()
        return _row(row) if row else None

    def done(self, audit_seq: int) -> None:
        with self.store.transaction():
            self.store.execute("DELETE FROM pending_refusals WHERE audit_seq = ?", (audit_seq,))


def _row(r) -> PendingRefusal:
    return PendingRefusal(audit_seq=r["audit_seq"], case_id=r["case_id"],
                          stage_key=r["stage_key"], source_dir=r["source_dir"],
                          source_name=r["source_name"], file_sha256=r["file_sha256"],
                          kept_in=KeptIn(r["kept_in"]), kept_name=r["kept_name"],
                          returned=bool(r["returned"]), message=r["message"], note=r["note"],
                          kind=RefusalKind(r["kind"]), at=parse_iso(r["created_at"]))


__all__ = ["KeptIn", "PendingRefusal", "RefusalKind", "RefusalLog"]
