"""Every mail kind renders, in Indonesian, text + HTML, with the case id and token where due."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest

from pipeline.mail.compose import KINDS, MailComposer, OpenedCase, RefusedFile
from pipeline.mail.incoming import parse_message
from pipeline.mail.replies import Verb, check_token, make_token, parse_reply

from .mail_servers import ROOT, make_config

TEMPLATES = ROOT / "templates" / "email"
CASE = "SPT-2026-0007"
NOW = dt.datetime(2026, 10, 6, 2, 15, tzinfo=dt.UTC)  # 09.15 WIB
SECRET = b"s" * 32


@pytest.fixture
def composer(workspace):
    config = make_config(workspace, approval_by_reply=True)
    return MailComposer(config, TEMPLATES, now=lambda: NOW)


def every_kind(composer: MailComposer) -> dict:
    wf = composer.config.workflow()
    token = make_token(SECRET, CASE, "kasubag", 3)
    hostile = 'Rapat <script>alert(1)</script> & "Koordinasi"\nBcc: korban@contoh.id'
    return {
        "tahap": composer.tahap(wf.stages[1], case_id=CASE, hal=hostile, pengirim="Kementerian A",
                                folder="S:\\SPT\\02-kasubag", due_at=NOW, token=token,
                                nomor_undangan="005/12/2026", message_id="<a@x>"),
        "dikembalikan": composer.dikembalikan(
            wf.stages[0], case_id=CASE, hal="Rapat", pengirim="Kementerian A", folder="01",
            alasan="NIP salah <b>", dikembalikan_oleh="Kasubag", due_at=NOW, token=token),
        "terbit": composer.terbit(to="rina@diskopukm.kalbarprov.go.id", to_name="Rina",
                                  case_id=CASE, nomor="800.1.11.1/0042/DISKOPUKM/2026",
                                  tanggal=NOW.date(), hal="Rapat", pdf=b"%PDF-1.7 spt",
                                  token=make_token(SECRET, CASE, "terima", 1)),
        "pengingat": composer.pengingat(wf.stages[2], case_id=CASE, hal="Rapat", folder="03",
                                        since=NOW, due_at=NOW, token=token),
        "pengingat_terima": composer.pengingat_terima(
            to="rina@diskopukm.kalbarprov.go.id", case_id=CASE,
            nomor="800.1.11.1/0042/DISKOPUKM/2026", hal="Rapat", issued_at=NOW,
            token=make_token(SECRET, CASE, "terima", 1)),
        "ditolak": composer.ditolak(to="rina@diskopukm.kalbarprov.go.id",
                                    alasan="Tidak ada lampiran.", subjek_asli="Undangan",
                                    in_reply_to="<in@x>"),
        "diterima": composer.diterima(
            to="rina@diskopukm.kalbarprov.go.id",
            kasus=[OpenedCase(CASE, "a.pdf"), OpenedCase("SPT-2026-0008", "b.pdf")],
            ditolak=[RefusedFile("c.pdf", "rusak")], subjek_asli="Undangan", in_reply_to="<in@x>"),
        "balasan_ditolak": composer.balasan_ditolak(
            to="kasubag@diskopukm.kalbarprov.go.id", alasan="Kasus sudah berpindah tahap.",
            case_id=CASE, keadaan="Kini di tahap Sekretaris."),
        "eskalasi": composer.eskalasi(
            to="kasubag@diskopukm.kalbarprov.go.id", to_name="Kasubag", case_id=CASE,
            hal="Rapat", tahap="Sekretaris", pejabat="Drs. Agus Salim, M.Si.", since=NOW,
            due_at=NOW, minutes=45, standard_minutes=20),
        "tidak_diproses": composer.tidak_diproses(
            wf.stages[1], case_id=CASE, hal="Rapat", folder="S:\\SPT\\02-kasubag",
            catatan="Berkas SPT-2026-0007.pdf TIDAK diproses.\n\nIsinya berubah."),
        "spt_pegawai": composer.spt_pegawai(
            to="budi@diskopukm.kalbarprov.go.id", to_name="Budi Santoso, S.T.", case_id=CASE,
            nomor="800.1.11.1/0042/DISKOPUKM/2026", tanggal=NOW.date(), hal="Rapat",
            pdf=b"%PDF-1.7 spt", pdf_name=f"{CASE}.pdf",
            pegawai=[{"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                      "jabatan": "Analis Kebijakan Ahli Muda"}],
            kegiatan={"acara": "Rapat", "tanggal_mulai": "2026-10-12",
                      "tanggal_selesai": "2026-10-14", "tempat": "Jakarta"}),
        "batal": composer.batal(
            to="pemohon@contoh.id", to_name="Rina", case_id=CASE, hal="Rapat",
            pengirim="Dinas X", nomor_undangan="005/1/2026", alasan="Bukan undangan.",
            dibatalkan_oleh="Petugas TI"),
    }


def test_every_kind_has_its_three_templates():
    for kind in KINDS:
        for suffix in (".subject.txt", ".txt", ".html"):
            assert (TEMPLATES / f"{kind}{suffix}").is_file(), f"{kind}{suffix}"


def test_every_kind_renders_text_and_html(composer):
    mails = every_kind(composer)
    assert sorted(mails) == sorted(KINDS)
    for kind, msg in mails.items():
        raw = msg.as_bytes(policy=policy.SMTP)
        again = message_from_bytes(raw, policy=policy.default)
        subject = str(again["Subject"])
        assert "\n" not in subject and again["Bcc"] is None
        if kind != "ditolak":
            assert f"[{CASE}]" in subject, kind
        assert again["From"].addresses[0].addr_spec == "spt@diskopukm.kalbarprov.go.id"
        assert again["Date"] and again["Message-ID"]
        assert again["Auto-Submitted"] in ("auto-generated", "auto-replied")
        assert again["X-SPT-Kind"] == kind
        text = again.get_body(("plain",)).get_content()
        markup = again.get_body(("html",)).get_content()
        assert "Yth." in text and "Yth." in markup
        assert "Dinas Koperasi, Usaha Kecil dan Menengah" in text
        # HTML: inline styles only, nothing fetched from outside, values escaped.
        assert not re.search(r"<link|<style|<script|src=|url\(|@import", markup, re.I), kind
        assert "{{" not in text + markup and "{%" not in text + markup


def test_hostile_values_are_escaped_and_flattened(composer):
    msg = every_kind(composer)["tahap"]
    markup = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Koordinasi&#34;" in markup
    assert "\nBcc:" not in text and "Koordinasi\" Bcc: korban@contoh.id" in text
    assert msg["Bcc"] is None


def test_stage_mail_says_what_where_by_when_and_how_to_reply(composer):
    msg = every_kind(composer)["tahap"]
    text = msg.get_body(("plain",)).get_content()
    assert "S:\\SPT\\02-kasubag" in text and "SPT-2026-0007.pdf" in text
    assert '"disetujui"' in text and '"dikembalikan"' in text and "SPT-2026-0007.txt" in text
    assert "Selasa, 6 Oktober 2026 pukul 09.15 WIB" in text and "mutu baku 10 menit" in text
    assert "SETUJU" in text and "KEMBALIKAN: <alasan>" in text
    token = make_token(SECRET, CASE, "kasubag", 3)
    assert f"Token: {token}" in text and msg["X-SPT-Token"] == token
    draft = every_kind(composer)["dikembalikan"].get_body(("plain",)).get_content()
    assert "SPT-2026-0007.docx" in draft and "NIP salah <b>" in draft


def test_no_reply_instructions_when_approval_by_reply_is_off(workspace):
    composer = MailComposer(make_config(workspace), TEMPLATES, now=lambda: NOW)
    wf = composer.config.workflow()
    msg = composer.tahap(wf.stages[1], case_id=CASE, hal="Rapat", pengirim="X", folder="02",
                         token=make_token(SECRET, CASE, "kasubag", 3))
    text = msg.get_body(("plain",)).get_content()
    assert "Token:" not in text and "SETUJU" not in text and msg["X-SPT-Token"] is None


def test_terbit_attaches_the_pdf_and_asks_for_diterima(composer):
    msg = every_kind(composer)["terbit"]
    assert msg.get_content_type() == "multipart/mixed"
    [pdf] = list(msg.iter_attachments())
    assert pdf.get_filename() == f"{CASE}.pdf" and pdf.get_content() == b"%PDF-1.7 spt"
    text = msg.get_body(("plain",)).get_content()
    assert "DITERIMA" in text and "800.1.11.1/0042/DISKOPUKM/2026" in text
    assert "6 Oktober 2026" in text


def test_diterima_lists_one_case_per_invitation(composer):
    msg = every_kind(composer)["diterima"]
    assert msg["Subject"].startswith("[SPT-2026-0007] [SPT-2026-0008] Undangan diterima")
    text = msg.get_body(("plain",)).get_content()
    assert "2 permohonan SPT telah dibuka" in text
    assert "SPT-2026-0007: a.pdf" in text and "SPT-2026-0008: b.pdf" in text
    assert "c.pdf: rusak" in text
    assert msg["In-Reply-To"] == "<in@x>" and msg["Auto-Submitted"] == "auto-replied"


@pytest.mark.parametrize("quote_html", [False, True])
def test_a_reply_to_the_notification_round_trips(composer, quote_html):
    """Quote the notification as a mail client would; the token and verb come back."""
    notification = every_kind(composer)["terbit"]
    if quote_html:
        quoted = notification.get_body(("html",)).get_content()
        body = (f"<div>Diterima, terima kasih.</div><blockquote>{quoted}</blockquote>")
        ctype = "text/html"
    else:
        quoted = notification.get_body(("plain",)).get_content()
        body = "DITERIMA\n\nRina\n\n" + "\n".join("> " + ln for ln in quoted.splitlines())
        ctype = "text/plain"
    raw = (f"From: Rina <rina@diskopukm.kalbarprov.go.id>\r\n"
           f"Subject: Re: {notification['Subject']}\r\nIn-Reply-To: {notification['Message-ID']}"
           f"\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}; charset=utf-8\r\n\r\n{body}").encode()
    r = parse_reply(parse_message(raw, max_bytes=1 << 20))
    assert r.case_id == CASE and r.verb is Verb.DITERIMA
    assert check_token(SECRET, r.token, CASE, "terima", 1)
