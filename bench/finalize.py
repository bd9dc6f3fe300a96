"""Per signature and per whole finalisation, on the real letter, as the service does them.

Run: ``.venv/bin/python bench/finalize.py [--reps 10]``. Builds a demo
workspace, drafts the real SPT (docxtpl + warm LibreOffice + field
preparation), then times:

- each of the six marks of the default chain on that letter (``MarkSigner.mark``);
- a whole finalisation (``Finalizer.run``: number in the register, number/date/QR
  filled, cap dinas seal, archive copy, agenda, the pemohon's mail queued), once
  per fresh case, median of ``--reps``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.convert import make_converter  # noqa: E402
from pipeline.core.machine import Status  # noqa: E402
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(init_workspace(Path(tmp) / "ws", demo=True))
        ws, wf, clock = Workspace(config), config.workflow(), SystemClock()
        ws.ensure()
        store = Store(ws.database)
        keyring = KeyRing.load(config)
        warm_up()
        converter = make_converter(config, ws.state)
        converter.start()
        try:
            signer = MarkSigner(config, wf, ws, keyring)
            office = Office(config, wf, ws, store, clock)
            notifier = Notifier(office)
            finalizer = Finalizer(office, keyring=keyring, notifier=notifier)
            marks: list[float] = []
            finals: list[float] = []
            for rep in range(args.reps):
                case = open_case(store, config, ws, rep)
                files = DraftMaker(config, wf, ws, converter).first_draft(
                    case.id, DEMO / "undangan-workshop-ojk.pdf", ASSIGNEES)
                sha = files.pdf_sha256
                for stage in wf.reviewers:
                    started = time.perf_counter()
                    sha = signer.mark(case, stage, sha, when=clock.now())
                    marks.append(time.perf_counter() - started)
                state = replace(case.state, status=Status.FINALIZING, stage=len(wf.stages),
                                docx_sha256=files.docx_sha256, pdf_sha256=sha)
                with store.transaction():
                    store.cases.save_state(case.id, state, now=clock.now(), stage_changed=True)
                started = time.perf_counter()
                finalizer.run(store.cases.get(case.id))
                finals.append(time.perf_counter() - started)
                assert store.cases.get(case.id).state.status is Status.ISSUED
        finally:
            converter.stop()
    print(f"{'step':40} {'median':>9} {'min':>9} {'max':>9}   n")
    for name, xs in (("one mark (paraf or tanda tangan)", marks),
                     ("whole finalisation (number…mail)", finals)):
        print(f"{name:40} {statistics.median(xs) * 1000:7.0f}ms {min(xs) * 1000:7.0f}ms "
              f"{max(xs) * 1000:7.0f}ms  {len(xs)}")
    return 0


def open_case(store: Store, config, ws: Workspace, rep: int,
              assignees: list[dict] | None = None):
    """A new case from the demo invitation, made unique by ``rep`` (bench/ltv.py and
    bench/backup.py open theirs here too)."""
    now = dt.datetime.now(dt.UTC)
    data = (DEMO / "undangan-workshop-ojk.pdf").read_bytes() + f"\n%{rep}".encode()
    sha = hashlib.sha256(data).hexdigest()
    source = ws.state / "sources" / f"{sha}.pdf"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    with store.transaction():
        return store.cases.open(now=now, tz=config.tz, source_sha256=sha, source_name="u.pdf",
                                source_ext="pdf", pemohon="rina@example.go.id",
                                assignees=ASSIGNEES if assignees is None else assignees)


if __name__ == "__main__":
    sys.exit(main())
