"""The limits of a bounded check are real: memory, processor time, a stopped child, and each
ends in the verdict a person can read (:mod:`pipeline.signing.bounded`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from pipeline.signing import bounded
from pipeline.signing.bounded import CheckGate, CheckLimits, CheckRefused, Limit, run_bounded
from pipeline.simulate import wait_until

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


def _server() -> psutil.Process:
    run_bounded("tests.support.hogs:answer", (0,), LIMITS)     # started if it was not
    server = psutil.Process(bounded.server_pid())
    assert server.name() == bounded.SERVER_NAME
    return server


def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_check_after_its_server_was_killed_gets_a_new_server_and_its_verdict():
    server = _server()
    server.kill()                                     # IT, or the OOM killer
    wait_until(lambda: _gone(server), timeout=10, what="the server to die")
    assert run_bounded("tests.support.hogs:answer", (7,), LIMITS) == 7
    assert bounded.server_pid() != server.pid
    with pytest.raises(CheckRefused) as refused:
        run_bounded("tests.support.hogs:eat_memory", (1024,), LIMITS)
    assert refused.value.limit is Limit.MEMORY


def test_a_server_killed_while_idle_leaves_no_zombie_in_the_process_list():
    """IT's ``ps`` shows no ``<defunct>`` check server, even if no check follows."""
    server = _server()
    server.kill()
    wait_until(lambda: not psutil.pid_exists(server.pid), timeout=10,
               what="the killed server to be reaped")


def test_a_check_whose_server_is_killed_meanwhile_is_run_again():
    server = _server()
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        value=run_bounded("tests.support.hogs:nap", (3.0, 5), LIMITS)))
    thread.start()
    child = wait_until(lambda: next((c for c in server.children()
                                     if c.name() == bounded.CHILD_NAME), None),
                       timeout=10, interval=0.01, what="the check's child")
    server.kill()
    # The kernel takes the check's child with its server; the check runs again.
    wait_until(lambda: _gone(child), timeout=10, what="the check's child to die with it")
    thread.join(timeout=30)
    assert result.get("value") == 5
    assert bounded.server_pid() != server.pid


def test_a_server_that_does_not_answer_is_not_the_files_fault():
    server = _server()
    server.suspend()                                  # SIGSTOP: a hung server
    try:
        started = time.monotonic()
        with pytest.raises(CheckRefused) as refused:
            run_bounded("tests.support.hogs:answer", (1,), CheckLimits(seconds=0.5))
        assert time.monotonic() - started < 0.5 * 6 + 1
        assert refused.value.limit is Limit.FAILED     # not "melampaui batas waktu"
    finally:
        server.resume()
    assert run_bounded("tests.support.hogs:answer", (2,), LIMITS) == 2


def test_the_check_has_all_of_its_processor_time_and_no_secret():
    os.environ["SPT_TEST_PASSPHRASE"] = "rahasia"      # a SecretRef's env, say
    try:
        bounded.stop_server()                         # the next server sees this environment
        value = run_bounded("tests.support.hogs:own_cost", (), LIMITS)
    finally:
        del os.environ["SPT_TEST_PASSPHRASE"]
    # A fork of the warm server: the imports are not in the check's processor time.
    assert value["cpu_s"] < 0.3, value
    assert "SPT_TEST_PASSPHRASE" not in value["environ"]
    assert "PATH" in value["environ"]


HOLDER = """
import sys
from pipeline.signing import bounded
bounded.run_bounded("tests.support.hogs:answer", (1,), bounded.CheckLimits())
print(bounded.server_pid(), flush=True)
if sys.argv[1] == "exit":
    sys.exit(0)
bounded.run_bounded("tests.support.hogs:spin", (), bounded.CheckLimits(seconds=60))
"""


@pytest.mark.parametrize("how", ["exit", "SIGKILL"])
def test_no_server_or_check_outlives_the_process_that_started_it(how):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, how], stdout=subprocess.PIPE,
                              text=True)
    try:
        server = psutil.Process(int(holder.stdout.readline()))
        if how == "SIGKILL":                          # killed in the middle of a check
            child = wait_until(lambda: next(iter(server.children()), None), timeout=10,
                               interval=0.01, what="the spinning check")
            holder.send_signal(signal.SIGKILL)
        assert holder.wait(timeout=30) == (0 if how == "exit" else -signal.SIGKILL)
        wait_until(lambda: _gone(server), timeout=10, what="the server to end")
        if how == "SIGKILL":
            wait_until(lambda: _gone(child), timeout=10, what="the check to end")
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
