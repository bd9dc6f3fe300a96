"""Making a case's draft: read the invitation, render the SPT, convert it, prepare its fields.

Runs in a worker thread (OCR and LibreOffice take time) and touches no
database: it returns the hashes of the files it stored under
``state/cases/<case>/files/``, and the engine records them. Its CPU-bound
steps (reading the invitation, rendering, measuring where the fields go:
:mod:`pipeline.service.draft_steps`) run in a process of their own
(:class:`DraftWorker`), so they do not compete with the engine's marks for
the service's one GIL. What needs the configuration or pyHanko stays here:
the letter's context is built here and handed over built, and the fields are
added here with the pyHanko the service has loaded anyway for its marks. The
worker then carries neither (about 45 MB less).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.convert import Converter
from pipeline.core.workflow import Workflow
from pipeline.folders.atomic import TEMP_PREFIX
from pipeline.folders.layout import Workspace
from pipeline.service import draft_steps as steps
from pipeline.service.child import ChildGone, ChildProcess

log = logging.getLogger(__name__)

# Working folders of a draft carry our temporary prefix: one left by a killed service
# (with LibreOffice's lock files in it) is swept at start-up.
DRAFT_TMP = f"{TEMP_PREFIX}draft-"


@dataclass(frozen=True)
class DraftFiles:
    docx_sha256: str
    pdf_sha256: str
    fields: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


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
    runs at a lower CPU priority (``draft_steps.WORKER_NICE``: the engine's
    marks come first), imports what drafting needs as soon as :meth:`start` starts it,
    ignores SIGINT/SIGTERM (the service stops it once the step in progress is
    done, as it does its LibreOffice) and exits by itself when the service is
    gone. If it dies mid-step, the step raises :class:`DraftWorkerGone`, the
    draft is retried like any failed draft, and a new process is started.
    ``SPT_DRAFT_WORKER=thread`` runs the steps in the calling thread instead.

    The intake's checks of files from outside run here too (``draft_steps.check_file``):
    pypdf then loads only in this process, and a hostile PDF meets its parser away from
    the service's keys.
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
                self._child = ChildProcess("pipeline.service.draft_steps:worker_start", (
                    ("json" if json_logs else "text") if root.handlers else None,
                    logging.getLevelName(root.level),
                ))
            return self._child

    def _discard(self, child: ChildProcess) -> None:
        with self._lock:
            if self._child is child:
                self._child = None
        child.close()


class DraftMaker:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, converter: Converter,
                 worker: DraftWorker | None = None):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.converter = converter
        self.worker = worker or DraftWorker()
        self._converted: dict[tuple[str, str], str] = {}  # (case, DOCX hash) -> PDF hash

    def start(self) -> None:
        """Warm the worker process up (call once at start-up; optional)."""
        self.worker.start()

    def close(self) -> None:
        self.worker.close()

    def first_draft(
        self, case_id: str, source: Path, assignees: list[dict[str, Any]],
        fields: dict[str, Any] | None = None, workflow: Workflow | None = None,
    ) -> DraftFiles:
        """The first draft; ``workflow``: the chain as held when drafted (a Plh./Plt. then
        appears in the paraf table and the signature block), else the configured one."""
        from pipeline.drafting.letter import LetterContext
        from pipeline.extract import ExtractLimits

        notes: list[str] = []
        if fields is None:
            fields, notes = self.worker.call(steps.read_invitation, source,
                                             ExtractLimits.from_config(self.config.limits))
        ctx = LetterContext.build(config=self.config, workflow=workflow or self.workflow,
                                  fields=fields,
                                  assignees=assignees)
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=DRAFT_TMP) as tmp:
            docx = Path(tmp) / f"{case_id}.docx"
            self.worker.call(steps.render_letter, self.config.letter.template, ctx, docx)
            docx_sha = self.ws.keep(case_id, docx.read_bytes(), "docx")
            pdf_sha = self._convert_and_prepare(case_id, docx, Path(tmp))
        return DraftFiles(docx_sha, pdf_sha, fields, tuple(notes))

    def new_version(self, case_id: str, docx: Path) -> tuple[str, str]:
        """The drafter's edited DOCX becomes a version: (docx hash, prepared PDF hash).

        The draft check converts the DOCX to compare what the letter shows with what it
        holds; the same DOCX is then not converted a second time when the case advances.
        """
        data = docx.read_bytes()
        docx_sha = self.ws.keep(case_id, data, "docx")
        cached = self._converted.get((case_id, docx_sha))
        if cached is not None and self.ws.case_file(case_id, cached, "pdf").exists():
            return docx_sha, cached
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=DRAFT_TMP) as tmp:
            local = Path(tmp) / f"{case_id}.docx"
            local.write_bytes(data)
            pdf_sha = self._convert_and_prepare(case_id, local, Path(tmp))
        if len(self._converted) >= 32:
            self._converted.pop(next(iter(self._converted)))
        self._converted[(case_id, docx_sha)] = pdf_sha
        return docx_sha, pdf_sha

    def kepada_shown(self, pdf: Path) -> list[list[str]]:
        """The Kepada rows the letter at ``pdf`` shows: [nama, NIP, pangkat/gol., jabatan]."""
        return self.worker.call(steps.read_kepada_pdf, pdf)

    def signatory_shown(self, pdf: Path) -> tuple[str, str]:
        """The signatory's office line(s) and name as the letter at ``pdf`` prints them."""
        return self.worker.call(steps.read_signatory_block, pdf)

    def _convert_and_prepare(self, case_id: str, docx: Path, tmp: Path) -> str:
        pdf = tmp / f"{case_id}.pdf"
        from pipeline.pdf.prepare import prepare_for_signing

        self.converter.convert(docx, pdf)
        layout = self.worker.call(steps.measure_letter, pdf, self.workflow)
        prepared = prepare_for_signing(pdf.read_bytes(), self.workflow, layout)
        return self.ws.keep(case_id, prepared, "pdf")
