"""Revoking an issued letter: ``spt revoke NOMOR --alasan TEXT``.

The agenda entry gets the revocation date and reason, and the audit log a
``letter.revoked`` entry, in one transaction: the verification page shows
the letter as DICABUT from then on. A revocation is final (there is no
un-revoke; a new letter is issued instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.audit import AuditAction
from pipeline.store.db import utcnow

MAX_REASON = 500


class RevocationError(Exception):
    """The letter cannot be revoked; ``str()`` says why, in Indonesian."""


@dataclass(frozen=True)
class Revocation:
    number: str
    case_id: str
    reason: str
    at: dt.datetime


def revoke_letter(config: Config, number: str, *, reason: str, actor: str,
                  now: dt.datetime | None = None) -> Revocation:
    """Mark ``number`` revoked in the buku agenda and the audit log, or raise why not."""
    number = number.strip()
    reason = " ".join(reason.split())
    if not reason:
        raise RevocationError("Alasan pencabutan wajib diisi (--alasan).")
    if len(reason) > MAX_REASON:
        raise RevocationError(f"Alasan terlalu panjang: paling banyak {MAX_REASON} karakter.")
    database = Workspace(config).database
    if not database.exists():
        raise RevocationError(f"Nomor {number} tidak ada di buku agenda (belum ada surat "
                              "yang diterbitkan di workspace ini).")
    at = now or utcnow()
    store = Store(database, create=False)
    try:
        with store.transaction():
            entry = store.agenda.by_number(number)
            if entry is None:
                raise RevocationError(f"Nomor {number} tidak ada di buku agenda.")
            if entry.revoked_at is not None:
                raise RevocationError(f"Surat {number} sudah dicabut ({entry.revoked_at}): "
                                      f"{entry.revoked_reason}")
            if not store.agenda.revoke(number, reason=reason, at=at):
                raise RevocationError(f"Surat {number} tidak dapat dicabut.")
            store.audit.append(AuditAction.LETTER_REVOKED, case_id=entry.case_id, stage="umum",
                               actor=actor, file_sha256=entry.file_sha256, at=at,
                               detail={"number": number, "reason": reason})
    finally:
        store.close()
    return Revocation(number, entry.case_id, reason, at)
