"""Reading what people put in the shared folders: never through a link, never blocking, bounded.

Anyone who can write to ``inbox/`` or a stage folder can also put there a
symbolic link to a file elsewhere on the machine, a hard link to one, a
named pipe (opening it blocks until someone writes), or swap a checked file
for a link between our check and our read. Every read of such a file goes
through :func:`read_untrusted`: the file is opened with ``O_NOFOLLOW`` (a
link is refused, even one swapped in after a check) and ``O_NONBLOCK`` (a
pipe does not block), and what was opened must be a regular file with one
name (``st_nlink == 1``: a hard link to a file outside is refused too, and
not read). Its size is checked on the open descriptor before reading, and
at most ``limit`` bytes are read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class Untrusted(OSError):
    """The entry is not a plain file we may read; ``kind`` says what it is."""

    def __init__(self, path: Path, kind: str):
        super().__init__(errno.EPERM, f"{path.name}: {kind}")
        self.kind = kind  # "link" | "hard link" | "not a file" | "too large"


def open_untrusted(path: Path) -> int:
    """A read-only descriptor on ``path`` if it is a plain, single-named file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Untrusted(path, "link") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted(path, "not a file")
        if st.st_nlink > 1:
            raise Untrusted(path, "hard link")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_untrusted(path: Path, limit: int, *, truncate: bool = False) -> bytes:
    """The bytes of ``path`` (see the module); past ``limit``: :class:`Untrusted` ``"too
    large"``, or with ``truncate`` the first ``limit`` bytes."""
    fd = open_untrusted(path)
    try:
        if truncate:
            return os.read(fd, limit)
        if os.fstat(fd).st_size > limit:
            raise Untrusted(path, "too large")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Untrusted(path, "too large")  # it grew while we read
    return data


def is_plain_file(path: Path) -> bool:
    """``path`` itself (not a link's target) is a regular file with a single name."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


__all__ = ["Untrusted", "is_plain_file", "open_untrusted", "read_untrusted"]
