"""Taking a file only once it has stopped changing.

A create event fires when writing *starts* (watchdog #586), and copying over
SMB takes seconds, with stalls of many seconds on a slow link: a file is ready
to look at once its size and modification time have not changed for
``settle_seconds`` (paperless-ngx does the same), and ready to be *judged*
(refused) only after a longer quiet time (``WatchConfig.judge_after_seconds``):
callers pass that as ``seconds``.

Each recorded file asks for at most one wake-up per threshold it waits for: once
:meth:`SettleTracker.next_due` has reported it due, it is not reported again until
it changes or is asked about with a longer threshold, so a file that stays (a
leftover nobody acts on) never makes the service loop.
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
    needed: float       # seconds of quiet the last caller asked for
    reported: bool = False  # next_due already reported it due at ``needed``


class SettleTracker:
    def __init__(self, settle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}

    def is_settled(self, path: Path, seconds: float | None = None) -> bool:
        """Record what ``path`` looks like now; true once it looked the same for ``seconds``
        (default ``settle_seconds``)."""
        needed = self.settle_seconds if seconds is None else seconds
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            self._seen.pop(path, None)
            return False
        signature = (st.st_size, st.st_mtime_ns)
        now = self.clock()
        seen = self._seen.get(path)
        if seen is None or seen.signature != signature:
            self._seen[path] = _Seen(signature, now, needed)
            return needed == 0
        if needed > seen.needed:
            seen.needed, seen.reported = needed, False
        return now - seen.since >= needed

    def quiet_for(self, path: Path) -> float:
        """Seconds ``path`` has been seen unchanged (0 if not recorded)."""
        seen = self._seen.get(path)
        return 0.0 if seen is None else self.clock() - seen.since

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def next_due(self) -> float | None:
        """Seconds until the earliest recorded file reaches the quiet time it waits for, or
        ``None``; a file already reported due is not counted again (see the module)."""
        for path in [p for p in self._seen if not os.path.lexists(p)]:
            del self._seen[path]
        now = self.clock()
        dues = []
        for seen in self._seen.values():
            if seen.reported:
                continue
            due = seen.since + seen.needed - now
            if due <= 0:
                seen.reported = True  # one immediate look, not one every round
            dues.append(max(0.0, due))
        return min(dues) if dues else None

    def prune(self, existing: set[Path]) -> None:
        for path in list(self._seen):
            if path not in existing:
                del self._seen[path]
