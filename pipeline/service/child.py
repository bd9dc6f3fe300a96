"""One child Python process that runs the service's calls, one at a time, over a pipe.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: started with
``spawn``, it also starts multiprocessing's resource tracker (one more Python
process, about 12 MB, for as long as the service runs), and its worker never
learns that a SIGKILLed service is gone (it holds a copy of its queue's
writing end), so it needed a thread watching its parent. Here the only
writing end of the child's call pipe is the service's: when the service ends,
however it ends, the child reads end-of-file and exits.

Calls and results cross as pickles (``fn`` must be a module-level function);
an exception raised by ``fn`` is raised again in the caller.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

STOP_TIMEOUT = 60.0  # seconds the child may take to finish the call in progress


class ChildGone(Exception):
    """The child process ended (killed, crashed) before it answered the call."""


class ChildProcess:
    """A started child running ``init(*init_args)`` first (named ``"module:function"``)."""

    def __init__(self, init: str, init_args: Sequence[Any] = ()):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(to_child_r), str(from_child_w), init,
                 json.dumps(list(init_args))],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._calls: BinaryIO = os.fdopen(to_child_w, "wb")
        self._results: BinaryIO = os.fdopen(from_child_r, "rb")
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """``fn(*args)`` in the child, waiting for it; :class:`ChildGone` if the child ended."""
        call = pickle.dumps((fn, args))  # before writing: a call that does not pickle
        with self._lock:                  # must not leave half a call in the pipe
            try:
                self._calls.write(call)
                self._calls.flush()
                ok, value = pickle.load(self._results)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError):
                raise ChildGone(f"child process {self.proc.pid} ended") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Let the call in progress finish, then end the child (killed after STOP_TIMEOUT)."""
        for end in (self._calls, self._results):
            with contextlib.suppress(OSError):
                end.close()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _serve(calls: BinaryIO, results: BinaryIO) -> None:
    while True:
        try:
            fn, args = pickle.load(calls)
        except EOFError:
            return  # the service closed its end, or is gone
        try:
            answer: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:  # handed back to the caller
            answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception:  # an answer that does not pickle: say what it was
            value = answer[1]
            data = pickle.dumps((False, RuntimeError(f"{type(value).__name__}: {value}")))
        try:
            results.write(data)
            results.flush()
        except BrokenPipeError:
            return


def main(argv: list[str]) -> int:
    calls_fd, results_fd, init, init_args = argv
    module, _, function = init.partition(":")
    getattr(importlib.import_module(module), function)(*json.loads(init_args))
    with os.fdopen(int(calls_fd), "rb") as calls, os.fdopen(int(results_fd), "wb") as results:
        _serve(calls, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
