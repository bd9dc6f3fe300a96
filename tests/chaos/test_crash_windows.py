"""The narrow crash windows the chaos test can hit only by luck, hit on purpose.

``SPT_CRASH_AT`` (:mod:`pipeline.service.faults`) kills the service at a
named instant. Here: just after a stage's agreement or return is committed,
before the stage folder is emptied. After the restart the official's file
is still in ``disetujui/`` (or ``dikembalikan/``); it was taken into account,
so it must be cleared quietly: no "TIDAK diproses" note to the official, no
refusal in the audit log, nothing set aside, and the case goes on. A return's reason
is already in the case's ``alasan/`` at that instant (kept in the same transaction)
and is kept once, not twice, after the restart.
"""

from __future__ import annotations

import pytest

from pipeline.service.faults import CRASH_ENV
from pipeline.simulate import wait_until
from tests.e2e.conftest import SAMPLES, Office, _kill_children_of_converter
from tests.e2e.test_chain import NOTE

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("point,returned", [
    ("stage.committed:2", False),   # kasubag's agreement recorded, folder not yet emptied
    ("stage.returned", True),       # sekretaris' return recorded, folder not yet emptied
])
def test_killed_after_a_move_was_recorded_the_file_is_cleared_quietly(tmp_path, point, returned):
    office = Office(tmp_path / "ws", **{CRASH_ENV: point})
    svc, o, ws = office.service, office.officials, office.ws
    try:
        svc.start()
        o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
        case = o.new_cases(set())[0]
        o.agree(case, 0)
        o.agree(case, 1)
        acting = 1
        if returned:
            o.give_back(case, 2, "Periksa tanggal.")
            acting = 2
        wait_until(lambda: svc.proc.poll() is not None, timeout=60, what=f"the crash at {point}")
        sf = ws.folder(acting)
        left = sf.returned if returned else sf.agreed
        assert (left / f"{case}.pdf").exists()  # the window: recorded, the file still there
        kept = ws.case_dir(case) / "alasan"
        if returned:  # ... and its reason already kept with it (copied in before the commit)
            assert [p.read_text(encoding="utf-8") for p in kept.iterdir()] == ["Periksa tanggal."]

        del svc.env[CRASH_ENV]
        svc.start()
        after = acting - 1 if returned else acting + 1
        o.wait_for(case, after)
        wait_until(lambda: not any(left.iterdir()), timeout=30, what=f"{left} emptied")

        assert not list(ws.stages_root.rglob("*.galat.txt"))
        actions = [a for a, _ in office.audit_actions(case)]
        assert "stage.refused" not in actions
        assert actions.count("stage.returned" if returned else "stage.agreed") == (
            1 if returned else 2)
        assert office.store().cases.get(case).state.stage == after
        assert not list(ws.case_dir(case).glob("sisa/*.pdf"))
        if returned:  # kept once, not again when the restart cleared its original
            assert [p.read_text(encoding="utf-8") for p in kept.iterdir()] == ["Periksa tanggal."]
            assert not list(ws.case_dir(case).glob("sisa/*.txt"))
    finally:
        svc.stop()


def test_killed_service_leaves_no_drafting_worker_behind(tmp_path):
    """SIGKILL the service alone (not its process group): its drafting worker ends by itself."""
    import os
    import signal

    import psutil

    office = Office(tmp_path / "ws")
    svc = office.service
    try:
        svc.start()
        service = psutil.Process(svc.proc.pid)
        workers = wait_until(lambda: [p for p in service.children(recursive=True)
                                      if "pipeline.service.child" in " ".join(p.cmdline())],
                             timeout=30, what="the drafting worker process")
        os.kill(svc.proc.pid, signal.SIGKILL)
        svc.proc.wait()
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"orphaned drafting workers: {[p.pid for p in alive]}"
    finally:
        if svc.proc.poll() is None:
            svc.kill()
        _kill_children_of_converter(office.ws.root)  # LibreOffice: ended at the next start
