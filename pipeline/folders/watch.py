"""Noticing changes in the watched folders (watchdog), on local disks and on shares.

Network shares (SMB/NFS) deliver no inotify events for remote writes
(watchdog #409, #504): there the polling observer is used. Events only say
*which folder to look at*; what happened is always decided by rescanning the
folder (a rename can arrive as delete+create, watchdog #576), and a full
rescan runs periodically in case an event was lost. The observer is
supervised: a polling thread can die silently on an I/O error (#1065).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "9p", "davfs", "fuse.rclone"}


def filesystem_type(path: Path) -> str:
    """The mount's filesystem type for ``path`` (Linux ``/proc/mounts``), or ``""``."""
    try:
        target = os.path.realpath(path)
        best, kind = "", ""
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mount = parts[1].replace("\\040", " ")
                if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(
                    mount
                ) > len(best):
                    best, kind = mount, parts[2]
        return kind
    except OSError:
        return ""


def choose_mode(mode: str, paths: Iterable[Path]) -> str:
    """``inotify`` or ``poll``: ``auto`` polls when any watched folder is on a network share."""
    if mode != "auto":
        return mode
    for path in paths:
        if filesystem_type(path) in NETWORK_FS:
            return "poll"
    return "inotify"


class _Relay(FileSystemEventHandler):
    def __init__(self, notify: Callable[[Path], None]):
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path]
        if getattr(event, "dest_path", None):
            paths.append(event.dest_path)
        for raw in paths:
            p = Path(os.fsdecode(raw))
            self.notify(p if event.is_directory else p.parent)


class FolderWatcher:
    """Calls ``notify(folder)`` whenever something may have changed in ``folder``."""

    def __init__(self, folders: list[Path], *, mode: str, poll_interval: float,
                 notify: Callable[[Path], None]):
        self.folders = folders
        self.mode = choose_mode(mode, folders)
        self.poll_interval = poll_interval
        self.notify = notify
        self._observer: BaseObserver | None = None
        self._relay: _Relay | None = None
        self._watches: dict[Path, ObservedWatch] = {}

    def start(self) -> None:
        if self.mode == "poll":
            observer: BaseObserver = PollingObserver(timeout=self.poll_interval)
        else:
            observer = Observer()
        relay = _Relay(self.notify)
        self._relay = relay
        self._watches = {}
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._watches[folder] = observer.schedule(relay, str(folder), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer
        log.info("watching %d folders (%s)", len(self.folders), self.mode)

    def rewatch(self, folders: Iterable[Path]) -> None:
        """Watch ``folders`` again: each was renamed or deleted and made anew, and an inotify
        watch stays with the directory it was set on (the renamed one) or ends with it."""
        if self._observer is None:
            return
        for folder in folders:
            old = self._watches.pop(folder, None)
            if old is not None:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(old)
            try:
                self._watches[folder] = self._observer.schedule(
                    self._relay, str(folder), recursive=False)
            except OSError as exc:  # gone again: the next rescan makes it and asks again
                log.warning("cannot watch %s again: %s", folder, exc)
                continue
            log.info("watching %s again (it was made anew)", folder)

    def alive(self) -> bool:
        return self._observer is not None and self._observer.is_alive()

    def ensure_alive(self) -> bool:
        """Restart a dead observer; true if it had to be restarted."""
        if self.alive():
            return False
        log.warning("folder watcher stopped; restarting it")
        self.stop()
        self.start()
        return True

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=5)
            self._observer = None
