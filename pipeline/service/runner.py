"""``spt serve``: start every part, run until SIGTERM/SIGINT, stop cleanly.

Start-up checks everything first (configuration, keys, directory, template,
LibreOffice) and refuses to start half-configured. The first SIGTERM finishes
the step in progress and takes no new work; a second one stops at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.config import Config
from pipeline.folders.layout import Workspace
from pipeline.folders.watch import FolderWatcher
from pipeline.service import memory
from pipeline.service.clock import Clock, clock_from_env
from pipeline.service.lock import WorkspaceLock

log = logging.getLogger("spt.service")


class StartupError(Exception):
    """The service cannot start; the message says what to fix."""


class StoppedDuringStartup(BaseException):
    """SIGTERM/SIGINT arrived while the service was still starting.

    Raised from the signal handler into :meth:`Service.build` wherever it is (LibreOffice
    starting, keys loading), so that :meth:`Service.shutdown` ends what was already started
    instead of the default handler killing the process and orphaning it. A
    ``BaseException``, so that no ``except Exception`` on the way swallows it.
    """


class Service:
    def __init__(self, config: Config, *, clock: Clock | None = None):
        self.config = config
        self.clock = clock or clock_from_env()
        self.ws = Workspace(config)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pending: set[Path] = set()
        self._pending_lock = threading.Lock()
        self._signals = 0
        self._starting = False
        self.engine = None
        self.board = None
        self.converter = None
        self.watcher: FolderWatcher | None = None
        self.lock = WorkspaceLock(self.ws.lock_file)
        self.threads: list = []
        self._calls: queue.Queue[tuple[Callable[[], object], cf.Future]] = queue.Queue()

    # --- assembling ---------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the service cleanly, from the first instant of start-up."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def build(self) -> None:
        """Check and start every part; raise :class:`StartupError` naming what is wrong.

        A stop signal meanwhile raises :class:`StoppedDuringStartup` (after
        :meth:`install_signal_handlers`); the caller then calls :meth:`shutdown`.
        """
        self._starting = True
        try:
            self._build()
        finally:
            self._starting = False

    def _build(self) -> None:
        from pipeline.checks import startup_problems
        from pipeline.convert import make_converter
        from pipeline.service.engine import Engine
        from pipeline.service.finalize import Finalizer
        from pipeline.service.notify import Notifier
        from pipeline.service.office import Office
        from pipeline.service.signer import MarkSigner
        from pipeline.signing.appearance import warm_up
        from pipeline.signing.keys import KeyRing, KeyRingError
        from pipeline.store.db import thread_store

        self.ws.ensure()
        problems = startup_problems(self.config)
        try:
            keyring = KeyRing.load(self.config)
        except KeyRingError as exc:
            problems.append(str(exc))
            keyring = None
        if keyring is not None:
            problems += _revoked_keys(self.config, keyring)
        if problems:
            raise StartupError("\n".join(problems))
        self.lock.acquire()
        lost = lost_database_problem(self.ws)
        if lost:
            raise StartupError(lost)
        store = thread_store(self.ws.database)
        self.converter = make_converter(self.config, self.ws.state)
        workflow = self.config.workflow()
        office = Office(self.config, workflow, self.ws, store, self.clock)
        notifier = Notifier(office)

        def warm() -> None:
            warm_up()  # the marks' fonts (about 0.5 s of CPU), rather than in the first mark
            # This year's holidays, from a child process of about 40 MB for 0.35 s (see
            # pipeline.ops.holiday_table): before the drafting worker starts, so that the
            # two are never alive together.
            notifier.calendar.holiday_name(self.clock.now().date())

        # Both while LibreOffice starts.
        warming = threading.Thread(target=warm, name="warm-up", daemon=True)
        warming.start()
        self.converter.start()
        warming.join()
        finalizer = Finalizer(office, keyring=keyring, notifier=notifier)
        self.engine = Engine(
            office, converter=self.converter,
            signer=MarkSigner(self.config, workflow, self.ws, keyring), finalizer=finalizer,
            notifier=notifier, wake=self._wake.set,
        )
        self.engine.drafts.start()  # the drafting worker process imports in the background
        from pipeline.reports.board import StatusBoard

        self.board = StatusBoard(self.config, workflow, store, notifier.calendar)
        self.threads = notifier.background_workers(self._wake.set)
        if self.config.mail.imap is not None:
            self.threads.append(self._imap_watcher())

    def _imap_watcher(self):
        """The mailbox watcher; every message it hands over is decided in the engine's thread."""
        from pipeline.mail.imap import ImapWatcher
        from pipeline.service.mailin import MailActions
        from pipeline.store.db import thread_store

        actions = MailActions(self.engine)

        def store():
            return thread_store(self.ws.database)

        def is_pemohon(address: str) -> bool:
            return store().cases.has_issued_for(address)

        return ImapWatcher(
            self.config, store,
            handler=lambda msg: self.call_in_engine(lambda: actions.handle(msg)),
            on_refused=lambda head, reason: self.call_in_engine(
                lambda: actions.refused(head, reason)),
            also_allowed=is_pemohon,
        )

    def call_in_engine(self, fn: Callable[[], object], timeout: float = 600.0) -> object:
        """Run ``fn`` in the engine's thread (between two steps) and return its result."""
        fut: cf.Future = cf.Future()
        self._calls.put((fn, fut))
        self._wake.set()
        return fut.result(timeout=timeout)

    # --- running --------------------------------------------------------------------

    def notify_folder(self, folder: Path) -> None:
        with self._pending_lock:
            self._pending.add(folder)
        self._wake.set()

    def request_stop(self, *_args) -> None:
        if self._starting:
            self._starting = False  # raised once; shutdown() then runs without interruption
            log.info("stop requested during start-up: ending what was started")
            raise StoppedDuringStartup()
        self._signals += 1
        if self._signals > 1:
            log.warning("second stop signal: stopping now")
            os._exit(1)
        log.info("stop requested: finishing the step in progress")
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        engine = self.engine
        assert engine is not None, "build() first"
        self.install_signal_handlers()
        try:
            engine.startup()
            engine.scan_all()
            self.watcher = FolderWatcher(
                self.ws.watched_dirs(), mode=self.config.watch.mode,
                poll_interval=self.config.watch.poll_interval, notify=self.notify_folder,
            )
            self.watcher.start()
            for worker in self.threads:
                worker.start()
            self._refresh_board()
            _sd_notify("READY=1")
            log.info("spt service running on %s (%d stages)", self.ws.root,
                     len(engine.workflow.stages))
            self._loop()
        finally:
            self.shutdown()

    def _loop(self) -> None:
        engine = self.engine
        rescan = self.config.watch.rescan_seconds
        next_full = time.monotonic() + rescan
        while not self._stop.is_set():
            due = engine.next_due()
            started = time.monotonic()
            timeout = max(0.0, next_full - started)
            if due is not None:
                timeout = min(timeout, due + 0.05)
            board_due = self.board.next_due() if self.board is not None else None
            if board_due is not None:
                timeout = min(timeout, board_due + 0.05)
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stop.is_set():
                break
            # Before any step: commits must never go into a deleted or replaced file.
            engine.store.check_same_file()
            try:
                self._run_calls()
                with self._pending_lock:
                    folders, self._pending = self._pending, set()
                for folder in sorted(folders):
                    engine.scan_folder(folder)
                engine.collect_drafts()
                engine.collect_checks()
                if due is not None and time.monotonic() - started >= due:
                    # A file settling or waiting (for its reason, for its copy to end)
                    # reached its time: look at everything again. Each waiting file asks
                    # for one such look per threshold (SettleTracker.next_due), so a
                    # leftover nobody acts on never makes this loop spin.
                    engine.scan_all()
                if time.monotonic() >= next_full:
                    next_full = time.monotonic() + rescan
                    self._periodic()
                remade = engine.action_folders.take_remade()
                if remade and self.watcher is not None:
                    self.watcher.rewatch(remade)
                self._refresh_board()
            except Exception:
                # Whatever one step hit (a folder vanishing under it, a full disk), the
                # service carries on: the next scan looks at everything again.
                log.exception("a step of the service failed; carrying on")
                self._stop.wait(1.0)
            memory.release()  # this round's garbage (PDFs read and signed), about 4 ms
            _sd_notify("WATCHDOG=1" if self._healthy() else "")

    def _waiting_calls(self) -> Iterator[tuple[Callable[[], object], cf.Future]]:
        """The calls queued for the engine thread, taken one by one until none is left."""
        while True:
            try:
                yield self._calls.get_nowait()
            except queue.Empty:
                return

    def _run_calls(self) -> None:
        for fn, fut in self._waiting_calls():
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:  # handed back to the calling thread
                fut.set_exception(exc)

    def _periodic(self) -> None:
        engine = self.engine
        if self.watcher is not None and self.watcher.ensure_alive():
            log.warning("folder watcher restarted")
        engine.scan_all()
        for case in engine.store.cases.active():
            engine.reconcile(case)
        engine.reconcile_cancelled()  # `spt batal` from another process
        try:
            engine.notifier.send_reminders()
        except Exception:
            log.exception("sending mutu baku reminders failed; will retry")

    def _refresh_board(self) -> None:
        """The status board in the share, rewritten when what it shows changed."""
        if self.board is None:
            return
        try:
            self.board.refresh(self.clock.now())
        except Exception:
            log.exception("writing the status board failed; will retry")

    def _healthy(self) -> bool:
        engine = self.engine
        return bool(self.watcher and self.watcher.alive() and engine is not None
                    and engine.store.same_file())

    def shutdown(self) -> None:
        # Calls still waiting for the engine are abandoned: their messages stay unread on the
        # server (not recorded as seen) and are taken again at the next start.
        for _, fut in self._waiting_calls():
            fut.cancel()
        for worker in self.threads:
            try:
                worker.stop()
            except Exception:
                log.exception("stopping %s", worker)
        if self.watcher is not None:
            self.watcher.stop()
        if self.engine is not None:
            self.engine.close()
        if self.converter is not None:
            self.converter.stop()
        self.lock.release()
        log.info("spt service stopped")


def lost_database_problem(ws: Workspace) -> str | None:
    """Why the service must not start on a workspace whose database has vanished.

    A new, empty database would hand out numbers from 1 again and forget every case. The
    workspace's history says whether a database should be there: any case kept under
    ``state/cases/`` or any letter in ``arsip/``.
    """
    if ws.database.exists():
        return None
    cases_dir = ws.state / "cases"
    cases = sum(1 for _ in cases_dir.iterdir()) if cases_dir.is_dir() else 0
    letters = sum(1 for p in ws.arsip.rglob("*.pdf")) if ws.arsip.is_dir() else 0
    if not cases and not letters:
        return None
    return (f"basis data {ws.database} tidak ada, padahal workspace ini sudah berisi "
            f"{cases} kasus (state/cases/) dan {letters} surat di arsip/. Layanan tidak "
            "dimulai dengan basis data kosong (nomor akan berulang dari 1): kembalikan "
            "berkas basis data atau pulihkan dari cadangan.")


def _sd_notify(message: str) -> None:
    if not message or not os.environ.get("NOTIFY_SOCKET"):
        return
    try:
        import sdnotify

        sdnotify.SystemdNotifier().notify(message)
    except Exception:  # never let systemd plumbing stop the service
        log.debug("sd_notify failed", exc_info=True)


def _revoked_keys(config, keyring) -> list[str]:
    """A revoked key stops the start-up; a CA that cannot be asked is only logged."""
    from pipeline.signing.revocation import check_signers

    problems = []
    for status in check_signers(config, keyring.signers, approvers=True):
        if status.revoked:
            problems.append(status.message)
        elif status.unknown:
            log.warning("%s", status.message)
    return problems
