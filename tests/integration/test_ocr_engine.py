"""The OCR engine kept loaded between readings (issue 21's speed goal) stays bounded.

Real libtesseract in a real child process: a reading past its deadline is killed with
the child, a broken image is reported without ending the service's engine, and the
child never outlives its parent nor stays when idle.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.extract import ocr_engine
from pipeline.simulate import wait_until

pytestmark = pytest.mark.skipif(
    not ocr_engine.available("ind+eng"), reason="needs tesserocr and Tesseract's ind+eng models"
)


@pytest.fixture(autouse=True)
def _fresh_engine():
    ocr_engine.stop()
    yield
    ocr_engine.stop()


def _page(folder: Path, rows: int = 6) -> Path:
    page = Image.new("L", (1240, 120 + rows * 60), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=30)
    for row in range(rows):
        draw.text((80, 60 + row * 60), "Dengan hormat, kami mengundang Bapak", font=font, fill=0)
    path = folder / f"halaman-{rows}.pgm"
    page.save(path)
    return path


def _words(tsv: str) -> list[str]:
    return [row.split("\t")[-1] for row in tsv.splitlines()[1:] if row.startswith("5\t")]


def _read(image: Path, timeout: float = 60.0) -> str:
    return ocr_engine.read_tsv(
        image, psm=3, languages="ind+eng", deadline=time.monotonic() + timeout
    )


def _engine_pid() -> int:
    assert ocr_engine._child is not None
    return ocr_engine._child.proc.pid


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_page_after_page_is_read_by_one_engine(tmp_path):
    image = _page(tmp_path)
    first = _read(image)
    pid = _engine_pid()
    second = _read(image)
    assert _words(first).count("hormat,") == 6
    assert first.splitlines()[0].split("\t")[-1] == "text"  # the header the parser reads
    assert second == first
    assert _engine_pid() == pid  # the models were loaded once, not per reading


def test_a_reading_past_its_deadline_is_killed_and_the_next_one_starts_afresh(tmp_path):
    image = _page(tmp_path, rows=30)
    _read(image)
    pid = _engine_pid()
    started = time.monotonic()
    with pytest.raises(ocr_engine.EngineTimeout):
        _read(image, timeout=0.05)
    assert time.monotonic() - started < 1.0
    assert _gone(pid)  # killed at the deadline, not left reading
    assert ocr_engine._child is None
    assert _words(_read(image)).count("hormat,") == 30
    assert _engine_pid() != pid


def test_a_broken_image_is_reported_and_the_engine_reads_on(tmp_path):
    good = _page(tmp_path)
    _read(good)
    pid = _engine_pid()
    broken = tmp_path / "rusak.pgm"
    broken.write_bytes(b"P5\n1240 1754\n255\n" + b"\x00" * 100)
    with pytest.raises(ocr_engine.EngineError):
        _read(broken)
    assert _words(_read(good)).count("hormat,") == 6
    assert _engine_pid() == pid


def test_the_engine_ends_when_its_parent_is_killed(tmp_path):
    image = _page(tmp_path)
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from pipeline.extract import ocr_engine
        ocr_engine.read_tsv(Path({str(image)!r}), psm=3, languages="ind+eng",
                            deadline=time.monotonic() + 60)
        print(ocr_engine._child.proc.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        engine = int(parent.stdout.readline())
        assert psutil.pid_exists(engine)
    finally:
        parent.kill()  # SIGKILL: no clean-up of its own runs
        parent.wait()
    wait_until(lambda: _gone(engine), timeout=10, what="the orphaned engine to exit")


def test_an_idle_engine_ends_by_itself_and_a_new_one_takes_over(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr_engine, "IDLE_SECONDS", 0.5)
    image = _page(tmp_path)
    _read(image)
    pid = _engine_pid()
    # Gone from the process list, not left a zombie until the next reading.
    wait_until(lambda: not psutil.pid_exists(pid), timeout=10, what="the idle engine to be reaped")
    assert _words(_read(image)).count("hormat,") == 6
    assert _engine_pid() != pid


@pytest.fixture
def osd_asked(monkeypatch) -> list[Path]:
    """The pictures the engine's orientation detection (OSD) was asked about, in order; the
    real detection still answers."""
    asked: list[Path] = []
    real_orientation = ocr_engine.orientation

    def orientation(image, **kwargs):
        asked.append(image)
        return real_orientation(image, **kwargs)

    monkeypatch.setattr(ocr_engine, "orientation", orientation)
    return asked


@pytest.mark.parametrize("turn", [90, 270])
def test_a_photo_taken_sideways_either_way_is_read_upright(tmp_path, turn, osd_asked):
    from pipeline.extract import extract

    letters = Path(__file__).resolve().parents[1] / "data" / "real_letters"
    original = letters / "r13-kemdikbud-bimtek-proktor-foto.jpg"
    truth = json.loads(original.with_suffix(".json").read_text(encoding="utf-8"))
    sideways = tmp_path / "foto-miring.jpg"
    with Image.open(original) as im:
        im.rotate(turn, expand=True).save(sideways, quality=90)
    fields = extract(sideways).fields
    assert {key: fields[key] for key in ("nomor", "hal", "tanggal_mulai", "tempat")} == {
        key: truth[key] for key in ("nomor", "hal", "tanggal_mulai", "tempat")
    }
    assert len(osd_asked) == 1  # the way to turn it is Tesseract's to tell (90 or 270)


def _on_a_wide_desk(original: Path, target: Path) -> None:
    """The upright photo with the desk around it widened: a landscape picture whose letter
    stands upright (a phone held sideways, or the letter photographed from further away)."""
    from PIL import ImageOps

    with Image.open(original) as im:
        ImageOps.expand(im.convert("RGB"), (1100, 0), fill=(92, 70, 50)).save(target, quality=90)


def test_an_upright_letter_in_a_landscape_photo_is_read_without_turning_it(tmp_path, osd_asked):
    from pipeline.extract import extract

    letters = Path(__file__).resolve().parents[1] / "data" / "real_letters"
    original = letters / "r13-kemdikbud-bimtek-proktor-foto.jpg"
    truth = json.loads(original.with_suffix(".json").read_text(encoding="utf-8"))
    wide = tmp_path / "foto-lebar.jpg"
    _on_a_wide_desk(original, wide)
    with Image.open(wide) as im:
        assert im.width > im.height * 1.15  # a landscape picture: the old rule turned it
    fields = extract(wide).fields
    assert {key: fields[key] for key in ("nomor", "hal", "tanggal_mulai", "tempat")} == {
        key: truth[key] for key in ("nomor", "hal", "tanggal_mulai", "tempat")
    }
    assert osd_asked == []  # its rows run across: no orientation detection paid for
