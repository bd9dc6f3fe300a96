"""Secrets for keys: reading a passphrase or PIN, and writing files only we may read.

A :class:`~pipeline.config.SecretRef` names either an environment variable or
a file. A secret file must be readable by its owner alone: a passphrase that
anyone on the machine can read protects nothing, so such a file is refused
rather than used. The secret itself never appears in an exception message or
a log line; only where it should have come from does.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from pipeline.config import SecretRef
from pipeline.folders.atomic import PRIVATE, write_atomic

# Permission bits that must be clear on a key or secret file: any access by group or others.
_GROUP_OTHER = stat.S_IRWXG | stat.S_IRWXO


class SecretUnavailable(Exception):
    """A secret could not be read. ``str()`` says where from and why, never the secret."""


def new_passphrase() -> str:
    """A random passphrase (192 bits, URL-safe characters: easy to copy, no quoting trouble)."""
    return secrets.token_urlsafe(24)


def loose_permissions(path: Path) -> str | None:
    """Describe why ``path`` is too open for a secret (group/others may access it), or ``None``."""
    mode = path.stat().st_mode
    if mode & _GROUP_OTHER:
        return (
            f"{path} dapat diakses oleh grup atau pengguna lain "
            f"(mode {stat.S_IMODE(mode):04o}); perbaiki dengan: chmod 600 {path}"
        )
    return None


def read_secret(ref: SecretRef) -> str:
    """The secret ``ref`` points to.

    An environment variable must be set and non-empty. A file must exist, be
    a regular file, be closed to group and others, and hold the secret on its
    first line (a trailing line break is ignored, other whitespace is kept).
    """
    if ref.env:
        value = os.environ.get(ref.env)
        if not value:
            raise SecretUnavailable(f"variabel lingkungan {ref.env} tidak diisi")
        return value
    assert ref.file is not None
    path = Path(ref.file)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise SecretUnavailable(f"berkas kata sandi {path} tidak ditemukan") from None
    except OSError as exc:
        raise SecretUnavailable(
            f"berkas kata sandi {path} tidak dapat dibaca ({exc.strerror})"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise SecretUnavailable(f"{path} bukan berkas biasa")
    problem = loose_permissions(path)
    if problem:
        raise SecretUnavailable(f"berkas kata sandi {problem}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "bukan teks UTF-8"
        raise SecretUnavailable(f"berkas kata sandi {path} tidak dapat dibaca ({reason})") from None
    value = text.split("\n", 1)[0].removesuffix("\r")
    if not value:
        raise SecretUnavailable(f"berkas kata sandi {path} kosong")
    return value


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically, mode 0600 from the first byte.

    The temporary file is created with ``O_EXCL`` and mode 0600, so there is
    no moment when the secret sits in a file others can read (whatever the
    umask), then renamed over ``path``.
    """
    return write_atomic(path, data, mode=PRIVATE)
