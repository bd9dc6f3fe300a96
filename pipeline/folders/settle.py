"""Taking a file only once it has stopped changing.

A create event fires when writing *starts* (watchdog #586), and copying over
SMB takes seconds: a file is ready once its size and modification time have
not changed for ``settle_seconds`` (paperless-ngx does the same).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Seen:
    signature: tuple[int, int]
    since: float


class SettleTracker:
    def __init__(self, settle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}

    def is_settled(self, path: Path) -> bool:
        """Record what ``path`` looks like now; true once it looked the same long enough."""
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            self._seen.pop(path, None)
            return False
        signature = (st.st_size, st.st_mtime_ns)
        now = self.clock()
        seen = self._seen.get(path)
        if seen is None or seen.signature != signature:
            self._seen[path] = _Seen(signature, now)
            return self.settle_seconds == 0
        return now - seen.since >= self.settle_seconds

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def next_due(self) -> float | None:
        """Seconds until the earliest pending file could be settled, or ``None``."""
        for path in [p for p in self._seen if not os.path.lexists(p)]:
            del self._seen[path]
        if not self._seen:
            return None
        now = self.clock()
        return max(0.0, min(s.since + self.settle_seconds - now for s in self._seen.values()))

    def prune(self, existing: set[Path]) -> None:
        for path in list(self._seen):
            if path not in existing:
                del self._seen[path]
