"""Files appear whole or not at all.

Everything the service puts where a person (or another program) can see it is
written under a hidden temporary name in the same folder, flushed, then
renamed into place: an official never opens a half-written file, and a crash
leaves at most a ``.spt-tmp-*`` file, which :func:`sweep_temporaries` removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_PREFIX = ".spt-tmp-"
# Mode of the files only the service user may read (mail in outbox/, letters in arsip/):
# the mails carry the pemohon's receipt token and the approvers' reply tokens.
PRIVATE = 0o600
_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The file's SHA-256; a symbolic link is never followed (``OSError`` ELOOP instead)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def temp_path(path: Path) -> Path:
    """Our temporary name for writing ``path``: same folder, hidden, within 255 bytes."""
    name = path.name
    if len(name.encode()) > 160:
        tag = hashlib.sha256(name.encode()).hexdigest()[:12]
        name = f"{tag}-{name.encode()[:120].decode('utf-8', 'ignore')}"
    return path.parent / f"{TEMP_PREFIX}{os.getpid()}-{name}"


def _create_temp(tmp: Path, mode: int) -> int:
    """Open ``tmp`` for writing as a new file; whatever sits at that name (a link someone
    placed there, a leftover) is removed first, never written through."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(tmp, flags, mode)
    except FileExistsError:
        os.unlink(tmp)
        return os.open(tmp, flags, mode)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (best effort: not every file
    system lets a directory be synced)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _replacing(path: Path, mode: int | None, make_parents: bool) -> Iterator[IO[bytes]]:
    """A new file that takes ``path``'s place whole once the block ends, or not at all.

    Same-folder temporary name, fsync, rename, fsync of the folder; on any error
    the temporary file is removed. ``mode`` is the file's mode (``0o600``: private,
    set on the descriptor whatever the umask or a default ACL); ``None`` is the
    default ``0o644`` less the umask, for what officials read.
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    fd = _create_temp(tmp, 0o644 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None,
                 make_parents: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (same-folder temp file, fsync, rename).

    ``make_parents=False`` for a folder that must not be recreated if it vanished (a stage
    folder on a share): ``FileNotFoundError`` instead of a local stand-in.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    with _replacing(path, mode, make_parents) as fh:
        fh.write(data)
    return Path(path)


def copy_atomic(src: Path, dst: Path, *, make_parents: bool = True,
                mode: int | None = None) -> Path:
    """Copy ``src`` to ``dst`` so that ``dst`` appears complete or not at all.

    ``mode`` as for :func:`write_atomic` (``0o600`` for files only the service may read).
    """
    with open(src, "rb") as fin, _replacing(dst, mode, make_parents) as fout:
        shutil.copyfileobj(fin, fout, _CHUNK)
    return Path(dst)


def move_into(src: Path, folder: Path, *, name: str | None = None) -> Path:
    """Move ``src`` into ``folder`` without overwriting: a taken name gets a suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder / (name or src.name))
    os.replace(src, target) if _same_fs(src, folder) else _copy_then_remove(src, target)
    return target


def unique_path(path: Path) -> Path:
    if not path.exists():
        return path
    stem, suffix = path.stem, path.suffix
    for n in range(2, 10_000):
        candidate = path.with_name(f"{stem} ({n}){suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def sweep_temporaries(folder: Path) -> int:
    """Remove our own leftover temporary files and folders (from a crash) under ``folder``.

    A temporary folder (a converter's output folder) is removed with what is in
    it; symbolic links are never followed, only unlinked if they bear our prefix.
    """
    removed = 0
    if not folder.exists():
        return 0
    for tmp in sorted(folder.rglob(f"{TEMP_PREFIX}*"), key=lambda p: len(p.parts)):
        if tmp.is_symlink() or tmp.is_file():
            remove_quietly(tmp)
            removed += 1
        elif tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
    return removed


def is_temporary(name: str) -> bool:
    """Names we never treat as someone's file: ours, editors' lock files, OS droppings."""
    return (
        name.startswith((TEMP_PREFIX, ".~lock.", "~$", "."))
        or name.endswith((".tmp", ".part", ".crdownload", "~"))
        or name in {"Thumbs.db", "desktop.ini", ".DS_Store"}
    )


def _same_fs(src: Path, folder: Path) -> bool:
    try:
        return src.stat().st_dev == folder.stat().st_dev
    except OSError:
        return False


def _copy_then_remove(src: Path, target: Path) -> None:
    copy_atomic(src, target)
    src.unlink()
