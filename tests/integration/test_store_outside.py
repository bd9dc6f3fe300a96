"""The database as seen by a second process: during a migration, from a newer spt, copied.

An outside command (``spt status``) started while the service migrates the schema waits
for the migration and then reads the migrated tables; one run against a database a newer
spt migrated says so in one line instead of failing on a missing column.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

from pipeline.store.db import SCHEMA, SCHEMA_VERSION, Store, _statements, thread_store
from pipeline.workspace_init import init_workspace


def _status(config_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "status", "--json", "--config", str(config_path)],
        capture_output=True, text=True, timeout=120)


def test_an_outside_command_during_a_migration_waits_for_it(tmp_path):
    config_path = init_workspace(tmp_path / "ws")
    database = tmp_path / "ws" / "state" / "spt.sqlite3"
    migrating = sqlite3.connect(database, isolation_level=None)
    migrating.execute("PRAGMA journal_mode=WAL")
    migrating.execute("BEGIN IMMEDIATE")              # the service, mid-migration
    started = threading.Event()
    result: dict = {}

    def outside() -> None:
        started.set()
        result["run"] = _status(config_path)

    thread = threading.Thread(target=outside)
    thread.start()
    started.wait()
    # While the command waits, the migration completes (schema first, then the version).
    for statement in _statements(SCHEMA):
        migrating.execute(statement)
    migrating.execute("INSERT INTO cases (id, year, seq, status, stage, version, docx_sha256, "
                      "pdf_sha256, source_sha256, source_name, verify_token, opened_at, "
                      "stage_since, updated_at) VALUES ('SPT-2026-0001', 2026, 1, 'in_chain', "
                      "0, 1, '', '', 'x', 'u.pdf', 't', '2026-12-07T01:00:00+00:00', "
                      "'2026-12-07T01:00:00+00:00', '2026-12-07T01:00:00+00:00')")
    migrating.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    migrating.execute("COMMIT")
    thread.join(120)
    run = result["run"]
    assert run.returncode == 0, run.stderr
    assert '"SPT-2026-0001"' in run.stdout


def test_a_database_from_a_newer_spt_is_refused_in_one_line(tmp_path):
    config_path = init_workspace(tmp_path / "ws")
    database = tmp_path / "ws" / "state" / "spt.sqlite3"
    Store(database).close()
    conn = sqlite3.connect(database)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    run = _status(config_path)
    assert run.returncode == 1
    assert "versi spt yang lebih baru" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_database_file_is_created_private_and_never_reopened(tmp_path, monkeypatch):
    import os

    database = tmp_path / "state" / "spt.sqlite3"
    old = os.umask(0)
    try:
        Store(database).close()
    finally:
        os.umask(old)
    assert database.stat().st_mode & 0o777 == 0o600
    # An existing file is touched only by SQLite: no os.open of it (which would drop this
    # process's POSIX locks when closed).
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        fd = real_open(path, *args, **kwargs)  # an O_EXCL attempt that fails opens nothing
        opened.append(str(path))
        return fd

    monkeypatch.setattr(os, "open", spy)
    Store(database).close()
    assert str(database) not in opened


def test_one_store_per_thread_and_a_consistent_backup(tmp_path):
    database = tmp_path / "state" / "spt.sqlite3"
    first = thread_store(database)
    assert thread_store(database) is first
    other: list[Store] = []
    t = threading.Thread(target=lambda: other.append(thread_store(database)))
    t.start()
    t.join()
    assert other[0] is not first
    with first.transaction() as conn:
        conn.execute("INSERT INTO mail_seen VALUES ('k', 'sha', 'case', 'now')")
    copy = first.backup_to(tmp_path / "copy.sqlite3")
    assert sqlite3.connect(copy).execute("SELECT COUNT(*) FROM mail_seen").fetchone()[0] == 1
    first.close()
    assert thread_store(database) is not first   # closed ones are forgotten


def test_a_report_reads_one_instant_while_another_process_commits(tmp_path):
    """spt audit verify read the log, then the register: a number assigned in between was
    reported as inserted without its audit entry (found by the chaos run with IT's
    commands). Inside a snapshot, a commit made meanwhile is not half seen."""
    database = tmp_path / "state" / "spt.sqlite3"
    reader = Store(database)
    writer = sqlite3.connect(database, isolation_level=None)
    with reader.snapshot():
        before = reader.execute("SELECT COUNT(*) FROM mail_seen").fetchone()[0]
        writer.execute("INSERT INTO mail_seen VALUES ('k', 'sha', 'case', 'now')")
        during = reader.execute("SELECT COUNT(*) FROM mail_seen").fetchone()[0]
    after = reader.execute("SELECT COUNT(*) FROM mail_seen").fetchone()[0]
    assert (before, during, after) == (0, 0, 1)
    import pytest

    with pytest.raises(RuntimeError), reader.snapshot(), reader.transaction():
        pass
