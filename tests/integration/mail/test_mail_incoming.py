"""Incoming messages are untrusted: names, sizes, broken MIME, senders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.mail import incoming
from pipeline.mail.incoming import (
    IncomingRefused,
    parse_message,
    sanitize_filename,
    sender_allowed,
)

from .mail_samples import PDF, SAMPLES, docx_bytes, pdf_part, raw_mail

MB = 1024 * 1024

HOSTILE = {
    "posix traversal": ('filename="../../etc/passwd"', "passwd"),
    "windows traversal": ('filename="..\\\\..\\\\x.pdf"', "x.pdf"),
    "absolute": ('filename="/etc/cron.d/evil.pdf"', "evil.pdf"),
    "newline (RFC 2231)": ("filename*=utf-8''und%0Aangan%0D%0ABcc%3A x.pdf", None),
    "nul and tab (RFC 2231)": ("filename*=utf-8''a%00b%09c.pdf", None),
    "encoded-word newline": ('filename="=?utf-8?q?a=0A..=2F..=2Fb.pdf?="', None),
    "bidi override": ("filename*=utf-8''invoice%E2%80%AEfdp.exe", None),
    "dots only": ('filename=".."', None),
    "hidden": ('filename=".bashrc"', "bashrc"),
    "300 chars": ('filename="' + "a" * 300 + '.pdf"', None),
    "only unicode": ("filename*=utf-8''" + "%F0%9F%93%84" * 80, None),
    "windows device": ('filename="CON.pdf"', None),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_attachment_names_never_escape(case, tmp_path):
    disposition, expected = HOSTILE[case]
    raw = raw_mail(parts=[(f"Content-Type: application/pdf\nContent-Disposition: attachment; "
                           f"{disposition}", PDF)])
    msg = parse_message(raw, max_bytes=25 * MB)
    assert len(msg.attachments) == 1
    att = msg.attachments[0]
    name = att.name
    assert att.kind == "pdf"
    if expected:
        assert name == expected
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert not name.startswith(".")
    assert not any(ord(c) < 32 or c in "\u202e\u200f\x7f" for c in name)
    assert len(name) <= 120 and len(name.encode()) <= 200
    # Writing it into a workspace folder stays inside that folder.
    target_dir = tmp_path / "workspace" / "lampiran"
    target_dir.mkdir(parents=True)
    path = target_dir / name
    path.write_bytes(att.data)
    assert path.resolve().parent == target_dir.resolve()
    everything = {p.resolve() for p in tmp_path.rglob("*")}
    assert everything <= {target_dir.resolve(), target_dir.parent.resolve(), path.resolve()}


def test_sanitize_filename_examples():
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("..\\..\\x.pdf") == "x.pdf"
    assert sanitize_filename("a\nb\r\nc.pdf") == "a b c.pdf"
    assert sanitize_filename("Undangan Bimtek – Koordinasi.pdf") == (
        "Undangan Bimtek – Koordinasi.pdf")
    assert sanitize_filename("日本語の招待状.pdf") == "日本語の招待状.pdf"
    assert sanitize_filename("..") == "lampiran"
    assert sanitize_filename("") == "lampiran"
    assert sanitize_filename(None, default="x.pdf") == "x.pdf"
    assert sanitize_filename("rapat: 1/2 <final>?.pdf") == "2 _final__.pdf"
    long = sanitize_filename("é" * 300 + ".docx")
    assert long.endswith(".docx") and len(long.encode()) <= 200


def test_rfc2231_name_kept_readable():
    raw = (SAMPLES / "undangan-email-2.eml").read_bytes()
    msg = parse_message(raw, max_bytes=25 * MB)
    assert msg.sender == "yohanes@diskopukm.kalbarprov.go.id"
    assert msg.sender_name == "Yohanes K."
    assert msg.subject == "Undangan Bimtek – mohon SPT"
    assert [a.name for a in msg.attachments] == ["Undangan Bimtek – Koordinasi.pdf"]
    assert msg.attachments[0].kind == "pdf"
    assert "Budi Santoso" in msg.body_text
    assert msg.message_id == "<179589443373.12998.5323226805084814270@mail.kalbarprov.go.id>"


def test_sample_one_gives_sender_body_and_pdf():
    raw = (SAMPLES / "undangan-email-1.eml").read_bytes()
    msg = parse_message(raw, max_bytes=25 * MB)
    assert msg.sender == "rina.agenda@diskopukm.kalbarprov.go.id"
    assert [(a.name, a.kind) for a in msg.invitations] == [("undangan.pdf", "pdf")]
    assert "19650809 198603 1 012" in msg.body_text
    assert len(msg.sha256) == 64


def test_oversized_is_refused_before_parsing(monkeypatch):
    def explode(*_a, **_k):
        raise AssertionError("the body must not be parsed")

    monkeypatch.setattr(incoming, "_parse", explode)
    raw = raw_mail(parts=[pdf_part("besar.pdf", PDF + b"0" * (2 * MB))])
    with pytest.raises(IncomingRefused) as info:
        parse_message(raw, max_bytes=1 * MB)
    assert "terlalu besar" in info.value.reason
    head = info.value.message
    assert head is not None and head.headers_only and head.attachments == []
    assert head.sender == "rina@diskopukm.kalbarprov.go.id"


def test_kind_comes_from_bytes_not_names():
    raw = raw_mail(parts=[
        pdf_part("foto.jpg", PDF),                                  # a PDF named .jpg
        pdf_part("undangan.pdf", b"MZ\x90\x00 not a pdf at all"),   # an .exe named .pdf
        ('Content-Type: application/octet-stream\nContent-Disposition: attachment; '
         'filename="surat"', docx_bytes()),
    ])
    msg = parse_message(raw, max_bytes=25 * MB)
    assert [(a.name, a.kind) for a in msg.attachments] == [
        ("foto.jpg", "pdf"), ("undangan.pdf", "other"), ("surat", "docx")]
    assert [a.name for a in msg.invitations] == ["foto.jpg", "surat"]


def test_several_invitations_each_listed():
    raw = raw_mail(parts=[pdf_part("a.pdf", PDF + b"%a"), pdf_part("b.pdf", PDF + b"%b")])
    msg = parse_message(raw, max_bytes=25 * MB)
    assert [a.name for a in msg.invitations] == ["a.pdf", "b.pdf"]
    assert msg.invitations[0].sha256 != msg.invitations[1].sha256


def test_forwarded_message_attachments_count_as_nested():
    inner = raw_mail(sender="sekretariat@kementerian.go.id", subject="Undangan",
                     body="Isi surel asli", parts=[pdf_part("undangan-dalam.pdf")])
    raw = (b"From: Rina <rina@diskopukm.kalbarprov.go.id>\r\nSubject: Fwd: Undangan\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"OUT\"\r\n\r\n"
           b"--OUT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDiteruskan, mohon SPT.\r\n"
           b"--OUT\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
           + inner + b"\r\n--OUT--\r\n")
    msg = parse_message(raw, max_bytes=25 * MB)
    assert [(a.name, a.nested) for a in msg.invitations] == [("undangan-dalam.pdf", True)]
    assert msg.body_text.strip() == "Diteruskan, mohon SPT."


def test_too_many_attachments_refused():
    raw = raw_mail(parts=[pdf_part(f"{i}.pdf", PDF + str(i).encode()) for i in range(5)])
    with pytest.raises(IncomingRefused) as info:
        parse_message(raw, max_bytes=25 * MB, max_attachments=4)
    assert "terlalu banyak lampiran" in info.value.reason


BROKEN = [
    b"",
    b"\x00\x01\x02 garbage",
    b"From: \r\n\r\nno sender",
    b"From: a@b.co\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\n"
    b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n",
    b"From: a@b.co\r\nContent-Type: text/plain; charset=\"no-such-charset\"\r\n\r\n\xff\xfe text",
    b"From: a@b.co\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all",
    b"From: =?bogus?q?x?= <a@b.co>\r\nSubject: =?utf-8?b?!!!?=\r\n\r\nbody",
    b"From: a@b.co\r\n" + b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    + b"--b\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" * 200,
    os.urandom(4096),
]


@pytest.mark.parametrize("raw", BROKEN, ids=range(len(BROKEN)))
def test_broken_mime_never_raises_anything_else(raw):
    try:
        msg = parse_message(raw, max_bytes=25 * MB)
    except IncomingRefused as exc:
        assert exc.reason
    else:
        assert msg.sender and "@" in msg.sender


def test_html_only_body_is_stripped():
    raw = (b"From: a@b.co\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p{}</style></head><body><p>Setuju<br>Salam</p>"
           b"<blockquote><p>Token: ABCD</p></blockquote><script>x()</script></body></html>")
    msg = parse_message(raw, max_bytes=MB)
    assert msg.body_text.splitlines() == ["Setuju", "Salam", "", "> Token: ABCD"]


def test_missing_message_id_gets_a_stable_synthetic_one():
    raw = raw_mail(parts=[pdf_part("a.pdf")]).replace(b"Message-ID:", b"X-Old-Id:")
    one = parse_message(raw, max_bytes=MB)
    two = parse_message(raw, max_bytes=MB)
    assert one.message_id == two.message_id and one.sha256[:40] in one.message_id


def test_automatic_messages_are_flagged():
    raw = raw_mail(extra_headers="Auto-Submitted: auto-replied")
    assert parse_message(raw, max_bytes=MB).automatic
    raw = raw_mail(sender="MAILER-DAEMON@mail.go.id")
    assert parse_message(raw, max_bytes=MB).automatic
    assert not parse_message(raw_mail(), max_bytes=MB).automatic


@pytest.mark.parametrize(("address", "allow", "expected"), [
    ("rina@diskopukm.kalbarprov.go.id", [], True),
    ("rina@diskopukm.kalbarprov.go.id", ["@diskopukm.kalbarprov.go.id"], True),
    ("Rina@DiskopUKM.kalbarprov.go.id", ["diskopukm.kalbarprov.go.id"], True),
    ("rina@diskopukm.kalbarprov.go.id", ["rina@diskopukm.kalbarprov.go.id"], True),
    ("budi@diskopukm.kalbarprov.go.id", ["rina@diskopukm.kalbarprov.go.id"], False),
    ("x@evil.com", ["@diskopukm.kalbarprov.go.id"], False),
    ("x@sub.diskopukm.kalbarprov.go.id", ["@diskopukm.kalbarprov.go.id"], False),
    ("x@diskopukm.kalbarprov.go.id.evil.com", ["diskopukm.kalbarprov.go.id"], False),
    ("a@b@diskopukm.kalbarprov.go.id", ["diskopukm.kalbarprov.go.id"], False),
    ("", ["diskopukm.kalbarprov.go.id"], False),
])
def test_sender_allowed(address, allow, expected):
    assert sender_allowed(address, allow) is expected


def test_raw_utf8_and_encoded_word_names(tmp_path: Path):
    raw = raw_mail(parts=[
        ('Content-Type: application/pdf\nContent-Disposition: attachment; '
         'filename="=?utf-8?B?VW5kYW5nYW4g4oCTIHgucGRm?="', PDF),
        ('Content-Type: application/pdf\nContent-Disposition: attachment; '
         'filename="Undangan \udce2\udc80\udc93 mentah.pdf"', PDF + b"%2"),
    ])
    msg = parse_message(raw, max_bytes=MB)
    assert [a.name for a in msg.attachments] == ["Undangan – x.pdf", "Undangan – mentah.pdf"]
