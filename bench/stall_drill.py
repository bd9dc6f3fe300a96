"""The stall drill: copies over SMB that pause for up to 30 s must never be refused.

A demo workspace with its default watch settings (settle 1 s, judge after 15 s), the
real service, a real Samba server (tests/support/samba.py) and officials copying
through smbprotocol: every invitation is copied into ``inbox\\`` with one pause of a
random length up to ``--max-stall`` seconds at a random point (half of them with the
final size set first, as Explorer does); then for every case the drafter copies the
DOCX into ``disetujui\\`` with a pause, and the kasubag copies the PDF into
``disetujui\\`` with a pause. Every copy is byte-identical to its source once written,
so every refusal is a false one. Counted: inbox files set aside
(``intake.rejected``), stage refusals (``stage.refused``), unknown-file notes.

    .venv/bin/python bench/stall_drill.py [--cases 6] [--max-stall 30] [--mode poll] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.folders.layout import Workspace  # noqa: E402
from pipeline.ops.share import account, samba_config  # noqa: E402
from pipeline.simulate import Officials  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.workspace_init import init_workspace  # noqa: E402
from tests.e2e.conftest import SAMPLES, ServiceProcess, tune  # noqa: E402
from tests.support.samba import SambaServer  # noqa: E402


def _copy(pc, rel: str, data: bytes, rng: random.Random, max_stall: float,
          log: list[dict]) -> None:
    chunk = max(256, len(data) // 8)  # about 8 writes: the stall falls inside the file
    chunks = max(1, (len(data) + chunk - 1) // chunk)
    at = rng.randrange(1, chunks) if chunks > 1 else 0  # part of the file is there
    stall = rng.uniform(1.0, max_stall)
    presize = rng.random() < 0.5
    pc.copy_slowly(rel, data, chunk=chunk, stalls={at: stall}, presize=presize)
    log.append({"file": rel, "stall_s": round(stall, 1), "at_chunk": at, "of": chunks,
                "presize": presize})


def _parallel(jobs) -> None:
    threads = [threading.Thread(target=j) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run(tmp: Path, *, cases: int, max_stall: float, mode: str, seed: int) -> dict:
    rng = random.Random(seed)
    config_path = init_workspace(tmp / "ws", demo=True)
    tune(config_path, section="watch", mode=f'"{mode}"')
    config = load_config(config_path)
    ws = Workspace(config)
    wf = config.workflow()
    samba = SambaServer(tmp / "samba")
    samba.configure(samba_config(config, service_user="root"))
    for stage in wf.stages:
        samba.add_user(account(stage))
    samba.start()
    service = ServiceProcess(config_path)
    copies: list[dict] = []
    try:
        service.start()
        drafter = samba.official(account(wf.stages[0]), "spt-inbox")
        samples = sorted(SAMPLES.glob("*.pdf"))[:cases]
        note = "Mohon SPT untuk 19650809 198603 1 012\n"
        for pdf in samples:
            drafter.write(f"{pdf.stem}.txt", note.encode())
        _parallel([lambda p=p: _copy(drafter, p.name, p.read_bytes(), rng, max_stall, copies)
                   for p in samples])
        officials = Officials(ws, timeout=300)
        ids = officials.new_cases(set(), count=len(samples), timeout=300)
        stage0 = samba.official(account(wf.stages[0]), f"spt-{wf.stages[0].folder}")
        for case in ids:
            officials.wait_for(case, 0)
        # The drafter copies (not moves) each DOCX into disetujui\, the original stays.
        _parallel([lambda c=c: _copy(stage0, f"disetujui/{c}.docx",
                                     stage0.read(f"{c}.docx"), rng, max_stall, copies)
                   for c in ids])
        for case in ids:
            officials.wait_for(case, 1, timeout=300)
        stage1 = samba.official(account(wf.stages[1]), f"spt-{wf.stages[1].folder}")
        _parallel([lambda c=c: _copy(stage1, f"disetujui/{c}.pdf",
                                     stage1.read(f"{c}.pdf"), rng, max_stall, copies)
                   for c in ids])
        for case in ids:
            officials.wait_for(case, 2, timeout=300)
        time.sleep(2)
        store = Store(ws.database)
        entries = [e for c in ids for e in store.audit.for_case(c)]
        rejected = sum(1 for _ in ws.inbox_rejected.glob("*.alasan.txt"))
        refused = sum(1 for e in entries if e.action == "stage.refused")
        unknown = sum(1 for sf in ws.stage_folders for d in (sf.root, sf.agreed)
                      for _ in d.glob("*.galat.txt"))
        return {"mode": mode, "seed": seed, "cases": len(ids), "copies": len(copies),
                "max_stall_s": max_stall,
                "longest_stall_s": max(c["stall_s"] for c in copies),
                "false_rejections": rejected + refused + unknown,
                "inbox_set_aside": rejected, "stage_refusals": refused,
                "notes_in_stage_folders": unknown, "copies_detail": copies}
    finally:
        service.stop()
        samba.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6)
    parser.add_argument("--max-stall", type=float, default=30.0)
    parser.add_argument("--mode", choices=["inotify", "poll"], default="inotify")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spt-stall-") as tmp:
        result = run(Path(tmp), cases=args.cases, max_stall=args.max_stall, mode=args.mode,
                     seed=args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"stall drill ({result['mode']}): {result['copies']} copies over SMB, stalls "
              f"up to {result['longest_stall_s']} s; false rejections: "
              f"{result['false_rejections']} (inbox {result['inbox_set_aside']}, stage "
              f"{result['stage_refusals']}, notes {result['notes_in_stage_folders']})")
    return 1 if result["false_rejections"] else 0


if __name__ == "__main__":
    sys.exit(main())
