"""DOCX → PDF with the real LibreOffice: the warm server, its supervision, the cold fallback."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from docx import Document

from pipeline.config import load_config
from pipeline.convert import (
    ConversionError,
    SofficeConverter,
    UnoserverConverter,
    make_converter,
)
from pipeline.convert.base import processes_using

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def docx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("src") / "surat.docx"
    doc = Document()
    doc.add_paragraph("SURAT PERINTAH TUGAS")
    doc.add_paragraph("Kepada: Siti Aminah, S.E., M.M.")
    doc.save(str(path))
    return path


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def is_pdf(path: Path) -> bool:
    return path.read_bytes()[:5] == b"%PDF-"


def libreoffice_of(conv: UnoserverConverter) -> list[psutil.Process]:
    """The soffice processes started for this converter's private profile."""
    return [p for p in processes_using(conv.profile.as_uri()) if "soffice" in " ".join(p.cmdline())]


def test_warm_conversion_restart_and_fallback(docx, tmp_path):
    conv = UnoserverConverter(tmp_path / "state", timeout=30)
    conv.start()
    try:
        assert conv.healthy()
        first_pid = conv.server_pid
        for i in range(3):
            out = tmp_path / "out" / f"w{i}.pdf"
            conv.convert(docx, out)
            assert is_pdf(out)
        assert conv.fallbacks == 0
        assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]

        # The server dies hard: the next document goes to the cold fallback at once...
        os.kill(first_pid, signal.SIGKILL)
        assert wait_until(lambda: not conv.healthy(), 5)
        started = time.monotonic()
        conv.convert(docx, tmp_path / "out" / "fallback.pdf")
        assert time.monotonic() - started < 15  # no 40 s of client retries
        assert is_pdf(tmp_path / "out" / "fallback.pdf")
        assert conv.fallbacks == 1

        # ...and the supervisor brings a new server up, without the old LibreOffice.
        assert wait_until(conv.healthy, 90), "unoserver was not restarted"
        assert conv.restarts >= 1 and conv.server_pid != first_pid
        conv.convert(docx, tmp_path / "out" / "again.pdf")
        assert is_pdf(tmp_path / "out" / "again.pdf") and conv.fallbacks == 1
        assert len(libreoffice_of(conv)) <= 3  # soffice script, oosplash, soffice.bin: one set
    finally:
        conv.stop()
    assert processes_using(str(conv.profile)) == []
    assert processes_using(conv.profile.as_uri()) == []


def test_hung_conversion_is_bounded_and_the_server_restarted(docx, tmp_path):
    conv = UnoserverConverter(tmp_path / "state", timeout=3)
    conv.start()
    try:
        assert conv.healthy()
        server = conv.server_pid
        # LibreOffice hangs (stopped, as a stuck filter would leave it).
        office = [p for p in libreoffice_of(conv) if p.name() == "soffice.bin"]
        assert office
        for p in office:
            p.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(ConversionError, match="batas waktu 3"):
            conv.convert(docx, tmp_path / "hung.pdf")
        elapsed = time.monotonic() - started
        assert 3 <= elapsed < 30
        assert not (tmp_path / "hung.pdf").exists()
        assert not psutil.pid_exists(server) or psutil.Process(server).status() == "zombie"
        assert wait_until(conv.healthy, 90), "unoserver was not restarted after the timeout"
        conv.convert(docx, tmp_path / "after.pdf")
        assert is_pdf(tmp_path / "after.pdf")
    finally:
        conv.stop()
    assert processes_using(str(conv.profile)) == []


def test_cold_converter_and_its_timeout(docx, tmp_path):
    cold = SofficeConverter(tmp_path / "cold", timeout=60)
    cold.convert(docx, tmp_path / "cold.pdf")
    assert is_pdf(tmp_path / "cold.pdf")
    hasty = SofficeConverter(tmp_path / "hasty", timeout=0.2)
    with pytest.raises(ConversionError, match="batas waktu"):
        hasty.convert(docx, tmp_path / "hasty.pdf")
    assert not (tmp_path / "hasty.pdf").exists()
    assert processes_using(str(tmp_path / "hasty")) == []
    with pytest.raises(ConversionError, match="tidak ditemukan"):
        cold.convert(tmp_path / "missing.docx", tmp_path / "missing.pdf")


def test_make_converter_follows_the_configuration(tmp_path):
    config = load_config(ROOT / "pipeline" / "resources" / "workspace" / "spt.toml")
    assert isinstance(make_converter(config, tmp_path), UnoserverConverter)
    cold = config.model_copy(update={
        "converter": config.converter.model_copy(update={"mode": "soffice"})})
    assert isinstance(make_converter(cold, tmp_path), SofficeConverter)
