"""What a case's files look like in the stage folders, made so idempotently.

The case's state in the store says which stage holds it and which file is
current; :meth:`StagePublisher.publish` makes the stage folder match (writing
only what is missing, atomically), and :meth:`StagePublisher.clear` empties a
folder the case has left. Every file the service ever published is kept,
content-addressed, under ``state/cases/<case>/files/``, so a published copy
can be deleted from a folder without losing anything; a file we do not know
is moved to ``state/cases/<case>/sisa/`` instead of being deleted.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from pipeline.core.machine import Status
from pipeline.folders import notes
from pipeline.folders.atomic import (
    copy_atomic,
    move_into,
    remove_quietly,
    sha256_file,
    write_atomic,
)
from pipeline.folders.layout import CASE_ID, Workspace, note_path
from pipeline.store.cases import CaseRecord

log = logging.getLogger(__name__)


def source_path(ws: Workspace, case: CaseRecord) -> Path:
    return ws.state / "sources" / f"{case.source_sha256}.{case.source_ext}"


def invitation_for_stage(ws: Workspace, case: CaseRecord) -> Path:
    """The invitation officials see: the original, or for an email the attachment we keep."""
    return source_path(ws, case)


class StagePublisher:
    def __init__(self, ws: Workspace):
        self.ws = ws

    # --- names ---------------------------------------------------------------

    @staticmethod
    def names(case: str) -> dict[str, str]:
        return {
            "pdf": f"{case}.pdf",
            "docx": f"{case}.docx",
            "catatan": f"{case}-catatan.txt",
            "permintaan": f"{case}-permintaan.txt",
            "galat": f"{case}.galat.txt",
        }

    @staticmethod
    def belongs_to(name: str, case: str) -> bool:
        return re.match(rf"^{re.escape(case)}(?![0-9])", name) is not None

    # --- publishing ------------------------------------------------------------

    def publish(
        self, case: CaseRecord, *, note: str | None = None, request: str | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> list[Path]:
        """Make the case's current stage folder hold what that stage must act on.

        Writes only what is missing (an official's open or edited file is never
        overwritten); ``skip`` names files not to write (one is waiting in
        ``disetujui/`` or ``dikembalikan/``).
        """
        sf = self.ws.folder(case.state.stage)
        names = self.names(case.id)
        wanted: list[tuple[str, Path | str]] = [
            (names["pdf"], self.ws.case_file(case.id, case.state.pdf_sha256, "pdf")),
            (f"{case.id}-undangan.{case.source_ext}", invitation_for_stage(self.ws, case)),
        ]
        if case.state.stage == 0:
            docx = self.ws.case_file(case.id, case.state.docx_sha256, "docx")
            wanted.append((names["docx"], docx))
        if note:
            wanted.append((names["catatan"], note))
        if request:  # the requester's own note, for the drafter to read (drafting only)
            from pipeline.drafting.request import request_file_text

            wanted.append((names["permintaan"], request_file_text(case.id, request)))
        written = []
        for name, source in wanted:
            target = sf.root / name
            if name in skip or target.exists():
                continue
            # A stage folder that vanished meanwhile is not recreated (see
            # Engine._stage_root_present): the publication fails and is retried.
            if isinstance(source, str):
                write_atomic(target, source, make_parents=False)
            else:
                copy_atomic(source, target, make_parents=False)
            written.append(target)
        return written

    def clear(self, case: CaseRecord, stage_index: int) -> None:
        """Empty ``stage_index``'s folders of the case's files; keep anything unknown in sisa/."""
        sf = self.ws.folder(stage_index)
        for folder in (sf.root, *sf.action_dirs()):
            for path in self._case_entries(folder, case):
                self._retire(case, path)
            if folder != sf.root:
                # A note that this folder was deleted and made again (action_folders.py):
                # a case moved from the stage since, so the folder is in use again.
                note = note_path(folder, ".galat.txt")
                if os.path.lexists(note):  # (unlinking nothing on a read-only folder fails)
                    remove_quietly(note)

    def clear_notes(self, case: CaseRecord) -> None:
        """Remove every note about the case (``<case>.galat.txt``) from every stage folder:
        what they described (a refusal, a wait) ended when the case moved."""
        for sf in self.ws.stage_folders:
            for folder in (sf.root, *sf.action_dirs()):
                note = folder / self.names(case.id)["galat"]
                if not os.path.lexists(note):
                    continue  # (unlinking nothing on a read-only folder still fails)
                try:
                    remove_quietly(note)
                except OSError as exc:  # a read-only or vanished folder: not this case's move
                    log.warning("%s: cannot remove its note in %s (%s)", case.id, folder, exc)

    def sweep_published(self, case: CaseRecord) -> None:
        """Remove our own published copies from stages the case is not at (after a crash)."""
        for sf in self.ws.stage_folders:
            if case.state.status is Status.IN_CHAIN and sf.stage.index == case.state.stage:
                continue
            for path in self._case_entries(sf.root, case.id):
                if path.name.endswith(".galat.txt") or "-ditolak" in path.name:
                    continue
                if self._known(case, path):
                    remove_quietly(path)

    def sweep_all(self, case: CaseRecord) -> None:
        """A case that ended leaves nothing behind in any stage folder."""
        for sf in self.ws.stage_folders:
            self.clear(case, sf.stage.index)

    # --- helpers ---------------------------------------------------------------

    def _case_entries(self, folder: Path, case: CaseRecord | str) -> list[Path]:
        """The case's entries in ``folder``: named after it, or (given the record) any
        PDF/DOCX whose bytes are one of its files (``Copy of SPT-….pdf``)."""
        case_id = case if isinstance(case, str) else case.id
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:
            return []
        found = []
        for p in entries:
            if not p.is_file() or p.is_symlink():
                continue
            if self.belongs_to(p.name, case_id) or self._word_owner_of(p.name, case_id):
                found.append(p)
                continue
            # Hashed only when the name names this case or none (another case's files,
            # many in a busy stage folder, are not read for every transition).
            named = {m.upper() for m in CASE_ID.findall(p.name)}
            if not isinstance(case, str) and named <= {case_id} \
                    and self.is_case_content(case, p):
                found.append(p)
        return found

    @staticmethod
    def _word_owner_of(name: str, case_id: str) -> bool:
        """Word's owner file for the case's draft (``~$T-2026-0001.docx``: Word replaces the
        first two characters of a long name with ``~$``), left while Word has it open."""
        draft = f"{case_id}.docx".lower()
        rest = name[2:].lower()
        return name.startswith("~$") and len(rest) >= len(draft) - 2 and draft.endswith(rest)

    def is_case_content(self, case: CaseRecord, path: Path, sha: str | None = None) -> bool:
        """``path`` holds the bytes of a file the service made or kept for ``case``."""
        ext = path.suffix.lower().lstrip(".")
        if ext not in ("pdf", "docx", case.source_ext):
            return False
        try:
            sha = sha or sha256_file(path)
        except OSError:
            return False
        return sha == case.source_sha256 or self.ws.case_file(case.id, sha, ext).exists()

    def case_of_content(self, path: Path) -> str | None:
        """The case one of whose kept files has ``path``'s bytes, or ``None`` (a lookup by
        content across ``state/cases/*/files/``: for files no name or store row explains)."""
        ext = path.suffix.lower().lstrip(".")
        if ext not in ("pdf", "docx"):
            return None
        try:
            sha = sha256_file(path)
        except OSError:
            return None
        for hit in (self.ws.state / "cases").glob(f"*/files/{sha}.{ext}"):
            return hit.parent.parent.name
        return None

    def _known(self, case: CaseRecord, path: Path) -> bool:
        if path.name.endswith(("-catatan.txt", "-permintaan.txt", ".galat.txt")):
            return True
        return self.is_case_content(case, path)

    def _retire(self, case: CaseRecord, path: Path) -> None:
        if self._known(case, path):
            remove_quietly(path)
            return
        sisa = self.ws.case_dir(case.id) / "sisa"
        try:
            kept = move_into(path, sisa)
        except FileNotFoundError:
            return
        log.info("%s: set aside %s as %s", case.id, path, kept)
        # Beside it, what it is and why it is here: whoever finds it in sisa/ (IT, or the
        # clerk IT shows it to) must not take a late edit for part of the letter.
        late_edit = (path.parent == self.ws.folder(0).root
                     and path.name.lower() == f"{case.id}.docx".lower())
        write_atomic(note_path(kept, ".catatan.txt"),
                     notes.set_aside(path.name, case.id, late_edit=late_edit,
                                     issued=case.state.status is Status.ISSUED))

