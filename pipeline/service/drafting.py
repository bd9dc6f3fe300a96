"""Making a case's draft: read the invitation, render the SPT, convert it, prepare its fields.

Runs in a worker thread (OCR and LibreOffice take time) and touches no
database: it returns the hashes of the files it stored under
``state/cases/<case>/files/``, and the engine records them. Its CPU-bound
steps (reading the invitation, rendering, measuring where the fields go) run
in a process of their own (:class:`DraftWorker`), so they do not compete with
the engine's marks for the service's one GIL. The fields themselves are added
here, with pyHanko, which the service has loaded anyway for its marks: the
worker then carries no signing library at all (about 25 MB less).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.convert import Converter
from pipeline.core.workflow import Workflow
from pipeline.folders.atomic import TEMP_PREFIX, sha256_bytes, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.service.child import ChildGone, ChildProcess

# Imported where they run: reading (pdfplumber, OCR), rendering (docxtpl) and measuring
# (pdfplumber) in the worker process, so the service's own process does not carry them;
# adding the fields (pyHanko) in the service, so the worker, which imports this module,
# does not carry pyHanko.

log = logging.getLogger(__name__)

# Working folders of a draft carry our temporary prefix: one left by a killed service
# (with LibreOffice's lock files in it) is swept at start-up.
DRAFT_TMP = f"{TEMP_PREFIX}draft-"

FIELD_KEYS = ("nomor", "tanggal", "hal", "pengirim", "acara", "tanggal_mulai",
              "tanggal_selesai", "waktu", "tempat")


@dataclass(frozen=True)
class DraftFiles:
    docx_sha256: str
    pdf_sha256: str
    fields: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def read_invitation(source: Path, limits) -> tuple[dict[str, Any], list[str]]:
    """The invitation's fields (``None`` where unreadable) and notes for the drafter."""
    from pipeline.extract import ExtractionRefused, ExtractLimits, extract

    try:
        result = extract(source, limits=ExtractLimits.from_config(limits))
    except ExtractionRefused as exc:
        return dict.fromkeys(FIELD_KEYS), [str(exc)]
    except Exception:  # never let a bad invitation stop the drafting of its case
        log.exception("extraction failed for %s", source.name)
        return dict.fromkeys(FIELD_KEYS), [
            "Isi surat undangan tidak dapat dibaca otomatis; lengkapi isian secara manual."
        ]
    return dict(result.fields), list(result.notes)


WORKER_ENV = "SPT_DRAFT_WORKER"


class DraftWorkerGone(Exception):
    """The drafting worker process stopped in the middle of a step (the draft is retried)."""


class DraftWorker:
    """A process of its own for drafting's CPU-bound steps; the caller's thread waits.

    Why: the engine thread (marks, seal, mail) is CPU-bound Python, and so are
    reading the invitation, rendering the DOCX and placing the fields (about
    0.35 s a case, mostly pdfplumber). In one process they shared one GIL: in
    the 100-case benchmark the service held the GIL all the time and drafts
    came out at one per 1.1 s. In a process of their own they run on the
    other core. The conversion stays in the calling thread: it waits on
    LibreOffice and holds no GIL.

    The process (:class:`pipeline.service.child.ChildProcess`) is a fresh
    interpreter (forking a process with threads and open databases is unsafe),
    runs at a lower CPU priority (``WORKER_NICE``: the engine's marks come
    first), imports what drafting needs as soon as :meth:`start` starts it,
    ignores SIGINT/SIGTERM (the service stops it once the step in progress is
    done, as it does its LibreOffice) and exits by itself when the service is
    gone. If it dies mid-step, the step raises :class:`DraftWorkerGone`, the
    draft is retried like any failed draft, and a new process is started.
    ``SPT_DRAFT_WORKER=thread`` runs the steps in the calling thread instead.
    """

    MAX_BROKEN = 3  # worker deaths in a row before drafting falls back to the calling thread

    def __init__(self, *, in_thread: bool | None = None):
        if in_thread is None:
            in_thread = os.environ.get(WORKER_ENV, "process").strip().lower() == "thread"
        self.in_thread = in_thread
        self._child: ChildProcess | None = None
        self._lock = threading.Lock()
        self._broken = 0

    def start(self) -> None:
        """Start the process; it imports what drafting needs (about a second) meanwhile."""
        if not self.in_thread:
            try:
                self._process()
            except OSError as exc:
                log.warning("drafting worker process not started (%s); drafting in-thread", exc)
                self.in_thread = True

    def call(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """``fn(*args)`` in the worker process (``fn`` and its values must pickle)."""
        if self.in_thread:
            return fn(*args)
        try:
            child = self._process()
        except OSError as exc:  # cannot start a process here: do it ourselves
            log.warning("drafting worker process unavailable (%s); drafting in-thread", exc)
            self.in_thread = True
            return fn(*args)
        try:
            result = child.call(fn, *args)
        except ChildGone:
            self._discard(child)
            self._broken += 1
            if self._broken >= self.MAX_BROKEN:
                log.error("the drafting worker process died %d times in a row; drafting in "
                          "the service's own process from now on", self._broken)
                self.in_thread = True
            raise DraftWorkerGone("the drafting worker process stopped; will retry") from None
        self._broken = 0
        return result

    def close(self) -> None:
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.close()

    def _process(self) -> ChildProcess:
        with self._lock:
            if self._child is None:
                root = logging.getLogger()
                json_logs = any(type(h.formatter).__name__ == "JsonFormatter"
                                for h in root.handlers)
                self._child = ChildProcess(f"{__name__}:_worker_start", (
                    ("json" if json_logs else "text") if root.handlers else None,
                    logging.getLevelName(root.level),
                ))
            return self._child

    def _discard(self, child: ChildProcess) -> None:
        with self._lock:
            if self._child is child:
                self._child = None
        child.close()


# CPU priority of the drafting worker (and of LibreOffice, see pipeline.convert.unoserver):
# drafting is batch work; the engine's marks are what an official moving a file waits for.
# On 2 cores the engine otherwise shares its core with the worker and LibreOffice.
WORKER_NICE = 10


def _worker_start(log_format: str | None, log_level: str) -> None:
    """In the worker process, first: lower priority, the service's log format, no signals of
    its own; then import what drafting needs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)
    if log_format is not None:
        from pipeline.logs import setup_logging

        setup_logging(log_format, log_level)
    _warm_up()


_in_worker = False  # set in the worker process by _warm_up


def _warm_up() -> None:
    """In the worker: import every drafting step's libraries now, then freeze them for the GC.

    Frozen (``gc.freeze``), the tens of MB of objects from imports are no longer
    traversed by collections, so :func:`_tidy` costs about 8 ms instead of 60-90 ms.
    """
    global _in_worker
    import pipeline.drafting.letter
    import pipeline.extract
    import pipeline.pdf.anchors  # noqa: F401  (all three: imported for their modules)

    gc.collect()
    gc.freeze()
    _in_worker = True


def _tidy() -> None:
    """In the worker, once per draft: collect cycles and hand freed heap back to the system.

    pdfplumber and pyHanko leave reference cycles, and glibc keeps freed memory:
    measured on the SPT letter, the worker's RSS settled at 120 MB with this and
    grew to 144 MB without.
    """
    if not _in_worker:
        return
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _render_letter(config: Config, workflow: Workflow, fields: dict[str, Any],
                   assignees: list[dict[str, Any]], out: Path) -> None:
    """The SPT for ``fields`` and ``assignees``, rendered to the DOCX ``out``."""
    from pipeline.drafting.letter import LetterContext, render_draft

    ctx = LetterContext.build(config=config, workflow=workflow, fields=fields,
                              assignees=assignees)
    render_draft(config.letter.template, ctx, out)


def _measure_letter(pdf: Path, workflow: Workflow):
    """Where the fields go on the converted letter at ``pdf`` (a :class:`LetterLayout`)."""
    from pipeline.pdf.anchors import measure

    try:
        return measure(pdf.read_bytes(), workflow)
    finally:
        _tidy()  # the last step of a draft in the worker


class DraftMaker:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, converter: Converter,
                 worker: DraftWorker | None = None):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.converter = converter
        self.worker = worker or DraftWorker()

    def start(self) -> None:
        """Warm the worker process up (call once at start-up; optional)."""
        self.worker.start()

    def close(self) -> None:
        self.worker.close()

    def first_draft(
        self, case_id: str, source: Path, assignees: list[dict[str, Any]],
        fields: dict[str, Any] | None = None,
    ) -> DraftFiles:
        notes: list[str] = []
        if fields is None:
            fields, notes = self.worker.call(read_invitation, source, self.config.limits)
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=DRAFT_TMP) as tmp:
            docx = Path(tmp) / f"{case_id}.docx"
            self.worker.call(_render_letter, self.config, self.workflow, fields, assignees, docx)
            docx_sha = self._keep(case_id, docx.read_bytes(), "docx")
            pdf_sha = self._convert_and_prepare(case_id, docx, Path(tmp))
        return DraftFiles(docx_sha, pdf_sha, fields, tuple(notes))

    def new_version(self, case_id: str, docx: Path) -> tuple[str, str]:
        """The drafter's edited DOCX becomes a version: (docx hash, prepared PDF hash)."""
        data = docx.read_bytes()
        docx_sha = self._keep(case_id, data, "docx")
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=DRAFT_TMP) as tmp:
            local = Path(tmp) / f"{case_id}.docx"
            local.write_bytes(data)
            pdf_sha = self._convert_and_prepare(case_id, local, Path(tmp))
        return docx_sha, pdf_sha

    def _convert_and_prepare(self, case_id: str, docx: Path, tmp: Path) -> str:
        pdf = tmp / f"{case_id}.pdf"
        from pipeline.pdf.prepare import prepare_for_signing

        self.converter.convert(docx, pdf)
        layout = self.worker.call(_measure_letter, pdf, self.workflow)
        prepared = prepare_for_signing(pdf.read_bytes(), self.workflow, layout)
        return self._keep(case_id, prepared, "pdf")

    def _keep(self, case_id: str, data: bytes, ext: str) -> str:
        sha = sha256_bytes(data)
        target = self.ws.case_file(case_id, sha, ext)
        if not target.exists():
            write_atomic(target, data)
        return sha
