"""Cold conversion: one ``soffice --headless --convert-to pdf`` process per document.

Slower than a warm server (about 1.3 s a file) but needs nothing running; it
is the fallback whenever the warm server is unavailable. Each process gets a
private LibreOffice profile (``-env:UserInstallation``): two ``soffice`` runs
sharing a profile collide. Profiles are pooled and reused, one process at a
time each, so only the first conversion pays for creating one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from pipeline.convert.base import ConversionError, atomic_target, check_source, kill_leftovers
from pipeline.convert.hardening import harden_profile
from pipeline.folders.atomic import TEMP_PREFIX

log = logging.getLogger("spt.convert")


class SofficeConverter:
    """A :class:`~pipeline.convert.base.Converter` running ``soffice`` once per document."""

    def __init__(self, work_dir: Path, *, soffice: str = "soffice", timeout: float = 60.0):
        self.work_dir = Path(work_dir).absolute()
        self.soffice = soffice
        self.timeout = timeout
        self._pool_lock = threading.Lock()
        self._free: list[Path] = []
        self._made = 0

    def start(self) -> None:
        """Nothing to start: each conversion runs its own ``soffice``."""
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def stop(self) -> None:
        """End any ``soffice`` of ours still running (one interrupted mid-conversion)."""
        kill_leftovers((str(self.work_dir / "profiles"),))

    def healthy(self) -> bool:
        return shutil.which(self.soffice) is not None

    def convert(self, src: Path, dst: Path) -> None:
        src, dst = Path(src).absolute(), Path(dst).absolute()
        check_source(src)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        profile = self._take_profile()
        started = time.monotonic()
        try:
            # Our temporary prefix: a folder left by a killed service is swept at start-up.
            with tempfile.TemporaryDirectory(dir=self.work_dir, prefix=f"{TEMP_PREFIX}out-") \
                    as out_dir, atomic_target(dst) as tmp:
                produced = self._run(src, Path(out_dir), profile)
                shutil.move(produced, tmp)
        finally:
            self._give_back(profile)
        log.info("converted %s with soffice in %.2f s", src.name, time.monotonic() - started)

    def _run(self, src: Path, out_dir: Path, profile: Path) -> Path:
        soffice = shutil.which(self.soffice)
        if soffice is None:
            raise ConversionError(f"LibreOffice ('{self.soffice}') tidak terpasang")
        harden_profile(profile)  # no link updates, no macros (pipeline.convert.hardening)
        cmd = [
            soffice, f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", "--nofirststartwizard",
            "--convert-to", "pdf", "--outdir", str(out_dir), str(src),
        ]
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            kill_leftovers((str(profile),), grace=1.0)
            shutil.rmtree(profile, ignore_errors=True)  # may be left locked; start afresh
            raise ConversionError(
                f"{src.name}: konversi melebihi batas waktu {self.timeout:g} detik"
            ) from None
        produced = out_dir / f"{src.stem}.pdf"
        if proc.returncode != 0 or not produced.is_file():
            tail = output.decode(errors="replace").strip().splitlines()[-3:]
            raise ConversionError(
                f"{src.name}: LibreOffice gagal mengonversi (kode {proc.returncode}): "
                + " / ".join(tail)
            )
        return produced

    def _take_profile(self) -> Path:
        with self._pool_lock:
            if self._free:
                return self._free.pop()
            self._made += 1
            return self.work_dir / "profiles" / f"p{self._made}"

    def _give_back(self, profile: Path) -> None:
        with self._pool_lock:
            self._free.append(profile)
