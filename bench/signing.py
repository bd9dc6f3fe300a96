"""How long signing takes: one mark, the seal, verification, and pyHanko's CLI for comparison.

Run: ``.venv/bin/python bench/signing.py [--reps 20] [--cli-reps 5]``. Builds a
demo workspace (demo keys, ECDSA P-256) in a temporary folder, then times:

- ``KeyRing.load`` (every key, once, at start-up);
- one paraf and one signature in-process (``apply_mark``), median of ``--reps``;
- a paraf with an RFC 3161 timestamp from a local TSA (HTTP on 127.0.0.1);
- the seal (``apply_seal``) on the filled letter;
- ``verify_pdf`` on the sealed letter (7 signatures) and ``pdfsig_check``;
- ``pyhanko sign addsig ... pkcs12 --passfile`` per mark (a process per signature).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.signing.appearance import warm_up  # noqa: E402
from pipeline.signing.keys import KeyRing  # noqa: E402
from pipeline.signing.marks import MarkAppearance, apply_mark  # noqa: E402
from pipeline.signing.seal import apply_seal  # noqa: E402
from pipeline.signing.verify import pdfsig_check, verify_pdf  # noqa: E402
from tests.support.signing import LocalTsa, demo_workspace, fill_text_fields, prepared_pdf  # noqa: E402


def timed(fn: Callable[[], object], reps: int) -> tuple[float, float, float]:
    """(median, min, max) in milliseconds over ``reps`` calls."""
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--cli-reps", type=int, default=5)
    args = parser.parse_args()

    rows: list[tuple[str, int, tuple[float, float, float]]] = []
    with tempfile.TemporaryDirectory(prefix="spt-bench-") as tmp:
        folder = Path(tmp)
        config, pki = demo_workspace(folder / "ws")
        workflow = config.workflow()
        rows.append(("KeyRing.load (7 keys, PKCS#12)", 1,
                     timed(lambda: KeyRing.load(config), 1)))
        ring = KeyRing.load(config)
        start = time.perf_counter()
        warm_up()
        rows.append(("fonts: rescale + subset (once per process)", 1,
                     ((time.perf_counter() - start) * 1000,) * 3))

        prepared = prepared_pdf()
        now = dt.datetime.now(dt.UTC)

        def mark(pdf: bytes, key: str) -> bytes:
            stage = workflow.stage(key)
            return apply_mark(pdf, field_name=stage.field_name, signer=ring.signer(key),
                              appearance=MarkAppearance.for_stage(stage, config), when=now)

        mark(prepared, "kasubag")  # first call: imports, caches
        rows.append(("apply_mark: paraf (1st signature)", args.reps,
                     timed(lambda: mark(prepared, "kasubag"), args.reps)))
        tsa_cert, tsa_key = pki.issue_tsa()
        with LocalTsa(tsa_cert, tsa_key, extra_certs=[pki.root_cert]) as tsa_url:
            stage = workflow.stage("kasubag")
            rows.append(("apply_mark: paraf + RFC 3161 timestamp (local TSA)", args.reps, timed(
                lambda: apply_mark(prepared, field_name=stage.field_name,
                                   signer=ring.signer("kasubag"),
                                   appearance=MarkAppearance.for_stage(stage, config),
                                   when=now, tsa_url=tsa_url),
                args.reps)))
        current = prepared
        for stage in workflow.reviewers[:-1]:
            current = mark(current, stage.key)
        before_last = current
        rows.append(("apply_mark: tanda tangan (6th signature)", args.reps,
                     timed(lambda: mark(before_last, "gubernur"), args.reps)))
        signed = mark(before_last, "gubernur")
        filled = fill_text_fields(signed, {"Nomor": "800.1.11.1/0001/DISKOPUKM/2026",
                                           "Tanggal": "12 Mei 2026"})

        def seal() -> bytes:
            return apply_seal(filled, signer=ring.seal_signer(), image=config.seal.image,
                              when=now)

        seal()
        rows.append(("apply_seal (after 6 marks + fill)", args.reps,
                     timed(seal, args.reps)))
        sealed = seal()
        rows.append(("verify_pdf (7 signatures)", 5, timed(
            lambda: verify_pdf(sealed, trust_roots=config.trust.roots, workflow=workflow), 5)))
        sealed_path = folder / "sealed.pdf"
        sealed_path.write_bytes(sealed)
        if shutil.which("pdfsig"):
            pdfsig_check(sealed_path, config.trust.roots)  # builds the NSS database once
            rows.append(("pdfsig_check (7 signatures)", 5,
                         timed(lambda: pdfsig_check(sealed_path, config.trust.roots), 5)))

        cli = Path(sys.executable).with_name("pyhanko")
        if cli.exists():
            stage = workflow.stage("kasubag")
            key_cfg = config.stage[stage.index].signing_key
            inp = folder / "in.pdf"
            inp.write_bytes(prepared)
            out = folder / "cli-out.pdf"

            def run_cli() -> None:
                subprocess.run(
                    [str(cli), "sign", "addsig", "--field", stage.field_name, "--existing-only",
                     "--use-pades", "--reason", "Paraf", "--location", config.agency.city,
                     "pkcs12", "--passfile", str(key_cfg.passphrase.file), str(inp), str(out),
                     str(key_cfg.pkcs12)],
                    check=True, capture_output=True,
                )

            rows.append(("pyhanko CLI addsig pkcs12 (1 mark, own process)", args.cli_reps,
                         timed(run_cli, args.cli_reps)))

    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'reps':>4}  {'median ms':>9}  {'min':>7}  {'max':>7}")
    print("-" * (width + 36))
    for label, reps, (med, lo, hi) in rows:
        print(f"{label:<{width}}  {reps:>4}  {med:>9.1f}  {lo:>7.1f}  {hi:>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
