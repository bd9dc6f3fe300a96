"""Replies: which case, which verb, which token; and the tokens themselves."""

from __future__ import annotations

import stat

import pytest

from pipeline.mail.incoming import IncomingMessage, parse_message
from pipeline.mail.replies import (
    Verb,
    check_token,
    load_or_create_secret,
    make_token,
    parse_reply,
)

SECRET = b"k" * 32
CASE = "SPT-2026-0007"
TOKEN = make_token(SECRET, CASE, "kasubag", 12)


def reply(body: str, subject: str = f"Re: [{CASE}] SPT menunggu paraf Anda: Rapat",
          sender: str = "kasubag@diskopukm.kalbarprov.go.id", **kw) -> IncomingMessage:
    return IncomingMessage(sender=sender, sender_name="", subject=subject,
                           message_id="<r1@x>", sha256="0" * 64, size=len(body),
                           body_text=body, **kw)


GMAIL_TOP = f"""Setuju.

Terima kasih,
Hendra

On Tue, 6 Oct 2026 at 10:00, Layanan SPT <spt@diskopukm.kalbarprov.go.id>
wrote:

> Yth. Hendra Wijaya, S.E.,
>
> - tulis SETUJU pada baris pertama balasan untuk menyetujui, atau
> - tulis KEMBALIKAN: <alasan> pada baris pertama untuk mengembalikan.
>
> Token: {TOKEN}
"""

OUTLOOK_TOP = f"""KEMBALIKAN: NIP pegawai kedua salah ketik,
mohon diperbaiki sesuai data kepegawaian.

Salam,
Hendra

________________________________
From: Layanan SPT <spt@diskopukm.kalbarprov.go.id>
Sent: Tuesday, October 6, 2026 10:00 AM
To: Hendra Wijaya <kasubag@diskopukm.kalbarprov.go.id>
Subject: [{CASE}] SPT menunggu paraf Anda: Rapat

Yth. Hendra Wijaya, S.E.,
tulis SETUJU pada baris pertama balasan untuk menyetujui
Token: {TOKEN}
"""

BOTTOM_POSTED = f"""Pada Sel, 6 Okt 2026 10.00, Layanan SPT <spt@diskopukm.go.id> menulis:
> Yth. Hendra Wijaya, S.E.,
> tulis KEMBALIKAN: <alasan> pada baris pertama
> Token: {TOKEN}

dikembalikan:
Tanggal kegiatan di Untuk salah.

--
Hendra Wijaya
"""


def test_setuju_top_posted_with_quoted_history():
    r = parse_reply(reply(GMAIL_TOP))
    assert r is not None
    assert (r.case_id, r.verb, r.reason) == (CASE, Verb.SETUJU, None)
    assert r.token == TOKEN.replace("-", "")
    assert check_token(SECRET, r.token, CASE, "kasubag", 12)


def test_kembalikan_outlook_style_reason_is_the_paragraph():
    r = parse_reply(reply(OUTLOOK_TOP))
    assert r.verb is Verb.KEMBALIKAN
    assert r.reason == ("NIP pegawai kedua salah ketik, mohon diperbaiki sesuai data "
                        "kepegawaian.")
    assert check_token(SECRET, r.token, CASE, "kasubag", 12)


def test_bottom_posted_kembalikan_with_reason_on_next_line():
    r = parse_reply(reply(BOTTOM_POSTED))
    assert r.verb is Verb.KEMBALIKAN
    assert r.reason == "Tanggal kegiatan di Untuk salah."
    assert check_token(SECRET, r.token, CASE, "kasubag", 12)


def test_diterima_case_insensitive_after_greeting():
    r = parse_reply(reply(f"Yth. Admin,\nditerima, terima kasih.\n\n> Token: {TOKEN}",
                          subject=f"RE: Re: [{CASE}] SPT terbit: Nomor 800/1/X/2026"))
    assert r.verb is Verb.DITERIMA


def test_verbs_only_in_new_text_not_in_quotes():
    # The quoted notification mentions SETUJU; the reply itself says nothing usable.
    r = parse_reply(reply(f"Saya belum sempat membaca.\n\n> tulis SETUJU\n> Token: {TOKEN}"))
    assert r.verb is None
    assert parse_reply(reply("Tidak setuju, nanti saya telepon.")).verb is None
    assert parse_reply(reply("Setuju? Saya kira masih ada yang salah.")).verb is None
    assert parse_reply(reply("KEMBALIKAN")).reason is None


def test_missing_and_wrong_tokens():
    r = parse_reply(reply("SETUJU"))
    assert r.verb is Verb.SETUJU and r.token is None
    assert not check_token(SECRET, r.token, CASE, "kasubag", 12)
    wrong = make_token(b"x" * 32, CASE, "kasubag", 12)
    r = parse_reply(reply(f"SETUJU\n> Token: {wrong}"))
    assert not check_token(SECRET, r.token, CASE, "kasubag", 12)
    # A token is bound to its case, stage and visit: replaying it elsewhere fails.
    assert not check_token(SECRET, TOKEN, "SPT-2026-0008", "kasubag", 12)
    assert not check_token(SECRET, TOKEN, CASE, "sekretaris", 12)
    assert not check_token(SECRET, TOKEN, CASE, "kasubag", 13)
    assert not check_token(SECRET, "garbage", CASE, "kasubag", 12)
    assert check_token(SECRET, TOKEN.lower().replace("-", " "), CASE, "kasubag", 12)


def test_token_from_header_when_body_has_none():
    r = parse_reply(reply("SETUJU", token_header=TOKEN))
    assert check_token(SECRET, r.token, CASE, "kasubag", 12)


def test_no_case_id_is_not_a_reply():
    assert parse_reply(reply("SETUJU", subject="Re: rapat besok")) is None


def test_html_reply_through_the_parser():
    raw = (f"From: Hendra <kasubag@diskopukm.kalbarprov.go.id>\r\n"
           f"Subject: Re: [{CASE}] SPT menunggu paraf\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: text/html; charset=utf-8\r\n\r\n"
           f"<div>SETUJU</div><div><br></div><div class=gmail_quote>On Tue wrote:<br>"
           f"<blockquote><p>Biarkan baris Token tetap ada.</p><p>Token: {TOKEN}</p>"
           f"</blockquote></div>").encode()
    r = parse_reply(parse_message(raw, max_bytes=1 << 20))
    assert r.verb is Verb.SETUJU and r.sender == "kasubag@diskopukm.kalbarprov.go.id"
    assert check_token(SECRET, r.token, CASE, "kasubag", 12)


def test_secret_created_once_with_mode_0600(tmp_path):
    state = tmp_path / "state"
    one = load_or_create_secret(state)
    two = load_or_create_secret(state)
    assert one == two and len(one) >= 32
    path = state / "mail-token.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert load_or_create_secret(state) == one
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("visit", [1, "1"])
def test_token_shape(visit):
    token = make_token(SECRET, CASE, "kasubag", visit)
    assert len(token) == 19 and token.count("-") == 3
    assert token == make_token(SECRET, CASE.lower(), "kasubag", 1)
