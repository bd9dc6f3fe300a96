"""DOCX invitations and emails carrying invitations."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from pipeline.extract import ExtractionRefused, ExtractLimits, extract
from pipeline.extract.carriers import read_docx, read_eml, sniff
from pipeline.mail.incoming import parse_message

OWN = Path(__file__).resolve().parents[2] / "data" / "invitations" / "own"
SAMPLE_PDF = (
    Path(__file__).resolve().parents[2] / "data" / "invitations" / "samples" / "undangan-dev-02.pdf"
)


def _docx_bytes(*, kop_in_header: bool) -> bytes:
    d = docx.Document()
    where = d.sections[0].header if kop_in_header else d
    for line in ("PEMERINTAH KABUPATEN KETAPANG", "DINAS KOPERASI DAN USAHA MIKRO"):
        p = where.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    where.add_paragraph("Jl. Jenderal Sudirman No. 44, Ketapang 78811")
    d.add_paragraph("Nomor\t: 518/0917/DKUM-B/2026\t\tKetapang, 9 November 2026")
    d.add_paragraph("Hal\t: Undangan Rapat Koordinasi Koperasi Produsen")
    d.add_paragraph("Yth. Kepala Dinas Koperasi, Usaha Kecil dan Menengah")
    d.add_paragraph("Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada:")
    table = d.add_table(rows=3, cols=3)
    rows = [
        ("Hari/Tanggal", "Senin, 23 November 2026"),
        ("Pukul", "08.30 WIB s.d. selesai"),
        ("Tempat", "Aula Dinas Koperasi dan Usaha Mikro Kabupaten Ketapang"),
    ]
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text, row.cells[2].text = label, ":", value
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kop_in_header", [False, True])
def test_a_docx_invitation_is_read_with_its_tables(tmp_path, kop_in_header):
    path = tmp_path / "undangan.docx"
    path.write_bytes(_docx_bytes(kop_in_header=kop_in_header))
    result = extract(path)
    assert result.text_source == "docx"
    assert result.fields == {
        "nomor": "518/0917/DKUM-B/2026",
        "tanggal": "2026-11-09",
        "hal": "Undangan Rapat Koordinasi Koperasi Produsen",
        "pengirim": "Dinas Koperasi dan Usaha Mikro Kabupaten Ketapang",
        "acara": "Rapat Koordinasi Koperasi Produsen",
        "tanggal_mulai": "2026-11-23",
        "tanggal_selesai": "2026-11-23",
        "waktu": "08.30 WIB s.d. selesai",
        "tempat": "Aula Dinas Koperasi dan Usaha Mikro Kabupaten Ketapang",
    }


def _with_replaced(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


def test_a_docx_with_entity_tricks_is_refused_unparsed():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = _with_replaced(_docx_bytes(kop_in_header=False), "word/document.xml", bomb)
    with pytest.raises(ExtractionRefused, match="XML yang tidak aman"):
        read_docx(data, ExtractLimits())


def test_a_docx_that_inflates_beyond_the_limit_is_refused():
    data = _docx_bytes(kop_in_header=False)
    with pytest.raises(ExtractionRefused, match="tidak wajar"):
        read_docx(data, ExtractLimits(max_docx_uncompressed=10_000))


def test_the_email_carrier_is_recognised_by_bytes_not_names():
    pdf = SAMPLE_PDF.read_bytes()
    assert sniff(pdf) == "pdf"
    assert sniff(_docx_bytes(kop_in_header=False)) == "docx"
    assert sniff(b"PK\x03\x04 not a zip") is None
    assert sniff(b"\x89PNG\r\n") is None


def test_an_email_gives_its_sender_and_the_attached_invitation():
    mail = read_eml((OWN / "e02-email-pdf-oddname.eml").read_bytes(), ExtractLimits())
    assert mail.sender == "yohanes@diskopukm.kalbarprov.go.id"
    assert [a.kind for a in mail.attachments] == ["pdf"]  # the logo is not an invitation
    assert (
        mail.attachments[0].name == "../../Undangan Rapat – Sinkronisasi.pdf"
    )  # as sent, untrusted
    assert "19650809 198603 1 012" in mail.body


def test_an_emails_fields_are_its_attachments_and_its_sender_is_kept():
    result = extract(OWN / "e02-email-pdf-oddname.eml")
    assert result.sender == "yohanes@diskopukm.kalbarprov.go.id"
    assert result.fields["nomor"] == "400.14.5.4/5120/Bangda"
    assert result.text_source == "text layer"
    assert any(
        "Undangan Rapat – Sinkronisasi.pdf" in note and "../" not in note for note in result.notes
    )


def test_an_attachment_sent_as_octet_stream_is_still_found(tmp_path):
    msg = EmailMessage()
    msg["From"] = "Agendaris <agenda@example.go.id>"
    msg["To"] = "spt@example.go.id"
    msg["Subject"] = "undangan"
    msg.set_content("Mohon dibuatkan SPT.")
    msg.add_attachment(
        SAMPLE_PDF.read_bytes(),
        maintype="application",
        subtype="octet-stream",
        filename="scan0001.bin",
    )
    path = tmp_path / "masuk.eml"
    path.write_bytes(bytes(msg))
    result = extract(path)
    assert result.sender == "agenda@example.go.id"
    assert result.fields["nomor"] == "400.14.5.4/481/Bangda"


def test_an_email_without_attachment_is_read_from_its_body(tmp_path):
    msg = EmailMessage()
    msg["From"] = "agenda@example.go.id"
    msg["Subject"] = "Fwd: undangan"
    msg.set_content("Yth. Bapak/Ibu,\nMohon maaf undangan menyusul.\n")
    path = tmp_path / "tanpa-lampiran.eml"
    path.write_bytes(bytes(msg))
    result = extract(path)
    assert result.text_source == "email body"
    assert all(value is None for value in result.fields.values())
    assert any("tidak melampirkan" in note for note in result.notes)


def test_an_html_mail_reads_the_same_for_spt_extract_as_for_the_mail_intake():
    """One parser: the sender and the body's text agree; only the intake marks quoted
    history (for replies), while the extractor reads a quoted invitation as plain lines."""
    msg = EmailMessage()
    msg["From"] = "Agendaris <Agenda@Example.go.id>"
    msg["Subject"] = "Fwd: undangan"
    msg.set_content(
        "<html><head><title>judul</title><style>p {color: red}</style></head><body>"
        "<p>Mohon dibuatkan\n   SPT.</p><blockquote><p>Hari : Senin,\n 2 Maret 2026<br>"
        "Tempat : Aula&nbsp;Bappeda</p></blockquote><script>alert(1)</script></body></html>",
        subtype="html",
    )
    raw = bytes(msg)
    mail = read_eml(raw, ExtractLimits())
    intake = parse_message(raw, max_bytes=1 << 20)
    assert mail.sender == intake.sender == "agenda@example.go.id"
    assert mail.sender_name == intake.sender_name == "Agendaris"
    assert mail.body.splitlines() == [
        "Mohon dibuatkan SPT.", "", "Hari : Senin, 2 Maret 2026", "Tempat : Aula Bappeda"]
    assert intake.body_text.splitlines() == [
        "Mohon dibuatkan SPT.", "", "> Hari : Senin, 2 Maret 2026", "> Tempat : Aula Bappeda"]

