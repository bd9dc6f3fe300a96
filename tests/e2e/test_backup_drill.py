"""The restore drill: a working office backed up while it works, destroyed, restored elsewhere.

Office A runs the real service. Before the backup: one letter issued, one case at the
inspektur's stage, one still a draft. The backup (``spt cadangkan --kunci``) runs while
the service marks a letter. After it, A issues one more letter (its PDF reaches the
pemohon's mailbox, which survives). Then A's service is killed and its whole workspace
deleted. ``spt pulihkan`` restores the backup into a new folder, B, whose service then
starts: the letter issued before the backup verifies, the cases in flight continue from
where the backup caught them and are issued with the numbers that follow the backup's
last one (no gap, no repeat in B's register), and the letter issued after the backup is
reported by ``spt audit verify --surat`` as missing from the restored register.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.simulate import Officials, wait_until
from pipeline.store import Store

from .conftest import SAMPLES, Office, ServiceProcess
from .test_chain import NOTE

pytestmark = pytest.mark.slow

PASSPHRASE = "latihan-pemulihan-sandi-2026"


def spt(*args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--config", str(config)] if config else []
    env = {k: v for k, v in os.environ.items() if k != "SPT_CONFIG"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args, *extra], capture_output=True,
                          text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)


def issue(officials: Officials, store: Store, case: str, first_stage: int, last: int) -> str:
    """Agree ``case`` at every stage from ``first_stage``; the number it is issued with."""
    for stage in range(first_stage, last + 1):
        officials.agree(case, stage)
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=120,
                       what=f"{case} to be issued")
    return entry.number


def seq_of(number: str) -> int:
    return int(re.search(r"/(\d{4})/", number).group(1))


def test_restore_drill(tmp_path):
    a = Office(tmp_path / "kantor-a")
    svc, o = a.service, a.officials
    last = len(a.workflow.stages) - 1
    svc.start()
    store_a = a.store()
    known: set[str] = set()
    cases = []
    for sample in ("undangan-dev-01.pdf", "undangan-dev-02.pdf", "undangan-dev-03.pdf"):
        o.drop_invitation(SAMPLES / sample, note=NOTE)
        (case,) = o.new_cases(known)
        known.add(case)
        cases.append(case)
    issued_before, in_flight, draft = cases

    first_number = issue(o, store_a, issued_before, 0, last)
    for stage in (0, 1, 2):
        o.agree(in_flight, stage)
    o.wait_for(in_flight, 3)
    o.wait_for(draft, 0)

    # The backup runs while the service marks the in-flight letter at the inspektur's stage.
    secret = tmp_path / "sandi-cadangan"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    dest = tmp_path / "disk-cadangan"
    dest.mkdir()
    backup_run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "cadangkan", str(dest), "--kunci", "--sandi-file",
         str(secret), "--config", str(a.config_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    o.agree(in_flight, 3)
    out, err = backup_run.communicate(timeout=300)
    assert backup_run.returncode == 0, out + err
    assert PASSPHRASE not in out + err
    assert svc.up()                                     # the service kept running throughout
    (backup,) = dest.glob("spt-cadangan-*.tar.zst")
    assert "nomor terakhir" in out and first_number in out

    # After the backup: the in-flight case moves on, and a new case is issued; its letter
    # reaches the pemohon's mailbox (which, unlike the workspace, survives).
    o.wait_for(in_flight, 4)
    o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
    (after,) = o.new_cases(known)
    after_number = issue(o, store_a, after, 0, last)
    assert seq_of(after_number) == seq_of(first_number) + 1
    mailbox = tmp_path / "kotak-pemohon"
    mailbox.mkdir()
    letter_after = mailbox / "spt-setelah-cadangan.pdf"
    shutil.copyfile(a.ws.root / store_a.agenda.for_case(after).archive_path, letter_after)
    store_a.close()

    # Disaster: the service dies and its whole workspace is lost.
    svc.kill()
    shutil.rmtree(a.ws.root)

    # Restore elsewhere.
    b_root = tmp_path / "kantor-b"
    restored = spt("pulihkan", str(backup), str(b_root), "--sandi-file", str(secret))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "HASIL: semua cocok." in restored.stdout
    assert first_number in restored.stdout and "setelah" in restored.stdout.lower()
    config_b = b_root / "spt.toml"
    ws_b = Workspace(load_config(config_b))
    ob = Officials(ws_b, timeout=120)
    svc_b = ServiceProcess(config_b)
    svc_b.start()
    try:
        store_b = Store(ws_b.database)
        # The letter issued before the backup is there and verifies.
        (mark,) = [e for e in store_b.audit.all() if e.action == "backup.restored"]
        assert mark.detail["backup"] == backup.name
        entry = store_b.agenda.for_case(issued_before)
        assert entry is not None and entry.number == first_number
        verified = spt("verify", str(b_root / entry.archive_path), config=config_b)
        assert verified.returncode == 0, verified.stdout
        # The letter issued after the backup is not in the restored register.
        assert store_b.cases.get(after) is None
        assert store_b.agenda.by_number(after_number) is None

        # The cases in flight continue from where the backup caught them.
        at = store_b.cases.get(in_flight).state.stage
        assert at in (3, 4)                # the mark at stage 3 was under way during backup
        n_in_flight = issue(ob, store_b, in_flight, at, last)
        assert store_b.cases.get(draft).state.stage == 0
        n_draft = issue(ob, store_b, draft, 0, last)

        # Numbers follow the backup's last one: no gap, no repeat in B's register.
        assert [seq_of(n_in_flight), seq_of(n_draft)] == [seq_of(first_number) + 1,
                                                          seq_of(first_number) + 2]
        register = store_b.register.all()
        assert [n.seq for n in register] == list(range(1, len(register) + 1))
        assert [n.case_id for n in register] == [issued_before, in_flight, draft]
        for case in (in_flight, draft):
            pdf = b_root / store_b.agenda.for_case(case).archive_path
            assert spt("verify", str(pdf), config=config_b).returncode == 0
        store_b.close()
    finally:
        svc_b.stop()

    audit = spt("audit", "verify", config=config_b)
    assert audit.returncode == 0, audit.stdout
    assert "HASIL: semua cocok." in audit.stdout

    # The letter issued in A after the backup: reported as missing, its number taken twice.
    missing = spt("audit", "verify", "--surat", str(mailbox), config=config_b)
    assert missing.returncode == 1, missing.stdout
    assert f"{after_number} HILANG dari register" in missing.stdout
    assert "1 hilang dari register" in missing.stdout
    assert spt("verify", str(letter_after), config=config_b).returncode == 1
