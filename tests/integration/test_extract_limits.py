"""Bad input gets a clear refusal or an empty reading, in bounded time, and the case goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest
from pypdf import PdfReader, PdfWriter

from pipeline.extract import ExtractionRefused, ExtractLimits, extract
from pipeline.extract import ocr as ocr_module

DATA = Path(__file__).resolve().parents[1] / "data" / "invitations"
SCAN = DATA / "own" / "s01-polnep-table-scan.pdf"
SAMPLE = DATA / "samples" / "undangan-dev-02.pdf"


def test_a_pdf_of_too_many_pages_is_refused_quickly(tmp_path):
    writer = PdfWriter()
    for _ in range(301):
        writer.add_blank_page(width=595, height=842)
    path = tmp_path / "laporan-tebal.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    started = time.monotonic()
    with pytest.raises(ExtractionRefused, match=r"terlalu panjang \(301 halaman; batas 300"):
        extract(path)
    assert time.monotonic() - started < 5


def test_a_file_of_100_mb_is_refused_by_its_size_before_parsing(tmp_path):
    path = tmp_path / "besar.pdf"
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(100 * 1024 * 1024)  # sparse: nothing to parse, just large
    started = time.monotonic()
    with pytest.raises(ExtractionRefused, match=r"terlalu besar.*100\.0 MB; batas 25 MB"):
        extract(path)
    assert time.monotonic() - started < 1


def test_the_size_limit_comes_from_the_workspace_configuration(tmp_path):
    from pipeline.config import LimitsConfig

    limits = ExtractLimits.from_config(LimitsConfig(max_file_mb=0.001, max_pages=1, ocr_timeout=5))
    assert (limits.max_bytes, limits.max_pages, limits.ocr_timeout) == (1048, 1, 5.0)
    with pytest.raises(ExtractionRefused, match="terlalu besar"):
        extract(SAMPLE, limits=limits)


def test_an_encrypted_pdf_is_refused(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(SAMPLE))
    writer.encrypt(user_password="rahasia", owner_password="pemilik")
    path = tmp_path / "terkunci.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(ExtractionRefused, match="terenkripsi"):
        extract(path)


def test_a_pdf_locked_only_against_editing_is_read(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(SAMPLE))
    writer.encrypt(user_password="", owner_password="pemilik")
    path = tmp_path / "dikunci-pemilik.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert extract(path).fields["nomor"] == "400.14.5.4/481/Bangda"


def test_a_broken_pdf_is_refused(tmp_path):
    path = tmp_path / "rusak.pdf"
    path.write_bytes(SAMPLE.read_bytes()[:900])
    with pytest.raises(ExtractionRefused, match="rusak"):
        extract(path)


def test_an_unsupported_file_is_refused(tmp_path):
    path = tmp_path / "program.exe"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    with pytest.raises(ExtractionRefused, match="tidak didukung"):
        extract(path)


def test_a_broken_photo_is_refused_as_such(tmp_path):
    # Photos are read since issue 21; one that cannot be opened says so.
    path = tmp_path / "foto.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(ExtractionRefused, match="gambar rusak"):
        extract(path)


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_an_ocr_that_overruns_is_killed_and_the_case_goes_on():
    before = _children()
    started = time.monotonic()
    result = extract(SCAN, limits=ExtractLimits(ocr_timeout=0.3))
    elapsed = time.monotonic() - started
    assert elapsed < 0.3 + 2.0, elapsed  # the limit plus reading the PDF, not the OCR
    assert result.text_source == "none"
    assert all(value is None for value in result.fields.values())
    assert any("batas waktu" in note for note in result.notes)
    assert result.explain["nomor"].startswith("null: OCR stopped at its time limit")
    assert _children() <= before  # nothing of the OCR is left running


def test_a_hanging_program_is_killed_with_its_whole_process_group(tmp_path):
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    deadline = time.monotonic() + 0.5
    with pytest.raises(ocr_module.OcrTimeout):
        # Two processes that block forever reading a pipe nobody writes to.
        ocr_module._run(["sh", "-c", f"cat {fifo} | cat"], deadline)
    assert time.monotonic() < deadline + 1.0
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and str(fifo) in " ".join(p.info["cmdline"])
    ]
    assert leftovers == []


def test_a_scan_is_read_by_ocr_within_its_time():
    result = extract(SCAN)
    assert result.text_source == "ocr"
    assert result.fields["nomor"] == "3321/PL16/KM/2026"
    assert result.fields["tanggal_mulai"] == "2026-10-08"
    assert any("OCR" in note for note in result.notes)


def test_without_ocr_a_scan_still_opens_its_case_with_a_note():
    result = extract(SCAN, limits=ExtractLimits(ocr=False))
    assert result.text_source == "none"
    assert all(value is None for value in result.fields.values())
    assert result.notes and "OCR tidak dijalankan" in result.notes[0]


def test_a_photo_gives_nulls_and_a_note():
    result = extract(DATA / "own" / "n01-foto-bukan-undangan.pdf")
    assert all(value is None for value in result.fields.values())
    assert any("tidak tampak seperti surat undangan" in note for note in result.notes)


def test_extraction_never_writes_beside_the_file(tmp_path):
    target = tmp_path / "undangan.pdf"
    target.write_bytes(SAMPLE.read_bytes())
    extract(target)
    assert [p.name for p in tmp_path.iterdir()] == ["undangan.pdf"]
