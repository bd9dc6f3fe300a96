"""Backups IT can trust: ``spt cadangkan`` (an online backup) and ``spt pulihkan`` (restore).

One file per backup, a zstd-compressed tar (:mod:`pipeline.backup.container`) whose last
member, ``MANIFEST.json``, holds the SHA-256 of every other member (a backup cut short has
no manifest and is refused).
The database is copied through SQLite only (:mod:`pipeline.store.backup`); the keys are
included only when asked, sealed with a passphrase (:mod:`pipeline.backup.sealed`).
Design and decisions: ``docs/backup.md``.
"""

from __future__ import annotations

ARCHIVE_PREFIX = "spt-cadangan-"
ARCHIVE_SUFFIX = ".tar.zst"
FORMAT = "spt-cadangan/1"
MANIFEST = "MANIFEST.json"
KEYS_MEMBER = "kunci.tar.enc"
WORKSPACE_PREFIX = "ruang/"
LAST_BACKUP_FILE = "cadangan-terakhir.json"   # in state/: what `spt doctor` reads
RESTORE_MARKER = "pemulihan.json"              # in state/ of a restored workspace


class BackupError(Exception):
    """A backup or a restore cannot be done. ``str()`` is a message for IT (Indonesian)."""
