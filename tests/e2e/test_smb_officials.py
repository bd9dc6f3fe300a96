"""Officials on a Windows share: the real service, a real Samba server, a Windows-like client.

Every official acts through ``smbprotocol`` on the share ``spt share --samba`` generates
(pipeline/ops/share.py): a copy that stalls, Explorer's "New > Text Document" typed in
Notepad as UTF-16 after the move, ``Copy of …`` moved instead of the file, a leftover
copy, a file open in another program. Both watch modes: inotify sees Samba's writes as
local ones; polling is what a service watching a mounted share uses.
"""

from __future__ import annotations

import time

import psutil
import pytest
import smbclient
from smbprotocol.exceptions import SMBOSError

from pipeline.ops.share import account, samba_config
from pipeline.simulate import add_employee_row, wait_until
from tests.support.office_files import docx_with
from tests.support.samba import SambaServer, access_denied, samba_available, sharing_violation

from .conftest import SAMPLES, Office, tune

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not samba_available(), reason="needs smbd and root")]

NOTE = ("Mohon dibuatkan SPT untuk:\n1. 19650809 198603 1 012\n"
        "Pemohon: rina.agenda@diskopukm.kalbarprov.go.id\n")
REASON = "Mohon tanggal kegiatan dicek — tertulis 5 Mei, di undangan 6 Mei."


def _start(tmp_path, mode: str, **watch: str):
    office = Office(tmp_path / "ws")
    settings = dict(settle_seconds="0.5", judge_after_seconds="6", reason_grace_seconds="20",
                    rescan_seconds="5", incomplete_after_seconds="120") | watch
    tune(office.config_path, section="watch", mode=f'"{mode}"', **settings)
    office.reload()
    samba = SambaServer(tmp_path / "samba")
    samba.configure(samba_config(office.config, service_user="root"))
    for stage in office.workflow.stages:
        samba.add_user(account(stage))
    samba.start()
    office.service.start()
    return office, samba


@pytest.fixture(params=["inotify", "poll"])
def share(request, tmp_path):
    office, samba = _start(tmp_path, request.param)
    yield office, samba, request.param
    office.service.stop()
    samba.stop()


@pytest.fixture
def share_inotify(tmp_path):
    office, samba = _start(tmp_path, "inotify")
    yield office, samba
    office.service.stop()
    samba.stop()


def _pc(samba, office, index: int):
    """The official of stage ``index`` at their PC, their stage folder as a network drive."""
    stage = office.workflow.stages[index]
    return samba.official(account(stage), f"spt-{stage.folder}")


def _left(sf) -> list[str]:
    return [str(p.relative_to(sf.root)) for d in (sf.root, sf.agreed, sf.returned)
            for p in d.iterdir() if p.is_file()]


def _audit(office, case, action):
    return [e for e in office.store().audit.for_case(case) if e.action == action]


def test_officials_over_smb(share):
    office, samba, mode = share
    ws, wf = office.ws, office.workflow
    actions: list[tuple[str, str]] = []
    drafter = _pc(samba, office, 0)
    inbox = samba.official(account(wf.stages[0]), "spt-inbox")

    # 1. The drafter copies the invitation into inbox\ over a slow link: Explorer sets the
    #    final size first, the copy stalls longer than the judging time, then completes.
    inbox.new_text_document("", "undangan-rapat.txt", NOTE, encoding="utf-16")
    pdf = (SAMPLES / "undangan-dev-02.pdf").read_bytes()
    inbox.copy_slowly("undangan-rapat.pdf", pdf, chunk=16 * 1024, presize=True,
                      stalls={1: 8.0})
    case = office.officials.new_cases(set(), timeout=120)[0]
    assert not any(ws.inbox_rejected.iterdir()), "a stalled copy was refused"
    record = office.store().cases.get(case)
    assert record.pemohon == "rina.agenda@diskopukm.kalbarprov.go.id"  # UTF-16 note read
    assert [a["nip"] for a in record.assignees] == ["196508091986031012"]
    actions.append(("invitation copied with an 8 s stall, size set first; note in UTF-16",
                    f"{case} opened, pemohon and Kepada from the note, nothing refused"))

    # 2. The drafter agrees: drags the DOCX into disetujui\ (an SMB rename).
    draft = drafter.read(f"{case}.docx")
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    office.officials.wait_for(case, 1)
    actions.append(("drafter drags the DOCX into disetujui", "case at kasubag"))

    # 2b. Word still had it open: a second save (owner file, ~WRL temporary, renames) puts
    #     an edited draft back in the drafting folder after the case moved on.
    edited = ws.root / "edited.docx"
    edited.write_bytes(draft)
    add_employee_row(edited, {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                              "pangkat": "Penata Tingkat I", "golongan": "III/d",
                              "jabatan": "Analis Kebijakan Ahli Muda"})
    drafter.word_save(f"{case}.docx", edited.read_bytes())
    late_note = ws.folder(0).root / f"{case}.galat.txt"
    wait_until(late_note.exists, timeout=60, what="the note about the late Word save")
    assert "TIDAK termasuk" in late_note.read_text(encoding="utf-8")
    assert drafter.exists(f"{case}.docx")  # left where the drafter saved it
    actions.append(("drafter's Word saves again after the DOCX was sent on",
                    "edit left in place with a note: not in the letter, ask for a return"))

    # 3. The kasubag returns it the Windows way: New > Text Document in dikembalikan\,
    #    renamed with extensions hidden (.txt.txt), the PDF moved, the reason typed in
    #    Notepad and saved as "Unicode" 4 s later.
    kasubag = _pc(samba, office, 1)
    kasubag.write("dikembalikan/New Text Document.txt", b"")
    kasubag.move("dikembalikan/New Text Document.txt", f"dikembalikan/{case}.txt.txt")
    kasubag.move(f"{case}.pdf", f"dikembalikan/{case}.pdf")
    time.sleep(4)  # the official typing: the service must wait, not record "tanpa alasan"
    kasubag.write(f"dikembalikan/{case}.txt.txt", b"\xff\xfe"
                  + REASON.replace("\n", "\r\n").encode("utf-16-le"))
    wait_until(lambda: _audit(office, case, "stage.returned"), timeout=60,
               what="the return to be recorded")
    assert _audit(office, case, "stage.returned")[0].detail["reason"] == REASON
    note = ws.folder(0).root / f"{case}-catatan.txt"
    wait_until(note.exists, timeout=30, what="the return note for the drafter")
    assert REASON in note.read_text(encoding="utf-8")
    assert not kasubag.listdir("dikembalikan"), "the reason was left behind to be reused"
    wait_until(lambda: not late_note.exists(), timeout=30, what="the late-save note to go")
    actions.append(("return: empty New Text Document renamed .txt.txt, PDF moved, "
                    "reason typed as UTF-16 4 s later",
                    "return recorded with the exact reason; reason file kept in state/"))

    # 4. The drafter agrees again (with the late edit: a new version); the kasubag drags "Copy of" the PDF (copied over a
    #    stalling link) into disetujui\ instead of the file itself.
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    letter = office.officials.wait_for(case, 1)
    wait_until(lambda: letter.stat().st_size > 0, timeout=10, what="the letter")
    kasubag.copy_slowly(f"disetujui/Copy of {case}.pdf", kasubag.read(f"{case}.pdf"),
                        chunk=32 * 1024, stalls={1: 3.0})
    office.officials.wait_for(case, 2, timeout=60)
    sf1 = ws.folder(1)
    try:
        wait_until(lambda: not _left(sf1), timeout=30, what="the kasubag's folders to be empty")
    except AssertionError:
        raise AssertionError(f"left: {_left(sf1)}\n{office.service.tail(30)}") from None
    assert not _audit(office, case, "file.unknown")
    actions.append(("kasubag copies 'Copy of SPT.pdf' into disetujui (3 s stall), "
                    "original left beside it",
                    "agreed and marked; copy and original cleared, no note"))

    # 5. The sekretaris has the PDF open in a reader: Windows refuses to move it.
    sekretaris = _pc(samba, office, 2)
    with sekretaris.held_open(f"{case}.pdf"):
        with pytest.raises(Exception) as refused:
            sekretaris.move(f"{case}.pdf", f"disetujui/{case}.pdf")
        assert sharing_violation(refused.value)
    sekretaris.move(f"{case}.pdf", f"disetujui/{case}.pdf")
    office.officials.wait_for(case, 3)
    actions.append(("sekretaris moves the PDF while it is open in a reader, then again",
                    "Windows: sharing violation, nothing changed; the second move agreed"))

    # 6. A leftover: the kasubag drops a stale copy of an earlier version into disetujui\
    #    after the case moved on, plus an unknown file.
    stale = ws.case_dir(case) / "files"
    earlier = sorted(stale.glob("*.pdf"), key=lambda p: p.stat().st_mtime)[0].read_bytes()
    kasubag.write(f"disetujui/{case} - Copy.pdf", earlier)
    kasubag.write("disetujui/foto kegiatan.jpg", b"\xff\xd8\xff\xe0 not a letter")
    wait_until(lambda: not kasubag.exists(f"disetujui/{case} - Copy.pdf"), timeout=60,
               what="the stale copy to be cleared")
    wait_until(lambda: kasubag.exists("disetujui/foto kegiatan.jpg.galat.txt"), timeout=60,
               what="the unknown file's note")
    assert not any(p.name.startswith(case) for p in sf1.root.iterdir())
    actions.append(("stale 'SPT - Copy.pdf' of an earlier version after the case moved on",
                    "cleared quietly (its bytes are kept in state/)"))
    actions.append(("unknown 'foto kegiatan.jpg' in disetujui", "left in place with one note"))

    # 7. Idle with the leftover: no busy loop, no new log lines.
    proc = psutil.Process(office.service.proc.pid)
    time.sleep(7)  # past the judging time and one full rescan (5 s)
    lines_before = office.service.log.read_text(errors="replace").count("\n")
    proc.cpu_percent(None)
    window = 12.0
    time.sleep(window)
    cpu = proc.cpu_percent(None)
    new_lines = office.service.log.read_text(errors="replace").count("\n") - lines_before
    print(f"\nidle with leftovers ({mode}): {cpu:.2f} % of a core over {window:.0f} s, "
          f"{new_lines} new log lines")
    assert cpu < 1.0, cpu
    assert new_lines == 0, office.service.tail(new_lines + 1)
    actions.append((f"idle {window:.0f} s with the leftovers ({mode})",
                    f"{cpu:.2f} % of a core, {new_lines} new log lines"))
    kasubag.delete("disetujui/foto kegiatan.jpg")
    wait_until(lambda: not kasubag.exists("disetujui/foto kegiatan.jpg.galat.txt"),
               timeout=30, what="the note about the deleted file to go")
    actions.append(("the official deletes the unknown file", "its note goes too"))

    # 8. The rest of the chain over SMB; the letter is issued, no note is left anywhere.
    for stage in wf.stages[3:]:
        pc = _pc(samba, office, stage.index)
        office.officials.wait_for(case, stage.index)
        pc.move(f"{case}.pdf", f"disetujui/{case}.pdf")
    entry = wait_until(lambda: office.store().agenda.for_case(case), timeout=120,
                       what="the letter to be issued")
    assert entry is not None
    for stage in wf.stages:
        sf = ws.folder(stage.index)
        left = [p.name for d in (sf.root, sf.agreed, sf.returned) for p in d.iterdir()
                if p.name.startswith(case)]
        assert not left, (stage.folder, left)
    actions.append(("inspektur … gubernur move the PDF into disetujui", "issued, no note left"))
    print("\n" + "\n".join(f"| {a} | {b} |" for a, b in actions))


def test_a_folder_and_a_refused_file_moved_in_twice_over_smb(share_inotify):
    """The kasubag at a Windows PC: makes a folder in disetujui (New > Folder, renamed),
    copies an edited PDF in over a stalling link, and, not having read the refusal mail,
    moves the kept file in again. The folder is noted and recorded once; each refusal is
    recorded and mailed; the genuine file still moves the case on."""
    office, samba = share_inotify
    ws, o = office.ws, office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
    case = o.new_cases(set(), timeout=120)[0]
    _pc(samba, office, 0).move(f"{case}.docx", f"disetujui/{case}.docx")
    o.wait_for(case, 1)
    kasubag = _pc(samba, office, 1)

    kasubag.new_folder("disetujui", "Lampiran rapat")
    wait_until(lambda: kasubag.exists("disetujui/Lampiran rapat.galat.txt"), timeout=60,
               what="the note beside the folder")
    unknown = [e for e in office.store().audit.all() if e.action == "file.unknown"]
    assert [(e.detail["name"], e.detail["entry"]) for e in unknown] == [
        ("Lampiran rapat", "folder")]

    edited = bytearray(kasubag.read(f"{case}.pdf"))
    edited[len(edited) // 2] ^= 0x01
    kasubag.copy_slowly(f"disetujui/{case} (edit).pdf", bytes(edited), chunk=16 * 1024,
                        presize=True, stalls={1: 3.0})

    def refusal_mails() -> list:
        return sorted(ws.outbox.rglob(f"{case}-tidak_diproses-*.eml"))

    wait_until(lambda: len(refusal_mails()) == 1, timeout=60, what="the first refusal mail")
    kept = next(n for n in kasubag.listdir() if n.endswith("-ditolak.pdf"))
    assert kasubag.read(kept) == bytes(edited)
    kasubag.move(kept, f"disetujui/{kept}")
    wait_until(lambda: len(refusal_mails()) == 2, timeout=60, what="the second refusal mail")
    assert len(_audit(office, case, "stage.refused")) == 2

    kasubag.move(f"{case}.pdf", f"disetujui/{case}.pdf")
    o.wait_for(case, 2, timeout=60)
    assert kasubag.exists("disetujui/Lampiran rapat")  # left where the kasubag made it
    assert len([e for e in office.store().audit.all() if e.action == "file.unknown"]) == 1


def test_only_the_stage_official_may_approve(tmp_path):
    """`spt share --pasang` on a real Samba: the kasubag cannot write into the gubernur's
    folder (neither through the gubernur's share nor the read-only view), the gubernur
    can; the share holds nothing secret."""
    if not samba_available():
        pytest.skip("needs smbd and root")
    import pwd
    import subprocess
    import sys

    office = Office(tmp_path / "ws")
    samba = SambaServer(tmp_path / "samba")
    samba.configure("")  # [global] only: `spt share --pasang` adds the shares
    wf = office.workflow
    accounts = [account(s) for s in wf.stages]
    existing = set()
    for name in accounts:
        try:
            pwd.getpwnam(name)
            existing.add(name)
        except KeyError:
            pass
    done = subprocess.run([sys.executable, "-m", "pipeline", "share", "--pasang",
                           "--config", str(office.config_path), "--service-user", "root",
                           "--smb-conf", str(samba.conf)], capture_output=True, text=True)
    samba._made_users += [a for a in accounts if a not in existing]  # removed at stop
    assert done.returncode == 0, done.stderr
    assert "smbpasswd -a" in done.stdout
    assert f"include = {samba.conf.parent / 'spt.conf'}" in samba.conf.read_text()
    for name in accounts:
        samba.add_user(name)  # what IT does with the printed smbpasswd line
    samba.start()
    try:
        kasubag, gubernur = wf.stages[1], wf.stages[-1]
        target = "disetujui/SPT-2026-0001.pdf"
        as_kasubag = samba.official(account(kasubag), f"spt-{gubernur.folder}")
        with pytest.raises(Exception) as denied:
            as_kasubag.write(target, b"%PDF-1.7\n%%EOF\n")
        assert access_denied(denied.value), denied.value
        view = samba.official(account(kasubag), "spt")
        assert sorted(view.listdir()) == ["inbox", "stages"]  # no pki, state, spt.toml
        assert gubernur.folder in view.listdir("stages")  # may look
        with pytest.raises(Exception) as denied:
            view.write(f"stages/{gubernur.folder}/{target}", b"%PDF-1.7\n%%EOF\n")
        assert access_denied(denied.value), denied.value
        assert not (office.ws.folder(gubernur.index).agreed / "SPT-2026-0001.pdf").exists()
        as_gubernur = samba.official(account(gubernur), f"spt-{gubernur.folder}")
        as_gubernur.write(target, b"%PDF-1.7\n%%EOF\n")
        assert (office.ws.folder(gubernur.index).agreed / "SPT-2026-0001.pdf").exists()
        # The drafter may drop invitations; nobody else may.
        with pytest.raises(Exception) as denied:
            samba.official(account(kasubag), "spt-inbox").write("x.pdf", b"%PDF")
        assert access_denied(denied.value), denied.value
    finally:
        samba.stop()


def test_cancel_by_the_drafter_and_by_it(share_inotify):
    """batal/ at the drafting stage (reason typed in Word), and `spt batal` by IT at a
    later stage: the case leaves every folder, shows as batal, the pemohon is told."""
    import subprocess
    import sys


    office, samba = share_inotify
    ws, wf = office.ws, office.workflow
    o = office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
    o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
    first, second = o.new_cases(set(), count=2, timeout=120)
    drafter = _pc(samba, office, 0)

    # The drafter: the reason typed in Word (a .docx), the DOCX moved into batal\.
    drafter.write(f"batal/{first}.docx.docx", b"")  # saved empty first, then the text
    drafter.move(f"{first}.docx", f"batal/{first}.docx")
    time.sleep(2)
    drafter.write(f"batal/{first}.docx.docx", docx_with(["Ini bukan undangan; salah kirim."]))
    wait_until(lambda: office.store().cases.get(first).state.status.value == "cancelled",
               timeout=60, what="the drafter's cancellation")
    (entry,) = _audit(office, first, "case.cancelled")
    assert entry.detail["reason"] == "Ini bukan undangan; salah kirim."

    # IT cancels the second case after the drafter agreed (it is at the kasubag).
    drafter.move(f"{second}.docx", f"disetujui/{second}.docx")
    o.wait_for(second, 1)
    cli = [sys.executable, "-m", "pipeline", "batal", second, "--config",
           str(office.config_path)]
    out = subprocess.run([*cli, "--alasan", "Kegiatan ditunda oleh penyelenggara."],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    again = subprocess.run([*cli, "--alasan", "lagi"], capture_output=True, text=True)
    assert again.returncode != 0 and "dibatalkan" in again.stderr  # told, not done twice

    for case in (first, second):
        for stage in wf.stages:
            wait_until(lambda c=case, s=stage: o.stage_is_empty_of(c, s.index)
                       and not any((ws.folder(0).cancel).iterdir()), timeout=60,
                       what=f"{case} to leave {stage.folder}")
        mail = wait_until(lambda c=case: sorted(ws.outbox.rglob(f"{c}-batal-*.eml")),
                          timeout=30, what=f"the cancellation mail of {case}")
        text = mail[0].read_text(errors="replace")
        assert "rina.agenda@diskopukm.kalbarprov.go.id" in text
        status = subprocess.run([sys.executable, "-m", "pipeline", "status", case,
                                 "--config", str(office.config_path)],
                                capture_output=True, text=True)
        assert "dibatalkan" in status.stdout, status.stdout
    assert office.store().cases.get(second).state.status.value == "cancelled"
    report = subprocess.run([sys.executable, "-m", "pipeline", "report", "--config",
                             str(office.config_path)], capture_output=True, text=True)
    assert "dibatalkan: 2" in report.stdout, report.stdout[-2000:]
    assert (ws.case_dir(first) / "alasan").is_dir()  # the reason kept, not left behind


def test_reasons_written_late_or_twice_and_a_copy_refused_then_completed(tmp_path):
    """A return recorded without a reason gets it later (forwarded, not kept for the next
    return); two reason files give both texts; an inbox copy set aside while its sender
    was still writing is taken again once it is complete."""
    office, samba = _start(tmp_path, "poll", reason_grace_seconds="8",
                           incomplete_after_seconds="4", judge_after_seconds="3")
    try:
        _reasons_late_or_twice(office, samba)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{office.service.tail(40)}") from None
    finally:
        office.service.stop()
        samba.stop()


def _reasons_late_or_twice(office, samba) -> None:
    ws = office.ws
    inbox = samba.official(account(office.workflow.stages[0]), "spt-inbox")
    pdf = (SAMPLES / "undangan-dev-05.pdf").read_bytes()
    inbox.write("undangan-lambat.txt", NOTE.encode("cp1252"))
    # The copy stops half-way for longer than the service waits for a whole file.
    with smbclient.open_file(inbox.unc("undangan-lambat.pdf"), mode="wb",
                             **inbox._kw()) as fh:
        fh.write(pdf[:1000])
        fh.flush()
        wait_until(lambda: (ws.inbox_rejected / "undangan-lambat.pdf").exists(),
                   timeout=60, what="the unfinished copy to be set aside")
        fh.write(pdf[1000:])  # the sender's handle follows the file into ditolak/
    case = office.officials.new_cases(set(), timeout=120)[0]
    assert (ws.inbox_accepted / "undangan-lambat.pdf").read_bytes() == pdf
    actions = [e.action for e in office.store().audit.all()]
    assert actions.count("intake.rejected") == 1 and "intake.retried" in actions

    drafter = _pc(samba, office, 0)
    kasubag = _pc(samba, office, 1)
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    office.officials.wait_for(case, 1)
    # Returned without a reason: recorded "tanpa alasan" after the wait, with a note.
    kasubag.move(f"{case}.pdf", f"dikembalikan/{case}.pdf")
    wait_until(lambda: _audit(office, case, "stage.returned"), timeout=60,
               what="the return without a reason")
    assert _audit(office, case, "stage.returned")[0].detail["reason"] == "tanpa alasan"
    wait_until(lambda: kasubag.exists(f"dikembalikan/{case}.galat.txt"), timeout=30,
               what="the note saying it was recorded without a reason")
    assert "TANPA ALASAN" in kasubag.read(f"dikembalikan/{case}.galat.txt").decode()
    # The reason comes later, in cp1252 with an upper-case extension: forwarded.
    late = "Nama kegiatan salah ketik – mohon diperbaiki."
    kasubag.write(f"dikembalikan/{case}.TXT", late.encode("cp1252"))
    wait_until(lambda: _audit(office, case, "stage.return_reason"), timeout=60,
               what="the late reason to be forwarded")
    assert _audit(office, case, "stage.return_reason")[0].detail["reason"] == late
    note = ws.folder(0).root / f"{case}-catatan.txt"
    wait_until(lambda: late in note.read_text(encoding="utf-8"), timeout=30,
               what="the drafter's note to carry the late reason")
    assert not kasubag.listdir("dikembalikan")  # taken, not kept for the next return

    # Returned again with two reason files: both texts, none lost.
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    office.officials.wait_for(case, 1)
    kasubag.write(f"dikembalikan/{case}.txt", "Tempat belum diisi.".encode("utf-8-sig"))
    kasubag.write("dikembalikan/New Text Document.txt",
                  b"\xff\xfe" + "Tanggal juga salah.".encode("utf-16-le"))
    kasubag.move(f"{case}.pdf", f"dikembalikan/{case}.pdf")
    wait_until(lambda: len(_audit(office, case, "stage.returned")) == 2, timeout=60,
               what="the second return")
    reason = _audit(office, case, "stage.returned")[1].detail["reason"]
    assert "Tempat belum diisi." in reason and "Tanggal juga salah." in reason
    kept = sorted(p.name for p in (ws.case_dir(case) / "alasan").iterdir())
    assert len(kept) == 3, kept


@pytest.fixture(params=["inotify", "poll"])
def share_slow_rescan(request, tmp_path):
    """A full rescan only every 30 s: what the service notices sooner came by its watch."""
    office, samba = _start(tmp_path, request.param, rescan_seconds="30")
    yield office, samba, request.param
    office.service.stop()
    samba.stop()


def test_a_stage_folder_disappears_around_a_copy(share_slow_rescan):
    """An official renames or deletes disetujui\\ or dikembalikan\\ around a copy into it:
    Samba refuses while the copy is open; a folder renamed after the link dropped mid-copy
    is made again with a note, its partial file is never taken and stays where it is; a
    deleted folder is made again with a note; full_audit says which account did what."""
    office, samba, _mode = share_slow_rescan
    try:
        _folder_disappears(office, samba)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{office.service.tail(40)}") from None


def _folder_disappears(office, samba) -> None:
    ws, o = office.ws, office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-03.pdf", note=NOTE)
    case = o.new_cases(set(), timeout=120)[0]
    drafter = _pc(samba, office, 0)
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    o.wait_for(case, 1)
    kasubag = _pc(samba, office, 1)
    explorer = kasubag.on_another_pc()  # the same official in another Explorer window
    sf1 = ws.folder(1)
    letter = kasubag.read(f"{case}.pdf")
    half = len(letter) // 2

    # 1. A copy into disetujui\ from the official's desktop; the link drops half-way (the
    #    server closes the handle: a partial file stays). Then disetujui\ is renamed.
    with smbclient.open_file(kasubag.unc(f"disetujui/{case}.pdf"), mode="wb",
                             **kasubag._kw()) as fh:
        fh.write(letter[:half])
    explorer.move("disetujui", "disetujui lama")
    note = "disetujui lama.galat.txt"
    wait_until(lambda: kasubag.exists(note) and kasubag.exists("disetujui"), timeout=45,
               what="disetujui made again, with a note beside the renamed folder")
    text = text_renamed = kasubag.read(note).decode("utf-8")
    assert 'diganti namanya menjadi "disetujui lama"' in text, text
    assert "TIDAK diproses" in text and f"- {case}.pdf" in text, text
    assert kasubag.listdir("disetujui") == []
    # Nothing lost, nothing taken: the partial file is where the official's copy put it.
    assert kasubag.read(f"disetujui lama/{case}.pdf") == letter[:half]
    assert office.store().cases.get(case).state.stage == 1
    assert not [e for e in office.store().audit.for_case(case)
                if e.stage == office.workflow.stages[1].key
                and e.action.value.startswith("stage.")]
    assert not any(p.name.endswith(".galat.txt") and p.name != note for p in sf1.root.iterdir())
    assert "was renamed to 'disetujui lama'" in office.service.log.read_text(errors="replace")

    # 2. The official copies again, into the new disetujui\; while the copy is open,
    #    renaming or deleting the folder is refused by Samba (as by Windows).
    with smbclient.open_file(kasubag.unc(f"disetujui/{case}.pdf"), mode="wb",
                             **kasubag._kw()) as fh:
        fh.write(letter[:half])
        fh.flush()
        with pytest.raises(SMBOSError) as refused:
            explorer.move("disetujui", "disetujui baru")
        assert access_denied(refused.value), refused.value
        with pytest.raises(SMBOSError) as refused:
            explorer.delete_folder("disetujui")
        assert sharing_violation(refused.value), refused.value
        fh.write(letter[half:])
    # Taken by the watch on the folder made anew (a full rescan is 30 s away).
    o.wait_for(case, 2, timeout=20)
    assert kasubag.read(f"disetujui lama/{case}.pdf") == letter[:half]  # still untouched

    # 3. The official deletes the renamed folder with its partial file: the note goes.
    explorer.delete_folder("disetujui lama")
    wait_until(lambda: not kasubag.exists(note), timeout=45, what="the note to go")

    # 4. The sekretaris deletes the empty dikembalikan\: made again with a note, which goes
    #    when the case leaves the stage.
    sekretaris = _pc(samba, office, 2)
    sekretaris.delete_folder("dikembalikan")
    wait_until(lambda: sekretaris.exists("dikembalikan.galat.txt")
               and sekretaris.exists("dikembalikan"), timeout=45,
               what="dikembalikan made again with a note")
    text = sekretaris.read("dikembalikan.galat.txt").decode("utf-8")
    assert "dihapus" in text and "dibuat ulang" in text, text
    sekretaris.move(f"{case}.pdf", f"disetujui/{case}.pdf")
    o.wait_for(case, 3, timeout=20)
    wait_until(lambda: not sekretaris.exists("dikembalikan.galat.txt"), timeout=20,
               what="the deleted-folder note to go once a case left the stage")
    assert office.service.proc.poll() is None  # the service kept running throughout

    # 5. What IT sees in Samba's full_audit: the officials' operations under their own
    #    accounts; the service's own (making disetujui again, taking the PDF out of it,
    #    publishing at the next stage) are not SMB operations and are not there at all.
    assert samba.audited, "Samba's full_audit module is missing (samba-vfs-modules)"
    kasubag_dir = sf1.root
    audit = samba.audit()
    renames = [a for a in audit if a.op == "renameat" and a.ok
               and a.touches(kasubag_dir / "disetujui")]
    assert [(a.user, a.args[-1]) for a in renames] == [
        (kasubag.user, str(kasubag_dir / "disetujui lama"))], renames
    made = [a for a in audit if a.op == "mkdirat" and a.touches(kasubag_dir / "disetujui")]
    assert made == [], made  # made again by the service, not by anyone on the share
    taken = kasubag_dir / "disetujui" / f"{case}.pdf"
    assert {a.user for a in audit if a.touches(taken)} == {kasubag.user}
    assert not [a for a in audit if a.op == "unlinkat" and a.touches(taken)]
    assert {a.user for a in audit} <= {account(s) for s in office.workflow.stages}
    print("\nfull_audit (kasubag's folder):\n" + "\n".join(
        f"{a.user} {a.op} {'ok' if a.ok else 'FAIL'} {' '.join(a.args)}" for a in audit
        if any(str(kasubag_dir) in x for x in a.args)))
    print("service log:\n" + "\n".join(
        line for line in office.service.log.read_text(errors="replace").splitlines()
        if "made it again" in line or "the folder" in line))
    print(f"notes:\n{note}:\n{text_renamed}\ndikembalikan.galat.txt:\n{text}")


def test_a_late_word_save_left_at_issue_is_set_aside_with_a_note(share_inotify):
    """The drafter's Word saves the draft again after it was sent on and is still open when
    the letter is issued: the edit and Word's owner file leave the share for the case's
    sisa/, each with a note saying what it is, which case, and why; full_audit shows the
    drafter's saves under the drafter's account and no SMB operation for the service's
    moves."""
    office, samba = share_inotify
    try:
        _late_save_at_issue(office, samba)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{office.service.tail(40)}") from None


def _late_save_at_issue(office, samba) -> None:
    ws, wf, o = office.ws, office.workflow, office.officials
    o.drop_invitation(SAMPLES / "undangan-dev-04.pdf", note=NOTE)
    case = o.new_cases(set(), timeout=120)[0]
    drafter = _pc(samba, office, 0)
    draft = drafter.read(f"{case}.docx")
    drafter.move(f"{case}.docx", f"disetujui/{case}.docx")
    o.wait_for(case, 1)
    edited = ws.root / "edited.docx"
    edited.write_bytes(draft)
    add_employee_row(edited, {"nama": "Budi Santoso, S.T.", "nip": "198201152008011003",
                              "pangkat": "Penata Tingkat I", "golongan": "III/d",
                              "jabatan": "Analis Kebijakan Ahli Muda"})
    late = edited.read_bytes()
    drafter.word_save(f"{case}.docx", late, still_open=True)
    owner = f"~${case[2:]}.docx"
    assert drafter.exists(owner)
    wait_until(lambda: drafter.exists(f"{case}.galat.txt"), timeout=60,
               what="the note about the late save")
    for stage in wf.stages[1:]:
        o.wait_for(case, stage.index)
        _pc(samba, office, stage.index).move(f"{case}.pdf", f"disetujui/{case}.pdf")
    wait_until(lambda: office.store().agenda.for_case(case), timeout=180,
               what="the letter to be issued")

    # The drafter's folder holds nothing of the case any more.
    wait_until(lambda: not ({f"{case}.docx", owner, f"{case}.galat.txt"}
                            & set(drafter.listdir())), timeout=30,
               what="the late save and Word's owner file to leave the drafting folder")
    sisa = ws.case_dir(case) / "sisa"
    assert (sisa / f"{case}.docx").read_bytes() == late  # nothing lost
    assert (sisa / owner).exists()
    text = (sisa / f"{case}.docx.catatan.txt").read_text(encoding="utf-8")
    assert case in text and "SETELAH draf diteruskan" in text, text
    assert "TIDAK termasuk dalam surat" in text and f"{case} sudah terbit" in text, text
    owner_text = (sisa / f"{owner}.catatan.txt").read_text(encoding="utf-8")
    assert "berkas kunci Microsoft Word" in owner_text and case in owner_text, owner_text

    # full_audit: the save is the drafter's (Word's temporary renamed onto the name); the
    # service's moves out of the share are no SMB operation, so nobody's in the audit.
    assert samba.audited, "Samba's full_audit module is missing (samba-vfs-modules)"
    saved = ws.folder(0).root / f"{case}.docx"
    ops = [(a.user, a.op, a.args[-1]) for a in samba.audit()
           if a.ok and a.op in ("renameat", "unlinkat") and a.touches(saved)]
    assert ops == [(drafter.user, "renameat", str(ws.folder(0).agreed / f"{case}.docx")),
                   (drafter.user, "renameat", str(saved))], ops
    print(f"\n{case}.docx.catatan.txt:\n{text}\n{owner}.catatan.txt:\n{owner_text}")
