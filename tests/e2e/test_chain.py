"""The whole SOP chain through the real service (`spt serve` as a subprocess)."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from pipeline.simulate import add_employee_row, wait_until

from .conftest import SAMPLES

pytestmark = pytest.mark.slow

NOTE = "Mohon SPT untuk:\n1. 19650809 198603 1 012\nPemohon: rina.agenda@diskopukm.kalbarprov.go.id\n"


def _files(folder):
    return {p.name for p in folder.iterdir() if p.is_file()}


def test_a_case_walks_the_whole_chain_with_a_return_and_a_new_version(office):
    office.service.start()
    o, ws, wf = office.officials, office.ws, office.workflow
    o.drop_invitation(SAMPLES / "undangan-dev-02.pdf", note=NOTE)
    case = o.new_cases(set())[0]

    # The drafter gets the editable draft, its PDF preview and the invitation.
    assert {f"{case}.docx", f"{case}.pdf", f"{case}-undangan.pdf"} <= _files(ws.folder(0).root)
    assert (ws.inbox_accepted / "undangan-dev-02.pdf").exists()
    wait_until(lambda: any(ws.outbox.glob(f"{case}-tahap-*.eml")), timeout=10,
               what="the drafter's notification")

    o.agree(case, 0)
    o.agree(case, 1)                                               # kasubag: paraf
    o.give_back(case, 2, "Tanggal kegiatan mohon dicek kembali.")  # sekretaris returns it
    note = ws.folder(1).root / f"{case}-catatan.txt"
    wait_until(note.exists, timeout=30, what="the return note for the kasubag")
    assert "Tanggal kegiatan mohon dicek kembali." in note.read_text()
    o.agree(case, 1)                               # kasubag agrees again: no second paraf
    o.give_back(case, 2, "")                       # returned again, without a reason
    o.give_back(case, 1, "Tambahkan satu pegawai.")  # kasubag returns it to the drafter
    draft = o.wait_for(case, 0)
    add_employee_row(draft, {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                             "pangkat": "Penata Tingkat I", "golongan": "III/d",
                             "jabatan": "Analis Kebijakan Ahli Muda"})
    o.agree(case, 0)                               # a new version: every mark again
    for stage in wf.stages[1:]:
        o.agree(case, stage.index)

    store = office.store()
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=60, what="the agenda entry")
    assert [a["nip"] for a in entry.assignees] == ["196508091986031012", "198201152008011003"]

    actions = office.audit_actions(case)
    counted = Counter(actions)
    assert counted[("stage.returned", "sekretaris")] == 2
    assert counted[("stage.returned", "kasubag")] == 1
    assert counted[("version.new", "kepegawaian")] == 1
    assert counted[("mark.kept", "kasubag")] == 1
    # kasubag marked version 1 once and version 2 once; everyone else once, on version 2.
    assert counted[("mark.applied", "kasubag")] == 2
    for stage in wf.stages[2:]:
        assert counted[("mark.applied", stage.key)] == 1, stage.key
    returns = [e for e in store.audit.for_case(case) if e.action == "stage.returned"]
    assert [r.detail["reason"] for r in returns] == [
        "Tanggal kegiatan mohon dicek kembali.", "tanpa alasan", "Tambahkan satu pegawai."]
    assert actions[-1][0] == "case.issued"
    assert store.audit.verify() is None

    # Nothing is left behind in any stage folder once the case has moved on.
    for stage in wf.stages:
        wait_until(lambda s=stage: o.stage_is_empty_of(case, s.index), timeout=10,
                   what=f"{stage.folder} to be empty")
    archived = ws.root / entry.archive_path
    assert archived.exists() and archived.parent.name == str(entry.letter_date.year)


def test_bad_moves_get_a_note_and_change_nothing(office):
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
    o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
    first, second = o.new_cases(set(), count=2)
    o.agree(first, 0)
    pdf = o.wait_for(first, 1)

    # An edited PDF (one byte changed) moved into disetujui/.
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    edited = ws.folder(1).agreed / pdf.name
    edited.write_bytes(bytes(data))
    pdf.unlink()
    galat = ws.folder(1).root / f"{first}.galat.txt"
    wait_until(galat.exists, timeout=30, what="a refusal note")
    assert "tidak sama dengan berkas yang diterbitkan" in galat.read_text()
    wait_until(lambda: (ws.folder(1).root / f"{first}.pdf").exists(), timeout=30,
               what="the genuine file back in the kasubag's folder")
    assert (ws.folder(1).root / f"{first}-ditolak.pdf").exists()

    # A file of another case (still at drafting) moved into the kasubag's disetujui/.
    other = ws.folder(0).root / f"{second}.pdf"
    os.replace(other, ws.folder(1).agreed / other.name)
    note2 = ws.folder(1).root / f"{second}.galat.txt"
    wait_until(note2.exists, timeout=30, what="the wrong-stage note")
    assert "01-kepegawaian" in note2.read_text()
    wait_until(other.exists, timeout=30, what="the other case's preview to be put back")

    # An unknown file.
    stray = ws.folder(1).agreed / "foto-kegiatan.pdf"
    # A whole PDF (one without %%EOF is still arriving: it waits, see docs/windows-share.md).
    stray.write_bytes(b"%PDF-1.4\n% not ours\n%%EOF\n")
    wait_until(lambda: (ws.folder(1).agreed / "foto-kegiatan.pdf.galat.txt").exists(),
               timeout=30, what="the unknown-file note")
    assert stray.exists()  # never deleted

    store = office.store()
    assert store.cases.get(first).state.stage == 1
    assert store.cases.get(second).state.stage == 0
    # The genuine file still moves the case on.
    o.agree(first, 1)
    o.wait_for(first, 2)
    assert not galat.exists() and not (ws.folder(1).root / f"{first}-ditolak.pdf").exists()


def test_the_same_invitation_twice_opens_one_case(office):
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(SAMPLES / "undangan-dev-05.pdf", note=NOTE)
    o.new_cases(set())
    o.drop_invitation(SAMPLES / "undangan-dev-05.pdf", name="salinan-undangan.pdf")
    reason = ws.inbox_rejected / "salinan-undangan.pdf.alasan.txt"
    wait_until(reason.exists, timeout=30, what="the duplicate to be set aside")
    assert "sudah diterima sebelumnya" in reason.read_text()
    assert office.store().cases.count() == 1


def test_a_draft_without_assignees_is_refused_with_a_note(office):
    office.service.start()
    o, ws = office.officials, office.ws
    o.drop_invitation(SAMPLES / "undangan-dev-06.pdf")  # no note: nobody named
    case = o.new_cases(set())[0]
    o.agree(case, 0)
    galat = ws.folder(0).root / f"{case}.galat.txt"
    wait_until(galat.exists, timeout=30, what="the refusal of an empty Kepada table")
    assert "Kepada" in galat.read_text()
    assert (ws.folder(0).root / f"{case}.docx").exists()  # the drafter's file is given back
    assert office.store().cases.get(case).state.stage == 0
