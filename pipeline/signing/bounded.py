"""Checking a PDF from outside in a child process with limits: time, memory, size, revisions,
fields; a clear verdict when one is hit.

Why: a validator fed an arbitrary file can be made to do quadratic work. A 2.2 MB
file with one signature and 400 revisions cost ``spt verify`` 66 s and 503 MB,
four such uploads froze the public page for minutes and left its process at
1.79 GB, and the same check inside the engine stalled every case. So every check
of a file we did not write ourselves (an upload, an approver's signed file,
``spt verify`` of a file that is not the one we issued) runs here:

- a child forked, per check, from this process's check server: a clean interpreter
  (``python -m pipeline.signing.bounded --serve``, its own ``exec``, not a fork of a
  threaded service, started with an environment holding no secret) that imported the
  validation stack once (:data:`PRELOAD`: about 1.3 s of processor time no check pays
  again); each child runs at a lower CPU priority and limits itself (``RLIMIT_AS``
  for memory, ``RLIMIT_CPU`` for :attr:`CheckLimits.seconds` of processor time, all of it the
  check's own: a fork starts at zero) before it reads the file: the cost a file can
  cause is bounded whatever else the machine is doing. A server that died (killed, out
  of memory) is replaced at the next check, and a check it took with it is run again;
  the server ends when the process that started it ends, however it ends (end-of-file on
  its control socket), and each check's child ends with its server
  (``PR_SET_PDEATHSIG``);
- the caller waits at most :func:`wall_seconds` of wall-clock time (the CPU
  limit with room for a busy machine) and kills it after that;
- inside, the file's size, revisions and fields are counted before any signature
  is validated (:func:`structure_problem`);
- the answer comes back as JSON on a pipe of its own (a child that met a hostile file
  is not trusted to hand back a pickle), what it writes to stderr (pyHanko's warnings)
  on another, its exit code from the server; the memory the check used dies with it.

The caller gets the function's value or :class:`CheckRefused` saying, in
Indonesian, which limit was hit.

Why a server of our own and not :mod:`multiprocessing`'s ``forkserver``: that one also
starts the resource tracker (one more interpreter for as long as the process runs, as
:mod:`pipeline.service.child` found), hands every child a copy of its liveness pipe (a
SIGKILLed service's server lives on while a check runs), passes the caller's whole
environment, and is one per process for every user of ``multiprocessing``. The first
check of a process also waits for the server's start within its wall-clock time.
"""

from __future__ import annotations

import array
import atexit
import enum
import json
import logging
import os
import pickle
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("spt.check")

_CHILD_NICE = 10   # the check server's once it has imported, so every check's: below the caller


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

    seconds: float = 5.0            # processor seconds of the check itself (a warm fork)
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


# The validation stack the fork server imports once; every check is a fork of it.
PRELOAD = ("pipeline.config", "pipeline.signing.approver", "pipeline.signing.verify",
           "pipeline.signing.longterm", "pipeline.signing.demo_pki")
ANSWER_MAX_BYTES = 32 * 1024 * 1024   # a report is a few kB; more is a broken child
STDERR_KEPT_BYTES = 64 * 1024         # the end of what the child wrote to stderr
# What of the environment reaches the fork server (and so every check): what Python and
# the libraries need, never a passphrase named by the configuration (SecretRef env).
_ENV_KEPT = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV",
             "SSL_CERT_FILE", "SSL_CERT_DIR")
_ENV_KEPT_PREFIXES = ("LC_", "PYTHON", "COVERAGE_")
_PID = struct.Struct("q")
SERVER_NAME = "spt-checkserver"      # process names (at most 15 characters)
CHILD_NAME = "spt-check"


class _ServerLost(Exception):
    """The fork server ended before it forked the check or took the check's child with it
    (killed, crashed): start another."""

    def __init__(self, server: subprocess.Popen, why: str):
        super().__init__(why)
        self.server = server


class _ForkServer:
    """A clean interpreter (its own ``exec``, not a fork of a threaded service) that has
    imported :data:`PRELOAD` and forks one child per check.

    The only other end of its control socket is this process's: when this process ends,
    however it ends, the server reads end-of-file and exits, and each check's child, killed
    by the kernel when the server ends (``PR_SET_PDEATHSIG``), goes with it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None

    def _running(self) -> tuple[subprocess.Popen, socket.socket]:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                assert self._sock is not None
                return self._proc, self._sock
            if self._proc is not None:       # died (killed by IT, OOM): reaped, replaced
                log.warning("check server %d ended (%s); starting another",
                            self._proc.pid, self._proc.returncode)
                self._close_unlocked()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            env = {k: v for k, v in os.environ.items()
                   if k in _ENV_KEPT or k.startswith(_ENV_KEPT_PREFIXES)}
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", __name__, "--serve", str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
            finally:
                theirs.close()
            # Reaped the moment it ends (killed by IT, the OOM killer), not left a zombie in
            # IT's process list until the next check finds it gone.
            threading.Thread(target=self._proc.wait, name="check-server-reaper",
                             daemon=True).start()
            self._sock = ours
            return self._proc, ours

    def fork(self, fds: list[int], memory_mb: int, seconds: float) -> subprocess.Popen:
        """Ask for a check's child with ``fds`` (payload, answer, stderr, status); the
        server asked."""
        proc, sock = self._running()
        request = json.dumps({"memory_mb": memory_mb, "seconds": seconds}).encode()
        try:
            sock.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                      array.array("i", fds))])
        except OSError as exc:       # the server ended since: its end of the socket is gone
            raise _ServerLost(proc, str(exc)) from None
        return proc

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._proc.pid if self._proc is not None else None

    def _close_unlocked(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=5)     # end-of-file: it exits at once
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        """End the server (and with it any check still running)."""
        with self._lock:
            self._close_unlocked()

    def lost(self, proc: subprocess.Popen) -> None:
        """``proc`` failed a check: reap it (its socket may close just before it can be
        waited for) unless another thread replaced it already."""
        with self._lock:
            if self._proc is proc:
                self._close_unlocked()


_server = _ForkServer()
atexit.register(_server.stop)


def stop_server() -> None:
    """End this process's check server now (it is started again by the next check)."""
    _server.stop()


def server_pid() -> int | None:
    """The check server's process id, if one was started."""
    return _server.pid


def _run(function: str, args: tuple, limits: CheckLimits) -> Any:
    try:
        return _run_once(function, args, limits)
    except _ServerLost as exc:
        # The server ended before this check was forked (or took its child with it):
        # the check never ran; once more with a new server.
        log.warning("check %s: the check server ended (%s); once more", function, exc)
        _server.lost(exc.server)
    try:
        return _run_once(function, args, limits)
    except _ServerLost:
        log.warning("check %s: the check server ended again", function)
        raise CheckRefused(Limit.FAILED, limit_message(Limit.FAILED, limits)) from None


def _run_once(function: str, args: tuple, limits: CheckLimits) -> Any:
    payload = pickle.dumps((function, args, limits))
    started = time.monotonic()
    deadline = started + wall_seconds(limits)
    theirs: list[int] = []
    ours: list[int] = []
    try:
        for mine_is_read in (False, True, True, True):   # payload, answer, stderr, status
            r, w = os.pipe()
            ours.append(r if mine_is_read else w)
            theirs.append(w if mine_is_read else r)
        server = _server.fork(theirs, limits.memory_mb, limits.seconds)
        for fd in theirs:
            os.close(fd)
        theirs = []
        payload_w, answer_r, err_r, status_r = ours
        pid, code, out, err, timed_out = _talk(payload_w, answer_r, err_r, status_r,
                                               payload, deadline)
    finally:
        for fd in theirs + ours:
            with suppress(OSError):
                os.close(fd)
    if timed_out and pid is None:
        # Not the file's doing: the server did not fork it in time (stopped, or still
        # starting on a machine this busy).
        log.warning("check %s: the check server %d did not start it in %.1f s", function,
                    server.pid, time.monotonic() - started)
        raise CheckRefused(Limit.FAILED, limit_message(Limit.FAILED, limits))
    if timed_out:
        log.warning("check %s: stopped after %.1f s", function, time.monotonic() - started)
        raise CheckRefused(Limit.TIME, limit_message(Limit.TIME, limits))
    if pid is None:
        raise _ServerLost(server, "no child")
    if code is None and not out:
        raise _ServerLost(server, f"child {pid} without an exit status")
    try:
        answer = json.loads(out.decode("utf-8")) if out else None
    except (UnicodeDecodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        # Killed by the kernel (CPU limit: SIGXCPU/SIGKILL) or died in a memory failure.
        limit = Limit.TIME if code in (-9, -24) else Limit.MEMORY \
            if b"MemoryError" in err else Limit.FAILED
        log.warning("check %s: child ended with %s (%s)", function, code,
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


def _talk(payload_w: int, answer_r: int, err_r: int, status_r: int, payload: bytes,
          deadline: float) -> tuple[int | None, int | None, bytes, bytes, bool]:
    """Hand the payload to the child, read its answer, stderr and exit status until all
    are closed or ``deadline`` passes (then the child is killed): ``(pid, exit code,
    answer, stderr, timed out)``; ``pid`` ``None``: the server never forked it."""
    os.set_blocking(payload_w, False)
    view = memoryview(payload)
    out = bytearray()
    err = bytearray()
    status = bytearray()
    pid: int | None = None
    code: int | None = None
    timed_out = False
    sel = selectors.DefaultSelector()
    try:
        sel.register(payload_w, selectors.EVENT_WRITE)
        for fd in (answer_r, err_r, status_r):
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0 and not timed_out:
                timed_out = True
                if pid is None:
                    break              # never forked: nothing of the file ran
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10   # its pipes close as it dies
                continue
            if left <= 0:
                break
            for key, _mask in sel.select(left):
                fd = key.fd
                if fd == payload_w:
                    try:
                        view = view[os.write(fd, view[:65536]):]
                    except BrokenPipeError:   # the child ended before reading it all
                        view = view[:0]
                    if not view:     # closed by the caller only: a number reused meanwhile
                        sel.unregister(fd)   # by another thread must not be closed twice
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    sel.unregister(fd)
                    continue
                if fd == answer_r:
                    if len(out) + len(chunk) > ANSWER_MAX_BYTES:
                        sel.unregister(fd)   # an answer this long is not one: FAILED
                        out.clear()
                        continue
                    out += chunk
                elif fd == err_r:
                    err += chunk
                    del err[:-STDERR_KEPT_BYTES]
                else:
                    status += chunk
                    if pid is None and len(status) >= _PID.size:
                        pid = _PID.unpack_from(status)[0]
                    if len(status) >= 2 * _PID.size:
                        code = _PID.unpack_from(status, _PID.size)[0]
    finally:
        sel.close()
    return pid, code, bytes(out), bytes(err), timed_out


def _serve(control: int) -> int:
    """The fork server: import the validation stack once, then fork a check per request."""
    import importlib

    _set_name(SERVER_NAME)
    sock = socket.socket(fileno=control)
    # At the caller's priority: on a busy machine a server at nice 10 took longer to import
    # than the first check's whole wall-clock time (12 s at load 5 on 2 cores).
    for name in PRELOAD:
        importlib.import_module(name)
    # Every check at a lower CPU priority (a fork inherits it): the pages and the service
    # come first.
    os.nice(_CHILD_NICE)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, int] = {}        # pid -> the caller's status pipe
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    me = os.getpid()
    while True:
        for key, _mask in sel.select():
            if key.fd == wake_r:
                os.read(wake_r, 4096)
                continue
            fds: list[int] = []
            msg, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(4 * 16))
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds += array.array("i", data[:len(data) - len(data) % 4])
            if not msg:                  # the caller's process ended: so do we
                return 0
            if len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                continue
            request = json.loads(msg)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    sel.close()
                    sock.close()
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in (wake_r, wake_w, *children.values()):
                        os.close(fd)
                    payload_r, answer_w, err_w, status_w = fds
                    os.close(status_w)
                    os.dup2(payload_r, 0)
                    os.dup2(answer_w, 1)
                    os.dup2(err_w, 2)
                    for fd in (payload_r, answer_w, err_w):
                        os.close(fd)
                    code = _child(request["memory_mb"], request["seconds"], me)
                finally:
                    os._exit(code)
            status_w = fds[3]
            for fd in fds[:3]:
                os.close(fd)
            with suppress(OSError):
                os.write(status_w, _PID.pack(pid))
            children[pid] = status_w
        while children:                  # reap what ended; tell each its exit code
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            status_w = children.pop(pid, None)
            if status_w is not None:
                with suppress(OSError):
                    os.write(status_w, _PID.pack(os.waitstatus_to_exitcode(status)))
                os.close(status_w)


def _set_name(name: str) -> None:
    """What ``ps``/``top`` and :meth:`psutil.Process.name` show for this process (a fork
    keeps the server's command line)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _child(memory_mb: int, seconds: float, parent: int) -> int:
    """A check in a fork of the server (stdin: the payload, stdout: the answer)."""
    import ctypes
    import importlib
    import resource

    # Killed by the kernel when the server ends (and the server when the process that
    # started it ends: even SIGKILLed, they leave no check behind); gone already: stop.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        return 1
    _set_name(CHILD_NAME)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A fork starts at zero processor time: all of it is the check's own.
    cpu = max(1, int(seconds + 0.5))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    out = sys.stdout.buffer
    try:
        function, args, limits = pickle.load(sys.stdin.buffer)
        module, _, name = function.partition(":")
        fn = getattr(importlib.import_module(module), name)
        answer: dict = {"ok": True, "value": fn(*args, limits)}
    except CheckRefused as exc:
        answer = {"ok": False, "limit": exc.limit.value, "detail": str(exc)}
    except MemoryError:
        answer = {"ok": False, "limit": Limit.MEMORY.value}
    except Exception as exc:  # a verdict, not a crash: the caller says "cannot be checked"
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        answer = {"ok": False, "limit": Limit.FAILED.value}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    answer["peak_mb"] = usage.ru_maxrss / 1024
    answer["cpu_s"] = usage.ru_utime + usage.ru_stime
    out.write(json.dumps(answer).encode("utf-8"))
    out.flush()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    # Run as __main__, this module's own classes would not be the ones the checks raise.
    from pipeline.signing.bounded import _serve as serve

    sys.exit(serve(int(sys.argv[2])))
