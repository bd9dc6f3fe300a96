"""A stage's action folder (``disetujui/``, ``dikembalikan/``, ``batal/``) that disappeared.

An official on the share may rename or delete one of them. Samba refuses both while a
file inside is open (a copy in progress: ``STATUS_ACCESS_DENIED``, a sharing violation),
so what disappears is a folder whose copies were finished, or interrupted (a dropped link
leaves a partial file). Either way the service makes the folder again, at once, because
officials act by moving files into it, and leaves a note in the stage folder: renamed
(found by its inode among the stage folder's entries: "renamed to X, whatever is in X is
not taken") or deleted. Nothing in a renamed folder is ever read as an action, and
nothing in it is touched: it is the official's. The note about a renamed folder goes when
that folder is gone; the one about a deleted folder at the stage's next transition
(:meth:`pipeline.service.publisher.StagePublisher.clear`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from pipeline.folders import notes
from pipeline.folders.atomic import write_atomic
from pipeline.folders.layout import CASE_ID, StageFolder, note_path

log = logging.getLogger("spt.engine")

NOTE_SUFFIX = ".galat.txt"


class ActionFolders:
    """Remembers each action folder's identity; remakes a missing one with a note."""

    def __init__(self) -> None:
        self._ids: dict[Path, tuple[int, int]] = {}
        self._remade: set[Path] = set()

    def seen(self, folder: Path) -> None:
        """``folder`` was listed just now: remember which directory it is."""
        with contextlib.suppress(OSError):
            st = folder.stat()
            self._ids[folder] = (st.st_dev, st.st_ino)

    def remake(self, sf: StageFolder, folder: Path) -> None:
        """``folder`` (an action folder of the present stage folder ``sf``) is missing."""
        renamed = self._renamed_to(sf, folder)
        try:
            folder.mkdir()
        except FileExistsError:
            return  # back meanwhile (renamed back, or made by the official)
        self.seen(folder)
        self._remade.add(folder)
        if renamed is not None:
            try:
                inside = sorted(p.name for p in renamed.iterdir())
            except OSError:
                inside = []
            note = note_path(renamed, NOTE_SUFFIX)
            write_atomic(note, notes.folder_renamed(folder.name, renamed.name, inside),
                         make_parents=False)
            log.warning("%s was renamed to %r on the share; made it again (%d file(s) in the "
                        "renamed folder, not taken; note %s)", folder, renamed.name,
                        len(inside), note.name)
        else:
            write_atomic(note_path(folder, NOTE_SUFFIX), notes.folder_deleted(folder.name),
                         make_parents=False)
            log.warning("%s was deleted (or moved out of %s) on the share; made it again, "
                        "with a note", folder, sf.root)

    def take_remade(self) -> set[Path]:
        """Folders made again since the last call (an inotify watch must be set on them)."""
        remade, self._remade = self._remade, set()
        return remade

    def drop_stale_notes(self, sf: StageFolder) -> None:
        """A note about a renamed folder goes once that folder is gone."""
        try:
            entries = list(os.scandir(sf.root))
        except OSError:
            return
        names = {e.name for e in entries}
        for entry in entries:
            if not entry.name.endswith(NOTE_SUFFIX):
                continue
            about = entry.name[: -len(NOTE_SUFFIX)]
            if CASE_ID.fullmatch(about) or about in names:
                continue  # a case's note, or its folder is still there
            if any(n.startswith(about) and n != entry.name for n in names):
                continue  # a long name's note is cut (layout.note_path)
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                log.info("removed the note %s: the folder %r is gone", entry.path, about)

    def _renamed_to(self, sf: StageFolder, folder: Path) -> Path | None:
        known = self._ids.get(folder)
        if known is None:
            return None
        try:
            entries = list(os.scandir(sf.root))
        except OSError:
            return None
        for entry in entries:
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if entry.is_dir(follow_symlinks=False) and (st.st_dev, st.st_ino) == known:
                    return Path(entry.path)
        return None
