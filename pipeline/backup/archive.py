"""``spt cadangkan``: one consistent backup file of a (running) workspace, then pruning.

What goes in (member names under ``ruang/`` are paths relative to the workspace root):

- the database, copied through SQLite's backup API while the service runs
  (:func:`pipeline.store.backup.snapshot_database`);
- what that copy refers to, read from the copy itself, so the files always match the
  database: each known case's folder ``state/cases/<case>/`` (every version the service
  published: the cases in flight continue from them after a restore), each case's
  invitation ``state/sources/``, every archived letter the agenda lists, and the
  ``.eml`` of every mail not yet sent;
- ``spt.toml``, ``pegawai.csv``, the templates (and the letter template, seal image and
  logo wherever the configuration puts them inside the workspace);
- only when asked: the keys (``pki/``, every key, passphrase, PIN, certificate and
  password file the configuration names inside the workspace, and the mail-reply secret),
  as one blob sealed with IT's passphrase (:mod:`pipeline.backup.sealed`).

Files are copied after the database: every file the copy refers to was written before
the row that names it (the service's own order), and is never changed afterwards.

The backup is written under a hidden temporary name in the destination and renamed only
when complete and flushed to disk: a full or read-only destination leaves no file that
looks like a backup. Then older backups beyond ``backup.keep_count`` are removed, and
``state/cadangan-terakhir.json`` records the success for ``spt doctor``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import json
import os
import secrets
import socket
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.backup import (
    ARCHIVE_PREFIX,
    ARCHIVE_SUFFIX,
    FORMAT,
    KEYS_MEMBER,
    LAST_BACKUP_FILE,
    MANIFEST,
    WORKSPACE_PREFIX,
    BackupError,
    container,
)
from pipeline.backup.sealed import seal
from pipeline.config import CONFIG_NAME, Config, KeyConfig, SecretRef
from pipeline.folders.atomic import TEMP_PREFIX, fsync_dir, write_atomic
from pipeline.folders.layout import INSTALLATION_FILE, Workspace, installation_id
from pipeline.mail.replies import SECRET_FILE
from pipeline.store.backup import SnapshotError, SnapshotFacts, snapshot_database, snapshot_facts

_CHUNK = 1 << 20


@dataclass
class BackupResult:
    path: Path
    size_bytes: int
    seconds: float
    facts: SnapshotFacts
    files: int
    keys_included: bool
    keys_skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)


def create_backup(config: Config, config_file: Path, dest: Path, *,
                  passphrase: str | None = None, keep_count: int | None = None) -> BackupResult:
    """Write one backup of ``config``'s workspace into the folder ``dest``; prune old ones.

    ``config_file`` (the ``spt.toml`` read) is stored as ``ruang/spt.toml``.
    ``passphrase`` given: the keys are included, sealed with it. Raises
    :class:`BackupError` (nothing left behind in ``dest``) when it cannot be done.
    """
    started = time.monotonic()
    ws = Workspace(config)
    if not ws.database.exists():
        raise BackupError(f"basis data {ws.database} tidak ada: belum ada yang dicadangkan "
                          "(jalankan 'spt serve' sekali, atau periksa --config)")
    owner = ws.database.stat().st_uid
    if os.geteuid() == 0 and owner != 0:
        # SQLite run as root would create the -wal/-shm files as root: the service's user
        # could then no longer open its own database.
        raise BackupError("jangan jalankan 'spt cadangkan' sebagai root: jalankan sebagai "
                          f"pengguna layanan (sudo -u #{owner} spt cadangkan …)")
    dest = Path(dest).absolute()
    if not dest.is_dir():
        raise BackupError(f"folder tujuan {dest} tidak ada atau bukan folder")
    if _inside(dest, config.root):
        raise BackupError(f"folder tujuan {dest} berada di dalam ruang kerja {config.root}: "
                          "simpan cadangan di disk atau mesin lain")
    for folder in (ws.state, ws.arsip, ws.outbox):
        _require_inside(folder, config.root)
    now = dt.datetime.now(dt.UTC)
    tag = installation_id(ws.state)[:8]
    # Microseconds: two backups in one second still sort by time (retention keeps the newest).
    backup_id = f"{tag}-{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    final = dest / f"{ARCHIVE_PREFIX}{backup_id}{ARCHIVE_SUFFIX}"
    tmp = dest / f"{TEMP_PREFIX}{os.getpid()}-{final.name}"
    try:
        with tempfile.TemporaryDirectory(dir=dest, prefix=f"{TEMP_PREFIX}db-") as work:
            snapshot = Path(work) / "spt.sqlite3"
            snapshot_database(ws.database, snapshot)
            facts = snapshot_facts(snapshot)
            result = _write(config, config_file, ws, tmp, snapshot, facts, backup_id, now,
                                passphrase)
        os.replace(tmp, final)
        fsync_dir(dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):   # absent, or a read-only folder
            tmp.unlink()
        if isinstance(exc, OSError):
            raise BackupError(_os_problem(exc, dest)) from None
        if isinstance(exc, SnapshotError):
            raise BackupError(str(exc)) from None
        raise
    result.path = final
    result.size_bytes = final.stat().st_size
    result.pruned = prune(dest, keep_count or config.backup.keep_count, tag)
    result.seconds = time.monotonic() - started
    _record_success(ws, result, now)
    return result


def _write(config: Config, config_file: Path, ws: Workspace, tmp: Path, snapshot: Path,
           facts: SnapshotFacts, backup_id: str, now: dt.datetime,
           passphrase: str | None) -> BackupResult:
    root = config.root
    files: dict[str, dict] = {}
    missing: list[str] = []
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with container.writing(raw) as tar:
            _add_file(tar, files, _member(root, ws.database), snapshot)
            _add_file(tar, files, WORKSPACE_PREFIX + CONFIG_NAME, config_file)
            for path in _workspace_files(config, ws, facts, missing):
                _add_file(tar, files, _member(root, path), path)
            keys_skipped: list[str] = []
            if passphrase is not None:
                bundle = _keys_bundle(config, ws, keys_skipped)
                _add_bytes(tar, files, KEYS_MEMBER, seal(bundle, passphrase, backup_id))
            manifest = {
                "format": FORMAT, "id": backup_id, "created_at": now.isoformat(),
                "host": socket.gethostname(), "spt_version": __version__,
                "workspace": str(root), "keys_included": passphrase is not None,
                "keys_skipped": keys_skipped, "missing": missing,
                "database": facts.to_dict(), "files": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add_bytes(tar, {}, MANIFEST, data)   # last: a cut-short backup has none
        raw.flush()
        os.fsync(raw.fileno())
    return BackupResult(tmp, 0, 0.0, facts, len(files), passphrase is not None,
                        keys_skipped, missing)


def _workspace_files(config: Config, ws: Workspace, facts: SnapshotFacts,
                     missing: list[str]) -> Iterator[Path]:
    """Every file of the workspace the backup carries besides the database, in order."""
    root = config.root
    named = [root / CONFIG_NAME, config.pegawai_csv, config.letter.template]
    if config.seal is not None:
        named.append(config.seal.image)
    if config.agency.logo is not None:
        named.append(config.agency.logo)
    for path in named[1:]:
        _require_inside(path, root)
        if path.is_file():
            yield path
    if config.templates_dir.is_dir():
        _require_inside(config.templates_dir, root)
        yield from _tree(config.templates_dir, skip=set(named))
    # Message-IDs are made unique per installation: a restore is the same installation.
    yield from _present(ws.state / INSTALLATION_FILE, root, [])
    for name in facts.sources:
        yield from _present(ws.state / "sources" / name, root, missing)
    # Each case's versions, then its archived letter (a copy of the last version): side by
    # side, the compressor stores what they share once.
    for case_id in facts.case_ids:
        yield from _tree(ws.case_dir(case_id))
        if case_id in facts.archives:
            yield from _present(root / facts.archives[case_id], root, missing)
    for name in facts.unsent_mail:
        yield from _present(ws.outbox / name, root, missing)


def _present(path: Path, root: Path, missing: list[str]) -> Iterator[Path]:
    _require_inside(path, root)
    if path.is_file():
        yield path
    else:
        missing.append(str(path.relative_to(root)))


def _tree(folder: Path, skip: set[Path] = frozenset()) -> Iterator[Path]:  # type: ignore[assignment]
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.name.startswith(TEMP_PREFIX) or path in skip:
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def _keys_bundle(config: Config, ws: Workspace, skipped: list[str]) -> bytes:
    """A tar (in memory) of every secret file in the workspace: keys, passphrases, certs."""
    root = config.root
    paths: list[Path] = []
    pki = config.path(config.paths.pki)
    if pki.is_dir() and _inside(pki, root):
        paths += list(_tree(pki))
    refs: list[Path | None] = [ws.state / SECRET_FILE, *config.trust.roots]
    keys: list[KeyConfig | None] = [s.signing_key for s in config.stage]
    refs += [s.certificate for s in config.stage]
    if config.seal is not None:
        keys.append(config.seal.signing_key)
    for key in keys:
        if key is not None:
            refs += [key.pkcs12, _file(key.passphrase), _file(key.pin)]
    mail = config.mail
    refs += [_file(mail.smtp.password if mail.smtp else None),
             _file(mail.imap.password if mail.imap else None)]
    for ref in refs:
        if ref is None or ref in paths:
            continue
        if not _inside(ref, root):
            skipped.append(str(ref))
        elif ref.is_file():
            paths.append(ref)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    return buf.getvalue()


def _file(ref: SecretRef | None) -> Path | None:
    return ref.file if ref is not None and ref.file is not None else None


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it (the file is read once)."""

    def __init__(self, fh):
        self.fh = fh
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, files: dict, name: str, path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        info = tarfile.TarInfo(name)
        info.size = st.st_size
        info.mtime = int(st.st_mtime)
        info.mode = st.st_mode & 0o777
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    files[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, files: dict, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
    files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _member(root: Path, path: Path) -> str:
    return WORKSPACE_PREFIX + path.relative_to(root).as_posix()


def _inside(path: Path, root: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))


def _require_inside(path: Path, root: Path) -> None:
    if not _inside(path, root):
        raise BackupError(f"{path} berada di luar ruang kerja {root}: cadangan hanya memuat "
                          "isi ruang kerja; pindahkan berkas/folder itu ke dalamnya dan "
                          "sesuaikan spt.toml")


def list_backups(dest: Path, tag: str = "") -> list[Path]:
    """The complete backups in ``dest`` (of the installation ``tag``), oldest first.

    Temporary files never count: their names do not start with the prefix.
    """
    pattern = f"{ARCHIVE_PREFIX}{tag}{'-' if tag else ''}*{ARCHIVE_SUFFIX}"
    return sorted(p for p in Path(dest).glob(pattern) if p.is_file())


def prune(dest: Path, keep_count: int, tag: str) -> list[Path]:
    """Remove all but the newest ``keep_count`` backups of installation ``tag`` in ``dest``
    (another workspace backing up into the same folder keeps its own); the removed ones."""
    backups = list_backups(dest, tag)
    doomed = backups[:-keep_count] if keep_count > 0 else []
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return doomed


def _record_success(ws: Workspace, result: BackupResult, now: dt.datetime) -> None:
    """``state/cadangan-terakhir.json``: when and where the last backup succeeded."""
    record = {"at": now.isoformat(), "path": str(result.path), "size_bytes": result.size_bytes,
              "keys_included": result.keys_included, "issued": result.facts.issued,
              "cases": result.facts.cases}
    with contextlib.suppress(OSError):   # the backup itself is done; doctor will say so
        write_atomic(ws.state / LAST_BACKUP_FILE, json.dumps(record, indent=1), mode=0o600,
                     make_parents=False)


def last_backup(ws: Workspace) -> dict | None:
    """What ``state/cadangan-terakhir.json`` says, or ``None`` if no backup succeeded yet."""
    try:
        return json.loads((ws.state / LAST_BACKUP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _os_problem(exc: OSError, dest: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"folder tujuan {dest} penuh: cadangan tidak dibuat (tidak ada berkas "
                "setengah jadi yang tertinggal); kosongkan ruang atau pilih tujuan lain")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (f"folder tujuan {dest} tidak dapat ditulisi ({exc.strerror}): cadangan "
                "tidak dibuat; periksa izin atau mount-nya")
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cadangan gagal ditulis{where}: {exc.strerror or exc}; tidak ada cadangan dibuat"

