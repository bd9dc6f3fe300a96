"""What long-term validation data (PAdES B-LT/B-LTA) costs a letter: time and bytes.

Run: ``.venv/bin/python bench/ltv.py [--reps 5]`` (needs the dev extras: certomancer).
Drafts the real SPT once per set-up (docxtpl + warm LibreOffice), makes the six marks,
then times a whole finalisation (``Finalizer.run``: number, fill, seal, validation data,
archive timestamp, archive, agenda, mail queued) for each set-up:

- ``B-T``: ``trust.long_term = false``, every signature timestamped by the demo's
  in-process TSA (what a letter was before LTV);
- ``B-LTA demo``: ``spt init --demo`` as shipped: the demo CA's CRL from the workspace,
  the in-process TSA, nothing fetched;
- ``B-LTA certomancer``: a real test CA on 127.0.0.1 (certomancer): CRLs, OCSP and the
  RFC 3161 TSA fetched over HTTP, as from BSrE but without the network's latency.

Also: the issued file's size, and ``spt verify --pada`` (offline long-term validation of
every signature at a date after every certificate expired).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.finalize import ASSIGNEES, open_case  # noqa: E402
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
from pipeline.signing.verify import verify_pdf  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.workspace_init import init_workspace  # noqa: E402


def _set_trust(config_path: Path, block: str) -> None:
    text = config_path.read_text(encoding="utf-8")
    start = text.index("[trust]\n")
    end = text.index("\n[", start + 1)
    config_path.write_text(text[:start] + block + text[end:], encoding="utf-8")


def _measure(name: str, config_path: Path, converter, reps: int, later: dt.datetime) -> dict:
    config = load_config(config_path)
    ws, wf, clock = Workspace(config), config.workflow(), SystemClock()
    ws.ensure()
    store = Store(ws.database)
    keyring = KeyRing.load(config)
    signer = MarkSigner(config, wf, ws, keyring)
    office = Office(config, wf, ws, store, clock)
    notifier = Notifier(office)
    finalizer = Finalizer(office, keyring=keyring, notifier=notifier)
    drafted = None
    finals, sizes, checks = [], [], []
    for rep in range(reps):
        case = open_case(store, config, ws, rep)
        if drafted is None:
            drafted = DraftMaker(config, wf, ws, converter).first_draft(
                case.id, DEMO / "undangan-workshop-ojk.pdf", ASSIGNEES)
            source = ws.case_file(case.id, drafted.pdf_sha256, "pdf")
        else:
            target = ws.case_file(case.id, drafted.pdf_sha256, "pdf")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        sha = drafted.pdf_sha256
        for stage in wf.reviewers:
            sha = signer.mark(case, stage, sha, when=clock.now())
        state = replace(case.state, status=Status.FINALIZING, stage=len(wf.stages),
                        docx_sha256=drafted.docx_sha256, pdf_sha256=sha)
        with store.transaction():
            store.cases.save_state(case.id, state, now=clock.now(), stage_changed=True)
        started = time.perf_counter()
        finalizer.run(store.cases.get(case.id))
        finals.append(time.perf_counter() - started)
        entry = store.agenda.for_case(case.id)
        assert entry is not None, f"{name}: not issued"
        data = (ws.root / entry.archive_path).read_bytes()
        sizes.append(len(data))
        if rep == 0:
            started = time.perf_counter()
            report = verify_pdf(data, trust_roots=config.trust.roots, workflow=wf,
                                tz=config.tz, at=later if config.trust.long_term else None)
            checks.append(time.perf_counter() - started)
            assert report.ok, (name, report.problems)
    keyring.close()
    return {"name": name, "final": finals, "size": sizes, "check": checks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    from tests.support.ltv_pki import CertomancerPki, subjects_for

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        warm_up()
        bt = init_workspace(tmp_path / "bt", demo=True)
        text = bt.read_text(encoding="utf-8")
        bt.write_text(re.sub(r"(?m)^fetch_validation_data = false$",
                             "fetch_validation_data = false\nlong_term = false", text),
                      encoding="utf-8")
        demo = init_workspace(tmp_path / "demo", demo=True)
        ca_ws = init_workspace(tmp_path / "ca-ws", demo=True)
        ca_config = load_config(ca_ws)
        converter = make_converter(ca_config, Workspace(ca_config).state)
        converter.start()
        try:
            with CertomancerPki(tmp_path / "ca", subjects_for(ca_config),
                                organization=ca_config.agency.name) as pki:
                _set_trust(ca_ws, '[trust]\nroots = ["pki/demo-root.pem"]\n'
                                  f'tsa_url = "{pki.tsa_url}"\n')
                pki.install(load_config(ca_ws))
                later_ca = pki.leaf_until + dt.timedelta(days=365)
                later_demo = dt.datetime.now(dt.UTC) + dt.timedelta(days=3 * 365)
                results.append(_measure("B-T (no validation data)", bt, converter,
                                        args.reps, later_demo))
                results.append(_measure("B-LTA demo (local CRL, in-process TSA)", demo,
                                        converter, args.reps, later_demo))
                results.append(_measure("B-LTA certomancer (CRL/OCSP/TSA over HTTP)", ca_ws,
                                        converter, args.reps, later_ca))
        finally:
            converter.stop()
    base = statistics.median(results[0]["size"])
    print(f"{'finalisation (number..mail queued)':44} {'median':>8} {'max':>8} "
          f"{'file':>9} {'+bytes':>8} {'verify --pada':>14}")
    for r in results:
        size = statistics.median(r["size"])
        check = f"{r['check'][0]:.2f} s" if r["check"] else "-"
        print(f"{r['name']:44} {statistics.median(r['final']) * 1000:6.0f}ms "
              f"{max(r['final']) * 1000:6.0f}ms {size / 1024:7.0f}KB "
              f"{(size - base) / 1024:+7.0f}KB {check:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
