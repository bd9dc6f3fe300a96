"""The limits of a bounded check are real: memory, processor time, a stopped child, and each
ends in the verdict a person can read (:mod:`pipeline.signing.bounded`)."""

from __future__ import annotations

import time

import pytest

from pipeline.signing.bounded import CheckGate, CheckLimits, CheckRefused, Limit, run_bounded

LIMITS = CheckLimits(seconds=2.0, memory_mb=256)


def test_a_check_within_its_limits_answers():
    assert run_bounded("tests.support.hogs:answer", (42,), LIMITS) == 42


def test_too_much_memory_is_a_memory_verdict():
    with pytest.raises(CheckRefused) as refused:
        run_bounded("tests.support.hogs:eat_memory", (1024,), LIMITS)
    assert refused.value.limit is Limit.MEMORY
    assert "melampaui batas memori 256 MB" in str(refused.value)


def test_endless_work_is_stopped_by_its_processor_time():
    started = time.monotonic()
    with pytest.raises(CheckRefused) as refused:
        run_bounded("tests.support.hogs:spin", (), LIMITS)
    assert refused.value.limit is Limit.TIME
    assert "melampaui batas waktu (2 detik)" in str(refused.value)
    assert time.monotonic() - started < 2.0 * 6 + 1    # never longer than the wall limit


def test_a_full_gate_says_busy_at_once():
    gate = CheckGate(running=1, waiting=0)
    with gate.slot(1.0):
        started = time.monotonic()
        with pytest.raises(CheckRefused) as refused:
            run_bounded("tests.support.hogs:answer", (1,), LIMITS, gate=gate)
        assert time.monotonic() - started < 1.0
    assert refused.value.limit is Limit.BUSY
    assert "sedang sibuk" in str(refused.value)
