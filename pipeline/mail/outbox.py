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
import logging
import re
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

from pipeline.config import Config
from pipeline.folders.atomic import PRIVATE, write_atomic
from pipeline.folders.layout import installation_id
from pipeline.store.db import Store, utcnow
from pipeline.store.mail import MailRecord, MailStatus

log = logging.getLogger("spt.mail.outbox")

SENT_DIR = "terkirim"
FAILED_DIR = "gagal"
REASON_SUFFIX = ".alasan.txt"

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
        self.queue = store.mail

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
        self.queue.insert(message_id, case_id=case_id, kind=kind, recipients=recipients,
                          file_name=name, now=self._now())
        log.info("queued %s mail %s for %s (%s)", kind, message_id, ", ".join(recipients),
                 case_id or "-")
        return message_id

    # --- reading --------------------------------------------------------

    def get(self, message_id: str) -> MailRecord | None:
        return self.queue.get(message_id)

    def pending(self) -> list[MailRecord]:
        """Mail not yet delivered (queued, or being sent), oldest first."""
        return self.queue.with_status(MailStatus.QUEUED, MailStatus.SENDING)

    def failed(self) -> list[MailRecord]:
        """Mail given up on: refused (5xx) or not deliverable within the retry period."""
        return self.queue.with_status(MailStatus.FAILED)

    def for_case(self, case_id: str) -> list[MailRecord]:
        return self.queue.for_case(case_id)

    def counts(self) -> dict[str, int]:
        return self.queue.counts()

    def path_of(self, record: MailRecord) -> Path:
        """Where the record's ``.eml`` is now (by status)."""
        if record.status is MailStatus.SENT:
            return self.sent_dir / record.file_name
        if record.status is MailStatus.FAILED:
            return self.failed_dir / record.file_name
        return self.dir / record.file_name


def _recipients(msg: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in (msg.get_all(name) or [])]
    seen: dict[str, None] = {}
    for _, address in getaddresses(fields):
        address = address.strip()
        if address and "@" in address:
            seen.setdefault(address, None)
    return list(seen)


__all__ = [
    "FAILED_DIR",
    "REASON_SUFFIX",
    "SENT_DIR",
    "Outbox",
    "message_id_for",
]
