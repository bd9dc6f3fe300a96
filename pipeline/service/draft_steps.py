"""Drafting's CPU-bound steps, and the intake's file checks, as the drafting worker runs them.

The worker (:class:`pipeline.service.drafting.DraftWorker`) imports this module
and what its steps need, nothing more: every step takes plain values (paths,
an :class:`~pipeline.extract.ExtractLimits`, a built
:class:`~pipeline.drafting.letter.LetterContext`, the
:class:`~pipeline.core.workflow.Workflow`), so the worker never loads the
configuration models (pydantic) or the signing libraries (pyHanko) that the
service has. ``tests/unit/test_process_imports.py`` keeps it so.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.core.workflow import Workflow
from pipeline.service import memory

if TYPE_CHECKING:
    from pipeline.drafting.letter import LetterContext
    from pipeline.extract import ExtractLimits
    from pipeline.pdf.fields import LetterLayout
    from pipeline.untrusted.files import Invitation

log = logging.getLogger("pipeline.service.drafting")

# CPU priority of the drafting worker (and of LibreOffice, see pipeline.convert.unoserver):
# drafting is batch work; the engine's marks are what an official moving a file waits for.
# On 2 cores the engine otherwise shares its core with the worker and LibreOffice.
WORKER_NICE = 10

_Step = TypeVar("_Step", bound=Callable[..., Any])


def _step(fn: _Step) -> _Step:
    """A step of the worker: its garbage is freed as it returns (:func:`_tidy`)."""

    @functools.wraps(fn)
    def step(*args: Any) -> Any:
        try:
            return fn(*args)
        finally:
            _tidy()

    return step  # type: ignore[return-value]


@_step
def check_file(data: bytes, name: str, limits: ExtractLimits) -> Invitation:
    """Whether a file from outside is a usable invitation (:func:`check_bytes`), parsed here:
    hostile PDFs meet the parser away from the service's keys, and its memory."""
    from pipeline.untrusted.files import check_bytes

    return check_bytes(data, name, limits)


@_step
def check_attached_pdf(data: bytes, limits: ExtractLimits) -> int:
    """An email's attached PDF: its page count, or ``Unusable`` (see :func:`check_file`)."""
    from pipeline.untrusted.files import check_pdf_bytes

    return check_pdf_bytes(data, limits)


@_step
def photo_pdf(data: bytes) -> bytes:
    """A photo of the letter (JPG/PNG) made the invitation's PDF: straightened, evened out, one
    page (:func:`pipeline.extract.photo.photo_to_pdf`); ``Unusable`` when it cannot be."""
    from pipeline.extract.limits import ExtractionRefused
    from pipeline.extract.photo import photo_to_pdf
    from pipeline.untrusted.files import Unusable

    try:
        return photo_to_pdf(data)
    except ExtractionRefused as exc:
        raise Unusable(exc.reason) from None


@_step
def read_invitation(source: Path, limits: ExtractLimits) -> tuple[dict[str, Any], list[str]]:
    """The invitation's fields (``None`` where unreadable) and notes for the drafter."""
    from pipeline.extract import FIELD_KEYS, ExtractionRefused, extract

    try:
        result = extract(source, limits=limits)
    except ExtractionRefused as exc:
        return dict.fromkeys(FIELD_KEYS), [str(exc)]
    except Exception:  # never let a bad invitation stop the drafting of its case
        log.exception("extraction failed for %s", source.name)
        return dict.fromkeys(FIELD_KEYS), [
            "Isi surat undangan tidak dapat dibaca otomatis; lengkapi isian secara manual."
        ]
    return dict(result.fields), list(result.notes)


@_step
def render_letter(template: Path, ctx: LetterContext, out: Path) -> None:
    """The SPT for ``ctx``, rendered from ``template`` to the DOCX ``out``."""
    from pipeline.drafting.letter import render_draft

    render_draft(template, ctx, out)


@_step
def measure_letter(pdf: Path, workflow: Workflow) -> LetterLayout:
    """Where the fields go on the converted letter at ``pdf``."""
    from pipeline.pdf.anchors import measure

    return measure(pdf.read_bytes(), workflow)


@_step
def read_signatory_block(pdf: Path) -> tuple[str, str]:
    """The signatory's office line(s) and name as the letter at ``pdf`` prints them."""
    from pipeline.pdf.anchors import printed_signatory

    return printed_signatory(pdf.read_bytes())


@_step
def read_kepada_pdf(pdf: Path) -> list[list[str]]:
    """The Kepada rows the converted letter shows (the draft check compares them)."""
    from pipeline.pdf.kepada import kepada_rows

    return kepada_rows(pdf.read_bytes())


def worker_start(log_format: str | None, log_level: str) -> None:
    """In the worker process, first: lower priority, the service's log format, no signals of
    its own (the service stops it); then import what drafting needs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICE)
    if log_format is not None:
        from pipeline.logs import setup_logging

        setup_logging(log_format, log_level)
    warm_up()


_in_worker = False  # set in the worker process by warm_up


def warm_up() -> None:
    """In the worker: import every drafting step's libraries now, then freeze them for the GC
    (:func:`pipeline.service.memory.settle_startup`)."""
    global _in_worker
    from pipeline.drafting.letter import load_rendering
    from pipeline.extract import extract  # noqa: F401  (imported for its modules)
    from pipeline.pdf.anchors import measure  # noqa: F401
    from pipeline.untrusted.files import check_bytes  # noqa: F401

    load_rendering()
    memory.settle_startup()
    _in_worker = True


def _tidy() -> None:
    """In the worker, after each step: free its cyclic garbage (pdfplumber's pages, pypdf's
    objects) and trim the heap. In thread mode the service's loop does it."""
    if _in_worker:
        memory.release()
