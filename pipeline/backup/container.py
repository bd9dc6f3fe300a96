"""The backup file's container: a tar stream compressed with Zstandard (``.tar.zst``).

Why zstd and not gzip: a case keeps every version of its letter, and each version is the
previous one plus an incremental update, and the archived letter is a copy of the last
one; with a 16 MB window zstd stores that shared content once (one real case's files and
its letter: 1.9 MB raw, 1.1 MB with gzip, 0.31 MB with zstd), and it is several times
faster. Each frame carries a checksum (a changed byte is refused on reading). IT can
open one by hand: ``tar --zstd -tvf FILE`` (Debian's tar and zstd).
"""

from __future__ import annotations

import contextlib
import tarfile
from collections.abc import Iterator
from typing import BinaryIO

import zstandard

# Level 3 (zstd's default), a 16 MB window (a case's versions and its letter sit within
# it), a checksum per frame, one thread (the service runs beside it).
_PARAMS = zstandard.ZstdCompressionParameters.from_level(
    3, window_log=24, write_checksum=1, threads=0)
# The largest window we accept when reading (zstd's own default limit, 128 MB).
_MAX_WINDOW = 1 << 27

ContainerError = zstandard.ZstdError


@contextlib.contextmanager
def writing(fh: BinaryIO) -> Iterator[tarfile.TarFile]:
    """A tar stream written, compressed, into ``fh`` (left open, for the caller's fsync)."""
    compressor = zstandard.ZstdCompressor(compression_params=_PARAMS)
    with compressor.stream_writer(fh, closefd=False) as packed, \
            tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        yield tar


@contextlib.contextmanager
def reading(fh: BinaryIO) -> Iterator[tarfile.TarFile]:
    """The tar stream in ``fh``, members in order (each readable while it is current)."""
    decompressor = zstandard.ZstdDecompressor(max_window_size=_MAX_WINDOW)
    with decompressor.stream_reader(fh, read_across_frames=True, closefd=False) as packed, \
            tarfile.open(fileobj=packed, mode="r|") as tar:
        yield tar
