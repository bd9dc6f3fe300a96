"""The reason of a return (and of a cancellation): found, waited for, taken once, never lost.

An official returns a case by moving its PDF into ``dikembalikan/`` with the reason in a
text beside it. People write that text the Windows way (see
:mod:`pipeline.untrusted.people_text`): created empty and typed later, before or long after
the move, named ``<case>.txt.txt`` or ``<case>.TXT`` or ``New Text Document.txt``, typed
in Word, saved as UTF-16. The rules (docs/windows-share.md, "Reasons"):

* A reason file counts once it is non-empty and has stopped changing; every reason file
  for the case is read (two files: both texts, in name order).
* With no usable reason yet, the return waits up to ``watch.reason_wait_seconds`` with a
  note in ``dikembalikan/`` saying so; then it is recorded "tanpa alasan" and a new note
  invites the official to write it still.
* A reason written after its return was recorded (the case is no longer at that stage)
  is forwarded: an audit entry ``stage.return_reason`` and an addendum to the note at the
  stage the case went back to. It is never kept for a later return.
* Every reason file taken is kept under ``state/cases/<case>/alasan/`` (nothing is lost,
  nothing is left behind to be reused).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from pathlib import Path

from pipeline.folders import notes
from pipeline.folders.atomic import remove_quietly, unique_path, write_atomic
from pipeline.folders.layout import CANCEL, CASE_FILE, StageFolder, Workspace
from pipeline.folders.settle import SettleTracker
from pipeline.service.clock import Clock
from pipeline.store import Store
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord
from pipeline.untrusted.people_text import (
    MAX_DOCUMENT_BYTES,
    is_unnamed_text,
    read_reason,
    reason_case,
)
from pipeline.untrusted.reading import read_untrusted

log = logging.getLogger("spt.returns")

NO_REASON = "tanpa alasan"


def _exact_docx(folder: Path) -> bool:
    """In ``batal/`` the case's DOCX is the draft being cancelled, not a reason."""
    return folder.name != CANCEL


def reason_files(folder: Path, case: str, *, only_case_waiting: bool) -> list[Path]:
    """The texts in ``folder`` that are ``case``'s reason: named after it, or (when it is the
    only case waiting there) a text named by nobody's case (``New Text Document.txt``)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    named = [p for p in entries if reason_case(p.name, exact_docx=_exact_docx(folder)) == case]
    if only_case_waiting:
        named += [p for p in entries if is_unnamed_text(p.name)]
    return named


def cases_waiting(folder: Path) -> set[str]:
    """Cases whose file lies in ``folder``: a PDF in ``dikembalikan/`` (a DOCX there is a
    reason typed in Word), a PDF or DOCX in ``batal/``."""
    try:
        return {m.group("case").upper() for p in folder.iterdir()
                if (m := CASE_FILE.match(p.name))
                and (m.group("ext").lower() == "pdf" or not _exact_docx(folder))}
    except OSError:
        return set()


def waiting_note_path(folder: Path, case: str) -> Path:
    return folder / f"{case}.galat.txt"


class Reasons:
    """Finds, waits for and keeps the reasons written in a folder for a case."""

    def __init__(self, ws: Workspace, store: Store, settle: SettleTracker, clock: Clock, *,
                 wait_seconds: float):
        self.ws = ws
        self.store = store
        self.settle = settle
        self.clock = clock
        self.wait_seconds = wait_seconds
        self._deadlines: dict[Path, float] = {}
        self._reported: set[Path] = set()

    # --- waiting for a reason -------------------------------------------------------

    def reason_for(self, case: CaseRecord, moved: Path, *,
                   what: str) -> tuple[str, list[Path]] | None:
        """``(reason, files)`` for the case file ``moved`` (``reason`` may be
        :data:`NO_REASON`), or ``None`` while waiting. ``what`` names the act for notes
        ("pengembalian", "pembatalan")."""
        folder = moved.parent
        alone = cases_waiting(folder) == {case.id}
        files = reason_files(folder, case.id, only_case_waiting=alone)
        texts: list[str] = []
        problems: list[str] = []
        pending = False
        for f in files:
            if not self.settle.is_settled(f):
                pending = True  # being typed, saved or copied
                continue
            got = read_reason(f)
            if got.problem:
                problems.append(got.problem)
            elif got.text:
                if got.text not in texts:
                    texts.append(got.text)
            else:
                pending = True  # created empty (Explorer), not typed yet
        now = time.monotonic()
        deadline = self._deadlines.setdefault(moved, now + self.wait_seconds)
        if (pending or not texts) and now < deadline:
            note = waiting_note_path(folder, case.id)
            if not note.exists():
                write_atomic(note, notes.reason_waiting(case.id, what, self.wait_seconds,
                                                        problems))
            return None
        self.forget(moved)
        reason = "\n\n".join(texts)
        if problems:
            reason = "\n".join(filter(None, [reason, "(Berkas alasan yang tidak dapat dibaca: "
                                             + "; ".join(problems) + ")"]))
        return (reason or NO_REASON), files

    def forget(self, moved: Path) -> None:
        self._deadlines.pop(moved, None)
        self._reported.discard(moved)

    def next_due(self) -> float | None:
        """Seconds until a waiting return should be decided; each deadline reported once."""
        now = time.monotonic()
        dues = []
        for path, deadline in list(self._deadlines.items()):
            if not path.exists():
                self.forget(path)  # moved away again: nothing to wait for
                continue
            if path in self._reported:
                continue
            if deadline <= now:
                self._reported.add(path)
            dues.append(max(0.0, deadline - now))
        return min(dues) if dues else None

    # --- after the act was recorded ----------------------------------------------------

    def keep(self, case: CaseRecord, files: list[Path]) -> None:
        """Move the reason files taken into ``state/cases/<case>/alasan/``."""
        self.copy_in(case, files)
        self.release(case, files)

    def copy_in(self, case: CaseRecord, files: list[Path]) -> None:
        """Copy the reason files taken into ``state/cases/<case>/alasan/``, inside the
        transaction that records the act they explain: whoever sees the act recorded sees
        its reasons kept. A copy already there (the same name and bytes, left by a run
        killed before its commit) is not made twice. The originals go after the commit
        (:meth:`release`), so a crash before it loses nothing: the act is decided again
        with them."""
        folder = self.ws.case_dir(case.id) / "alasan"
        for f in files:
            try:
                # Never through a link: an official's "reason" may point at a secret.
                data = read_untrusted(f, MAX_DOCUMENT_BYTES)
            except FileNotFoundError:
                continue
            except OSError as exc:  # a link, too large, unreadable: the audit log says why
                log.warning("%s: cannot copy the reason %r (%s)", case.id, f.name, exc)
                continue
            if _kept_already(folder, f.name, data):
                continue
            kept = write_atomic(unique_path(folder / f.name), data)
            log.info("%s: reason %r kept as %s", case.id, f.name, kept.name)

    def release(self, case: CaseRecord, files: list[Path]) -> None:
        """Remove the originals of reasons copied in (after the act was committed)."""
        for f in files:
            try:
                remove_quietly(f)
            except OSError as exc:  # a read-only folder: its text is in the audit log
                log.warning("%s: cannot move the reason %r away (%s)", case.id, f.name, exc)

    def release_kept(self, case: CaseRecord, folder: Path) -> None:
        """Remove the reasons in ``folder`` already kept with the recorded act (the service
        stopped between its commit and :meth:`release`): kept once, not set aside again."""
        alone = cases_waiting(folder) == {case.id}
        kept = self.ws.case_dir(case.id) / "alasan"
        for f in reason_files(folder, case.id, only_case_waiting=alone):
            with contextlib.suppress(OSError):
                if _kept_already(kept, f.name, read_untrusted(f, MAX_DOCUMENT_BYTES)):
                    self.release(case, [f])

    def done_note(self, folder: Path, case: CaseRecord, reason: str, *, to_role: str) -> None:
        """The note left after a return without a reason (it invites one); removed otherwise."""
        try:
            self._done_note(folder, case, reason, to_role=to_role)
        except OSError as exc:  # the return is recorded; a note that cannot be written waits
            log.warning("%s: cannot write the note in %s (%s)", case.id, folder, exc)

    def _done_note(self, folder: Path, case: CaseRecord, reason: str, *, to_role: str) -> None:
        note = waiting_note_path(folder, case.id)
        if reason == NO_REASON:
            write_atomic(note, notes.reason_missing(case.id, self.wait_seconds, to_role))
        elif os.path.lexists(note):
            remove_quietly(note)

    # --- reasons written after the return ------------------------------------------------

    def late(self, sf: StageFolder) -> list[tuple[CaseRecord, str]]:
        """Reasons in ``sf``'s ``dikembalikan/`` written after their case's return there was
        recorded: recorded now; returns ``(case, reason)`` for the caller to forward."""
        folder = sf.returned
        waiting = cases_waiting(folder)
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return []
        by_case: dict[str, list[Path]] = {}
        for p in entries:
            case_id = reason_case(p.name, exact_docx=_exact_docx(folder))
            if case_id and case_id not in waiting:
                by_case.setdefault(case_id, []).append(p)
        forwarded = []
        for case_id, files in by_case.items():
            case = self.store.cases.get(case_id)
            if case is None:
                continue
            if case.state.status.value == "in_chain" and case.state.stage == sf.stage.index:
                continue  # written before the move: it waits for the case file
            returns = [e for e in self.store.audit.for_case(case_id)
                       if e.action is AuditAction.STAGE_RETURNED and e.stage == sf.stage.key]
            if not returns:
                continue  # no return from here to attach it to: left as it is
            texts = []
            ready = True
            for f in files:
                if not self.settle.is_settled(f):
                    ready = False
                    continue
                got = read_reason(f)
                if got.text and got.text not in texts:
                    texts.append(got.text)
                elif not got.text and not got.problem:
                    ready = False
            if not ready or not texts:
                continue
            reason = "\n\n".join(texts)
            if all(t in str(returns[-1].detail.get("reason", "")) for t in texts):
                # Already recorded with the return (the service stopped before moving the
                # file away): kept, not forwarded a second time.
                self.keep(case, files)
                continue
            with self.store.transaction():
                self.store.audit.append(
                    AuditAction.STAGE_RETURN_REASON, case_id=case_id, stage=sf.stage.key,
                    actor=f"{sf.stage.person.name} ({sf.stage.key})",
                    at=self.clock.now(),
                    detail={"reason": reason, "late": True, "return_seq": returns[-1].seq})
                self.copy_in(case, files)
            self.release(case, files)
            remove_quietly(waiting_note_path(folder, case_id))
            log.info("%s: a reason for its return from %s arrived later; forwarded",
                     case_id, sf.stage.key)
            forwarded.append((case, reason))
        return forwarded


def _kept_already(folder: Path, name: str, data: bytes) -> bool:
    """``folder`` holds ``name`` (or ``name`` numbered by :func:`unique_path`) with ``data``."""
    stem, suffix = os.path.splitext(name)
    numbered = re.compile(re.escape(stem) + r" \(\d+\)" + re.escape(suffix))
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return False
    for p in entries:
        if p.name == name or numbered.fullmatch(p.name):
            with contextlib.suppress(OSError):
                if p.stat().st_size == len(data) and p.read_bytes() == data:
                    return True
    return False


__all__ = ["NO_REASON", "Reasons", "cases_waiting", "reason_files"]
