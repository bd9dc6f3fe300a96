"""`spt demo`, the newcomer's first command, runs whole and says what it produced."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.reports.verification import verify_issued
from pipeline.store import Store

pytestmark = pytest.mark.slow


def test_spt_demo_issues_a_verified_letter(tmp_path):
    root = tmp_path / "demo"
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(root)],
                         capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "dikembalikan" in out and "HASIL: SAH" in out
    assert "800.1.11.1/0001/DISKOPUKM/" in out
    print(f"spt demo took {elapsed:.1f} s")

    config = load_config(root / "spt.toml")
    store = Store(Workspace(config).database)
    (entry,) = store.agenda.entries()
    assert entry.number in out
    # The drafter's edit after the return is in the issued letter: three employees.
    assert [a["nama"] for a in entry.assignees] == [
        "Drs. Yohanes Kristian, M.Si.", "Siti Aminah, S.E., M.M.", "Budi Santoso, S.T."]
    pdf = (root / entry.archive_path).read_bytes()
    report = verify_issued(config, pdf, store=store)
    assert report.ok and len(report.signatures) == 7
    text = subprocess.run(["pdftotext", "-layout", str(root / entry.archive_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    for expected in ("SURAT PERINTAH TUGAS", "MEMERINTAHKAN", "Budi Santoso", "Dasar",
                     "Untuk", "H. Arif Rahman Hakim", "ditandatangani secara elektronik"):
        assert expected in text
    assert entry.number in text  # the number is visible in the letter
    assert any((root / "outbox").glob("SPT-*-terbit-*.eml"))
