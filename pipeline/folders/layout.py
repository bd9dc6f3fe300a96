"""Where things are in a workspace (DESIGN.md, "Folder protocol").

Folder names officials see are Indonesian: ``disetujui/`` (agreed),
``dikembalikan/`` (returned), ``diproses/`` (accepted), ``ditolak/`` (refused).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.core.workflow import Stage, Workflow
from pipeline.folders.atomic import sha256_bytes, write_atomic

AGREED = "disetujui"
RETURNED = "dikembalikan"
ACCEPTED = "diproses"
REJECTED = "ditolak"
CANCEL = "batal"      # the drafting stage only: moving the case's file here cancels it

CASE_ID = re.compile(r"SPT-\d{4}-\d{4,}")
# <case>.pdf / <case>.docx, tolerating copies renamed by Explorer or a mail client.
CASE_FILE = re.compile(r"^(?P<case>SPT-\d{4}-\d{4,})(?P<rest>[^/\\]*)\.(?P<ext>pdf|docx)$", re.I)


def note_path(path: Path, suffix: str) -> Path:
    """``<name><suffix>`` beside ``path`` (a note about it), shortened to fit in 255 bytes."""
    room = 255 - len(suffix.encode())
    name = path.name.encode()
    if len(name) > room:
        name = name[:room]
    return path.with_name(name.decode("utf-8", "ignore") + suffix)


@dataclass(frozen=True)
class StageFolder:
    stage: Stage
    root: Path

    @property
    def agreed(self) -> Path:
        return self.root / AGREED

    @property
    def returned(self) -> Path:
        return self.root / RETURNED

    @property
    def cancel(self) -> Path | None:
        """``batal/``: only the drafting stage has one (later stages return instead)."""
        return self.root / CANCEL if self.stage.index == 0 else None

    def action_dirs(self) -> list[Path]:
        """The folders an official moves a case file into."""
        return [self.agreed, self.returned] + ([self.cancel] if self.cancel else [])

    def draft_name(self, case: str) -> str:
        return f"{case}.docx"

    def letter_name(self, case: str) -> str:
        return f"{case}.pdf"


class Workspace:
    """Paths of one workspace, derived from its configuration."""

    def __init__(self, config: Config, workflow: Workflow | None = None):
        self.config = config
        self.workflow = workflow or config.workflow()
        self.root = config.root
        self.inbox = config.inbox_dir
        self.inbox_accepted = self.inbox / ACCEPTED
        self.inbox_rejected = self.inbox / REJECTED
        self.outbox = config.outbox_dir
        self.arsip = config.arsip_dir
        self.state = config.state_dir
        self.stages_root = config.stages_dir
        self.stage_folders = tuple(
            StageFolder(stage, self.stages_root / stage.folder) for stage in self.workflow.stages
        )

    @property
    def database(self) -> Path:
        return self.state / "spt.sqlite3"

    @property
    def lock_file(self) -> Path:
        return self.state / "spt.lock"

    def case_dir(self, case: str) -> Path:
        return self.state / "cases" / case

    def case_file(self, case: str, sha256: str, ext: str) -> Path:
        """Content-addressed copy of every version of a case's files."""
        return self.case_dir(case) / "files" / f"{sha256}.{ext}"

    def keep(self, case: str, data: bytes, ext: str) -> str:
        """Store ``data`` as a version of the case's files (once per content); its SHA-256."""
        sha = sha256_bytes(data)
        target = self.case_file(case, sha, ext)
        if not target.exists():
            write_atomic(target, data)
        return sha

    def folder(self, stage_index: int) -> StageFolder:
        return self.stage_folders[stage_index]

    def ensure(self) -> None:
        """Create every folder the protocol needs (idempotent)."""
        for path in (self.inbox, self.inbox_accepted, self.inbox_rejected):
            path.mkdir(parents=True, exist_ok=True)
        for path in self.private_dirs():
            _make_private_dir(path)
        if not self.state.exists():
            # Created closed; an existing one found open is refused at start-up
            # (pipeline.checks), not tightened silently.
            self.state.mkdir(parents=True, mode=0o700)
            self.state.chmod(0o700)
        for sf in self.stage_folders:
            for path in (sf.root, *sf.action_dirs()):
                path.mkdir(parents=True, exist_ok=True)

    def private_dirs(self) -> tuple[Path, ...]:
        """Folders only the service user may open: mail with tokens, the issued letters."""
        return (self.outbox, self.arsip)

    def watched_dirs(self) -> list[Path]:
        dirs = [self.inbox]
        for sf in self.stage_folders:
            dirs += sf.action_dirs()
        return dirs

    def classify(self, folder: Path) -> tuple[str, StageFolder | None]:
        """What a changed folder is: ``("inbox", None)``, ``("agreed", sf)``, ``("returned", sf)``,
        ``("stage", sf)`` or ``("other", None)``."""
        folder = Path(folder)
        if folder == self.inbox:
            return "inbox", None
        for sf in self.stage_folders:
            if folder == sf.agreed:
                return "agreed", sf
            if folder == sf.returned:
                return "returned", sf
            if folder == sf.cancel:
                return "cancel", sf
            if folder == sf.root:
                return "stage", sf
        return "other", None


def _make_private_dir(path: Path) -> None:
    """Create ``path`` closed (0700). An existing one found open is tightened only while it is
    still empty (nothing in it can have been read); otherwise it is left for the start-up
    check (:mod:`pipeline.checks`) to refuse, so IT notices."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # mkdir's mode goes through the umask
        return
    if path.stat().st_mode & 0o077 and not any(path.iterdir()):
        path.chmod(0o700)


INSTALLATION_FILE = "installation-id"


def installation_id(state: Path) -> str:
    """This installation's random id (``state/installation-id``), made once.

    ``spt init`` makes it; a workspace older than it gets one the first time it is asked
    for. It tells two installations apart where everything else may be equal (a training
    workspace copied from production sends mail from the same address).
    """
    path = Path(state) / INSTALLATION_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read_id(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(8)
    tmp = path.with_name(f".{INSTALLATION_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # first writer wins; a second process reads the winner's id
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return _read_id(path)


def _read_id(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if not re.fullmatch(r"[0-9a-f]{16}", value):
        raise ValueError(f"{path}: not an installation id ({value[:20]!r}); delete it to make a "
                         "new one (outgoing Message-IDs then change)")
    return value
