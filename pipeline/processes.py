"""Ending a child process this program started: SIGTERM first, SIGKILL if it does not go."""

from __future__ import annotations

import signal
import subprocess


def end(proc: subprocess.Popen, *, grace_seconds: float) -> None:
    """SIGTERM to ``proc`` (if still running); SIGKILL after ``grace_seconds``; reaped."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
