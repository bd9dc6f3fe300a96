"""When a case's mail of one kind reached its recipient (the mail queue, read only).

The pemohon's receipt clock starts when the issued SPT was delivered, not when
it was issued: a letter issued at night and sent by SMTP the next morning gives
the pemohon their working time from the morning. With no SMTP server
configured the ``.eml`` in ``outbox/`` is the delivery, so its queueing counts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipeline.store.db import parse_iso

if TYPE_CHECKING:
    from pipeline.store.db import Store


def delivered_at(store: Store, kind: str, *, queued_is_delivered: bool
                 ) -> dict[str, dt.datetime]:
    """``case id -> first delivery`` of its ``kind`` mail (only cases that have one)."""
    column = "queued_at" if queued_is_delivered else "sent_at"
    rows = store.execute(
        f"SELECT case_id, MIN({column}) AS at FROM mail"
        f" WHERE kind = ? AND case_id IS NOT NULL AND {column} IS NOT NULL"
        + ("" if queued_is_delivered else " AND status = 'sent'")
        + " GROUP BY case_id",
        (kind,),
    ).fetchall()
    return {r["case_id"]: parse_iso(r["at"]) for r in rows}


__all__ = ["delivered_at"]
