"""Opening the database, its schema, and transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar, overload

if TYPE_CHECKING:
    from pipeline.store.agenda import AgendaBook
    from pipeline.store.audit import AuditLog
    from pipeline.store.cases import CaseRepo
    from pipeline.store.delegations import DelegationBook
    from pipeline.store.mail import MailQueue, MailSeen
    from pipeline.store.refusals import RefusalLog
    from pipeline.store.register import NumberRegister
    from pipeline.store.reminders import ReminderLog
    from pipeline.store.visits import VisitLog

# 2: indexes for the agenda by file hash (spt verify, the web check) and mail by case.
# 3: incoming mail by content hash (was added by the mail adapter outside this schema).
# 4: delegations (Plh./Plt.: who holds a stage while its official is away).
# 5: pending_refusals (the effects of a file not taken, finished after a crash: a refused
#    move, an agreement sent back to drafting, an unknown file).
SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id              TEXT PRIMARY KEY,          -- SPT-2026-0007
    year            INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    status          TEXT NOT NULL,
    stage           INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    docx_sha256     TEXT NOT NULL,
    pdf_sha256      TEXT NOT NULL,
    marked          TEXT NOT NULL DEFAULT '[]',
    source_sha256   TEXT NOT NULL UNIQUE,      -- the invitation: the same file opens one case
    source_name     TEXT NOT NULL,
    pemohon         TEXT,
    fields          TEXT NOT NULL DEFAULT '{}',
    assignees       TEXT NOT NULL DEFAULT '[]',
    verify_token    TEXT NOT NULL UNIQUE,
    opened_at       TEXT NOT NULL,
    stage_since     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    issued_sha256   TEXT,
    source_ext      TEXT NOT NULL DEFAULT 'pdf',
    source_done     INTEGER NOT NULL DEFAULT 0,  -- the dropped file was moved to diproses/
    UNIQUE (year, seq)
);
CREATE INDEX IF NOT EXISTS cases_by_status ON cases (status, stage);
CREATE INDEX IF NOT EXISTS cases_by_pdf ON cases (pdf_sha256);
CREATE INDEX IF NOT EXISTS cases_by_docx ON cases (docx_sha256);

CREATE TABLE IF NOT EXISTS versions (
    case_id     TEXT NOT NULL REFERENCES cases (id),
    version     INTEGER NOT NULL,
    docx_sha256 TEXT NOT NULL,
    pdf_sha256  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, version)
);

-- One row per stay of a case at a stage: the basis of mutu baku timing.
CREATE TABLE IF NOT EXISTS stage_visits (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    stage_key   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    arrived_at  TEXT NOT NULL,
    came_back   INTEGER NOT NULL DEFAULT 0,    -- arrived by a return from the next stage
    note        TEXT,                          -- the return's reason, for the notification
    left_at     TEXT,
    outcome     TEXT                           -- agreed / returned / cancelled
);
CREATE INDEX IF NOT EXISTS visits_open ON stage_visits (case_id, left_at);
CREATE INDEX IF NOT EXISTS visits_by_stage ON stage_visits (stage_key, arrived_at);

-- Append-only, hash-chained: each entry's hash covers the previous one's.
CREATE TABLE IF NOT EXISTS audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    case_id     TEXT,
    stage       TEXT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    file_sha256 TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_case ON audit (case_id, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Outgoing-letter numbers: no gap, no repeat, one per case.
CREATE TABLE IF NOT EXISTS number_register (
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    number      TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL UNIQUE REFERENCES cases (id),
    assigned_at TEXT NOT NULL,
    letter_date TEXT NOT NULL,
    PRIMARY KEY (year, seq)
);

-- Buku agenda surat keluar.
CREATE TABLE IF NOT EXISTS agenda (
    number         TEXT PRIMARY KEY REFERENCES number_register (number),
    case_id        TEXT NOT NULL UNIQUE REFERENCES cases (id),
    letter_date    TEXT NOT NULL,
    hal            TEXT NOT NULL,
    assignees      TEXT NOT NULL,
    pemohon        TEXT,
    file_sha256    TEXT NOT NULL,
    archive_path   TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    received_at    TEXT,
    received_by    TEXT,
    revoked_at     TEXT,
    revoked_reason TEXT,
    signed_by      TEXT                         -- "X (Y)", or "X sebagai Plh. Y" (schema 4)
);
CREATE INDEX IF NOT EXISTS agenda_by_date ON agenda (letter_date);
-- spt verify and the web check find an issued letter by its hash.
CREATE INDEX IF NOT EXISTS agenda_by_sha ON agenda (file_sha256);

-- Outgoing mail: the .eml in outbox/ is the message; this is its delivery state.
CREATE TABLE IF NOT EXISTS mail (
    message_id   TEXT PRIMARY KEY,
    case_id      TEXT,
    kind         TEXT NOT NULL,
    recipients   TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    status       TEXT NOT NULL,               -- queued / sent / failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT NOT NULL,
    queued_at    TEXT NOT NULL,
    sent_at      TEXT,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS mail_due ON mail (status, next_try_at);
CREATE INDEX IF NOT EXISTS mail_by_case ON mail (case_id);

-- Reminders sent, so none is sent twice within its interval.
CREATE TABLE IF NOT EXISTS reminders (
    case_id    TEXT NOT NULL,
    stage_key  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (case_id, stage_key, kind, sent_at)
);

-- Incoming mail already turned into cases (Message-ID and content hash).
CREATE TABLE IF NOT EXISTS mail_seen (
    message_key  TEXT PRIMARY KEY,
    content_sha  TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    seen_at      TEXT NOT NULL
);
-- "Seen before?" is asked by Message-ID (the primary key) and by content hash.
CREATE INDEX IF NOT EXISTS mail_seen_by_sha ON mail_seen (content_sha);

-- Plh./Plt.: a deputy holds a stage for a period (pipeline.core.delegation). The deputy's
-- particulars are kept as they were when it was set: a later pegawai.csv edit does not
-- rewrite who acted.
CREATE TABLE IF NOT EXISTS delegations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    stage_key      TEXT NOT NULL,
    kind           TEXT NOT NULL,              -- plh | plt
    deputy_name    TEXT NOT NULL,
    deputy_nip     TEXT NOT NULL,
    deputy_jabatan TEXT NOT NULL,
    deputy_pangkat TEXT NOT NULL,
    deputy_email   TEXT NOT NULL,
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL,
    case_id        TEXT,                       -- NULL: every case at the stage
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    ended_at       TEXT,                       -- ended early (spt delegasi akhiri)
    end_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS delegations_by_stage ON delegations (stage_key, ends_at);

-- A file the service did not take, whose explanation may not be done yet (the file out of
-- the action folder, the note, the mail): written with the audit entry that records the
-- decision, deleted once they are (pipeline.store.refusals).
CREATE TABLE IF NOT EXISTS pending_refusals (
    audit_seq    INTEGER PRIMARY KEY REFERENCES audit (seq),
    kind         TEXT NOT NULL,               -- refused / back_to_drafting / unknown
    case_id      TEXT,                        -- NULL: an unknown file (no case)
    stage_key    TEXT NOT NULL,
    source_dir   TEXT NOT NULL,               -- disetujui / dikembalikan / batal
    source_name  TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    kept_in      TEXT NOT NULL,               -- stage (its root) / sisa (the case's sisa/)
    kept_name    TEXT NOT NULL,
    returned     INTEGER NOT NULL,
    message      TEXT NOT NULL,
    note         TEXT,                        -- as written, when not made from the above
    created_at   TEXT NOT NULL
);
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class DatabaseGone(RuntimeError):
    """The database file was deleted or replaced under a running process.

    Writing on would go into an unlinked file that nobody will ever read again, so the
    process stops instead; the message says what happened and what to do.
    """


class NewerDatabase(RuntimeError):
    """The database was migrated by a newer spt than this one."""


class Repository:
    """One table's statements over a :class:`Store`: its connection and its transactions.

    Made afresh at each use (``store.cases``, ``store.agenda``, ...); it holds nothing else.
    """

    def __init__(self, store: Store):
        self.store = store


_R = TypeVar("_R", bound=Repository)


class _RepositoryOf(Generic[_R]):
    """``store.<name>``: a new ``cls`` of ``pipeline.store.<module>`` over that store; the
    class is imported then, since the repositories import this module."""

    def __init__(self, module: str, cls: str):
        self.module, self.cls = f"pipeline.store.{module}", cls

    @overload
    def __get__(self, store: None, owner: type[Store]) -> _RepositoryOf[_R]: ...
    @overload
    def __get__(self, store: Store, owner: type[Store]) -> _R: ...

    def __get__(self, store: Store | None, owner: type[Store]) -> _R | _RepositoryOf[_R]:
        if store is None:
            return self
        return getattr(importlib.import_module(self.module), self.cls)(store)


class Store:
    """A connection to the state database, for one thread.

    The database file is touched only through SQLite. Opening and closing any other
    descriptor of it (a ``open()`` to check it, a copy) would drop every POSIX lock this
    process holds on it, SQLite's included, and another process would then believe it
    is the last connection and delete the WAL under us (sqlite.org, "How To Corrupt An
    SQLite Database File", 2.2). A process reaches the database through
    :func:`thread_store` (one connection per thread); backups go through
    :meth:`backup_to`.
    """

    def __init__(self, path: Path, *, create: bool = True):
        self.path = Path(path)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
        elif not self.path.exists():
            raise FileNotFoundError(self.path)
        self.conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=30.0, check_same_thread=True
        )
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._depth = 0
        self._reading = False
        self._owner = threading.get_ident()
        # The file this connection has open; see :meth:`same_file`.
        self._identity = _identity(self.path)
        if create:
            self._migrate()
        else:
            self._check_version()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        self._check_version()
        # Another process (the service, or another command) may be migrating right now:
        # the version is read again under the write lock, so the work is done once.
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                return
            for statement in _statements(SCHEMA):
                conn.execute(statement)
            _add_columns(conn)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _check_version(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerDatabase(
                f"basis data {self.path} sudah diperbarui oleh versi spt yang lebih baru "
                f"(skema {version}, versi ini mengenal {SCHEMA_VERSION}): "
                "pakai versi spt yang sama dengan layanan"
            )

    def same_file(self) -> bool:
        """Is the database file at :attr:`path` still the one this connection opened?

        ``False`` once it was deleted, or replaced by another file (a restore copied
        over it, a stray ``mv``): commits would then land in a file nobody reads.
        """
        return _identity(self.path) == self._identity

    def check_same_file(self) -> None:
        """Raise :class:`DatabaseGone` unless :meth:`same_file`."""
        if self.same_file():
            return
        now = _identity(self.path)
        what = "dihapus" if now is None else "diganti dengan berkas lain"
        raise DatabaseGone(
            f"basis data {self.path} {what} saat layanan berjalan; layanan berhenti agar "
            "tidak menulis ke berkas yang sudah tidak dipakai. Kembalikan berkas aslinya "
            "atau pulihkan dari cadangan, lalu jalankan layanan lagi."
        )

    def backup_to(self, target: Path) -> Path:
        """A consistent copy of the database at ``target`` through SQLite's backup API.

        Safe while the service writes (never ``cp``: see the class docstring). The copy is
        written beside ``target`` and renamed into place once complete.
        """
        target = Path(target)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.unlink(missing_ok=True)
        copy = sqlite3.connect(tmp)
        try:
            self.conn.backup(copy)
        finally:
            copy.close()
        os.replace(tmp, target)
        return target

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        if self._reading:
            raise RuntimeError("a write inside Store.snapshot(): take a transaction() instead")
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the database as of one instant.

        For a report that reads several tables while the service writes (the audit log and
        then the register: a number assigned in between would look inserted). Nothing may
        be written inside; inside a :meth:`transaction` it simply joins it.
        """
        if self._depth:
            yield self.conn
            return
        self.conn.execute("BEGIN DEFERRED")
        self._depth = 1
        self._reading = True
        try:
            yield self.conn
        finally:
            self._depth = 0
            self._reading = False
            self.conn.execute("COMMIT")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()
        _forget(self)

    # The repositories over this connection.
    cases: _RepositoryOf[CaseRepo] = _RepositoryOf("cases", "CaseRepo")
    audit: _RepositoryOf[AuditLog] = _RepositoryOf("audit", "AuditLog")
    register: _RepositoryOf[NumberRegister] = _RepositoryOf("register", "NumberRegister")
    agenda: _RepositoryOf[AgendaBook] = _RepositoryOf("agenda", "AgendaBook")
    mail: _RepositoryOf[MailQueue] = _RepositoryOf("mail", "MailQueue")
    mail_seen: _RepositoryOf[MailSeen] = _RepositoryOf("mail", "MailSeen")
    reminders: _RepositoryOf[ReminderLog] = _RepositoryOf("reminders", "ReminderLog")
    delegations: _RepositoryOf[DelegationBook] = _RepositoryOf("delegations", "DelegationBook")
    visits: _RepositoryOf[VisitLog] = _RepositoryOf("visits", "VisitLog")
    refusals: _RepositoryOf[RefusalLog] = _RepositoryOf("refusals", "RefusalLog")


# Columns added to an existing table after it was first shipped: CREATE TABLE IF NOT EXISTS
# leaves an older table as it is, so they are added here. (table, column, declaration)
_ADDED_COLUMNS = (("agenda", "signed_by", "TEXT"),)


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, column, decl in _ADDED_COLUMNS:
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


def _create_private(path: Path) -> None:
    """Create the database file readable by the service user only, if it does not exist.

    ``O_EXCL``: only a file that did not exist is opened (and closed) here, a new inode on
    which this process can hold no lock yet. An existing file is left to SQLite alone.
    SQLite gives the -wal and -shm files the database file's mode.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)  # a stat, not an open: no descriptor, no lock dropped
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _statements(script: str) -> list[str]:
    """The statements of ``script`` (the schema: triggers hold ``;`` inside BEGIN ... END)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


# --- one connection per thread, per process ---------------------------------------------

_by_thread: dict[tuple[Path, int], Store] = {}
_by_thread_lock = threading.Lock()


def thread_store(path: Path, *, create: bool = True) -> Store:
    """This thread's :class:`Store` over ``path``: made once, then reused.

    The rule for a process: every part of it that needs the database asks here instead of
    opening its own connection, so a process holds one connection per thread.
    """
    key = (Path(path).resolve(), threading.get_ident())
    with _by_thread_lock:
        store = _by_thread.get(key)
    if store is None:
        store = Store(path, create=create)
        with _by_thread_lock:
            _by_thread[key] = store
    return store


def _forget(store: Store) -> None:
    with _by_thread_lock:
        for key, value in list(_by_thread.items()):
            if value is store:
                del _by_thread[key]
