"""Issue 20 through the real service: what each person receives, and the board in the share.

One case walks the whole chain under ``spt serve``: the pemohon named in the note is
acknowledged, each official's mail carries the letter and says what moving it does, a
refused move is mailed to the official, the pemohon's final mail says who goes where and
when, each assignee gets their SPT, and the status board follows the case.
"""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from pipeline.simulate import wait_until

from .conftest import SAMPLES

pytestmark = pytest.mark.slow

PEMOHON = "siti.aminah@diskopukm.kalbarprov.go.id"
NOTE = f"Mohon SPT untuk:\n1. 19650809 198603 1 012\nPemohon: {PEMOHON}\n"


def mails(ws, case: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for path in sorted(ws.outbox.glob("*.eml")):
        if path.name.startswith("."):
            continue  # the outbox's temporary name while a mail is being written
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if case in str(msg["Subject"]):
            out.setdefault(msg["X-SPT-Kind"], []).append(msg)
    return out


def text(msg) -> str:
    return " ".join(msg.get_body(("plain",)).get_content().split())


def test_every_person_gets_a_mail_they_can_act_on(office):
    office.service.start()
    o, ws, wf = office.officials, office.ws, office.workflow
    board = ws.stages_root / "status-spt.html"
    o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
    case = o.new_cases(set())[0]

    # The pemohon named in the note hears that the invitation arrived, and what comes next.
    ack = wait_until(lambda: mails(ws, case).get("diterima"), timeout=20,
                     what="the acknowledgement")[0]
    assert ack["To"].addresses[0].addr_spec == PEMOHON
    assert "Yth. Siti Aminah, S.E., M.M.," in text(ack) and "Selanjutnya:" in text(ack)
    wait_until(lambda: board.exists() and case in board.read_text(encoding="utf-8"),
               timeout=20, what="the case on the status board")

    # The drafter's mail carries the draft's PDF; it says to cancel into batal/, never to return.
    drafter = wait_until(lambda: mails(ws, case).get("tahap"), timeout=20,
                         what="the drafter's mail")[0]
    names = [p.get_filename() for p in drafter.iter_attachments()]
    assert names == [f"{case}.pdf", f"{case}-undangan.pdf"]
    assert next(drafter.iter_attachments()).get_content()[:5] == b"%PDF-"
    assert "dikembalikan" not in text(drafter) and '"batal"' in text(drafter)

    o.agree(case, 0)
    pdf = o.wait_for(case, 1)
    # A changed PDF moved into disetujui/: refused, and the kasubag is told by mail.
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    (ws.folder(1).agreed / pdf.name).write_bytes(bytes(data))
    pdf.unlink()
    refusal = wait_until(lambda: mails(ws, case).get("tidak_diproses"), timeout=30,
                         what="the refusal by mail")[0]
    assert "kasubag@" in str(refusal["To"])
    note = (ws.folder(1).root / f"{case}.galat.txt").read_text(encoding="utf-8")
    assert " ".join(note.split()) in text(refusal)
    wait_until(lambda: (ws.folder(1).root / f"{case}.pdf").exists(), timeout=30,
               what="the genuine file back")
    # The kasubag, who has not read the mail, moves the same refused file in again: a new
    # refusal, so a second mail (one mail per refusal, not per file content).
    kept = ws.folder(1).root / f"{case}-ditolak.pdf"
    assert kept.read_bytes() == bytes(data)
    kept.replace(ws.folder(1).agreed / kept.name)
    wait_until(lambda: len(mails(ws, case).get("tidak_diproses", [])) == 2, timeout=30,
               what="the second refusal by mail")
    wait_until(lambda: kept.exists() and not list(ws.folder(1).agreed.iterdir()), timeout=30,
               what="the refused file kept again")
    assert [a for a, _ in office.audit_actions(case)].count("stage.refused") == 2

    for stage in wf.stages[1:]:
        o.agree(case, stage.index)
    final = wait_until(lambda: mails(ws, case).get("terbit"), timeout=90,
                       what="the final mail")[0]
    body = text(final)
    assert final["To"].addresses[0].addr_spec == PEMOHON
    assert "Yth. Siti Aminah, S.E., M.M.," in body
    assert "Drs. Yohanes Kristian, M.Si." in body                   # the assignee
    assert "12 Oktober 2026" in body and "Zoom Meeting" in body      # when and where
    entry = office.store().agenda.for_case(case)
    assert entry.number in body
    stage_mails = mails(ws, case)["tahap"]
    signatory = next(m for m in stage_mails if "gubernur@" in str(m["To"]))
    assert "sebagai penandatangan SPT" in text(signatory)
    # The assignee's own copy, with the issued PDF.
    [own] = wait_until(lambda: mails(ws, case).get("spt_pegawai"), timeout=20,
                       what="the assignee's SPT")
    assert own["To"].addresses[0].addr_spec == "yohanes.k@diskopukm.kalbarprov.go.id"
    assert [p.get_filename() for p in own.iter_attachments()] == [entry.archive_path.rsplit(
        "/", 1)[-1]]
    # The board lists the letter as issued, waiting for its receipt.
    wait_until(lambda: entry.number in board.read_text(encoding="utf-8"), timeout=30,
               what="the issued letter on the board")
