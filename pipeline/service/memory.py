"""Keeping a long-running process at its working set, not at its worst moment.

Two habits of CPython and glibc make a process that signs and parses PDFs all
day hold far more memory than it uses (measured in issue 7: the service's
process settled about 35 MB above its idle size after ten cases):

* pyHanko's readers and writers, and pdfplumber's pages, are reference
  cycles. A step's garbage (the PDF's bytes several times over, a decoded
  seal image) waits for a full collection, and CPython runs one only when
  the objects surviving since the last reach a quarter of all long-lived
  objects: with the hundreds of thousands that imports create, rarely.
* glibc keeps freed heap for reuse rather than returning it to the system.

So each process freezes what start-up made (:func:`settle_startup`: never
traversed again, which makes a full collection take a few milliseconds
instead of 60-90) and, after each piece of work, collects and trims
(:func:`release`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc


def settle_startup() -> None:
    """Collect start-up's garbage, then freeze every object alive (imports, configuration).

    Call once, when the process has loaded what its work needs; objects made
    afterwards are collected as usual.
    """
    gc.collect()
    gc.freeze()


def release() -> None:
    """Free the last step's cyclic garbage now and hand freed heap back to the system."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or ``None`` where the C library has none (musl, macOS).

    Looked up among the symbols the process already has (``dlopen(NULL)``): no
    library search, which would start ``ldconfig``.
    """
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(None).malloc_trim
    return None
