"""Checking an uploaded PDF: the very file, a genuine letter in another file, not ours, refused."""

from __future__ import annotations

import io
import os
import re

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from pipeline.config import WebConfig
from pipeline.reports.verification import verify_issued
from pipeline.web.app import create_app
from tests.integration.web.issued import tampered, text_of

pytestmark = pytest.mark.slow

AGENCY = "DINAS KOPERASI, USAHA KECIL DAN MENENGAH"
ISSUED = "Berkas ini adalah SPT asli yang diterbitkan"
# The test letters come from `spt demo`: signed with DEMO certificates, so the page says so.
ISSUED_DEMO = "Berkas ini adalah SURAT DEMO – bukan surat dinas yang sah"
OTHER_FILE = "Berkas ini bukan berkas yang diterbitkan; isinya tidak dapat dipastikan asli"
UNPROVEN = f"Berkas ini tidak dapat dinyatakan sebagai SPT asli {AGENCY}"
ASK = f"tanyakan keaslian surat ini langsung kepada {AGENCY}"
NOT_OURS = f"Berkas ini bukan SPT yang diterbitkan oleh {AGENCY}"


@pytest.fixture(scope="module")
def client(issued):
    return create_app(issued.config, WebConfig(rate_limit="1000/minute")).test_client()


def upload(client, data: bytes, *, url: str = "/periksa", name: str = "spt.pdf",
           **kwargs):
    return client.post(url, data={"berkas": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", **kwargs)


def verdict(page) -> tuple[str, str]:
    html = page.get_data(as_text=True)
    found = re.search(r'data-verdict="([^"]+)"', html)
    return (found.group(1) if found else ""), text_of(html)


def resaved(pdf: bytes) -> bytes:
    """The issued file opened and saved again by a PDF tool: same content, signatures broken."""
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(pdf))).write(out)
    return out.getvalue()


def unrelated_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_issued_file_is_recognised(client, issued):
    for url in ("/periksa", f"/v/{issued.token}"):
        page = upload(client, issued.pdf.read_bytes(), url=url)
        assert page.status_code == 200
        kind, text = verdict(page)
        assert kind == "diterbitkan"
        assert ISSUED_DEMO in text and ISSUED not in text
        assert "sertifikat DEMO" in text
        assert issued.entry.number in text
        assert "Semua tanda tangan elektronik di dalamnya utuh dan sah" in text
        assert text.count("✓ Utuh dan sah") == 7


def test_a_resaved_copy_is_a_genuine_letter_but_not_the_issued_file(client, issued):
    page = upload(client, resaved(issued.pdf.read_bytes()))
    kind, text = verdict(page)
    assert kind == "berkas-lain"
    assert OTHER_FILE in text and ASK in text
    assert ISSUED not in text and "Surat ini asli" not in text
    assert "Rusak: berkas diubah setelah ditandatangani" in text
    assert "✓" not in text


def test_a_tampered_copy_is_refused(client, issued):
    kind, text = verdict(upload(client, tampered(issued.pdf.read_bytes())))
    assert kind == "berkas-lain"
    assert OTHER_FILE in text and ISSUED not in text
    assert text.count("✗ Rusak: berkas diubah setelah ditandatangani") == 7


def test_an_unrelated_pdf_is_not_ours(client):
    kind, text = verdict(upload(client, unrelated_pdf()))
    assert kind == "bukan"
    assert NOT_OURS in text
    assert "tidak memuat tanda tangan elektronik" in text


def pdf_with_number_field(number: str) -> bytes:
    """A made-up PDF whose form field "Nomor" holds ``number``, as an issued SPT's does."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    field = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("Nomor"),
        NameObject("/V"): TextStringObject(number),
        NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
    }))
    page[NameObject("/Annots")] = ArrayObject([field])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([field])})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_made_up_pdf_naming_our_number_is_called_unproven(client, issued):
    """Without our chain's signatures, a real number in a file reveals nothing of that letter,
    and the page says plainly that the file is not proven genuine, and whom to ask."""
    data = pdf_with_number_field(issued.entry.number)
    assert verify_issued(issued.config, data).registered        # the number is read, and known
    kind, text = verdict(upload(client, data))
    assert kind == "tidak-terbukti"
    assert UNPROVEN in text and ASK in text
    assert "asli yang diterbitkan" not in text
    assert issued.entry.hal not in text and "tercatat" not in text


def test_a_file_that_is_not_a_pdf_is_refused_plainly(client):
    for data, name in [(b"PK\x03\x04 word document", "spt.docx"),
                       (b"\x89PNG\r\n\x1a\n....", "foto.png"), (b"", "kosong.pdf")]:
        page = upload(client, data, name=name)
        assert page.status_code == 400
        kind, text = verdict(page)
        assert kind == "ditolak"
        assert "bukan PDF" in text or "kosong" in text
    missing = client.post("/periksa", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400
    assert "Pilih berkas PDF" in text_of(missing.get_data(as_text=True))


def test_an_oversized_upload_is_refused(issued):
    client = create_app(issued.config, WebConfig(max_upload_mb=0.5)).test_client()
    just_over = b"%PDF-1.7\n" + b"0" * (512 * 1024)         # over the limit, within the framing
    far_over = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)     # refused before it is parsed
    for data in (just_over, far_over):
        page = upload(client, data)
        assert page.status_code == 413
        assert "Berkas terlalu besar: paling besar 0,5 MB" in text_of(page.get_data(as_text=True))


def test_an_upload_is_never_written_anywhere(issued, tmp_path, monkeypatch):
    """Parsed in memory (no spooled temporary file), and the workspace is unchanged after."""
    import werkzeug.formparser

    def refuse(*_args, **_kwargs):
        raise AssertionError("the upload was about to be written to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    copy = issued.copy_to(tmp_path / "ws")
    client = create_app(copy.config, WebConfig(rate_limit="1000/minute")).test_client()

    def snapshot() -> dict[str, int]:
        files = {}
        for folder, _dirs, names in os.walk(copy.root):
            for name in names:
                if not name.startswith("spt.sqlite3"):
                    path = os.path.join(folder, name)
                    files[path] = os.stat(path).st_mtime_ns
        return files

    before = snapshot()
    big = copy.pdf.read_bytes() + b"\n%" + b"x" * (2 * 1024 * 1024)    # past Werkzeug's 500 KB
    for data in (copy.pdf.read_bytes(), big, resaved(copy.pdf.read_bytes())):
        assert upload(client, data).status_code == 200
    assert snapshot() == before


def test_uploads_are_rate_limited_per_client(issued):
    client = create_app(issued.config, WebConfig(rate_limit="2/minute")).test_client()
    data = unrelated_pdf()
    me = {"REMOTE_ADDR": "192.0.2.10"}
    assert upload(client, data, environ_base=me).status_code == 200
    assert upload(client, data, url=f"/v/{issued.token}", environ_base=me).status_code == 200
    refused = upload(client, data, environ_base=me)
    assert refused.status_code == 429
    assert "Terlalu banyak permintaan" in text_of(refused.get_data(as_text=True))
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # Another client is not affected, and a forged X-Forwarded-For does not help.
    assert upload(client, data, environ_base={"REMOTE_ADDR": "192.0.2.11"}).status_code == 200
    forged = upload(client, data, environ_base=me, headers={"X-Forwarded-For": "198.51.100.7"})
    assert forged.status_code == 429
    # The letter page itself is still there for this client.
    assert client.get(f"/v/{issued.token}", environ_base=me).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(issued):
    settings = WebConfig(rate_limit="1/minute", trust_proxy=True)
    client = create_app(issued.config, settings).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    data = unrelated_pdf()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert upload(client, data, environ_base=proxy, headers=first).status_code == 200
    assert upload(client, data, environ_base=proxy, headers=first).status_code == 429
    second = {"X-Forwarded-For": "198.51.100.2"}
    assert upload(client, data, environ_base=proxy, headers=second).status_code == 200
