"""Copying a workspace in tests the way IT must: the database through SQLite, never ``cp``.

Copying ``state/spt.sqlite3`` byte by byte opens and closes a descriptor of it, which
drops every POSIX lock the copying process holds on it (its own connections' included),
and copies a WAL database without its WAL: a torn or stale copy (docs/design.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.store.db import Store

DATABASE = Path("state") / "spt.sqlite3"


def copy_workspace(src: Path, dst: Path) -> Path:
    """``src`` copied to ``dst``: files as they are, the database by SQLite's backup API."""
    shutil.copytree(src, dst, symlinks=True,
                    ignore=shutil.ignore_patterns("spt.sqlite3*", "spt.lock"))
    if (src / DATABASE).exists():
        store = Store(src / DATABASE, create=False)
        try:
            store.backup_to(dst / DATABASE)
        finally:
            store.close()
        (dst / DATABASE).chmod(0o600)
    return dst
