"""Warm conversion: a supervised ``unoserver`` keeps one LibreOffice running.

About 0.2 s a document instead of 1.3 s cold. The server runs under the
Python that has LibreOffice's ``uno`` module (Debian: ``/usr/bin/python3``),
with our venv's pure-Python ``unoserver`` package appended to its path; the
client (:class:`unoserver.client.UnoClient`) needs no ``uno`` and runs here.

What can go wrong, and what this module does about it:

* the server dies (or LibreOffice inside it): a supervisor thread restarts it,
  with back-off; meanwhile documents go to the cold ``soffice`` fallback;
* a conversion hangs: every conversion is bounded by ``timeout``; on expiry
  the server is stopped (and restarted by the supervisor) and the conversion
  fails with :class:`ConversionError`. The server is also started with
  ``--conversion-timeout`` so it gives up by itself;
* ``UnoClient`` waits about 40 s for a server that is down: the port is
  checked first (a short connect) and the client is told not to retry;
* one unoserver converts one document at a time: a lock serialises callers;
* stopping: SIGTERM to unoserver alone (it stops its LibreOffice), then any
  leftover process using our private profile is ended. Killing the process
  group instead was seen to leave a stuck ``oosplash`` behind.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import math
import os
import shutil
import socket
import subprocess
import threading
import time
import xmlrpc.client
from pathlib import Path

import psutil
import unoserver
from unoserver.client import UnoClient

from pipeline import processes
from pipeline.convert.base import (
    ConversionError,
    Converter,
    atomic_target,
    check_source,
    kill_leftovers,
)
from pipeline.convert.hardening import harden_profile
from pipeline.convert.soffice import SofficeConverter

log = logging.getLogger("spt.convert")
# The client logs every call at INFO ("Connecting.", "Converting."): keep our log readable.
logging.getLogger("unoserver").setLevel(logging.WARNING)

HOST = "127.0.0.1"
LOG_MAX_BYTES = 1 << 20
# The package directory to put on the uno Python's path (our venv's site-packages).
UNOSERVER_PATH = str(Path(unoserver.__file__).resolve().parent.parent)
# unoserver runs under a small launcher that ends it, and its LibreOffice, when the service
# goes, however it goes (see that module).
LAUNCHER = Path(__file__).with_name("unoserver_launcher.py")


class _ServerGone(Exception):
    """The warm server stopped answering in the middle of a conversion."""


class _OneShotClient(UnoClient):
    """``UnoClient`` without its ~40 s of retries: we check the port ourselves."""

    def _connect(self, proxy, retries=1, sleep=0):
        return super()._connect(proxy, retries=1, sleep=0)


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on the loopback interface right now."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


# CPU priority of the server and its LibreOffice: converting drafts is batch work, and on a
# 2-core machine the service's engine (marks, what officials wait for) should not share its
# core with it. Measured in bench/run.py (throughput).
SERVER_NICE = 10


def _lower_priority(pid: int) -> None:
    """Renice the server and everything it started (soffice.bin, oosplash) to SERVER_NICE."""
    try:
        root = psutil.Process(pid)
        for proc in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                if proc.nice() < SERVER_NICE:
                    proc.nice(SERVER_NICE)
    except psutil.Error as exc:
        log.debug("cannot lower the converter's priority: %s", exc)


class UnoserverConverter:
    """A :class:`~pipeline.convert.base.Converter` backed by a supervised, warm unoserver."""

    def __init__(
        self,
        state_dir: Path,
        *,
        uno_python: Path = Path("/usr/bin/python3"),
        soffice: str = "soffice",
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        fallback: Converter | None = None,
    ):
        self.dir = Path(state_dir).absolute() / "libreoffice"
        self.profile = self.dir / "unoserver-profile"
        self.uno_python = Path(uno_python)
        self.soffice = soffice
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.fallback = fallback or SofficeConverter(
            self.dir / "soffice", soffice=soffice, timeout=timeout
        )
        self.restarts = 0    # times the supervisor brought the server back
        self.fallbacks = 0   # documents converted cold because the server was unavailable
        self._proc: subprocess.Popen | None = None
        self._port = 0
        self._ready = False
        self._convert_lock = threading.Lock()
        self._state_lock = threading.RLock()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._next_attempt = 0.0
        self._backoff = 1.0

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the server and wait until it answers; on failure, keep trying in the background.

        Conversions work from the moment this returns: through the warm server
        if it came up, else through the cold fallback until it does.
        """
        self._stopping.clear()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fallback.start()
        with self._state_lock:
            self._clean_up()  # a server left behind by a crashed run of ours
            try:
                self._launch()
            except ConversionError as exc:
                log.warning("warm converter not available yet (%s); using soffice meanwhile", exc)
                self._schedule_retry()
        if self._supervisor is None or not self._supervisor.is_alive():
            self._supervisor = threading.Thread(
                target=self._supervise, name="unoserver-supervisor", daemon=True
            )
            self._supervisor.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=15)
            self._supervisor = None
        with self._state_lock:
            self._clean_up()
        self.fallback.stop()

    def healthy(self) -> bool:
        """The warm server is up and accepting connections."""
        proc = self._proc
        return (
            self._ready and proc is not None and proc.poll() is None and port_open(self._port)
        )

    @property
    def server_pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    # --- converting ---------------------------------------------------------------------

    def convert(self, src: Path, dst: Path) -> None:
        src, dst = Path(src).absolute(), Path(dst).absolute()
        check_source(src)
        with self._convert_lock:
            proc = self._proc
            if self.healthy():
                started = time.monotonic()
                try:
                    self._convert_warm(src, dst, proc)
                except _ServerGone as exc:
                    log.warning("unoserver stopped answering (%s); restarting it", exc)
                    self._kill_server(proc)
                else:
                    log.info("converted %s with unoserver in %.2f s", src.name,
                             time.monotonic() - started)
                    return
        self.fallbacks += 1
        log.info("warm converter unavailable; converting %s with soffice", src.name)
        self.fallback.convert(src, dst)

    def _convert_warm(self, src: Path, dst: Path, proc: subprocess.Popen | None) -> None:
        port = self._port
        with atomic_target(dst) as tmp:
            outcome: dict[str, BaseException] = {}

            def work() -> None:
                try:
                    _OneShotClient(server=HOST, port=str(port), host_location="local").convert(
                        inpath=str(src), outpath=str(tmp), convert_to="pdf"
                    )
                except BaseException as exc:  # handed to the caller's thread
                    outcome["error"] = exc

            worker = threading.Thread(target=work, name="unoserver-client", daemon=True)
            worker.start()
            worker.join(self.timeout)
            if worker.is_alive():
                log.error("conversion of %s exceeded %g s; restarting unoserver",
                          src.name, self.timeout)
                self._kill_server(proc)
                raise ConversionError(
                    f"{src.name}: konversi melebihi batas waktu {self.timeout:g} detik"
                )
            error = outcome.get("error")
            if error is not None and not self.healthy():
                raise _ServerGone(str(error) or error.__class__.__name__)
            if isinstance(error, xmlrpc.client.Fault):
                message = " ".join(str(error.faultString).split())[-300:]
                raise ConversionError(f"{src.name}: LibreOffice gagal mengonversi: {message}")
            if isinstance(error, (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError)):
                raise _ServerGone(str(error) or error.__class__.__name__)
            if error is not None:
                raise ConversionError(f"{src.name}: konversi gagal: {error}") from error

    # --- the server process -------------------------------------------------------------

    def _launch(self) -> None:
        """Start unoserver on fresh ports and wait until it converts; raise ConversionError."""
        port, uno_port = free_ports(2)
        self.profile.mkdir(parents=True, exist_ok=True)
        harden_profile(self.profile)  # no link updates, no macros (pipeline.convert.hardening)
        cmd = [
            str(self.uno_python), str(LAUNCHER), str(UNOSERVER_PATH),
            "--interface", HOST, "--port", str(port), "--uno-port", str(uno_port),
            "--user-installation", str(self.profile),
            # Its own limit is a backstop (say, if this process vanished mid-call);
            # ours, shorter, decides first.
            "--conversion-timeout", str(math.ceil(self.timeout) + 10),
        ]
        executable = shutil.which(self.soffice)
        if executable:
            cmd += ["--executable", executable]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["SPT_SERVICE_PID"] = str(os.getpid())
        log_path = self.dir / "unoserver.log"
        if log_path.exists() and log_path.stat().st_size > LOG_MAX_BYTES:
            os.replace(log_path, log_path.with_suffix(".log.1"))
        with open(log_path, "ab") as log_file:
            try:
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, env=env,
                    # Its own session: a Ctrl-C meant for the service does not reach it;
                    # the service stops it after finishing the conversion in progress.
                    start_new_session=True,
                )
            except OSError as exc:
                raise ConversionError(f"cannot start unoserver: {exc}") from exc
        self._proc, self._port, self._ready = proc, port, False
        started = time.monotonic()
        deadline = started + self.start_timeout
        while True:
            code = proc.poll()
            if code is not None:
                raise ConversionError(f"unoserver exited with code {code} (see {log_path})")
            if self._answers(port):
                break
            if time.monotonic() > deadline:
                self._clean_up()
                raise ConversionError(f"unoserver not ready after {self.start_timeout:g} s")
            time.sleep(0.25)
        self._ready = True
        self._backoff = 1.0
        _lower_priority(proc.pid)
        log.info("unoserver ready (pid %d, port %d) in %.1f s", proc.pid, port,
                 time.monotonic() - started)

    @staticmethod
    def _answers(port: int) -> bool:
        """The server completes an ``info()`` call (its port opens before it can serve)."""
        if not port_open(port):
            return False
        proxy = xmlrpc.client.ServerProxy(
            f"http://{HOST}:{port}", transport=_TimeoutTransport(2.0), allow_none=True
        )
        try:
            with proxy:
                proxy.info()
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return False
        return True

    def _kill_server(self, proc: subprocess.Popen | None) -> None:
        """Stop the server ``proc`` now (unless already replaced); the supervisor starts another."""
        with self._state_lock:
            if self._proc is proc:
                self._clean_up()
                self._next_attempt = 0.0

    def _clean_up(self) -> None:
        """SIGTERM to unoserver alone, then end whatever still uses our profile."""
        self._ready = False
        proc, self._proc = self._proc, None
        if proc is not None:
            processes.end(proc, grace_seconds=10)
        if kill_leftovers((str(self.profile), self.profile.as_uri())):
            log.warning("ended leftover LibreOffice processes of %s", self.profile)
        with contextlib.suppress(FileNotFoundError):
            (self.profile / ".lock").unlink()  # a stale lock would stall the next start

    def _schedule_retry(self) -> None:
        self._next_attempt = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, 60.0)

    def _supervise(self) -> None:
        while not self._stopping.wait(1.0):
            with self._state_lock:
                if self._stopping.is_set():
                    return
                proc = self._proc
                if proc is not None and proc.poll() is None:
                    continue
                if time.monotonic() < self._next_attempt:
                    continue
                if proc is not None:
                    log.warning("unoserver exited (code %s); restarting it", proc.returncode)
                self._clean_up()
                try:
                    self._launch()
                except ConversionError as exc:
                    log.warning("unoserver restart failed: %s", exc)
                    self._schedule_retry()
                else:
                    self.restarts += 1
