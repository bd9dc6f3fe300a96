"""Backup size and time, and restore time, for a workspace with many real issued letters.

Run: ``.venv/bin/python bench/backup.py [-n 1000] [--keep DIR]`` (about 10 minutes for
1,000 letters on 2 cores, most of it making the letters).

Builds a demo workspace and makes ``n`` real cases: ``--distinct`` of them drafted
(docxtpl + warm LibreOffice, their own assignees) and marked by the six officials' keys
(every version kept under ``state/cases/<case>/files/`` as the service keeps them), the
others keeping one of those cases' versions (see :func:`make_letters`); every one
finalised for real (``Finalizer.run``: its number, number and date filled in, the cap
dinas seal, the archive copy, the agenda entry, the audit entries). The pemohons' mails
are then marked sent, as SMTP would have done (a mail not yet sent is carried by the
backup with its ``.eml``).
Then it times, as IT runs them:

- ``spt cadangkan DEST --kunci --sandi-file F`` (size of the one file, wall time);
- ``spt pulihkan BACKUP DIR --sandi-file F`` (wall time, including the manifest check,
  the audit chain, and the register/agenda rebuild that reads every archived letter).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.finalize import open_case  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.convert import make_converter  # noqa: E402
from pipeline.core.machine import Status  # noqa: E402
from pipeline.directory import EmployeeDirectory  # noqa: E402
from pipeline.folders.layout import Workspace  # noqa: E402
from pipeline.resources import DEMO  # noqa: E402
from pipeline.service.clock import SystemClock  # noqa: E402
from pipeline.service.drafting import DraftMaker  # noqa: E402
from pipeline.service.finalize import Finalizer  # noqa: E402
from pipeline.service.notify import Notifier  # noqa: E402
from pipeline.service.office import Office  # noqa: E402
from pipeline.service.signer import MarkSigner  # noqa: E402
from pipeline.signing.appearance import warm_up  # noqa: E402
from pipeline.signing.keys import KeyRing  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.workspace_init import init_workspace  # noqa: E402

ASSIGNEES = [{"nama": "Drs. Yohanes Kristian, M.Si.", "nip": "196508091986031012",
              "pangkat": "Pembina Utama Muda", "golongan": "IV/c",
              "jabatan": "Kepala Bidang Kelembagaan Koperasi", "email": ""}]
PASSPHRASE = "bench-cadangan-sandi-panjang"


def make_letters(config_path: Path, n: int, distinct: int) -> None:
    """``n`` cases, each finalised for real; the first ``distinct`` drafted and marked.

    Each of the first ``distinct`` cases is its own draft (its own case id, date and
    assignees, through docxtpl and LibreOffice) with its own six marks. Case ``i`` after
    those keeps the versions of case ``i % distinct`` (the kept files a real case has),
    then gets its own number, seal and archived letter. Copies of one case next to each
    other would share every byte and make the compressed backup look far smaller than a
    real one; ``distinct`` cases of about 1.9 MB each put a copy well beyond the
    compressor's 16 MB window, so it cannot find it.
    """
    config = load_config(config_path)
    ws, wf, clock = Workspace(config), config.workflow(), SystemClock()
    ws.ensure()
    store = Store(ws.database)
    keyring = KeyRing.load(config)
    warm_up()
    staff = [e.as_assignee() for e in EmployeeDirectory.load(config.pegawai_csv).employees]
    converter = make_converter(config, ws.state)
    converter.start()
    office = Office(config, wf, ws, store, clock)
    notifier = Notifier(office)
    finalizer = Finalizer(office, keyring=keyring, notifier=notifier)
    signer = MarkSigner(config, wf, ws, keyring)
    drafter = DraftMaker(config, wf, ws, converter)
    made: list[tuple[str, str, str]] = []      # (case, docx sha, marked pdf sha)
    started = time.perf_counter()
    try:
        for i in range(n):
            people = [staff[(i + k) % len(staff)] for k in range(1 + i % 3)] or ASSIGNEES
            case = open_case(store, config, ws, i, people)
            if i < distinct:
                files = drafter.first_draft(case.id, DEMO / "undangan-workshop-ojk.pdf",
                                            people)
                docx, sha = files.docx_sha256, files.pdf_sha256
                for stage in wf.reviewers:
                    sha = signer.mark(case, stage, sha, when=clock.now())
                made.append((case.id, docx, sha))
            else:
                model, docx, sha = made[i % distinct]
                folder = ws.case_dir(case.id) / "files"
                folder.mkdir(parents=True, exist_ok=True)
                for path in sorted((ws.case_dir(model) / "files").iterdir()):
                    shutil.copyfile(path, folder / path.name)
            state = replace(case.state, status=Status.FINALIZING, stage=len(wf.stages),
                            docx_sha256=docx, pdf_sha256=sha)
            with store.transaction():
                store.cases.save_state(case.id, state, now=clock.now(), stage_changed=True)
            finalizer.run(store.cases.get(case.id))
            if (i + 1) % 100 == 0 or i + 1 == distinct:
                print(f"  {i + 1} letters issued ({time.perf_counter() - started:.0f} s)",
                      flush=True)
    finally:
        converter.stop()
    store.close()
    conn = sqlite3.connect(ws.database)   # as SMTP would: every mail delivered
    conn.execute("UPDATE mail SET status = 'sent', sent_at = next_try_at")
    conn.commit()
    conn.close()


def spt(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"spt {args[0]} failed:\n{run.stdout}\n{run.stderr}")
    return elapsed, run


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="issued letters (default 1000)")
    parser.add_argument("--distinct", type=int, default=60,
                        help="cases drafted and marked on their own (default 60)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="spt-bench-backup-"))
    try:
        config_path = init_workspace(base / "ws", demo=True)
        print(f"making {args.n} issued letters in {base / 'ws'} …", flush=True)
        make_letters(config_path, args.n, min(args.distinct, args.n))
        ws = base / "ws"
        secret = base / "sandi"
        secret.write_text(PASSPHRASE + "\n")
        secret.chmod(0o600)
        dest = base / "cadangan"
        dest.mkdir()
        t_backup, run = spt("cadangkan", str(dest), "--kunci", "--sandi-file", str(secret),
                            "--config", str(config_path))
        (backup,) = dest.glob("spt-cadangan-*.tar.zst")
        t_restore, restored = spt("pulihkan", str(backup), str(base / "pulih"),
                                  "--sandi-file", str(secret))
        verified = "HASIL: semua cocok." in restored.stdout
        sizes = {name: du(ws / name) for name in ("arsip", "state")}
        print()
        print(run.stdout.rstrip())
        print()
        print(f"{'measurement':44} {'value':>12}")
        print(f"{'issued letters in the register':44} {args.n:>12}")
        print(f"{'  of them drafted and marked on their own':44} {min(args.distinct, args.n):>12}")
        print(f"{'workspace: arsip/ (MB)':44} {sizes['arsip'] / 2**20:>12.1f}")
        print(f"{'workspace: state/ incl. case files (MB)':44} {sizes['state'] / 2**20:>12.1f}")
        print(f"{'backup file, keys included (MB)':44} {backup.stat().st_size / 2**20:>12.1f}")
        print(f"{'spt cadangkan, wall time (s)':44} {t_backup:>12.1f}")
        print(f"{'spt pulihkan, wall time (s)':44} {t_restore:>12.1f}")
        print(f"{'restore verified (audit chain + rebuild)':44} {'yes' if verified else 'NO':>12}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
