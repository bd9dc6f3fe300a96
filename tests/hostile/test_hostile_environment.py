"""A hostile environment around the running service: folders vanish or turn read-only, the
disk fills up, links are laid where the service writes or reads.

Each time: the service keeps running, says what is wrong in its log, leaves
no partial file, and carries on by itself once the trouble is gone. The
read-only folder and the full disk are real (a tmpfs mounted, remounted
read-only, filled up); those tests need root, as CI and this sandbox have.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.simulate import wait_until
from tests.e2e.conftest import SAMPLES, Office
from tests.e2e.test_chain import NOTE
from tests.hostile.corpus import CANARY, canary_file
from tests.support.soak import leftover_files

pytestmark = pytest.mark.slow


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A small tmpfs at ``path`` (root only): a real disk that can be filled or made read-only."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _case_at(office: Office, stage: int, sample: str = "undangan-dev-01.pdf") -> str:
    o = office.officials
    known = {c.id for c in office.store().cases.all()}
    o.drop_invitation(SAMPLES / sample, note=NOTE)
    case = o.new_cases(known)[0]
    for s in range(stage):
        o.agree(case, s)
    o.wait_for(case, stage)
    return case


def _log_after(office: Office, text: str) -> bool:
    return text in office.service.log.read_text(errors="replace")


def test_a_stage_folder_deleted_while_running_is_waited_for_and_used_again(tmp_path):
    office = Office(tmp_path / "ws")
    svc, ws = office.service, office.ws
    try:
        svc.start()
        case = _case_at(office, 2)
        stage = ws.folder(2)
        os.replace(stage.root, tmp_path / "sampah")     # someone deletes 03-sekretaris
        shutil.rmtree(tmp_path / "sampah")
        wait_until(lambda: _log_after(office, f"{stage.root.name}"), timeout=30,
                   what="the missing folder in the log")
        wait_until(lambda: _log_after(office, "is missing"), timeout=30, what="a clear message")
        assert not stage.root.exists()                  # not recreated behind IT's back
        assert svc.proc.poll() is None
        stage.root.mkdir()                              # IT restores it (empty)
        office.officials.agree(case, 2)                 # the letter is published again
        office.officials.wait_for(case, 3)
        assert svc.proc.poll() is None
    finally:
        svc.stop()


def test_a_read_only_stage_folder_is_retried_until_writable(tmp_path):
    office = Office(tmp_path / "ws")
    svc, ws = office.service, office.ws
    target = ws.folder(2)
    with tmpfs(target.root, "4m"):
        for sub in (target.agreed, target.returned):
            sub.mkdir()
        try:
            svc.start()
            _mount("-o", "remount,ro", str(target.root))
            case = _case_at(office, 1)
            office.officials.agree(case, 1)             # the case moves on to 03-sekretaris
            wait_until(lambda: _log_after(office, "Read-only file system"), timeout=30,
                       what="the read-only folder in the log")
            assert office.store().cases.get(case).state.stage == 2
            assert svc.proc.poll() is None
            assert not (target.root / f"{case}.pdf").exists()
            _mount("-o", "remount,rw", str(target.root))
            office.officials.agree(case, 2)             # published once writable again
            office.officials.wait_for(case, 3)
            assert svc.proc.poll() is None
            assert not [p for p in target.root.rglob(".spt-tmp-*")]
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                _mount("-o", "remount,rw", str(target.root))
            svc.stop()


def _fill(folder: Path, leave: int) -> Path:
    """Fill the file system holding ``folder``, then give back ``leave`` bytes."""
    filler = folder / "pengisi.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return filler


# Room left when the signatory agrees: none (the signature cannot be stored), enough for the
# signature only (not the sealed letter), for the letter but not its archive copy, for all
# that but not the mail to the pemohon (about 0.5 MB).
@pytest.mark.parametrize("room_kb", [0, 300, 800, 1200])
def test_a_full_disk_leaves_no_partial_file_and_the_step_is_retried(tmp_path, room_kb):
    from pipeline.reports.auditing import verify_audit

    with tmpfs(tmp_path / "disk", "96m") as disk:
        office = Office(disk / "ws")
        svc, ws, o = office.service, office.ws, office.officials
        svc.log = tmp_path / "serve.log"                # the log on another disk
        last = office.workflow.last_index
        try:
            svc.start()
            case = _case_at(office, last)
            filler = _fill(disk, room_kb * 1024)
            o.agree(case, last)                         # signing, numbering, sealing, mail
            wait_until(lambda: _log_after(office, "No space left on device")
                       or _log_after(office, "disk is full"), timeout=60,
                       what="the full disk in the log")
            assert svc.proc.poll() is None
            assert leftover_files(ws.root) == []        # nothing half-written anywhere
            filler.unlink()                             # space again
            store = office.store()
            entry = wait_until(lambda: store.agenda.for_case(case), timeout=90,
                               what="the letter issued once there is room")
            wait_until(lambda: list(ws.outbox.glob(f"{case}-terbit-*.eml")), timeout=60,
                       what="the mail to the pemohon, once there is room")
            assert entry.number.split("/")[1] == "0001"
            assert [n.case_id for n in store.register.all()] == [case]
            assert svc.proc.poll() is None
            svc.stop()
            assert leftover_files(ws.root) == []
            ok, lines = verify_audit(office.config)
            assert ok, lines
        finally:
            svc.stop()


def test_a_link_laid_at_the_services_temporary_name_is_not_written_through(tmp_path):
    office = Office(tmp_path / "ws")
    svc, ws = office.service, office.ws
    victim = tmp_path / "korban.txt"
    victim.write_text("jangan ditimpa\n")
    try:
        svc.start()
        case = _case_at(office, 1)
        # The name the service will write the letter under in 03-sekretaris, guessed.
        trap = ws.folder(2).root / f".spt-tmp-{svc.proc.pid}-{case}.pdf"
        trap.symlink_to(victim)
        office.officials.agree(case, 1)
        office.officials.wait_for(case, 2)
        assert victim.read_text() == "jangan ditimpa\n"
        assert (ws.folder(2).root / f"{case}.pdf").read_bytes().startswith(b"%PDF-")
    finally:
        svc.stop()


def test_a_return_reason_that_is_a_link_is_not_read(tmp_path):
    office = Office(tmp_path / "ws")
    svc, ws = office.service, office.ws
    scratch = tmp_path / "luar"
    scratch.mkdir()
    try:
        svc.start()
        case = _case_at(office, 2)
        returned = ws.folder(2).returned
        (returned / f"{case}.txt").symlink_to(canary_file(scratch))
        os.replace(ws.folder(2).root / f"{case}.pdf", returned / f"{case}.pdf")
        office.officials.wait_for(case, 1)
        store = office.store()
        back = [e for e in store.audit.for_case(case) if e.action == "stage.returned"]
        # Not read; the drafter is told there was a reason file that could not be.
        assert back and "tidak dibaca" in back[0].detail["reason"]
        for path in ws.root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert CANARY.encode() not in path.read_bytes(), path
    finally:
        svc.stop()
