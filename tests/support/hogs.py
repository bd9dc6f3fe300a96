"""Checks that cost too much, for testing the limits of :mod:`pipeline.signing.bounded`
(each is run in its bounded child as ``tests.support.hogs:<name>``)."""

from __future__ import annotations


def eat_memory(megabytes: int, _limits) -> int:
    """Hold ``megabytes`` of memory at once."""
    held = [bytearray(1024 * 1024) for _ in range(megabytes)]
    return len(held)


def spin(_limits) -> int:
    """Use the processor for ever."""
    n = 0
    while True:
        n += 1


def answer(value: int, _limits) -> int:
    return value


def nap(seconds: float, value: int, _limits) -> int:
    """Wait ``seconds`` (no processor time), then answer ``value``."""
    import time

    time.sleep(seconds)
    return value


def own_cost(_limits) -> dict:
    """What the check's own process has cost so far, and what of the environment it sees."""
    import os
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "environ": sorted(os.environ)}
