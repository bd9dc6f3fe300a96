"""The engine: turns what arrives in the folders into case transitions, one at a time.

Single-threaded by design: every decision about a case is taken here, in
order, so the folder and email channels can never race. Slow work (drafting
with OCR and LibreOffice) runs in a worker and comes back through
:meth:`Engine.collect_drafts`. The rule for every transition: compute what
the effects need (a converted or signed PDF, stored content-addressed),
commit the event with its audit entries, then perform the visible effects
(folders, mail), which are idempotent and redone by :meth:`Engine.reconcile`
after a crash.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core import machine
from pipeline.core.machine import STATUS_PHRASE, Advance, GoBack, Refusal, Status
from pipeline.core.workflow import SigningMode, Stage
from pipeline.directory import EmployeeDirectory
from pipeline.folders import notes
from pipeline.folders.atomic import (
    is_temporary,
    move_into,
    remove_quietly,
    sha256_file,
    sweep_temporaries,
    unique_path,
    write_atomic,
)
from pipeline.folders.layout import (
    CANCEL,
    CASE_FILE,
    CASE_ID,
    RETURNED,
    StageFolder,
    Workspace,
    note_path,
)
from pipeline.folders.settle import SettleTracker
from pipeline.service.action_folders import ActionFolders
from pipeline.service.approvals import ApproverChecks, CheckKey
from pipeline.service.cancel import cancel_reason, record_cancel
from pipeline.service.drafting import DraftFiles, DraftMaker
from pipeline.service.faults import crash_point
from pipeline.service.finalize import Finalizer
from pipeline.service.holders import Holders
from pipeline.service.intake import Intake
from pipeline.service.not_taken import NotTaken
from pipeline.service.notify import Notifier
from pipeline.service.office import InOffice, Office
from pipeline.service.publisher import StagePublisher
from pipeline.service.returns import Reasons
from pipeline.service.signer import MarkSigner
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord
from pipeline.store.refusals import KeptIn, PendingRefusal, RefusalKind
from pipeline.untrusted.people_text import (
    is_unnamed_text,
    is_working_file,
    looks_complete,
    reason_case,
)

if TYPE_CHECKING:
    from pipeline.convert import Converter

log = logging.getLogger("spt.engine")


@dataclass(frozen=True)
class Candidate:
    """A file an official moved into ``disetujui/`` or ``dikembalikan/``."""

    path: Path
    folder: StageFolder
    returned: bool
    cancel: bool = False  # moved into the drafting stage's batal/


class Engine(InOffice):
    def __init__(
        self, office: Office, *, converter: Converter, signer: MarkSigner,
        finalizer: Finalizer, notifier: Notifier, wake: Callable[[], None] | None = None,
    ):
        super().__init__(office)
        config = office.config
        self.holders = Holders(self.store, self.workflow)
        # Files not taken (refused moves, returns to drafting, unknown files): recorded,
        # then shown, finished after a crash.
        self.not_taken = NotTaken(office, notifier=notifier, holders=self.holders)
        self.publisher = StagePublisher(self.ws)
        self.drafts = DraftMaker(config, self.workflow, self.ws, converter)
        self.signer = signer
        self.finalizer = finalizer
        self.notifier = notifier
        self.intake = Intake(office, notifier=notifier, parse=self.drafts.worker.call)
        self.settle = SettleTracker(config.watch.settle_seconds)
        self.reasons = Reasons(self.ws, self.store, self.settle, self.clock,
                               wait_seconds=config.watch.reason_grace_seconds)
        self._reason_files: dict[Path, list[Path]] = {}  # a return's reason files, to keep
        # Two drafts in flight: one converting in LibreOffice while the other's CPU-bound
        # steps run in the drafting worker process (see DraftWorker); conversions themselves
        # are serialised by the converter.
        self._draft_pool = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="draft")
        self._drafting: dict[str, cf.Future[DraftFiles]] = {}
        self._directory: tuple[float, EmployeeDirectory] | None = None
        self._unfinished: set[str] = set()   # cases whose effects failed: retried each scan_all
        self._cancel_done: set[str] = set()  # cancelled cases whose folders were swept
        self._missing: set[Path] = set()     # stage folders found missing (logged once)
        self.action_folders = ActionFolders()  # disetujui/… renamed or deleted on the share
        self._wake = wake or (lambda: None)
        self._holders_seen = None  # when follow_holders() last looked (service clock)
        self._deputy_key_told: set[int | None] = set()
        # Approvers' signed files are checked in bounded child processes; results come back
        # through collect_checks(), like finished drafts.
        self.approvals = ApproverChecks(config, wake=lambda: self._wake())

    # --- lifecycle -------------------------------------------------------------

    def startup(self) -> None:
        """Make the workspace whole again after whatever happened while we were down."""
        self.ws.ensure()
        for folder in (self.ws.inbox, self.ws.stages_root, self.ws.outbox, self.ws.arsip,
                       self.ws.state):
            removed = sweep_temporaries(folder)
            if removed:
                log.info("removed %d unfinished temporary file(s) under %s", removed, folder)
        self.not_taken.finish_all()
        for case in self.store.cases.active():
            self.reconcile(case)
        for case in self.store.cases.with_status(Status.ISSUED):
            self.reconcile(case)
        self.reconcile_cancelled()

    def reconcile_cancelled(self) -> None:
        """Cases cancelled by ``spt batal`` (another process) or before a restart: their
        folders emptied and the pemohon told, once per service run."""
        for case in self.store.cases.with_status(Status.CANCELLED):
            if case.id not in self._cancel_done:
                self.reconcile(case)

    def close(self) -> None:
        self._draft_pool.shutdown(wait=True, cancel_futures=True)
        self.approvals.close()
        self.drafts.close()  # its worker process, once the draft in progress is done
        self.store.close()

    def idle(self) -> bool:
        return not self._drafting and self.approvals.idle()

    # --- scanning ----------------------------------------------------------------

    def scan_all(self) -> None:
        self.not_taken.finish_all()
        self.scan_inbox()
        for sf in self.ws.stage_folders:
            self.scan_stage(sf)
        self.collect_drafts()
        self.collect_checks()
        for case_id in sorted(self._unfinished):
            self.reconcile(self.store.cases.get(case_id))
        self.follow_holders()

    def follow_holders(self) -> None:
        """A delegation that started or ended while a case waits: its new holder is told
        (the stage mail is keyed by the holder, so it goes once to each).

        Only the stages of delegations in force at some moment since the last look are
        looked at: with none, this costs one query."""
        now = self.clock.now()
        since = self._holders_seen or now
        self._holders_seen = now
        current = self.store.delegations.current(now)
        self._check_deputy_keys(current)
        stages = {d.stage_key for d in self.store.delegations.touching(since, now)}
        stages |= {d.stage_key for d in current if d.start <= now}
        if not stages:
            return
        for case in self.store.cases.active():
            if case.state.status is not Status.IN_CHAIN or not case.drafted:
                continue
            visit = self.store.cases.open_visit(case.id)
            if visit is None or visit.stage_key not in stages:
                continue
            try:
                self.notifier.stage_arrival(case, visit)
            except Exception:
                log.exception("%s: telling the stage's holder failed; will retry", case.id)

    def scan_folder(self, folder: Path) -> None:
        kind, sf = self.ws.classify(folder)
        if kind == "inbox":
            self.scan_inbox()
        elif sf is not None:
            self.scan_stage(sf)

    def scan_inbox(self) -> None:
        for case in self.intake.scan(self.settle):
            self.reconcile(case)

    def scan_stage(self, sf: StageFolder) -> None:
        kinds = [(False, sf.agreed), (True, sf.returned)]
        if sf.cancel is not None:
            kinds.append((None, sf.cancel))  # None: a cancellation
        for returned, folder in kinds:
            try:
                entries = sorted(folder.iterdir())
            except FileNotFoundError:
                if self._stage_root_present(sf):
                    try:  # renamed or deleted on the share: made again, with a note
                        self.action_folders.remake(sf, folder)
                    except OSError as exc:
                        log.error("cannot make %s again: %s", folder, exc)
                continue
            except OSError as exc:
                log.error("cannot read %s: %s", folder, exc)
                continue
            self.action_folders.seen(folder)
            for path in entries:
                if self._ignorable(path, folder, sf):
                    continue
                try:
                    self.handle(Candidate(path, sf, bool(returned), cancel=returned is None))
                except FileNotFoundError:
                    self.settle.forget(path)  # moved away again while we looked
                except Exception:
                    log.exception("error handling %s; will retry", path)
                # A busy folder (files keep arriving as officials move them) must not hold
                # back drafts finished meanwhile: record them between files.
                self.collect_drafts()
            if returned and sf.stage.index > 0:
                self._late_reasons(sf)
        self.action_folders.drop_stale_notes(sf)

    def _check_deputy_keys(self, current) -> None:
        """A delegation whose deputy's key this running service does not hold (a
        [[delegation.deputy]] added to spt.toml without a restart): said once, loudly, before
        the deputy's file is moved rather than when it is."""
        for d in current:
            if d.id in self._deputy_key_told or self.signer.can_mark_for(d.deputy.nip):
                continue
            self._deputy_key_told.add(d.id)
            log.error("delegation #%s: the service holds no key for the deputy %s (%s); "
                      "restart the service after adding [[delegation.deputy]] to spt.toml, "
                      "or the deputy's mark will be refused", d.id, d.deputy.name, d.deputy.nip)

    def _stage_root_present(self, sf: StageFolder) -> bool:
        """The stage's folder exists. A missing one is not recreated (a dropped share would
        get a local stand-in): it is reported once and used again when it is back."""
        if sf.root.is_dir():
            if sf.root in self._missing:
                self._missing.discard(sf.root)
                log.warning("stage folder %s is back", sf.root)
            return True
        if sf.root not in self._missing:
            self._missing.add(sf.root)
            log.error("stage folder %s is missing (deleted, or its share disconnected); "
                      "waiting for it to come back", sf.root)
        return False

    def _ignorable(self, path: Path, folder: Path, sf: StageFolder) -> bool:
        name = path.name
        if name.lower().endswith(".galat.txt"):
            self._drop_stale_note(path)
            return True
        if is_temporary(name) or is_working_file(name):
            return True
        if folder.name in (RETURNED, CANCEL) and (
                reason_case(name, exact_docx=folder.name == RETURNED) or is_unnamed_text(name)):
            return True  # a reason: read with its case file (or as a late one)
        try:
            st = path.lstat()
        except FileNotFoundError:
            return True  # gone since the listing (taken away with another file of its case)
        if not stat.S_ISREG(st.st_mode):
            # Judged once it has stayed as it is, as an unknown file is: Explorer's "New
            # folder" is renamed as the official types, and a folder being filled changes.
            if not note_path(path, ".galat.txt").exists() and self.settle.is_settled(
                    path, self.config.watch.judge_after_seconds):
                self._refuse_odd_entry(path, sf, st.st_mode)
                self.settle.forget(path)
            return True
        if st.st_nlink > 1:
            # A hard link: refused (never read) once it stays so; a move made as link+unlink
            # passes through this state for an instant.
            if not note_path(path, ".galat.txt").exists() and self.settle.is_settled(path):
                self._refuse_odd_entry(path, sf, st.st_mode)
                self.settle.forget(path)
            return True
        return name.lower().endswith(".txt")  # a return's reason, read with its file

    @staticmethod
    def _drop_stale_note(note: Path) -> None:
        """A note about a file (``<name>.galat.txt``: unknown, a link) goes once that file is
        gone: what it describes no longer holds. Notes about a case go at its next move."""
        about = note.name[: -len(".galat.txt")]
        if CASE_ID.fullmatch(about) or os.path.lexists(note.with_name(about)):
            return
        # A long name's note is cut to fit 255 bytes (layout.note_path): its file starts so.
        with contextlib.suppress(OSError):
            if any(p.name.startswith(about) and p != note for p in note.parent.iterdir()):
                return
        with contextlib.suppress(OSError):
            note.unlink()
            log.info("removed the note %s: %s is gone", note, about)

    def _refuse_odd_entry(self, path: Path, sf: StageFolder, mode: int) -> None:
        """Something not a plain file (a folder, a link, a hard link) in an action folder:
        never read, left where it is, recorded (``file.unknown``) and then given its note,
        in the order and with the crash safety of an unknown file."""
        if note_path(path, ".galat.txt").exists() or self.store.refusals.for_file(
                sf.stage.key, path.parent.name, path.name, ""):
            return
        kind = ("folder" if stat.S_ISDIR(mode) else "link" if stat.S_ISLNK(mode)
                else "hard link" if stat.S_ISREG(mode) else "other")
        pending = self.not_taken.record_unknown(
            path, stage_key=sf.stage.key, file_sha256="", note=notes.odd_entry(kind == "hard link"),
            returned=path.parent.name == RETURNED, detail={"entry": kind})
        log.warning("%s in %s is not a plain file (%s): left with a note", path.name,
                    path.parent, kind)
        self.not_taken.finish(pending)

    # --- one candidate -----------------------------------------------------------

    def handle(self, cand: Candidate) -> None:
        path, sf = cand.path, cand.folder
        match = CASE_FILE.match(path.name)
        case = self.store.cases.get(match.group("case")) if match else None
        sha = sha256_file(path)
        pending = self.store.refusals.for_file(sf.stage.key, path.parent.name, path.name, sha)
        if pending is not None:
            # Refused and recorded before a crash (or a failed write): finished, not judged
            # again, so the refusal is recorded and mailed once.
            self.not_taken.finish(pending)
            self.settle.forget(path)
            return
        if self.approvals.pending(sha):
            return  # its check is running; the result brings it back (collect_checks)
        if case is None:
            case = self.store.cases.by_published_file(sha)
        if case is None:
            self._unknown_file(cand)
            return
        if cand.cancel:
            self._cancel_request(case, cand, sha)
            return
        state = case.state
        ext = path.suffix.lower().lstrip(".")
        expected = state.docx_sha256 if (ext == "docx" and state.stage == 0) else state.pdf_sha256
        checked = self.approvals.done(CheckKey(case.id, sf.stage.index, sha))
        if sha != expected and not checked and not self._may_look(path):
            return  # perhaps still being copied: decide once it is whole and stopped changing
        if state.status is not Status.IN_CHAIN or state.stage != sf.stage.index:
            if sha == expected or self._may_judge(path):
                self._misplaced(case, cand, sha)
            return
        if not case.drafted:
            return
        event = self._event(case, cand, sha, ext)
        if event is None:
            return  # waiting (e.g. for the reason of a return)
        decision = machine.decide(self.workflow, state, event)
        if isinstance(decision, Refusal) and sha != expected and not self._may_judge(path):
            return  # a refusal only once the copy cannot still be arriving
        if isinstance(decision, Refusal):
            self._refuse(case, cand, decision)
        elif isinstance(decision, GoBack):
            self._go_back(case, cand, decision, sha)
        else:
            self._advance(case, cand, decision, sha)
        self.settle.forget(path)

    def _may_look(self, path: Path) -> bool:
        """A file that is not the published one is looked at once it stopped changing
        (``watch.settle_seconds``) and looks whole (a PDF's ``%%EOF``, a DOCX's zip
        directory); one that never looks whole, once unchanged for
        ``watch.incomplete_after_seconds``."""
        if not self.settle.is_settled(path):
            return False
        return looks_complete(path) or self.settle.is_settled(
            path, self.config.watch.incomplete_after_seconds)

    def _may_judge(self, path: Path) -> bool:
        """Refusing a file waits until it has not changed for ``watch.judge_after_seconds``:
        a copy over a slow link stalls for many seconds and is not finished."""
        return self._may_look(path) and self.settle.is_settled(
            path, self.config.watch.judge_after_seconds)

    def _event(self, case: CaseRecord, cand: Candidate, sha: str, ext: str):
        stage = cand.folder.stage
        if cand.returned:
            reason = self._return_reason(case, cand)
            if reason is None:
                return None
            return machine.Returned(stage.index, sha, reason)
        if stage.index == 0:
            if ext != "docx":
                return machine.DraftSubmitted("", (notes.draft_not_docx(case.id, cand.path.name),))
            return machine.DraftSubmitted(sha, tuple(self._draft_problems(case, cand.path, sha)))
        if stage.signing is SigningMode.APPROVER and sha != case.state.pdf_sha256:
            key = CheckKey(case.id, stage.index, sha)
            problems = self.approvals.take(key)
            if problems is None:
                submitted = self.signer.read_checked(cand.path, sha)
                if submitted is None:
                    return None  # the file changed since it was hashed: look again once settled
                published = self.ws.case_file(case.id, case.state.pdf_sha256, "pdf")
                self.approvals.start(key, cand, published, submitted, stage)
                return None  # decided when the check's result comes back
            return machine.Agreed(stage.index, sha, tuple(problems))
        return machine.Agreed(stage.index, sha)

    def _return_reason(self, case: CaseRecord, cand: Candidate) -> str | None:
        """The reason written beside the returned file (pipeline.service.returns);
        ``None`` while it may still be on its way."""
        found = self.reasons.reason_for(case, cand.path, what="pengembalian")
        if found is None:
            return None
        reason, files = found
        self._reason_files[cand.path] = files
        return reason

    def _late_reasons(self, sf: StageFolder) -> None:
        """Reasons written after their return was recorded: forwarded to the stage the case
        went back to (its note gets the reason), never kept for a later return."""
        try:
            late = self.reasons.late(sf)
        except Exception:
            log.exception("reading late reasons in %s failed; will retry", sf.returned)
            return
        for case, _reason in late:
            fresh = self.store.cases.get(case.id)
            if fresh is not None and fresh.state.status is Status.IN_CHAIN:
                visit = self.store.cases.open_visit(case.id)
                if visit is not None and visit.came_back:
                    target = self.ws.folder(fresh.state.stage).root / f"{case.id}-catatan.txt"
                    with contextlib.suppress(OSError):
                        write_atomic(target, self._return_note(fresh, visit), make_parents=False)

    def next_due(self) -> float | None:
        """Seconds until a waiting file should be looked at again, or ``None``."""
        dues = [d for d in (self.settle.next_due(), self.reasons.next_due()) if d is not None]
        return min(dues) if dues else None

    def _draft_problems(self, case: CaseRecord, docx: Path, sha: str) -> list[str]:
        """Why the drafter's DOCX may not start the chain (the draft check, docs/draft-check.md):
        unsafe package first (nothing else reads an unsafe file), then content, then the rows
        the converted letter shows against the rows the DOCX holds."""
        from pipeline.drafting.assignees import AssigneeError, read_assignees
        from pipeline.drafting.check import draft_problems, name_problems, pdf_rows_problems
        from pipeline.extract import ExtractLimits
        from pipeline.untrusted.draft_docx import draft_docx_problems

        problems = draft_docx_problems(docx, ExtractLimits.from_config(self.config.limits))
        if problems:
            return problems
        problems = draft_problems(docx)
        try:
            rows = read_assignees(docx)
        except AssigneeError as exc:
            return [*problems, str(exc)]
        directory = self.directory()
        problems += directory.check_assignees([r.as_dict() for r in rows])
        problems += name_problems(rows, {e.nip: e.nama for e in directory.employees})
        if problems:
            return problems
        if sha == case.state.docx_sha256:
            pdf = self.ws.case_file(case.id, case.state.pdf_sha256, "pdf")
        else:
            from pipeline.pdf.fields import PlacementError

            try:
                _docx_sha, pdf_sha = self.drafts.new_version(case.id, docx)
            except PlacementError as exc:  # the drafter removed what the marks need
                return [notes.draft_unprepared(str(exc))]
            pdf = self.ws.case_file(case.id, pdf_sha, "pdf")
        return pdf_rows_problems(rows, self.drafts.kepada_shown(pdf))

    def directory(self) -> EmployeeDirectory:
        path = self.config.pegawai_csv
        mtime = path.stat().st_mtime
        if self._directory is None or self._directory[0] != mtime:
            self._directory = (mtime, EmployeeDirectory.load(path))
        return self._directory[1]

    # --- outcomes ----------------------------------------------------------------

    def apply(self, case: CaseRecord, cand: Candidate, decision: Advance | GoBack, sha: str, *,
              via: str) -> None:
        """Carry out a decision taken outside the folder scan (an email reply)."""
        if isinstance(decision, GoBack):
            self._go_back(case, cand, decision, sha, via=via)
        else:
            self._advance(case, cand, decision, sha, via=via)

    def _advance(self, case: CaseRecord, cand: Candidate, decision: Advance, sha: str, *,
                 via: str = "folder") -> None:
        stage = cand.folder.stage
        # Whoever holds the stage now, when the file is moved: the official or their
        # Plh./Plt., who marks with their own key and is named in the audit log.
        held = self.holders.stage(stage, case.id, self.clock.now())
        new_docx = new_pdf = None
        assignees = None
        if decision.new_version:
            new_docx, new_pdf = self.drafts.new_version(case.id, cand.path)
            if new_docx != sha:
                log.info("%s: %s changed while it was read; looking again", case.id,
                         cand.path.name)
                return
        shown = None
        if stage.index == 0:
            from pipeline.drafting.readback import shown_fields

            assignees = self._assignees_of(cand.path)
            shown = shown_fields(cand.path)  # the fields as the letter shows them
        if decision.mark is not None:
            base = new_pdf or case.state.pdf_sha256
            mark_stage = self.holders.stage(decision.mark, case.id, self.clock.now())
            reason = self._block_not_holder(case, mark_stage, base)
            if reason is not None:
                self._return_to_drafting(case, cand, mark_stage, reason, sha, via=via)
                return
            new_pdf = self.signer.mark(case, mark_stage, base, when=self.clock.now())
        if decision.approver_marked is not None:
            new_pdf = self.signer.keep_approver_file(case, cand.path, sha)
        new_state = machine.apply(self.workflow, case.state, decision,
                                  pdf_sha256=new_pdf, docx_sha256=new_docx)
        crash_point("stage.signed")
        now = self.clock.now()
        actor = _actor(held, via)
        with self.store.transaction():
            if not self._unchanged(case):
                return
            self.store.cases.save_state(case.id, new_state, now=now, stage_changed=True,
                                        assignees=assignees)
            if shown:
                self.store.cases.update_fields(case.id, {**(case.fields or {}), **shown})
            self.store.cases.leave(case.id, "agreed", now)
            audit = self.store.audit
            audit.append(AuditAction.STAGE_AGREED, case_id=case.id, stage=stage.key, actor=actor,
                         file_sha256=sha, at=now)
            if decision.new_version:
                self.store.cases.add_version(case.id, new_state.version, new_docx, new_pdf, now)
                audit.append(AuditAction.VERSION_NEW, case_id=case.id, stage=stage.key, actor=actor,
                             file_sha256=new_pdf, at=now,
                             detail={"version": new_state.version, "docx_sha256": new_docx})
            marker = decision.mark or decision.approver_marked
            if marker is not None:
                audit.append(AuditAction.MARK_APPLIED, case_id=case.id, stage=stage.key,
                             actor=actor, file_sha256=new_pdf, at=now,
                             detail={"action": marker.action.value, "field": marker.field_name,
                                     "by": "approver" if decision.approver_marked else "service",
                                     **_acting_detail(held)})
            elif stage.index > 0:
                audit.append(AuditAction.MARK_KEPT, case_id=case.id, stage=stage.key, actor=actor,
                             at=now, detail={"reason": "already marked this version"})
            if decision.finalize:
                audit.append(AuditAction.CASE_SIGNED, case_id=case.id, stage=stage.key, actor=actor,
                             file_sha256=new_state.pdf_sha256, at=now)
                self.store.cases.arrive(case.id, self.workflow.finalization.key,
                                        new_state.version, now)
            else:
                nxt = self.workflow.stages[decision.to_stage]
                self.store.cases.arrive(case.id, nxt.key, new_state.version, now,
                                        note=self._timing_note(shown, now))
        crash_point("stage.committed")
        log.info("%s: %s agreed%s -> %s", case.id, stage.key,
                 " (new version)" if decision.new_version else "",
                 "finalisation" if decision.finalize
                 else self.workflow.stages[decision.to_stage].key)
        self.publisher.clear_notes(case)
        self.publisher.clear(case, stage.index)
        self.reconcile(self.store.cases.get(case.id))

    def _block_not_holder(self, case: CaseRecord, held: Stage, pdf_sha: str) -> str | None:
        """Why the signatory's mark must not be made on this letter (``None``: it may): its
        printed block names someone other than ``held``, the stage's holder now. The block
        is printed when the letter is drafted and cannot change after the first paraf
        without breaking it, so a Plh./Plt. set (or ended) since then means a new draft."""
        if held.key != self.workflow.signatory.key:
            return None
        now = self.clock.now()
        if held.acting is None and not any(
                d.stage_key == held.key and d.case_id in (None, case.id)
                for d in self.store.delegations.touching(case.opened_at, now + _INSTANT)):
            return None  # no Plh./Plt. since the case opened: the block is the official's
        from pipeline.core.delegation import acting_phrase, printed_block_differs
        from pipeline.drafting.letter import signatory_block
        from pipeline.pdf.fields import PlacementError

        expected = signatory_block(self.config, held)
        try:
            title, name = self.drafts.signatory_shown(self.ws.case_file(case.id, pdf_sha, "pdf"))
        except PlacementError as exc:  # measured when prepared: not expected
            log.warning("%s: the printed signature block could not be read (%s)", case.id, exc)
            return None
        if not printed_block_differs(title, name, title=expected.title_line,
                                     name=expected.name, deputy=held.acting is not None):
            return None
        return notes.block_not_holder(
            role=held.role, holder=acting_phrase(held), printed_title=title,
            printed_name=name, title_line=expected.title_line, name=expected.name,
            nip=expected.nip_formatted if expected.show_nip else None,
            pangkat=expected.pangkat or None, deputy=held.acting is not None)

    def _return_to_drafting(self, case: CaseRecord, cand: Candidate, held: Stage, reason: str,
                            sha: str, *, via: str) -> None:
        """The holder agreed, but the letter names someone else: nothing is signed, the case
        goes back to the drafter with ``reason``; the holder is told why (note and mail)."""
        from pipeline.core.delegation import acting_phrase

        stage = cand.folder.stage
        drafting = self.workflow.stages[0]
        decision = GoBack(stage.index, 0, reason)
        new_state = machine.apply(self.workflow, case.state, decision)
        now = self.clock.now()
        text = notes.block_returned(case.id, reason)
        with self.store.transaction():
            if not self._unchanged(case):
                return
            self.store.cases.save_state(case.id, new_state, now=now, stage_changed=True)
            self.store.cases.leave(case.id, "returned", now)
            entry = self.store.audit.append(
                AuditAction.STAGE_RETURNED, case_id=case.id, stage=stage.key,
                actor=_actor(held, via), file_sha256=sha, at=now,
                detail={"to": drafting.key, "reason": reason, "code": "block_not_holder",
                        "returned_by": notes.block_returned_by(acting_phrase(held)),
                        **_acting_detail(held)})
            self.store.cases.arrive(case.id, drafting.key, new_state.version, now,
                                    came_back=True, note=reason)
            # The holder's note and mail are due with the return (finished after a crash).
            pending = PendingRefusal(
                audit_seq=entry.seq, case_id=case.id, stage_key=stage.key,
                source_dir=cand.path.parent.name, source_name=cand.path.name,
                file_sha256=sha, kept_in=KeptIn.STAGE, kept_name=cand.path.name,
                returned=cand.returned, message=reason, note=text,
                kind=RefusalKind.BACK_TO_DRAFTING, at=now)
            self.store.refusals.add(pending, now=now)
        crash_point("return.recorded")
        log.warning("%s: %s agreed, but the letter's signature block names someone else; "
                    "returned to drafting", case.id, stage.key)
        try:
            self.publisher.clear_notes(case)
            self.publisher.clear(case, stage.index)
            self.not_taken.finish(pending)  # (if it fails, redone at the next full scan)
        finally:
            self.reconcile(self.store.cases.get(case.id))

    def _go_back(self, case: CaseRecord, cand: Candidate, decision: GoBack, sha: str, *,
                 via: str = "folder") -> None:
        stage = cand.folder.stage
        prev = self.workflow.stages[decision.to_stage]
        new_state = machine.apply(self.workflow, case.state, decision)
        now = self.clock.now()
        held = self.holders.stage(stage, case.id, now)
        with self.store.transaction():
            if not self._unchanged(case):
                return
            self.store.cases.save_state(case.id, new_state, now=now, stage_changed=True)
            self.store.cases.leave(case.id, "returned", now)
            self.store.audit.append(AuditAction.STAGE_RETURNED, case_id=case.id, stage=stage.key,
                                    actor=_actor(held, via), file_sha256=sha, at=now,
                                    detail={"to": prev.key, "reason": decision.reason,
                                            **_acting_detail(held)})
            self.store.cases.arrive(case.id, prev.key, new_state.version, now,
                                    came_back=True, note=decision.reason)
            # The reasons are kept with the return, not after it: whoever sees the return
            # recorded (the board, the audit log, `spt status`) finds them in alasan/.
            files = self._reason_files.pop(cand.path, [])
            self.reasons.copy_in(case, files)
        crash_point("stage.returned")
        log.info("%s: %s returned it to %s (%s)", case.id, stage.key, prev.key, decision.reason)
        self.publisher.clear_notes(case)
        self.reasons.release(case, files)
        self.publisher.clear(case, stage.index)
        self.reasons.done_note(stage_folder_returned(self.ws, stage.index), case,
                               decision.reason, to_role=prev.role)
        self.reconcile(self.store.cases.get(case.id))

    def _refuse(self, case: CaseRecord, cand: Candidate, refusal: Refusal) -> None:
        """Refuse an official's move: the file goes back to the stage folder's root, a note
        says why, the official is told by mail; the case stays where it is.

        Recorded first, then shown (:class:`pipeline.service.not_taken.NotTaken`): a crash
        at any instant leaves the refusal recorded once, explained once, its file kept."""
        sf = cand.folder
        path = cand.path
        sha = sha256_file(path)
        ext = path.suffix.lower()
        target_name = f"{case.id}-ditolak{ext}"
        if sf.stage.index == 0 and ext == ".docx" and not (sf.root / f"{case.id}.docx").exists():
            target_name = f"{case.id}.docx"  # give the drafter their own edit back
        kept_name = unique_path(sf.root / target_name).name
        pending = self.not_taken.record_refusal(
            PendingRefusal(
                audit_seq=0, case_id=case.id, stage_key=sf.stage.key,
                source_dir=path.parent.name, source_name=path.name, file_sha256=sha,
                kept_in=KeptIn.STAGE, kept_name=kept_name, returned=cand.returned,
                message=refusal.message),
            actor=_actor(sf.stage), code=refusal.code.value, detail={"message": refusal.message})
        log.warning("%s: refused %s at %s: %s", case.id, path.name, sf.stage.key, refusal.code)
        try:
            self.not_taken.finish(pending)  # (if it fails, redone at the next full scan)
        finally:
            self.reconcile(self.store.cases.get(case.id))

    def _misplaced(self, case: CaseRecord, cand: Candidate, sha: str) -> None:
        sf = cand.folder
        if self._already_taken(case, cand, sha):
            # The move was recorded, then the service stopped before emptying the folder.
            log.info("%s: %s in %s was taken into account before a restart; clearing it",
                     case.id, cand.path.name, sf.stage.key)
            if cand.returned:
                self.reasons.release_kept(case, cand.path.parent)
            self.publisher.clear(case, sf.stage.index)
            return
        if self._been_here(case, sf) and self.publisher.is_case_content(case, cand.path, sha):
            # A copy of a file the service published for this case ("Copy of …", a second
            # move of the same file): its bytes are kept in state/, nothing to tell anyone.
            log.info("%s: %s in %s is a copy of the case's own file; cleared", case.id,
                     cand.path.name, sf.stage.key)
            remove_quietly(cand.path)
            return
        kept_name = unique_path(self.ws.case_dir(case.id) / "sisa" / cand.path.name).name
        if case.state.status is Status.IN_CHAIN:
            where = self.workflow.stages[case.state.stage]
            status = notes.at_stage(where.role, where.folder)
        else:
            status = STATUS_PHRASE[case.state.status]
        text = notes.misplaced(case.id, cand.path.name, returned=cand.returned, where=status,
                               this_stage=sf.stage.role)
        pending = self.not_taken.record_refusal(
            PendingRefusal(
                audit_seq=0, case_id=case.id, stage_key=sf.stage.key,
                source_dir=cand.path.parent.name, source_name=cand.path.name, file_sha256=sha,
                kept_in=KeptIn.SISA, kept_name=kept_name, returned=cand.returned,
                message=text, note=text),
            actor=_actor(sf.stage), code="wrong_stage", detail={})
        log.warning("%s: file in %s's folder refused: case is elsewhere", case.id, sf.stage.key)
        try:
            self.not_taken.finish(pending)  # (if it fails, redone at the next full scan)
        finally:
            if case.state.status is Status.IN_CHAIN:
                self.reconcile(case)

    # --- cancelling ------------------------------------------------------------------

    def _cancel_request(self, case: CaseRecord, cand: Candidate, sha: str) -> None:
        """The drafter moved the case's file into ``batal/`` (with a reason beside it)."""
        ours = self.publisher.is_case_content(case, cand.path, sha)
        if not ours and not self._may_judge(cand.path):
            return
        if case.state.status is Status.CANCELLED:
            self._retire_after_cancel(case, cand.path)
            return
        if not ours:
            decision: machine.Decision = Refusal(machine.RefusalCode.FILE_CHANGED,
                                                 notes.cancel_needs_case_file(case.id))
        else:
            found = self.reasons.reason_for(case, cand.path, what="pembatalan")
            if found is None:
                return  # waiting for the reason
            reason, files = found
            self._reason_files[cand.path] = files
            decision = machine.decide(self.workflow, case.state,
                                      machine.CancelRequested(cand.folder.stage.index, reason))
        if isinstance(decision, Refusal):
            self._reason_files.pop(cand.path, None)
            self.reasons.forget(cand.path)
            self._refuse(case, cand, decision)
            return
        files = self._reason_files.pop(cand.path, [])
        if record_cancel(self.store, self.workflow, case, decision,
                         actor=_actor(cand.folder.stage), at=self.clock.now(),
                         file_sha256=sha, with_it=lambda: self.reasons.copy_in(case, files)):
            self.reasons.release(case, files)
            self.settle.forget(cand.path)
            self.reconcile(self.store.cases.get(case.id))

    def _retire_after_cancel(self, case: CaseRecord, path: Path) -> None:
        if self.publisher.is_case_content(case, path):
            remove_quietly(path)
        else:
            move_into(path, self.ws.case_dir(case.id) / "sisa")

    def _been_here(self, case: CaseRecord, sf: StageFolder) -> bool:
        """The case has already been acted on at ``sf`` (it moved on, forward or back):
        a copy of its file there is a leftover, not a mistake to explain."""
        if case.state.status is not Status.IN_CHAIN or case.state.stage > sf.stage.index:
            return True
        return any(e.stage == sf.stage.key
                   and e.action in (AuditAction.STAGE_AGREED, AuditAction.STAGE_RETURNED)
                   for e in self.store.audit.for_case(case.id))

    def _already_taken(self, case: CaseRecord, cand: Candidate, sha: str) -> bool:
        """This very file's agreement (or return) at this stage is already in the audit log."""
        action = AuditAction.STAGE_RETURNED if cand.returned else AuditAction.STAGE_AGREED
        return any(e.action is action and e.stage == cand.folder.stage.key
                   and e.file_sha256 == sha for e in self.store.audit.for_case(case.id))

    def _unknown_file(self, cand: Candidate) -> None:
        path = cand.path
        note = note_path(path, ".galat.txt")
        if note.exists():
            self.settle.forget(path)
            return
        if not self._may_judge(path):
            return
        owner = self.publisher.case_of_content(path)
        if owner is not None:
            # Its bytes are a file the service made for a case that has moved on: a
            # processed file's copy (whatever its name), not an unknown one.
            log.info("%s: %s in %s is a copy of one of its files; cleared", owner,
                     path.name, path.parent)
            remove_quietly(path)
            self.settle.forget(path)
            return
        # Recorded first, with the row saying its note is due (docs/design.md, crash
        # safety): a crash before the note is written leaves the row, and the restart
        # writes the note without recording the file a second time.
        pending = self.not_taken.record_unknown(
            path, stage_key=cand.folder.stage.key, file_sha256=sha256_file(path),
            note=notes.unknown_file(path.name), returned=cand.returned)
        log.warning("unknown file %s in %s", path.name, path.parent)
        self.not_taken.finish(pending)
        self.settle.forget(path)

    def _unchanged(self, case: CaseRecord) -> bool:
        """Inside a transaction: the case is still as we read it (nothing acted meanwhile)."""
        current = self.store.cases.get(case.id)
        if current is None or current.state != case.state:
            log.info("%s changed while we worked; dropping a stale transition", case.id)
            return False
        return True

    def _assignees_of(self, docx: Path) -> list[dict]:
        from pipeline.drafting.assignees import read_assignees

        directory = self.directory()
        rows = []
        for row in read_assignees(docx):
            emp = directory.by_nip(row.nip)
            rows.append(emp.as_assignee() if emp else row.as_dict())
        return rows

    # --- drafting ----------------------------------------------------------------

    def start_draft(self, case: CaseRecord) -> None:
        if case.id in self._drafting or case.drafted:
            return
        from pipeline.service.publisher import source_path

        source = source_path(self.ws, case)
        held = self.holders.chain(case.id, self.clock.now())  # a Plh./Plt. in the letter
        fut = self._draft_pool.submit(self.drafts.first_draft, case.id, source, case.assignees,
                                      workflow=held)
        fut.add_done_callback(lambda _f: self._wake())
        self._drafting[case.id] = fut

    def collect_drafts(self, *, wait: float = 0.0) -> int:
        """Record finished drafts; returns how many were recorded."""
        if wait and self._drafting:
            cf.wait(list(self._drafting.values()), timeout=wait, return_when=cf.FIRST_COMPLETED)
        done = 0
        for case_id, fut in list(self._drafting.items()):
            if not fut.done():
                continue
            del self._drafting[case_id]
            try:
                files = fut.result()
                self._record_draft(case_id, files)
            except Exception:
                log.exception("%s: drafting failed; will retry", case_id)
                continue
            done += 1
        return done

    def collect_checks(self) -> int:
        """Decide on the approvers' files whose checks finished; returns how many."""
        done = 0
        for key, cand in self.approvals.finished():
            try:
                if cand.path.exists():
                    self.handle(cand)
                    done += 1
            except FileNotFoundError:
                self.settle.forget(cand.path)
            except Exception:
                log.exception("%s: deciding on the checked file failed; will retry", key.case_id)
        # A result whose file was decided (moved) or went is dropped; one whose refusal
        # waits for the file to rest (_may_judge) is kept for that later decision.
        self.approvals.prune()
        return done

    def _record_draft(self, case_id: str, files: DraftFiles) -> None:
        now = self.clock.now()
        files = self._with_drafter_notes(case_id, files, now)
        with self.store.transaction():
            case = self.store.cases.get(case_id)
            if case is None or case.drafted:
                return
            state = machine.CaseState.opened(files.docx_sha256, files.pdf_sha256)
            self.store.cases.save_state(case_id, state, now=now, stage_changed=True)
            self.store.cases.update_fields(case_id, files.fields)
            self.store.cases.add_version(case_id, 1, files.docx_sha256, files.pdf_sha256, now)
            self.store.cases.arrive(case_id, self.workflow.drafting.key, 1, now,
                                    note="\n".join(files.notes) or None)
            self.store.audit.append(AuditAction.DRAFT_CREATED, case_id=case_id,
                                    stage=self.workflow.drafting.key, file_sha256=files.pdf_sha256,
                                    at=now, detail={"docx_sha256": files.docx_sha256,
                                                    "fields": files.fields,
                                                    "notes": list(files.notes)})
        log.info("%s: draft ready for %s", case_id, self.workflow.drafting.key)
        self.reconcile(self.store.cases.get(case_id))

    def _timing_note(self, shown: dict | None, now) -> str | None:
        """For the first reviewer: the event's dates as the drafter's letter gives them are
        over, or too close for the SOP's standard times (a warning in their mail)."""
        if not shown:
            return None
        from pipeline.drafting.check import timing_warnings
        from pipeline.service.draft_notes import earliest_issue

        warnings = timing_warnings(
            shown.get("tanggal_mulai"), shown.get("tanggal_selesai"),
            today=now.astimezone(self.config.tz).date(),
            earliest_issue=earliest_issue(self.workflow,
                                          getattr(self.notifier, "calendar", None), now))
        return "\n".join(warnings) or None

    def _with_drafter_notes(self, case_id: str, files: DraftFiles, now) -> DraftFiles:
        """Timing warnings and the request's names left out (pipeline/service/draft_notes.py)."""
        from pipeline.directory import DirectoryError
        from pipeline.service.draft_notes import request_note, with_drafter_notes

        try:
            directory = self.directory()
        except (DirectoryError, OSError):
            directory = None
        return with_drafter_notes(files, config=self.config, workflow=self.workflow,
                                  calendar=getattr(self.notifier, "calendar", None), now=now,
                                  note=request_note(self.store, case_id), directory=directory)

    # --- reconciliation ------------------------------------------------------------

    def reconcile(self, case: CaseRecord | None) -> None:
        """Make the folders and the mail queue match the case's recorded state (idempotent).

        Never raises: an effect that fails (a full disk, a read-only or missing folder) is
        logged and the case retried at every full scan until it succeeds.
        """
        if case is None:
            return
        try:
            self._reconcile(case)
        except Exception as exc:
            self._unfinished.add(case.id)
            if isinstance(exc, OSError | sqlite3.Error):
                log.error("%s: cannot bring its folders and mail up to date (%s); will retry",
                          case.id, exc)
            else:
                log.exception("%s: making its folders and mail whole failed; will retry",
                              case.id)
        else:
            self._unfinished.discard(case.id)

    def _reconcile(self, case: CaseRecord) -> None:
        status = case.state.status
        if status is Status.IN_CHAIN and not case.drafted:
            self.start_draft(case)
            return
        self.publisher.sweep_published(case)
        self._late_edit_note(case)
        if status is Status.IN_CHAIN:
            visit = self.store.cases.open_visit(case.id)
            note = None
            if visit is not None and visit.came_back:
                note = self._return_note(case, visit)
            elif visit is not None and visit.note and case.state.stage == 0:
                note = notes.for_drafter(visit.note)
            if not self._stage_root_present(self.ws.folder(case.state.stage)):
                raise FileNotFoundError(f"stage folder {self.ws.folder(case.state.stage).root}"
                                        " is missing")
            request = None
            if case.state.stage == 0:
                from pipeline.service.draft_notes import request_note

                request = request_note(self.store, case.id)
            self.publisher.publish(case, note=note, request=request,
                                   skip=self._pending_names(case))
            if visit is not None:
                self.notifier.stage_arrival(case, visit)
        elif status is Status.FINALIZING:
            self.finalizer.run(case)
        elif status is Status.ISSUED:
            self.finalizer.complete_effects(case)
        elif status is Status.CANCELLED:
            self.publisher.sweep_all(case)  # every folder, batal/ included
            self.notifier.cancelled(case, *cancel_reason(self.store, case.id))
            self._cancel_done.add(case.id)

    def _return_note(self, case: CaseRecord, visit) -> str:
        """The note for a case that came back, with any reason written after the return."""
        idx = next((s.index for s in self.workflow.stages if s.key == visit.stage_key), 0)
        from_key = self.workflow.stages[min(idx + 1, self.workflow.last_index)].key
        entries = [e for e in self.store.audit.for_case(case.id) if e.stage == from_key
                   and e.action in (AuditAction.STAGE_RETURNED, AuditAction.STAGE_RETURN_REASON)]
        last_return = max((e.seq for e in entries if e.action is AuditAction.STAGE_RETURNED),
                          default=0)
        late = [e.detail.get("reason", "") for e in entries
                if e.action is AuditAction.STAGE_RETURN_REASON and e.seq > last_return]
        return notes.returned_to(self.workflow, case.id, visit.stage_key, visit.note, late,
                                 by=self.store.audit.returned_by(case.id, visit.stage_key))

    def _late_edit_note(self, case: CaseRecord) -> None:
        """A draft saved again in the drafting folder after it was sent on (Word's second
        save): it stays where the drafter saved it, with a note saying that this edit is
        not in the letter and how to get it in. The note goes at the case's next move."""
        if case.state.status not in (Status.IN_CHAIN, Status.FINALIZING) or (
                case.state.stage == 0 and case.state.status is Status.IN_CHAIN):
            return
        drafting = self.ws.folder(0).root
        draft = drafting / f"{case.id}.docx"
        note = drafting / f"{case.id}.galat.txt"
        if not draft.is_file() or note.exists() or self.publisher.is_case_content(case, draft):
            return
        where = (self.workflow.stages[case.state.stage]
                 if case.state.status is Status.IN_CHAIN else None)
        write_atomic(note, notes.late_edit(draft.name, role=where and where.role,
                                           folder=where and where.folder))
        log.info("%s: the draft was saved again after it was sent on; note left", case.id)

    def _pending_names(self, case: CaseRecord) -> frozenset[str]:
        """Files of the case waiting in its stage's agreed/returned folders: not republished."""
        sf = self.ws.folder(case.state.stage)
        pending = set()
        for folder in (sf.agreed, sf.returned):
            try:
                for p in folder.iterdir():
                    m = CASE_FILE.match(p.name)
                    if m and m.group("case") == case.id:
                        pending.add(f"{case.id}.{m.group('ext').lower()}")
            except FileNotFoundError:
                continue
        return frozenset(pending)


_INSTANT = dt.timedelta(microseconds=1)  # [opened, now] as a half-open period


def _actor(stage, via: str = "folder") -> str:
    """Who acted, for the audit log: ``Name (key)``, or ``Name sebagai Plh. Role (key)``."""
    from pipeline.core.delegation import acting_phrase

    who = f"{acting_phrase(stage)} ({stage.key})"
    return who if via == "folder" else f"{who} via {via}"


def _acting_detail(stage) -> dict:
    """The audit entry's record of a deputy acting (empty for the official)."""
    if stage.acting is None:
        return {}
    from pipeline.core.delegation import acting_phrase

    d = stage.acting.delegation
    return {"acting": acting_phrase(stage), "kind": d.kind.value, "delegation": d.id,
            "deputy_nip": stage.person.nip, "official": stage.acting.official.name}


def stage_folder_returned(ws: Workspace, index: int) -> Path:
    return ws.folder(index).returned


__all__ = ["Candidate", "Engine"]
