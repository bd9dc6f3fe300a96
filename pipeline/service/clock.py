"""The time, injectable: tests move it (a year change, a working-hours deadline)."""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Protocol

# Test hook: start the service's clock at this instant (ISO 8601 with offset); it then
# advances in real time. Used by end-to-end tests that run `spt serve` as a subprocess.
FAKE_NOW_ENV = "SPT_FAKE_NOW"


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ShiftedClock:
    """Real time shifted so that it read ``start`` when the clock was made."""

    def __init__(self, start: dt.datetime):
        if start.tzinfo is None:
            raise ValueError("the fake start time needs a UTC offset")
        self._offset = start - dt.datetime.now(dt.UTC)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset


class FixedClock:
    """A clock that moves only when told (unit tests)."""

    def __init__(self, start: dt.datetime):
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def clock_from_env() -> Clock:
    fake = os.environ.get(FAKE_NOW_ENV)
    return ShiftedClock(dt.datetime.fromisoformat(fake)) if fake else SystemClock()


def monotonic() -> float:
    return time.monotonic()
