"""Which dropped files are usable invitations, decided from their bytes."""

import io
import zipfile

import pytest
from pypdf import PdfWriter

from pipeline.config import LimitsConfig
from pipeline.extract import ExtractLimits
from pipeline.folders.settle import SettleTracker
from pipeline.untrusted.files import Unusable, check_file
from pipeline.untrusted.names import sanitize_filename

LIMITS = ExtractLimits.from_config(LimitsConfig(max_file_mb=1, max_pages=5))


def _pdf(pages=1, password=None) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(595, 842)
    if password:
        w.encrypt(password)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _docx(extra: dict[str, bytes] | None = None, main=True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        if main:
            zf.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def check(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return check_file(path, LIMITS)


def test_a_pdf_is_recognised_by_content_not_name(tmp_path):
    inv = check(tmp_path, "undangan.txt", _pdf(2))
    assert (inv.kind, inv.pages) == ("pdf", 2)


def test_a_docx(tmp_path):
    assert check(tmp_path, "u.docx", _docx()).kind == "docx"


@pytest.mark.parametrize(("name", "data", "why"), [
    ("kosong.pdf", b"", "kosong"),
    ("foto.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "gambar rusak"),  # photos are read (#21)
    ("catatan.pdf", b"just some text, not a pdf", "tidak didukung"),
    ("rusak.pdf", b"%PDF-1.7\n1 0 obj garbage", "rusak"),
    ("arsip.zip", None, "bukan dokumen Word"),
    ("makro.docx", None, "makro"),
    ("panjang.pdf", None, "terlalu panjang"),
    ("terkunci.pdf", None, "terenkripsi"),
    ("besar.pdf", None, "terlalu besar"),
])
def test_unusable_files_say_why(tmp_path, name, data, why):
    data = {
        "arsip.zip": _docx(main=False),
        "makro.docx": _docx({"word/vbaProject.bin": b"\0" * 10}),
        "panjang.pdf": _pdf(6),
        "terkunci.pdf": _pdf(1, password="rahasia"),
        "besar.pdf": b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10),
    }.get(name, data)
    with pytest.raises(Unusable, match=why):
        check(tmp_path, name, data)


def test_truncated_pdf_is_refused(tmp_path):
    data = _pdf(3)
    with pytest.raises(Unusable, match=r"rusak|halaman"):
        check(tmp_path, "potong.pdf", data[: len(data) // 3])


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\x.pdf", "x.pdf"),
    ("Undangan\nRapat\r.pdf", "Undangan Rapat.pdf"),
    ("\x00\x07bel.pdf", "bel.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("..", "lampiran"),
    ("Undangan Bimtek – Koordinasi.pdf", "Undangan Bimtek – Koordinasi.pdf"),
])
def test_names_from_outside_become_one_harmless_component(raw, expected):
    assert sanitize_filename(raw) == expected


def test_long_names_keep_their_extension():
    name = sanitize_filename("a" * 300 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


def test_a_file_is_taken_only_after_it_stops_changing(tmp_path):
    now = [0.0]
    tracker = SettleTracker(2.0, clock=lambda: now[0])
    path = tmp_path / "copying.pdf"
    path.write_bytes(b"%PDF-1.4 part")
    assert not tracker.is_settled(path)
    now[0] = 1.5
    assert not tracker.is_settled(path)
    with open(path, "ab") as fh:                    # still being copied
        fh.write(b" more")
    now[0] = 3.0
    assert not tracker.is_settled(path)
    assert tracker.next_due() == pytest.approx(2.0)
    now[0] = 5.1
    assert tracker.is_settled(path)
    path.unlink()
    assert not tracker.is_settled(path)
    assert tracker.next_due() is None
