"""Acting as the officials: moving files between stage folders, as people do.

Used by ``spt demo``, the end-to-end tests, the chaos test and the
benchmark, so that all of them exercise the service exactly the way the
shared drive will.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.folders.layout import CASE_ID, Workspace


class Timeout(AssertionError):
    pass


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str,
               interval: float = 0.02) -> object:
    """Poll ``predicate`` until it returns something truthy; raise :class:`Timeout` after."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Officials:
    def __init__(self, ws: Workspace, *, timeout: float = 60.0):
        self.ws = ws
        self.timeout = timeout

    def folder(self, stage: int) -> Path:
        return self.ws.folder(stage).root

    def case_file(self, case: str, stage: int) -> Path:
        ext = "docx" if stage == 0 else "pdf"
        return self.folder(stage) / f"{case}.{ext}"

    def wait_for(self, case: str, stage: int, *, timeout: float | None = None) -> Path:
        path = self.case_file(case, stage)
        wait_until(path.exists, timeout=timeout or self.timeout,
                   what=f"{path.name} in {self.ws.folder(stage).stage.folder}/")
        return path

    def new_cases(self, known: set[str], *, timeout: float | None = None,
                  count: int = 1) -> list[str]:
        """Wait for ``count`` new drafts to appear in the drafting folder."""
        def found() -> list[str]:
            # <case>.docx itself: a DOCX invitation published as <case>-undangan.docx comes
            # first and must not count as the draft.
            ids = {m.group(0) for p in self.folder(0).glob("SPT-*.docx")
                   if (m := CASE_ID.fullmatch(p.stem))}
            new = sorted(ids - known)
            return new if len(new) >= count else []
        return wait_until(found, timeout=timeout or self.timeout, what="a new draft")

    def agree(self, case: str, stage: int) -> Path:
        src = self.wait_for(case, stage)
        dst = self.ws.folder(stage).agreed / src.name
        os.replace(src, dst)
        return dst

    def give_back(self, case: str, stage: int, reason: str) -> Path:
        """Return the case to the previous stage, with a reason in ``<case>.txt``."""
        src = self.wait_for(case, stage)
        returned = self.ws.folder(stage).returned
        (returned / f"{case}.txt").write_text(reason, encoding="utf-8")
        dst = returned / src.name
        os.replace(src, dst)
        return dst

    def drop_invitation(self, source: Path, *, name: str | None = None,
                        note: str | None = None) -> Path:
        """Put an invitation in ``inbox/`` the way a clerk would (note first, then the file)."""
        target = self.ws.inbox / (name or source.name)
        if note is not None:
            target.with_suffix(".txt").write_text(note, encoding="utf-8")
        tmp = self.ws.inbox / f".copying-{target.name}"
        tmp.write_bytes(source.read_bytes())
        os.replace(tmp, target)
        return target

    def stage_is_empty_of(self, case: str, stage: int) -> bool:
        sf = self.ws.folder(stage)
        return not any(p.name.startswith(case) for folder in (sf.root, sf.agreed, sf.returned)
                       for p in folder.iterdir())


def add_employee_row(docx: Path, employee: dict[str, str]) -> None:
    """Edit a draft like a drafter in Word: add an employee to the "Kepada" table."""
    import copy

    from docx import Document

    doc = Document(str(docx))
    for table in doc.tables:
        header = " ".join(c.text for c in table.rows[0].cells).lower()
        if "nip" in header and "nama" in header:
            last = table.rows[-1]._tr
            new = copy.deepcopy(last)
            last.addnext(new)
            row = table.rows[-1]
            values = [f"{len(table.rows) - 1}.", employee["nama"], employee["nip"],
                      f"{employee.get('pangkat', '')} ({employee.get('golongan', '')})",
                      employee.get("jabatan", "")]
            for cell, value in zip(row.cells, values, strict=False):
                for p in cell.paragraphs[1:]:
                    p._p.getparent().remove(p._p)
                para = cell.paragraphs[0]
                for r in para.runs[1:]:
                    r._r.getparent().remove(r._r)
                if para.runs:
                    para.runs[0].text = value
                else:
                    para.add_run(value)
            doc.save(str(docx))
            return
    raise ValueError(f"{docx.name} has no Kepada table")
