"""A process's garbage is freed after each piece of work (pipeline.service.memory).

The memory figures themselves are the benchmark's (``bench/run.py``); these
check the two behaviours they rest on.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref

from pipeline.service import memory


class _Buffer:
    """Stands for a PDF writer: holds a large buffer and sits in a reference cycle."""

    def __init__(self):
        self.data = bytearray(4 << 20)
        self.me = self


def test_release_frees_a_steps_cyclic_garbage_at_once():
    gc.disable()  # as between CPython's rare full collections
    try:
        ref = weakref.ref(_Buffer())
        assert ref() is not None  # garbage, but only a collection can free a cycle
        memory.release()
        assert ref() is None
    finally:
        gc.enable()


def test_release_without_malloc_trim_still_collects(monkeypatch):
    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda *_a, **_k: object())  # no malloc_trim
    try:
        gc.disable()
        ref = weakref.ref(_Buffer())
        memory.release()
        assert ref() is None
    finally:
        gc.enable()
        memory._malloc_trim.cache_clear()


def test_after_settling_startup_objects_stay_and_new_garbage_still_goes():
    code = textwrap.dedent("""
        import gc, weakref
        from pipeline.service import memory

        class Buffer:
            def __init__(self):
                self.me = self

        kept = Buffer()
        memory.settle_startup()
        assert gc.get_freeze_count() > 1000, gc.get_freeze_count()  # the imports, frozen
        gc.disable()
        ref = weakref.ref(Buffer())
        memory.release()
        assert ref() is None
        assert kept.me is kept
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
