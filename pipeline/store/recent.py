"""The newest agenda entries and returns, for the status board (read only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.store.agenda import AgendaEntry, _entry
from pipeline.store.audit import AuditEntry
from pipeline.store.audit import _entry as _audit_entry

if TYPE_CHECKING:
    from pipeline.store.db import Store


def latest_issued(store: Store, limit: int) -> list[AgendaEntry]:
    """The ``limit`` most recently recorded agenda entries, newest first."""
    rows = store.execute(
        "SELECT * FROM agenda ORDER BY recorded_at DESC, number DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_entry(r) for r in rows]


def latest_returns(store: Store, limit: int, *, window: int = 5000) -> list[AuditEntry]:
    """The ``limit`` newest ``stage.returned`` entries among the last ``window`` of the log.

    Bounded: the audit log has no index by action, so only its tail is read (a
    board shows what happened lately, not a year's returns).
    """
    rows = store.execute(
        "SELECT * FROM audit WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM audit) - ?"
        " AND action = 'stage.returned' ORDER BY seq DESC LIMIT ?", (window, limit)
    ).fetchall()
    return [_audit_entry(r) for r in rows]


__all__ = ["latest_issued", "latest_returns"]
