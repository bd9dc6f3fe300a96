"""The pemohon and the assignees: an acknowledgement, a final mail that says who goes where
and when, each assignee's own SPT, and never a mail to our own address.

Real parts: a workspace from ``spt init`` (its sample ``pegawai.csv``), the store, the
notifier and the outbox; mails are read back from the ``.eml`` files.
"""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.service.clock import FixedClock
from pipeline.service.notify import Notifier
from pipeline.service.office import Office
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.workspace_init import init_workspace

WIB = ZoneInfo("Asia/Pontianak")
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=WIB)
YOHANES = {"nama": "Drs. Yohanes Kristian, M.Si.", "nip": "196508091986031012",
           "jabatan": "Kepala Bidang Kelembagaan Koperasi"}
BUDI = {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
        "jabatan": "Analis Kebijakan Ahli Muda"}
PDF = b"%PDF-1.7 issued spt"
EVENT = {"hal": "Undangan Rapat Koordinasi UMKM", "acara": "Rapat Koordinasi UMKM",
         "tanggal_mulai": "2026-12-14", "tanggal_selesai": "2026-12-16",
         "waktu": "08.00 WIB s.d. selesai", "tempat": "Hotel Mercure, Jakarta"}


def office(tmp_path, **replace: str):
    path = init_workspace(tmp_path / "ws")
    text = path.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    ws = Workspace(config)
    ws.ensure()
    store = Store(ws.database)
    notifier = Notifier(Office(config, config.workflow(), ws, store, FixedClock(NOW)))
    return config, ws, store, notifier


def issue(config, ws, store, notifier, *, pemohon: str | None, assignees: list[dict]):
    with store.transaction():
        case = store.cases.open(now=NOW, tz=WIB, source_sha256="a" * 64, source_name="u.pdf",
                                source_ext="pdf", pemohon=pemohon, assignees=assignees)
        store.cases.update_fields(case.id, EVENT)
    pdf = ws.root / "arsip" / "2026" / f"{case.id}.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(PDF)
    entry = AgendaEntry(number="800.1.11.1/0042/DISKOPUKM/2026", case_id=case.id,
                        letter_date=NOW.date(), hal=EVENT["hal"], assignees=assignees,
                        pemohon=pemohon, file_sha256="b" * 64,
                        archive_path=str(pdf.relative_to(ws.root)), recorded_at=NOW.isoformat())
    notifier.issued(store.cases.get(case.id), entry, pdf)
    notifier.issued(store.cases.get(case.id), entry, pdf)     # a redo queues nothing new
    return case.id


def outbox(ws) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(ws.outbox.glob("*.eml"))]


def text_of(msg) -> str:
    return " ".join(msg.get_body(("plain",)).get_content().split())


def to(msg) -> str:
    return msg["To"].addresses[0].addr_spec


def test_the_final_mail_greets_the_pemohon_and_says_who_goes_where_and_when(tmp_path):
    config, ws, store, notifier = office(tmp_path)
    case = issue(config, ws, store, notifier, pemohon="siti.aminah@diskopukm.kalbarprov.go.id",
                 assignees=[YOHANES, BUDI])
    [final] = [m for m in outbox(ws) if m["X-SPT-Kind"] == "terbit"]
    assert to(final) == "siti.aminah@diskopukm.kalbarprov.go.id"
    for body in (text_of(final), " ".join(final.get_body(("html",)).get_content().split())):
        assert "Yth. Siti Aminah, S.E., M.M.," in body          # by name, from pegawai.csv
        assert "800.1.11.1/0042/DISKOPUKM/2026" in body
        assert "Drs. Yohanes Kristian, M.Si." in body and "Budi Santoso, S.T." in body
        assert "19650809 198603 1 012" in body
        assert "14 s.d. 16 Desember 2026" in body and "Hotel Mercure, Jakarta" in body
        assert "Rapat Koordinasi UMKM" in body
    assert [a.get_filename() for a in final.iter_attachments()] == [f"{case}.pdf"]


def test_each_assignee_with_an_address_gets_their_spt_once(tmp_path):
    config, ws, store, notifier = office(tmp_path)
    case = issue(config, ws, store, notifier, pemohon="budi.santoso@diskopukm.kalbarprov.go.id",
                 assignees=[YOHANES, BUDI])
    mails = outbox(ws)
    own = [m for m in mails if m["X-SPT-Kind"] == "spt_pegawai"]
    # Budi is the pemohon too: he has the final mail, not a second copy.
    assert [to(m) for m in own] == ["yohanes.k@diskopukm.kalbarprov.go.id"]
    [mail] = own
    body = text_of(mail)
    assert "Yth. Drs. Yohanes Kristian, M.Si.," in body
    assert "Anda ditugaskan dalam Surat Perintah Tugas Nomor 800.1.11.1/0042/DISKOPUKM/2026" in body
    assert "Hotel Mercure, Jakarta" in body and "DITERIMA" not in body
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_filename() == f"{case}.pdf" and pdf.get_content() == PDF
    assert len([m for m in mails if m["X-SPT-Kind"] == "terbit"]) == 1


def test_assignee_mails_can_be_switched_off(tmp_path):
    config, ws, store, notifier = office(
        tmp_path, **{"send_to_assignees = true": "send_to_assignees = false"})
    issue(config, ws, store, notifier, pemohon="siti.aminah@diskopukm.kalbarprov.go.id",
          assignees=[YOHANES, BUDI])
    assert [m["X-SPT-Kind"] for m in outbox(ws)] == ["terbit"]


@pytest.mark.parametrize("pemohon", [None, "spt@diskopukm.kalbarprov.go.id"])
def test_no_mail_to_our_own_address_the_drafter_hands_it_over(tmp_path, pemohon):
    config, ws, store, notifier = office(tmp_path)
    issue(config, ws, store, notifier, pemohon=pemohon, assignees=[BUDI])
    mails = outbox(ws)
    own = {config.mail.from_address, config.agency.email}
    assert all(to(m) not in own for m in mails)
    [final] = [m for m in mails if m["X-SPT-Kind"] == "terbit"]
    assert to(final) == "kepegawaian@diskopukm.kalbarprov.go.id"
    assert "Tidak ada pemohon yang tercatat" in text_of(final)
    assert "Yth. Dewi Lestari, S.Kom.," in text_of(final)


def test_an_invitation_with_a_note_naming_the_pemohon_is_acknowledged(tmp_path):
    _, ws, store, notifier = office(tmp_path)
    with store.transaction():
        case = store.cases.open(now=NOW, tz=WIB, source_sha256="c" * 64,
                                source_name="undangan-ojk.pdf", source_ext="pdf",
                                pemohon="rina.marlina@diskopukm.kalbarprov.go.id", assignees=[])
    notifier.acknowledge(case)
    notifier.acknowledge(case)
    [ack] = outbox(ws)
    assert ack["X-SPT-Kind"] == "diterima" and case.id in ack["Subject"]
    body = text_of(ack)
    assert "Yth. Rina Marlina, S.Sos.," in body
    assert f"{case.id}: undangan-ojk.pdf" in body
    assert "Selanjutnya: Pengadministrasi Kepegawaian menyusun draf SPT" in body
    assert "hingga Gubernur" in body


def test_no_acknowledgement_without_a_pemohon(tmp_path):
    _, ws, store, notifier = office(tmp_path)
    with store.transaction():
        case = store.cases.open(now=NOW, tz=WIB, source_sha256="d" * 64, source_name="u.pdf",
                                source_ext="pdf", pemohon=None, assignees=[])
    notifier.acknowledge(case)
    assert outbox(ws) == []
