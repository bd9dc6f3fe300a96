"""The newest entries of the buku agenda, for the status board (read only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.store.agenda import AgendaEntry, _entry

if TYPE_CHECKING:
    from pipeline.store.db import Store


def latest_issued(store: Store, limit: int) -> list[AgendaEntry]:
    """The ``limit`` most recently recorded agenda entries, newest first."""
    rows = store.execute(
        "SELECT * FROM agenda ORDER BY recorded_at DESC, number DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_entry(r) for r in rows]


__all__ = ["latest_issued"]
