"""The database copy of a backup, taken while another process keeps writing (as the service).

The writer is a separate process committing audit entries (hash-chained, each in its own
``BEGIN IMMEDIATE`` transaction) as fast as it can; meanwhile this process takes copies.
Every copy must be whole (SQLite's integrity check), self-contained (no ``-wal``), a
prefix of the log with an intact hash chain, and the writer must lose nothing: every
entry it committed is in the live database afterwards, read by a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pipeline.simulate import wait_until
from pipeline.store import Store
from pipeline.store.backup import check_integrity, snapshot_database, snapshot_facts

ENTRIES = 1500

WRITER = textwrap.dedent("""
    import sys
    from pipeline.store import Store
    store = Store(sys.argv[1])
    for i in range(int(sys.argv[2])):
        with store.transaction():
            store.audit.append("uji.tulis", detail={"i": i})
    store.close()
""")

COUNT = textwrap.dedent("""
    import sys
    from pipeline.store import Store
    store = Store(sys.argv[1], create=False)
    print(len(store.audit.all()), store.audit.verify())
""")


def test_copies_taken_while_another_process_writes_are_whole_and_lose_nothing(tmp_path):
    live = tmp_path / "state" / "spt.sqlite3"
    Store(live).close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(ENTRIES)])
    try:
        wait_until(lambda: snapshot_count(live, tmp_path / "probe.sqlite3") > 0, timeout=60,
                   what="the writer's first commits")
        seen = []
        for i in range(8):
            copy = tmp_path / f"salinan-{i}.sqlite3"
            snapshot_database(live, copy)
            assert check_integrity(copy) is None
            assert not Path(f"{copy}-wal").exists()
            assert copy.stat().st_mode & 0o077 == 0
            facts = snapshot_facts(copy)
            store = Store(copy, create=False)
            assert store.audit.verify() is None
            assert [e.detail["i"] for e in store.audit.all()] == list(range(facts.audit_entries))
            store.close()
            seen.append(facts.audit_entries)
        assert seen == sorted(seen)
        assert writer.wait(timeout=300) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
    assert seen[0] < ENTRIES                        # copies really overlapped the writing
    out = subprocess.run([sys.executable, "-c", COUNT, str(live)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [str(ENTRIES), "None"]


def snapshot_count(live: Path, probe: Path) -> int:
    probe.unlink(missing_ok=True)
    snapshot_database(live, probe)
    return snapshot_facts(probe).audit_entries
