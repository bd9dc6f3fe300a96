"""The state store: SQLite in WAL mode under ``state/``.

One :class:`~pipeline.store.db.Store` per thread. Every write runs in
``with store.transaction():`` (``BEGIN IMMEDIATE``), so an event and its audit
entry are committed together, before any effect outside the database runs.
"""

from pipeline.store.db import Store

__all__ = ["Store"]
