"""Files the engine did not take: a refused move, an agreement sent back to drafting, a
file of no case. Each is recorded before anything is shown, then its effects follow.

In the engine's order (docs/design.md, "Crash safety: compute, commit, then show"): the
decision's audit entry and a pending row (:mod:`pipeline.store.refusals`) commit in one
transaction, in which nothing outside the database is written (a full disk or an
unwritable ``outbox/`` cannot undo the decision, only delay its effects). Then
:meth:`NotTaken.finish` carries out the effects, each of which may run twice: the refused
file kept, the note to the official, the mail. The restart and every full scan finish
whatever a crash left pending (:meth:`NotTaken.finish_all`), and never record the same
decision a second time.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.folders import notes
from pipeline.folders.atomic import move_into, remove_quietly, sha256_file, write_atomic
from pipeline.folders.layout import StageFolder, note_path
from pipeline.service.faults import crash_point
from pipeline.service.office import InOffice, Office
from pipeline.store.audit import AuditAction
from pipeline.store.refusals import KeptIn, PendingRefusal, RefusalKind

if TYPE_CHECKING:
    from pipeline.service.holders import Holders
    from pipeline.service.notify import Notifier

log = logging.getLogger("spt.engine")


class NotTaken(InOffice):
    """The one place that records and finishes a file the engine did not take."""

    def __init__(self, office: Office, *, notifier: Notifier, holders: Holders):
        super().__init__(office)
        self.notifier = notifier
        self.holders = holders

    def record_refusal(self, pending: PendingRefusal, *, actor: str, code: str,
                       detail: dict) -> PendingRefusal:
        """Step 1 of a refused move: its ``STAGE_REFUSED`` audit entry and the row saying
        its effects (the file kept, the note, the mail) are due, in one transaction."""
        now = self.clock.now()
        with self.store.transaction():
            entry = self.store.audit.append(
                AuditAction.STAGE_REFUSED, case_id=pending.case_id, stage=pending.stage_key,
                actor=actor, file_sha256=pending.file_sha256, at=now,
                detail={"code": code, **detail, "kept_as": pending.kept_name,
                        "source": f"{pending.source_dir}/{pending.source_name}"})
            pending = dataclasses.replace(pending, audit_seq=entry.seq, at=now)
            self.store.refusals.add(pending, now=now)
        crash_point("refuse.recorded")
        return pending

    def record_unknown(self, path: Path, *, stage_key: str, file_sha256: str, note: str,
                       returned: bool, detail: dict | None = None) -> PendingRefusal:
        """Step 1 for what belongs to no case in an action folder (an unknown file, a folder,
        a link): its ``file.unknown`` entry and the row saying its note is due, in one
        transaction. ``file_sha256`` is ``""`` for what is never read."""
        now = self.clock.now()
        with self.store.transaction():
            entry = self.store.audit.append(
                AuditAction.FILE_UNKNOWN, stage=stage_key, file_sha256=file_sha256 or None,
                at=now, detail={"name": path.name, **(detail or {})})
            pending = PendingRefusal(
                audit_seq=entry.seq, case_id=None, stage_key=stage_key,
                source_dir=path.parent.name, source_name=path.name, file_sha256=file_sha256,
                kept_in=KeptIn.STAGE, kept_name=path.name, returned=returned,
                message=note, note=note, kind=RefusalKind.UNKNOWN, at=now)
            self.store.refusals.add(pending, now=now)
        crash_point("unknown.recorded")
        return pending

    def finish_all(self) -> None:
        """Carry out what a crash (or a failed write) left unfinished."""
        for pending in self.store.refusals.pending():
            try:
                self.finish(pending)
            except OSError as exc:
                log.error("%s: cannot finish the %s of %s (%s); will retry",
                          pending.case_id or "-", pending.kind, pending.source_name, exc)
            except Exception:
                log.exception("%s: finishing the %s of %s failed; will retry",
                              pending.case_id or "-", pending.kind, pending.source_name)

    def finish(self, pending: PendingRefusal) -> None:
        """A recorded decision's effects, each idempotent, then it is no longer pending; run
        again after a crash at any point in here.

        A refused move: the file out of the action folder (into the stage folder's root,
        or the case's ``sisa/``) if those bytes are still there, the note in the stage
        folder, the mail to the official (queued once, by its key). An agreement sent back
        to drafting: the note and the mail to whoever held the stage then (the file is the
        case's own, cleared with the stage). An unknown file: the note beside it, if it is
        still there (it is left where it is)."""
        try:
            stage = self.workflow.stage(pending.stage_key)
        except KeyError:  # the stage left the chain (spt.toml) since: nowhere to put it
            log.error("%s: a %s at %s, a stage no longer in the chain, left unfinished",
                      pending.case_id or "-", pending.kind, pending.stage_key)
            self.store.refusals.done(pending.audit_seq)
            return
        sf = self.ws.folder(stage.index)
        source = sf.root / pending.source_dir / pending.source_name
        if pending.kind is RefusalKind.UNKNOWN:
            if os.path.lexists(source):  # (gone since: no note about nothing)
                write_atomic(note_path(source, ".galat.txt"),
                             pending.note or notes.unknown_file(pending.source_name))
            crash_point("unknown.noted")
        elif pending.kind is RefusalKind.BACK_TO_DRAFTING:
            write_atomic(sf.root / f"{pending.case_id}.galat.txt", pending.note or "")
            crash_point("return.noted")
            case = self.store.cases.get(pending.case_id)
            if case is not None:
                held = self.holders.stage(sf.stage, case.id, pending.at or self.clock.now())
                self.notifier.refused_move(case, held, pending.note or "", pending.file_sha256,
                                           refusal=pending.audit_seq, back_to_drafting=True)
        else:
            self._finish_refused_move(pending, sf, source)
        self.store.refusals.done(pending.audit_seq)

    def _finish_refused_move(self, pending: PendingRefusal, sf: StageFolder,
                             source: Path) -> None:
        into = (sf.root if pending.kept_in is KeptIn.STAGE
                else self.ws.case_dir(pending.case_id) / "sisa")
        kept = into / pending.kept_name
        if _holds(source, pending.file_sha256):
            if _holds(kept, pending.file_sha256):
                remove_quietly(source)  # copied across file systems, not yet removed
            else:
                kept = move_into(source, into, name=pending.kept_name)
        crash_point("refuse.moved")
        text = pending.note or notes.refused(
            pending.case_id, pending.source_name, returned=pending.returned,
            reason=pending.message, kept_name=kept.name)
        write_atomic(sf.root / f"{pending.case_id}.galat.txt", text)
        crash_point("refuse.noted")
        case = self.store.cases.get(pending.case_id)
        if case is not None:
            self.notifier.refused_move(case, sf.stage, text, pending.file_sha256,
                                       refusal=pending.audit_seq)


def _holds(path: Path, sha: str) -> bool:
    """``path`` is a plain file with exactly these bytes."""
    try:
        return path.is_file() and not path.is_symlink() and sha256_file(path) == sha
    except FileNotFoundError:
        return False


__all__ = ["NotTaken"]
