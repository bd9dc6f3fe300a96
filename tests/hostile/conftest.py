"""One run of the real service over the whole hostile corpus (module scope: started once).

Every input of :data:`tests.hostile.cases.CASES` is dropped where it belongs
while ``spt serve`` runs; a sampler records the memory (RSS) of the service
and of its Python children all along. When every input has its outcome, a
good invitation is dropped last: the service must still take it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from pipeline.signing.bounded import CHILD_NAME, SERVER_NAME
from pipeline.simulate import wait_until
from pipeline.untrusted.names import sanitize_filename
from tests.e2e.conftest import Office
from tests.hostile.cases import CASES, Hostile
from tests.hostile.corpus import CANARY, good_pdf

STAGE = 1  # the inputs meant for a stage go into 02-kasubag/disetujui/


class RssSampler(threading.Thread):
    """Peak resident memory of a process and its Python children (the check server and its
    checks, named by :mod:`pipeline.signing.bounded`, included; LibreOffice excluded)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(name="rss", daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                proc = psutil.Process(self.pid)
                procs = [proc, *(c for c in proc.children(recursive=True)
                                 if "python" in c.name().lower()
                                 or c.name() in (SERVER_NAME, CHILD_NAME))]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


@dataclass
class HostileRun:
    office: Office
    scratch: Path
    made: dict[str, Path] = field(default_factory=dict)     # id -> the path as dropped
    seconds: dict[str, float] = field(default_factory=dict)  # id -> time to its outcome
    peak_rss: int = 0
    good_case: str | None = None
    alive: bool = False
    canary_before: dict[Path, tuple[bytes, int]] = field(default_factory=dict)


def outcome_path(run: HostileRun, h: Hostile) -> Path:
    """Where the evidence of ``h``'s outcome must appear."""
    ws = run.office.ws
    name = run.made[h.id].name
    if h.outcome == "catatan":
        from pipeline.folders.layout import note_path

        return note_path(run.made[h.id], ".galat.txt")
    folder = ws.inbox_rejected if h.outcome == "ditolak" else ws.inbox_accepted
    kept = folder / sanitize_filename(name)
    return kept.with_name(kept.name + ".alasan.txt") if h.outcome == "ditolak" else kept


@pytest.fixture(scope="package")
def hostile_run(tmp_path_factory) -> HostileRun:
    root = tmp_path_factory.mktemp("hostile")
    scratch = root / "di-luar"          # outside the workspace: link targets, canaries
    scratch.mkdir()
    office = Office(root / "ws")
    run = HostileRun(office, scratch)
    svc = office.service
    svc.start()
    sampler = RssSampler(svc.proc.pid)
    sampler.start()
    try:
        started: dict[str, float] = {}
        for h in CASES:
            folder = office.ws.inbox if h.where == "inbox" else office.ws.folder(STAGE).agreed
            started[h.id] = time.monotonic()
            run.made[h.id] = h.make(folder, scratch)
        for path in scratch.rglob("*"):
            if path.is_file():
                run.canary_before[path] = (path.read_bytes(), path.stat().st_mtime_ns)

        pending = {h.id: h for h in CASES}

        def all_done() -> bool:
            for hid, h in list(pending.items()):
                if outcome_path(run, h).exists():
                    run.seconds[hid] = time.monotonic() - started[hid]
                    del pending[hid]
            return not pending

        # On a time-out the per-input tests say which ones are missing.
        with contextlib.suppress(AssertionError):
            wait_until(all_done, timeout=180, what="every hostile input handled", interval=0.2)
        run.alive = svc.proc.poll() is None
        if run.alive:
            known = {c.id for c in office.store().cases.all()}
            office.officials.drop_invitation(_good(scratch), note="19650809 198603 1 012")
            run.good_case = office.officials.new_cases(known, timeout=120)[0]
            run.alive = svc.proc.poll() is None
    finally:
        sampler.stop()
        run.peak_rss = sampler.peak
        svc.stop()
    return run


def _good(scratch: Path) -> Path:
    path = scratch.parent / "undangan-terakhir.pdf"
    path.write_bytes(good_pdf("terakhir"))
    return path


__all__ = ["CANARY", "STAGE", "HostileRun", "RssSampler", "hostile_run", "outcome_path"]
