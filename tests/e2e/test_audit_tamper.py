"""A tamper-evident record: every alteration of the log, the register, the agenda or the
archive is reported by ``spt audit verify``, naming what changed.

Two letters are issued by the real service once; each test works on its own
copy of that workspace and tampers with the database the way someone with
write access would (dropping the append-only triggers first), or with the
archive.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.reports.auditing import rebuild_tables, verify_audit
from pipeline.simulate import wait_until
from pipeline.store.audit import entry_hash
from tests.support.workspace import copy_workspace

from .conftest import SAMPLES, Office
from .test_chain import NOTE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def issued_workspace(tmp_path_factory) -> Path:
    office = Office(tmp_path_factory.mktemp("audit") / "ws")
    svc, o = office.service, office.officials
    svc.start()
    try:
        for sample in ("undangan-dev-01.pdf", "undangan-dev-02.pdf"):
            o.drop_invitation(SAMPLES / sample, note=NOTE)
        cases = o.new_cases(set(), count=2)
        for case in cases:
            for stage in office.workflow.stages:
                o.agree(case, stage.index)
        store = office.store()
        wait_until(lambda: len(store.agenda.entries()) == 2, timeout=120, what="two letters")
    finally:
        svc.stop()
    return office.ws.root


@pytest.fixture
def ws(issued_workspace, tmp_path) -> Path:
    copy = tmp_path / "ws"
    copy_workspace(issued_workspace, copy)
    return copy


def _db(ws: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(ws / "state" / "spt.sqlite3", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def _verify(ws: Path) -> tuple[bool, str]:
    ok, lines = verify_audit(load_config(ws / "spt.toml"))
    return ok, "\n".join(lines)


def _seq_of(conn, action: str, nth: int = 0) -> int:
    return conn.execute("SELECT seq FROM audit WHERE action = ? ORDER BY seq",
                        (action,)).fetchall()[nth]["seq"]


def test_the_untouched_record_verifies_and_rebuilds_to_the_same_tables(ws):
    ok, text = _verify(ws)
    assert ok, text
    assert "sama dengan yang disusun ulang" in text
    rebuilt, differences = rebuild_tables(load_config(ws / "spt.toml"))
    assert differences == []
    assert [n.seq for n in rebuilt.register] == [1, 2]
    assert len(rebuilt.agenda) == 2
    out = subprocess.run([sys.executable, "-m", "pipeline", "audit", "rebuild", "--config",
                          str(ws / "spt.toml")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "/0002/" in out.stdout and "tidak ada" in out.stdout


def test_an_altered_entry_is_named(ws):
    conn = _db(ws)
    seq = _seq_of(conn, "number.assigned", 1)
    detail = json.loads(conn.execute("SELECT detail FROM audit WHERE seq = ?",
                                     (seq,)).fetchone()["detail"])
    detail["number"] = detail["number"].replace("0002", "0007")
    conn.execute("UPDATE audit SET detail = ? WHERE seq = ?",
                 (json.dumps(detail, sort_keys=True), seq))
    ok, text = _verify(ws)
    assert not ok
    assert f"RUSAK mulai entri #{seq}: isi entri tidak cocok" in text
    assert "0007" in text  # and the register no longer agrees with it


def test_a_deleted_entry_is_named(ws):
    conn = _db(ws)
    seq = _seq_of(conn, "stage.agreed", 3)
    conn.execute("DELETE FROM audit WHERE seq = ?", (seq,))
    ok, text = _verify(ws)
    assert not ok and f"entri {seq} hilang" in text


def test_an_entry_inserted_in_the_middle_is_named(ws):
    conn = _db(ws)
    seq = _seq_of(conn, "case.signed")
    rows = conn.execute("SELECT * FROM audit WHERE seq >= ? ORDER BY seq DESC",
                        (seq,)).fetchall()
    for row in rows:  # make room, as a forger would
        conn.execute("UPDATE audit SET seq = seq + 1 WHERE seq = ?", (row["seq"],))
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()["hash"]
    forged = {"seq": seq, "at": "2026-01-01T00:00:00.000000+00:00", "case_id": "SPT-2026-0001",
              "stage": "gubernur", "actor": "penyusup", "action": "stage.agreed",
              "file_sha256": None, "detail": "{}"}
    conn.execute("INSERT INTO audit (seq, at, case_id, stage, actor, action, file_sha256, detail,"
                 " prev_hash, hash) VALUES (:seq, :at, :case_id, :stage, :actor, :action,"
                 " :file_sha256, :detail, :prev, :hash)",
                 {**forged, "prev": prev, "hash": entry_hash(prev, forged)})
    ok, text = _verify(ws)
    assert not ok
    assert f"RUSAK mulai entri #{seq + 1}" in text  # the first entry whose chain no longer holds


def test_register_rows_altered_inserted_or_deleted_are_reported(ws):
    conn = _db(ws)
    first, second = [r["number"] for r in
                     conn.execute("SELECT number FROM number_register ORDER BY seq")]
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("UPDATE number_register SET letter_date = '2020-01-01' WHERE number = ?",
                 (first,))
    conn.execute("DELETE FROM agenda WHERE number = ?", (second,))
    conn.execute("DELETE FROM number_register WHERE number = ?", (second,))
    conn.execute("INSERT INTO number_register (year, seq, number, case_id, assigned_at,"
                 " letter_date) VALUES (2026, 2, 'X/0002/PALSU/2026', 'SPT-2026-0009',"
                 " '2026-01-01T00:00:00+00:00', '2026-01-01')")
    ok, text = _verify(ws)
    assert not ok
    assert f"Register {first}: tercatat" in text and "2020-01-01" in text
    assert f"Nomor {second} (SPT-2026-0002) diberikan menurut log audit tetapi tidak ada" in text
    assert "Nomor X/0002/PALSU/2026 (SPT-2026-0009) ada di register tanpa entri audit" in text
    assert "SPT-2026-0002 (" in text and "tidak ada di buku agenda" in text


def test_agenda_rows_altered_or_inserted_are_reported(ws):
    conn = _db(ws)
    conn.execute("PRAGMA foreign_keys=OFF")
    row = conn.execute("SELECT * FROM agenda ORDER BY number LIMIT 1").fetchone()
    conn.execute("UPDATE agenda SET file_sha256 = ?, letter_date = '2026-02-02' WHERE number = ?",
                 ("0" * 64, row["number"]))
    conn.execute("INSERT INTO agenda (number, case_id, letter_date, hal, assignees, file_sha256,"
                 " archive_path, recorded_at) VALUES ('Y/9/PALSU/2026', 'SPT-2026-0042',"
                 " '2026-01-01', 'palsu', '[]', ?, 'arsip/palsu.pdf', '2026-01-01')",
                 ("1" * 64,))
    ok, text = _verify(ws)
    assert not ok
    assert f"Buku agenda {row['number']} ({row['case_id']}): tercatat" in text
    assert "Buku agenda Y/9/PALSU/2026 (SPT-2026-0042) tanpa entri audit" in text


def test_an_archived_letter_swapped_for_another_is_reported(ws):
    first, second = sorted((ws / "arsip").rglob("*.pdf"))
    shutil.copyfile(second, first)
    ok, text = _verify(ws)
    assert not ok
    assert f"Arsip {first.relative_to(ws).as_posix()} berubah sejak diterbitkan" in text
    assert "nomor di dalam PDF" in text and "/0002/" in text
