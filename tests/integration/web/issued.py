"""A workspace with one really issued letter (``spt demo DIR``), for the web tests."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, load_config
from pipeline.folders.layout import Workspace
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from tests.support.workspace import copy_workspace


@dataclass(frozen=True)
class IssuedLetter:
    root: Path
    config_path: Path
    token: str
    entry: AgendaEntry
    pdf: Path

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def copy_to(self, target: Path) -> IssuedLetter:
        """The same workspace under ``target`` (for tests that change it)."""
        copy_workspace(self.root, target)
        return read_issued(target)


def run_demo(root: Path) -> IssuedLetter:
    run = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(root)],
                         capture_output=True, text=True, timeout=300, cwd=root.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    return read_issued(root)


def read_issued(root: Path) -> IssuedLetter:
    config = load_config(root / "spt.toml")
    store = Store(Workspace(config).database, create=False)
    try:
        (entry,) = store.agenda.entries()
        case = store.cases.get(entry.case_id)
        assert case is not None
        token = case.verify_token
    finally:
        store.close()
    return IssuedLetter(root, root / "spt.toml", token, entry, root / entry.archive_path)


def text_of(html: str) -> str:
    """A page's visible text, one space between words."""
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())


def tampered(pdf: bytes) -> bytes:
    """``pdf`` with one byte changed inside the range every signature covers.

    The byte is in the middle of the first signature's first signed range (the
    original document, mostly compressed streams), so each signature's digest
    breaks while the form fields, and so the letter number, still read.
    """
    found = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", pdf)
    assert found, "no signature in the file"
    data = bytearray(pdf)
    data[int(found.group(1)) // 2] ^= 0x20
    return bytes(data)
