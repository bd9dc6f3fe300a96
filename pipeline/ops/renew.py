"""``spt perpanjang``: a fresh archive timestamp before the last one's certificate expires.

A B-LTA letter stays verifiable only while its newest document timestamp can be
validated, that is, until its TSA certificate expires. Before then (``trust.renew_before_days``)
each archived letter gets the validation data of that timestamp and a new timestamp on
top, in one more incremental revision: earlier bytes are untouched, so every signature
and the seal's lock still hold (pyHanko rates it LTA_UPDATES), and ``spt verify``
recognises the issued file as the renewed file's beginning.

The renewed file replaces the archive copy atomically; the audit log records the old and
new SHA-256 (``archive.renewed``). A letter whose CA or TSA cannot be reached is left as
it was and reported; the next run tries again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.config import Config
from pipeline.folders.atomic import PRIVATE, sha256_bytes, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.audit import AuditAction


@dataclass
class RenewResult:
    renewed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def renew_archive(config: Config, *, force: bool = False, store: Store | None = None,
                  now: dt.datetime | None = None) -> RenewResult:
    """Renew every archived letter whose newest timestamp expires within the margin."""
    from pipeline.signing.ltv import (
        CertificateRevoked,
        LtvSettings,
        ValidationDataUnavailable,
        archive_timestamps,
        renew_archive_timestamp,
        timestamper_for_config,
    )

    ws = Workspace(config)
    store = store or Store(ws.database)
    now = now or dt.datetime.now(dt.UTC)
    margin = dt.timedelta(days=config.trust.renew_before_days)
    result = RenewResult()
    timestamper = timestamper_for_config(config)
    if timestamper is None:
        result.lines.append("Tidak ada server cap waktu (trust.tsa_url / trust.tsa_key): "
                            "arsip tidak dapat diperpanjang.")
        result.failed.append("-")
        return result
    settings = LtvSettings.from_config(config)
    for entry in store.agenda.entries(limit=None):
        path = ws.root / entry.archive_path
        try:
            pdf = path.read_bytes()
        except OSError as exc:
            result.failed.append(entry.number)
            result.lines.append(f"{entry.number}: arsip tidak dapat dibaca ({exc.strerror})")
            continue
        stamps = archive_timestamps(pdf)
        expires = min((na for _, na in stamps[-1:]), default=None)
        if not force and expires is not None and expires - now > margin:
            result.skipped.append(entry.number)
            continue
        try:
            renewed = renew_archive_timestamp(pdf, settings, timestamper)
        except (ValidationDataUnavailable, CertificateRevoked) as exc:
            result.failed.append(entry.number)
            result.lines.append(f"{entry.number}: belum dapat diperpanjang: {exc}")
            continue
        write_atomic(path, renewed, mode=PRIVATE)
        with store.transaction():
            store.audit.append(AuditAction.ARCHIVE_RENEWED, case_id=entry.case_id,
                               stage="umum", at=now, file_sha256=sha256_bytes(renewed),
                               detail={"number": entry.number,
                                       "previous_sha256": sha256_bytes(pdf)})
        result.renewed.append(entry.number)
        result.lines.append(f"{entry.number}: cap waktu arsip baru ditambahkan")
    result.lines.append(f"Diperpanjang: {len(result.renewed)}, belum perlu: "
                        f"{len(result.skipped)}, gagal: {len(result.failed)}")
    return result
