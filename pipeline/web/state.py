"""What the web application keeps between requests: settings, database, indexes, caches.

SQLite connections are per thread (:class:`pipeline.store.Store` is), so each
of waitress's worker threads opens one on its first request and keeps it.
The token index and the signatory cache are shared by all threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config, WebConfig
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.web.signatories import SignatoryCache
from pipeline.web.tokens import TokenIndex

STYLE = Path(__file__).with_name("templates") / "style.css"


@dataclass
class WebState:
    config: Config
    settings: WebConfig
    database: Path
    css: str
    tokens: TokenIndex = field(default_factory=TokenIndex)
    signatories: SignatoryCache = field(init=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def __post_init__(self) -> None:
        self.signatories = SignatoryCache(self.config)

    @classmethod
    def for_config(cls, config: Config, settings: WebConfig) -> WebState:
        return cls(config=config, settings=settings, database=Workspace(config).database,
                   css=STYLE.read_text(encoding="utf-8"))

    def store(self) -> Store:
        """This thread's connection to the state database (which must exist)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.database, create=False)
            self._local.store = store
        return store
