"""``spt pulihkan BACKUP DIR``: a backup made whole again as a new workspace, checked first.

In order, each step refusing what does not hold:

1. ``DIR`` must be empty or absent (``overwrite``: an existing workspace is moved aside
   to ``DIR.lama-<time>``, never deleted, and never while its service runs).
2. The archive is read whole into a hidden folder beside ``DIR``: only plain files under
   ``ruang/`` (no links, no absolute or ``..`` names), each member's SHA-256 checked
   against the manifest, which must be there (a truncated file has none) and list
   exactly the members found. A corrupted or cut-short file is refused here.
3. The keys, if the backup has them, are opened with IT's passphrase (AES-GCM: a wrong
   passphrase is refused before anything is written).
4. The database copy: SQLite's integrity check; its figures against the manifest's; the
   audit chain and the register/agenda rebuild comparison (``spt audit verify``).
5. Only a restore that passed everything is renamed to ``DIR``, with
   ``state/pemulihan.json`` saying ``terverifikasi`` and an audit entry
   ``backup.restored``. A restore whose database does not verify is left for
   inspection at ``DIR.tidak-lolos-<time>`` marked ``gagal``; ``spt serve`` refuses to
   start on a workspace whose marker is not ``terverifikasi`` (:func:`marker_problem`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.backup import (
    FORMAT,
    KEYS_MEMBER,
    MANIFEST,
    RESTORE_MARKER,
    WORKSPACE_PREFIX,
    BackupError,
    container,
)
from pipeline.backup.sealed import SealError, unseal
from pipeline.config import CONFIG_NAME, ConfigError, load_config
from pipeline.folders.atomic import TEMP_PREFIX, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.store.backup import check_integrity, snapshot_facts

VERIFIED = "terverifikasi"
FAILED = "gagal"
IN_PROGRESS = "sedang-dipulihkan"
_CHUNK = 1 << 20


@dataclass
class RestoreResult:
    target: Path
    verified: bool
    manifest: dict
    lines: list[str] = field(default_factory=list)      # the checks' findings, for IT
    moved_aside: Path | None = None
    keys_restored: bool = False


def restore_backup(archive: Path, target: Path, *,
                   passphrase: Callable[[], str | None] | None = None,
                   overwrite: bool = False, without_keys: bool = False) -> RestoreResult:
    """Restore ``archive`` into the new workspace ``target``; see the module's steps.

    ``passphrase`` is asked only if the backup holds keys (and ``without_keys`` is not
    set). Raises :class:`BackupError` when nothing usable was restored.
    """
    archive = Path(archive).absolute()
    target = Path(target).absolute()
    if not archive.is_file():
        raise BackupError(f"berkas cadangan {archive} tidak ditemukan")
    _check_target(target, overwrite)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = target.parent / f"{TEMP_PREFIX}{os.getpid()}-pulihkan-{target.name}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(mode=0o700)
    except OSError as exc:
        raise BackupError(_os_problem(exc, target)) from None
    try:
        manifest, keys_blob = _unpack(archive, work)
        keys_restored = False
        if manifest.get("keys_included") and not without_keys:
            secret = passphrase() if passphrase else None
            if not secret:
                raise BackupError("cadangan ini memuat kunci: berikan sandinya (--sandi-file "
                                  "atau ketik saat diminta), atau pulihkan --tanpa-kunci")
            try:
                bundle = unseal(keys_blob or b"", secret, manifest["id"])
            except SealError as exc:
                raise BackupError(str(exc)) from None
            with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:") as keys_tar:
                _extract_keys(keys_tar, work)
            keys_restored = True
        try:
            config = load_config(work / CONFIG_NAME)
        except ConfigError as exc:
            raise BackupError(f"spt.toml dalam cadangan tidak dapat dipakai:\n{exc}") from None
        ws = Workspace(config)
        _require_inside(config, work)
        _tighten(ws, config)
        _write_marker(ws, IN_PROGRESS, archive, manifest, [])
        ok, lines = _verify_database(ws, manifest)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackupError(_os_problem(exc, target)) from None
        raise
    if not ok:
        _write_marker(ws, FAILED, archive, manifest, lines)
        aside = target.with_name(f"{target.name}.tidak-lolos-{stamp}")
        os.replace(work, aside)
        return RestoreResult(aside, False, manifest, lines, None, keys_restored)
    _record_restore(ws, archive, manifest)
    _write_marker(ws, VERIFIED, archive, manifest, lines)
    moved = None
    if target.exists():
        if any(target.iterdir()):
            moved = target.with_name(f"{target.name}.lama-{stamp}")
            os.replace(target, moved)
        else:
            target.rmdir()
    os.replace(work, target)
    return RestoreResult(target, True, manifest, lines, moved, keys_restored)


# --- 1. the destination ------------------------------------------------------------------


def _check_target(target: Path, overwrite: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BackupError(f"{target} ada dan bukan folder")
    if not target.exists() or not any(target.iterdir()):
        return
    if not overwrite:
        raise BackupError(f"folder tujuan {target} sudah berisi (ruang kerja lain?): tidak "
                          "ditimpa. Pilih folder baru, atau tambahkan --timpa (yang lama "
                          "dipindahkan ke samping, tidak dihapus)")
    lock = target / "state" / "spt.lock"
    with contextlib.suppress(OSError, ConfigError):
        lock = Workspace(load_config(target / CONFIG_NAME)).lock_file
    if lock.exists():
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"layanan spt masih berjalan pada {target}: hentikan dahulu "
                              "(systemctl stop spt)") from None
        finally:
            os.close(fd)


# --- 2. reading the archive -------------------------------------------------------------


def _unpack(archive: Path, work: Path) -> tuple[dict, bytes | None]:
    """Extract the workspace's files into ``work``; the manifest and the sealed keys."""
    found: dict[str, str] = {}
    manifest: dict | None = None
    keys_blob = None
    try:
        with open(archive, "rb") as fh, container.reading(fh) as tar:
            for info in tar:
                if manifest is not None:
                    raise BackupError(f"cadangan {archive.name} memuat isi setelah "
                                      "MANIFEST.json: bukan cadangan spt yang utuh")
                name = info.name
                if name == MANIFEST:
                    manifest = _parse_manifest(tar.extractfile(info).read(), archive)
                elif name == KEYS_MEMBER and info.isfile():
                    keys_blob = tar.extractfile(info).read()
                    found[name] = hashlib.sha256(keys_blob).hexdigest()
                elif name.startswith(WORKSPACE_PREFIX) and info.isfile():
                    rel = _safe_rel(name[len(WORKSPACE_PREFIX):], archive)
                    found[name] = _extract_one(tar, info, work / rel)
                else:
                    raise BackupError(f"cadangan {archive.name} memuat anggota yang tidak "
                                      f"dikenal: {name!r}; tidak dipulihkan")
    except (tarfile.TarError, EOFError, container.ContainerError) as exc:
        raise BackupError(f"berkas cadangan {archive.name} rusak atau terpotong "
                          f"({exc.__class__.__name__}: {exc}); tidak ada yang dipulihkan. "
                          "Pakai cadangan lain.") from None
    if manifest is None:
        raise BackupError(f"berkas cadangan {archive.name} tidak lengkap: MANIFEST.json tidak "
                          "ada (terpotong?); tidak ada yang dipulihkan. Pakai cadangan lain.")
    listed = manifest.get("files") or {}
    problems = [f"{n}: isi tidak cocok dengan manifest (rusak)" for n, sha in found.items()
                if n in listed and listed[n].get("sha256") != sha]
    problems += [f"{n}: ada di manifest tetapi tidak ada dalam berkas" for n in listed
                 if n not in found]
    problems += [f"{n}: tidak tercantum di manifest" for n in found if n not in listed]
    if problems:
        shown = "\n  - ".join(problems[:10])
        more = f"\n  … dan {len(problems) - 10} lagi" if len(problems) > 10 else ""
        raise BackupError(f"berkas cadangan {archive.name} tidak cocok dengan manifest-nya; "
                          f"tidak ada yang dipulihkan:\n  - {shown}{more}")
    return manifest, keys_blob


def _parse_manifest(data: bytes, archive: Path) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError(f"MANIFEST.json dalam {archive.name} rusak") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name} bukan cadangan spt berformat {FORMAT}")
    return manifest


def _safe_rel(name: str, archive: Path) -> Path:
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or any(p in ("..", "") for p in rel.parts):
        raise BackupError(f"cadangan {archive.name} memuat nama berkas yang tidak aman: "
                          f"{name!r}; tidak dipulihkan")
    return Path(*rel.parts)


def _extract_one(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path) -> str:
    """Write one member to ``path`` (a new file) and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    src = tar.extractfile(info)
    mode = (info.mode & 0o750) or 0o600
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    with contextlib.suppress(OSError):
        os.utime(path, (info.mtime, info.mtime))
    return digest.hexdigest()


def _extract_keys(tar: tarfile.TarFile, work: Path) -> None:
    """The keys' tar: plain files with safe relative names only, mode 0600."""
    for info in tar:
        if not info.isfile():
            continue
        path = work / _safe_rel(info.name, Path(KEYS_MEMBER))
        if path.exists():
            path.unlink()
        info.mode = 0o600
        _extract_one(tar, info, path)


def _require_inside(config, work: Path) -> None:
    """Every folder the restored spt.toml names lies in the restore, not elsewhere.

    An absolute path in the backed-up spt.toml (``state = "/srv/spt/state"``) would make
    the checks below, and later the restored service, use the original workspace's folder:
    perhaps the live one.
    """
    paths = config.paths
    named = {"paths.state": config.state_dir, "paths.arsip": config.arsip_dir,
             "paths.outbox": config.outbox_dir, "paths.pki": config.path(paths.pki),
             "paths.templates": config.templates_dir, "paths.pegawai": config.pegawai_csv}
    outside = [f"{key} = {path}" for key, path in named.items()
               if not Path(os.path.abspath(path)).is_relative_to(work)]
    if outside:
        raise BackupError("spt.toml dalam cadangan menunjuk ke luar folder pemulihan ("
                          + "; ".join(outside) + "): tidak dipulihkan. Ubah jalur itu menjadi "
                          "relatif (mis. state = \"state\") di ruang kerja asal, lalu buat "
                          "cadangan baru.")


def _tighten(ws: Workspace, config) -> None:
    """The state, key, outbox and archive folders closed to group and others, as the service
    requires of them at start-up."""
    ws.state.mkdir(parents=True, exist_ok=True, mode=0o700)
    ws.state.chmod(0o700)
    if ws.database.exists():
        ws.database.chmod(0o600)
    for folder in ws.private_dirs():     # mail with tokens, the issued letters
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
    pki = config.path(config.paths.pki)
    if pki.is_dir():
        pki.chmod(0o700)


# --- 4. the database --------------------------------------------------------------------


def _verify_database(ws: Workspace, manifest: dict) -> tuple[bool, list[str]]:
    from pipeline.reports.auditing import verify_store

    lines: list[str] = []
    problem = check_integrity(ws.database)
    if problem is not None:
        return False, [f"Basis data dalam cadangan tidak utuh: {problem}."]
    facts = snapshot_facts(ws.database).to_dict()
    expected = manifest.get("database") or {}
    for key in ("cases", "issued", "audit_entries", "audit_head", "last_numbers"):
        if facts.get(key) != expected.get(key):
            lines.append(f"Basis data: {key} = {facts.get(key)!r}, menurut manifest "
                         f"{expected.get(key)!r}.")
    if lines:
        return False, lines
    ok, audit_lines = verify_store(ws)
    return ok, audit_lines


def _record_restore(ws: Workspace, archive: Path, manifest: dict) -> None:
    """An audit entry in the restored register: from which backup, up to which numbers."""
    from pipeline.store import Store
    from pipeline.store.audit import AuditAction

    store = Store(ws.database, create=False)
    try:
        with store.transaction():
            store.audit.append(
                AuditAction.BACKUP_RESTORED, actor="IT (spt pulihkan)",
                detail={"backup": archive.name, "backup_id": manifest.get("id"),
                        "backup_created_at": manifest.get("created_at"),
                        "last_numbers": (manifest.get("database") or {}).get("last_numbers")},
            )
    finally:
        store.close()


# --- the marker the service checks ------------------------------------------------------


def _write_marker(ws: Workspace, status: str, archive: Path, manifest: dict,
                  lines: list[str]) -> None:
    record = {
        "status": status, "backup": archive.name, "backup_id": manifest.get("id"),
        "backup_created_at": manifest.get("created_at"),
        "restored_at": dt.datetime.now(dt.UTC).isoformat(),
        "last_numbers": (manifest.get("database") or {}).get("last_numbers") or {},
        "findings": lines,
    }
    write_atomic(ws.state / RESTORE_MARKER, json.dumps(record, ensure_ascii=False, indent=1),
                 mode=0o600)


def read_marker(state_dir: Path) -> dict | None:
    """``state/pemulihan.json`` of a restored workspace, or ``None`` (never restored)."""
    path = Path(state_dir) / RESTORE_MARKER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"status": "tidak-terbaca"}


def marker_problem(state_dir: Path) -> str | None:
    """Why the service must not start on this workspace (a restore not verified), or ``None``."""
    marker = read_marker(state_dir)
    if marker is None or marker.get("status") == VERIFIED:
        return None
    return (f"ruang kerja ini hasil pemulihan cadangan {marker.get('backup', '?')} yang TIDAK "
            f"lolos pemeriksaan (status: {marker.get('status')}; lihat "
            f"{Path(state_dir) / RESTORE_MARKER}): layanan tidak dijalankan. Pulihkan dari "
            "cadangan lain dengan 'spt pulihkan'.")


def _os_problem(exc: OSError, target: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"disk untuk {target} penuh: pemulihan dibatalkan, tidak ada yang "
                "ditinggalkan; kosongkan ruang atau pilih folder lain")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{target} tidak dapat ditulisi ({exc.strerror}): pemulihan dibatalkan"
    return f"pemulihan gagal: {exc.strerror or exc} ({exc.filename or target})"
