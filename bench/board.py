"""How long one render of the status board takes, with N open cases in the store.

    .venv/bin/python bench/board.py [-n 100]

The service renders the board at most once every ``board.min_interval_seconds``
(2 s by default) however many cases move; this is the cost of one such render.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.config import WorkingTimeConfig, load_config
from pipeline.core.machine import CaseState
from pipeline.folders.layout import Workspace
from pipeline.ops.worktime import WorkingCalendar
from pipeline.reports.board import StatusBoard
from pipeline.store import Store
from pipeline.workspace_init import init_workspace

WIB = ZoneInfo("Asia/Pontianak")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="open cases (default 100)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(init_workspace(Path(tmp) / "ws"))
        config = config.model_copy(update={"board": config.board.model_copy(
            update={"min_interval_seconds": 0.0, "open_shown": max(args.n, 1)})})
        Workspace(config).ensure()
        store = Store(Workspace(config).database)
        since = dt.datetime(2026, 12, 7, 9, 0, tzinfo=WIB)
        for i in range(args.n):
            with store.transaction():
                case = store.cases.open(now=since, tz=WIB, source_sha256=f"{i:064x}",
                                        source_name="u.pdf", source_ext="pdf", pemohon=None,
                                        assignees=[])
                store.cases.update_fields(case.id, {"hal": f"Undangan rapat nomor {i}"})
                stage = 1 + i % 6
                store.cases.save_state(case.id, replace(CaseState.opened("d" * 64, "p" * 64),
                                                        stage=stage), now=since,
                                       stage_changed=True)
                store.cases.arrive(case.id, config.workflow().stages[stage].key, 1, since,
                                   came_back=i % 5 == 0, note="perbaiki" if i % 5 == 0 else None)
        board = StatusBoard(config, config.workflow(), store,
                            WorkingCalendar.from_settings(WorkingTimeConfig(), WIB))
        times = []
        for k in range(args.repeat):
            start = time.perf_counter()
            board.render(since + dt.timedelta(minutes=k))
            times.append(time.perf_counter() - start)
        print(f"status board, {args.n} open cases: median {statistics.median(times) * 1000:.1f} ms,"
              f" max {max(times) * 1000:.1f} ms ({args.repeat} renders)")


if __name__ == "__main__":
    main()
