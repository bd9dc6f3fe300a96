"""The audit log: who did what to which case, at which stage, with which file.

Append-only (triggers refuse UPDATE and DELETE) and hash-chained: each
entry's ``hash`` is the SHA-256 of the previous entry's hash and this entry's
canonical content, so an altered, inserted or deleted entry breaks the chain
from that point on (:meth:`AuditLog.verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipeline.store.db import Repository, iso, utcnow

GENESIS = "0" * 64


class AuditAction(StrEnum):
    """What an audit entry records; stored as its value (``"stage.agreed"``)."""

    CASE_OPENED = "case.opened"
    CASE_SIGNED = "case.signed"
    CASE_ISSUED = "case.issued"
    DRAFT_CREATED = "draft.created"
    VERSION_NEW = "version.new"
    FILE_UNKNOWN = "file.unknown"
    INTAKE_REJECTED = "intake.rejected"
    INTAKE_RETRIED = "intake.retried"        # set aside, changed since, taken again
    STAGE_AGREED = "stage.agreed"
    STAGE_RETURNED = "stage.returned"
    STAGE_REFUSED = "stage.refused"
    STAGE_RETURN_REASON = "stage.return_reason"  # a return's reason written after it
    CASE_CANCELLED = "case.cancelled"
    MARK_APPLIED = "mark.applied"
    MARK_KEPT = "mark.kept"
    NUMBER_ASSIGNED = "number.assigned"
    RECEIPT_RECORDED = "receipt.recorded"
    REPLY_REFUSED = "reply.refused"
    LETTER_REVOKED = "letter.revoked"
    MAIL_SENT = "mail.sent"
    MAIL_FAILED = "mail.failed"
    REMINDER_PENGINGAT = "reminder.pengingat"
    REMINDER_ESKALASI = "reminder.eskalasi"
    REMINDER_PENGINGAT_TERIMA = "reminder.pengingat_terima"
    BACKUP_RESTORED = "backup.restored"      # spt pulihkan: from which backup (no case)
    FINALIZE_WAITING = "finalize.waiting"     # validation data cannot be had yet (LTV)
    ARCHIVE_RENEWED = "archive.renewed"       # spt perpanjang: a fresh archive timestamp
    DELEGATION_SET = "delegation.set"         # spt delegasi tetapkan: a Plh./Plt. (no case,
    DELEGATION_ENDED = "delegation.ended"     # unless for one case); ended early by IT


# How people read an action (Indonesian: the history in ``spt status CASE``).
ACTION_LABEL: dict[AuditAction, str] = {
    AuditAction.CASE_OPENED: "kasus dibuka",
    AuditAction.DRAFT_CREATED: "draf dibuat",
    AuditAction.STAGE_AGREED: "disetujui",
    AuditAction.STAGE_RETURNED: "dikembalikan",
    AuditAction.STAGE_REFUSED: "berkas ditolak",
    AuditAction.STAGE_RETURN_REASON: "alasan pengembalian (susulan)",
    AuditAction.CASE_CANCELLED: "dibatalkan",
    AuditAction.VERSION_NEW: "versi baru draf",
    AuditAction.MARK_APPLIED: "paraf/tanda tangan",
    AuditAction.MARK_KEPT: "tanda sudah ada",
    AuditAction.CASE_SIGNED: "ditandatangani",
    AuditAction.NUMBER_ASSIGNED: "diberi nomor",
    AuditAction.CASE_ISSUED: "diterbitkan",
    AuditAction.RECEIPT_RECORDED: "tanda terima",
    AuditAction.REPLY_REFUSED: "balasan ditolak",
    AuditAction.LETTER_REVOKED: "dicabut",
    AuditAction.MAIL_SENT: "surel terkirim",
    AuditAction.MAIL_FAILED: "surel gagal",
    AuditAction.FINALIZE_WAITING: "menunggu data validasi",
    AuditAction.ARCHIVE_RENEWED: "cap waktu arsip diperpanjang",
    AuditAction.DELEGATION_SET: "pelimpahan (Plh./Plt.) ditetapkan",
    AuditAction.DELEGATION_ENDED: "pelimpahan (Plh./Plt.) diakhiri",
}


def _action(value: str) -> AuditAction | str:
    """The stored action as the enum; a value this version does not know stays text."""
    try:
        return AuditAction(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    case_id: str | None
    stage: str | None
    actor: str
    action: AuditAction | str
    file_sha256: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _content(seq: int, at: str, case_id, stage, actor, action, file_sha256, detail: str) -> dict:
    return {
        "seq": seq, "at": at, "case_id": case_id, "stage": stage, "actor": actor,
        "action": action, "file_sha256": file_sha256, "detail": detail,
    }


class AuditLog(Repository):
    def append(
        self,
        action: AuditAction,
        *,
        case_id: str | None = None,
        stage: str | None = None,
        actor: str = "sistem",
        file_sha256: str | None = None,
        detail: dict[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> AuditEntry:
        """Append one entry; must run inside the transaction of the event it records."""
        conn = self.store.conn
        if not conn.in_transaction:
            raise RuntimeError("audit entries are written inside the event's transaction")
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq = (last["seq"] + 1) if last else 1
        prev = last["hash"] if last else GENESIS
        stamp = iso(at or utcnow())
        detail_json = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False)
        digest = entry_hash(
            prev, _content(seq, stamp, case_id, stage, actor, action, file_sha256, detail_json)
        )
        conn.execute(
            "INSERT INTO audit (seq, at, case_id, stage, actor, action, file_sha256, detail,"
            " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (seq, stamp, case_id, stage, actor, action, file_sha256, detail_json, prev, digest),
        )
        return AuditEntry(seq, stamp, case_id, stage, actor, action, file_sha256,
                          detail or {}, prev, digest)

    def for_case(self, case_id: str) -> list[AuditEntry]:
        sql = "SELECT * FROM audit WHERE case_id = ? ORDER BY seq"
        return [_entry(r) for r in self.store.execute(sql, (case_id,))]

    def returned_by(self, case_id: str, to_stage: str) -> str | None:
        """Who the last return of ``case_id`` to ``to_stage`` names as its author, when that
        was not the next stage's official (``detail.returned_by``: the service itself)."""
        last = next((e for e in reversed(self.for_case(case_id))
                     if e.action is AuditAction.STAGE_RETURNED
                     and e.detail.get("to") == to_stage), None)
        return last.detail.get("returned_by") if last is not None else None

    def all(self) -> list[AuditEntry]:
        return [_entry(r) for r in self.store.execute("SELECT * FROM audit ORDER BY seq")]

    def verify(self) -> ChainBreak | None:
        """The first entry that was altered, inserted or deleted, or ``None`` if intact."""
        prev = GENESIS
        expected_seq = 1
        for row in self.store.execute("SELECT * FROM audit ORDER BY seq"):
            if row["seq"] != expected_seq:
                return ChainBreak(expected_seq, f"entri {expected_seq} hilang (dihapus)")
            if row["prev_hash"] != prev:
                return ChainBreak(row["seq"], "rantai hash terputus (entri disisipkan atau diubah)")
            digest = entry_hash(prev, _content(
                row["seq"], row["at"], row["case_id"], row["stage"], row["actor"],
                row["action"], row["file_sha256"], row["detail"],
            ))
            if digest != row["hash"]:
                return ChainBreak(row["seq"], "isi entri tidak cocok dengan hash-nya (diubah)")
            prev = row["hash"]
            expected_seq += 1
        return None


def _entry(row) -> AuditEntry:
    return AuditEntry(
        row["seq"], row["at"], row["case_id"], row["stage"], row["actor"], _action(row["action"]),
        row["file_sha256"], json.loads(row["detail"]), row["prev_hash"], row["hash"],
    )
