"""The state store: numbers never repeat or skip, the audit log detects tampering."""

import dataclasses
import datetime as dt
import multiprocessing
import sqlite3
import threading
from zoneinfo import ZoneInfo

import pytest

from pipeline.store import Store

WIB = ZoneInfo("Asia/Pontianak")
FMT = "{klasifikasi}/{urut:04d}/{unit}/{tahun}"


def _open_case(store, n, now):
    with store.transaction():
        return store.cases.open(now=now, tz=WIB, source_sha256=f"{n:064d}", source_name=f"{n}.pdf",
                                source_ext="pdf", pemohon=None, assignees=[])


def _assign(store, case_id, now):
    with store.transaction():
        return store.register.assign(case_id, now=now, tz=WIB, fmt=FMT, klasifikasi="800.1.11.1",
                                     unit="DISKOPUKM")


def test_case_ids_are_readable_and_per_year(tmp_path):
    store = Store(tmp_path / "db")
    now = dt.datetime(2026, 12, 31, 16, 59, 59, tzinfo=dt.UTC)  # 23:59:59 WIB
    assert _open_case(store, 1, now).id == "SPT-2026-0001"
    assert _open_case(store, 2, now).id == "SPT-2026-0002"
    assert _open_case(store, 3, now + dt.timedelta(seconds=1)).id == "SPT-2027-0001"


def test_the_same_invitation_cannot_open_two_cases(tmp_path):
    store = Store(tmp_path / "db")
    now = dt.datetime.now(dt.UTC)
    _open_case(store, 1, now)
    with pytest.raises(sqlite3.IntegrityError):
        _open_case(store, 1, now)


def test_a_retry_reuses_the_number_already_given(tmp_path):
    store = Store(tmp_path / "db")
    now = dt.datetime.now(dt.UTC)
    case = _open_case(store, 1, now)
    first = _assign(store, case.id, now)
    again = _assign(store, case.id, now + dt.timedelta(days=400))
    assert (again.number, again.seq, again.reused) == (first.number, 1, True)
    assert len(store.register.all()) == 1


def test_year_change_restarts_the_sequence_in_the_agency_timezone(tmp_path):
    store = Store(tmp_path / "db")
    last_second = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=WIB)
    cases = [_open_case(store, n, last_second).id for n in range(4)]
    a = _assign(store, cases[0], last_second - dt.timedelta(hours=1))
    b = _assign(store, cases[1], last_second)
    c = _assign(store, cases[2], last_second + dt.timedelta(seconds=1))
    d = _assign(store, cases[3], last_second + dt.timedelta(seconds=2))
    assert [a.number, b.number] == ["800.1.11.1/0001/DISKOPUKM/2026", "800.1.11.1/0002/DISKOPUKM/2026"]
    assert b.letter_date == dt.date(2026, 12, 31)
    assert [c.number, d.number] == ["800.1.11.1/0001/DISKOPUKM/2027", "800.1.11.1/0002/DISKOPUKM/2027"]
    assert c.letter_date == dt.date(2027, 1, 1)


def test_fifty_cases_finishing_at_once_in_threads_get_fifty_consecutive_numbers(tmp_path):
    path = tmp_path / "db"
    store = Store(path)
    now = dt.datetime.now(dt.UTC)
    ids = [_open_case(store, n, now).id for n in range(50)]
    results, errors = [], []
    barrier = threading.Barrier(50)

    def finish(case_id):
        try:
            own = Store(path)
            barrier.wait()
            results.append(_assign(own, case_id, now).seq)
            own.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(results) == list(range(1, 51))


def _finish_in_process(path, case_id, start, out):
    store = Store(path)
    start.wait()
    out.put(_assign(store, case_id, dt.datetime.now(dt.UTC)).number)


def test_fifty_cases_finishing_at_once_in_processes(tmp_path):
    path = tmp_path / "db"
    store = Store(path)
    now = dt.datetime.now(dt.UTC)
    ids = [_open_case(store, n, now).id for n in range(50)]
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_finish_in_process, args=(path, i, start, out)) for i in ids]
    for p in procs:
        p.start()
    start.set()
    numbers = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    seqs = sorted(int(n.split("/")[1]) for n in numbers)
    assert seqs == list(range(1, 51))
    assert len(set(numbers)) == 50


def _chain(tmp_path, n=5):
    store = Store(tmp_path / "db")
    with store.transaction():
        for i in range(n):
            store.audit.append("test.event", case_id="SPT-2026-0001", detail={"i": i})
    return store


def test_audit_chain_is_intact_and_append_only(tmp_path):
    store = _chain(tmp_path)
    assert store.audit.verify() is None
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("UPDATE audit SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("DELETE FROM audit WHERE seq = 2")


def _bypass(store, sql):
    """What an attacker with the database file can do: drop the guard, change, restore it."""
    store.conn.executescript(
        "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;" + sql)


def test_altered_entry_is_found(tmp_path):
    store = _chain(tmp_path)
    _bypass(store, "UPDATE audit SET detail = '{\"i\": 99}' WHERE seq = 3;")
    brk = store.audit.verify()
    assert brk.seq == 3 and "diubah" in brk.problem


def test_deleted_entry_is_found(tmp_path):
    store = _chain(tmp_path)
    _bypass(store, "DELETE FROM audit WHERE seq = 2;")
    assert store.audit.verify().seq == 2


def test_inserted_entry_is_found(tmp_path):
    store = _chain(tmp_path)
    _bypass(store, "INSERT INTO audit (seq, at, actor, action, detail, prev_hash, hash) "
                   "VALUES (6, 'x', 'x', 'forged', '{}', 'bad', 'bad');")
    assert store.audit.verify().seq == 6


def test_audit_entries_belong_to_a_transaction(tmp_path):
    store = Store(tmp_path / "db")
    with pytest.raises(RuntimeError):
        store.audit.append("outside")


def test_a_pending_refusal_is_written_with_its_audit_entry_and_found_by_its_exact_file(tmp_path):
    """The row that says a refusal's effects are due (pipeline.store.refusals): written in
    the refusal's transaction only, found again by the same file (stage, folder, name and
    bytes) and by nothing else, gone once done."""
    from pipeline.store.audit import AuditAction
    from pipeline.store.refusals import KeptIn, PendingRefusal

    store = Store(tmp_path / "db")
    now = dt.datetime.now(dt.UTC)
    case = _open_case(store, 1, now)
    row = PendingRefusal(audit_seq=0, case_id=case.id, stage_key="kasubag",
                         source_dir="disetujui", source_name=f"{case.id}.pdf",
                         file_sha256="a" * 64, kept_in=KeptIn.STAGE,
                         kept_name=f"{case.id}-ditolak.pdf", returned=False,
                         message="Berkas berubah.")
    with pytest.raises(RuntimeError):
        store.refusals.add(row, now=now)  # never without its audit entry
    with store.transaction():
        entry = store.audit.append(AuditAction.STAGE_REFUSED, case_id=case.id,
                                   stage="kasubag", file_sha256="a" * 64, at=now)
        store.refusals.add(dataclasses.replace(row, audit_seq=entry.seq), now=now)

    pending = store.refusals.pending()
    assert [(p.audit_seq, p.kept_in, p.note) for p in pending] == [(entry.seq, KeptIn.STAGE,
                                                                     None)]
    found = store.refusals.for_file("kasubag", "disetujui", f"{case.id}.pdf", "a" * 64)
    assert found == pending[0]
    # Other bytes under that name, the same bytes elsewhere: another file, judged anew.
    assert store.refusals.for_file("kasubag", "disetujui", f"{case.id}.pdf", "b" * 64) is None
    assert store.refusals.for_file("kasubag", "dikembalikan", f"{case.id}.pdf", "a" * 64) is None
    assert store.refusals.for_file("sekretaris", "disetujui", f"{case.id}.pdf", "a" * 64) is None

    store.refusals.done(entry.seq)
    assert store.refusals.pending() == []
    assert store.refusals.for_file("kasubag", "disetujui", f"{case.id}.pdf", "a" * 64) is None


def test_a_pending_unknown_file_has_no_case_and_keeps_its_kind_and_time(tmp_path):
    """An unknown file's note is due like a refusal's (same table, kind ``unknown``): no
    case, and what it is and when it was recorded read back as written."""
    from pipeline.store.audit import AuditAction
    from pipeline.store.refusals import KeptIn, PendingRefusal, RefusalKind

    store = Store(tmp_path / "db")
    now = dt.datetime.now(dt.UTC)
    with store.transaction():
        entry = store.audit.append(AuditAction.FILE_UNKNOWN, stage="kasubag",
                                   file_sha256="c" * 64, at=now, detail={"name": "x.pdf"})
        store.refusals.add(PendingRefusal(
            audit_seq=entry.seq, case_id=None, stage_key="kasubag", source_dir="disetujui",
            source_name="x.pdf", file_sha256="c" * 64, kept_in=KeptIn.STAGE,
            kept_name="x.pdf", returned=False, message="m", note="n",
            kind=RefusalKind.UNKNOWN), now=now)
    (found,) = store.refusals.pending()
    assert (found.case_id, found.kind, found.at, found.note) == (
        None, RefusalKind.UNKNOWN, now, "n")
    assert store.refusals.for_file("kasubag", "disetujui", "x.pdf", "c" * 64) == found


def test_a_schema_4_database_gains_the_pending_refusals_table_with_its_kind(tmp_path):
    """An installed database (schema 4: delegations, no pending refusals) opened by this
    version: the table is made in place, with the column saying what each row is."""
    import sqlite3

    from pipeline.store.db import SCHEMA, SCHEMA_VERSION, _statements

    path = tmp_path / "spt.sqlite3"
    old = sqlite3.connect(path)
    for statement in _statements(SCHEMA):
        if "pending_refusals" not in statement:
            old.execute(statement)
    old.execute("PRAGMA user_version=4")
    old.commit()
    old.close()
    store = Store(path)
    try:
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        columns = {r[1] for r in store.execute("PRAGMA table_info(pending_refusals)")}
        assert {"kind", "case_id", "kept_in", "note"} <= columns
        assert store.refusals.pending() == []
    finally:
        store.close()
