"""Texts and files as people make them on Windows: encodings, names, half-copied files."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from pipeline.folders.settle import SettleTracker
from pipeline.untrusted.people_text import (
    decode_text,
    is_unnamed_text,
    looks_complete,
    read_reason,
    reason_case,
)
from tests.support.office_files import docx_with, odt_with

TEXT = "Mohon diperbaiki: tanggal salah — lihat undangan."


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + TEXT.encode("utf-16-le"),        # Notepad "Unicode"
    b"\xfe\xff" + TEXT.encode("utf-16-be"),        # "Unicode big endian"
    b"\xef\xbb\xbf" + TEXT.encode("utf-8"),         # "UTF-8 with BOM"
    TEXT.encode("utf-8"),                           # "UTF-8"
    TEXT.encode("cp1252"),                          # "ANSI"
])
def test_decoded_by_bom_then_utf8_then_cp1252(data):
    assert decode_text(data) == TEXT


@pytest.mark.parametrize("name", [
    "SPT-2026-0003.txt", "SPT-2026-0003.txt.txt", "SPT-2026-0003.TXT", "spt-2026-0003.txt",
    "SPT-2026-0003.docx", "SPT-2026-0003.odt", "SPT-2026-0003 - alasan.txt",
    "SPT-2026-0003.pdf.txt",
])
def test_reason_names_people_produce(name):
    assert reason_case(name) == "SPT-2026-0003"


@pytest.mark.parametrize("name", [
    "SPT-2026-0003.galat.txt", "SPT-2026-0003-catatan.txt", "SPT-2026-0003.pdf",
    "~$T-2026-0003.docx", "~WRL0001.tmp",
])
def test_not_reasons(name):
    assert reason_case(name) is None


def test_unnamed_texts():
    assert is_unnamed_text("New Text Document.txt")
    assert is_unnamed_text("alasan.TXT")
    assert not is_unnamed_text("SPT-2026-0003.txt")
    assert not is_unnamed_text("SPT-2026-0003.galat.txt")


def test_reason_typed_in_word_or_writer(tmp_path):
    (tmp_path / "SPT-2026-0001.docx").write_bytes(docx_with(["Tanggal salah.", "Perbaiki NIP."]))
    (tmp_path / "SPT-2026-0001.odt").write_bytes(odt_with(["Tempat belum diisi."]))
    assert read_reason(tmp_path / "SPT-2026-0001.docx").text == "Tanggal salah.\nPerbaiki NIP."
    assert read_reason(tmp_path / "SPT-2026-0001.odt").text == "Tempat belum diisi."


def test_bad_reason_files_say_why(tmp_path):
    empty = tmp_path / "SPT-2026-0001.txt"
    empty.write_bytes(b"")
    assert read_reason(empty).text == "" and read_reason(empty).problem is None  # wait for it
    binary = tmp_path / "SPT-2026-0002.txt"
    binary.write_bytes(os.urandom(4000))
    assert "tidak berisi teks" in read_reason(binary).problem
    huge = tmp_path / "SPT-2026-0003.txt"
    huge.write_bytes(b"a" * (1 << 20))
    assert "terlalu besar" in read_reason(huge).problem
    link = tmp_path / "SPT-2026-0004.txt"
    link.symlink_to(binary)
    assert "bukan berkas biasa" in read_reason(link).problem
    entity = tmp_path / "SPT-2026-0005.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                         "<x>&e;</x>")
    entity.write_bytes(buf.getvalue())
    assert "tidak dapat dibaca" in read_reason(entity).problem


def test_a_half_copied_pdf_or_docx_does_not_look_complete(tmp_path):
    pdf = b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n"
    p = tmp_path / "a.pdf"
    p.write_bytes(pdf[:3000])
    assert not looks_complete(p)
    p.write_bytes(pdf[:3000] + b"\0" * (len(pdf) - 3000))  # Explorer set the size first
    assert not looks_complete(p)
    p.write_bytes(pdf)
    assert looks_complete(p)
    docx = docx_with(["x" * 3000])
    d = tmp_path / "a.docx"
    d.write_bytes(docx[: len(docx) - 30])
    assert not looks_complete(d)
    d.write_bytes(docx)
    assert looks_complete(d)


def test_a_leftover_asks_for_one_wake_up_not_one_per_round(tmp_path):
    now = [100.0]
    tracker = SettleTracker(1.0, clock=lambda: now[0])
    f = tmp_path / "leftover.pdf"
    f.write_bytes(b"x")
    assert not tracker.is_settled(f)
    assert tracker.next_due() == pytest.approx(1.0)
    now[0] += 2
    assert tracker.next_due() == 0.0        # due: one look
    assert tracker.is_settled(f)            # the look; nobody acts on the file
    assert tracker.next_due() is None       # no second wake-up for the same file
    assert not tracker.is_settled(f, 15.0)  # quiet for 2 s, not 15
    assert tracker.next_due() == pytest.approx(13.0)  # a longer wait asks again, once
