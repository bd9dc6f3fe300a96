"""The drafting worker's process plumbing: calls, errors, death, and the end of the service."""

from __future__ import annotations

import math
import operator
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from pipeline.service.child import ChildGone, ChildProcess
from pipeline.simulate import wait_until


@pytest.fixture
def child():
    c = ChildProcess("gc:collect")
    yield c
    c.close()


def test_a_call_runs_in_the_child_and_returns_its_value(child):
    assert child.call(operator.add, 2, 3) == 5
    assert child.call(os.getpid) == child.pid != os.getpid()


def test_an_exception_in_the_child_is_raised_in_the_caller_and_the_child_carries_on(child):
    with pytest.raises(ValueError, match="math domain error"):
        child.call(math.sqrt, -1)
    assert child.call(math.sqrt, 16) == 4


def test_calls_from_two_threads_take_turns(child):
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(child.call(operator.mul, i, i)))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [i * i for i in range(8)]


def test_a_child_killed_mid_call_is_reported_not_waited_for(child):
    killer = threading.Timer(0.5, os.kill, (child.pid, signal.SIGKILL))
    killer.start()
    started = time.monotonic()
    with pytest.raises(ChildGone):
        child.call(time.sleep, 30)
    assert time.monotonic() - started < 10


def test_close_waits_for_the_call_in_progress_then_ends_the_child(child):
    caller = threading.Thread(target=child.call, args=(time.sleep, 1))
    caller.start()
    time.sleep(0.3)
    child.close()
    caller.join(timeout=5)
    assert not caller.is_alive()
    assert child.proc.returncode == 0


def test_the_child_ends_by_itself_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import time
        from pipeline.service.child import ChildProcess
        c = ChildProcess("gc:collect")
        print(c.pid, flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        child = psutil.Process(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        wait_until(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE,
                   timeout=10, what="the orphaned child to exit")
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_call_that_does_not_pickle_is_refused_and_the_child_still_answers(child):
    with pytest.raises((pickle.PicklingError, AttributeError)):  # pickle says either
        child.call(operator.add, b"x" * 200_000, lambda: 1)  # big: written before the lambda
    assert child.call(operator.add, 1, 2) == 3
