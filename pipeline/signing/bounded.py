"""Checking a PDF from outside in a child process with limits: time, memory, size, revisions,
fields; a clear verdict when one is hit.

Why: a validator fed an arbitrary file can be made to do quadratic work. A 2.2 MB
file with one signature and 400 revisions cost ``spt verify`` 66 s and 503 MB,
four such uploads froze the public page for minutes and left its process at
1.79 GB, and the same check inside the engine stalled every case. So every check
of a file we did not write ourselves (an upload, an approver's signed file,
``spt verify`` of a file that is not the one we issued) runs here:

- a fresh interpreter (``python -m pipeline.signing.bounded``), at a lower CPU
  priority, that imports the validation stack, then limits itself
  (``RLIMIT_AS`` for memory, ``RLIMIT_CPU`` for :attr:`CheckLimits.seconds` of
  processor time, start-up included) before it reads the file: the cost a file can
  cause is bounded whatever else the machine is doing;
- the caller waits at most :func:`wall_seconds` of wall-clock time (the CPU
  limit with room for a busy machine) and kills it after that;
- inside, the file's size, revisions and fields are counted before any signature
  is validated (:func:`structure_problem`);
- the answer comes back as JSON (a child that met a hostile file is not trusted
  to hand back a pickle); the memory the check used dies with the process.

The caller gets the function's value or :class:`CheckRefused` saying, in
Indonesian, which limit was hit.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("spt.check")

# Room above the file itself for the framing of what is handed to the child.
_CHILD_NICE = 10


class Limit(enum.StrEnum):
    TIME = "waktu"
    MEMORY = "memori"
    SIZE = "ukuran"
    REVISIONS = "revisi"
    FIELDS = "kolom"
    BUSY = "sibuk"
    FAILED = "gagal"


@dataclass(frozen=True)
class CheckLimits:
    """What one check may cost (``spt.toml`` ``[signature_check]``; units in the names)."""

    seconds: float = 5.0            # processor seconds, the child's start-up included
    memory_mb: int = 256
    max_bytes: int = 10 * 1024 * 1024
    max_revisions: int = 24
    max_fields: int = 64


class CheckRefused(Exception):
    """The check hit a limit (``limit``) or failed; ``str()`` is the Indonesian verdict."""

    def __init__(self, limit: Limit, message: str):
        super().__init__(message)
        self.limit = limit


def limit_message(limit: Limit, limits: CheckLimits, detail: str = "") -> str:
    """The verdict a person reads when a check stopped at ``limit``."""
    texts = {
        Limit.TIME: f"pemeriksaan berkas melampaui batas waktu ({limits.seconds:g} detik)",
        Limit.MEMORY: f"pemeriksaan berkas melampaui batas memori {limits.memory_mb} MB",
        Limit.SIZE: f"berkas lebih besar dari {limits.max_bytes // (1024 * 1024)} MB",
        Limit.REVISIONS: f"berkas memuat {detail} revisi; surat kami paling banyak "
                         f"{limits.max_revisions}",
        Limit.FIELDS: f"berkas memuat {detail} kolom formulir; surat kami paling banyak "
                      f"{limits.max_fields}",
        Limit.FAILED: "berkas tidak dapat diperiksa",
    }
    if limit is Limit.BUSY:
        return ("layanan pemeriksaan sedang sibuk memeriksa berkas lain; silakan coba lagi "
                "dalam satu menit")
    return (texts[limit] + ": berkas ini tidak dapat dinyatakan sah dan tidak diproses"
            " (berkas SPT yang asli jauh lebih kecil dan sederhana)")


WALL_FACTOR = 6.0  # wall-clock time allowed per processor second (a shared, busy machine)


def wall_seconds(limits: CheckLimits) -> float:
    """How long the caller waits for a check before killing it."""
    return limits.seconds * WALL_FACTOR


def structure_problem(reader, limits: CheckLimits) -> tuple[Limit, str] | None:
    """Too many revisions or fields: counted from the cross-reference sections and the
    form, which is linear work, before any signature is validated."""
    revisions = reader.xrefs.total_revisions
    if revisions > limits.max_revisions:
        return Limit.REVISIONS, str(revisions)
    try:
        form = reader.root["/AcroForm"]
        count = _count_fields(form["/Fields"], limits.max_fields + 1)
    except (KeyError, TypeError):
        count = 0
    if count > limits.max_fields:
        return Limit.FIELDS, f"lebih dari {limits.max_fields}"
    return None


def _count_fields(fields, stop: int, depth: int = 0) -> int:
    count = 0
    for ref in fields:
        count += 1
        if count >= stop or depth > 8:
            return count
        obj = ref.get_object() if hasattr(ref, "get_object") else ref
        kids = obj.get("/Kids") if hasattr(obj, "get") else None
        if kids is not None:
            count += _count_fields(kids, stop - count, depth + 1)
    return count


class CheckGate:
    """At most ``running`` checks at once in this process, and at most ``waiting`` more
    queued; beyond that a check is refused as busy at once (its caller, a web thread, is
    freed for the pages instead of waiting)."""

    def __init__(self, running: int, waiting: int):
        self.running = running
        self.waiting = waiting
        self._slots = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self._queued = 0

    @contextmanager
    def slot(self, timeout: float) -> Iterator[None]:
        with self._lock:
            if self._queued >= self.running + self.waiting:
                raise CheckRefused(Limit.BUSY, "")
            self._queued += 1
        try:
            if not self._slots.acquire(timeout=timeout):
                raise CheckRefused(Limit.BUSY, "")
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._queued -= 1


_gates: dict[tuple[int, int], CheckGate] = {}
_gates_lock = threading.Lock()


def gate(running: int, waiting: int) -> CheckGate:
    """This process's gate for ``running`` checks at once (one per setting)."""
    with _gates_lock:
        return _gates.setdefault((running, waiting), CheckGate(running, waiting))


def run_bounded(function: str, args: tuple, limits: CheckLimits, *,
                gate: CheckGate | None = None, queue_seconds: float = 60.0) -> Any:
    """``module:function(*args, limits)`` in a bounded child; its JSON value.

    Raises :class:`CheckRefused` when a limit is hit or the child fails. With ``gate``, the
    check first waits (at most ``queue_seconds``) for one of the gate's slots.
    """
    if gate is None:
        return _run(function, args, limits)
    try:
        with gate.slot(queue_seconds):
            return _run(function, args, limits)
    except CheckRefused as exc:
        if exc.limit is Limit.BUSY:
            raise CheckRefused(Limit.BUSY, limit_message(Limit.BUSY, limits)) from None
        raise


def _run(function: str, args: tuple, limits: CheckLimits) -> Any:
    payload = pickle.dumps((function, args, limits))
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", __name__, str(limits.memory_mb), str(limits.seconds),
         str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(payload, timeout=wall_seconds(limits))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        log.warning("check %s: stopped after %.1f s", function, time.monotonic() - started)
        raise CheckRefused(Limit.TIME, limit_message(Limit.TIME, limits)) from None
    try:
        answer = json.loads(out.decode("utf-8")) if out else None
    except (UnicodeDecodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        # Killed by the kernel (CPU limit: SIGXCPU/SIGKILL) or died in a memory failure.
        limit = Limit.TIME if proc.returncode in (-9, -24) else Limit.MEMORY \
            if b"MemoryError" in err else Limit.FAILED
        log.warning("check %s: child ended with %s (%s)", function, proc.returncode,
                    err.decode("utf-8", "replace")[-300:].strip())
        raise CheckRefused(limit, limit_message(limit, limits))
    if err:  # pyHanko's own warnings about the file, mostly
        log.debug("check %s: %s", function, err.decode("utf-8", "replace")[-300:].strip())
    log.info("check %s: %.2f s (%.2f s of processor time), peak %.0f MB in the child",
             function, time.monotonic() - started, answer.get("cpu_s", 0),
             answer.get("peak_mb", 0))
    if not answer.get("ok"):
        limit = Limit(answer.get("limit", Limit.FAILED.value))
        raise CheckRefused(limit, limit_message(limit, limits, answer.get("detail", "")))
    return answer["value"]


def _child(memory_mb: int, seconds: float, parent: int) -> int:
    import ctypes
    import resource
    import signal

    # Killed by the kernel when the thread that started us ends (the service or the page,
    # however they end: even SIGKILLed, they leave no check behind); gone already: stop.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        return 1

    # What every check needs, imported before the limits apply (about 90 MB of address space).
    import pipeline.signing.approver
    import pipeline.signing.verify  # noqa: F401

    # Run as __main__, this module's own classes are not the ones the checks raise.
    from pipeline.signing.bounded import CheckRefused as Refused
    from pipeline.signing.bounded import Limit as Limits

    os.nice(_CHILD_NICE)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = max(1, int(seconds + 0.5))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    out = sys.stdout.buffer
    try:
        function, args, limits = pickle.load(sys.stdin.buffer)
        module, _, name = function.partition(":")
        import importlib

        fn = getattr(importlib.import_module(module), name)
        answer: dict = {"ok": True, "value": fn(*args, limits)}
    except Refused as exc:
        answer = {"ok": False, "limit": exc.limit.value, "detail": str(exc)}
    except MemoryError:
        answer = {"ok": False, "limit": Limits.MEMORY.value}
    except Exception as exc:  # a verdict, not a crash: the caller says "cannot be checked"
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        answer = {"ok": False, "limit": Limits.FAILED.value}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    answer["peak_mb"] = usage.ru_maxrss / 1024
    answer["cpu_s"] = usage.ru_utime + usage.ru_stime
    out.write(json.dumps(answer).encode("utf-8"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])))
