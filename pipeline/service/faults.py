"""Crash points: a test hook that kills the service at a named instant.

The chaos and kill tests need "the service died exactly between giving the
number and writing the PDF". Setting ``SPT_CRASH_AT=<name>`` in the
environment makes :func:`crash_point` send SIGKILL to this very process when
execution reaches that point (``SPT_CRASH_AT=<name>:<n>`` on the n-th time).
Unset, it costs one dictionary lookup. It is never set in production.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "SPT_CRASH_AT"
_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    target, _, nth = wanted.partition(":")
    if target != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
