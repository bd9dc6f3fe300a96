"""Hostile inputs, made at test time (the big ones cheaply: sparse files, repeated objects,
compressed zeros). Nothing here is committed as a file.

Every maker takes the folder to create the input in and a scratch folder
*outside* the workspace (for link targets and canaries) and returns the path
it created. :data:`CANARY` is the content of the files links point at: it
must never show up anywhere in the workspace.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from tests.e2e.conftest import SAMPLES
from tests.support.signing import build_pdf

CANARY = "KANARI-5f0c2e-JANGAN-DIBACA"
GOOD = SAMPLES / "undangan-dev-01.pdf"
SENDER = "rina.agenda@diskopukm.kalbarprov.go.id"


def good_pdf(salt: str) -> bytes:
    """A genuine invitation, made unique (the same file twice opens one case)."""
    return GOOD.read_bytes() + f"\n% {salt}\n".encode()




TEXT = (b"BT /F1 12 Tf 72 760 Td (UNDANGAN) Tj 0 -20 Td (Nomor: 005/123/UND/2026) Tj "
        b"0 -20 Td (Hal: Undangan Rapat Koordinasi) Tj ET")
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_pdf(*, catalog_extra: bytes = b"", page_extra: bytes = b"") -> bytes:
    return build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R " + page_extra + b">>",
        _stream(TEXT),
        FONT,
    ])


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    tmp = folder / f".tulis-{os.getpid()}-{abs(hash(name))}"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


# --- PDFs ------------------------------------------------------------------------------------


def pdf_zero_bytes(folder: Path, scratch: Path) -> Path:
    return _write(folder, "kosong.pdf", b"")


def pdf_truncated(folder: Path, scratch: Path) -> Path:
    data = GOOD.read_bytes()
    return _write(folder, "terpotong.pdf", data[: len(data) // 3])


def pdf_encrypted(folder: Path, scratch: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(GOOD))
    writer.encrypt(user_password="rahasia-pengguna", owner_password="rahasia-pemilik",
                   algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return _write(folder, "terkunci.pdf", out.getvalue())


def pdf_owner_password_only(folder: Path, scratch: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(GOOD))
    writer.add_metadata({"/Subject": "hanya kata sandi pemilik"})
    writer.encrypt(user_password="", owner_password="rahasia-pemilik", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return _write(folder, "kunci-pemilik.pdf", out.getvalue())


def pdf_100_mb(folder: Path, scratch: Path) -> Path:
    """100 MB that costs nothing: a PDF head, then a hole (a sparse file)."""
    tmp, path = folder / ".tulis-besar", folder / "besar-100mb.pdf"
    with open(tmp, "wb") as fh:
        fh.write(text_pdf())
        fh.truncate(100 * 1024 * 1024)
    os.replace(tmp, path)
    return path


def pdf_5000_pages(folder: Path, scratch: Path) -> Path:
    pages = 5000
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        _stream(TEXT),
        FONT,
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>"] * pages
    return _write(folder, "5000-halaman.pdf", build_pdf(objects))


def pdf_deep_nesting(folder: Path, scratch: Path) -> Path:
    depth = 100_000
    return _write(folder, "bersarang.pdf",
                  text_pdf(page_extra=b"/Sisip " + b"[" * depth + b"]" * depth + b" "))


def pdf_broken_xref(folder: Path, scratch: Path) -> Path:
    """Every xref offset wrong and startxref pointing nowhere: readers rebuild the table."""
    data = good_pdf("xref-rusak")
    head, _, _ = data.rpartition(b"startxref")
    return _write(folder, "xref-rusak.pdf", head + b"startxref\n999999999\n%%EOF\n")


def pdf_javascript(folder: Path, scratch: Path) -> Path:
    return _write(folder, "javascript.pdf", text_pdf(
        catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.launchURL\\('http://x'\\);) >> "))


def pdf_launch_action(folder: Path, scratch: Path) -> Path:
    return _write(folder, "launch.pdf", text_pdf(
        catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> "))


def pdf_blank_image_pages(folder: Path, scratch: Path) -> Path:
    """Three pages, each only a white scanned image: nothing to read."""
    white = zlib.compress(b"\xff" * (850 * 1100))
    image = _stream(white, b"/Type /XObject /Subtype /Image /Width 850 /Height 1100 "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode ")
    draw = _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q")
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im1 3 0 R >> >> /Contents 4 0 R >>")
    return _write(folder, "pindaian-kosong.pdf", build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 6 0 R 7 0 R] /Count 3 >>",
        image, draw, page, page, page,
    ]))


def pdf_flate_bomb(folder: Path, scratch: Path) -> Path:
    """A 300 KB page whose content stream inflates to 300 MB."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(comp.compress(chunk) for _ in range(300)) + comp.flush()
    bomb = _stream(data, b"/Filter /FlateDecode ")
    return _write(folder, "bom-flate.pdf", build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents [4 0 R 6 0 R] >>",
        bomb, FONT, _stream(TEXT),
    ]))


def pdf_no_pages(folder: Path, scratch: Path) -> Path:
    return _write(folder, "tanpa-halaman.pdf", build_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]))


def html_named_pdf(folder: Path, scratch: Path) -> Path:
    return _write(folder, "halaman-web.pdf",
                  b"<!DOCTYPE html><html><body>Undangan</body></html>\n")


def executable_named_pdf(folder: Path, scratch: Path) -> Path:
    return _write(folder, "program.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 4000)


# --- DOCX ------------------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _document(body_text: bytes, doctype: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + doctype
            + b"<w:document " + W + b"><w:body><w:p><w:r><w:t>" + body_text
            + b"</w:t></w:r></w:p></w:body></w:document>")


def _docx(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _basic(document: bytes, **extra: bytes) -> dict[str, bytes]:
    return {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS,
            "word/document.xml": document, **extra}


def docx_billion_laughs(folder: Path, scratch: Path) -> Path:
    entities = b'<!ENTITY a0 "hahahahahahahahahaha">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
    doc = _document(b"Undangan &a9;", b"<!DOCTYPE w:document [" + entities + b"]>")
    return _write(folder, "bom-entitas.docx", _docx(_basic(doc)))


def docx_xxe(folder: Path, scratch: Path) -> Path:
    canary = canary_file(scratch)
    doc = _document(b"Undangan &xxe;", b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://'
                    + str(canary).encode() + b'">]>')
    return _write(folder, "xxe.docx", _docx(_basic(doc)))


def docx_zip_bomb(folder: Path, scratch: Path) -> Path:
    """1 GB of zeros in a 1 MB member: the declared size gives it away before inflating."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _basic(_document(b"Undangan")).items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo("word/media/image1.png")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            chunk = b"\0" * (8 << 20)
            for _ in range(128):
                fh.write(chunk)
    return _write(folder, "bom-zip.docx", out.getvalue())


def docx_macro(folder: Path, scratch: Path) -> Path:
    types = CONTENT_TYPES.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
    return _write(folder, "makro.docx", _docx({
        "[Content_Types].xml": types, "_rels/.rels": RELS,
        "word/document.xml": _document(b"Undangan"),
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"AutoOpen\"" * 10,
    }))


def docx_encrypted(folder: Path, scratch: Path) -> Path:
    """What Word writes for a password-protected document: an OLE compound file."""
    return _write(folder, "terenkripsi.docx",
                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00"
                  + b"\x00" * 4000 + "EncryptedPackage".encode("utf-16-le"))


def zip_not_docx(folder: Path, scratch: Path) -> Path:
    return _write(folder, "arsip.docx", _docx({"foto.jpg": b"\xff\xd8\xff" + b"0" * 100}))


def docx_truncated(folder: Path, scratch: Path) -> Path:
    data = _docx(_basic(_document(b"Undangan rapat koordinasi " * 200)))
    return _write(folder, "terpotong.docx", data[: len(data) // 2])


def docx_many_members(folder: Path, scratch: Path) -> Path:
    members = _basic(_document(b"Undangan"))
    members.update({f"word/media/p{i}.bin": b"x" for i in range(2100)})
    return _write(folder, "banyak-bagian.docx", _docx(members))


# --- things that are not files -----------------------------------------------------------------


def canary_file(scratch: Path) -> Path:
    path = scratch / "rahasia-di-luar.txt"
    if not path.exists():
        path.write_text(CANARY + "\n", encoding="utf-8")
    return path


def outside_pdf(scratch: Path) -> Path:
    path = scratch / "undangan-di-luar.pdf"
    if not path.exists():
        path.write_bytes(good_pdf("di-luar") + f"% {CANARY}\n".encode())
    return path


def symlink_to_file(folder: Path, scratch: Path) -> Path:
    path = folder / "pintasan.pdf"
    path.symlink_to(outside_pdf(scratch))
    return path


def symlink_to_dir(folder: Path, scratch: Path) -> Path:
    target = scratch / "folder-di-luar"
    target.mkdir(exist_ok=True)
    (target / "isi.txt").write_text(CANARY, encoding="utf-8")
    path = folder / "pintasan-folder"
    path.symlink_to(target, target_is_directory=True)
    return path


def hardlink_to_file(folder: Path, scratch: Path) -> Path:
    target = scratch / "undangan-tautan-keras.pdf"
    target.write_bytes(good_pdf("tautan-keras") + f"% {CANARY}\n".encode())
    path = folder / "tautan-keras.pdf"
    os.link(target, path)
    return path


def directory(folder: Path, scratch: Path) -> Path:
    tmp, path = folder / ".tulis-folder", folder / "folder-undangan"
    tmp.mkdir()
    (tmp / "undangan.pdf").write_bytes(good_pdf("dalam-folder"))
    os.replace(tmp, path)
    return path


def fifo(folder: Path, scratch: Path) -> Path:
    path = folder / "pipa.pdf"
    os.mkfifo(path)
    return path


# --- names ----------------------------------------------------------------------------------


def name_newline(folder: Path, scratch: Path) -> Path:
    return _write(folder, "undangan\nINFO palsu: log disisipi.pdf", good_pdf("nama-baris"))


def name_control_chars(folder: Path, scratch: Path) -> Path:
    return _write(folder, "und\x1b[31mangan\x07\r\u202efdp.exe.pdf", good_pdf("nama-kendali"))


def name_255_bytes(folder: Path, scratch: Path) -> Path:
    return _write(folder, "u" * 251 + ".pdf", good_pdf("nama-panjang"))


def name_unicode_only(folder: Path, scratch: Path) -> Path:
    return _write(folder, "📄📨✉️.pdf", good_pdf("nama-unicode"))


def unknown_long_name(folder: Path, scratch: Path) -> Path:
    return _write(folder, "x" * 250 + ".pdf", b"%PDF-1.4\n% bukan berkas SPT\n")


# --- email ---------------------------------------------------------------------------------------


def _mail(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Rina <{SENDER}>"
    msg["To"] = "spt@diskopukm.kalbarprov.go.id"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@diskopukm.kalbarprov.go.id>"
    msg.set_content("Mohon SPT untuk:\n1. 19650809 198603 1 012\n")
    return msg


def eml_broken_mime(folder: Path, scratch: Path) -> Path:
    raw = (f"From: Rina <{SENDER}>\r\nTo: spt@diskopukm.kalbarprov.go.id\r\n"
           "Subject: MIME rusak\r\nMessage-ID: <mime-rusak@diskopukm.kalbarprov.go.id>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BATAS\"\r\n\r\n"
           "--BATAS\r\nContent-Type: application/pdf; name=\"undangan.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\n"
           "JVBERi0xLjQK%%%%bukan-base64!!!\r\n--BATAS-tidak-pernah-ditutup\r\n"
           "Content-Type: text/plain\r\n\r\n\x00\x01\x02 sisa\r\n").encode("latin-1")
    return _write(folder, "mime-rusak.eml", raw)


def eml_thousand_attachments(folder: Path, scratch: Path) -> Path:
    msg = _mail("seribu lampiran")
    pdf = text_pdf()
    for i in range(1000):
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"undangan-{i}.pdf")
    return _write(folder, "seribu-lampiran.eml", msg.as_bytes(policy=SMTP))


def eml_nested_message(folder: Path, scratch: Path) -> Path:
    inner = _mail("undangan asli")
    inner.add_attachment(good_pdf("bersarang-eml"), maintype="application", subtype="pdf",
                         filename="undangan-rapat.pdf")
    outer = _mail("Fwd undangan")
    outer.add_attachment(inner)
    return _write(folder, "diteruskan.eml", outer.as_bytes(policy=SMTP))


def eml_300_char_name(folder: Path, scratch: Path) -> Path:
    msg = _mail("nama lampiran panjang")
    msg.add_attachment(good_pdf("lampiran-300"), maintype="application", subtype="pdf",
                       filename="Undangan " + "sangat panjang " * 19 + "akhir.pdf")
    return _write(folder, "lampiran-nama-panjang.eml", msg.as_bytes(policy=SMTP))


def note_symlink(folder: Path, scratch: Path) -> Path:
    """An invitation whose note (naming the employees) is a link to a file elsewhere."""
    (folder / "catatan-pintasan.txt").symlink_to(canary_file(scratch))
    return _write(folder, "catatan-pintasan.pdf", good_pdf("catatan-pintasan"))


def note_fifo(folder: Path, scratch: Path) -> Path:
    """An invitation whose note is a named pipe: opening it naively blocks for ever."""
    os.mkfifo(folder / "catatan-pipa.txt")
    return _write(folder, "catatan-pipa.pdf", good_pdf("catatan-pipa"))


def case_named_symlink(folder: Path, scratch: Path) -> Path:
    """A link named like a case file, to a PDF elsewhere, moved into disetujui/."""
    path = folder / "SPT-2026-9999.pdf"
    path.symlink_to(outside_pdf(scratch))
    return path
