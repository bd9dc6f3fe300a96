"""What every DOCX→PDF converter promises, and the checks they share.

A converter writes ``dst`` whole or not at all: LibreOffice writes into a
temporary file in ``dst``'s folder, which is checked to be a PDF and then
renamed into place. LibreOffice can exit 0 without writing anything, so the
output is always checked.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import psutil

from pipeline.folders.atomic import TEMP_PREFIX


class ConversionError(Exception):
    """The document could not be converted; ``str()`` says why (for the log and the drafter)."""


@runtime_checkable
class Converter(Protocol):
    def start(self) -> None:
        """Get ready to convert (may start a server); safe to call once at start-up."""

    def stop(self) -> None:
        """Release everything ``start`` acquired; the converter may be started again."""

    def healthy(self) -> bool:
        """Whether a conversion now would be served as designed (for the watchdog)."""

    def convert(self, src: Path, dst: Path) -> None:
        """Convert the DOCX ``src`` into the PDF ``dst`` (atomically), or raise ConversionError."""


def check_source(src: Path) -> None:
    if not src.is_file():
        raise ConversionError(f"{src.name}: berkas tidak ditemukan")


@contextlib.contextmanager
def atomic_target(dst: Path) -> Iterator[Path]:
    """A temporary path beside ``dst``; renamed to ``dst`` if the block succeeds."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f"{TEMP_PREFIX}{os.getpid()}-{threading.get_ident()}-{dst.stem}.pdf"
    try:
        yield tmp
        check_pdf(tmp)
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def check_pdf(path: Path) -> None:
    """``path`` exists and starts like a PDF."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(5)
    except FileNotFoundError:
        raise ConversionError("LibreOffice tidak menghasilkan PDF") from None
    if head != b"%PDF-":
        raise ConversionError("LibreOffice menghasilkan berkas yang bukan PDF")


def processes_using(marker: str) -> list[psutil.Process]:
    """Our own processes whose command line mentions ``marker`` (a private profile path)."""
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if proc.pid != me and any(marker in part for part in cmdline):
            found.append(proc)
    return found


def kill_leftovers(markers: tuple[str, ...], *, grace: float = 3.0) -> int:
    """End processes tied to a private LibreOffice profile: SIGTERM, then SIGKILL after ``grace``.

    Matching by our own profile path (unique to this workspace) never touches
    another user's or another service's LibreOffice.
    """
    procs = {p.pid: p for m in markers for p in processes_using(m)}
    for proc in procs.values():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            proc.send_signal(signal.SIGTERM)
    _gone, alive = psutil.wait_procs(list(procs.values()), timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            proc.kill()
    if alive:
        psutil.wait_procs(alive, timeout=grace)
    return len(procs)

