"""The outbox: every outgoing mail is first an ``.eml`` file in ``outbox/`` and a row in ``mail``.

The file is the message exactly as it will be sent; the row is its delivery
state (``queued`` → ``sending`` → ``sent`` / ``failed``, see
:mod:`pipeline.mail.smtp`). Without SMTP configured the files simply stay
in ``outbox/`` (status ``queued``) for IT or another mailer to pick up.

Enqueueing is idempotent by ``key``, the caller's stable description of the
mail (``"tahap:SPT-2026-0007:3:12"``: kind, case, stage, visit). The key
fixes the Message-ID (``<sha256(key)[:32]@domain-of-from-address>``) and
the file name, so calling :meth:`Outbox.enqueue` again after a crash writes
nothing new, and a resend after a crash carries the same Message-ID (the
receiving side can recognise the duplicate).

Order: the file is written (atomically: hidden temp name in the same
folder, fsync, rename) before the row is inserted. A crash in between leaves
a file with no row; the caller's retry with the same key rewrites the same
file and inserts the row. Such a file is never sent on its own: it may
belong to a transaction that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

from pipeline.config import Config
from pipeline.folders.atomic import PRIVATE, write_atomic
from pipeline.folders.layout import installation_id
from pipeline.mail.schema import ensure_schema
from pipeline.store.db import Store, iso, parse_iso, utcnow

log = logging.getLogger("spt.mail.outbox")

SENT_DIR = "terkirim"
FAILED_DIR = "gagal"
REASON_SUFFIX = ".alasan.txt"

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
    status: str
    attempts: int
    next_try_at: dt.datetime
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row) -> MailRecord:
        return cls(
            message_id=row["message_id"], case_id=row["case_id"], kind=row["kind"],
            recipients=json.loads(row["recipients"]), file_name=row["file_name"],
            status=row["status"], attempts=row["attempts"],
            next_try_at=parse_iso(row["next_try_at"]), queued_at=parse_iso(row["queued_at"]),
            sent_at=parse_iso(row["sent_at"]) if row["sent_at"] else None,
            last_error=row["last_error"],
        )


def message_id_for(key: str, from_address: str, installation: str = "") -> str:
    """The stable Message-ID of the mail described by ``key``, sent by ``installation``.

    Stable across retries (the key and the installation do not change), and unique per
    installation: a training workspace and the production one, or two agencies sharing a
    domain, never send the same Message-ID, which mail systems that drop duplicates would
    otherwise use to discard the real letter. ``installation=""`` gives the Message-IDs of
    the versions before the installation id (see :meth:`Outbox.enqueue`).
    """
    seed = f"{installation}\n{key}" if installation else key
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    domain = from_address.rsplit("@", 1)[-1].strip().lower() or "spt.invalid"
    return f"<{digest}@{domain}>"


class Outbox:
    """The queue of outgoing mail over one :class:`~pipeline.store.db.Store` (one thread)."""

    def __init__(self, config: Config, store: Store, *,
                 clock: Callable[[], dt.datetime] | None = None):
        self.config = config
        self.store = store
        self.dir = config.outbox_dir
        self.sent_dir = self.dir / SENT_DIR
        self.failed_dir = self.dir / FAILED_DIR
        self._now = clock or utcnow
        self.installation = installation_id(config.state_dir)
        ensure_schema(store)

    # --- naming --------------------------------------------------------

    def message_id(self, key: str) -> str:
        return message_id_for(key, self.config.mail.from_address, self.installation)

    def _queued_before_upgrade(self, key: str) -> bool:
        """Queued under the Message-ID of an spt without installation ids (a mail in flight
        when the workspace was upgraded): it must not be queued a second time."""
        legacy = message_id_for(key, self.config.mail.from_address)
        return legacy != self.message_id(key) and self.get(legacy) is not None

    @staticmethod
    def file_name(key: str, *, case_id: str | None, kind: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        case = re.sub(r"[^A-Za-z0-9-]", "", case_id or "") or "umum"
        kind = re.sub(r"[^a-z0-9_]", "", kind.lower()) or "surel"
        return f"{case}-{kind}-{digest}.eml"

    # --- queueing --------------------------------------------------------

    def enqueue(self, msg: EmailMessage, *, key: str, case_id: str | None, kind: str) -> str:
        """Queue ``msg`` once per ``key``; return its Message-ID.

        Sets ``Message-ID`` (from the key), and ``From``/``Date`` if missing;
        ``Bcc`` recipients are taken into the envelope and the header removed.
        """
        if not key:
            raise ValueError("a mail needs a key")
        message_id = self.message_id(key)
        if self.get(message_id) is not None or self._queued_before_upgrade(key):
            return message_id
        recipients = _recipients(msg)
        if not recipients:
            raise ValueError(f"mail {key!r} has no recipient")
        del msg["Message-ID"]
        msg["Message-ID"] = message_id
        del msg["Bcc"]
        if msg["From"] is None:
            msg["From"] = self.config.mail.from_address
        if msg["Date"] is None:
            msg["Date"] = format_datetime(self._now().astimezone(self.config.tz))
        name = self.file_name(key, case_id=case_id, kind=kind)
        write_atomic(self.dir / name, msg.as_bytes(policy=policy.SMTP), mode=PRIVATE)
        now = iso(self._now())
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO mail (message_id, case_id, kind, recipients, file_name, "
                "status, attempts, next_try_at, queued_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (message_id, case_id, kind, json.dumps(recipients), name, QUEUED, now, now),
            )
        log.info("queued %s mail %s for %s (%s)", kind, message_id, ", ".join(recipients),
                 case_id or "-")
        return message_id

    # --- reading --------------------------------------------------------

    def get(self, message_id: str) -> MailRecord | None:
        row = self.store.execute("SELECT * FROM mail WHERE message_id = ?",
                                 (message_id,)).fetchone()
        return MailRecord.from_row(row) if row else None

    def pending(self) -> list[MailRecord]:
        """Mail not yet delivered (queued, or being sent), oldest first."""
        return self._where("status IN (?, ?)", (QUEUED, SENDING))

    def failed(self) -> list[MailRecord]:
        """Mail given up on: refused (5xx) or not deliverable within the retry period."""
        return self._where("status = ?", (FAILED,))

    def for_case(self, case_id: str) -> list[MailRecord]:
        return self._where("case_id = ?", (case_id,))

    def counts(self) -> dict[str, int]:
        rows = self.store.execute("SELECT status, COUNT(*) FROM mail GROUP BY status").fetchall()
        return {status: count for status, count in rows}

    def path_of(self, record: MailRecord) -> Path:
        """Where the record's ``.eml`` is now (by status)."""
        folder = {SENT: self.sent_dir, FAILED: self.failed_dir}.get(record.status, self.dir)
        return folder / record.file_name

    def _where(self, clause: str, params: tuple) -> list[MailRecord]:
        rows = self.store.execute(
            f"SELECT * FROM mail WHERE {clause} ORDER BY queued_at, message_id", params
        ).fetchall()
        return [MailRecord.from_row(r) for r in rows]


def _recipients(msg: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in (msg.get_all(name) or [])]
    seen: dict[str, None] = {}
    for _, address in getaddresses(fields):
        address = address.strip()
        if address and "@" in address:
            seen.setdefault(address, None)
    return list(seen)


__all__ = [
    "FAILED",
    "FAILED_DIR",
    "QUEUED",
    "REASON_SUFFIX",
    "SENDING",
    "SENT",
    "SENT_DIR",
    "MailRecord",
    "Outbox",
    "message_id_for",
]
