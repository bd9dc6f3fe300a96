"""The benchmark's own smoke run: ``bench/run.py --quick`` completes and prints every row.

Tiny numbers (two cases, a couple of repetitions), so the timings mean
nothing and nothing is asserted about them: this only keeps the benchmark
from rotting as the service changes. The real figures come from a full run
(see the README's "Performance" section).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"

ROWS = (
    "conversion.warm", "conversion.cold", "conversion.ratio",
    "mark.paraf", "mark.signature", "mark.cli", "mark.ratio",
    "latency.inotify", "latency.poll", "latency.stored", "latency.growth",
    "throughput.wall", "throughput.rate", "throughput.case", "throughput.move",
    "memory.service", "memory.libreoffice",
    "reports.status", "reports.agenda", "reports.agenda_csv", "reports.cli",
)


def _bench_module():
    spec = importlib.util.spec_from_file_location("spt_bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    sys.path.insert(0, str(RUN.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(RUN.parent))
    return module


def test_quick_run_completes_and_reports_every_row(tmp_path):
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", "--keep", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = {r["key"]: r for r in report["rows"]}
    assert set(ROWS) <= set(rows), sorted(set(ROWS) - set(rows))
    for key in ROWS:
        if key == "mark.cli" and rows[key]["note"]:
            continue  # the pyhanko command line is a dev extra; the row says it is missing
        if key == "mark.ratio" and rows["mark.cli"]["note"]:
            continue
        assert rows[key]["median"] is not None, key
    assert report["meta"]["throughput_cpu_seconds"]["service"] > 0

    # The table (the default output) renders the same rows.
    bench = _bench_module()
    results = bench.Results(rows=[bench.Row(**r) for r in report["rows"]], meta=report["meta"])
    table = bench.render(results)
    for row in results.rows:
        assert row.label in table
