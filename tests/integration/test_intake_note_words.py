"""The note beside a refused invitation says when, with the time zone (not '01:04')."""

from __future__ import annotations

import datetime as dt

from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.service.clock import FixedClock
from pipeline.service.intake import Intake, note_path_for
from pipeline.service.office import Office
from pipeline.workspace_init import init_workspace


def test_a_refusal_note_gives_the_time_with_its_zone(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    ws = Workspace(config)
    ws.ensure()
    dropped = ws.inbox / "undangan.pdf"
    dropped.write_bytes(b"not a pdf")
    clock = FixedClock(dt.datetime(2026, 12, 7, 1, 4, tzinfo=dt.UTC))   # 08.04 WIB
    intake = Intake(Office.open(config, clock=clock), notifier=None, parse=None)
    kept = intake.reject(dropped, "Berkas bukan PDF.")
    note = note_path_for(kept).read_text(encoding="utf-8")
    assert "Ditolak pada: Senin, 7 Desember 2026 pukul 08.04 WIB" in note
    assert "Berkas bukan PDF." in note
