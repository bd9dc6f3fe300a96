"""Stage mails an official can act on from a phone: the letter attached, the folder as they
see it, what moving the file does, the deadline, and the return/cancel that apply there.

Real parts: a workspace from ``spt init``, the store, the notifier and the outbox; the mails
are read back from the ``.eml`` files the outbox wrote, as a mail program would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import replace
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import load_config
from pipeline.core.machine import CaseState
from pipeline.folders.layout import Workspace
from pipeline.service.clock import FixedClock
from pipeline.service.notify import Notifier
from pipeline.service.office import Office
from pipeline.store import Store
from pipeline.workspace_init import init_workspace

WIB = ZoneInfo("Asia/Pontianak")
ARRIVED = dt.datetime(2026, 12, 7, 9, 0, tzinfo=WIB)   # a Monday, office hours
LETTER = b"%PDF-1.7\n" + b"x" * 300_000                # a 0.3 MB review PDF
INVITATION = b"PK\x03\x04" + b"d" * 50_000             # a DOCX invitation


def workspace(tmp_path, **mail: str):
    path = init_workspace(tmp_path / "ws")
    text = path.read_text(encoding="utf-8")
    for key, value in mail.items():   # the [mail] keys spt init shows (some commented out)
        text, n = re.subn(rf"(?m)^#? ?{key} = .*$", lambda _m, k=key, v=value: f"{k} = {v}",
                          text, count=1)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    ws = Workspace(config)
    ws.ensure()
    return config, ws


def case_at(config, ws, store, stage: int, *, came_back: bool = False, note: str | None = None,
            invitation: bytes = INVITATION):
    pdf_sha = hashlib.sha256(LETTER).hexdigest()
    src_sha = hashlib.sha256(invitation).hexdigest()
    with store.transaction():
        case = store.cases.open(now=ARRIVED, tz=WIB, source_sha256=src_sha,
                                source_name="undangan.docx", source_ext="docx",
                                pemohon="rina@bappeda.example.go.id", assignees=[])
        state = replace(CaseState.opened("d" * 64, pdf_sha), stage=stage)
        store.cases.save_state(case.id, state, now=ARRIVED, stage_changed=True)
        visit = store.cases.arrive(case.id, config.workflow().stages[stage].key, 1, ARRIVED,
                                   came_back=came_back, note=note)
    letter = ws.case_file(case.id, pdf_sha, "pdf")
    letter.parent.mkdir(parents=True, exist_ok=True)
    letter.write_bytes(LETTER)
    source = ws.state / "sources" / f"{src_sha}.docx"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(invitation)
    return store.cases.get(case.id), visit


def mails(ws, kind: str) -> list:
    out = []
    for path in sorted(ws.outbox.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if msg["X-SPT-Kind"] == kind:
            out.append(msg)
    return out


def text_of(msg) -> str:
    """The plain-text part with its line breaks undone (sentences are checked, not layout)."""
    return " ".join(msg.get_body(("plain",)).get_content().split())


def html_of(msg) -> str:
    return " ".join(msg.get_body(("html",)).get_content().split())


def make_office(tmp_path, **mail: str):
    """A workspace with ``[mail]`` settings ``mail``, its store and a notifier at ARRIVED."""
    config, ws = workspace(tmp_path, **mail)
    store = Store(ws.database)
    notifier = Notifier(Office(config, config.workflow(), ws, store, FixedClock(ARRIVED)))
    return config, ws, store, notifier


def arrival_mail(office, stage: int):
    """A case arrives at ``stage``: the case and the one stage mail it got."""
    config, ws, store, notifier = office
    case, _ = case_at(config, ws, store, stage)
    notifier.stage_arrival(case, store.cases.open_visit(case.id))
    [msg] = mails(ws, "tahap")
    return case, msg


@pytest.fixture
def office(tmp_path):
    return make_office(tmp_path, share_path="'\\\\fileserver\\spt'")


def test_a_reviewer_can_read_and_act_from_a_phone(office):
    case, msg = arrival_mail(office, 1)
    assert "kasubag@" in str(msg["To"])
    attached = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    # The letter to review and the invitation as it is in the folder (a DOCX here).
    assert attached == {f"{case.id}.pdf": LETTER, f"{case.id}-undangan.docx": INVITATION}
    for body in (text_of(msg), html_of(msg)):
        assert "\\\\fileserver\\spt\\02-kasubag" in body
        assert f"{case.id}-undangan.docx" in body and "-undangan.pdf" not in body
        assert ("sistem membubuhkan paraf elektronik Anda dengan sertifikat elektronik atas "
                "nama Anda") in body
        assert "Senin, 7 Desember 2026 pukul 09.10 WIB" in body          # the deadline
        # A return goes one stage back, to the drafter: the mail says to whom.
        assert ("SPT kembali kepada Pengadministrasi Kepegawaian (Dewi Lestari, S.Kom.)"
                in body)
        assert "Terlampir untuk dibaca" in body


def test_the_drafter_is_told_to_cancel_into_batal_never_to_return(office):
    case, msg = arrival_mail(office, 0)
    for body in (text_of(msg), html_of(msg)):
        assert "dikembalikan" not in body
        assert "batal" in body and f"{case.id}.txt" in body
        assert "\\\\fileserver\\spt\\01-kepegawaian" in body
        assert "diteruskan kepada Kepala Sub Bagian Administrasi dan Umum" in body


def test_the_signatory_is_told_the_move_is_the_signature(office):
    config = office[0]
    _, msg = arrival_mail(office, config.workflow().last_index)
    body = text_of(msg)
    assert "gubernur@" in str(msg["To"])
    assert ("sistem membubuhkan tanda tangan elektronik Anda dengan sertifikat elektronik atas "
            "nama Anda sebagai penandatangan SPT") in body
    assert "SPT kembali kepada Sekretaris Daerah" in body


def test_attachments_above_the_limit_are_left_out_and_named(tmp_path):
    case, msg = arrival_mail(make_office(tmp_path, attachment_max_mb="0.2"), 2)
    # The 0.3 MB letter does not fit in 0.2 MB; the 0.05 MB invitation does.
    assert [p.get_filename() for p in msg.iter_attachments()] == [f"{case.id}-undangan.docx"]
    assert f"melebihi batas lampiran surel (0,2 MB): {case.id}.pdf (0,3 MB)" in text_of(msg)
    # Without share_path, the folder is named relative to the workspace.
    assert "stages/03-sekretaris" in text_of(msg)


def test_no_attachment_when_switched_off(tmp_path):
    _, msg = arrival_mail(make_office(tmp_path, attach_review_pdf="false"), 1)
    assert list(msg.iter_attachments()) == []
    assert "Terlampir" not in text_of(msg)


def test_a_refused_move_sends_the_note_by_mail(office):
    config, ws, store, notifier = office
    case, _ = case_at(config, ws, store, 1)
    note = (f"Berkas {case.id}.pdf yang dipindahkan ke folder disetujui TIDAK diproses.\n\n"
            "Isi berkas tidak sama dengan berkas yang diterbitkan sistem.")
    stage = config.workflow().stages[1]
    notifier.refused_move(case, stage, note, "e" * 64, refusal=7)
    notifier.refused_move(case, stage, note, "e" * 64, refusal=7)  # a redo queues nothing new
    [msg] = mails(ws, "tidak_diproses")
    assert "kasubag@" in str(msg["To"]) and case.id in str(msg["Subject"])
    body = text_of(msg)
    assert "Isi berkas tidak sama dengan berkas yang diterbitkan sistem." in body
    assert f"{case.id}.galat.txt" in body and "\\\\fileserver\\spt\\02-kasubag" in body
    assert list(msg.iter_attachments()) == []


def test_the_same_file_refused_again_later_is_told_again(office):
    """The official moves the refused bytes in once more: a new refusal, a new mail (the
    first may be unread); finishing either refusal again still queues nothing new."""
    config, ws, store, notifier = office
    case, _ = case_at(config, ws, store, 1)
    stage = config.workflow().stages[1]
    notifier.refused_move(case, stage, "Berkas TIDAK diproses.", "e" * 64, refusal=7)
    notifier.refused_move(case, stage, "Berkas TIDAK diproses.", "e" * 64, refusal=9)
    notifier.refused_move(case, stage, "Berkas TIDAK diproses.", "e" * 64, refusal=9)
    assert len(mails(ws, "tidak_diproses")) == 2


def test_reply_instructions_only_where_a_reply_can_act(tmp_path):
    """With approval by reply on, the drafter is not offered SETUJU/KEMBALIKAN by mail:
    the service refuses replies at the drafting stage (the draft is edited in the DOCX)."""
    config, ws, store, notifier = make_office(tmp_path, approval_by_reply="true")
    drafted, _ = case_at(config, ws, store, 0)
    notifier.stage_arrival(drafted, store.cases.open_visit(drafted.id))
    [drafter] = mails(ws, "tahap")
    assert "KEMBALIKAN" not in text_of(drafter) and "SETUJU" not in text_of(drafter)
    assert drafter["X-SPT-Token"] is None
    reviewed, _ = case_at(config, ws, store, 1, invitation=INVITATION + b"another")
    notifier.stage_arrival(reviewed, store.cases.open_visit(reviewed.id))
    [kasubag] = [m for m in mails(ws, "tahap") if "kasubag@" in str(m["To"])]
    assert "KEMBALIKAN: <alasan>" in text_of(kasubag) and kasubag["X-SPT-Token"]
