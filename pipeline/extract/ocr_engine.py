"""Tesseract kept loaded in a child process: each reading costs the recognition, not a start-up.

Why: started as a program, Tesseract loads its models for every reading
(``ind+eng``: ~0.3 s CPU before it looks at the image), and a scanned page takes
two or three readings (the page, a missed band, the doubtful words). Measured
here (2 cores), that load was a quarter of a scan's OCR time. This module runs
libtesseract (through ``tesserocr``) in one child process that loads the models
once and then reads image after image.

It stays bounded like the program it replaces:

- the child runs in its own process group; a reading not answered by the
  caller's deadline gets the group killed (SIGKILL) and :class:`OcrTimeout`
  raised; the next reading starts a fresh child;
- the child reads requests from a pipe; when its parent goes away (the pipe
  closes) or no request came for :data:`IDLE_SECONDS`, it exits, so an idle
  service does not hold the models' memory;
- one thread at a time uses the child (a lock, waited for within the same
  deadline); a forked process never uses its parent's child.

The protocol is one JSON line each way: ``{"image": path, "psm": n}`` in,
``{"tsv": text}`` or ``{"error": text}`` out.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

IDLE_SECONDS = 300.0  # the child exits after this long without a request
_TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    "left\ttop\twidth\theight\tconf\ttext\n"
)
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


class EngineError(Exception):
    """The engine could not read the image; ``str()`` says why."""


class EngineTimeout(EngineError):
    pass


def tessdata(languages: str) -> str | None:
    """The folder holding every model ``languages`` names (``ind+eng``), or None."""
    names = [name for name in languages.split("+") if name]
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    for folder in candidates:
        if folder and all((Path(folder) / f"{n}.traineddata").is_file() for n in names):
            return folder
    return None


def available(languages: str) -> bool:
    """Whether the engine can start: tesserocr installed (looked up, not loaded here: only the
    child loads libtesseract) and the models for ``languages`` found."""
    import importlib.util

    return importlib.util.find_spec("tesserocr") is not None and tessdata(languages) is not None


class _Child:
    def __init__(self, languages: str):
        folder = tessdata(languages)
        if folder is None:
            raise EngineError(f"model Tesseract untuk {languages} tidak ditemukan")
        self.languages = languages
        self.owner = os.getpid()
        self.proc = subprocess.Popen(
            # This file run on its own (-I: not beside its siblings, whose names such as
            # numbers.py shadow the standard library's): the child imports tesserocr and the
            # standard library only, not the extractor (a third of a second saved per start).
            [
                sys.executable,
                "-I",
                str(Path(__file__).resolve()),
                folder,
                languages,
                str(IDLE_SECONDS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # killed as a group, apart from the service
            env=dict(os.environ, OMP_THREAD_LIMIT="1"),  # the service shares 2 cores
            cwd="/",
        )
        # Reaped the moment it ends (idle, killed), not left a zombie until the next reading.
        threading.Thread(target=self.proc.wait, name="ocr-engine-reaper", daemon=True).start()
        self.idle = IDLE_SECONDS
        self.last_used = time.monotonic()

    def alive(self) -> bool:
        return (
            self.proc.poll() is None
            # the child leaves by itself when idle: retire it before it might
            and time.monotonic() - self.last_used < self.idle * 0.9
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        self.proc.wait()

    def ask(self, request: dict, deadline: float) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        line = _read_line(self.proc.stdout, deadline)
        self.last_used = time.monotonic()
        return json.loads(line)


def _read_line(stream, deadline: float) -> bytes:
    """One line from the child's pipe, waiting no later than ``deadline``."""
    fd = stream.fileno()
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                raise EngineTimeout("batas waktu OCR habis")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EngineError("mesin OCR berhenti tanpa jawaban")
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                return b"".join(chunks)


_lock = threading.Lock()
_child: _Child | None = None


def _ready_child(languages: str) -> _Child:
    """The child to ask, started now if there is none fit to use (lock held)."""
    global _child
    child = _child
    if child is not None and child.owner != os.getpid():
        child = None  # a forked copy: the pipes are the parent's, never ours to use
    if child is not None and (not child.alive() or child.languages != languages):
        child.kill()
        child = None
    if child is None:
        child = _Child(languages)
    _child = child
    return child


def start(languages: str) -> None:
    """Start the child now, if none is running, so that it loads its models while the
    caller renders the page; errors wait for :func:`read_tsv` to report them."""
    if _lock.acquire(blocking=False):
        try:
            _ready_child(languages)
        except (EngineError, OSError):
            pass
        finally:
            _lock.release()


def read_tsv(image: Path, *, psm: int, languages: str, deadline: float) -> str:
    """Tesseract's TSV (with its header row) for the image file at ``image``.

    :class:`EngineTimeout` when ``deadline`` (a ``time.monotonic()`` value) passes
    first: the child is then killed with everything it started.
    """
    return _TSV_HEADER + _ask({"image": str(image), "psm": psm}, languages, deadline)["tsv"]


def orientation(image: Path, *, deadline: float, languages: str = "ind+eng") -> int:
    """Degrees to turn the page in ``image`` clockwise to make it upright (0, 90, 180, 270),
    by Tesseract's orientation detection (the ``osd`` model, loaded in the child on first
    use); :class:`EngineError` when it cannot tell."""
    answer = _ask({"image": str(image), "osd": True}, languages, deadline)
    return int(answer["rotate"])


def _ask(request: dict, languages: str, deadline: float) -> dict:
    """The child's answer to ``request``; the child is killed on a timeout or a broken pipe."""
    global _child
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not _lock.acquire(timeout=remaining):
        raise EngineTimeout("batas waktu OCR habis")
    try:
        child = _ready_child(languages)
        try:
            answer = child.ask(request, deadline)
        except (EngineError, OSError, ValueError) as exc:
            child.kill()
            _child = None
            if isinstance(exc, EngineError):
                raise
            raise EngineError(f"mesin OCR gagal: {exc}") from None
    finally:
        _lock.release()
    if "error" in answer:
        raise EngineError(str(answer["error"])[:200])
    return answer


def stop(*, blocking: bool = True) -> None:
    """End the child now; with ``blocking=False`` only if no other thread is using it."""
    global _child
    if not _lock.acquire(blocking=blocking):
        return
    try:
        if _child is not None and _child.owner == os.getpid():
            _child.kill()
        _child = None
    finally:
        _lock.release()


def cpu_seconds() -> float:
    """CPU time the live child has used so far (the benchmark adds it to its own)."""
    child = _child
    if child is None or child.owner != os.getpid() or child.proc.poll() is not None:
        return 0.0
    try:
        import psutil

        times = psutil.Process(child.proc.pid).cpu_times()
    except Exception:
        return 0.0
    return times.user + times.system


def _serve(folder: str, languages: str, idle: float) -> int:
    """The child: load the models once, then answer requests until the pipe closes."""
    import tesserocr

    api = tesserocr.PyTessBaseAPI(path=folder, lang=languages, psm=tesserocr.PSM.AUTO)
    osd = None  # the orientation model: only sideways photos need it
    stdin = sys.stdin.buffer
    with selectors.DefaultSelector() as sel:
        sel.register(stdin.fileno(), selectors.EVENT_READ)
        while sel.select(idle):
            line = stdin.readline()
            if not line:
                return 0
            try:
                request = json.loads(line)
                if request.get("osd"):
                    if osd is None:
                        osd = tesserocr.PyTessBaseAPI(
                            path=folder, lang="osd", psm=tesserocr.PSM.OSD_ONLY
                        )
                    osd.SetImageFile(str(request["image"]))
                    found = osd.DetectOrientationScript()
                    if not found:
                        raise ValueError("orientation not found")
                    # Tesseract gives the page's orientation; turning it upright is the reverse.
                    answer = {"rotate": (360 - int(found["orient_deg"])) % 360}
                else:
                    api.SetPageSegMode(int(request["psm"]))
                    api.SetImageFile(str(request["image"]))
                    answer = {"tsv": api.GetTSVText(0)}
            except Exception as exc:  # reported to the caller, who decides
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                api.Clear()  # the page's image and results: only the models stay
                if osd is not None:
                    osd.Clear()
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the child ends
    sys.exit(_serve(sys.argv[1], sys.argv[2], float(sys.argv[3])))
