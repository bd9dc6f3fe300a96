"""Database additions the mail adapters need beyond :data:`pipeline.store.db.SCHEMA`.

Only indexes, all ``IF NOT EXISTS``: applying them twice, or after they have
been folded into the main schema, changes nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.store.db import Store

SCHEMA_EXTRA = """
-- "Seen before?" is asked by Message-ID (the primary key) and by content hash.
CREATE INDEX IF NOT EXISTS mail_seen_by_sha ON mail_seen (content_sha);
-- Mail of one case (status, reminders).
CREATE INDEX IF NOT EXISTS mail_by_case ON mail (case_id);
"""


_applied: set[Path] = set()
_lock = threading.Lock()


def ensure_schema(store: Store) -> None:
    """Apply :data:`SCHEMA_EXTRA` once per database file (idempotent)."""
    path = Path(store.path).resolve()
    with _lock:
        if path in _applied:
            return
    with store.transaction() as conn:
        for statement in filter(None, (s.strip() for s in _statements(SCHEMA_EXTRA))):
            conn.execute(statement)
    with _lock:
        _applied.add(path)


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return "\n".join(lines).split(";")


__all__ = ["SCHEMA_EXTRA", "ensure_schema"]
